"""A paper as the catalog knows it (catalog stage): the validated paper with what the catalog derives from it alone.

`CatalogPaper` joins a paper to its head types, stages, venue, models and methods as labels (what a page shows of
them and where it links), its page's path and its facet values. Labels are made once per head type, stage, venue,
model and method and shared by every paper that names them. Nothing here depends on other papers: orderings,
groupings and related papers are the layout's (layout.py).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from headcat.catalog import facets, urls
from headcat.model.fields import slugify
from headcat.model.paper import Paper
from headcat.model.taxonomy import HeadType, LanguageModel, Method, MethodFamily, MethodType, ModelFamily, Stage

PublicationKind = Literal["preprint", "conference", "journal", "other"]

_JOURNAL_VENUE = re.compile(r"\b(TACL|JMLR|TMLR|Journal|Transactions|Distill|Thread)\b", re.IGNORECASE)
_CONFERENCE_VENUE = re.compile(
    r"\b(ACL|EMNLP|NAACL|EACL|AACL|COLING|CoNLL|IJCNLP|LREC|NeurIPS|NIPS|ICLR|ICML|AAAI|IJCAI|SIGIR|KDD|WWW|AISTATS|"
    r"UAI|COLT|CVPR|ICCV|ECCV|COLM|BlackboxNLP|Findings|Workshop|Conference|Proceedings|Symposium)\b", re.IGNORECASE)


@dataclass(frozen=True)
class HeadLabel:
    """A head type as a paper's labels show it: its taxonomy entry, slug and page."""

    head_type: HeadType
    slug: str
    path: str
    subcategory_slug: str | None
    """The slug of the sub-category the taxonomy places it in (None for a head type outside the stages)."""

    @classmethod
    def of(cls, head_type: HeadType, folder: str) -> HeadLabel:
        """Its label, its page in `folder` (the catalog's words for head types give it)."""
        slug = slugify(head_type.name)
        subcategory = slugify(head_type.subcategory) if head_type.stage and head_type.subcategory else None
        return cls(head_type, slug, urls.level_page(folder, slug), subcategory)


TONES = 8
"""How many colours the stylesheet gives the stages (tone-1 to tone-8); a ninth stage takes the first again."""


@dataclass(frozen=True)
class StageLabel:
    """A stage as a paper's labels show it: its taxonomy entry, slug, page and colour."""

    stage: Stage
    slug: str
    path: str
    tone: int
    """Its colour in the stylesheet (tone-1, tone-2, ...), by its place in the taxonomy."""

    @classmethod
    def of(cls, stage: Stage, folder: str, index: int) -> StageLabel:
        """The label of the `index`-th stage (from 0), its page in `folder` (the catalog's words for stages)."""
        slug = stage.id.lower()
        return cls(stage, slug, urls.level_page(folder, slug), index % TONES + 1)


@dataclass(frozen=True)
class VenueLabel:
    """A venue as a paper shows it: its name as the paper gives it, slug and page."""

    name: str
    slug: str
    path: str

    @classmethod
    def of(cls, name: str) -> VenueLabel:
        slug = slugify(name)
        return cls(name, slug, urls.venue_page(slug))


@dataclass(frozen=True)
class ModelLabel:
    """A language model as a paper names it: its vocabulary entry, and its family's slug and page (a model is
    listed, and filtered, with its family)."""

    model: LanguageModel
    family: ModelFamily
    slug: str
    path: str

    @classmethod
    def of(cls, model: LanguageModel, family: ModelFamily) -> ModelLabel:
        slug = slugify(family.name)
        return cls(model, family, slug, urls.model_family_page(slug))


@dataclass(frozen=True)
class MethodLabel:
    """A method as a paper names it: its vocabulary entry, family, type, slug and page."""

    method: Method
    family: MethodFamily
    type: MethodType
    slug: str
    path: str

    @classmethod
    def of(cls, method: Method, family: MethodFamily, kind: MethodType) -> MethodLabel:
        slug = slugify(method.name)
        return cls(method, family, kind, slug, urls.method_page(slug))


@dataclass(frozen=True)
class AuthorLabel:
    """An author as a paper names them: the name as the paper spells it, slug and page. Spellings that give the
    same slug ('Rene Martin', 'René Martin') are one author with one page."""

    name: str
    slug: str
    path: str

    @classmethod
    def of(cls, name: str) -> AuthorLabel:
        return _author_label(name)


@functools.lru_cache(maxsize=1 << 17)
def _author_label(name: str) -> AuthorLabel:
    """One label per spelling, shared by every paper that names it (and its digest worked out once)."""
    slug = slugify(name)
    return AuthorLabel(name, slug, urls.author_page(slug))


@dataclass(frozen=True)
class TypedLink:
    """One link of a paper with what it leads to: 'paper', 'code', ... (the keys of `links`), 'arXiv' or 'DOI'."""

    kind: str
    url: str

    @property
    def label(self) -> str:
        """What a link to it says."""
        return LINK_LABELS[self.kind]


LINK_LABELS = {"paper": "Paper", "code": "Code", "project": "Project page", "data": "Data", "demo": "Demo",
               "poster": "Poster", "video": "Video", "slides": "Slides", "blog": "Blog post",
               "openreview": "OpenReview", "arXiv": "arXiv", "DOI": "DOI"}


@functools.lru_cache(maxsize=4096)
def _shared_pair(param: str, values: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    """One (parameter, values) pair for equal ones: a facet's common values are shared, rare ones (a paper's
    authors) pass through the cache."""
    return param, values


@dataclass(frozen=True)
class CatalogPaper:
    """A paper with what the catalog derives from it: its head types and stages (its own override, else its head
    types'), venue, page and the values the facets (facets.py) give it."""

    id: str
    paper: Paper
    heads: tuple[HeadLabel, ...]
    stages: tuple[StageLabel, ...]
    """In framework order."""
    venue: VenueLabel | None
    models: tuple[ModelLabel, ...] = ()
    methods: tuple[MethodLabel, ...] = ()

    @cached_property
    def model_family_slugs(self) -> tuple[str, ...]:
        """The families of its models, each once, in the order it names them."""
        return tuple(dict.fromkeys(label.slug for label in self.models))

    @cached_property
    def method_slugs(self) -> tuple[str, ...]:
        return tuple(label.slug for label in self.methods)

    @cached_property
    def facet_values(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(facet parameter, the paper's values) for every facet, in the facets' order: what its card's data
        attributes hold and what the catalog groups it by. Worked out from the fields above (so a key made of them
        covers these too). Papers with the same values for a facet share one pair (most facets have a few dozen
        values: ten pairs a paper were 6 MB at 10,000 papers)."""
        return tuple(_shared_pair(facet.param, facet.values_of(self)) for facet in facets.FACETS)

    @cached_property
    def facet_attributes(self) -> tuple[tuple[str, str], ...]:
        """(facet parameter, the paper's values separated by spaces) for each facet the paper has values for: its
        card's data attributes."""
        return tuple((param, " ".join(values)) for param, values in self.facet_values if values)

    @cached_property
    def authors(self) -> tuple[AuthorLabel, ...]:
        """Its authors in order, each with the page that lists their papers."""
        return tuple(AuthorLabel.of(name) for name in self.paper.authors or ())

    def author(self, slug: str) -> AuthorLabel:
        """The author with this slug, as this paper spells their name (a list names an author as their newest
        paper does)."""
        return next(label for label in self.authors if label.slug == slug)

    @cached_property
    def author_slugs(self) -> tuple[str, ...]:
        """Its authors' slugs, each once (two spellings of one name in one paper are one author)."""
        return tuple(dict.fromkeys(label.slug for label in self.authors))

    @cached_property
    def head_slugs(self) -> tuple[str, ...]:
        return tuple(label.slug for label in self.heads)

    @cached_property
    def head_names(self) -> str:
        """Its head types' names, comma-separated: 'Induction Head, Previous Token Head'."""
        return ", ".join(label.head_type.name for label in self.heads)

    @property
    def path(self) -> str:
        return urls.paper_page(self.id)

    @property
    def year(self) -> int:
        return self.paper.date.year

    @property
    def head_types(self) -> tuple[HeadType, ...]:
        return tuple(label.head_type for label in self.heads)

    @property
    def stage_ids(self) -> tuple[str, ...]:
        return tuple(label.stage.id for label in self.stages)

    @property
    def has_code(self) -> bool:
        return links_to_code(self.paper)

    @property
    def arxiv_url(self) -> str | None:
        return f"https://arxiv.org/abs/{self.paper.arxiv}" if self.paper.arxiv else None

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.paper.doi}" if self.paper.doi else None

    @property
    def paper_url(self) -> str:
        """Where to read the paper: its paper link, else its arXiv page, else its DOI page (it has one of them)."""
        return self.paper.links.paper or self.arxiv_url or self.doi_url or ""

    @cached_property
    def typed_links(self) -> tuple[TypedLink, ...]:
        """The file's links in the order of `links`, then the arXiv and DOI pages when no link already goes there."""
        links = [TypedLink(kind, url) for kind, url in self.paper.links.model_dump().items() if url]
        for kind, url in (("arXiv", self.arxiv_url), ("DOI", self.doi_url)):
            if url and url not in {link.url for link in links}:
                links.append(TypedLink(kind, url))
        return tuple(links)

    @property
    def publication_kind(self) -> PublicationKind:
        """What the venue is, for citations: an arXiv preprint, a conference or workshop, a journal, or other."""
        venue = self.paper.venue or ""
        if venue.casefold().startswith("arxiv") or (not venue and self.paper.arxiv):
            return "preprint"
        if _JOURNAL_VENUE.search(venue):
            return "journal"
        if _CONFERENCE_VENUE.search(venue):
            return "conference"
        return "other"


def links_to_code(paper: Paper) -> bool:
    """Whether the paper has a code link: the "has code" facet and the code page."""
    return paper.links.code is not None
