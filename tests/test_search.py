"""The search box on the real catalog, in Chromium: exact lookups first, and no result that lacks a query word.

Builds this repository's catalog with its word index, serves it on 127.0.0.1 and asks `index.html?q=QUERY`, as a
reader's shared link would. The contract read here: the results are in the element with id `results`, one link per
result (to the paper's page), in the order shown, the count is announced in the live region `#result-count`, and
`#results` says aria-busy="false" once its results are complete.

- The relevance set (search_relevance.yaml, 50-odd queries of every kind) must be answered with precision and
  recall 1.0.
- Every arXiv id of the catalog, in three spellings, puts its paper first, marked as the exact match.
- The script's stemmer gives the index's stem for every word of the catalog and for made-up ones.
- A phrase in quotes finds the papers with its words side by side, and a paper with the query in its title comes
  before one with the words only in its text.
- Hypothesis draws queries (words of the catalog, their beginnings, words from nowhere, in ones, twos and threes):
  every result has every query word (search_oracle.py reads the records as the index does), and every paper that
  has each as a whole word is found.
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import snowballstemmer
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Page, expect, sync_playwright
from snowballstemmer.english_stemmer import EnglishStemmer

from browsing import launch_chromium, served
from headcat.pipeline import build, load_catalog
from headcat.render.search import WordReader, normalized, search_inputs, search_records, stemmer_for
from search_oracle import IndexedText, query_words

REPOSITORY = Path(__file__).parent.parent
RELEVANCE_SET = Path(__file__).parent / "search_relevance.yaml"
TODAY = date(2026, 12, 1)
PAPER_LINK = re.compile(r"(?:^|/)papers/([a-z0-9-]+)/(?:index\.html)?$")


@pytest.fixture(scope="module")
def repository_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("search") / "catalog"
    root.mkdir()
    for name in ("papers", "schema"):
        shutil.copytree(REPOSITORY / name, root / name)
    for name in ("taxonomy.yaml", "pyproject.toml", "README.md", "CONTRIBUTING.md"):
        shutil.copy(REPOSITORY / name, root / name)
    (root / "templates").symlink_to(REPOSITORY / "templates", target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def site_url(repository_copy: Path) -> Iterator[str]:
    build(repository_copy, repository_copy / "site", TODAY, with_search=True, use_cache=False)
    with served(repository_copy / "site") as url:
        yield url


@pytest.fixture(scope="module")
def records(repository_copy: Path) -> dict[str, IndexedText]:
    """Each paper's indexed text, by paper id."""
    catalog = load_catalog(repository_copy, TODAY)
    return {record.paper_id: IndexedText.of(record.parts) for record in search_records(search_inputs(catalog))}


@pytest.fixture(scope="module")
def page(site_url: str) -> Iterator[Page]:
    with sync_playwright() as running:
        browser = launch_chromium(running)
        context = browser.new_context()
        context.set_default_timeout(15_000)
        opened = context.new_page()
        problems: list[str] = []
        opened.on("pageerror", lambda error: problems.append(str(error)))
        yield opened
        browser.close()
        assert problems == []


def show_every_result(page: Page) -> None:
    """Press "Show more" until every result is shown (the results come a page at a time)."""
    while page.locator("#more-results").is_visible():
        page.locator("#more-results").click()
        page.wait_for_function("document.getElementById('results').getAttribute('aria-busy') === 'false'")


def search(page: Page, site_url: str, query: str) -> list[str]:
    """The ids of the papers `index.html?q=QUERY` shows, in order, read from the links in #results."""
    page.goto(f"{site_url}index.html?q={quote(query)}")
    page.wait_for_function("window.headcatReady === true")
    assert page.locator("#results").get_attribute("aria-busy") == "false"  # the results are complete
    show_every_result(page)
    items = page.locator("#results > li")
    links_per_item = items.evaluate_all("items => items.map(item => item.querySelectorAll('a').length)")
    assert all(count == 1 for count in links_per_item), f"{query!r}: a result has other links than its paper's"
    hrefs = page.locator("#results a").evaluate_all("links => links.map(link => link.getAttribute('href'))")
    ids = []
    for href in hrefs:
        found = PAPER_LINK.search(href)
        assert found, f"{query!r}: a result links to {href}, not to a paper's page"
        ids.append(found.group(1))
    announced = page.locator("#result-count").inner_text()
    if ids:  # all of them, once "Show more" has shown the last
        assert announced.startswith(f"Showing {len(ids)} of "), announced
    else:
        assert announced.startswith("No paper matches"), announced
    return ids


def load_relevance_set() -> list[dict[str, object]]:
    entries = yaml.safe_load(RELEVANCE_SET.read_text(encoding="utf-8"))
    assert len(entries) >= 40
    return entries


def test_the_relevance_set_is_answered_with_precision_and_recall_one(page: Page, site_url: str,
                                                                     records: dict[str, IndexedText]) -> None:
    returned_total = relevant_returned = expected_total = expected_found = 0
    failures = []
    for entry in load_relevance_set():
        query = str(entry["query"])
        first = list(entry.get("first") or [])  # type: ignore[call-overload]
        expect = set(entry["expect"])  # type: ignore[call-overload]
        assert set(first) <= expect and expect <= set(records), f"{query!r}: the set names unknown papers"
        found = search(page, site_url, query)
        returned_total += len(found)
        relevant_returned += len(expect.intersection(found))
        expected_total += len(expect)
        expected_found += len(expect.intersection(found))
        if set(found) != expect or set(found[:len(first)]) != set(first) or len(found) != len(set(found)):
            failures.append(f"{entry['kind']}: {query!r} returned {found}, expected {first} first of {sorted(expect)}")
        if first and entry["kind"] not in ("partial title", "head type", "author"):
            expect_mark = page.locator("#results > li").first.locator(".result-exact")
            assert expect_mark.count() == 1, f"{query!r}: the first result is not marked as the exact match"
    precision = relevant_returned / returned_total if returned_total else 1.0
    recall = expected_found / expected_total if expected_total else 1.0
    print(f"relevance set: precision {precision:.3f}, recall {recall:.3f}")
    assert failures == [], "\n".join(failures)
    assert (precision, recall) == (1.0, 1.0)


def test_every_arxiv_id_in_three_spellings_puts_its_paper_first(page: Page, site_url: str,
                                                                 repository_copy: Path) -> None:
    catalog = load_catalog(repository_copy, TODAY)
    with_ids = [(entry.id, entry.paper.arxiv) for entry in catalog.papers if entry.paper.arxiv]
    assert len(with_ids) > 50
    for paper_id, arxiv_id in with_ids:
        for spelling in (arxiv_id, f"arXiv:{arxiv_id}v2", f"https://arxiv.org/abs/{arxiv_id}"):
            found = search(page, site_url, spelling)
            assert found[:1] == [paper_id], f"{spelling!r} showed {found[:3]}"
            assert page.locator("#results > li").first.locator(".result-exact").count() == 1


def test_an_identifier_not_in_the_catalog_says_so_and_offers_to_add_it(page: Page, site_url: str) -> None:
    assert search(page, site_url, "arXiv:2501.99999") == []
    note = page.locator("#lookup-note")
    assert note.is_visible()
    assert "arXiv 2501.99999 is not in this catalog" in note.inner_text()
    assert "headcat new --arxiv 2501.99999" in note.inner_text()
    assert note.get_by_role("link", name="how to add a paper").get_attribute("href") == "about/index.html#contribute"


def test_the_sort_order_is_kept_in_the_address(page: Page, site_url: str) -> None:
    found = search(page, site_url, "induction head")
    page.locator("#sort").select_option("title")
    page.wait_for_function("document.location.search.includes('sort=title')")
    page.wait_for_function("document.getElementById('results').getAttribute('aria-busy') === 'false'")
    show_every_result(page)
    shown = page.locator("#results > li").evaluate_all("items => items.map(item => item.dataset.paper)")
    assert sorted(shown) == sorted(found) and shown != found
    assert page.locator("#results .paper-title").evaluate_all(
        "titles => titles.every((title, i) => i === 0"
        " || titles[i - 1].textContent.localeCompare(title.textContent) <= 0)")
    assert page.url.endswith("?q=induction+head&sort=title")
    page.reload()
    page.wait_for_function("window.headcatReady === true")
    assert page.locator("#sort").input_value() == "title"
    assert page.locator("#search").input_value() == "induction head"


WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]{2,}")


@pytest.fixture(scope="module")
def vocabulary(repository_copy: Path) -> list[str]:
    catalog = load_catalog(repository_copy, TODAY)
    words = {word for record in search_records(search_inputs(catalog)) for part in record.parts
             for word in WORD.findall(part)}
    return sorted(words)


@settings(max_examples=60, deadline=None, derandomize=True,  # the same queries in every run: CI cannot flake
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_result_lacks_a_query_word_and_no_paper_with_every_word_is_missed(
        page: Page, site_url: str, records: dict[str, IndexedText], vocabulary: list[str], data: st.DataObject) -> None:
    known = st.sampled_from(vocabulary)
    beginning = known.flatmap(lambda word: st.integers(2, max(2, len(word) - 1)).map(lambda cut: word[:cut]))
    nowhere = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=9)
    query = " ".join(data.draw(st.lists(st.one_of(known, known, beginning, nowhere), min_size=1, max_size=3)))
    if not query_words(query):
        return
    found = search(page, site_url, query)
    lacking = [paper_id for paper_id in found if not records[paper_id].contains(query)]
    assert lacking == [], f"{query!r} returned papers without every word: {lacking}"
    missed = sorted(paper_id for paper_id, text in records.items()
                    if text.contains_whole(query) and paper_id not in found)
    assert missed == [], f"{query!r} missed papers that have every word: {missed}"


def test_an_author_beyond_the_listed_few_is_found_by_typing_and_kept_in_the_address(
        page: Page, site_url: str, records: dict[str, IndexedText]) -> None:
    page.goto(f"{site_url}index.html")
    page.wait_for_function("window.headcatReady === true")
    authors = page.locator("details[data-facet=author]")
    assert authors.locator("#facet-author-jacob-steinhardt").count() == 0  # one paper: not among the first few
    authors.locator("summary").click()
    authors.locator(".facet-narrow").fill("steinh")
    box = authors.locator("#facet-author-jacob-steinhardt")
    box.check()
    page.wait_for_function("document.location.search === '?author=jacob-steinhardt'")
    expect(page.locator("#result-count")).to_have_text("Showing 1 of 86 papers")  # once its list is read
    assert page.locator("#results > li").evaluate_all("items => items.map(item => item.dataset.paper)") == [
        "indirect-object-identification-gpt2-small"]
    page.reload()
    page.wait_for_function("window.headcatReady === true")
    assert page.locator("#facet-author-jacob-steinhardt").is_checked()
    assert page.locator("#result-count").inner_text() == "Showing 1 of 86 papers"


MADE_UP_WORDS = [prefix + ending
                 for prefix in ("gener", "past", "dy", "ey", "cann", "succ", "sky", "bias", "univers", "y", "attent",
                                "hop", "fizz", "agre", "lov", "crie", "news")
                 for ending in ("", "s", "es", "ies", "ied", "ing", "ingly", "ed", "eed", "edly", "ly", "li", "ogi",
                                "ational", "izer", "fulness", "ement", "ion", "sion", "e", "ll", "y", "ative")]
"""Words made to reach each rule of the English stemmer (Snowball's step 1a to 5)."""


def test_the_index_stems_with_snowballs_c_library_as_its_python_rules_do(
        texts: dict[str, tuple[str, ...]]) -> None:
    """PyStemmer (a dependency) is what makes stemming quick: snowballstemmer hands the work to it when it is
    installed. It must stem every word as the pure Python rules do, which site.js copies."""
    stem = stemmer_for("en")
    assert stem is not None and type(stem.__self__).__module__ == "Stemmer"  # type: ignore[attr-defined]
    words = sorted({*MADE_UP_WORDS, *(normalized(token) for parts in texts.values() for part in parts
                                      for token in part.split())} - {""})
    assert len(words) > 2000
    rules = EnglishStemmer()
    assert [stem(word) for word in words] == [rules.stemWord(word) for word in words]


def test_the_script_stems_and_splits_every_word_as_the_index_does(page: Page, site_url: str,
                                                                  vocabulary: list[str]) -> None:
    page.goto(f"{site_url}index.html")
    page.wait_for_function("window.headcatReady === true")
    tokens = sorted({*vocabulary, *MADE_UP_WORDS, "GPT-2", "DuoAttention", "OLMo", "Llama3.1-8B", "naïve", "Straße",
                     "北京大学", "𝐀ttention", "x²", "ǅemal", "(in-context)", "—"})
    got = page.evaluate("tokens => tokens.map(token => window.headcatKeys.wordKeys(token, true))", tokens)
    reader = WordReader("en")
    reader.learn(tokens)
    assert {token: set(keys) for token, keys in zip(tokens, got, strict=True)} == \
        {token: set(reader.keys[token]) for token in tokens}
    stem = snowballstemmer.stemmer("english").stemWord
    words = sorted({normalized(token) for token in tokens} - {""})
    assert page.evaluate("words => words.map(window.headcatKeys.stem)", words) == [stem(word) for word in words]


@pytest.fixture(scope="module")
def texts(repository_copy: Path) -> dict[str, tuple[str, ...]]:
    """Each paper's searchable text, by part, by paper id."""
    catalog = load_catalog(repository_copy, TODAY)
    return {record.paper_id: record.parts for record in search_records(search_inputs(catalog))}


def has_side_by_side(parts: tuple[str, ...], first: str, second: str) -> bool:
    """Whether a part has a word with the stem `first` followed by one with the stem `second` (words without a
    letter or digit in between do not count)."""
    stem = snowballstemmer.stemmer("english").stemWord
    for part in parts:
        words = [stem(word) for token in part.split() if (word := normalized(token))]
        if any(pair == (first, second) for pair in itertools.pairwise(words)):
            return True
    return False


def test_a_phrase_in_quotes_finds_the_papers_with_its_words_side_by_side(
        page: Page, site_url: str, texts: dict[str, tuple[str, ...]]) -> None:
    for phrase, first, second in (("retrieval head", "retriev", "head"), ("attention heads", "attent", "head"),
                                  ("head retrieval", "head", "retriev")):
        found = search(page, site_url, f'"{phrase}"')
        expected = {paper_id for paper_id, parts in texts.items() if has_side_by_side(parts, first, second)}
        assert set(found) == expected, phrase
    assert set(search(page, site_url, '"retrieval head"')) < set(search(page, site_url, "retrieval head"))


def test_a_paper_with_the_query_in_its_title_comes_first(page: Page, site_url: str,
                                                          texts: dict[str, tuple[str, ...]]) -> None:
    for query in ("induction", "retrieval", "circuit"):
        found = search(page, site_url, query)
        in_title = [paper_id for paper_id in found if IndexedText.of([texts[paper_id][0]]).contains(query)]
        assert in_title and found[:len(in_title)] == in_title, query


@pytest.mark.parametrize("delay_ms", [0, 40, 200])
def test_typing_a_query_key_by_key_ends_with_the_answer_to_the_whole_query(page: Page, site_url: str,
                                                                           delay_ms: int) -> None:
    """The first keystroke after a pause is searched at once and the ones that follow it quickly wait for the
    typing to pause; whatever the pace, an answer overtaken by a later keystroke is never the one left shown."""
    expected = search(page, site_url, "retrieval heads")
    page.goto(f"{site_url}index.html")
    page.wait_for_function("window.headcatReady === true")
    page.locator("#search").press_sequentially("retrieval heads", delay=delay_ms)
    page.wait_for_function("document.location.search.includes('q=retrieval+heads')")
    page.wait_for_function("document.getElementById('results').getAttribute('aria-busy') === 'false'")
    show_every_result(page)
    shown = page.locator("#results > li").evaluate_all("items => items.map(item => item.dataset.paper)")
    assert shown == expected and expected


def test_a_long_answer_comes_a_page_at_a_time_and_says_how_many_match(page: Page, site_url: str) -> None:
    page.goto(f"{site_url}index.html?q=head")
    page.wait_for_function("window.headcatReady === true")
    first = page.locator("#results > li").count()
    match = re.fullmatch(r"(\d+) of (\d+) papers match; showing the first (\d+)", page.locator("#result-count")
                         .inner_text())
    assert match, page.locator("#result-count").inner_text()
    assert int(match[3]) == first < int(match[1])  # the first page of the results, then "Show more"
    show_every_result(page)
    assert page.locator("#results > li").count() == int(match[1])
    assert page.locator("#result-count").inner_text() == f"Showing {match[1]} of {match[2]} papers"
