"""Rendering the website (render stage): every page of the site, and its static assets, as output files in memory.

Each page is one template under templates/site/ rendered with the values it needs, passed explicitly. Links are
relative: `root` is the path from a page back to the site's top ('../../'), and every link names a file
('papers/x/index.html'), so the site works under any base path and when opened from disk. Lookups every page
needs (a paper's head types, stages, venue) are computed once per paper, so no page costs more than its content.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from headcat.catalog.catalog import Catalog, CatalogPaper, HeadGroup, StageGroup, VenueGroup
from headcat.write.staging import Output, OutputFile, Reuse, to_render
from headcat.render.charts import bar_chart, stacked_bar_chart
from headcat.render.environment import markdown_filter

ASSET_FILES = {"assets/style.css": "assets/style.css", "assets/site.js": "assets/site.js",
               "assets/favicon.svg": "favicon.svg"}
"""Files under templates/ published as they are (template path: output path); every page links them."""


@dataclass(frozen=True)
class PaperView:
    """A paper with the groups its labels link to, looked up once for every page that shows it, and the lists of
    them that pages print, joined once per set of head types and stages rather than on every page."""

    entry: CatalogPaper
    heads: tuple[HeadGroup, ...]
    stages: tuple[StageGroup, ...]
    venue: VenueGroup | None
    data_key: str
    """A digest of everything the paper's card and page show of it (all else comes from the taxonomy)."""
    head_names: str
    """Its head types' names, comma-separated: 'Induction Head, Name Mover Head'."""
    head_slugs: str
    """Its head types' slugs, space-separated (a card's data-head, which the home page's filters read)."""
    stage_ids: str
    """Its stages' ids, space-separated (a card's data-stage): 'ICI LR'."""
    subcategory_slugs: str
    """Its sub-categories' slugs, space-separated (a card's data-sub)."""


@dataclass(frozen=True)
class Feed:
    title: str
    rss_path: str
    atom_path: str


@dataclass(frozen=True)
class Page:
    """What the frame of every page needs: where it is, what it is called, and its feeds."""

    path: str
    title: str
    description: str
    section: str
    """The navigation entry that is current: papers, heads, stages, years, stats or about ('' for none)."""
    canonical_url: str | None
    feeds: tuple[Feed, ...]

    @property
    def root(self) -> str:
        return "../" * self.path.count("/")


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    path: str
    """The static page that lists the same papers, for browsing without JavaScript."""


@dataclass(frozen=True)
class Facet:
    param: str
    """The query-string name (and checkbox name) of this facet: ?stage=LR&head=induction-head."""
    legend: str
    options: tuple[FacetOption, ...]
    is_open: bool


def render_site(catalog: Catalog, environment: Environment, reuse: Reuse | None = None) -> Iterator[Output]:
    """Every page and asset of the site, one at a time. With `reuse`, a page whose inputs did not change since the
    previous build is not rendered again."""
    views = _paper_views(catalog)
    render = _PageRenderer(catalog, environment, reuse)
    yield render.home(views)
    yield from render.paper_pages(views)
    yield from render.head_pages(views)
    yield from render.stage_pages(views)
    yield from render.year_pages(views)
    yield from render.venue_pages(views)
    yield render.code_page(views)
    yield render.stats_page()
    yield render.about_page()
    yield render.not_found_page()
    yield render.text("site/robots.txt", "robots.txt")
    if catalog.config.base_url:
        yield render.text("site/sitemap.xml", "sitemap.xml", page_paths=render.page_paths)
    for source, path in ASSET_FILES.items():
        yield _asset(environment, source, path)


class _PageRenderer:
    """Renders pages of one catalog; remembers the paths of the pages it rendered, for the sitemap."""

    def __init__(self, catalog: Catalog, environment: Environment, reuse: Reuse | None) -> None:
        self.catalog = catalog
        self.environment = environment
        self.reuse = reuse
        self.structure_key = catalog.structure_key
        """What lists, counts and facets are made of; a page that shows no paper in full depends on this alone."""
        self.card_template = environment.get_template("site/card.html")
        self.macros = environment.get_template("site/macros.html").module
        self.macro_output: dict[tuple[str, ...], Markup] = {}
        """What a macro of site/macros.html rendered, by its name and what its output depends on (see `_macro`)."""
        self.card_by_key: dict[tuple[str, str], Markup] = {}
        """A paper's card without summary by (paper id, root): the same on every list at the same depth, rendered
        once, shown on many lists."""
        self.site_feed = Feed(f"{catalog.config.title}: new papers", "feed.xml", "atom.xml")
        self.page_paths: list[str] = []
        """Every page rendered so far, except 404.html: the sitemap's content."""
        self.heads_by_slug = {group.slug: group for group in catalog.heads}

    def home(self, views: dict[str, PaperView]) -> Output:
        catalog = self.catalog
        years = [(group, [views[paper_id] for paper_id in group.paper_ids]) for group in catalog.years]
        return self._render("site/index.html", self._page("index.html", catalog.config.title, "papers",
                                                           catalog.config.description),
                            shows=[view.data_key for view in views.values()],
                            years=years, facets=_facets(catalog), paper_count=len(catalog.papers),
                            head_count=sum(1 for group in catalog.heads if group.paper_ids))

    def paper_pages(self, views: dict[str, PaperView]) -> Iterator[Output]:
        """One page per paper: the bulk of a large site. Pages the previous build already has are kept (decided
        here, cheaply); the others the write stage renders."""
        for entry in self.catalog.papers:
            path = f"papers/{entry.id}/index.html"
            self.page_paths.append(path)
            view, related = views[entry.id], [views[other] for other in entry.related_ids]
            page_data = _paper_page_data(view, related) if self.reuse else None  # the key is only needed to reuse
            yield to_render(path, partial(self.paper, view, related), self.reuse, page_data)

    def head_pages(self, views: dict[str, PaperView]) -> list[Output]:
        """heads/: every head type by stage, then one page per head type."""
        index = self.listing("site/heads.html", "heads/index.html", "Head types", "heads",
                             f"All {len(self.catalog.heads)} head types of the catalog, by stage of the survey's "
                             "framework.", heads_by_slug=self.heads_by_slug)
        return [index, *(self.head(group, views) for group in self.catalog.heads)]

    def stage_pages(self, views: dict[str, PaperView]) -> list[Output]:
        """stages/: the framework map, then one page per stage."""
        index = self.listing("site/stages.html", "stages/index.html", "The four-stage framework", "stages",
                             "The survey's framework as a map: its four stages, their sub-categories and head types, "
                             "with the number of papers on each.", heads_by_slug=self.heads_by_slug)
        return [index, *(self.stage(group, views) for group in self.catalog.stages)]

    def year_pages(self, views: dict[str, PaperView]) -> list[Output]:
        index = self.listing("site/years.html", "years/index.html", "Papers by year", "years",
                             "The papers of the catalog by the year they first appeared.")
        return [index, *(self.papers(f"years/{group.year}/index.html", f"Papers from {group.year}", "years",
                                     [views[paper_id] for paper_id in group.paper_ids])
                         for group in self.catalog.years)]

    def venue_pages(self, views: dict[str, PaperView]) -> list[Output]:
        index = self.listing("site/venues.html", "venues/index.html", "Papers by venue", "venues",
                             "The venues where the papers of the catalog appeared, with the number of papers at each.")
        return [index, *(self.papers(f"venues/{group.slug}/index.html", f"Papers from {group.venue}", "venues",
                                     [views[paper_id] for paper_id in group.paper_ids])
                         for group in self.catalog.venues)]

    def code_page(self, views: dict[str, PaperView]) -> Output:
        """The static page behind the home page's "has code" filter."""
        return self.papers("code/index.html", "Papers with code", "papers",
                           [views[paper_id] for paper_id in self.catalog.with_code])

    def about_page(self) -> Output:
        return self.listing("site/about.html", "about/index.html", "About and contributing", "about",
                            f"What {self.catalog.config.title} is, the survey's four-stage framework, and how to add "
                            "a paper.")

    def paper(self, view: PaperView, related: list[PaperView]) -> Iterator[str]:
        """A paper's page."""
        entry = view.entry
        path = f"papers/{entry.id}/index.html"
        config = self.catalog.config
        edit_url = f"{config.repository.rstrip('/')}/edit/{config.branch}/papers/{entry.id}.yaml" \
            if config.repository else None
        bibtex = self.environment.get_template("bibtex/entry.bib").render(entry=entry)
        page = self._page(path, entry.paper.title, "papers", _paper_description(view), listed=False)
        return self._pieces("site/paper.html", page, view=view, related=related, bibtex=bibtex,
                            edit_url=edit_url, scholarly_article=_scholarly_article(view))

    def head(self, group: HeadGroup, views: dict[str, PaperView]) -> Output:
        head = group.head_type
        stage = self.catalog.stage(head.stage) if head.stage else None
        subcategory = next((sub for sub in stage.subcategories if group.slug in sub.head_slugs), None) \
            if stage else None
        feed = Feed(f"{self.catalog.config.title}: {head.name}", f"heads/{group.slug}/feed.xml",
                    f"heads/{group.slug}/atom.xml")
        related = [self.heads_by_slug[slug] for slug in group.related_slugs]
        page = self._page(f"heads/{group.slug}/index.html", head.name, "heads", head.description, feed)
        return self._render("site/head.html", page, shows=[views[paper_id].data_key for paper_id in group.paper_ids],
                            group=group, stage=stage, subcategory=subcategory, feed=feed,
                            related=related,
                            views=[views[paper_id] for paper_id in group.paper_ids])

    def stage(self, group: StageGroup, views: dict[str, PaperView]) -> Output:
        feed = Feed(f"{self.catalog.config.title}: {group.stage.name}", f"stages/{group.slug}/feed.xml",
                    f"stages/{group.slug}/atom.xml")
        page = self._page(f"stages/{group.slug}/index.html", group.stage.name, "stages", group.stage.description,
                          feed)
        return self._render("site/stage.html", page, shows=[views[paper_id].data_key for paper_id in group.paper_ids],
                            group=group, feed=feed, heads_by_slug=self.heads_by_slug,
                            views=[views[paper_id] for paper_id in group.paper_ids])

    def papers(self, path: str, title: str, section: str, views: list[PaperView]) -> Output:
        """A plain list of papers: a year, a venue, the papers with code."""
        count = len(views)
        description = f"{title}: {count} paper{'s' if count != 1 else ''} in {self.catalog.config.title}."
        return self._render("site/papers.html", self._page(path, title, section, description),
                            shows=[view.data_key for view in views], views=views)

    def stats_page(self) -> Output:
        catalog = self.catalog
        by_year_and_stage = Counter((entry.year, stage_id) for entry in catalog.papers for stage_id in entry.stage_ids)
        year_rows = [(group, [by_year_and_stage[group.year, stage.stage.id] for stage in catalog.stages])
                     for group in catalog.years]
        year_columns = [(group.year, counts) for group, counts in reversed(year_rows)]
        heads = sorted((group for group in catalog.heads if group.paper_ids),
                       key=lambda group: (-len(group.paper_ids), group.head_type.name.casefold()))
        page = self._page("stats/index.html", "Statistics", "stats",
                          "Charts of the catalog: papers per year by stage, head types by frequency, and venues.")
        return self._render("site/stats.html", page, year_rows=year_rows,
                            year_chart=stacked_bar_chart(year_columns, [group.slug for group in catalog.stages]),
                            heads=heads,
                            head_chart=bar_chart([(group.head_type.name, len(group.paper_ids)) for group in heads]),
                            venue_chart=bar_chart([(group.venue, len(group.paper_ids)) for group in
                                                   catalog.venues]))

    def listing(self, template: str, path: str, title: str, section: str, description: str,
                **values: object) -> Output:
        return self._render(template, self._page(path, title, section, description), **values)

    def not_found_page(self) -> Output:
        """Served for any missing address, so its links are absolute when the site's address is known."""
        page = Page(path="404.html", title="Page not found", description="This page does not exist.", section="",
                    canonical_url=None, feeds=(self.site_feed,))
        return self._render("site/404.html", page, root=self.catalog.config.base_url or "")

    def text(self, template: str, path: str, **values: object) -> Output:
        def render() -> bytes:
            return self.environment.get_template(template).render(catalog=self.catalog, **values).encode("utf-8")

        return to_render(path, render, self.reuse, self.structure_key)

    def _page(self, path: str, title: str, section: str, description: str, feed: Feed | None = None,
              listed: bool = True) -> Page:
        if listed:
            self.page_paths.append(path)
        canonical = self.catalog.absolute_url(path.removesuffix("index.html"))
        feeds = (self.site_feed, feed) if feed else (self.site_feed,)
        return Page(path=path, title=title, description=_one_line(description), section=section,
                    canonical_url=canonical, feeds=feeds)

    def card(self, view: PaperView, root: str, with_summary: bool = True) -> Markup:
        """A paper on a list (templates/site/card.html); called from the list templates. Cards without summary are
        kept for the next list at the same depth; a card with its summary is shown once (the home page), so it is
        not kept (20 MB at 10,000 papers)."""
        key = (view.entry.id, root)
        card = None if with_summary else self.card_by_key.get(key)
        if card is None:
            def render() -> str:
                return self.card_template.render(view=view, root=root, with_summary=with_summary,
                                                 labels=self.labels, typed_links=self.typed_links)

            slot = ("card", view.entry.id, root, str(with_summary))
            card = Markup(self.reuse.fragment(slot, view.data_key, render) if self.reuse else render())
            if not with_summary:
                self.card_by_key[key] = card
        return card

    def labels(self, view: PaperView, root: str) -> Markup:
        """A paper's stage and head type labels (the `labels` macro), passed to the templates under that name: the
        same for every paper placed alike at the same depth."""
        return self._macro("labels", (view.stage_ids, view.head_slugs, root), view, root)

    def typed_links(self, entry: CatalogPaper, css_class: str = "paper-links") -> Markup:
        """A paper's links (the `typed_links` macro), passed to the templates under that name: the same on each of
        the paper's cards."""
        return self._macro("typed_links", (entry.id, css_class), entry, css_class)

    def _macro(self, name: str, key: tuple[str, ...], *arguments: object) -> Markup:
        """The output of the macro `name` of templates/site/macros.html for `arguments`, rendered the first time
        `key` (all the output depends on) is asked for and kept, not rendered again for every card and page."""
        slot = (name, *key)
        html = self.macro_output.get(slot)
        if html is None:
            html = self.macro_output[slot] = Markup(getattr(self.macros, name)(*arguments))
        return html

    def _render(self, template: str, page: Page, root: str | None = None, shows: Sequence[str] = (),
                **values: object) -> Output:
        """A page from a template, for the write stage to render. Its key (when reusing the previous build) is the
        catalog's structure plus `shows`: the data keys of the papers the page lists."""
        return to_render(page.path, partial(self._pieces, template, page, root, **values), self.reuse,
                         (self.structure_key, shows), weight=max(1, len(shows)))

    def _pieces(self, template: str, page: Page, root: str | None = None, **values: object) -> Iterator[str]:
        """A page's text in the pieces its template yields (the write stage writes them as they come: the home page
        of 10,000 papers is 20 MB), with the values every page's template gets."""
        return self.environment.get_template(template).generate(
            page=page, root=page.root if root is None else root, config=self.catalog.config, catalog=self.catalog,
            card=self.card, labels=self.labels, typed_links=self.typed_links, **values)


def _paper_page_data(view: PaperView, related: list[PaperView]) -> object:
    """What a paper's page shows: the paper itself, and its related papers (their id, title, year and head types,
    which their data keys cover: an edit to a related paper's summary renders the page again, and finds it
    unchanged)."""
    return view.data_key, tuple(other.data_key for other in related)


def _paper_views(catalog: Catalog) -> dict[str, PaperView]:
    venue_by_name = {group.venue: group for group in catalog.venues}
    subcategory_by_head = {head_slug: subcategory.slug for stage in catalog.stages
                           for subcategory in stage.subcategories for head_slug in subcategory.head_slugs}
    placements: dict[tuple[object, ...], dict[str, Any]] = {}
    """A paper's head type and stage groups and their lists, by its head types and stages: many papers share them."""
    views = {}
    for entry in catalog.papers:
        placement = placements.get((entry.paper.heads, entry.stage_ids))
        if placement is None:
            heads = tuple(catalog.head(head.name) for head in entry.head_types)
            subcategories = dict.fromkeys(subcategory_by_head[group.slug] for group in heads
                                          if group.slug in subcategory_by_head)
            placement = placements[entry.paper.heads, entry.stage_ids] = {
                "heads": heads, "stages": tuple(catalog.stage(stage_id) for stage_id in entry.stage_ids),
                "head_names": ", ".join(group.head_type.name for group in heads),
                "head_slugs": " ".join(group.slug for group in heads), "stage_ids": " ".join(entry.stage_ids),
                "subcategory_slugs": " ".join(subcategories)}
        views[entry.id] = PaperView(entry=entry, venue=venue_by_name.get(entry.paper.venue or ""),
                                    data_key=catalog.data_key_by_id[entry.id], **placement)
    return views


def _facets(catalog: Catalog) -> tuple[Facet, ...]:
    """The home page's filters; each option names the static page that lists the same papers."""
    stages = tuple(FacetOption(group.stage.id, group.stage.name, len(group.paper_ids),
                               f"stages/{group.slug}/index.html") for group in catalog.stages)
    subcategories = tuple(FacetOption(subcategory.slug, subcategory.subcategory.name, len(subcategory.paper_ids),
                                      f"stages/{group.slug}/index.html#{subcategory.slug}")
                          for group in catalog.stages for subcategory in group.subcategories
                          if subcategory.paper_ids)
    heads = tuple(FacetOption(group.slug, group.head_type.name, len(group.paper_ids), f"heads/{group.slug}/index.html")
                  for group in sorted(catalog.heads, key=lambda group: (-len(group.paper_ids),
                                                                       group.head_type.name.casefold()))
                  if group.paper_ids)
    years = tuple(FacetOption(str(group.year), str(group.year), len(group.paper_ids),
                              f"years/{group.year}/index.html") for group in catalog.years)
    venues = tuple(FacetOption(group.slug, group.venue, len(group.paper_ids), f"venues/{group.slug}/index.html")
                   for group in catalog.venues)
    return (
        Facet("stage", "Stage", stages, is_open=True),
        Facet("sub", "Sub-category", subcategories, is_open=False),
        Facet("head", "Head type", heads, is_open=False),
        Facet("year", "Year", years, is_open=True),
        Facet("venue", "Venue", venues, is_open=False),
        Facet("code", "Code", (FacetOption("yes", "Has code", len(catalog.with_code), "code/index.html"),),
              is_open=True),
    )


def _paper_description(view: PaperView) -> str:
    """What the paper contributes, in words: its summary's first part without markup."""
    return markdown_filter(view.entry.paper.summary.innovation).striptags()


def _scholarly_article(view: PaperView) -> dict[str, object]:
    """schema.org JSON-LD for the original paper, so that reference managers save the paper, not this page."""
    entry = view.entry
    paper = entry.paper
    article: dict[str, object] = {"@context": "https://schema.org", "@type": "ScholarlyArticle",
                                  "name": paper.title, "headline": paper.title}
    if paper.authors:
        article["author"] = [{"@type": "Person", "name": name} for name in paper.authors]
    article["datePublished"] = paper.date.isoformat()
    article["url"] = entry.paper_url
    same_as = [url for url in (entry.arxiv_url, entry.doi_url) if url and url != entry.paper_url]
    if same_as:
        article["sameAs"] = same_as
    if paper.venue and entry.publication_kind == "journal":
        article["isPartOf"] = {"@type": "Periodical", "name": paper.venue}
    article["about"] = [{"@type": "DefinedTerm", "name": group.head_type.name} for group in view.heads]
    return article


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _asset(environment: Environment, source_path: str, path: str) -> OutputFile:
    """A static file under templates/, published as it is."""
    source, _, _ = environment.loader.get_source(environment, source_path)  # type: ignore[union-attr]
    return OutputFile(path, source.encode("utf-8"))
