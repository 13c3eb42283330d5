"""Refusals that cannot lie: what a problem line echoes is escaped, so that a problem is always one line and no
value sends the terminal a command.

Each test runs `headcat check` on a catalog root made of the fixture taxonomy and the papers it writes, and asserts
the exact stderr lines and exit status.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from headcat.commands.cli import main
from headcat.model.problems import escape_for_terminal

CATALOG = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty catalog root (the fixture taxonomy, an empty papers/), as the current directory."""
    shutil.copy(CATALOG / "taxonomy.yaml", tmp_path / "taxonomy.yaml")
    (tmp_path / "papers").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def check(capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str, str]:
    exit_code = main(["check", ".", *options])
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


# Escaped values: a problem is one line, and no character of a value reaches the terminal as a command.

FORGED = "x\nother.yaml:1:1: error: all is well"  # a file name holds no '/'


def test_a_head_name_holding_a_newline_and_escapes_cannot_forge_a_problem_line(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "papers" / "forged.yaml").write_text(
        'title: Forged\ndate: 2024-01-10\nadded: 2024-02-01\n'
        'heads: ["Induction Head\\npapers/other.yaml:1:1: error: all is well\\e[2J\\u2028\\u202e"]\n'
        'links:\n  paper: https://example.org/forged\n'
        'summary:\n  innovation: Finds heads.\n  tasks: Traces them.\n  result: Two heads.\n', encoding="utf-8")

    exit_code, out, err = check(capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "papers/forged.yaml:4:9: error: heads[0]: unknown head type 'Induction Head\\x0apapers/other.yaml:1:1: "
        "error: all is well\\x1b[2J\\u2028\\u202e'; add it to taxonomy.yaml if it is a new head type",
        "1 problem in 1 file",
    ]


def test_an_unknown_key_holding_a_newline_is_one_line_in_both_formats(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "papers" / "forged.yaml").write_text(
        '"x\\npapers/other.yaml:1:1: error: all is well": 1\ntitle: Forged\n', encoding="utf-8")

    text_lines = check(capsys)[2].splitlines()
    github_lines = check(capsys, "--format", "github")[2].splitlines()

    assert "papers/forged.yaml:1:1: error: unknown key 'x\\x0apapers/other.yaml:1:1: error: all is well'" in text_lines
    assert "::error file=papers/forged.yaml,line=1,col=1::unknown key 'x\\x0apapers/other.yaml:1:1: error: all is " \
        "well'" in github_lines
    assert all(line.startswith("papers/forged.yaml:") for line in text_lines[:-1])
    assert all(line.startswith("::error file=papers/forged.yaml,") for line in github_lines[:-1])


def test_a_file_name_holding_a_newline_and_an_escape_is_shown_escaped(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "papers" / f"{FORGED}\x1b[31m.yaml").write_text("title: Forged\n", encoding="utf-8")

    exit_code, _out, err = check(capsys)

    assert exit_code == 1
    assert err.splitlines() == [
        "papers/x\\x0aother.yaml:1:1: error: all is well\\x1b[31m.yaml:1:1: error: the file name is the paper id "
        "and must be lowercase words joined by hyphens; rename it to x-other-yaml-1-1-error-all-is-well-31m.yaml",
        "1 problem in 1 file",
    ]


def test_a_root_folder_named_with_escapes_is_shown_escaped_in_the_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)

    exit_code = main(["check", "gone\x1b]0;owned\x07\u2029"])

    assert exit_code == 2
    assert capsys.readouterr().err.splitlines() == [
        "headcat: error: gone\\x1b]0;owned\\x07\\u2029: not a directory (ROOT is a catalog folder holding papers/ "
        "and taxonomy.yaml)"
    ]


@pytest.mark.parametrize(("character", "escaped"), [
    ("\x00", "\\x00"), ("\t", "\\x09"), ("\n", "\\x0a"), ("\r", "\\x0d"), ("\x1b", "\\x1b"), ("\x7f", "\\x7f"),
    ("\x85", "\\x85"), ("\x9b", "\\x9b"), ("\u061c", "\\u061c"), ("\u200e", "\\u200e"), ("\u200f", "\\u200f"),
    ("\u2028", "\\u2028"), ("\u2029", "\\u2029"), ("\u202a", "\\u202a"), ("\u202e", "\\u202e"),
    ("\u2066", "\\u2066"), ("\u2069", "\\u2069"),
])
def test_every_character_a_terminal_acts_on_is_escaped(character: str, escaped: str) -> None:
    assert escape_for_terminal(f"a{character}b") == f"a{escaped}b"


@pytest.mark.parametrize("text", ["plain", "é 中文 😀 \\ % : ,", "\u00a0\u200b\u2060", ""])
def test_text_a_terminal_shows_as_it_is_is_kept(text: str) -> None:
    assert escape_for_terminal(text) == text
