"""`headcat serve`: a real server process, a real HTTP client, real file edits."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

PAPER = "papers/amplifying-correct-answers.yaml"


class Server:
    """A running `headcat serve` process, its address, and what it has printed on stderr so far."""

    def __init__(self, process: subprocess.Popen[str], address: str) -> None:
        self.process, self.address = process, address
        self.errors: list[str] = []
        threading.Thread(target=self._collect_errors, daemon=True).start()

    def _collect_errors(self) -> None:
        for line in self.process.stderr:  # type: ignore[union-attr]
            self.errors.append(line)


@pytest.fixture
def server(catalog_root: Path) -> Iterator[Server]:
    process = subprocess.Popen(
        [sys.executable, "-m", "headcat", "serve", str(catalog_root), "--port", "0", "--no-search"],
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
        yield Server(process, address)
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


def test_serve_serves_the_built_site_on_localhost(server: Server) -> None:
    assert "Amplifying the Correct Answer" in fetch(server.address + "index.html")


def test_serve_rebuilds_when_a_paper_changes(server: Server, catalog_root: Path) -> None:
    paper = catalog_root / PAPER
    paper.write_text(paper.read_text().replace("Amplifying the Correct Answer", "Amplifying the Right Answer"))
    assert wait_for(lambda: "Amplifying the Right Answer" in fetch(server.address + "index.html"))


def test_a_failed_rebuild_reports_the_problem_and_keeps_the_last_good_site(server: Server, catalog_root: Path) -> None:
    paper = catalog_root / PAPER
    paper.write_text(paper.read_text().replace("title: Amplifying", "title: [Amplifying"))

    assert wait_for(lambda: any("still serving the last good site" in line for line in server.errors))
    errors = "".join(server.errors).replace(str(catalog_root) + "/", "")
    assert f"{PAPER}:1:8: error: invalid YAML" in errors
    assert "Traceback" not in errors
    assert "Amplifying the Correct Answer" in fetch(server.address + "index.html")
