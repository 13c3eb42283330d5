"""The catalog stage: validated papers in, the catalog out, with every grouping and derived value.

Computes what no file states: each paper's stages (from its head types unless it overrides them), year, slug
paths and related papers; groups by head type, stage and sub-category, year and venue. Every ordering has an
explicit tie-break, so the same input always gives the same catalog. Reads no files and renders nothing.

The groupings are worked out in two steps: `plan_layout` gives the catalog's layout, every ordering and grouping as
paper ids, from the few fields it depends on (`layout_key` digests them); `build_catalog` puts the papers and the
taxonomy's objects in place. A rebuild after an edit that changes none of those fields (a summary, a title) takes
the layout from the build cache.
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal

from headcat.cache.build_cache import fingerprint
from headcat.model.config import Config
from headcat.model.paper import Paper
from headcat.model.taxonomy import HeadType, Stage, SubCategory, Taxonomy

RELATED_PAPERS_MAX = 6

PublicationKind = Literal["preprint", "conference", "journal", "other"]

_JOURNAL_VENUE = re.compile(r"\b(TACL|JMLR|TMLR|Journal|Transactions|Distill|Thread)\b", re.IGNORECASE)
_CONFERENCE_VENUE = re.compile(
    r"\b(ACL|EMNLP|NAACL|EACL|AACL|COLING|CoNLL|IJCNLP|LREC|NeurIPS|NIPS|ICLR|ICML|AAAI|IJCAI|SIGIR|KDD|WWW|AISTATS|"
    r"UAI|COLT|CVPR|ICCV|ECCV|COLM|BlackboxNLP|Findings|Workshop|Conference|Proceedings|Symposium)\b", re.IGNORECASE)


@dataclass(frozen=True)
class TypedLink:
    """One link of a paper with what it leads to: 'paper', 'code', ... (the keys of `links`), 'arXiv' or 'DOI'."""

    kind: str
    url: str


@dataclass(frozen=True)
class CatalogPaper:
    """A paper with what the catalog derives from it."""

    id: str
    paper: Paper
    head_types: tuple[HeadType, ...]
    stage_ids: tuple[str, ...]
    related_ids: tuple[str, ...]

    @property
    def year(self) -> int:
        return self.paper.date.year

    @property
    def has_code(self) -> bool:
        return _links_to_code(self.paper)

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


@dataclass(frozen=True)
class HeadGroup:
    head_type: HeadType
    slug: str
    paper_ids: tuple[str, ...]
    related_slugs: tuple[str, ...]
    """Head types that appear together with this one in papers, most often first."""


@dataclass(frozen=True)
class SubCategoryGroup:
    subcategory: SubCategory
    slug: str
    head_slugs: tuple[str, ...]
    paper_ids: tuple[str, ...]


@dataclass(frozen=True)
class StageGroup:
    stage: Stage
    slug: str
    subcategories: tuple[SubCategoryGroup, ...]
    paper_ids: tuple[str, ...]


@dataclass(frozen=True)
class YearGroup:
    year: int
    paper_ids: tuple[str, ...]


@dataclass(frozen=True)
class VenueGroup:
    venue: str
    slug: str
    paper_ids: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    config: Config
    taxonomy: Taxonomy
    papers: tuple[CatalogPaper, ...]
    """Newest first: by date, then paper id."""
    heads: tuple[HeadGroup, ...]
    """In taxonomy order (by stage and sub-category), unplaced head types last."""
    stages: tuple[StageGroup, ...]
    years: tuple[YearGroup, ...]
    """Newest year first."""
    venues: tuple[VenueGroup, ...]
    """Most papers first, then by name."""
    with_code: tuple[str, ...]
    """The ids of the papers that link to their code, in the catalog's order."""
    source_digests: Mapping[str, str] = field(default_factory=dict)
    """A digest of each paper file's text, by paper id, when the load stage gave them."""

    def paper(self, paper_id: str) -> CatalogPaper:
        return self._paper_by_id[paper_id]

    def head(self, name: str) -> HeadGroup:
        return self._head_by_name[name]

    def stage(self, stage_id: str) -> StageGroup:
        return self._stage_by_id[stage_id]

    @cached_property
    def data_key_by_id(self) -> dict[str, str]:
        """A digest of each paper's data and derived stages: what any output shows of it (the rest comes from the
        taxonomy and settings). Outputs of a later build whose papers have the same keys can be reused. The data is
        the file's text when its digest is known (the same text validates to the same paper, under the same
        taxonomy, which every output's key includes), else the validated paper."""
        return {entry.id: fingerprint(entry.id, self.source_digests.get(entry.id) or entry.paper.model_dump_json(),
                                      entry.paper.heads, entry.stage_ids)
                for entry in self.papers}

    @cached_property
    def structure_key(self) -> str:
        """A digest of how papers group (head types, stages, years, venues, code): what lists and counts are made of."""
        return fingerprint([(entry.id, entry.paper.heads, entry.stage_ids, entry.year, entry.paper.venue)
                            for entry in self.papers], self.with_code)

    @cached_property
    def _paper_by_id(self) -> dict[str, CatalogPaper]:
        return {entry.id: entry for entry in self.papers}

    @cached_property
    def _head_by_name(self) -> dict[str, HeadGroup]:
        return {group.head_type.name: group for group in self.heads}

    @cached_property
    def _stage_by_id(self) -> dict[str, StageGroup]:
        return {group.stage.id: group for group in self.stages}

    @property
    def latest_added(self) -> date | None:
        return max((entry.paper.added for entry in self.papers), default=None)

    def absolute_url(self, path: str) -> str | None:
        """The published address of a site path ('papers/x/'), or None when the config gives no base URL."""
        base_url = self.config.base_url
        if base_url is None:
            return None
        return base_url.rstrip("/") + "/" + path

    def newest_added(self, paper_ids: Iterable[str], count: int) -> tuple[CatalogPaper, ...]:
        """The `count` of these papers that entered the catalog last, newest first, then by paper id (the feeds'
        order); picked without sorting them all (a head type of a large catalog has thousands)."""
        return tuple(self.paper(paper_id) for paper_id in heapq.nsmallest(count, paper_ids,
                                                                        key=self._added_rank.__getitem__))

    @cached_property
    def _added_rank(self) -> dict[str, int]:
        """Each paper's place in the whole catalog by when it entered it, newest first, then by paper id."""
        order = sorted(self.papers, key=lambda entry: (-entry.paper.added.toordinal(), entry.id))
        return {entry.id: rank for rank, entry in enumerate(order)}


@dataclass(frozen=True)
class CatalogLayout:
    """How the papers order, group and relate, as paper ids: everything the catalog stage works out from each
    paper's id, date, head types, stage override, venue and code link, and from the taxonomy (see `layout_key`)."""

    paper_ids: tuple[str, ...]
    """Newest first: by date, then paper id."""
    related_ids: dict[str, tuple[str, ...]]
    head_paper_ids: dict[str, tuple[str, ...]]
    """By head type name: its papers, in the catalog's order."""
    head_related_slugs: dict[str, tuple[str, ...]]
    """By head type name: the head types that appear with it in papers, most often first."""
    stage_paper_ids: dict[str, tuple[str, ...]]
    """By stage id: its papers, in the catalog's order."""
    subcategory_paper_ids: dict[tuple[str, str], tuple[str, ...]]
    """By (stage id, sub-category name): the papers whose head types are placed there, in the catalog's order."""
    years: tuple[tuple[int, tuple[str, ...]], ...]
    """Newest year first."""
    venues: tuple[tuple[str, tuple[str, ...]], ...]
    """Most papers first, then by name."""
    with_code: tuple[str, ...]


def layout_key(taxonomy: Taxonomy, papers_by_id: Mapping[str, Paper]) -> str:
    """A digest of everything `plan_layout` reads: the taxonomy and each paper's id, date, head types, stage
    override, venue and whether it links to its code."""
    return fingerprint(taxonomy.model_dump_json(),
                       [(paper_id, paper.date.toordinal(), paper.heads, paper.stages, paper.venue,
                         _links_to_code(paper)) for paper_id, paper in papers_by_id.items()])


def plan_layout(taxonomy: Taxonomy, papers_by_id: Mapping[str, Paper]) -> CatalogLayout:
    """The catalog's orderings and groupings, as paper ids."""
    ordered = sorted(papers_by_id, key=lambda paper_id: (papers_by_id[paper_id].date, paper_id), reverse=True)
    head_ids: dict[str, list[str]] = {name: [] for name in _names(taxonomy)}
    for paper_id in ordered:
        for name in papers_by_id[paper_id].heads:
            head_ids[name].append(paper_id)
    ids_by_stage, ids_by_subcategory = _ids_by_stage_and_subcategory(ordered, papers_by_id, taxonomy)
    return CatalogLayout(
        paper_ids=tuple(ordered),
        related_ids=_related_ids_by_paper(papers_by_id),
        head_paper_ids={name: tuple(ids) for name, ids in head_ids.items()},
        head_related_slugs={name: _related_slugs(name, ids, papers_by_id) for name, ids in head_ids.items()},
        stage_paper_ids={stage_id: tuple(ids) for stage_id, ids in ids_by_stage.items()},
        subcategory_paper_ids={place: tuple(ids) for place, ids in ids_by_subcategory.items()},
        years=_year_groups(ordered, papers_by_id),
        venues=_venue_groups(ordered, papers_by_id),
        with_code=tuple(paper_id for paper_id in ordered if _links_to_code(papers_by_id[paper_id])),
    )


def build_catalog(config: Config, taxonomy: Taxonomy, papers_by_id: Mapping[str, Paper],
                  source_digests: Mapping[str, str] | None = None, layout: CatalogLayout | None = None) -> Catalog:
    """Derive and group; the papers were validated by the load stage, so nothing here can fail on input. `layout`,
    when given, must be `plan_layout` of the same taxonomy and papers (the build cache keeps it by `layout_key`)."""
    layout = layout or plan_layout(taxonomy, papers_by_id)
    placements: dict[tuple[object, ...], tuple[tuple[HeadType, ...], tuple[str, ...]]] = {}
    """Head types and stages by (heads, stages override): papers that name the same share them."""
    papers = []
    for paper_id in layout.paper_ids:
        paper = papers_by_id[paper_id]
        placement = placements.get((paper.heads, paper.stages))
        if placement is None:
            placement = placements[paper.heads, paper.stages] = (
                tuple(taxonomy.resolve_head_type(name) for name in paper.heads),  # type: ignore[misc]
                _stage_ids(paper, taxonomy))
        papers.append(CatalogPaper(id=paper_id, paper=paper, head_types=placement[0], stage_ids=placement[1],
                                   related_ids=layout.related_ids[paper_id]))
    return Catalog(
        config=config,
        taxonomy=taxonomy,
        papers=tuple(papers),
        heads=tuple(HeadGroup(head_type=head, slug=slugify(head.name), paper_ids=layout.head_paper_ids[head.name],
                              related_slugs=layout.head_related_slugs[head.name]) for head in taxonomy.heads),
        stages=tuple(_stage_group(stage, taxonomy, layout) for stage in taxonomy.stages),
        years=tuple(YearGroup(year, paper_ids) for year, paper_ids in layout.years),
        venues=tuple(VenueGroup(venue, slugify(venue), paper_ids) for venue, paper_ids in layout.venues),
        with_code=layout.with_code,
        source_digests=source_digests or {},
    )


def slugify(text: str) -> str:
    """URL-safe lowercase words joined by hyphens: 'S-Inhibition Head' -> 's-inhibition-head'."""
    return "-".join(re.findall(r"[a-z0-9]+", text.casefold())) or "untitled"


def _names(taxonomy: Taxonomy) -> list[str]:
    return [head.name for head in taxonomy.heads]


def _links_to_code(paper: Paper) -> bool:
    """Whether the paper has a code link: the home page's "has code" filter, the code page and the layout."""
    return paper.links.code is not None


def _stage_ids(paper: Paper, taxonomy: Taxonomy) -> tuple[str, ...]:
    """The paper's override if given, else the stages of its placed head types, in framework order."""
    if paper.stages is not None:
        chosen = set(paper.stages)
    else:
        chosen = {head.stage for name in paper.heads if (head := taxonomy.resolve_head_type(name)) and head.stage}
    return tuple(stage.id for stage in taxonomy.stages if stage.id in chosen)


def _related_ids_by_paper(papers_by_id: Mapping[str, Paper]) -> dict[str, tuple[str, ...]]:
    """For each paper, up to RELATED_PAPERS_MAX papers sharing its head types: most shared first, then newest,
    then by id.

    Linear rather than comparing every pair: papers are listed under every subset of their head types, in rank
    order, and only the first few of each of a paper's subsets can make its top list (any paper further down a
    subset's list has RELATED_PAPERS_MAX others above it that share at least as much and are newer). Papers with
    the same head types share those candidates, so they are ranked once per set of head types (a large catalog has
    far fewer sets than papers); each paper then takes the first ones that are not itself.
    """
    rank_order = sorted(papers_by_id, key=lambda paper_id: (-papers_by_id[paper_id].date.toordinal(), paper_id))
    subsets_by_heads: dict[tuple[str, ...], list[frozenset[str]]] = {}
    ids_by_subset: dict[frozenset[str], list[str]] = {}
    for paper_id in rank_order:
        heads = papers_by_id[paper_id].heads
        subsets = subsets_by_heads.get(heads)
        if subsets is None:
            subsets = subsets_by_heads[heads] = _head_subsets(heads)
        for subset in subsets:
            ids_by_subset.setdefault(subset, []).append(paper_id)
    position = {paper_id: index for index, paper_id in enumerate(rank_order)}
    head_sets = {paper_id: frozenset(paper.heads) for paper_id, paper in papers_by_id.items()}
    ranked_by_heads: dict[frozenset[str], list[str]] = {}
    related: dict[str, tuple[str, ...]] = {}
    for paper_id, paper in papers_by_id.items():
        heads = head_sets[paper_id]
        ranked = ranked_by_heads.get(heads)
        if ranked is None:
            candidates = {other for subset in subsets_by_heads[paper.heads]
                          for other in ids_by_subset[subset][:RELATED_PAPERS_MAX + 1]}
            ranked = sorted(candidates, key=lambda other: (-len(heads & head_sets[other]), position[other]))
            ranked_by_heads[heads] = ranked
        related[paper_id] = tuple(other for other in ranked[:RELATED_PAPERS_MAX + 1] if other != paper_id)[
            :RELATED_PAPERS_MAX]
    return related


def _head_subsets(heads: tuple[str, ...]) -> list[frozenset[str]]:
    """Every non-empty subset of a paper's head types (a paper names a handful at most)."""
    unique = sorted(set(heads))
    return [frozenset(combination) for size in range(1, len(unique) + 1)
            for combination in itertools.combinations(unique, size)]


def _related_slugs(name: str, paper_ids: list[str], papers_by_id: Mapping[str, Paper]) -> tuple[str, ...]:
    """The slugs of the head types that appear with head type `name` in its papers, most often first."""
    together: Counter[str] = Counter()
    for paper_id in paper_ids:
        together.update(other for other in papers_by_id[paper_id].heads if other != name)
    return tuple(slugify(other) for other, _ in sorted(together.items(), key=lambda item: (-item[1], item[0])))


def _ids_by_stage_and_subcategory(ordered: list[str], papers_by_id: Mapping[str, Paper], taxonomy: Taxonomy) -> tuple[
        dict[str, list[str]], dict[tuple[str, str], list[str]]]:
    """The ids of the papers in each stage, and in each (stage, sub-category) by their head types, in the order of
    `ordered`: one pass over the papers, not one per group."""
    subcategory_of_head: dict[str, tuple[str, str]] = {head.name: (head.stage, head.subcategory)
                                                      for head in taxonomy.heads if head.stage and head.subcategory}
    stage_ids: dict[tuple[object, ...], tuple[str, ...]] = {}
    """By (heads, stages override): papers that name the same share them."""
    by_stage: dict[str, list[str]] = {}
    by_subcategory: dict[tuple[str, str], list[str]] = {}
    for paper_id in ordered:
        paper = papers_by_id[paper_id]
        placement = (paper.heads, paper.stages)
        if placement not in stage_ids:
            stage_ids[placement] = _stage_ids(paper, taxonomy)
        for stage_id in stage_ids[placement]:
            by_stage.setdefault(stage_id, []).append(paper_id)
        for place in dict.fromkeys(subcategory_of_head[name] for name in paper.heads if name in subcategory_of_head):
            by_subcategory.setdefault(place, []).append(paper_id)
    return by_stage, by_subcategory


def _stage_group(stage: Stage, taxonomy: Taxonomy, layout: CatalogLayout) -> StageGroup:
    subcategories = []
    for subcategory in stage.subcategories:
        heads = [head for head in taxonomy.heads if head.stage == stage.id and head.subcategory == subcategory.name]
        subcategories.append(SubCategoryGroup(
            subcategory=subcategory,
            slug=slugify(subcategory.name),
            head_slugs=tuple(slugify(head.name) for head in heads),
            paper_ids=layout.subcategory_paper_ids.get((stage.id, subcategory.name), ()),
        ))
    return StageGroup(stage=stage, slug=stage.id.lower(), subcategories=tuple(subcategories),
                      paper_ids=layout.stage_paper_ids.get(stage.id, ()))


def _year_groups(ordered: list[str], papers_by_id: Mapping[str, Paper]) -> tuple[tuple[int, tuple[str, ...]], ...]:
    ids_by_year: dict[int, list[str]] = {}
    for paper_id in ordered:
        ids_by_year.setdefault(papers_by_id[paper_id].date.year, []).append(paper_id)
    return tuple((year, tuple(ids_by_year[year])) for year in sorted(ids_by_year, reverse=True))


def _venue_groups(ordered: list[str], papers_by_id: Mapping[str, Paper]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    ids_by_venue: dict[str, list[str]] = {}
    for paper_id in ordered:
        venue = papers_by_id[paper_id].venue
        if venue:
            ids_by_venue.setdefault(venue, []).append(paper_id)
    venues = sorted(ids_by_venue, key=lambda venue: (-len(ids_by_venue[venue]), venue.casefold(), venue))
    return tuple((venue, tuple(ids_by_venue[venue])) for venue in venues)
