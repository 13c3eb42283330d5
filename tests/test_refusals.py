"""Refusals that cannot lie and cannot be made slow: what a problem line echoes is escaped, a huge file is refused
in linear time, and a file with thousands of problems prints twenty of them and one line counting the rest.

Each test runs `headcat check` on a catalog root made of the fixture taxonomy and the papers it writes, and asserts
the exact stderr lines and exit status.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml
from yaml.scanner import Scanner

from headcat.commands.cli import main
from headcat.load.yaml_source import LOCATING_PARSER_MAX_CHARS, MAX_FILE_BYTES
from headcat.model.problems import MAX_PROBLEMS_PER_FILE, escape_for_terminal

CATALOG = Path(__file__).parent / "fixtures" / "catalog"

PAPER_HEAD = """\
title: A Large Paper File
added: 2024-08-20
heads: [Amplification Head]
links:
  paper: https://example.org/papers/large
summary:
  innovation: Identifies heads.
  tasks: Ablates heads.
  result: Removing 4 heads lowers accuracy.
"""


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


@pytest.fixture
def pure_python_scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text PyYAML's pure-Python scanner is started on (libyaml's parser does not use it)."""
    started: list[str] = []
    scanner_init = Scanner.__init__

    def recording_init(self: Scanner) -> None:
        started.append(getattr(self, "buffer", "").rstrip("\0"))  # the reader ends its text with a NUL
        scanner_init(self)

    monkeypatch.setattr(Scanner, "__init__", recording_init)
    return started


def large_paper(last_lines: str) -> str:
    """A paper file of almost MAX_FILE_BYTES (a long list of authors) whose last lines are `last_lines`."""
    authors = "authors:\n" + "".join(f"  - Author Number {number}\n" for number in range(60_000))
    text = PAPER_HEAD + authors
    text = text[:text.rfind("\n", 0, MAX_FILE_BYTES - 100) + 1]
    return text + last_lines


def line_count(text: str) -> int:
    return text.count("\n")


# Escaped values: a problem is one line, and no character of a value reaches the terminal as a command.

FORGED = "x\nother.yaml:1:1: error: all is well"  # a file name holds no '/'


def test_a_head_name_holding_a_newline_and_escapes_cannot_forge_a_problem_line(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root / "papers" / "forged.yaml").write_text(
        'title: Forged\ndate: 2024-01-10\nadded: 2024-02-01\n'
        'heads: ["Induction Head\\npapers/other.yaml:1:1: error: all is well\\x9b2J\\u2028\\u202e"]\n'
        'links:\n  paper: https://example.org/forged\n'
        'summary:\n  innovation: Finds heads.\n  tasks: Traces them.\n  result: Two heads.\n', encoding="utf-8")

    exit_code, out, err = check(capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "papers/forged.yaml:4:9: error: heads[0]: unknown head type 'Induction Head\\x0apapers/other.yaml:1:1: "
        "error: all is well\\x9b2J\\u2028\\u202e'; add it to taxonomy.yaml if it is a new head type",
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


def test_a_command_line_argparse_refuses_is_shown_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["build", "--bogus\x1b[31m\nheadcat:"])

    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "headcat: error: unrecognized arguments: --bogus\\x1b[31m\\x0aheadcat:")


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


# Linear time: a large file is refused by libyaml, never read again by the pure-Python parser.
# The timing bounds are loose on purpose (the target is well under a second; a slow CI machine may take longer):
# what the tests pin down is that the pure-Python scanner never starts on a large file.


def test_pyyaml_has_libyaml_which_linear_time_refusals_rely_on() -> None:
    assert yaml.__with_libyaml__, "install PyYAML with libyaml (the wheels have it): large files need its parser"


def test_a_one_megabyte_paper_with_a_bad_date_at_its_end_is_located_by_libyaml(
    root: Path, capsys: pytest.CaptureFixture[str], pure_python_scans: list[str]
) -> None:
    text = large_paper("date: 2023-02-30\n")
    (root / "papers" / "large.yaml").write_text(text, encoding="utf-8")

    started = time.perf_counter()
    exit_code, _out, err = check(capsys)
    elapsed = time.perf_counter() - started

    assert len(text) > 900_000
    assert exit_code == 1
    assert err.splitlines() == [
        f"papers/large.yaml:{line_count(text)}:7: error: date: '2023-02-30' is not a real calendar date",
        "1 problem in 1 file",
    ]
    assert pure_python_scans == []
    assert elapsed < 2


@pytest.mark.parametrize(("last_line", "column", "message"), [
    ("date: [2023-02-30\n", 7, "invalid YAML: a '[' opened here is not closed properly; check the ']' and the commas"),
    ('date: "2023-02-30\n', 7, "invalid YAML: a quote opened here is never closed; add the closing quote"),
    ("date: 2023-02-30\n  venue: x\n", 8, "invalid YAML: YAML does not expect a 'key: value' here; check this "
     "line's indentation, or put a value that contains ': ' in double quotes"),
    ("venue: &v NeurIPS\ndate: *v\n", 7, "YAML aliases (*name) are not allowed; write the value out"),
], ids=["unclosed bracket", "unclosed quote", "bad indentation", "alias"])
def test_a_yaml_error_at_the_end_of_a_one_megabyte_file_is_reported_from_libyaml(
    root: Path, capsys: pytest.CaptureFixture[str], pure_python_scans: list[str],
    last_line: str, column: int, message: str
) -> None:
    text = large_paper(last_line)
    (root / "papers" / "large.yaml").write_text(text, encoding="utf-8")

    started = time.perf_counter()
    exit_code, _out, err = check(capsys)
    elapsed = time.perf_counter() - started

    assert exit_code == 1
    assert err.splitlines() == [f"papers/large.yaml:{line_count(text)}:{column}: error: {message}",
                                "1 problem in 1 file"]
    assert pure_python_scans == []
    assert elapsed < 2


def test_a_yaml_error_in_a_small_file_is_explained_by_the_pure_python_parser(
    root: Path, capsys: pytest.CaptureFixture[str], pure_python_scans: list[str]
) -> None:
    text = PAPER_HEAD + "date: 2023-02-30\n  venue: x\n"
    (root / "papers" / "small.yaml").write_text(text, encoding="utf-8")

    exit_code, _out, err = check(capsys)

    assert exit_code == 1
    assert err.splitlines() == [
        "papers/small.yaml:11:8: error: invalid YAML: YAML does not expect a 'key: value' here; check this line's "
        "indentation, or put a value that contains ': ' in double quotes",
        "1 problem in 1 file",
    ]
    assert pure_python_scans == [text]
    assert len(text) < LOCATING_PARSER_MAX_CHARS


# Capped: a file's problems stop after MAX_PROBLEMS_PER_FILE, then one line counts the rest.


def test_four_hundred_thousand_wrong_items_print_twenty_problems_and_one_line_for_the_rest(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    count = 400_000
    (root / "papers" / "numbers.yaml").write_text(
        PAPER_HEAD + "date: 2023-01-01\nauthors: [" + ",".join(["1"] * count) + "]\n", encoding="utf-8")

    exit_code, _out, err = check(capsys)

    assert exit_code == 1
    assert MAX_PROBLEMS_PER_FILE == 20
    assert err.splitlines() == [
        *(f"papers/numbers.yaml:11:{11 + 2 * index}: error: authors[{index}]: expected text, got the number 1"
          for index in range(20)),
        f"papers/numbers.yaml: error: ... and {count - 20} more problems in this file; fix the ones above and run "
        "again to see the rest",
        f"{count} problems in 1 file",
    ]


def test_twenty_thousand_unknown_keys_are_refused_in_linear_time(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each unknown key is checked for a did-you-mean only when it could be one (a key is missing beside it)."""
    count = 20_000
    text = PAPER_HEAD.replace("title:", "titel:") + "date: 2023-01-01\n"
    text += "".join(f"key{number}: 1\n" for number in range(count))
    (root / "papers" / "keys.yaml").write_text(text, encoding="utf-8")

    started = time.perf_counter()
    exit_code, _out, err = check(capsys)
    elapsed = time.perf_counter() - started

    assert exit_code == 1
    assert err.splitlines() == [  # no "missing required key 'title'": the misspelled key says it
        "papers/keys.yaml:1:1: error: unknown key 'titel' (did you mean 'title'?)",
        *(f"papers/keys.yaml:{11 + number}:1: error: unknown key 'key{number}'" for number in range(19)),
        f"papers/keys.yaml: error: ... and {count + 1 - 20} more problems in this file; fix the ones above and run "
        "again to see the rest",
        f"{count + 1} problems in 1 file",
    ]
    assert elapsed < 2  # well under a second on a laptop; loose for a slow CI machine


def test_the_cap_is_per_file_and_the_summary_counts_every_problem(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, count in (("many.yaml", 21), ("few.yaml", 2)):
        (root / "papers" / name).write_text(
            PAPER_HEAD + "date: 2023-01-01\nauthors: [" + ", ".join(["1"] * count) + "]\n", encoding="utf-8")

    exit_code, _out, err = check(capsys)

    lines = err.splitlines()
    assert exit_code == 1
    assert lines[:2] == ["papers/few.yaml:11:11: error: authors[0]: expected text, got the number 1",
                         "papers/few.yaml:11:14: error: authors[1]: expected text, got the number 1"]
    assert lines[2:22] == [f"papers/many.yaml:11:{11 + 3 * index}: error: authors[{index}]: expected text, got the "
                           "number 1" for index in range(20)]
    assert lines[22:] == [
        "papers/many.yaml: error: ... and 1 more problem in this file; fix the ones above and run again to see the "
        "rest",
        "23 problems in 2 files",
    ]
