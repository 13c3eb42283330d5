"""`headcat serve`: a real server process, a real HTTP client, real file edits."""

from __future__ import annotations

import json
import resource
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from browsing import launch_chromium
from headcat.commands.cli import main

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


def status_of(url: str) -> tuple[int, str]:
    """The final status of a GET (after any redirect) and the body that came with it, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


def raw_request(address: str, request: bytes) -> bytes:
    """Everything the server answers to `request`, sent as bytes on a socket of its own (no client library to
    refuse or fix a bad request first)."""
    host, port = address.removeprefix("http://").rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_link_in_the_site_folder_that_leads_out_of_it_is_not_found(
    server: Server, catalog_root: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("OUTSIDE-SECRET-2718\n", encoding="utf-8")
    (catalog_root / "site/passwords.txt").symlink_to("/etc/passwd")
    (catalog_root / "site/elsewhere").symlink_to(outside, target_is_directory=True)
    (catalog_root / "site/secret.html").symlink_to(outside / "secret.txt")

    answers = [status_of(server.address + path) for path in
               ("passwords.txt", "elsewhere/secret.txt", "elsewhere/", "secret.html", "..%2F..%2Fetc%2Fpasswd")]

    assert [status for status, _ in answers] == [404, 404, 404, 404, 404]
    assert not [body for _, body in answers if "OUTSIDE-SECRET" in body or "root:" in body]
    assert "Amplifying the Correct Answer" in fetch(server.address + "index.html")


def test_a_missing_page_at_any_depth_gets_the_sites_404_page_with_its_styles(server: Server) -> None:
    status, body = status_of(server.address + "no/such/page/")
    assert status == 404
    assert "Page not found" in body
    assert '<head><base href="/">' in body  # its relative links lead from the site's root, at any depth
    assert '<link rel="stylesheet" href="' in body


def test_a_link_inside_the_site_folder_is_served(server: Server, catalog_root: Path) -> None:
    (catalog_root / "site/home.html").symlink_to("index.html")

    assert "Amplifying the Correct Answer" in fetch(server.address + "home.html")


def test_a_folder_is_served_by_its_index_and_never_listed(server: Server, catalog_root: Path) -> None:
    (catalog_root / "site/empty").mkdir()

    assert status_of(server.address + "about")[0] == 200  # redirected to about/, then its index.html
    assert status_of(server.address + "empty/")[0] == 404


@pytest.mark.parametrize("request_line", [b"GET /%00 HTTP/1.0", b"GET /index.html%00.txt HTTP/1.0",
                                          b"GET /%ff HTTP/1.0", b"GET index.html HTTP/1.0"])
def test_a_request_that_names_no_file_gets_400_and_the_server_goes_on(server: Server, request_line: bytes) -> None:
    answer = raw_request(server.address, request_line + b"\r\n\r\n")

    assert answer.split(b"\r\n")[0] == b"HTTP/1.0 400 Bad Request"
    assert "Amplifying the Correct Answer" in fetch(server.address + "index.html")
    assert server.errors == []


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_outside_0_to_65535_is_a_usage_error(
    catalog_root: Path, port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    exit_code = main(["serve", str(catalog_root), "--port", port])

    captured = capsys.readouterr()
    assert (exit_code, captured.out) == (2, "")
    assert captured.err == f"headcat: error: --port {port}: a port is a number from 0 to 65535 (0 picks a free one)\n"
    assert not (catalog_root / "site").exists()


def test_a_port_in_use_is_a_usage_error_that_names_it(catalog_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        exit_code = main(["serve", str(catalog_root), "--port", str(port)])

    captured = capsys.readouterr()
    assert (exit_code, captured.out) == (2, "")
    assert captured.err == (f"headcat: error: port {port} on 127.0.0.1 is in use (another server is listening "
                            f"there); stop it, or pick another port with --port (0 picks a free one)\n")
    assert not (catalog_root / "site").exists()


def test_a_name_too_long_for_the_file_system_is_not_found_and_the_server_goes_on(server: Server) -> None:
    answer = raw_request(server.address, b"GET /" + b"a" * 5000 + b" HTTP/1.0\r\n\r\n")

    assert answer.split(b"\r\n")[0] == b"HTTP/1.0 404 Not Found"
    assert "Amplifying the Correct Answer" in fetch(server.address + "index.html")
    assert server.errors == []


def test_a_rebuild_the_system_refuses_says_so_and_keeps_serving_the_last_good_site(
    server: Server, catalog_root: Path
) -> None:
    unlimited = resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE)
    resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, (100, unlimited[1]))  # no file above 100 bytes
    paper = catalog_root / PAPER
    paper.write_text(paper.read_text().replace("Amplifying the Correct Answer", "Amplifying the Right Answer"))

    assert wait_for(lambda: any("still serving the last good site" in line for line in server.errors))
    said = [line for line in server.errors if "error" in line or "still serving" in line]
    assert len(said) == 1 and said[0].startswith("headcat: error: cannot write "), said
    assert said[0].endswith(f": File too large; still serving the last good site from {catalog_root / 'site'}\n")
    assert "Amplifying the Correct Answer" in fetch(server.address + "index.html")

    resource.prlimit(server.process.pid, resource.RLIMIT_FSIZE, unlimited)
    paper.write_text(paper.read_text() + "# edited again\n")
    assert wait_for(lambda: "Amplifying the Right Answer" in fetch(server.address + "index.html"))
    assert server.process.poll() is None
    assert "Traceback" not in "".join(server.errors)


def status(server: Server) -> dict[str, object]:
    return json.loads(fetch(server.address + "__headcat/status"))  # type: ignore[no-any-return]


def test_served_pages_load_the_reload_script_and_the_built_files_do_not(server: Server, catalog_root: Path) -> None:
    served = fetch(server.address + "index.html")
    assert served.count('<script src="/__headcat/reload.js"></script>') == 1
    assert served.index("/__headcat/reload.js") < served.index("</body>")
    assert "/__headcat/" not in (catalog_root / "site" / "index.html").read_text(encoding="utf-8")
    assert "location.reload()" in fetch(server.address + "__headcat/reload.js")


def test_the_status_counts_published_builds_and_holds_a_failed_builds_problems(
        server: Server, catalog_root: Path) -> None:
    first = status(server)
    assert first["problems"] == [] and isinstance(first["generation"], int)
    paper = catalog_root / PAPER
    original = paper.read_text()
    paper.write_text(original.replace("title: Amplifying", "title: [Amplifying"))
    assert wait_for(lambda: status(server)["problems"] != [])
    problems = status(server)["problems"]
    assert isinstance(problems, list) and f"{catalog_root / PAPER}:1:8: error: invalid YAML" in problems[0]
    assert status(server)["generation"] == first["generation"]  # the last good site stays
    paper.write_text(original.replace("Amplifying the Correct Answer", "Amplifying the Right Answer"))
    assert wait_for(lambda: status(server)["generation"] != first["generation"])
    assert status(server)["problems"] == []


def test_an_open_page_reloads_after_a_rebuild_and_shows_a_failed_build_over_the_last_good_site(
        server: Server, catalog_root: Path) -> None:
    with sync_playwright() as running:
        browser = launch_chromium(running)
        page = browser.new_page()
        page.goto(server.address + "index.html")
        page.wait_for_function("() => performance.getEntriesByType('resource')"
                               ".some(entry => entry.name.endsWith('/__headcat/status'))")
        paper = catalog_root / PAPER
        original = paper.read_text()
        paper.write_text(original.replace("Amplifying the Correct Answer", "Amplifying the Right Answer"))
        expect(page.get_by_text("Amplifying the Right Answer").first).to_be_visible(timeout=15_000)
        paper.write_text(original.replace("title: Amplifying", "title: [Amplifying"))
        overlay = page.locator("#headcat-build-problems")
        expect(overlay).to_contain_text("the last build failed", timeout=15_000)
        expect(overlay).to_contain_text(f"{PAPER}:1:8: error: invalid YAML")
        paper.write_text(original)
        expect(page.locator("#headcat-build-problems")).to_have_count(0, timeout=15_000)
        expect(page.get_by_text("Amplifying the Correct Answer").first).to_be_visible()
        browser.close()
