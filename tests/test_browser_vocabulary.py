"""The repository's own catalog in Chromium: each model family and each method, chosen as a filter on the home
page, shows exactly the papers whose files name it (counted here from the paper files themselves), and the same
number its page lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, sync_playwright

from browsing import launch_chromium, served
from headcat.load.settings import load_taxonomy
from headcat.model.fields import slugify
from headcat.model.taxonomy import Taxonomy
from headcat.pipeline import build

REPOSITORY = Path(__file__).parent.parent
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(REPOSITORY)


@pytest.fixture(scope="module")
def paper_files() -> list[dict[str, object]]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((REPOSITORY / "papers").glob("*.yaml"))]


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("repository-site") / "site"
    build(REPOSITORY, out, date.today(), with_search=True)
    return out


@pytest.fixture(scope="module")
def page(site_dir: Path) -> Iterator[Page]:
    with served(site_dir) as url, sync_playwright() as running:
        browser: Browser = launch_chromium(running)
        context = browser.new_context(base_url=url)
        context.set_default_timeout(TIMEOUT_MS)
        yield context.new_page()
        browser.close()


def shown_count(page: Page, query: str) -> tuple[int, int]:
    """How many papers the home page shows for a filter given in its URL, and of how many."""
    page.goto(f"index.html?{query}")
    page.wait_for_function("window.headcatReady === true && "
                           "document.getElementById('results').getAttribute('aria-busy') === 'false'")
    announced = page.locator("#result-count").inner_text()
    match = (re.fullmatch(r"Showing (\d+) of (\d+) papers", announced)  # every paper that matches is shown
             or re.fullmatch(r"(\d+) of (\d+) papers match; showing the first \d+", announced))  # a page of them
    assert match, announced
    return int(match[1]), int(match[2])


def listed_count(site_dir: Path, folder: str) -> int:
    """The number of papers a facet option's own page says it lists."""
    html = (site_dir / folder / "index.html").read_text(encoding="utf-8")
    return len(re.findall(r'<article class="paper-card', html))


def test_each_model_family_filter_shows_the_papers_whose_files_name_its_models(
        page: Page, site_dir: Path, taxonomy: Taxonomy, paper_files: list[dict[str, object]]) -> None:
    checked = 0
    for family in taxonomy.models:
        expected = sum(1 for paper in paper_files
                       if any(taxonomy.family_of_model[resolved.name].name == family.name
                              for name in paper.get("models") or [] for resolved in [taxonomy.resolve_model(name)]
                              if resolved))
        if not expected:
            continue
        slug = slugify(family.name)
        assert shown_count(page, f"model={slug}") == (expected, len(paper_files)), family.name
        assert listed_count(site_dir, f"models/{slug}") == expected, family.name
        checked += 1
    assert checked >= 5


def test_each_method_filter_shows_the_papers_whose_files_name_it(
        page: Page, site_dir: Path, taxonomy: Taxonomy, paper_files: list[dict[str, object]]) -> None:
    checked = 0
    for spelling in taxonomy.method_spellings:
        method = taxonomy.resolve_method(spelling)
        if method is None or method.name != spelling:
            continue  # an alias
        expected = sum(1 for paper in paper_files
                       if any(getattr(taxonomy.resolve_method(name), "name", None) == method.name
                              for name in paper.get("methods") or []))
        if not expected:
            continue
        slug = slugify(method.name)
        assert shown_count(page, f"method={slug}") == (expected, len(paper_files)), method.name
        assert listed_count(site_dir, f"methods/{slug}") == expected, method.name
        checked += 1
    assert checked >= 10
