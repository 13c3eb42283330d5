"""The website's outputs (render stage): every page and asset of the site, each declared with what it shows.

`site_outputs` lists the site: the home page with its search and filters, a page per paper, per head type and per
stage, the map of the taxonomy (in the folders and words the catalog's taxonomy.yaml gives), a page per option of
each facet that has no page elsewhere (years, venues, code), statistics, about, 404, robots.txt, the sitemap and the
assets. Each is an `Output` (outputs.py): a render function from pages.py and its inputs, the values its template
shows, from which its key is derived.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby

from headcat.catalog import facets, urls
from headcat.catalog.catalog import Catalog, Feed, HeadGroup, StageGroup
from headcat.catalog.entries import CatalogPaper
from headcat.catalog.facets import Facet, FacetOption
from headcat.catalog.paging import Pager, paginate
from headcat.model.config import Config
from headcat.model.fields import slugify
from headcat.model.taxonomy import LanguageModel, Method, MethodFamily, MethodType, ModelFamily
from headcat.render.browse import RECORDS_PER_FILE, browse_outputs, facet_file_counts
from headcat.render.charts import BarChart, StackedBarChart, bar_chart, stacked_bar_chart
from headcat.render.lookup import lookup_file_count, lookup_outputs
from headcat.render.outputs import Output
from headcat.render.pages import (
    AuthorPageInputs,
    Page,
    PageInputs,
    PaperPageInputs,
    TextInputs,
    make_page,
    render_asset,
    render_author_page,
    render_page,
    render_paper_page,
    render_text,
)

STATS_VENUES = 20
"""The statistics page charts the venues with most papers (a venue a year makes hundreds in a large catalog; the
venues page lists them all), so that it stays small."""

ASSET_FILES = {"assets/style.css": urls.STYLESHEET, "assets/site.js": urls.SCRIPT, "assets/favicon.svg": urls.FAVICON}
"""Files under templates/ published as they are (template path: output path); every page links them."""


@dataclass(frozen=True)
class FacetForm:
    """A facet as the home page's filter form shows it (facets.py declares it)."""

    param: str
    """Its name in the site (facets.public_param)."""
    legend: str
    is_open: bool
    options: tuple[FacetOption, ...]
    """The options the form lists (a long facet's first ones)."""
    narrow: bool
    """Whether the form offers a box to type part of an option's name."""
    option_count: int
    """How many options the facet has in all."""
    options_path: str | None
    """The file with every option, when the form lists only some (render/lookup.py)."""

    @classmethod
    def of(cls, facet: Facet, catalog: Catalog) -> FacetForm:
        """The form of a facet, under the name the catalog's words give it (facets.public_param)."""
        options = facet.options_of(catalog)
        shown = options[:facet.shown] if facet.shown is not None else options
        words = catalog.taxonomy.words
        param = facets.public_param(facet.param, words)
        return cls(param, facets.legend_of(facet, words), facet.is_open, shown, facet.narrow, len(options),
                   urls.facet_options(param) if facet.shown is not None else None)


def site_outputs(catalog: Catalog) -> Iterator[Output]:
    """Every page and asset of the site, one at a time: the home page first, then the paper pages (the bulk of a
    large site), the other pages, and the sitemap of them all."""
    plan = _SitePlan(catalog.config, catalog.feeds[0])
    yield from _home_pages(plan, catalog)
    for entry in catalog.papers:
        yield plan.paper_page(PaperPageInputs(entry, catalog.related_papers(entry.id), catalog.config,
                                              plan.site_feed))
    yield from _head_pages(plan, catalog)
    yield from _stage_pages(plan, catalog)
    yield from _listing_pages(plan, catalog)
    yield from _vocabulary_pages(plan, catalog)
    yield from _author_pages(plan, catalog)
    words = catalog.taxonomy.words
    by_group = f" by {words.group.one}" if catalog.stages else ""
    yield plan.page("site/stats.html", urls.STATS, "Statistics", "stats",
                    f"Charts of the catalog: papers per year{by_group}, {words.topic.many} by frequency, and venues.",
                    _stats_values(catalog))
    how_grouped = f", its {words.group.many}" if catalog.stages else ""
    yield plan.page("site/about.html", urls.ABOUT, "About and contributing", "about",
                    f"What {catalog.config.title} is{how_grouped}, and how to add a paper.",
                    {"stages": catalog.stages, "methods": catalog.taxonomy.methods,
                     "example_topic": catalog.taxonomy.heads[0].name})
    yield Output(urls.NOT_FOUND, render_page, PageInputs("site/404.html", _not_found_page(plan), {}))
    yield Output(urls.ROBOTS, render_text, TextInputs("site/robots.txt", {
        "sitemap_url": urls.absolute(catalog.config.base_url, urls.SITEMAP)}))
    if catalog.config.base_url:
        page_urls = tuple(urls.absolute(catalog.config.base_url, urls.folder_of(path))
                          for path in sorted(plan.page_paths))
        yield Output(urls.SITEMAP, render_text, TextInputs("site/sitemap.xml", {"page_urls": page_urls}))
    for source, path in ASSET_FILES.items():
        yield Output(path, render_asset, source)
    yield from lookup_outputs(catalog)
    yield from browse_outputs(catalog)


class _SitePlan:
    """Declares pages with the frame they share; remembers every page's path, for the sitemap."""

    def __init__(self, config: Config, site_feed: Feed) -> None:
        self.config = config
        self.site_feed = site_feed
        self.page_paths: list[str] = []

    def page(self, template: str, path: str, title: str, section: str, description: str,
             values: Mapping[str, object], feed: Feed | None = None, weight: int = 1) -> Output:
        """A page made by `template` from `values` (what the template shows besides the page's frame)."""
        page = self.frame(path, title, section, description, feed)
        return Output(path, render_page, PageInputs(template, page, values), weight=max(1, weight))

    def listing(self, template: str, base: str, title: str, section: str, description: str,
                entries: tuple[CatalogPaper, ...], values: Mapping[str, object],
                feed: Feed | None = None) -> Iterator[Output]:
        """The pages of a list of papers whose first page is at `base`: each made by `template` from `values` and
        its part of `entries` (as `entries`), with its pager."""
        for frame, shown in self.listing_frames(base, title, section, description, entries, feed):
            yield Output(frame.path, render_page, PageInputs(template, frame, {**values, "entries": tuple(shown)}),
                         weight=max(1, len(shown)))

    def listing_frames(self, base: str, title: str, section: str, description: str,
                       entries: Sequence[CatalogPaper],
                       feed: Feed | None = None) -> Iterator[tuple[Page, Sequence[CatalogPaper]]]:
        """The frame of each page of a list of papers, with the papers it lists; page n's title says which it is."""
        for pager, shown in paginate(base, entries, self.config.page_size):
            numbered = title if pager.number == 1 else f"{title}, page {pager.number} of {pager.count}"
            yield self.frame(pager.path, numbered, section, description, feed, pager), shown

    def frame(self, path: str, title: str, section: str, description: str, feed: Feed | None = None,
              pager: Pager | None = None) -> Page:
        """The frame of a page at `path` (for a page with a render function of its own)."""
        self.page_paths.append(path)
        return make_page(path, title, section, description, self.config, self.site_feed, feed, pager)

    def paper_page(self, inputs: PaperPageInputs) -> Output:
        self.page_paths.append(inputs.entry.path)
        return Output(inputs.entry.path, render_paper_page, inputs)


def _home_pages(plan: _SitePlan, catalog: Catalog) -> Iterator[Output]:
    """The home page (the stages in brief when the taxonomy has them, the search and filters, the newest papers) and
    the pages after it, which list the older papers by year."""
    config = catalog.config
    first = {"facets": tuple(FacetForm.of(facet, catalog) for facet in facets.FACETS if _offered(facet, catalog)),
             "lookup_files": lookup_file_count(len(catalog.papers)), "new_paper_url": _new_paper_url(config),
             "facet_files": facet_file_counts(catalog), "records_per_file": RECORDS_PER_FILE,
             "stages": catalog.stages, "year_count": len(catalog.years),
             "head_count": sum(1 for group in catalog.heads if group.paper_ids),
             "topic_example": catalog.taxonomy.heads[0].name}
    year_of = {group.year: group for group in catalog.years}
    for frame, shown in plan.listing_frames(urls.HOME, "All papers", "papers", config.description, catalog.papers):
        years = tuple((year_of[year], tuple(entries)) for year, entries in groupby(shown, key=lambda entry: entry.year))
        values = {"years": years, "paper_count": len(catalog.papers), "shown_count": len(shown),
                  **(first if frame.path == urls.HOME else {})}
        yield Output(frame.path, render_page, PageInputs("site/index.html", frame, values), weight=max(1, len(shown)))


def _offered(facet: Facet, catalog: Catalog) -> bool:
    """Whether the home page's form offers the facet: not the stages' and sub-categories' in a taxonomy without
    them."""
    return ((facet.param != "stage" or bool(catalog.stages))
            and (facet.param != "sub" or any(group.subcategories for group in catalog.stages)))


def _head_pages(plan: _SitePlan, catalog: Catalog) -> Iterator[Output]:
    """The head types' index (by stage, when there are stages), then one page per head type (words.topic.folder)."""
    words = catalog.taxonomy.words
    unplaced = tuple(group for group in catalog.heads if not group.head_type.stage)
    by_group = f", by {words.group.one}" if catalog.stages else ""
    yield plan.page("site/heads.html", urls.level_index(words.topic.folder), words.topic.many.capitalize(), "heads",
                    f"All {len(catalog.heads)} {words.topic.many} of the catalog{by_group}.",
                    {"stages": catalog.stages, "unplaced": unplaced, "head_count": len(catalog.heads)})
    stage_by_id = {group.stage.id: group for group in catalog.stages}
    for group in catalog.heads:
        head = group.head_type
        stage = stage_by_id.get(head.stage) if head.stage else None
        subcategory = next((sub for sub in stage.subcategories if group in sub.heads), None) if stage else None
        papers = catalog.papers_of(group.paper_ids)
        earliest = catalog.paper(group.earliest_id) if group.earliest_id else None
        values = {"group": group, "stage": stage, "subcategory": subcategory, "earliest": earliest,
                  "timeline": _year_chart(Counter(entry.year for entry in papers),
                                          str(stage.label.tone) if stage else "none")}
        yield from plan.listing("site/head.html", group.path, head.name, "heads", head.description, papers, values,
                                group.feed)


def _year_chart(by_year: Counter[int], series: str) -> StackedBarChart | None:
    """Papers per year as columns, every year from the first to the last (none when there are no papers)."""
    if not by_year:
        return None
    years = range(min(by_year), max(by_year) + 1)
    return stacked_bar_chart([(year, (by_year[year],)) for year in years], [series], height=180)


def _stage_pages(plan: _SitePlan, catalog: Catalog) -> Iterator[Output]:
    """The map of the taxonomy, then one page per stage (words.group.folder); none in a flat taxonomy."""
    if not catalog.stages:
        return
    words = catalog.taxonomy.words
    unplaced = tuple(group for group in catalog.heads if not group.head_type.stage)
    description = words.map.lead or (f"The {words.group.many} of the catalog and their {words.topic.many}, with the "
                                     "number of papers on each.")
    yield plan.page("site/stages.html", urls.level_index(words.group.folder), words.map.title, "stages", description,
                    {"stages": catalog.stages, "unplaced": unplaced,
                     "with_facts": any(group.head_type.model_families or group.head_type.layer_distribution
                                       for group in catalog.heads),
                     "placements": tuple(sorted({group.head_type.placement or "" for group in catalog.heads}))})
    for group in catalog.stages:
        yield from plan.listing("site/stage.html", group.path, group.stage.name, "stages", group.stage.description,
                                catalog.papers_of(group.paper_ids), {"group": group}, group.feed)


def _listing_pages(plan: _SitePlan, catalog: Catalog) -> Iterator[Output]:
    """The index of years and of venues, then a page per option of every facet whose options have no page of
    their own elsewhere (a year, a venue, the papers with code)."""
    yield plan.page("site/years.html", urls.YEARS, "Papers by year", "years",
                    "The papers of the catalog by the year they first appeared.", {"years": catalog.years})
    yield plan.page("site/venues.html", urls.VENUES, "Papers by venue", "venues",
                    "The venues where the papers of the catalog appeared, with the number of papers at each.",
                    {"venues": catalog.venues})
    for facet in facets.FACETS:
        if facet.listing is None:
            continue
        for option in facet.options_of(catalog):
            entries = catalog.papers_of(catalog.paper_ids_with(facet.param, option.value))
            title = facet.listing.title.format(label=option.label)
            count = len(entries)
            description = f"{title}: {count} paper{'s' if count != 1 else ''} in {catalog.config.title}."
            yield from plan.listing("site/papers.html", option.path, title, facet.listing.section, description,
                                    entries, {}, catalog.feed_of(facet.param, option.value))


@dataclass(frozen=True)
class ModelFamilyRow:
    """A model family on the models page: its page and papers, and each of its models with its number of papers."""

    family: ModelFamily
    slug: str
    path: str
    count: int
    models: tuple[tuple[LanguageModel, int], ...]


@dataclass(frozen=True)
class MethodFamilyRow:
    """A method family on the methods page: each of its types with each method, its page and number of papers."""

    family: MethodFamily
    slug: str
    types: tuple[tuple[MethodType, tuple[tuple[Method, str, int], ...]], ...]


def _vocabulary_pages(plan: _SitePlan, catalog: Catalog) -> Iterator[Output]:
    """The index of the models studied, by family, and of the methods, by family and type (each family's and
    method's own page is its facet option's: _listing_pages)."""
    by_model = Counter(label.model.name for entry in catalog.papers for label in entry.models)
    families = []
    for family in catalog.taxonomy.models:
        slug = slugify(family.name)
        families.append(ModelFamilyRow(family, slug, urls.model_family_page(slug),
                                       len(catalog.paper_ids_with("model", slug)),
                                       tuple((model, by_model[model.name]) for model in family.models)))
    yield plan.page("site/models.html", urls.MODELS, "Models studied", "models",
                    "The language models the papers of the catalog study, by family.", {"families": tuple(families)})

    def listed(method: Method) -> tuple[Method, str, int]:
        slug = slugify(method.name)
        return method, urls.method_page(slug), len(catalog.paper_ids_with("method", slug))

    rows = tuple(MethodFamilyRow(family, slugify(family.name),
                                 tuple((kind, tuple(map(listed, kind.methods))) for kind in family.types))
                 for family in catalog.taxonomy.methods)
    yield plan.page("site/methods.html", urls.METHODS, "Methods", "methods",
                    "The methods the papers of the catalog use, by family and type.", {"families": rows})


def _new_paper_url(config: Config) -> str | None:
    """Where GitHub opens a new file in the catalog's papers/ folder (the search's "add it" link), when the
    repository is on GitHub."""
    repository = (config.repository or "").rstrip("/")
    if not repository.startswith("https://github.com/"):
        return None
    return f"{repository}/new/{config.branch}/papers"


def _author_pages(plan: _SitePlan, catalog: Catalog) -> Iterator[Output]:
    """authors/: one page per author, with their papers, head types and co-authors (pages.py works the last two
    out from the papers when the page is rendered, so that a rebuild keys the page by its papers alone)."""
    for slug, paper_ids in catalog.facet_groups("author").items():
        entries = catalog.papers_of(paper_ids)
        name = entries[0].author(slug).name
        count = len(entries)
        description = f"{count} paper{'s' if count != 1 else ''} by {name} in {catalog.config.title}."
        for frame, shown in plan.listing_frames(urls.author_page(slug), name, "papers", description, entries):
            yield Output(frame.path, render_author_page, AuthorPageInputs(frame, slug, entries), weight=len(shown))


def _stats_values(catalog: Catalog) -> dict[str, object]:
    by_year_and_stage = Counter((entry.year, stage_id) for entry in catalog.papers for stage_id in entry.stage_ids)
    year_rows = tuple((group, tuple(by_year_and_stage[group.year, stage.stage.id] for stage in catalog.stages))
                      for group in catalog.years)
    year_columns = [(group.year, counts) for group, counts in reversed(year_rows)]
    heads = _by_frequency(catalog.heads)
    first = _first_reported(catalog)
    tones = [str(group.label.tone) for group in catalog.stages]
    by_year = Counter((entry.year, stage.slug) for stage, rows in first for _, entry in rows)
    first_years = range(min(year for year, _ in by_year), max(year for year, _ in by_year) + 1) if by_year else ()
    return {"year_rows": year_rows, "first_reported": first,
            "first_chart": stacked_bar_chart([(year, tuple(by_year[year, stage.slug] for stage in catalog.stages))
                                              for year in first_years], tones),
            "year_chart": (stacked_bar_chart(year_columns, tones) if catalog.stages else stacked_bar_chart(
                [(group.year, (len(group.paper_ids),)) for group in reversed(catalog.years)], ["1"])),
            "heads": heads, "head_chart": bar_chart([(group.head_type.name, len(group.paper_ids)) for group in heads]),
            "venue_chart": bar_chart([(group.venue, len(group.paper_ids))
                                      for group in catalog.venues[:STATS_VENUES]]),
            "top_venues": catalog.venues[:STATS_VENUES],
            "stages": catalog.stages, "venues": catalog.venues, "paper_count": len(catalog.papers),
            "year_count": len(catalog.years), "vocabularies": tuple(_vocabulary_chart(catalog, *each) for each in (
                ("model", "Model families", "model family", urls.MODELS, "all models"),
                ("method", "Methods", "method", urls.METHODS, "all methods")))}


@dataclass(frozen=True)
class VocabularyChart:
    """A model family's or method's chart on the statistics page, with its numbers."""

    param: str
    heading: str
    noun: str
    index_path: str
    index_label: str
    options: tuple[FacetOption, ...]
    chart: BarChart


def _vocabulary_chart(catalog: Catalog, param: str, heading: str, noun: str, index_path: str,
                      index_label: str) -> VocabularyChart:
    facet = next(facet for facet in facets.FACETS if facet.param == param)
    options = facet.options_of(catalog)
    return VocabularyChart(param, heading, noun, index_path, index_label, options,
                           bar_chart([(option.label, option.count) for option in options]))


def _first_reported(catalog: Catalog) -> tuple[tuple[StageGroup, tuple[tuple[HeadGroup, CatalogPaper], ...]], ...]:
    """Each stage's head types that papers study, with the earliest paper on each, earliest first."""
    stages = []
    for stage in catalog.stages:
        rows = [(group, catalog.paper(group.earliest_id)) for group in stage.heads if group.earliest_id]
        rows.sort(key=lambda row: (row[1].paper.date, row[0].head_type.name.casefold()))
        stages.append((stage, tuple(rows)))
    return tuple(stages)


def _by_frequency(heads: Iterable[HeadGroup]) -> tuple[HeadGroup, ...]:
    """The head types that papers study, most studied first."""
    return tuple(sorted((group for group in heads if group.paper_ids),
                        key=lambda group: (-len(group.paper_ids), group.head_type.name.casefold())))


def _not_found_page(plan: _SitePlan) -> Page:
    """Served for any missing address, so its links are absolute when the site's address is known."""
    return Page(path=urls.NOT_FOUND, title="Page not found", description="This page does not exist.", section="",
                config=plan.config, feeds=(plan.site_feed,), canonical_url=None, root=plan.config.base_url or "")
