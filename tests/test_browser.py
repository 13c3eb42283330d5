"""The site in a real browser: Debian's Chromium, driven by Playwright, against the fixture site served on localhost.

Builds the fixture catalog with its search index, serves it with Python's HTTP server on 127.0.0.1 (a
free port), and checks what a reader does: browse without JavaScript, search, filter, share a view by its URL,
use the filters with the keyboard. Needs /usr/bin/chromium (`apt-get install chromium`); it never downloads a
browser, and it fails rather than skips when the browser is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from browsing import launch_chromium, served
from headcat.pipeline import build
from headcat.render import lookup

REPOSITORY = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
PAPER_COUNT = 5
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture catalog's site, built with its search index."""
    root = tmp_path_factory.mktemp("browser") / "catalog"
    shutil.copytree(FIXTURE, root)
    (root / "templates").symlink_to(REPOSITORY / "templates", target_is_directory=True)
    with pytest.MonkeyPatch.context() as patch:  # several lookup files even for five papers
        patch.setattr(lookup, "PAPERS_PER_FILE", 2)
        build(root, root / "site", date(2025, 6, 1), with_search=True)
    assert len(list((root / "site" / "search").glob("lookup-*.json"))) == 4
    return root / "site"


@pytest.fixture(scope="module")
def site_url(site_dir: Path) -> Iterator[str]:
    """The site served on 127.0.0.1 (a free port) for the tests of this module."""
    with served(site_dir) as url:
        yield url


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = launch_chromium(playwright)
    yield launched
    launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    yield opened
    context.close()


def visible_card_ids(page: Page) -> list[str]:
    """The papers shown, in order, once the last change's answer is complete (#results aria-busy="false"): the
    results when the list shows them, else the visible cards."""
    page.wait_for_function("document.getElementById('results').getAttribute('aria-busy') === 'false'")
    if page.locator("#results").is_visible():
        return page.locator("#results > li").evaluate_all("items => items.map(item => item.dataset.paper)")
    return page.locator(".paper-card:visible").evaluate_all("cards => cards.map(card => card.id.slice(6))")


def open_home(page: Page, site_url: str, query: str = "") -> None:
    page.goto(f"{site_url}index.html{query}")
    page.wait_for_function("window.headcatReady === true")


def test_home_page_lists_every_paper_with_javascript_disabled(browser: Browser, site_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site_url}index.html")
    expect(page.locator(".paper-card")).to_have_count(PAPER_COUNT)
    assert len(visible_card_ids(page)) == PAPER_COUNT
    expect(page.locator("#search")).to_be_hidden()
    expect(page.locator("#facet-stage-LR")).to_be_hidden()
    stage_link = page.locator(".facet").get_by_role("link", name="Latent Reasoning")
    expect(stage_link).to_be_visible()
    stage_link.click()
    page.wait_for_url("**/stages/lr/index.html")
    expect(page.locator("h1")).to_have_text("Latent Reasoning")
    context.close()


def test_pages_log_no_console_error_with_javascript_on(page: Page, site_url: str) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    # A request cut short by the next navigation (the favicon, say) is aborted, not failed.
    page.on("requestfailed", lambda request: problems.append(f"{request.url}: {request.failure}")
            if request.failure != "net::ERR_ABORTED" else None)
    for path in ("index.html", "papers/induction-heads-patterns/index.html", "heads/induction-head/index.html",
                 "stages/index.html", "stats/index.html", "about/index.html"):
        page.goto(site_url + path)
        page.wait_for_load_state("load")
    open_home(page, site_url)
    page.locator("#search").fill("induction")
    expect(page.locator("#result-count")).to_have_text(f"Showing 1 of {PAPER_COUNT} papers")
    assert problems == []


def test_typing_a_distinctive_query_narrows_the_list_to_the_matching_paper(page: Page, site_url: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    open_home(page, site_url)
    page.locator("#search").fill("Hopper")
    expect(page.locator("#result-count")).to_have_text(f"Showing 1 of {PAPER_COUNT} papers")
    assert visible_card_ids(page) == ["retrieval-heads-long-context"]
    assert page.url.endswith("index.html?q=Hopper")
    assert any(url.endswith("search/words.json") for url in requests), "the search did not use the index"
    # One file of the index for the one word (the one typed before it may have been read too, while typing).
    assert 1 <= len([url for url in requests if "/search/words-" in url]) <= 2
    expect(page.locator("#year-2022")).to_be_hidden()
    page.locator("#search").fill("")
    expect(page.locator("#result-count")).to_have_text(f"Showing all {PAPER_COUNT} papers")
    assert len(visible_card_ids(page)) == PAPER_COUNT


def test_search_matches_words_by_their_stem_through_the_index(page: Page, site_url: str) -> None:
    open_home(page, site_url)
    page.locator("#search").fill("ablating")  # one summary says "Ablates heads", one paper's method "Mean Ablation"
    expect(page.locator("#result-count")).to_have_text(f"Showing 2 of {PAPER_COUNT} papers")
    assert sorted(visible_card_ids(page)) == ["amplifying-correct-answers", "retrieval-heads-long-context"]


def test_search_still_narrows_the_list_when_the_index_cannot_load(page: Page, site_url: str) -> None:
    page.route("**/search/words*", lambda route: route.abort())
    open_home(page, site_url)
    page.locator("#search").fill("lovelace")
    expect(page.locator("#result-count")).to_have_text(f"Showing 1 of {PAPER_COUNT} papers")
    assert visible_card_ids(page) == ["induction-heads-patterns"]


def test_facets_combine_or_within_a_facet_and_and_across_facets(page: Page, site_url: str) -> None:
    open_home(page, site_url)
    page.locator("#facet-stage-EP").check()
    page.locator("#facet-stage-KR").check()
    expect(page.locator("#result-count")).to_have_text(f"Showing 2 of {PAPER_COUNT} papers")
    assert visible_card_ids(page) == ["memory-heads-conflicts", "amplifying-correct-answers"]
    assert page.url.endswith("index.html?stage=KR&stage=EP")
    page.locator("#facet-stage-EP").uncheck()
    page.locator("#facet-stage-KR").uncheck()
    page.locator("#facet-stage-ICI").check()
    page.locator("#facet-year-2024").check()
    expect(page.locator("#result-count")).to_have_text(f"Showing 2 of {PAPER_COUNT} papers")
    assert visible_card_ids(page) == ["retrieval-heads-long-context", "memory-heads-conflicts"]
    page.locator("#facet-code-yes").check()
    expect(page.locator("#result-count")).to_have_text(f"Showing 1 of {PAPER_COUNT} papers")
    assert visible_card_ids(page) == ["retrieval-heads-long-context"]
    assert page.url.endswith("index.html?stage=ICI&year=2024&code=yes")
    expect(page.locator("label[for=facet-year-2019] [data-count]")).to_have_text("0")


def test_loading_a_url_with_a_query_and_filters_restores_the_view(page: Page, site_url: str) -> None:
    open_home(page, site_url, "?q=heads&stage=KR&stage=EP&year=2024")
    expect(page.locator("#result-count")).to_have_text(f"Showing 1 of {PAPER_COUNT} papers")
    assert visible_card_ids(page) == ["memory-heads-conflicts"]
    expect(page.locator("#search")).to_have_value("heads")
    expect(page.locator("#facet-stage-KR")).to_be_checked()
    expect(page.locator("#facet-stage-EP")).to_be_checked()
    expect(page.locator("#facet-year-2024")).to_be_checked()
    expect(page.locator("#facet-stage-ICI")).not_to_be_checked()


def test_filters_work_with_the_keyboard(page: Page, site_url: str) -> None:
    open_home(page, site_url)
    page.locator("#search").focus()
    for _ in range(12):  # Tab from the search box to the third stage's checkbox, as a keyboard user would
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "facet-stage-LR":
            break
    assert page.evaluate("document.activeElement.id") == "facet-stage-LR"
    page.keyboard.press("Space")
    expect(page.locator("#result-count")).to_have_text(f"Showing 1 of {PAPER_COUNT} papers")
    assert visible_card_ids(page) == ["induction-heads-patterns"]
    venue = page.locator("details[data-facet=venue]")
    assert venue.get_attribute("open") is None
    venue.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#facet-venue-transformer-circuits-thread-2022")).to_be_visible()
    page.locator("button[type=reset]").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#result-count")).to_have_text(f"Showing all {PAPER_COUNT} papers")
    assert page.url.endswith("index.html")


def test_copy_button_copies_the_bibtex_entry(browser: Browser, site_url: str) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site_url.rstrip("/"))
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{site_url}papers/induction-heads-patterns/index.html")
    button = page.locator("button.copy-button")
    expect(button).to_have_text("Copy BibTeX")
    button.click()
    expect(button).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()").startswith("@article{induction-heads-patterns,")
    context.close()



def test_site_opened_from_disk_searches_and_follows_links(page: Page, site_dir: Path) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto((site_dir / "index.html").as_uri())
    page.wait_for_function("window.headcatReady === true")
    page.locator("#search").fill("lovelace")
    expect(page.locator("#result-count")).to_have_text(f"Showing 1 of {PAPER_COUNT} papers")
    page.locator("#results .paper-title a").click()
    expect(page.locator("h1")).to_have_text("Induction Heads Complete Patterns")
    assert page.url == (site_dir / "papers" / "induction-heads-patterns" / "index.html").as_uri()
    page.get_by_role("link", name="Induction Head", exact=True).first.click()
    expect(page.locator("h1")).to_have_text("Induction Head")
    assert problems == []


def test_exact_lookups_find_each_paper_in_its_lookup_file(page: Page, site_url: str) -> None:
    for paper_id, title in (("induction-heads-patterns", "Induction Heads Complete Patterns"),
                            ("retrieval-heads-long-context", "Retrieval Heads in Long Contexts")):
        for query in (title, title.upper() + " ", paper_id):
            open_home(page, site_url, f"?q={query}")
            assert visible_card_ids(page)[:1] == [paper_id], query
            expect(page.locator("#results > li").first.locator(".result-exact")).to_have_count(1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(exclude_categories=("Cn", "Cs")), max_size=40))
def test_the_script_reduces_titles_and_hashes_keys_as_the_build_does(page: Page, site_url: str, text: str) -> None:
    # Characters this Python's Unicode tables do not know yet (Cn) may be letters to the browser: no title has one.
    if page.url == "about:blank":
        open_home(page, site_url)
    script = page.evaluate("text => [headcatKeys.titleKey(text), headcatKeys.keyHash(text)]", text)
    assert script == [lookup.lookup_key_of_title(text), lookup.key_hash(text)]


def test_a_long_facet_narrows_as_the_reader_types(page: Page, site_url: str) -> None:
    open_home(page, site_url)
    heads = page.locator("details[data-facet=head]")
    heads.locator("summary").click()
    heads.locator(".facet-narrow").fill("prev")
    expect(heads.locator("li:visible")).to_have_count(1)
    expect(heads.locator("li:visible label")).to_contain_text("Previous Token Head")
    heads.locator(".facet-narrow").fill("")
    expect(heads.locator("li:visible")).to_have_count(heads.locator("li").count())
