"""`headcat check` passing means `headcat build` succeeds, and every failure is a located problem.

Hypothesis edits the fixture catalog (tests/fixtures/catalog) as a careless or hostile contributor could: any
Unicode (control characters, non-characters, other scripts, right-to-left marks) or any YAML structure in any field
of a paper, in the taxonomy's names and descriptions and in the site settings; venues that differ only in case or
punctuation; a catalog with no papers. For every such catalog, check and build must give the same verdict, and a
failing one must name a file of the catalog (with its line and column where there is one), never fail with an
internal error.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from headcat.commands.cli import EXIT_OK, EXIT_PROBLEMS, main

FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
REPOSITORY = Path(__file__).resolve().parents[1]
PAPERS = sorted(path.stem for path in (FIXTURE / "papers").glob("*.yaml"))
PAPER_KEYS = ("title", "date", "added", "authors", "venue", "arxiv", "doi", "heads", "stages", "models",
              "links.paper", "links.code", "links.project", "summary.innovation", "summary.tasks", "summary.result",
              "an_unknown_key")
TAXONOMY_TEXTS = ("stages.0.name", "stages.1.description", "stages.1.subcategories.0.name",
                  "stages.2.subcategories.0.name", "heads.0.name", "heads.1.aliases.0", "heads.2.description",
                  "heads.1.subcategory", "heads.0.stage")
SETTINGS = ("title", "description", "language", "branch", "base_url")
LOCATED = re.compile(r"(?P<path>.+?)(:\d+:\d+)?: error: \S")
"""A problem line: the file, its line and column where there is one, and the message."""

hostile_characters = st.sampled_from(["\x00", "\x08", "\x0b", "\x1b", "\x7f", "\x85", "\u2028", "\u202e", "\ufffe",
                                      "\uffff", "\ufeff", "\U0001f600", "<", "&", "\"", "'", "\\", "{", "%", "\n",
                                      "\t"])
words = st.sampled_from(["Induction Head", "arXiv 2024", "Arxiv 2024", "日本語", "Café", "x", ""])
any_text = st.one_of(
    st.text(max_size=24),
    st.builds(lambda before, character, after: before + character + after, words, hostile_characters, words),
    st.sampled_from(["arXiv 2024", "Arxiv 2024", "ARXIV-2024", "日本語", "中国", "Café", "cafe", "—", "", " ",
                     "<script>alert(1)</script>", "https://example.org/x", "2024-02-30", "Induction Head",
                     "induction-head", "Memory Head", "KR", "en", "pt-BR", "../x", "{first}", "%s"]))
any_value = st.recursive(
    any_text | st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.dates(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=6)


@dataclass(frozen=True)
class Edit:
    """One change to the catalog: where ('paper', 'taxonomy', 'settings' or 'remove papers'), which key, the value."""

    file: str
    key: str
    value: Any


paper_files = st.sampled_from([f"papers/{paper}.yaml" for paper in PAPERS])
edits = st.one_of(
    st.builds(Edit, paper_files, st.sampled_from(PAPER_KEYS), any_value),
    st.builds(Edit, paper_files, st.sampled_from(PAPER_KEYS), any_text),
    st.builds(Edit, paper_files, st.sampled_from(["authors", "models"]), st.lists(any_text, min_size=1, max_size=2)),
    st.builds(Edit, paper_files, st.just("venue"),
              st.sampled_from(["arXiv 2024", "Arxiv 2024", "ARXIV-2024", "arxiv 2024!", "日本語", "ニホンゴ", "—"])),
    st.builds(Edit, st.just("taxonomy.yaml"), st.sampled_from(TAXONOMY_TEXTS), any_value | any_text),
    st.builds(Edit, st.just("pyproject.toml"), st.sampled_from(SETTINGS), any_text),
    st.just(Edit("papers/", "", None)),
)


def set_key(data: Any, dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for step in parents:
        data = data[int(step)] if isinstance(data, list) else data.setdefault(step, {})
        if not isinstance(data, (dict, list)):
            return  # an earlier edit made this a value: nothing to set below it
    if isinstance(data, list):
        if int(last) < len(data):
            data[int(last)] = value
    elif isinstance(data, dict):
        data[last] = value


def toml_string(text: str) -> str:
    """`text` as a TOML basic string: JSON's escapes are TOML's, and DEL must be escaped too."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def apply(root: Path, edit: Edit) -> None:
    if edit.file == "papers/":
        for path in (root / "papers").glob("*.yaml"):
            path.unlink()
        return
    path = root / edit.file
    if edit.file == "pyproject.toml":
        path.write_text(path.read_text(encoding="utf-8") + f"{edit.key} = {toml_string(edit.value)}\n",
                        encoding="utf-8")
        return
    if not path.exists():
        return  # removed by an earlier edit
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    set_key(data, edit.key, edit.value)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def run(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(arguments)
    return code, capsys.readouterr().err.splitlines()


def assert_located(root: Path, lines: list[str]) -> None:
    """Every problem line names a file of the catalog; the last line counts them."""
    problems = lines[:-1]
    assert problems, lines
    assert re.fullmatch(r"\d+ problems? in \d+ files?(; .*)?", lines[-1]), lines
    for line in problems:
        found = LOCATED.match(line)
        assert found is not None, line
        assert Path(found.group("path")).is_relative_to(root), line


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(edits, min_size=1, max_size=4))
def test_check_passing_means_build_passing_and_every_failure_is_located(
    changes: list[Edit], tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path_factory.mktemp("catalog") / "catalog"
    shutil.copytree(FIXTURE, root)
    (root / "templates").symlink_to(REPOSITORY / "templates")
    for change in changes:
        apply(root, change)

    checked, check_lines = run(["check", str(root), "--no-cache"], capsys)
    built, build_lines = run(["build", str(root), "--no-search", "--no-cache"], capsys)

    event("the catalog builds" if checked == EXIT_OK else "the catalog has problems")
    assert checked in (EXIT_OK, EXIT_PROBLEMS), check_lines
    assert built == checked, (check_lines, build_lines)
    if checked == EXIT_PROBLEMS:
        assert_located(root, check_lines)
        assert_located(root, build_lines)
        assert not (root / "site").exists()
    else:
        assert (root / "site" / "index.html").is_file()


def test_a_catalog_with_no_papers_builds_a_site_that_says_so(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE, root)
    (root / "templates").symlink_to(REPOSITORY / "templates")
    apply(root, Edit("papers/", "", None))

    assert run(["check", str(root), "--no-cache"], capsys)[0] == EXIT_OK
    assert run(["build", str(root), "--no-search", "--no-cache"], capsys)[0] == EXIT_OK
    assert "0 papers" in (root / "site" / "index.html").read_text(encoding="utf-8")

