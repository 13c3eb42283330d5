"""The feeds: RSS 2.0 and Atom for the catalog, each head type and each stage, and feeds.opml.

Renders the fixture catalog (copied into a temporary folder, so a test can change it) with the repository's
templates. Golden files: tests/golden/feeds/; after an intended change regenerate them with
`HEADCAT_UPDATE_GOLDEN=1 python -m pytest tests/test_feeds.py tests/test_readme.py tests/test_exports.py`
and review the diff.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ElementTree
from datetime import UTC, date, datetime
from pathlib import Path

import feedgen.entry
import feedgen.feed
import feedparser
import pytest
import yaml

from headcat import pipeline
from headcat.catalog.catalog import Catalog
from headcat.render.context import RenderContext
from headcat.render.environment import make_environment
from headcat.render.feeds import feed_outputs, paper_item_id
from headcat.render.rendering import render_in_memory

REPOSITORY = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
GOLDEN = Path(__file__).parent / "golden" / "feeds"
BASE_URL = "https://example.org/heads/"
NEWEST_ADDED_FIRST = [  # added: 08-20, 07-03 (two: by paper id), 06-01, 05-01
    "amplifying-correct-answers",
    "memory-heads-conflicts",
    "retrieval-heads-long-context",
    "induction-heads-patterns",
    "escaping-script-pipes",
]
HOSTILE_TITLE = "Escaping <script>alert('x')</script> & other | pipes"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A writable copy of the fixture catalog."""
    copy = tmp_path / "catalog"
    shutil.copytree(FIXTURE, copy)
    return copy


def load_catalog(root: Path) -> Catalog:
    return pipeline.load_catalog(root, date.today())


def render(root: Path) -> dict[str, bytes]:
    catalog = load_catalog(root)
    context = RenderContext(make_environment(REPOSITORY / "templates", catalog.taxonomy), key="")
    return render_in_memory(feed_outputs(catalog), context)


def parse(content: bytes) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def paper_ids(parsed: feedparser.FeedParserDict) -> list[str]:
    prefix = paper_item_id("")
    assert all(entry.id.startswith(prefix) for entry in parsed.entries)
    return [entry.id.removeprefix(prefix) for entry in parsed.entries]


def edit_paper(root: Path, paper_id: str, **changes: object) -> None:
    path = root / "papers" / f"{paper_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update({key: value.isoformat() if isinstance(value, date) else value for key, value in changes.items()})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def set_base_url(root: Path, base_url: str | None) -> None:
    path = root / "pyproject.toml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("base_url")]
    if base_url is not None:
        lines.insert(lines.index("[tool.headcat]") + 1, f'base_url = "{base_url}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_every_rss_and_atom_feed_parses_with_feedparser_without_error(root: Path) -> None:
    feeds = {path: content for path, content in render(root).items() if path.endswith(".xml")}
    assert len(feeds) == 2 * (1 + 7 + 4 + 2 + 2)  # the catalog, 7 head types, 4 stages, 2 model families, 2 methods
    for path, content in feeds.items():
        parsed = feedparser.parse(content)
        assert parsed.bozo == 0, f"{path}: {parsed.get('bozo_exception')}"
        assert parsed.version == ("rss20" if path.endswith("feed.xml") else "atom10"), path


def test_a_model_family_and_a_method_have_feeds_of_their_papers(root: Path) -> None:
    files = render(root)
    assert paper_ids(parse(files["models/llama/feed.xml"])) == ["retrieval-heads-long-context"]
    assert paper_ids(parse(files["models/gpt-2/atom.xml"])) == []
    assert paper_ids(parse(files["methods/path-patching/feed.xml"])) == ["induction-heads-patterns"]


def test_the_catalog_feeds_hold_every_paper_newest_added_first_with_unique_ids(root: Path) -> None:
    files = render(root)
    for name in ("feed.xml", "atom.xml"):
        ids = paper_ids(parse(files[name]))
        assert ids == NEWEST_ADDED_FIRST, name
        assert len(set(ids)) == len(ids)


def test_item_dates_are_the_added_day_and_the_feed_is_as_new_as_its_newest_paper(root: Path) -> None:
    files = render(root)
    rss, atom = parse(files["feed.xml"]), parse(files["atom.xml"])
    assert rss.feed.updated == "Tue, 20 Aug 2024 00:00:00 +0000"  # lastBuildDate: the newest `added`
    assert atom.feed.updated == "2024-08-20T00:00:00+00:00"
    catalog = load_catalog(root)
    for rss_item, atom_entry in zip(rss.entries, atom.entries, strict=True):
        added = catalog.paper(rss_item.id.removeprefix(paper_item_id(""))).paper.added
        assert rss_item.published_parsed[:6] == (added.year, added.month, added.day, 0, 0, 0)
        assert atom_entry.published == atom_entry.updated == f"{added.isoformat()}T00:00:00+00:00"
    retrieval = parse(files["heads/retrieval-head/feed.xml"])
    assert retrieval.feed.updated == "Wed, 03 Jul 2024 00:00:00 +0000"


def test_every_head_type_and_stage_has_both_feeds_with_just_its_papers(root: Path) -> None:
    files = render(root)
    expected = {
        "heads/retrieval-head/": ["memory-heads-conflicts", "retrieval-heads-long-context"],
        "heads/previous-token-head/": ["induction-heads-patterns"],  # named by its alias 'Previous Head'
        "heads/active-dormant-head/": ["escaping-script-pipes"],
        "stages/ici/": ["memory-heads-conflicts", "retrieval-heads-long-context", "induction-heads-patterns",
                        "escaping-script-pipes"],
        "stages/ep/": ["amplifying-correct-answers"],
    }
    for folder, ids in expected.items():
        for name in ("feed.xml", "atom.xml"):
            assert paper_ids(parse(files[folder + name])) == ids, folder + name
    heads = {path.split("/")[1] for path in files if path.startswith("heads/")}
    assert heads == {"memory-head", "previous-token-head", "retrieval-head", "syntactic-head", "induction-head",
                     "amplification-head", "active-dormant-head"}
    assert {path for path in files if path.startswith("stages/")} == {
        f"stages/{stage}/{name}" for stage in ("kr", "ici", "lr", "ep") for name in ("feed.xml", "atom.xml")}
    assert parse(files["stages/lr/atom.xml"]).feed.title == "Test Heads: Latent Reasoning (LR)"


def test_a_head_type_without_papers_still_gets_a_valid_empty_feed(root: Path) -> None:
    taxonomy = root / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace("\nmodels:\n", (  # the end of the head types
        "\n  - name: Lonely Head\n    stage: KR\n    subcategory: General Tasks\n    placement: survey\n"
        "    description: No paper studies it yet.\nmodels:\n"), 1), encoding="utf-8")
    files = render(root)
    for name in ("feed.xml", "atom.xml"):
        parsed = parse(files[f"heads/lonely-head/{name}"])
        assert parsed.entries == []
        assert parsed.feed.title == "Test Heads: Lonely Head"
    assert parse(files["heads/lonely-head/atom.xml"]).feed.updated == "2024-08-20T00:00:00+00:00"


def test_feeds_opml_lists_every_rss_feed(root: Path) -> None:
    files = render(root)
    document = ElementTree.fromstring(files["feeds.opml"])
    urls = [outline.get("xmlUrl") for outline in document.iter("outline") if outline.get("type") == "rss"]
    rss_paths = sorted(path for path in files if path.endswith("feed.xml"))
    assert sorted(urls) == sorted(BASE_URL + path for path in rss_paths)
    assert document.find("head/title").text == "Test Heads: feeds"


def test_changing_a_title_and_the_base_url_path_keeps_every_item_id(root: Path) -> None:
    before = parse(render(root)["atom.xml"])
    edit_paper(root, "retrieval-heads-long-context", title="Retrieval Heads, Renamed")
    set_base_url(root, "https://mirror.example.net/other/path/")
    after = parse(render(root)["atom.xml"])
    assert [entry.id for entry in after.entries] == [entry.id for entry in before.entries]
    renamed = next(entry for entry in after.entries if entry.id.endswith("/retrieval-heads-long-context"))
    assert renamed.title == "Retrieval Heads, Renamed"
    assert renamed.link == "https://mirror.example.net/other/path/papers/retrieval-heads-long-context/"
    assert after.feed.id == before.feed.id == "tag:headcat,2024:feed/catalog"


def test_links_are_absolute_with_a_base_url_and_relative_to_the_feed_without_one(root: Path) -> None:
    absolute = parse(render(root)["heads/retrieval-head/feed.xml"])
    assert absolute.feed.link == BASE_URL + "heads/retrieval-head/"
    assert absolute.entries[0].link == BASE_URL + "papers/memory-heads-conflicts/"
    set_base_url(root, None)
    files = render(root)
    nested = parse(files["heads/retrieval-head/feed.xml"])
    assert nested.feed.link == "../../heads/retrieval-head/"
    assert nested.entries[0].link == "../../papers/memory-heads-conflicts/"
    top = parse(files["atom.xml"])
    assert top.entries[0].link == "papers/amplifying-correct-answers/"
    assert 'href="papers/amplifying-correct-answers/"' in top.entries[0].content[0].value


class AnyDatetime(type):
    """feedgen checks `isinstance(value, datetime)` against the name a test replaces: keep real datetimes passing."""

    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, datetime)


def test_two_renders_at_different_clock_times_are_byte_identical(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def render_at(moment: datetime) -> dict[str, bytes]:
        class FrozenClock(datetime, metaclass=AnyDatetime):
            @classmethod
            def now(cls, tz: object = None) -> datetime:  # type: ignore[override]
                return moment

        monkeypatch.setattr(feedgen.feed, "datetime", FrozenClock)
        monkeypatch.setattr(feedgen.entry, "datetime", FrozenClock)
        assert feedgen.feed.FeedGenerator().updated() == moment  # the clock feedgen would read is this one
        return render(root)

    first = render_at(datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC))
    second = render_at(datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert first == second
    assert b"2001" not in first["feed.xml"] and b"2099" not in second["atom.xml"]


def test_hostile_markup_comes_out_inert_in_the_feeds(root: Path) -> None:
    files = render(root)
    for name in ("feed.xml", "atom.xml"):
        raw = files[name]
        ElementTree.fromstring(raw)  # well-formed
        assert b"<script" not in raw and b"<b>" not in raw, name
        parsed = parse(raw)
        entry = next(entry for entry in parsed.entries if entry.id.endswith("/escaping-script-pipes"))
        assert entry.title == HOSTILE_TITLE  # text, exactly as written, not markup
        html = entry.content[0].value if name == "atom.xml" else entry.description
        assert "<script" not in html and "<b>" not in html
        assert "<code>&lt;script&gt;</code>" in html
        assert "Lee &lt;b&gt;Bold&lt;/b&gt;" in html
        assert '<a href="https://example.org/a%7Cb">a link</a>' in html
        assert "a literal | pipe and <strong>bold</strong> Markdown" in html
    atom_title = ElementTree.fromstring(files["atom.xml"]).find(
        "{http://www.w3.org/2005/Atom}entry[{http://www.w3.org/2005/Atom}id='tag:headcat,2024:paper/"
        "escaping-script-pipes']/{http://www.w3.org/2005/Atom}title")
    assert atom_title.text == HOSTILE_TITLE and atom_title.get("type") is None  # plain text, escaped by the XML
    assert b"Escaping &lt;script&gt;alert('x')&lt;/script&gt; &amp; other | pipes" in files["atom.xml"]


def test_item_content_holds_the_date_summary_links_and_categories_for_head_types_and_stages(root: Path) -> None:
    atom = parse(render(root)["atom.xml"])
    entry = next(entry for entry in atom.entries if entry.id.endswith("/retrieval-heads-long-context"))
    html = entry.content[0].value
    assert "First published 2024-04-24 · Grace Hopper · arXiv 2024" in html
    assert "<strong>Innovation:</strong> Finds a sparse set of heads" in html
    assert "<strong>Tasks:</strong> Probes needle-in-a-haystack prompts" in html
    assert "<strong>Result:</strong> Fewer than 5% of heads" in html
    assert '<a href="https://arxiv.org/abs/2404.15574">paper</a>' in html
    assert '<a href="https://github.com/example/retrieval">code</a>' in html
    assert f'<a href="{BASE_URL}papers/retrieval-heads-long-context/">in the catalog</a>' in html
    assert [(tag.term, tag.label) for tag in entry.tags] == [("Retrieval Head", None),
                                                             ("ICI", "In-Context Identification")]
    assert [author.name for author in entry.authors] == ["Grace Hopper"]
    rss = parse(render(root)["feed.xml"])
    item = next(item for item in rss.entries if item.id.endswith("/memory-heads-conflicts"))
    assert [tag.term for tag in item.tags] == ["Memory Head", "Retrieval Head", "Knowledge Recalling",
                                               "In-Context Identification"]
    assert '<a href="https://doi.org/10.18653/v1/2024.findings-acl.70">DOI</a>' in item.description


@pytest.mark.parametrize("name", ["feed.xml", "atom.xml"])
def test_the_catalog_feeds_match_their_golden_files(root: Path, name: str) -> None:
    assert_matches_golden(render(root)[name], GOLDEN / name)


def assert_matches_golden(actual: bytes, golden: Path) -> None:
    if os.environ.get("HEADCAT_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    assert golden.is_file(), f"{golden} is missing; create it with HEADCAT_UPDATE_GOLDEN=1 (see this file's docstring)"
    assert actual == golden.read_bytes(), (
        f"{golden.name} differs from its golden file; if the change is intended, regenerate it with "
        "HEADCAT_UPDATE_GOLDEN=1 (see this file's docstring) and review the diff")
