"""The catalog stage: validated papers in, the catalog out, with every grouping and derived value.

Computes what no file states: each paper's head types, stages (its own override, else its head types') and labels
(entries.py), the layout (every ordering, grouping and related paper, layout.py), the groups that pages list (by
head type, stage and sub-category, year, venue, and every facet), and the feeds. Reads no files and renders
nothing; nothing here can fail on input, which the load stage validated.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from headcat.catalog import urls
from headcat.catalog.entries import CatalogPaper, HeadLabel, MethodLabel, ModelLabel, StageLabel, VenueLabel
from headcat.catalog.facets import HAS_CODE
from headcat.catalog.layout import CatalogLayout, LayoutInput, plan_layout
from headcat.model.config import Config
from headcat.model.fields import slugify
from headcat.model.paper import Paper
from headcat.model.taxonomy import RELATION_WORDS, HeadType, Stage, SubCategory, Taxonomy

FEED_TAG_PREFIX = "tag:headcat,2024:"
"""Feed and item ids (tag URIs, RFC 4151): stable whatever the site's address or a paper's title."""


@dataclass(frozen=True)
class Feed:
    """One feed of newly added papers (RSS and Atom): the whole catalog's, a head type's, a stage's, a model
    family's or a method's."""

    key: str
    """'catalog', 'heads/<slug>', 'stages/<slug>', 'models/<slug>' or 'methods/<slug>': the feed's id is made from
    it."""
    folder: str
    """'' for the whole catalog, else the folder of the page the feed follows ('heads/<slug>/'...)."""
    title: str
    description: str

    @property
    def rss_path(self) -> str:
        return f"{self.folder}{urls.RSS_FILE}"

    @property
    def atom_path(self) -> str:
        return f"{self.folder}{urls.ATOM_FILE}"

    @property
    def id(self) -> str:
        return f"{FEED_TAG_PREFIX}feed/{self.key}"


@dataclass(frozen=True)
class FacetFeed:
    """The feed of one option of a facet (the papers on a model family, or using a method)."""

    param: str
    value: str
    feed: Feed


class _Labelled:
    """A group named by a label (a head type's, a stage's, a venue's): its slug and page are the label's."""

    label: HeadLabel | StageLabel | VenueLabel

    @property
    def slug(self) -> str:
        return self.label.slug

    @property
    def path(self) -> str:
        return self.label.path


@dataclass(frozen=True)
class RelatedHead:
    """A head type that taxonomy.yaml relates to another, as the other's page shows it."""

    head: HeadLabel
    note: str | None
    """Where the relation is reported, as taxonomy.yaml says."""


@dataclass(frozen=True)
class Relation:
    """The head types related to one head type in one way: 'Backup of' one, 'Variants' two..."""

    words: str
    """The relation as the page names it (RELATION_WORDS)."""
    heads: tuple[RelatedHead, ...]


@dataclass(frozen=True)
class HeadGroup(_Labelled):
    label: HeadLabel
    paper_ids: tuple[str, ...]
    related: tuple[HeadLabel, ...]
    """Head types studied together with this one in the same papers, most often first."""
    feed: Feed
    relations: tuple[Relation, ...]
    """Its typed links to other head types, stated on either of them, in the order of RELATION_WORDS (each
    relation from the head type that states it, then from the other one)."""
    earliest_id: str | None
    """Its earliest paper in the catalog: the first by date, then by paper id."""

    @property
    def head_type(self) -> HeadType:
        return self.label.head_type


@dataclass(frozen=True)
class SubCategoryGroup:
    subcategory: SubCategory
    slug: str
    path: str
    """Its part of its stage's page."""
    heads: tuple[HeadGroup, ...]
    """The head types the taxonomy places in it, in taxonomy order."""
    paper_ids: tuple[str, ...]


@dataclass(frozen=True)
class StageGroup(_Labelled):
    label: StageLabel
    subcategories: tuple[SubCategoryGroup, ...]
    """Empty in a two-level taxonomy, whose stages hold their head types directly."""
    heads: tuple[HeadGroup, ...]
    """The head types the taxonomy places in it (in every sub-category), in taxonomy order."""
    paper_ids: tuple[str, ...]
    feed: Feed

    @property
    def stage(self) -> Stage:
        return self.label.stage


@dataclass(frozen=True)
class YearGroup:
    year: int
    paper_ids: tuple[str, ...]

    @property
    def path(self) -> str:
        return urls.year_page(self.year)


@dataclass(frozen=True)
class VenueGroup(_Labelled):
    label: VenueLabel
    paper_ids: tuple[str, ...]

    @property
    def venue(self) -> str:
        return self.label.name


@dataclass(frozen=True)
class Catalog:
    config: Config
    taxonomy: Taxonomy
    papers: tuple[CatalogPaper, ...]
    """Newest first: by date, then paper id."""
    heads: tuple[HeadGroup, ...]
    """In taxonomy order: every head type, studied or not."""
    stages: tuple[StageGroup, ...]
    years: tuple[YearGroup, ...]
    """Newest year first."""
    venues: tuple[VenueGroup, ...]
    """Most papers first, then by name."""
    feeds: tuple[Feed, ...]
    """The whole catalog's feed, then each head type's (taxonomy order), each stage's (framework order), each model
    family's and each method's (taxonomy order)."""
    layout: CatalogLayout
    facet_feeds: tuple[FacetFeed, ...] = ()
    """The feeds of facet options that have one (a model family, a method)."""

    def feed_of(self, param: str, value: str) -> Feed | None:
        """The feed of a facet's option, when it has one."""
        return self._feed_by_option.get((param, value))

    @cached_property
    def _feed_by_option(self) -> dict[tuple[str, str], Feed]:
        return {(each.param, each.value): each.feed for each in self.facet_feeds}

    def paper(self, paper_id: str) -> CatalogPaper:
        return self._paper_by_id[paper_id]

    def head(self, name: str) -> HeadGroup:
        return self._head_by_name[name]

    def stage(self, stage_id: str) -> StageGroup:
        return self._stage_by_id[stage_id]

    @cached_property
    def _head_by_name(self) -> dict[str, HeadGroup]:
        return {group.head_type.name: group for group in self.heads}

    @cached_property
    def _stage_by_id(self) -> dict[str, StageGroup]:
        return {group.stage.id: group for group in self.stages}

    def papers_of(self, paper_ids: Iterable[str]) -> tuple[CatalogPaper, ...]:
        return tuple(self._paper_by_id[paper_id] for paper_id in paper_ids)

    def related_papers(self, paper_id: str) -> tuple[CatalogPaper, ...]:
        return self.papers_of(self.layout.related_ids[paper_id])

    def paper_ids_with(self, param: str, value: str) -> tuple[str, ...]:
        """The papers a facet's option selects, in the catalog's order."""
        return self.layout.groups.get(param, {}).get(value, ())

    def facet_groups(self, param: str) -> dict[str, tuple[str, ...]]:
        """A facet's values with their papers, in the order the first paper (newest) of each has them."""
        return self.layout.groups.get(param, {})

    def feed_paper_ids(self, feed: Feed) -> tuple[str, ...]:
        return self._feed_paper_ids[feed.key]

    @cached_property
    def _feed_paper_ids(self) -> dict[str, tuple[str, ...]]:
        ids = {feed.key: self.layout.paper_ids for feed in self.feeds[:1]}
        ids.update((group.feed.key, group.paper_ids) for group in self.heads)
        ids.update((group.feed.key, group.paper_ids) for group in self.stages)
        ids.update((each.feed.key, self.paper_ids_with(each.param, each.value)) for each in self.facet_feeds)
        return ids

    @cached_property
    def number_of(self) -> dict[str, int]:
        """Each paper's number (paper_numbers)."""
        return paper_numbers(self.papers)

    @cached_property
    def _paper_by_id(self) -> dict[str, CatalogPaper]:
        return {entry.id: entry for entry in self.papers}

    @property
    def latest_added(self) -> date | None:
        return max((entry.paper.added for entry in self.papers), default=None)

    def absolute_url(self, path: str) -> str | None:
        """The published address of a site path ('papers/x/'), or None when the settings give no base URL."""
        return urls.absolute(self.config.base_url, path)

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


LayoutPlanner = Callable[[Sequence[LayoutInput]], CatalogLayout]


def paper_numbers(entries: Iterable[CatalogPaper]) -> dict[str, int]:
    """Each paper's number: its place in `entries` (the catalog's order), from 0. The home page's data, the lookup
    tables and the search index name papers by it (render/browse.py)."""
    return {entry.id: number for number, entry in enumerate(entries)}


def catalog_papers(taxonomy: Taxonomy, papers_by_id: Mapping[str, Paper], head_labels: Mapping[str, HeadLabel],
                   stage_labels: Mapping[str, StageLabel]) -> dict[str, CatalogPaper]:
    """Each paper with its head types, stages, venue, models and methods as labels, by paper id; papers that name
    the same head types and stages share their tuples of labels, and every label is made once."""
    venue_labels: dict[str, VenueLabel] = {}
    model_labels = {model.name: ModelLabel.of(model, family) for family in taxonomy.models for model in family.models}
    method_labels = {method.name: MethodLabel.of(method, *taxonomy.place_of_method[method.name])
                     for family in taxonomy.methods for kind in family.types for method in kind.methods}
    placements: dict[tuple[object, ...], tuple[tuple[HeadLabel, ...], tuple[StageLabel, ...]]] = {}
    entries = {}
    for paper_id, paper in papers_by_id.items():
        placement = placements.get((paper.heads, paper.stages))
        if placement is None:
            heads = tuple(head_labels[name] for name in paper.heads)
            placement = placements[paper.heads, paper.stages] = (heads, _stages(paper, heads, taxonomy, stage_labels))
        venue = None
        if paper.venue:
            venue = venue_labels.get(paper.venue)
            if venue is None:
                venue = venue_labels[paper.venue] = VenueLabel.of(paper.venue)
        models = tuple(model_labels[name] for name in paper.models or ())
        methods = tuple(method_labels[name] for name in paper.methods or ())
        entries[paper_id] = CatalogPaper(paper_id, paper, placement[0], placement[1], venue, models, methods)
    return entries


def layout_inputs(entries: Iterable[CatalogPaper]) -> tuple[LayoutInput, ...]:
    """What the layout reads of each paper (layout.py): its id, date, head types and facet values."""
    return tuple(LayoutInput(entry.id, entry.paper.date.toordinal(), entry.paper.heads, entry.facet_values)
                 for entry in entries)


def plan_catalog_layout(inputs: Sequence[LayoutInput]) -> CatalogLayout:
    """The layout of these papers (layout.py)."""
    return plan_layout(inputs)


def build_catalog(config: Config, taxonomy: Taxonomy, papers_by_id: Mapping[str, Paper],
                  plan: LayoutPlanner = plan_catalog_layout) -> Catalog:
    """Derive and group. `plan` works out the layout from the papers' layout inputs (the pipeline passes one that
    the build cache answers when it holds the layout of the same inputs)."""
    words = taxonomy.words
    head_labels = {head.name: HeadLabel.of(head, words.topic.folder) for head in taxonomy.heads}
    stage_labels = {stage.id: StageLabel.of(stage, words.group.folder, index)
                    for index, stage in enumerate(taxonomy.stages)}
    entries = catalog_papers(taxonomy, papers_by_id, head_labels, stage_labels)
    layout = plan(layout_inputs(entries.values()))
    title = config.title

    def ids(param: str, value: str) -> tuple[str, ...]:
        return layout.groups.get(param, {}).get(value, ())

    relations = _relations(taxonomy, head_labels)

    def earliest(paper_ids: tuple[str, ...]) -> str | None:
        return min(paper_ids, key=lambda paper_id: (entries[paper_id].paper.date, paper_id), default=None)

    heads = tuple(HeadGroup(label, paper_ids,
                            tuple(head_labels[name] for name in layout.related_heads.get(label.head_type.name, ())),
                            Feed(f"{words.topic.folder}/{label.slug}",
                                 urls.level_folder(words.topic.folder, label.slug), f"{title}: {head.name}",
                                 head.description),
                            relations[head.name], earliest(paper_ids))
                  for head in taxonomy.heads for label in [head_labels[head.name]]
                  for paper_ids in [ids("head", label.slug)])
    heads_by_name = {group.head_type.name: group for group in heads}
    stages = tuple(_stage_group(stage_labels[stage.id], taxonomy, heads_by_name, ids, title)
                   for stage in taxonomy.stages)
    years = tuple(YearGroup(int(year), paper_ids) for year, paper_ids in
                  sorted(layout.groups.get("year", {}).items(), key=lambda item: -int(item[0])))
    venues = tuple(VenueGroup(entries[paper_ids[0]].venue, paper_ids)  # type: ignore[arg-type]  # it has one
                   for _, paper_ids in layout.groups.get("venue", {}).items())
    venues = tuple(sorted(venues, key=lambda group: (-len(group.paper_ids), group.venue.casefold(), group.venue)))
    catalog_feed = Feed("catalog", "", title, config.description)
    facet_feeds = (*(FacetFeed("model", slug, Feed(f"models/{slug}", urls.model_family_folder(slug),
                                                   f"{title}: {family.name} models", family.description))
                     for family in taxonomy.models for slug in [slugify(family.name)]),
                   *(FacetFeed("method", slug, Feed(f"methods/{slug}", urls.method_folder(slug),
                                                    f"{title}: {method.name}", method.description))
                     for family in taxonomy.methods for kind in family.types for method in kind.methods
                     for slug in [slugify(method.name)]))
    return Catalog(config=config, taxonomy=taxonomy, papers=tuple(entries[paper_id] for paper_id in layout.paper_ids),
                   heads=heads, stages=stages, years=years, venues=venues,
                   feeds=(catalog_feed, *(group.feed for group in heads), *(group.feed for group in stages),
                          *(each.feed for each in facet_feeds)),
                   layout=layout, facet_feeds=facet_feeds)


def _relations(taxonomy: Taxonomy, head_labels: Mapping[str, HeadLabel]) -> dict[str, tuple[Relation, ...]]:
    """Each head type's relations, read from both ends: a relation stated on A about B is on A's page in its own
    words ('Backup of B') and on B's in the reverse ones ('Backed up by A')."""
    found: dict[tuple[str, str], list[RelatedHead]] = {}
    for head in taxonomy.heads:
        for relation in head.relations:
            other = taxonomy.resolve_head_type(relation.head)
            if other is None:
                continue  # the load stage refuses a taxonomy whose relation names no head type
            forward, backward = RELATION_WORDS[relation.type]
            found.setdefault((head.name, forward), []).append(RelatedHead(head_labels[other.name], relation.note))
            found.setdefault((other.name, backward), []).append(RelatedHead(head_labels[head.name], relation.note))
    words = list(dict.fromkeys(word for pair in RELATION_WORDS.values() for word in pair))
    return {head.name: tuple(Relation(word, tuple(found[head.name, word])) for word in words
                             if (head.name, word) in found)
            for head in taxonomy.heads}


def _stages(paper: Paper, heads: tuple[HeadLabel, ...], taxonomy: Taxonomy,
            stage_labels: Mapping[str, StageLabel]) -> tuple[StageLabel, ...]:
    """The paper's override if given, else the stages of its placed head types, in framework order."""
    chosen = set(paper.stages) if paper.stages is not None else {label.head_type.stage for label in heads}
    return tuple(stage_labels[stage.id] for stage in taxonomy.stages if stage.id in chosen)


def _stage_group(label: StageLabel, taxonomy: Taxonomy, heads_by_name: Mapping[str, HeadGroup],
                 ids: Callable[[str, str], tuple[str, ...]], title: str) -> StageGroup:
    stage, folder = label.stage, taxonomy.words.group.folder
    subcategories = []
    for subcategory in stage.subcategories:
        slug = slugify(subcategory.name)
        subcategories.append(SubCategoryGroup(
            subcategory=subcategory, slug=slug, path=urls.subgroup_place(folder, label.slug, slug),
            heads=tuple(heads_by_name[head.name] for head in taxonomy.heads
                        if head.stage == stage.id and head.subcategory == subcategory.name),
            paper_ids=ids("sub", slug)))
    heads = tuple(heads_by_name[head.name] for head in taxonomy.heads if head.stage == stage.id)
    return StageGroup(label, tuple(subcategories), heads, ids("stage", stage.id),
                      Feed(f"{folder}/{label.slug}", urls.level_folder(folder, label.slug),
                           f"{title}: {stage.name} ({stage.id})", stage.description))


__all__ = ["HAS_CODE", "Catalog", "CatalogPaper", "FacetFeed", "Feed", "HeadGroup", "StageGroup", "SubCategoryGroup",
           "VenueGroup", "YearGroup", "build_catalog"]
