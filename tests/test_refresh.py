"""`headcat refresh`: recorded answers of arXiv, Crossref and DBLP (tests/fixtures/refresh/) replayed by a local
server, never the network; updates proposed as a diff, written keeping the file's comments and order, and nothing
changed when offline."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import URLError

import pytest
import yaml

from headcat.commands.refresh import Offline, propose, updated_text
from headcat.pipeline import check

RECORDED = Path(__file__).parent / "fixtures" / "refresh"
RETRIEVAL = "papers/retrieval-heads-long-context.yaml"
MEMORY = "papers/memory-heads-conflicts.yaml"


def recorded(url: str) -> bytes:
    """The recorded answer to a request of this test's sources."""
    if "/arxiv" in url and "id_list=2404.15574" in url:
        return (RECORDED / "arxiv-2404.15574.xml").read_bytes()
    if "/crossref/10.18653/v1/2024.findings-acl.70" in url:
        return (RECORDED / "crossref-findings.json").read_bytes()
    if "/dblp" in url and "Retrieval+Heads+in+Long+Contexts" in url:
        return (RECORDED / "dblp-retrieval.json").read_bytes()
    if "/dblp" in url:
        return b'{"result": {"hits": {"@total": "0"}}}'
    raise URLError(f"no recorded answer for {url}")


URLS = {"arxiv": "http://recorded/arxiv", "crossref": "http://recorded/crossref", "dblp": "http://recorded/dblp"}


@pytest.fixture
def catalog(catalog_root: Path) -> Path:
    """The fixture catalog, writable (conftest.py)."""
    return catalog_root


def test_records_propose_authors_a_published_venue_and_nothing_the_paper_has(catalog: Path) -> None:
    proposals = {proposal.path.name: proposal for proposal in propose(catalog, [], recorded, URLS)}

    retrieval = proposals["retrieval-heads-long-context.yaml"]
    assert retrieval.changes == {"authors": ["Wenhao Wu", "Yizhong Wang", "Guangxuan Xiao", "Hao Peng", "Yao Fu"],
                                 "venue": "ICLR 2025",  # DBLP's CoRR entry is the preprint: passed over
                                 "links": {"openreview": "https://openreview.net/forum?id=EytBpUGB1Z"}}
    assert retrieval.sources == {"authors": "arxiv", "venue": "dblp", "links": "dblp"}
    memory = proposals["memory-heads-conflicts.yaml"]
    assert memory.changes == {"authors": ["Ada Lovelace", "Charles Babbage"]}  # its venue is no preprint's
    assert set(proposals) == {"retrieval-heads-long-context.yaml", "memory-heads-conflicts.yaml"}  # the others
    # have neither an arXiv id nor a DOI


def test_writing_changes_only_the_values_and_keeps_comments_order_and_quoting(catalog: Path) -> None:
    path = catalog / RETRIEVAL
    path.write_text("# a comment the maintainers wrote\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    before, after = updated_text(path, {"venue": "ICLR 2025", "authors": ["A One", "B Two"], "doi": "10.1/x"})

    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    added = [line for line in after.splitlines() if line not in before.splitlines()]
    assert removed == ["authors: [Grace Hopper]", "venue: arXiv 2024"]
    assert added == ["authors: [A One, B Two]", "venue: ICLR 2025", "doi: 10.1/x"]
    assert after.startswith("# a comment the maintainers wrote\n")
    assert 'arxiv: "2404.15574"' in after  # its quotes kept
    assert after.index("doi:") > after.index("arxiv:")  # a new key where the catalog writes it


def test_offline_nothing_is_proposed(catalog: Path) -> None:
    def unreachable(url: str) -> bytes:
        raise URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(Offline):
        propose(catalog, [], unreachable, URLS)


class Replay(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        try:
            body = recorded(f"http://recorded{self.path}")
        except URLError:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def replay() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def run(catalog: Path, base: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """headcat refresh ROOT ARGUMENTS... (paper ids right after ROOT) with the sources at `base`."""
    env = {"HEADCAT_ARXIV_API": f"{base}/arxiv", "HEADCAT_CROSSREF_API": f"{base}/crossref",
           "HEADCAT_DBLP_API": f"{base}/dblp", "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "headcat", "refresh", str(catalog), *arguments], env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_command_shows_a_diff_and_writes_only_with_write(catalog: Path, replay: str) -> None:
    before = (catalog / RETRIEVAL).read_text(encoding="utf-8")
    shown = run(catalog, replay)
    assert shown.returncode == 0, shown.stderr
    assert "\n-venue: arXiv 2024\n" in shown.stdout and "\n+venue: ICLR 2025\n" in shown.stdout
    assert f"# {catalog / RETRIEVAL} (authors from arxiv, venue from dblp, links from dblp)" in shown.stdout
    assert "\n+  openreview: https://openreview.net/forum?id=EytBpUGB1Z\n" in shown.stdout
    assert "\n-  paper:" not in shown.stdout  # the preprint link stays
    assert shown.stderr.endswith("2 papers asked about, 2 with updates proposed; run again with --write to apply "
                                 "them\n")
    assert (catalog / RETRIEVAL).read_text(encoding="utf-8") == before

    written = run(catalog, replay, "retrieval-heads-long-context", "--write")
    assert written.returncode == 0, written.stderr
    data = yaml.safe_load((catalog / RETRIEVAL).read_text(encoding="utf-8"))
    assert (data["venue"], data["authors"][0]) == ("ICLR 2025", "Wenhao Wu")
    assert "authors" not in yaml.safe_load((catalog / MEMORY).read_text(encoding="utf-8"))  # not asked for
    assert check(catalog, date(2026, 1, 1)) == 5


def test_the_command_offline_says_so_and_changes_nothing(catalog: Path) -> None:
    before = {path: path.read_bytes() for path in (catalog / "papers").glob("*.yaml")}
    result = run(catalog, "http://127.0.0.1:9", "--write", "--timeout", "2")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == ("headcat: error: offline: no source answered (arXiv, Crossref, DBLP); "
                                              "check the network connection; nothing was changed")
    assert {path: path.read_bytes() for path in (catalog / "papers").glob("*.yaml")} == before
