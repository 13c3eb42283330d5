"""The command line as people expect it: a progress line on a terminal and only there, -q and -v, -j to cap the
processes (the same site with one as with every core), no colour or other escape ever, and bash completion."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from headcat.commands.cli import bash_completion, main
from headcat.process import parallel


@pytest.fixture
def catalog(catalog_root: Path) -> Path:
    """The fixture catalog, writable (conftest.py)."""
    return catalog_root


def tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def run_on_a_terminal(arguments: list[str]) -> tuple[int, bytes]:
    """Run headcat with its standard error on a pseudo-terminal; its exit status and what it wrote there."""
    main_end, terminal_end = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "headcat", *arguments], stdout=subprocess.DEVNULL,
                               stderr=terminal_end, env={**os.environ, "TERM": "xterm"})
    os.close(terminal_end)
    written = b""
    while True:
        try:
            chunk = os.read(main_end, 65536)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        written += chunk
    os.close(main_end)
    return process.wait(timeout=60), written


def test_a_build_on_a_terminal_shows_its_stages_on_one_line_and_clears_it(catalog: Path, tmp_path: Path) -> None:
    status, written = run_on_a_terminal(["build", str(catalog), "--out", str(tmp_path / "site"), "--no-search"])
    assert status == 0
    assert b"\rheadcat: load papers..." in written and b" outputs, render and write those that changed..." in written
    assert written.endswith(b"\r")  # the line cleared at the end
    assert b"\x1b" not in written  # no colour, no cursor codes: NO_COLOR holds by construction


def test_no_progress_line_when_standard_error_is_not_a_terminal_or_with_quiet(
        catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(catalog), "--out", str(tmp_path / "site"), "--no-search"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("built 5 papers") and err == ""
    status, written = run_on_a_terminal(["build", str(catalog), "--out", str(tmp_path / "site"), "--no-search",
                                         "-q"])
    assert (status, written) == (0, b"")


def test_quiet_prints_nothing_and_verbose_prints_each_stages_time(
        catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(catalog), "--out", str(tmp_path / "site"), "--no-search", "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["build", str(catalog), "--out", str(tmp_path / "site"), "--no-search", "-v"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert any(line.endswith(" s  load papers") for line in err)


def test_one_job_builds_the_same_site_as_every_core(catalog: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "_job_limit", None)
    assert main(["build", str(catalog), "--out", str(tmp_path / "many"), "--no-cache"]) == 0
    assert main(["build", str(catalog), "--out", str(tmp_path / "one"), "--no-cache", "-j", "1"]) == 0
    assert parallel._core_count() == 1
    assert tree(tmp_path / "one") == tree(tmp_path / "many")


@pytest.mark.parametrize("jobs", ["0", "two", "-1"])
def test_a_number_of_jobs_that_is_not_one_or_more_is_a_usage_error(
        catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    monkeypatch.setenv("HEADCAT_JOBS", jobs)
    assert main(["check", str(catalog)]) == 2
    assert capsys.readouterr().err == (f"headcat: error: -j/--jobs (or HEADCAT_JOBS): '{jobs}' is not a number of "
                                       "processes, 1 or more\n")


def test_bash_completion_completes_every_command_and_its_options(tmp_path: Path) -> None:
    from headcat.commands.cli import _make_parser

    script = tmp_path / "headcat.bash"
    script.write_text(bash_completion(_make_parser()), encoding="utf-8")
    subprocess.run(["bash", "-n", str(script)], check=True)

    def complete(*words: str) -> list[str]:
        line = " ".join(words)
        shell = (f'source "{script}"; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; _headcat; '
                 'printf "%s\\n" "${COMPREPLY[@]}"')
        return subprocess.run(["bash", "-c", shell], capture_output=True, text=True, check=True,
                              cwd=tmp_path).stdout.split()

    assert complete("headcat", "bu") == ["build"]
    assert complete("headcat", "i") == ["import", "init"]
    assert complete("headcat", "build", "--base") == ["--base-url"]
    assert "--into" in complete("headcat", "import", "--")
