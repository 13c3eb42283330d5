"""Lists that stay small at any size: pages of a fixed size, and the home page's filters over the whole catalog.

Builds this repository's catalog with a page size of 6 (so that its 86-odd papers fill 15 home pages, and head
types, stages, years and authors have pages 2, 3...), then checks:

- without JavaScript, following the pages' links reaches every paper of every list, and no page lists more than the
  page size;
- in Chromium, every combination of filters and every order the reader can choose (drawn by Hypothesis) shows
  exactly the papers of the whole catalog that pass, in that order, with each option's count right, though the
  page holds only the newest six;
- the compact view is one line a paper, kept in the address and by the links to the next pages; on a phone's screen
  the first paper shows without scrolling.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page, sync_playwright

from browsing import launch_chromium, served
from headcat.catalog import facets
from headcat.catalog.catalog import Catalog
from headcat.pipeline import build, load_catalog

REPOSITORY = Path(__file__).parent.parent
TODAY = date(2026, 12, 1)
PAGE_SIZE = 6
PAPER_LINK = re.compile(r"(?:^|/)papers/([a-z0-9-]+)/(?:index\.html)?$")


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository's catalog with a page size of 6, built without the search index (filters need none)."""
    root = tmp_path_factory.mktemp("browse") / "catalog"
    root.mkdir()
    shutil.copytree(REPOSITORY / "papers", root / "papers")
    shutil.copy(REPOSITORY / "taxonomy.yaml", root / "taxonomy.yaml")
    settings_text = (REPOSITORY / "pyproject.toml").read_text(encoding="utf-8")
    settings_text, replaced = re.subn(r"(?m)^page_size = \d+", f"page_size = {PAGE_SIZE}", settings_text)
    assert replaced == 1
    (root / "pyproject.toml").write_text(settings_text, encoding="utf-8")
    (root / "templates").symlink_to(REPOSITORY / "templates", target_is_directory=True)
    build(root, root / "site", TODAY, with_search=False, use_cache=False)
    return root


@pytest.fixture(scope="module")
def catalog(root: Path) -> Catalog:
    return load_catalog(root, TODAY)


@pytest.fixture(scope="module")
def site_url(root: Path) -> Iterator[str]:
    with served(root / "site") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as running:
        launched = launch_chromium(running)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(15_000)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    yield opened
    context.close()
    assert problems == []


# ---- Without JavaScript: the pages of every list ----

class _Links(HTMLParser):
    """A page's papers (the titles of its cards and timeline) and its rel=next link."""

    def __init__(self) -> None:
        super().__init__()
        self.papers: list[str] = []
        self.next: str | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "h3" and "paper-title" in (found.get("class") or ""):
            self._in_title = True
        elif tag == "a" and self._in_title:
            paper = PAPER_LINK.search(found.get("href") or "")
            assert paper is not None
            self.papers.append(paper.group(1))
            self._in_title = False
        elif tag == "link" and found.get("rel") == "next":
            self.next = found.get("href")


def walk(site: Path, first: str) -> list[list[str]]:
    """The papers of each page of the list whose first page is `first`, following rel=next to its end."""
    pages = []
    path: Path | None = site / first
    while path is not None:
        links = _Links()
        links.feed(path.read_text(encoding="utf-8"))
        pages.append(links.papers)
        path = (path.parent / links.next).resolve() if links.next else None
    return pages


def test_following_the_pages_of_every_list_reaches_each_of_its_papers_once(root: Path, catalog: Catalog) -> None:
    lists = {"index.html": [entry.id for entry in catalog.papers]}
    lists.update({group.path: list(group.paper_ids) for group in catalog.heads})
    lists.update({group.path: list(group.paper_ids) for group in catalog.stages})
    lists.update({group.path: list(group.paper_ids) for group in catalog.years})
    lists.update({f"authors/{slug}/index.html": list(ids) for slug, ids in catalog.facet_groups("author").items()})
    for first, paper_ids in lists.items():
        pages = walk(root / "site", first)
        assert [paper for shown in pages for paper in shown] == paper_ids, first
        assert all(len(shown) <= PAGE_SIZE for shown in pages), first
        assert len(pages) == max(1, -(-len(paper_ids) // PAGE_SIZE)), first


def test_a_later_page_links_back_and_by_number(root: Path, catalog: Catalog) -> None:
    third = (root / "site" / "page" / "3" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="prev" href="../../page/2/index.html">' in third
    assert '<link rel="next" href="../../page/4/index.html">' in third
    last = -(-len(catalog.papers) // PAGE_SIZE)
    assert f'href="../../page/{last}/index.html" aria-label="Page {last}"' in third
    assert '<a aria-current="page" href="../../page/3/index.html">3</a>' in third
    assert f"Papers 13–18 of {len(catalog.papers)}, newest first" in third


# ---- In the browser: filters and orders over the whole catalog ----

def expected(catalog: Catalog, chosen: dict[str, list[str]], sort: str) -> list[str]:
    """The papers a view shows: those with one of the chosen values of every facet chosen, in the order asked."""
    values = {facet.param: facet.values_of for facet in facets.FACETS}
    shown = [entry for entry in catalog.papers
             if all(set(values[param](entry)) & set(wanted) for param, wanted in chosen.items())]
    if sort == "added":
        shown.sort(key=lambda entry: -entry.paper.added.toordinal())  # stable: newest first among the same day
    elif sort == "title":
        shown.sort(key=lambda entry: entry.paper.title.casefold())
    return [entry.id for entry in shown]


def expected_count(catalog: Catalog, chosen: dict[str, list[str]], param: str, value: str) -> int:
    """An option's count: the papers it would show with the other facets' choices."""
    others = {name: wanted for name, wanted in chosen.items() if name != param}
    return len(expected(catalog, {**others, param: [value]}, ""))


def shown_papers(page: Page) -> list[str]:
    page.wait_for_function("document.getElementById('results').getAttribute('aria-busy') === 'false'")
    return page.locator("#results > li").evaluate_all("items => items.map(item => item.dataset.paper)")


def all_shown_papers(page: Page) -> list[str]:
    """The papers shown once "Show more" has been pressed until every one is (results come a page at a time)."""
    shown = shown_papers(page)
    while page.locator("#more-results").is_visible():
        page.locator("#more-results").click()
        page.wait_for_function(f"document.querySelectorAll('#results > li').length > {len(shown)}")
        shown = shown_papers(page)
    return shown


def options_of(catalog: Catalog) -> list[tuple[str, str]]:
    """The options the home page's form lists (every facet's, a long one's first)."""
    listed = []
    for facet in facets.FACETS:
        options = facet.options_of(catalog)
        listed += [(facet.param, option.value) for option in options[:facet.shown or len(options)]]
    return listed


def test_ticking_a_head_type_shows_its_papers_beyond_the_first_page(page: Page, site_url: str,
                                                                   catalog: Catalog) -> None:
    page.goto(f"{site_url}index.html")
    page.wait_for_function("window.headcatReady === true")
    first_page = page.locator("#catalog-list .paper-card").evaluate_all("cards => cards.map(card => card.id.slice(6))")
    assert len(first_page) == PAGE_SIZE
    page.locator("[data-facet=head] > summary").click()
    page.locator("label[for=facet-head-induction-head]").click()
    shown = all_shown_papers(page)
    assert shown == expected(catalog, {"head": ["induction-head"]}, "")
    assert set(shown) - set(first_page), "every induction head paper is on the first page: the test shows nothing"
    assert page.locator("#result-count").inner_text() == f"Showing {len(shown)} of {len(catalog.papers)} papers"
    assert "head=induction-head" in page.url


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_every_view_shows_exactly_the_papers_of_the_whole_catalog_that_pass(
        data: st.DataObject, page: Page, site_url: str, catalog: Catalog) -> None:
    chosen_options = data.draw(st.lists(st.sampled_from(options_of(catalog)), max_size=4, unique=True))
    sort = data.draw(st.sampled_from(["", "date", "added", "title"]))
    chosen: dict[str, list[str]] = {}
    for param, value in chosen_options:
        chosen.setdefault(param, []).append(value)
    query = [(param, value) for param, value in chosen_options] + ([("sort", sort)] if sort else [])
    if not query:
        query = [("sort", "date")]
    page.goto(f"{site_url}index.html?{urlencode(query)}")
    page.wait_for_function("window.headcatReady === true")
    want = expected(catalog, chosen, sort)
    counts = page.locator("input[type=checkbox]").evaluate_all(
        "boxes => boxes.map(box => [box.name, box.value, box.labels[0].querySelector('[data-count]').textContent])")
    for param, value, count in counts:
        assert int(count) == expected_count(catalog, chosen, param, value), (param, value)
    assert all_shown_papers(page) == want


def test_the_compact_view_is_a_line_a_paper_and_is_kept_in_the_address(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}index.html")
    page.wait_for_function("window.headcatReady === true")
    card = page.locator("#catalog-list .paper-card").first
    full_height = card.bounding_box()["height"]  # type: ignore[index]
    assert card.locator(".summary").is_visible()
    page.locator("label[for=view-compact]").click()
    page.wait_for_url(re.compile(r"view=compact"))
    assert not card.locator(".summary").is_visible()
    assert card.bounding_box()["height"] < full_height / 2  # type: ignore[index]
    next_link = page.locator(".pager a[rel=next]")
    assert next_link.get_attribute("href") == "page/2/index.html?view=compact"
    next_link.click()
    page.wait_for_function("window.headcatReady === true")
    assert not page.locator(".paper-card .summary").first.is_visible()
    page.goto(f"{site_url}index.html?view=compact&head=induction-head")
    page.wait_for_function("window.headcatReady === true")
    shown_papers(page)
    assert page.locator("#view-compact").is_checked()
    assert not page.locator("#results .summary").first.is_visible()


def test_on_a_phone_the_first_paper_shows_without_scrolling(browser: Browser, site_url: str) -> None:
    context = browser.new_context(viewport={"width": 412, "height": 823}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(f"{site_url}index.html")
    phone.wait_for_function("window.headcatReady === true")
    title = phone.locator("#catalog-list .paper-title").first.bounding_box()
    assert title is not None and title["y"] + title["height"] <= 823
    context.close()


def test_opened_from_disk_the_filters_say_they_cover_this_page_only(page: Page, root: Path) -> None:
    page.goto((root / "site" / "index.html").as_uri() + "?head=induction-head")
    page.wait_for_function("window.headcatReady === true")
    shown = shown_papers(page)
    on_page = page.locator("#catalog-list .paper-card").evaluate_all("cards => cards.map(card => card.id.slice(6))")
    assert set(shown) <= set(on_page)
    assert "on this page" in page.locator("#result-count").inner_text()


def test_every_list_switches_to_the_compact_view_and_keeps_it_on_its_next_pages(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}years/2024/index.html")
    page.wait_for_function("window.headcatReady === true")
    authors = page.locator(".paper-card .paper-authors").first
    assert authors.is_visible()
    page.locator("[data-view=compact]").click()
    assert page.url.endswith("years/2024/index.html?view=compact")
    assert not authors.is_visible()
    assert page.locator("[data-view=compact]").get_attribute("aria-current") == "true"
    page.locator(".pager a[rel=next]").click()
    page.wait_for_function("window.headcatReady === true")
    assert page.url.endswith("years/2024/page/2/index.html?view=compact")
    assert not page.locator(".paper-card .paper-authors").first.is_visible()
    page.locator("[data-view='']").click()
    assert page.url.endswith("years/2024/page/2/index.html")
    assert page.locator(".paper-card .paper-authors").first.is_visible()
