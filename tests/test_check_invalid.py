"""`headcat check` on bad input: one folder per kind of problem under fixtures/invalid/, with the exact lines.

Each case folder holds `papers/` (the bad files, sometimes with a valid file that must not be reported) and
`expected.txt`, the exact stderr of `headcat check .` run in a catalog root made of those papers and the fixture
catalog's taxonomy.yaml. `{today}` in expected.txt stands for today's date (the future-date message quotes it).
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pytest

from headcat.commands.cli import main
from headcat.load.papers import load_papers
from headcat.load.settings import load_taxonomy
from headcat.load.yaml_source import SourceError, parse_yaml

FIXTURES = Path(__file__).parent / "fixtures"
CATALOG = FIXTURES / "catalog"
INVALID_CASES = sorted(path for path in (FIXTURES / "invalid").iterdir() if path.is_dir())


def make_catalog_root(root: Path, paper_files: list[Path]) -> Path:
    """A catalog root in `root`: the fixture taxonomy plus the given paper files, copied byte for byte."""
    shutil.copy(CATALOG / "taxonomy.yaml", root / "taxonomy.yaml")
    (root / "papers").mkdir()
    for path in paper_files:
        if path.is_dir():
            shutil.copytree(path, root / "papers" / path.name)
        else:
            shutil.copy(path, root / "papers" / path.name)
    return root


def run_check_in(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.chdir(root)
    exit_code = main(["check", "."])
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


def expected_lines(case: Path) -> list[str]:
    text = (case / "expected.txt").read_text(encoding="utf-8")
    return text.replace("{today}", date.today().isoformat()).splitlines()


@pytest.mark.parametrize("case", INVALID_CASES, ids=[case.name for case in INVALID_CASES])
def test_check_prints_exactly_the_expected_problems(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_catalog_root(tmp_path, sorted((case / "papers").iterdir()))

    exit_code, out, err = run_check_in(root, monkeypatch, capsys)

    assert "Traceback" not in out + err
    assert err.splitlines() == expected_lines(case)
    assert out == ""
    assert exit_code == 1


def test_every_invalid_case_holds_papers_and_a_summary_line() -> None:
    assert len(INVALID_CASES) >= 30
    for case in INVALID_CASES:
        lines = expected_lines(case)
        assert any((case / "papers").iterdir()), case.name
        assert len(lines) >= 2, f"{case.name}: expected.txt needs problem lines and the summary line"
        assert " problem" in lines[-1] and " in " in lines[-1], f"{case.name}: the last line is the summary"


def test_alias_bomb_is_refused_in_well_under_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_catalog_root(tmp_path, [FIXTURES / "invalid/alias-bomb/papers/billion-laughs.yaml"])

    started = time.perf_counter()
    exit_code, _out, err = run_check_in(root, monkeypatch, capsys)
    elapsed = time.perf_counter() - started

    assert exit_code == 1
    assert "YAML aliases (*name) are not allowed" in err
    assert elapsed < 0.5


def test_deeper_alias_bomb_is_refused_by_the_parser_in_well_under_a_second() -> None:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 20)]
    text = "\n".join(levels) + "\n"

    started = time.perf_counter()
    with pytest.raises(SourceError) as raised:
        parse_yaml(text)
    elapsed = time.perf_counter() - started

    assert (raised.value.line, raised.value.column) == (2, 10)
    assert elapsed < 0.5


def test_file_with_an_unused_anchor_passes_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_catalog_root(tmp_path, [FIXTURES / "invalid/alias-bomb/papers/unused-anchor.yaml"])

    exit_code, out, err = run_check_in(root, monkeypatch, capsys)

    assert (exit_code, out, err) == (0, "1 paper checked: no problems\n", "")


def test_head_named_by_an_alias_passes_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_catalog_root(tmp_path, [FIXTURES / "invalid/unknown-head-type/papers/head-alias.yaml"])

    exit_code, out, err = run_check_in(root, monkeypatch, capsys)

    assert (exit_code, out, err) == (0, "1 paper checked: no problems\n", "")


def test_head_named_by_an_alias_loads_as_its_canonical_name(tmp_path: Path) -> None:
    root = make_catalog_root(tmp_path, [FIXTURES / "invalid/unknown-head-type/papers/head-alias.yaml"])

    papers = load_papers(root, load_taxonomy(root), date.today()).by_id

    assert papers["head-alias"].heads == ("Previous Token Head",)
