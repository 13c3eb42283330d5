"""The build cache: after any change, an incremental build's output equals a clean build's, byte for byte.

Each test builds the fixture catalog once (filling ROOT/.headcat-cache), changes one input, builds again with
the cache, and compares the output tree (and README.md) with a build of the same input without the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from headcat import pipeline
from headcat.cache.fragments import FragmentStore
from headcat.cache.location import catalog_cache_folder
from headcat.cache.store import write_json_store
from headcat.cache.toolchain import toolchain_key
from headcat.commands.cli import main
from headcat.model.problems import Problem, ProblemsFound
from headcat.pipeline import build
from headcat.process import parallel
from headcat.render import context, search

TODAY = date(2026, 1, 1)
PAPER = "papers/amplifying-correct-answers.yaml"


@pytest.fixture
def root(catalog_root: Path) -> Path:
    root = catalog_root  # conftest.py
    (root / "README.md").write_text("# Test\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n", encoding="utf-8")
    return root


def tree(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def clean_build(root: Path, tmp_path: Path, with_search: bool = False) -> tuple[dict[str, str], str]:
    """A build of the same input from nothing: a copy of the catalog without the cache or the output."""
    copy = tmp_path / "clean"
    shutil.copytree(root, copy, ignore=lambda folder, names: ["site"] if folder == str(root) else [])
    build(copy, copy / "site", TODAY, with_search=with_search, use_cache=False)
    return tree(copy / "site"), (copy / "README.md").read_text(encoding="utf-8")


def fragment_store(root: Path) -> FragmentStore:
    """The fragments the last build kept for the next."""
    return FragmentStore.open(catalog_cache_folder(root), toolchain_key())


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_holding(path: Path, text: str) -> int:
    """The number of the first line of `path` that holds `text` (where an edit puts a mistake)."""
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                if text in line)


def rename_paper(root: Path) -> None:
    (root / PAPER).rename(root / "papers" / "amplifying-the-answer.yaml")


def add_paper(root: Path) -> None:
    text = (root / PAPER).read_text(encoding="utf-8")
    text = text.replace("Amplifying the Correct Answer", "Suppressing the Wrong Answer").replace("2024-08-20",
                                                                                                "2024-09-01")
    (root / "papers" / "suppressing-wrong-answers.yaml").write_text(text, encoding="utf-8")


CHANGES: dict[str, Callable[[Path], None]] = {
    "edit a summary": lambda root: edit(root / PAPER, "Ablates heads", "Ablates *attention* heads"),
    "edit a title": lambda root: edit(root / PAPER, "Amplifying the Correct Answer", "Amplifying <Right> Answers"),
    "change a paper's head types": lambda root: edit(root / PAPER, "[Amplification Head]",
                                                     "[Amplification Head, Memory Head]"),
    "change a paper's date": lambda root: edit(root / PAPER, "date: 2023-07-13", "date: 2021-03-02"),
    "change a paper's venue": lambda root: edit(root / PAPER, "venue: NeurIPS 2023", "venue: ICML 2023"),
    "add a code link": lambda root: edit(root / PAPER, "  project: https://example.org/amplify\n",
                                         "  project: https://example.org/amplify\n  code: https://example.org/code\n"),
    "override a paper's stages": lambda root: edit(root / PAPER, "heads: [Amplification Head]\n",
                                                   "heads: [Amplification Head]\nstages: [LR]\n"),
    "add a paper": add_paper,
    "delete a paper": lambda root: (root / PAPER).unlink(),
    "rename a paper": rename_paper,
    "change a template": lambda root: edit(root / "templates" / "site" / "card.html", "paper-title",
                                           "paper-title card-title"),
    "change a stylesheet": lambda root: (root / "templates" / "assets" / "style.css").open("a").write("\n/* x */\n"),
    "change the taxonomy": lambda root: edit(root / "taxonomy.yaml", "Boosts the correct answer.",
                                             "Raises the correct answer's logit."),
    "change the config": lambda root: edit(root / "pyproject.toml", 'title = "Test Heads"', 'title = "Heads"'),
    "remove the base URL": lambda root: edit(root / "pyproject.toml", 'base_url = "https://example.org/heads/"\n',
                                             ""),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_an_incremental_build_after_a_change_equals_a_clean_build(root: Path, tmp_path: Path, change: str) -> None:
    build(root, root / "site", TODAY, with_search=False)
    CHANGES[change](root)

    build(root, root / "site", TODAY, with_search=False)

    expected_tree, expected_readme = clean_build(root, tmp_path)
    assert tree(root / "site") == expected_tree
    assert (root / "README.md").read_text(encoding="utf-8") == expected_readme


@pytest.fixture
def index_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """For each time a build makes the search index: 'made' from every record, or 'updated' from the previous
    build's files and the records of the papers new or changed; with the paper ids of the records it reads."""
    runs: list[tuple[str, list[str]]] = []
    make, update = search.index_files_of, search.updated_index_files

    def made(records: list[search.SearchRecord], language: str, labels: tuple[str, ...]) -> dict[str, bytes]:
        runs.append(("made", sorted(record.paper_id for record in records)))
        return make(records, language, labels)

    def updated(previous: dict[str, bytes], renumbered: list[int | None], added: dict[int, search.SearchRecord],
                language: str, labels: tuple[str, ...]) -> dict[str, bytes] | None:
        runs.append(("updated", sorted(record.paper_id for record in added.values())))
        return update(previous, renumbered, added, language, labels)

    monkeypatch.setattr(search, "index_files_of", made)
    monkeypatch.setattr(search, "updated_index_files", updated)
    monkeypatch.setattr(parallel, "_core_count", lambda: 1)  # made in this process, where the record is kept
    return runs


SEARCH_CHANGES = {"edit a summary": ["updated"], "change a paper's head types": ["updated"],
                  "add a paper": ["updated"], "delete a paper": ["updated"], "rename a paper": ["updated"],
                  "change the taxonomy": ["updated"], "change a template": [], "change the config": []}
"""Changes, and how the rebuild makes the search index: from the previous build's files ('updated': only what its
records are made from counts), or not at all (the previous build's is kept)."""


@pytest.mark.parametrize("change", SEARCH_CHANGES, ids=list(SEARCH_CHANGES))
def test_an_incremental_build_with_search_after_a_change_equals_a_clean_build(
        root: Path, tmp_path: Path, change: str, index_runs: list[tuple[str, list[str]]]) -> None:
    build(root, root / "site", TODAY, with_search=True)
    CHANGES[change](root)

    build(root, root / "site", TODAY, with_search=True)

    expected_tree, _ = clean_build(root, tmp_path, with_search=True)
    assert tree(root / "site") == expected_tree
    assert [kind for kind, _ in index_runs] == ["made", *SEARCH_CHANGES[change], "made"]  # the clean build's last


def test_an_index_updated_from_the_previous_one_reads_only_the_papers_that_changed(
        root: Path, index_runs: list[tuple[str, list[str]]]) -> None:
    build(root, root / "site", TODAY, with_search=True)
    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")
    build(root, root / "site", TODAY, with_search=True)
    assert index_runs[1] == ("updated", ["amplifying-correct-answers"])


def test_a_rebuild_with_search_keeps_an_index_made_from_the_same_records(
        root: Path, index_runs: list[tuple[str, list[str]]]) -> None:
    first = build(root, root / "site", TODAY, with_search=True)
    again = build(root, root / "site", TODAY, with_search=True)
    assert any(path.startswith("search/words-") for path in tree(root / "site"))
    assert again.written_count == 0 and again.file_count == first.file_count
    assert len(index_runs) == 1
    (root / "site" / "search" / "words-0.json").write_text("{}\n", encoding="utf-8")  # a damaged index

    build(root, root / "site", TODAY, with_search=True)

    assert len(index_runs) == 2
    assert json.loads((root / "site" / "search" / "words-0.json").read_text(encoding="utf-8")) != {}


@pytest.mark.parametrize("damage", ["a file changed", "a file deleted", "the cache's record planted"])
def test_an_index_is_not_updated_from_files_or_records_that_are_not_the_previous_builds(
        root: Path, tmp_path: Path, damage: str, index_runs: list[tuple[str, list[str]]]) -> None:
    build(root, root / "site", TODAY, with_search=True)
    if damage == "a file changed":
        (root / "site" / "search" / "words-0.json").write_text("{}\n", encoding="utf-8")
    elif damage == "a file deleted":
        (root / "site" / "search" / "pairs-0.json").unlink()
    else:  # a record that says the papers are others than those the files were made from
        store = next(catalog_cache_folder(root).glob(pipeline.SEARCH_INDEX_STORE))
        header, _, payload = store.read_bytes().partition(b"\n{")
        stored = json.loads(b"{" + payload)
        stored["papers"] = list(reversed(stored["papers"]))
        lines = header.split(b"\n")
        write_json_store(store, pipeline.SEARCH_INDEX_STORE, lines[1].decode(), stored)
    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")

    build(root, root / "site", TODAY, with_search=True)

    assert tree(root / "site") == clean_build(root, tmp_path, with_search=True)[0]
    rebuilt = ["updated", "made"] if damage == "the cache's record planted" else ["made"]  # the update refuses it
    assert [kind for kind, _ in index_runs] == ["made", *rebuilt, "made"]  # the clean build's last


def test_files_no_longer_produced_are_removed_with_the_folders_they_leave_empty(root: Path) -> None:
    build(root, root / "site", TODAY, with_search=False)
    kept_folder = root / "site" / "papers" / "amplifying-correct-answers"
    assert kept_folder.is_dir()
    (root / "site" / "papers" / "notes.txt").write_text("written by hand\n", encoding="utf-8")
    (root / PAPER).unlink()
    for other in sorted((root / "papers").glob("*.yaml"))[:2]:
        other.unlink()

    build(root, root / "site", TODAY, with_search=False)

    site = root / "site"
    assert not kept_folder.exists()
    assert sorted(path.name for path in (site / "papers").iterdir() if path.is_file()) == ["notes.txt"]
    assert len(list((site / "papers").iterdir())) == len(list((root / "papers").glob("*.yaml"))) + 1
    assert not [folder for folder in site.rglob("*") if folder.is_dir() and not any(folder.iterdir())]


def test_a_rebuild_with_nothing_changed_writes_no_file(root: Path) -> None:
    first = build(root, root / "site", TODAY, with_search=False)
    second = build(root, root / "site", TODAY, with_search=False)
    assert first.written_count == first.file_count > 60
    assert second.written_count == 0
    assert second.file_count == first.file_count


def test_a_rebuild_with_nothing_changed_renders_nothing_even_right_after_a_first_build(root: Path) -> None:
    # A first build into a new folder keys its outputs too: the second build keeps every one of them.
    first = build(root, root / "site", TODAY, with_search=False)
    second = build(root, root / "site", TODAY, with_search=False)
    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")
    third = build(root, root / "site", TODAY, with_search=False)

    assert first.rendered_count == first.file_count
    assert second.rendered_count == 0
    assert 0 < third.rendered_count < first.file_count / 4


def test_an_output_file_changed_by_hand_is_written_again(root: Path) -> None:
    build(root, root / "site", TODAY, with_search=False)
    page = root / "site" / "papers" / "amplifying-correct-answers" / "index.html"
    written = page.read_bytes()
    page.write_bytes(written + b"<!-- edited -->\n")

    assert build(root, root / "site", TODAY, with_search=False).written_count == 1
    assert page.read_bytes() == written


def test_a_paper_file_saved_again_with_the_same_text_rewrites_nothing(root: Path) -> None:
    build(root, root / "site", TODAY, with_search=False)
    path = root / PAPER
    text = path.read_text(encoding="utf-8")
    os.utime(path, ns=(0, 0))  # the cache no longer vouches for the file: it is read and validated again
    path.write_text(text, encoding="utf-8")

    assert build(root, root / "site", TODAY, with_search=False).written_count == 0


def test_a_rebuild_after_a_summary_edit_rewrites_only_what_shows_it(root: Path) -> None:
    build(root, root / "site", TODAY, with_search=False)
    before = tree(root / "site")
    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")

    result = build(root, root / "site", TODAY, with_search=False)

    changed = {path for path, digest in tree(root / "site").items() if before.get(path) != digest}
    assert "papers/amplifying-correct-answers/index.html" in changed and "index.html" in changed
    assert {"papers/induction-heads-patterns/index.html", "about/index.html", "heads/index.html"}.isdisjoint(changed)
    assert result.written_count == len(changed) < result.file_count


def test_the_fragments_of_a_few_edits_go_to_a_small_store_of_their_own(root: Path, tmp_path: Path) -> None:
    build(root, root / "site", TODAY, with_search=False)
    main_store = catalog_cache_folder(root) / "fragments"
    written_first = main_store.read_bytes()

    def recent_slots() -> set[str]:
        return set(fragment_store(root).recent)

    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")
    build(root, root / "site", TODAY, with_search=False)
    edit(root / PAPER, "Ablates *attention* heads", "Ablates the heads")
    build(root, root / "site", TODAY, with_search=False)

    assert main_store.read_bytes() == written_first  # 60,000 fragments are not rewritten for one paper's edits
    recent = [slot.split("\x1f") for slot in recent_slots()]
    assert {slot[1] for slot in recent if slot[0] != "lookup"} == {"amplifying-correct-answers"}
    assert len([slot for slot in recent if slot[0] == "lookup"]) == 1  # the chunk of lookup keys that holds it
    assert tree(root / "site") == clean_build(root, tmp_path)[0]

    (root / PAPER).unlink()  # a paper leaves: its fragments leave the cache, which is written whole again
    build(root, root / "site", TODAY, with_search=False)
    assert main_store.read_bytes() != written_first and recent_slots() == set()
    assert len(list(catalog_cache_folder(root).glob("fragments-*.text"))) == 1  # the replaced store's text is gone
    shutil.rmtree(tmp_path / "clean")
    assert tree(root / "site") == clean_build(root, tmp_path)[0]


LAYOUT_CHANGES = {"edit a summary": False, "edit a title": False, "change a template": False,
                  "change a paper's head types": True, "change a paper's date": True, "change a paper's venue": True,
                  "add a code link": True, "override a paper's stages": True, "add a paper": True,
                  "delete a paper": True, "rename a paper": True, "change the taxonomy": False}
"""Changes, and whether the rebuild works the catalog's layout (orderings and groupings) out again: only after an
edit of what it is worked out from (a head type's description is not)."""


@pytest.mark.parametrize("change", LAYOUT_CHANGES, ids=list(LAYOUT_CHANGES))
def test_a_rebuild_takes_the_catalog_layout_from_the_cache_unless_what_it_comes_from_changed(
        root: Path, change: str, monkeypatch: pytest.MonkeyPatch) -> None:
    plan, planned = pipeline.plan_catalog_layout, []

    def counted_plan(*arguments: object) -> object:
        planned.append(arguments)
        return plan(*arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "plan_catalog_layout", counted_plan)
    build(root, root / "site", TODAY, with_search=False)
    assert len(planned) == 1
    CHANGES[change](root)

    build(root, root / "site", TODAY, with_search=False)

    assert len(planned) == (2 if LAYOUT_CHANGES[change] else 1)


def test_a_deleted_cache_or_output_only_makes_the_next_build_a_full_one(root: Path, tmp_path: Path) -> None:
    build(root, root / "site", TODAY, with_search=False)
    shutil.rmtree(catalog_cache_folder(root))
    assert build(root, root / "site", TODAY, with_search=False).written_count > 0
    (root / "site" / "index.html").unlink()
    build(root, root / "site", TODAY, with_search=False)
    assert tree(root / "site") == clean_build(root, tmp_path)[0]


def test_a_corrupt_cache_is_ignored(root: Path, tmp_path: Path) -> None:
    build(root, root / "site", TODAY, with_search=False)
    corrupted = [path for path in catalog_cache_folder(root).rglob("*") if path.is_file()]
    assert len(corrupted) > 5
    for path in corrupted:
        path.write_bytes(b"not a store")
    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")
    build(root, root / "site", TODAY, with_search=False)
    assert tree(root / "site") == clean_build(root, tmp_path)[0]


def test_check_finds_a_problem_in_a_file_changed_after_the_cache_was_written(
        root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(root), "--no-search"]) == 0
    edit(root / PAPER, "date: 2023-07-13", "date: 2023-02-30")
    assert main(["check", str(root)]) == 1
    assert f"{PAPER}:2:7: error: date: '2023-02-30' is not a real calendar date" in capsys.readouterr().err


def test_a_fragment_store_whose_text_was_cut_short_is_not_used(root: Path, tmp_path: Path) -> None:
    build(root, root / "site", TODAY, with_search=False)
    text_file, = catalog_cache_folder(root).glob("fragments-*.text")
    text_file.write_bytes(text_file.read_bytes()[:-100])  # as a disk that filled up might leave it
    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")

    build(root, root / "site", TODAY, with_search=False)

    assert (tree(root / "site"), (root / "README.md").read_text(encoding="utf-8")) == clean_build(root, tmp_path)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("{{ paper.title }}", "{{ paper.titel }}",
     "templates/site/card.html:{line}:1: error: template: 'headcat.model.paper.Paper object' has no attribute 'titel'"),
    ("{% endif %}", "{% endiff %}", "templates/site/card.html:{line}:1: error: template syntax: Encountered unknown "
     "tag 'endiff'."),
], ids=["undefined value", "syntax error"])
def test_a_template_mistake_is_a_located_problem_and_the_site_stays_as_it_was(
        root: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str) -> None:
    build(root, root / "site", TODAY, with_search=False)
    before = tree(root / "site")
    fragment_files = sorted(path.name for path in catalog_cache_folder(root).iterdir() if "fragments" in path.name)
    template = root / "templates" / "site" / "card.html"
    line = line_holding(template, old)
    edit(template, old, new)

    assert main(["build", str(root), "--no-search"]) == 1

    errors = capsys.readouterr().err.replace(f"{root}/", "")
    assert errors.startswith(expected.format(line=line))
    assert "Traceback" not in errors and "internal error" not in errors
    assert tree(root / "site") == before
    # The template change made every cached fragment stale; the store begun afresh was dropped with the build.
    assert sorted(path.name for path in catalog_cache_folder(root).iterdir() if "fragments" in path.name) == \
        fragment_files
    assert len(fragment_files) == 3  # the index, its text file and the recent store


@pytest.fixture(params=["one helper", "a new helper after each batch"])
def in_workers(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Render in forked worker processes even for the small fixture catalog (as a large catalog does); and with
    helpers that retire after each batch, as a helper does once it has copied its share of memory."""
    monkeypatch.setattr(parallel, "MIN_WEIGHT_PER_WORKER", 1)
    monkeypatch.setattr(parallel, "BATCH_WEIGHT", 3)
    monkeypatch.setattr(parallel, "_core_count", lambda: 2)
    if request.param == "a new helper after each batch":
        monkeypatch.setattr(parallel, "HELPER_MEMORY_SHARE", 0.0)
        monkeypatch.setattr(parallel, "HELPER_RENEWALS", 1000)


def test_a_build_in_worker_processes_equals_one_in_this_process(root: Path, tmp_path: Path, in_workers: None) -> None:
    build(root, root / "site", TODAY, with_search=False)
    assert (tree(root / "site"), (root / "README.md").read_text(encoding="utf-8")) == clean_build(root, tmp_path)
    # The workers' fragments came back to be cached: the runs of each export and of the README's rows (a page's
    # cards are not kept: a page lists at most page_size papers).
    runs = {tuple(slot.split("\x1f")[::2]) for slot in fragment_store(root).slots()}
    assert {("export bib", "papers.bib"), ("export json", "catalog.json"), ("export csl", "papers.csl.json"),
            ("readme rows", "2024")} <= runs

    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")
    shutil.rmtree(tmp_path / "clean")
    second = build(root, root / "site", TODAY, with_search=False)

    assert 0 < second.written_count < second.file_count
    assert (tree(root / "site"), (root / "README.md").read_text(encoding="utf-8")) == clean_build(root, tmp_path)


def test_a_template_mistake_in_a_worker_process_is_a_located_problem(
        root: Path, capsys: pytest.CaptureFixture[str], in_workers: None) -> None:
    # Papers' pages are the light jobs that helper processes render (heavy list pages stay in the main process).
    template = root / "templates" / "site" / "paper.html"
    line = line_holding(template, "<h1>{{ paper.title }}</h1>")
    edit(template, "<h1>{{ paper.title }}</h1>", "<h1>{{ paper.titel }}</h1>")

    assert main(["build", str(root), "--no-search"]) == 1

    errors = capsys.readouterr().err.replace(f"{root}/", "")
    assert errors.startswith(f"templates/site/paper.html:{line}:1: error: template: 'headcat.model.paper.Paper object' "
                             "has no attribute 'titel'")
    assert not (root / "site").exists()


def test_a_missing_template_in_a_worker_process_is_a_located_problem(
        root: Path, capsys: pytest.CaptureFixture[str], in_workers: None) -> None:
    # The helper finds it while rendering and sends the located problem itself: it must arrive as it was.
    template = root / "templates" / "site" / "paper.html"
    edit(template, "<h1>{{ paper.title }}</h1>", "<h1>{{ paper.title }}</h1>{% include 'site/missing.html' %}")

    assert main(["build", str(root), "--no-search"]) == 1

    errors = capsys.readouterr().err.replace(f"{root}/", "")
    assert "internal error" not in errors
    assert "site/missing.html" in errors and "error:" in errors
    assert not (root / "site").exists()


def test_problems_found_survive_pickling_as_they_are() -> None:
    found = ProblemsFound([Problem(f"p{number % 2}.yaml", number + 1, 1, "bad") for number in range(50)])
    again = pickle.loads(pickle.dumps(found))  # our own object
    assert again.problems == found.problems and str(again) == str(found)


def test_fragments_passed_to_the_cache_while_a_page_renders_are_all_kept(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context, "FRESH_MAX", 2)  # fragments go to the cache as soon as they are rendered
    monkeypatch.setattr(context, "CHUNK_EVERY", 1)  # every paper's entry a chunk of its own
    first = build(root, root / "site", TODAY, with_search=False)
    slots = fragment_store(root).slots()
    assert {f"export json\x1f{entry.id}\x1fcatalog.json" for entry in first.catalog.papers} <= slots

    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")
    second = build(root, root / "site", TODAY, with_search=False)

    assert 0 < second.written_count < second.file_count
    assert (tree(root / "site"), (root / "README.md").read_text(encoding="utf-8")) == clean_build(root, tmp_path)
