"""Publishing a site (write/folder.py, write/staging.py): nothing lost, nothing half-done.

A build never deletes or replaces what headcat did not write, publishes the whole new site in one step (a build
killed at any moment leaves the previous site byte for byte), runs one at a time per output folder, and cleans up
after builds that were killed.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from headcat.commands.cli import main
from headcat.pipeline import build
from headcat.process.timings import recorded, start_recording, stop_recording

REPOSITORY = Path(__file__).resolve().parents[1]
TODAY = date(2026, 1, 1)
PAPER = "papers/amplifying-correct-answers.yaml"


def tree(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def root(catalog_root: Path) -> Path:
    return catalog_root


# --- Never delete or replace what headcat did not write ----------------------------------------------------------

def test_a_folder_of_other_files_is_refused_and_kept(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = root / "docs"
    docs.mkdir()
    (docs / "exports.md").write_text("# Exports\n", encoding="utf-8")

    assert main(["build", str(root), "--out", str(docs), "--no-search"]) == 2

    assert tree(docs) == {"exports.md": hashlib.sha256(b"# Exports\n").hexdigest()}
    assert capsys.readouterr().err == (
        f"headcat: error: {docs}: holds files headcat did not write (it has no .headcat-output list); build into an "
        "empty or new folder, or move those files away first\n")


@pytest.mark.parametrize("where", [".", "..", "papers", "templates", "templates/site", "papers/site"])
def test_the_catalog_a_folder_above_it_and_its_sources_are_refused(
        root: Path, capsys: pytest.CaptureFixture[str], where: str) -> None:
    before = tree(root)

    assert main(["build", str(root), "--out", str(root / where), "--no-search"]) == 2

    assert tree(root) == before
    assert "headcat: error: " in capsys.readouterr().err


def test_a_file_as_the_output_folder_is_refused_and_kept(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = root.parent / "site.html"
    target.write_text("mine\n", encoding="utf-8")

    assert main(["build", str(root), "--out", str(target), "--no-search"]) == 2

    assert target.read_text(encoding="utf-8") == "mine\n"
    assert capsys.readouterr().err == (f"headcat: error: {target}: is a file, not a folder; choose a folder for the "
                                       "site with --out\n")


def test_a_link_as_the_output_folder_is_refused(root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "site").symlink_to(elsewhere)

    assert main(["build", str(root), "--no-search"]) == 2

    assert list(elsewhere.iterdir()) == []


def test_an_empty_folder_or_no_folder_is_built_into(root: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["build", str(root), "--out", str(empty), "--no-search"]) == 0
    assert main(["build", str(root), "--out", str(tmp_path / "new" / "site"), "--no-search"]) == 0
    assert (empty / "index.html").is_file() and (tmp_path / "new" / "site" / "index.html").is_file()


@pytest.mark.parametrize("use_cache", [True, False], ids=["with the cache", "without the cache"])
def test_files_headcat_did_not_write_in_its_folder_are_kept_in_every_build(root: Path, use_cache: bool) -> None:
    site = root / "site"
    build(root, site, TODAY, with_search=False)
    mine = {"CNAME": b"heads.example.org\n", ".nojekyll": b"", "papers/notes.txt": b"notes\n",
            "extra/deep/file.txt": b"deep\n"}
    for path, content in mine.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_bytes(content)

    for step in range(3):  # a rebuild, an edit, the edit undone: each publishes a new folder or keeps the old one
        if step == 1:
            edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")
        if step == 2:
            edit(root / PAPER, "Ablates *attention* heads", "Ablates heads")
        build(root, site, TODAY, with_search=False, use_cache=use_cache)
        assert {path: (site / path).read_bytes() for path in mine} == mine, step

    (site / "CNAME").unlink()  # a file of theirs they remove stays removed
    edit(root / PAPER, "Ablates heads", "Ablates the heads")
    build(root, site, TODAY, with_search=False, use_cache=use_cache)
    assert not (site / "CNAME").exists()
    assert (site / ".nojekyll").exists()


def test_files_headcat_no_longer_writes_go_and_theirs_stay(root: Path) -> None:
    site = root / "site"
    build(root, site, TODAY, with_search=False)
    (site / "papers" / "amplifying-correct-answers" / "mine.txt").write_text("mine\n", encoding="utf-8")
    (root / PAPER).unlink()

    build(root, site, TODAY, with_search=False)

    assert sorted(path.name for path in (site / "papers" / "amplifying-correct-answers").iterdir()) == ["mine.txt"]
    assert not any(path for path in site.rglob("*") if path.is_dir() and not any(path.iterdir()))


# --- One step, one build at a time, nothing left behind ------------------------------------------------------------

def test_a_failed_build_leaves_both_folders_as_they_were(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = root / "site"
    build(root, site, TODAY, with_search=False)
    edit(root / PAPER, "Ablates heads", "Ablates *attention* heads")
    build(root, site, TODAY, with_search=False)  # the spare folder now lags one build behind, as usual
    published, spare = tree(site), tree(root / ".site.headcat-spare")
    template = root / "templates" / "site" / "paper.html"
    edit(template, "<h1>{{ paper.title }}</h1>", "<h1>{{ paper.titel }}</h1>")
    edit(root / PAPER, "Ablates *attention* heads", "Ablates heads")

    assert main(["build", str(root), "--no-search"]) == 1

    assert tree(site) == published and tree(root / ".site.headcat-spare") == spare
    edit(template, "<h1>{{ paper.titel }}</h1>", "<h1>{{ paper.title }}</h1>")
    start_recording()
    try:
        build(root, site, TODAY, with_search=False)
        stages = recorded()
    finally:
        stop_recording()
    assert not any("copy the site by hard links" in stage for stage, _ in stages)  # the spare was still whole


def test_leftovers_of_killed_builds_are_removed_by_the_next(root: Path) -> None:
    site = root / "site"
    build(root, site, TODAY, with_search=False)
    leftovers = [root / ".site.new-abc123", root / ".site.old-abc123", root / ".site.headcat-new-999",
                 root / ".site.headcat-old-999"]
    for leftover in leftovers:
        (leftover / "papers").mkdir(parents=True)
        (leftover / "papers" / "index.html").write_text("half\n", encoding="utf-8")

    build(root, site, TODAY, with_search=False)

    assert not any(leftover.exists() for leftover in leftovers)


def test_a_site_left_in_the_middle_of_an_exchange_is_put_back(root: Path, tmp_path: Path) -> None:
    site = root / "site"
    build(root, site, TODAY, with_search=False)
    published = tree(site)
    site.rename(root / ".site.headcat-swap")  # as two renames killed between them leave it

    build(root, site, TODAY, with_search=False)

    assert tree(site) == published
    assert not (root / ".site.headcat-swap").exists()


def test_a_second_build_of_one_folder_waits_for_the_first(root: Path) -> None:
    site = root / "site"
    build(root, site, TODAY, with_search=False)
    with open(root / ".site.headcat-lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # as a build in progress holds it
        second = subprocess.Popen([sys.executable, "-m", "headcat", "build", str(root), "--no-search"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(3)
        assert second.poll() is None  # waiting
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert f"headcat: warning: waiting for another build of {site} to finish" in err


def make_large_catalog(folder: Path, papers: int) -> Path:
    """A synthetic catalog of `papers` papers (benchmarks/generate.py), with this repository's templates."""
    subprocess.run([sys.executable, str(REPOSITORY / "benchmarks" / "generate.py"), str(papers), str(folder),
                    "--hugo-dir", str(folder.parent / "hugo")], check=True, capture_output=True)
    return folder


def builds_running(root: Path) -> bool:
    """Whether a process that builds `root` is running (what pgrep would say, from /proc)."""
    wanted = f"headcat\0build\0{root}\0".encode()
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and wanted in (entry / "cmdline").read_bytes():
                return True
        except OSError:
            continue  # ended while we looked
    return False


def outputs_of(root: Path) -> Callable[[str, list[str]], set[str]]:
    """For shutil.copytree: leave out the catalog's site folder and what builds keep beside it."""
    def ignored(folder: str, names: list[str]) -> set[str]:
        return {name for name in names if name == "site" or name.startswith(".site.headcat-")} \
            if Path(folder) == root else set()
    return ignored


def test_a_build_killed_at_any_moment_leaves_the_previous_site_byte_for_byte(tmp_path: Path) -> None:
    root = make_large_catalog(tmp_path / "catalog", 600)
    site = root / "site"
    environment = {**os.environ, "HEADCAT_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "headcat", "build", str(root), "--no-search"]
    subprocess.run(command, env=environment, check=True, capture_output=True)
    papers = sorted((root / "papers").glob("*.yaml"))
    started = time.monotonic()
    for paper in papers[:40]:  # a change that every page of a year, head type and venue shows
        edit(paper, "  innovation: ", "  innovation: Revised. ")
    subprocess.run(command, env=environment, check=True, capture_output=True)
    whole_build = time.monotonic() - started
    previous = tree(site)

    for attempt, fraction in enumerate([0.05, 0.15, 0.3, 0.45, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0]):
        for paper in papers[:40]:
            text = paper.read_text(encoding="utf-8")
            paper.write_text(text.replace("innovation: Revised.", f"innovation: Revised {attempt}."), encoding="utf-8")
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(whole_build * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        helpers_gone_by = time.monotonic() + 10  # the build's forked helpers end with it, and hold no lock
        while builds_running(root):
            assert time.monotonic() < helpers_gone_by, "a killed build's helpers are still running"
            time.sleep(0.05)
        now = tree(site)
        if now != previous:  # the build had published: the whole new site, or nothing of it
            clean = tmp_path / f"clean-{attempt}"
            shutil.copytree(root, clean, ignore=outputs_of(root))
            subprocess.run([*command[:4], str(clean), "--no-search", "--no-cache"], env=environment, check=True,
                           capture_output=True)
            assert now == tree(clean / "site"), attempt
            previous = now
    subprocess.run(command, env=environment, check=True, capture_output=True, timeout=120)
    clean = tmp_path / "clean"
    shutil.copytree(root, clean, ignore=outputs_of(root))
    subprocess.run([*command[:4], str(clean), "--no-search", "--no-cache"], env=environment, check=True,
                   capture_output=True)
    assert tree(site) == tree(clean / "site")
    assert not list(root.glob(".site.headcat-new-*")) and not list(root.glob(".site.headcat-old-*"))
