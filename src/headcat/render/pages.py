"""Rendering the site's pages (render stage): the render functions of pages and cards, and what each reads.

Every page is one template under templates/site/ rendered with its inputs: a `Page` (what the frame of every page
shows) and the values its template names. Templates also get a few helpers that render pieces many pages share
(a paper's card, labels and links), and `urls`, the module that spells every path (environment.py). Links are
relative: `root` is the way from a page back to the site's top ('../../'), so the site works under any base path
and from disk.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

from markupsafe import Markup

from headcat.catalog import urls
from headcat.catalog.catalog import Feed
from headcat.catalog.entries import AuthorLabel, CatalogPaper, HeadLabel
from headcat.catalog.paging import Pager
from headcat.model.config import Config
from headcat.render.context import RenderContext
from headcat.render.environment import markdown_filter
from headcat.render.exports import render_bibtex_entry

MACROS = "site/macros.html"


@dataclass(frozen=True)
class Page:
    """What the frame of every page shows: where it is, what it is called, the settings and its feeds."""

    path: str
    title: str
    description: str
    section: str
    """The navigation entry that is current: papers, heads, stages, years, venues, stats or about ('' for none)."""
    config: Config
    feeds: tuple[Feed, ...]
    canonical_url: str | None
    root: str
    """The way back to the site's top ('../../'; the 404 page's is the site's address, wherever it is served)."""
    pager: Pager | None = None
    """Where the page is in its listing, for a page of a list of papers (catalog/paging.py)."""


def make_page(path: str, title: str, section: str, description: str, config: Config, site_feed: Feed,
              feed: Feed | None = None, pager: Pager | None = None) -> Page:
    """A page's frame: its description on one line, its published address when the settings give the site's."""
    return Page(path=path, title=title, description=" ".join(description.split()), section=section, config=config,
                feeds=(site_feed, feed) if feed else (site_feed,),
                canonical_url=urls.absolute(config.base_url, urls.folder_of(path)), root=urls.root_of(path),
                pager=pager)


@dataclass(frozen=True, slots=True)
class PageInputs:
    """A page made by one template from these values (and the page's frame)."""

    template: str
    page: Page
    values: Mapping[str, object]


def render_page(inputs: PageInputs, context: RenderContext) -> Iterator[str]:
    """The page's text in the pieces its template yields (the write stage writes them as they come: the home page
    of 10,000 papers is 20 MB)."""
    return context.environment.get_template(inputs.template).generate(
        page=inputs.page, root=inputs.page.root, config=inputs.page.config, pager=inputs.page.pager,
        **template_helpers(context), **inputs.values)


@dataclass(frozen=True, slots=True)
class PaperPageInputs:
    """A paper's page: the paper, the papers related to it, the settings and the site's feed."""

    entry: CatalogPaper
    related: tuple[CatalogPaper, ...]
    config: Config
    site_feed: Feed


def render_paper_page(inputs: PaperPageInputs, context: RenderContext) -> Iterator[str]:
    entry, config = inputs.entry, inputs.config
    edit_url = (f"{config.repository.rstrip('/')}/edit/{config.branch}/papers/{entry.id}.yaml"
                if config.repository else None)
    page = make_page(entry.path, entry.paper.title, "papers", paper_description(entry), config, inputs.site_feed)
    bibtex = render_bibtex_entry(entry, context)
    return render_page(PageInputs("site/paper.html", page, {
        "entry": entry, "related": inputs.related, "bibtex": bibtex, "edit_url": edit_url,
        "scholarly_article": scholarly_article(entry)}), context)


@dataclass(frozen=True)
class AuthorSummary:
    """What an author's page shows besides their papers: the spellings of their name, the head types they
    studied and the people they wrote with most (COAUTHORS_SHOWN of them, most papers together first)."""

    name: str
    spellings: tuple[str, ...]
    heads: tuple[tuple[HeadLabel, int], ...]
    coauthors: tuple[tuple[AuthorLabel, int], ...]
    coauthor_count: int

    @classmethod
    def of(cls, slug: str, entries: tuple[CatalogPaper, ...]) -> AuthorSummary:
        """Worked out with Counter over each paper's slugs (counted in C): a prolific author of a large catalog has
        hundreds of papers and co-authors."""
        spellings = [label.name for entry in entries for label in entry.authors if label.slug == slug]
        heads = Counter(chain.from_iterable(entry.head_slugs for entry in entries))
        together = Counter(chain.from_iterable(entry.author_slugs for entry in entries))
        del together[slug]
        most = heapq.nsmallest(COAUTHORS_SHOWN, together.items(), key=lambda item: (-item[1], item[0]))
        head_labels = {label.slug: label for entry in reversed(entries) for label in entry.heads}  # the newest
        author_labels = _newest_labels(entries, {other for other, _ in most})
        return cls(spellings[0], tuple(dict.fromkeys(spellings)),
                   tuple((head_labels[head], count)
                         for head, count in sorted(heads.items(), key=lambda item: (-item[1], item[0]))),
                   tuple((author_labels[other], count) for other, count in most), len(together))


def _newest_labels(entries: tuple[CatalogPaper, ...], slugs: set[str]) -> dict[str, AuthorLabel]:
    """The authors with these slugs, as the newest of the papers (`entries`, newest first) spells them."""
    found: dict[str, AuthorLabel] = {}
    for entry in entries:
        for label in entry.authors:
            if label.slug in slugs:
                found.setdefault(label.slug, label)
        if len(found) == len(slugs):
            break
    return found


COAUTHORS_SHOWN = 30
"""An author's page names the people they wrote with most; in a large catalog a prolific author has hundreds."""


@dataclass(frozen=True, slots=True)
class AuthorPageInputs:
    """A page of an author's listing: its frame (with its pager), the author's slug and all their papers, newest
    first (what the page says of the author is worked out from them all; it lists the pager's part)."""

    page: Page
    slug: str
    entries: tuple[CatalogPaper, ...]


def render_author_page(inputs: AuthorPageInputs, context: RenderContext) -> Iterator[str]:
    memo_key = ("author", inputs.slug)  # once a build for all the pages of a prolific author: a build's memo holds
    # one catalog, where a slug names one author and their papers
    author = context.memo.get(memo_key)
    if author is None:
        author = context.memo[memo_key] = AuthorSummary.of(inputs.slug, inputs.entries)
    pager = inputs.page.pager
    shown = inputs.entries[pager.first_index:pager.first_index + pager.size] if pager else inputs.entries
    return render_page(PageInputs("site/author.html", inputs.page, {"author": author, "entries": shown}), context)


@dataclass(frozen=True, slots=True)
class CardStyle:
    """How a list shows its papers' cards (templates/site/card.html): at what depth, and whether with their summary
    (the home page shows it; other lists do not)."""

    root: str
    with_summary: bool


def template_helpers(context: RenderContext) -> dict[str, Any]:
    """The functions every page's template gets: `cards` (a list of papers' cards), and `labels` and
    `typed_links`, which render a piece that many pages show once and reuse it."""
    return {**piece_helpers(context),
            "cards": lambda entries, root, with_summary=True: cards(context, entries, root, with_summary)}


def piece_helpers(context: RenderContext) -> dict[str, Any]:
    """`labels` and `typed_links`, made once per build: what a card's template gets."""
    helpers: dict[str, Any] | None = context.memo.get("piece helpers")
    if helpers is None:
        helpers = context.memo["piece helpers"] = {
            "labels": lambda entry, root: labels(context, entry, root),
            "typed_links": lambda entry, css_class="paper-links": typed_links(context, entry, css_class)}
    return helpers


def cards(context: RenderContext, entries: Sequence[CatalogPaper], root: str,
          with_summary: bool = True) -> Iterator[Markup]:
    """The cards of these papers, one at a time. They are not kept between builds: a page lists at most
    page_size papers and is rendered again only when its inputs changed, and a card without summary is rendered
    once a build for every list that shows it (render_card)."""
    style = CardStyle(root, with_summary)
    for entry in entries:
        yield Markup(render_card(entry, style, context))


def render_card(entry: CatalogPaper, style: CardStyle, context: RenderContext) -> str:
    """A paper's card. A card without summary is rendered once in a build, with ROOT_MARK for the way back to the
    site's top, and shown on every list that has the paper (a year's, a venue's, each author's, at any depth) with
    the page's own in its place; a card with its summary is shown once (on a page of the home page's list)."""
    if style.with_summary:
        return str(context.environment.get_template("site/card.html").render(
            entry=entry, root=style.root, with_summary=True, **piece_helpers(context)))
    memo_key = ("card", entry.id)
    html = context.memo.get(memo_key)
    if html is None:
        html = context.memo[memo_key] = str(context.environment.get_template("site/card.html").render(
            entry=entry, root=ROOT_MARK, with_summary=False, **piece_helpers(context)))
    return html.replace(ROOT_MARK, style.root)


ROOT_MARK = "\x00root\x00"
"""Where a card's links start, until a page puts its way back to the site's top there: no paper's text can hold it
(fields.Text refuses control characters), and escaping leaves it as it is."""


def labels(context: RenderContext, entry: CatalogPaper, root: str) -> Markup:
    """A paper's stage and head type labels (the `labels` macro): the same for every paper placed alike (papers
    placed alike share their tuples of labels) at the same depth, so rendered once for them."""
    return _macro(context, "labels", (id(entry.stages), id(entry.heads), root), entry, root)


def typed_links(context: RenderContext, entry: CatalogPaper, css_class: str = "paper-links") -> Markup:
    """A paper's links (the `typed_links` macro): the same on each of the paper's cards."""
    return _macro(context, "typed_links", (entry.id, css_class), entry, css_class)


def _macro(context: RenderContext, name: str, key: tuple[object, ...], *arguments: object) -> Markup:
    """The output of the macro `name` of templates/site/macros.html for `arguments`, rendered the first time `key`
    (all the output depends on) is asked for in this build."""
    memo_key = ("macro", name, *key)
    html = context.memo.get(memo_key)
    if html is None:
        html = context.memo[memo_key] = Markup(getattr(_macros(context), name)(*arguments))
    return html


def _macros(context: RenderContext) -> Any:
    """templates/site/macros.html as a module, made once per build."""
    macros = context.memo.get(MACROS)
    if macros is None:
        macros = context.memo[MACROS] = context.environment.get_template(MACROS).module
    return macros


def paper_description(entry: CatalogPaper) -> str:
    """What the paper contributes, in words: its summary's first part without markup."""
    return markdown_filter(entry.paper.summary.innovation).striptags()


def scholarly_article(entry: CatalogPaper) -> dict[str, object]:
    """schema.org JSON-LD for the original paper, so that reference managers save the paper, not this page."""
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
    article["about"] = [{"@type": "DefinedTerm", "name": label.head_type.name} for label in entry.heads]
    return article


@dataclass(frozen=True, slots=True)
class TextInputs:
    """A text file made by one template (robots.txt, the sitemap)."""

    template: str
    values: Mapping[str, object]


def render_text(inputs: TextInputs, context: RenderContext) -> bytes:
    return context.environment.get_template(inputs.template).render(**inputs.values).encode("utf-8")


def render_asset(inputs: str, context: RenderContext) -> bytes:
    """A file under templates/ published as it is (the stylesheet, the script, the icon)."""
    loader = context.environment.loader
    assert loader is not None  # every environment has its templates' loader (environment.py)
    source, _, _ = loader.get_source(context.environment, inputs)
    return source.encode("utf-8")
