"""`headcat serve`: a real server process, a real HTTP client, real file edits."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
PAPER = "papers/amplifying-correct-answers.yaml"


@pytest.fixture
def catalog_root(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE, root)
    shutil.copytree(REPOSITORY / "templates", root / "templates")
    return root


@pytest.fixture
def server(catalog_root: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "headcat", "serve", str(catalog_root), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        address = ""
        for _ in range(5):  # the first lines: the build report, then the address
            line = process.stdout.readline()  # type: ignore[union-attr]
            if "serving" in line:
                address = line.split(" at ")[1].split(" ")[0]
                break
        if not address.startswith("http://127.0.0.1:"):
            process.kill()
            pytest.fail(f"headcat serve announced no address; stderr:\n{process.communicate(timeout=10)[1]}")
        yield process, address
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.read().decode("utf-8")


def wait_for(condition, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_serve_serves_the_built_site_on_localhost(server: tuple[subprocess.Popen[str], str]) -> None:
    _, address = server
    assert "Amplifying the Correct Answer" in fetch(address + "index.html")


def test_serve_rebuilds_when_a_paper_changes(server: tuple[subprocess.Popen[str], str], catalog_root: Path) -> None:
    _, address = server
    paper = catalog_root / PAPER
    paper.write_text(paper.read_text().replace("Amplifying the Correct Answer", "Amplifying the Right Answer"))
    assert wait_for(lambda: "Amplifying the Right Answer" in fetch(address + "index.html"))


def test_a_failed_rebuild_reports_the_problem_and_keeps_the_last_good_site(
    server: tuple[subprocess.Popen[str], str], catalog_root: Path
) -> None:
    process, address = server
    paper = catalog_root / PAPER
    paper.write_text(paper.read_text().replace("title: Amplifying", "title: [Amplifying"))
    time.sleep(2)  # two polling rounds: the rebuild has run and failed
    assert "Amplifying the Correct Answer" in fetch(address + "index.html")
    process.terminate()
    _, errors = process.communicate(timeout=10)
    assert f"{PAPER}:1:8: error: invalid YAML" in errors.replace(str(catalog_root) + "/", "")
    assert "still serving the last good site" in errors
    assert "Traceback" not in errors
