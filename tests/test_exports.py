"""The data exports: catalog.json (headcat's versioned format, docs/exports.md), papers.bib and papers.csl.json.

Renders the fixture catalog (copied into a temporary folder) with the repository's templates; the BibTeX is read back
with an independent parser (bibtexparser 2). Golden files: tests/golden/exports/; after an intended change
regenerate them with
`HEADCAT_UPDATE_GOLDEN=1 python -m pytest tests/test_feeds.py tests/test_readme.py tests/test_exports.py`
and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import bibtexparser
import pytest
import yaml

from headcat.cache.fragments import FragmentStore
from headcat.commands.cli import main
from headcat.pipeline import build, load_catalog
from headcat.render import context as context_module
from headcat.render.context import RenderContext
from headcat.render.environment import make_environment
from headcat.render.exports import csl_name, export_outputs
from headcat.render.rendering import render_in_memory

REPOSITORY = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
GOLDEN = Path(__file__).parent / "golden" / "exports"
PAPER_IDS = [
    "amplifying-correct-answers",
    "escaping-script-pipes",
    "induction-heads-patterns",
    "memory-heads-conflicts",
    "retrieval-heads-long-context",
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(FIXTURE, copy)
    return copy


def render(root: Path, context: RenderContext | None = None) -> dict[str, bytes]:
    catalog = load_catalog(root, date.today())
    context = context or RenderContext(make_environment(REPOSITORY / "templates", catalog.taxonomy), key="")
    return render_in_memory(export_outputs(catalog), context)


def parse_bibtex(content: bytes) -> bibtexparser.Library:
    library = bibtexparser.parse_string(content.decode("utf-8"))
    assert library.failed_blocks == [], [block.error for block in library.failed_blocks]
    return library


def fields(library: bibtexparser.Library, key: str) -> dict[str, str]:
    entry = library.entries_dict[key]
    return {"ENTRYTYPE": entry.entry_type, **{field.key: field.value for field in entry.fields}}


def edit_paper(root: Path, paper_id: str, **changes: object) -> None:
    path = root / "papers" / f"{paper_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_the_bibtex_parses_and_holds_every_paper_keyed_by_its_paper_id(root: Path) -> None:
    library = parse_bibtex(render(root)["papers.bib"])
    assert [entry.key for entry in library.entries] == PAPER_IDS
    assert fields(library, "retrieval-heads-long-context") == {
        "ENTRYTYPE": "misc", "author": "Grace Hopper", "title": "{Retrieval Heads in Long Contexts}", "year": "2024",
        "month": "apr", "eprint": "2404.15574", "archivePrefix": "arXiv", "url": "https://arxiv.org/abs/2404.15574"}
    assert fields(library, "memory-heads-conflicts") == {
        "ENTRYTYPE": "inproceedings", "title": "{Memory Heads and Knowledge Conflicts}",
        "booktitle": "Findings of ACL 2024", "year": "2024", "month": "feb",
        "doi": "10.18653/v1/2024.findings-acl.70", "url": "https://doi.org/10.18653/v1/2024.findings-acl.70"}
    induction = fields(library, "induction-heads-patterns")
    assert (induction["ENTRYTYPE"], induction["journal"]) == ("article", "Transformer Circuits Thread 2022")
    assert induction["author"] == "Ada Lovelace and Alan Turing"


def test_bibtex_specials_and_braces_in_a_paper_stay_inside_their_field(root: Path) -> None:
    edit_paper(root, "amplifying-correct-answers", title="100% {unbalanced @misc{x, and_more} \\ # $ ^ ~ & }",
               authors=["Smith and Jones", "Zoë Ünal"])
    library = parse_bibtex(render(root)["papers.bib"])
    assert [entry.key for entry in library.entries] == PAPER_IDS  # nothing leaked out as a new entry
    amplifying = fields(library, "amplifying-correct-answers")
    assert amplifying["title"] == (r"{100\% \textbraceleft{}unbalanced @misc\textbraceleft{}x, and\_more"
                                   r"\textbraceright{} \textbackslash{} \# \$ \^{} \~{} \& \textbraceright{}}")
    assert amplifying["author"] == "{Smith and Jones} and Zoë Ünal"  # one author whose name holds "and"
    escaping = fields(library, "escaping-script-pipes")
    assert escaping["title"] == r"{Escaping <script>alert('x')</script> \& other | pipes}"
    assert escaping["author"] == "O'Brien, Pat and Lee <b>Bold</b>"


def test_catalog_json_lists_every_paper_with_its_fields_and_derived_values(root: Path) -> None:
    document = json.loads(render(root)["catalog.json"])
    assert (document["format"], document["version"]) == ("headcat-catalog", 1)
    assert document["catalog"] == {"title": "Test Heads", "description": "A small catalog for headcat's tests.",
                                   "base_url": "https://example.org/heads/"}
    assert [paper["id"] for paper in document["papers"]] == PAPER_IDS
    induction = document["papers"][2]
    assert induction == {
        "id": "induction-heads-patterns", "title": "Induction Heads Complete Patterns", "date": "2022-03-08",
        "added": "2024-06-01", "authors": ["Ada Lovelace", "Alan Turing"],
        "venue": "Transformer Circuits Thread 2022",
        "heads": ["Induction Head", "Previous Token Head"],  # canonical: the file says 'Previous Head'
        "methods": ["Path Patching"],  # canonical: the file says 'path-patching'
        "links": {"paper": "https://example.org/papers/induction"},
        "summary": {"innovation": "Shows that *induction heads* drive in-context learning.",
                    "tasks": "Trains small attention-only models; see [the notes](https://example.org/notes).",
                    "result": "A phase change in training coincides with the heads' formation."},
        "year": 2022, "stage_ids": ["ICI", "LR"], "url": "https://example.org/heads/papers/induction-heads-patterns/"}
    retrieval = document["papers"][4]
    assert (retrieval["arxiv"], retrieval["models"]) == ("2404.15574", ["Llama-2-7B"])
    assert document["papers"][1]["stage_ids"] == ["ICI"]  # the unplaced Active-Dormant Head adds no stage


def test_catalog_json_holds_the_taxonomy_and_relative_urls_without_a_base_url(root: Path) -> None:
    pyproject = root / "pyproject.toml"
    pyproject.write_text("".join(line for line in pyproject.read_text(encoding="utf-8").splitlines(keepends=True)
                                 if not line.startswith("base_url")), encoding="utf-8")
    document = json.loads(render(root)["catalog.json"])
    assert "base_url" not in document["catalog"]
    assert document["papers"][0]["url"] == "papers/amplifying-correct-answers/"
    taxonomy = document["taxonomy"]
    assert [stage["id"] for stage in taxonomy["stages"]] == ["KR", "ICI", "LR", "EP"]
    previous = next(head for head in taxonomy["heads"] if head["name"] == "Previous Token Head")
    assert previous == {"name": "Previous Token Head", "stage": "ICI", "subcategory": "Overall Structure",
                        "placement": "survey", "aliases": ["Previous Head"],
                        "description": "Attends to the token just before.", "relations": [], "model_families": []}


def test_json_exports_have_sorted_keys_and_every_export_is_byte_identical_across_renders(root: Path) -> None:
    first, second = render(root), render(root)
    assert first == second
    for name in ("catalog.json", "papers.csl.json"):
        text = first[name].decode("utf-8")
        compact = json.dumps(json.loads(text), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert text == compact + "\n", name


def test_csl_json_holds_every_paper_as_an_item_reference_managers_read(root: Path) -> None:
    items = json.loads(render(root)["papers.csl.json"])
    assert [item["id"] for item in items] == PAPER_IDS
    by_id = {item["id"]: item for item in items}
    assert by_id["retrieval-heads-long-context"] == {
        "id": "retrieval-heads-long-context", "type": "article", "title": "Retrieval Heads in Long Contexts",
        "author": [{"family": "Hopper", "given": "Grace"}], "issued": {"date-parts": [[2024, 4, 24]]},
        "publisher": "arXiv", "number": "arXiv:2404.15574", "URL": "https://arxiv.org/abs/2404.15574"}
    assert by_id["memory-heads-conflicts"]["type"] == "paper-conference"
    assert by_id["memory-heads-conflicts"]["DOI"] == "10.18653/v1/2024.findings-acl.70"
    assert by_id["induction-heads-patterns"]["container-title"] == "Transformer Circuits Thread 2022"
    assert by_id["escaping-script-pipes"]["author"][0] == {"family": "O'Brien", "given": "Pat"}


def test_after_one_paper_changed_only_its_parts_of_the_exports_are_rendered_again(
        root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context_module, "CHUNK_EVERY", 1)  # each paper's part a chunk of its own
    store = FragmentStore(None, key="")  # in memory: every fragment is a recent one
    context = RenderContext(make_environment(REPOSITORY / "templates"), key="", fragments=store)
    render(root, context)
    context.keep(context.take_fresh())  # as the build does with what the workers rendered
    before = dict(store.recent)
    edit_paper(root, "memory-heads-conflicts", title="Memory Heads, Revisited")

    contents = render(root, context)
    context.keep(context.take_fresh())

    assert len(before) == 3 * len(PAPER_IDS)
    # The store holds a new (key, text) pair only where the fragment was rendered again.
    rendered = {slot for slot, fragment in store.recent.items() if fragment is not before.get(slot)}
    assert rendered == {"export json\x1fmemory-heads-conflicts\x1fcatalog.json",
                        "export csl\x1fmemory-heads-conflicts\x1fpapers.csl.json",
                        "export bib\x1fmemory-heads-conflicts\x1fpapers.bib"}
    assert contents == render(root)  # a render of the edited catalog without fragments
    assert b"Memory Heads, Revisited" in contents["catalog.json"]


def test_a_rebuild_with_no_paper_changed_keeps_the_exports_as_they_are(root: Path) -> None:
    shutil.copytree(REPOSITORY / "templates", root / "templates")
    build(root, root / "site", date.today(), with_search=False)
    exports = [root / "site" / name for name in ("catalog.json", "papers.bib", "papers.csl.json")]

    def states() -> list[tuple[int, int]]:
        return [(path.stat().st_ino, path.stat().st_mtime_ns) for path in exports]

    first = states()
    (root / "templates" / "site" / "about.html").write_text("{% extends 'site/base.html' %}\n", encoding="utf-8")
    build(root, root / "site", date.today(), with_search=False)
    assert states() == first  # not rewritten
    edit_paper(root, "memory-heads-conflicts", title="Memory Heads, Revisited")
    build(root, root / "site", date.today(), with_search=False)
    assert all(new != old for new, old in zip(states(), first, strict=True))
    assert b"Memory Heads, Revisited" in exports[0].read_bytes()


@pytest.mark.parametrize(("name", "expected"), [
    ("Ada Lovelace", {"family": "Lovelace", "given": "Ada"}),
    ("Ludwig van Beethoven", {"family": "van Beethoven", "given": "Ludwig"}),
    ("Lovelace, Ada", {"family": "Lovelace", "given": "Ada"}),
    ("Mary Ann Evans", {"family": "Evans", "given": "Mary Ann"}),
    ("Plato", {"literal": "Plato"}),
])
def test_csl_names_split_into_family_and_given(name: str, expected: dict[str, str]) -> None:
    assert csl_name(name) == expected


def test_build_writes_the_feeds_and_exports_into_the_site(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REPOSITORY / "templates", root / "templates")
    out = tmp_path / "site"
    assert main(["build", str(root), "--out", str(out)]) == 0, capsys.readouterr().err
    for name in ("feed.xml", "atom.xml", "feeds.opml", "catalog.json", "papers.bib", "papers.csl.json",
                 "heads/induction-head/feed.xml", "stages/lr/atom.xml"):
        assert (out / name).is_file(), name
    assert (out / "papers.bib").read_bytes() == render(root)["papers.bib"]


@pytest.mark.parametrize("name", ["catalog.json", "papers.bib"])
def test_the_exports_match_their_golden_files(root: Path, name: str) -> None:
    actual = render(root)[name]
    golden = GOLDEN / name
    if os.environ.get("HEADCAT_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_bytes(actual)
    assert actual == golden.read_bytes(), (
        f"{name} differs from tests/golden/exports/{name}; if the change is intended, regenerate it with "
        "HEADCAT_UPDATE_GOLDEN=1 (see this file's docstring) and review the diff")


def test_an_author_list_marked_incomplete_ends_with_and_others_in_bibtex(root: Path) -> None:
    edit_paper(root, "induction-heads-patterns", authors_incomplete="The paper lists more authors than its page.")
    library = parse_bibtex(render(root)["papers.bib"])
    assert fields(library, "induction-heads-patterns")["author"] == "Ada Lovelace and Alan Turing and others"
    assert fields(library, "retrieval-heads-long-context")["author"] == "Grace Hopper"
