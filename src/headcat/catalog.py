"""The catalog stage: validated papers in, the catalog out, with every grouping and derived value.

Computes what no file states: each paper's stages (from its head types unless it overrides them), year, slug
paths and related papers; groups by head type, stage and sub-category, year and venue. Every ordering has an
explicit tie-break, so the same input always gives the same catalog. Reads no files and renders nothing.
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

from headcat.build_cache import fingerprint
from headcat.config import Config
from headcat.paper import Paper
from headcat.taxonomy import HeadType, Stage, SubCategory, Taxonomy

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
        return self.paper.links.code is not None

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


def build_catalog(config: Config, taxonomy: Taxonomy, papers_by_id: dict[str, Paper],
                  source_digests: Mapping[str, str] | None = None) -> Catalog:
    """Derive and group; the papers were validated by the load stage, so nothing here can fail on input."""
    ordered = sorted(papers_by_id.items(), key=lambda item: (item[1].date, item[0]), reverse=True)
    head_ids: dict[str, list[str]] = {name: [] for name in _names(taxonomy)}
    for paper_id, paper in ordered:
        for name in paper.heads:
            head_ids[name].append(paper_id)
    related_ids_by_paper = _related_ids_by_paper(papers_by_id)
    placements: dict[tuple[object, ...], tuple[tuple[HeadType, ...], tuple[str, ...]]] = {}
    """Head types and stages by (heads, stages override): papers that name the same share them."""
    papers = []
    for paper_id, paper in ordered:
        placement = placements.get((paper.heads, paper.stages))
        if placement is None:
            placement = placements[paper.heads, paper.stages] = (
                tuple(taxonomy.resolve_head_type(name) for name in paper.heads),  # type: ignore[misc]
                _stage_ids(paper, taxonomy))
        papers.append(CatalogPaper(id=paper_id, paper=paper, head_types=placement[0], stage_ids=placement[1],
                                   related_ids=related_ids_by_paper[paper_id]))
    ids_by_stage, ids_by_subcategory = _ids_by_stage_and_subcategory(papers, taxonomy)
    return Catalog(
        config=config,
        taxonomy=taxonomy,
        papers=tuple(papers),
        heads=tuple(_head_group(head, head_ids, papers_by_id) for head in taxonomy.heads),
        stages=tuple(_stage_group(stage, taxonomy, ids_by_stage, ids_by_subcategory) for stage in taxonomy.stages),
        years=_year_groups(papers),
        venues=_venue_groups(papers),
        with_code=tuple(entry.id for entry in papers if entry.has_code),
        source_digests=source_digests or {},
    )


def slugify(text: str) -> str:
    """URL-safe lowercase words joined by hyphens: 'S-Inhibition Head' -> 's-inhibition-head'."""
    return "-".join(re.findall(r"[a-z0-9]+", text.casefold())) or "untitled"


def _names(taxonomy: Taxonomy) -> list[str]:
    return [head.name for head in taxonomy.heads]


def _stage_ids(paper: Paper, taxonomy: Taxonomy) -> tuple[str, ...]:
    """The paper's override if given, else the stages of its placed head types, in framework order."""
    if paper.stages is not None:
        chosen = set(paper.stages)
    else:
        chosen = {head.stage for name in paper.heads if (head := taxonomy.resolve_head_type(name)) and head.stage}
    return tuple(stage.id for stage in taxonomy.stages if stage.id in chosen)


def _related_ids_by_paper(papers_by_id: dict[str, Paper]) -> dict[str, tuple[str, ...]]:
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


def _head_group(head: HeadType, head_ids: dict[str, list[str]], papers_by_id: dict[str, Paper]) -> HeadGroup:
    together: Counter[str] = Counter()
    for paper_id in head_ids[head.name]:
        together.update(name for name in papers_by_id[paper_id].heads if name != head.name)
    related = sorted(together.items(), key=lambda item: (-item[1], item[0]))
    return HeadGroup(head_type=head, slug=slugify(head.name), paper_ids=tuple(head_ids[head.name]),
                     related_slugs=tuple(slugify(name) for name, _ in related))


def _ids_by_stage_and_subcategory(papers: list[CatalogPaper], taxonomy: Taxonomy) -> tuple[
        dict[str, list[str]], dict[tuple[str, str], list[str]]]:
    """The ids of the papers in each stage, and in each (stage, sub-category) by their head types, in the catalog's
    order: one pass over the papers, not one per group."""
    subcategory_of_head: dict[str, tuple[str, str]] = {head.name: (head.stage, head.subcategory)
                                                      for head in taxonomy.heads if head.stage and head.subcategory}
    by_stage: dict[str, list[str]] = {}
    by_subcategory: dict[tuple[str, str], list[str]] = {}
    for entry in papers:
        for stage_id in entry.stage_ids:
            by_stage.setdefault(stage_id, []).append(entry.id)
        for place in dict.fromkeys(subcategory_of_head[name] for name in entry.paper.heads
                                   if name in subcategory_of_head):
            by_subcategory.setdefault(place, []).append(entry.id)
    return by_stage, by_subcategory


def _stage_group(stage: Stage, taxonomy: Taxonomy, ids_by_stage: dict[str, list[str]],
                 ids_by_subcategory: dict[tuple[str, str], list[str]]) -> StageGroup:
    subcategories = []
    for subcategory in stage.subcategories:
        heads = [head for head in taxonomy.heads if head.stage == stage.id and head.subcategory == subcategory.name]
        subcategories.append(SubCategoryGroup(
            subcategory=subcategory,
            slug=slugify(subcategory.name),
            head_slugs=tuple(slugify(head.name) for head in heads),
            paper_ids=tuple(ids_by_subcategory.get((stage.id, subcategory.name), ())),
        ))
    return StageGroup(stage=stage, slug=stage.id.lower(), subcategories=tuple(subcategories),
                      paper_ids=tuple(ids_by_stage.get(stage.id, ())))


def _year_groups(papers: tuple[CatalogPaper, ...]) -> tuple[YearGroup, ...]:
    ids_by_year: dict[int, list[str]] = {}
    for entry in papers:
        ids_by_year.setdefault(entry.year, []).append(entry.id)
    return tuple(YearGroup(year, tuple(ids_by_year[year])) for year in sorted(ids_by_year, reverse=True))


def _venue_groups(papers: tuple[CatalogPaper, ...]) -> tuple[VenueGroup, ...]:
    ids_by_venue: dict[str, list[str]] = {}
    for entry in papers:
        if entry.paper.venue:
            ids_by_venue.setdefault(entry.paper.venue, []).append(entry.id)
    venues = sorted(ids_by_venue, key=lambda venue: (-len(ids_by_venue[venue]), venue.casefold(), venue))
    return tuple(VenueGroup(venue, slugify(venue), tuple(ids_by_venue[venue])) for venue in venues)
