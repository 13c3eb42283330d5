"""`headcat links` against a real local server that answers every way a link can: 200, permanent and temporary
redirects, 404, 410, 429 with Retry-After, 500, a HEAD refused, a loop, a slow answer and none at all."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from headcat.commands.links import LinkSettings, check_links, fix_moved_links, link_problems

FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
KINDS = ("paper", "code", "project", "data", "demo", "poster", "video", "slides", "blog", "openreview")


class Answers(BaseHTTPRequestHandler):
    asked: ClassVar[Counter[str]] = Counter()

    def do_HEAD(self) -> None:  # the name http.server calls
        self.answer(with_body=False)

    def do_GET(self) -> None:
        self.answer(with_body=True)

    def answer(self, with_body: bool) -> None:
        path = self.path
        Answers.asked[path] += 1
        if path == "/slow":
            time.sleep(3)
        if path == "/head-refused" and not with_body:
            return self.send(405)
        if path == "/busy" and Answers.asked[path] == 1:
            return self.send(429, {"Retry-After": "1"})
        statuses = {"/ok": 200, "/head-refused": 200, "/busy": 200, "/slow": 200, "/missing": 404, "/gone": 410,
                    "/broken": 500}
        redirects = {"/moved": (301, "/ok"), "/moved-dead": (308, "/missing"), "/temporary": (302, "/ok"),
                     "/loop": (302, "/loop")}
        if path in redirects:
            status, location = redirects[path]
            return self.send(status, {"Location": location})
        return self.send(statuses.get(path, 404))

    def send(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    running = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    threading.Thread(target=running.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{running.server_address[1]}"
    running.shutdown()


@pytest.fixture(scope="module")
def silent() -> Iterator[str]:
    """An address that takes the connection and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/never"
    listener.close()


PATHS = ("/ok", "/moved", "/moved-dead", "/temporary", "/missing", "/gone", "/busy", "/broken", "/head-refused",
         "/loop", "/slow")


@pytest.fixture
def catalog(tmp_path: Path, server: str, silent: str) -> Path:
    """The fixture catalog with two more papers whose links are every kind of answer."""
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE, root)
    for path in root.joinpath("papers").glob("*.yaml"):
        path.unlink()  # their addresses are on the internet, which a test never asks
    urls = [server + path for path in PATHS] + [silent]
    for number, chunk in enumerate((urls[:10], urls[10:])):
        links = "".join(f"  {kind}: {url}\n" for kind, url in zip(KINDS, chunk, strict=False))
        (root / "papers" / f"links-{number}.yaml").write_text(
            f"title: Links {number}\ndate: 2024-01-01\nadded: 2024-01-02\nheads: [Induction Head]\nlinks:\n{links}"
            "summary:\n  innovation: New.\n  tasks: Studied.\n  result: Found.\n", encoding="utf-8")
    return root


SETTINGS = LinkSettings(timeout=1.0, attempts=2, backoff=0.1, concurrency=6, per_host=3)


def test_each_kind_of_answer_is_judged_and_located(catalog: Path, server: str, silent: str) -> None:
    places, answers = check_links(catalog, SETTINGS)
    problems = link_problems(places, answers)
    by_url = {url.removeprefix(server): answer for url, answer in answers.items()}

    assert {path for path, answer in by_url.items() if answer.is_good} == {"/ok", "/temporary", "/busy",
                                                                           "/head-refused"}
    assert by_url["/moved"].moved_to == server + "/ok"
    assert by_url["/moved-dead"].status == 404 and by_url["/moved-dead"].moved_to is None
    assert (by_url["/missing"].status, by_url["/gone"].status, by_url["/broken"].status) == (404, 410, 500)
    assert by_url["/loop"].reason == "redirects in a loop"
    assert by_url["/slow"].status is None and by_url[silent.removeprefix(server)].status is None
    located = sorted((Path(problem.path).name, problem.line, problem.column) for problem in problems)
    assert ("links-0.yaml", 7, 9) in located  # links.code: the /moved line, at its value
    assert len(problems) == 8  # moved, moved-dead, missing, gone, broken, loop, slow, never
    moved = next(problem for problem in problems if "/moved has moved" in problem.message)
    assert moved.message == (f"links.code: {server}/moved has moved for good (301) to {server}/ok; write the new "
                             "address (headcat links --fix does)")


def test_busy_servers_are_asked_again_after_retry_after_and_broken_ones_after_a_pause(
        catalog: Path, server: str) -> None:
    Answers.asked.clear()
    check_links(catalog, SETTINGS)
    assert Answers.asked["/busy"] == 2  # 429, then after its Retry-After, 200
    assert Answers.asked["/broken"] == 2  # one HEAD per attempt, two attempts
    assert Answers.asked["/missing"] >= 1


def test_good_answers_are_kept_for_max_age_and_bad_ones_are_asked_again(catalog: Path) -> None:
    check_links(catalog, SETTINGS)
    Answers.asked.clear()
    check_links(catalog, SETTINGS)
    assert Answers.asked["/head-refused"] == 0 and Answers.asked["/gone"] == 1
    Answers.asked.clear()
    check_links(catalog, SETTINGS, now=lambda: time.time() + 8 * 24 * 3600)
    assert Answers.asked["/head-refused"] == 2  # HEAD refused, then GET


def test_fix_writes_the_new_address_of_a_permanent_redirect_and_nothing_else(catalog: Path, server: str) -> None:
    paper = catalog / "papers" / "links-0.yaml"
    before = paper.read_text(encoding="utf-8")
    places, answers = check_links(catalog, SETTINGS)
    assert fix_moved_links(places, answers) == [paper]
    after = paper.read_text(encoding="utf-8")
    assert after == before.replace(f"code: {server}/moved\n", f"code: {server}/ok\n")


def test_the_command_ends_in_bounded_time_and_reports_each_problem_at_its_place(catalog: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "headcat", "links", str(catalog), "--timeout", "1"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert sum(1 for line in lines if ": error: links." in line) == 8
    assert lines[-1] == "8 problems in 2 files"
    assert result.stdout == "12 links checked (12 addresses)\n"
