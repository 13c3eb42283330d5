"""`headcat new`: paper files from an arXiv id (answered by a local server replaying tests/fixtures/arxiv/) or a title.

Every test runs the real command in-process on a copy of the small test catalog. No test asks the real arXiv API:
an autouse fixture points HEADCAT_ARXIV_API at a local port where nothing listens unless a test starts the stub.
"""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from headcat.commands.cli import main
from headcat.commands.new_paper import NewPaperUsageError, derive_paper_id, normalize_arxiv_id
from headcat.load.yaml_source import parse_yaml, read_yaml_text

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = date.today().isoformat()
SUMMARY_TODO_PROBLEMS = [
    "{path}:{line}:15: error: summary.innovation: still the TODO placeholder; write this part in your own words "
    "(inline Markdown, at most 400 characters)",
    "{path}:{next_line}:10: error: summary.tasks: still the TODO placeholder; write this part in your own words "
    "(inline Markdown, at most 400 characters)",
    "{path}:{last_line}:11: error: summary.result: still the TODO placeholder; write this part in your own words "
    "(inline Markdown, at most 400 characters)",
]


class ArxivStub(BaseHTTPRequestHandler):
    """Answers like export.arxiv.org: /api/query replays a fixture; /broken fails; /slow never answers in time."""

    server: StubServer

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.server.requests.append(self.path)
        if url.path == "/broken/query":
            self._answer(500, b"<html><body>Internal Server Error</body></html>", "text/html")
        elif url.path == "/slow/query":
            self.server.release.wait(10)
        elif url.path == "/api/query":
            arxiv_id = parse_qs(url.query).get("id_list", [""])[0]
            fixture = FIXTURES / "arxiv" / f"{arxiv_id.replace('/', '_')}.xml"
            if not fixture.is_file():
                self._answer(404, f"no fixture for {arxiv_id}".encode(), "text/plain")
                return
            body = fixture.read_bytes()
            status = 400 if b"/api/errors#" in body else 200  # arXiv answers a refused id with 400 and an error feed
            self._answer(status, body, "application/atom+xml; charset=utf-8")
        else:
            self._answer(404, b"not found", "text/plain")

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass


class StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ArxivStub)
        self.requests: list[str] = []
        self.release = threading.Event()

    def url(self, path: str = "/api/query") -> str:
        return f"http://127.0.0.1:{self.server_port}{path}"


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local port that refuses connections: bound, never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch, closed_port: int) -> None:
    monkeypatch.setenv("HEADCAT_ARXIV_API", f"http://127.0.0.1:{closed_port}/api/query")
    monkeypatch.delenv("HEADCAT_ARXIV_TIMEOUT", raising=False)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.setenv(name, "*")  # a proxy in the environment must not stand between the tests and 127.0.0.1


@pytest.fixture
def arxiv(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubServer]:
    server = StubServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    monkeypatch.setenv("HEADCAT_ARXIV_API", server.url())
    yield server
    server.release.set()
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the test catalog, as the current directory, so that output paths read `papers/...`."""
    shutil.copytree(FIXTURES / "catalog", tmp_path / "catalog")
    monkeypatch.chdir(tmp_path / "catalog")
    return tmp_path / "catalog"


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, list[str], list[str]]:
    status = main(list(arguments))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err.splitlines()


def paper_files(root: Path) -> list[str]:
    return sorted(path.name for path in (root / "papers").iterdir())


def summary_todo_problems(path: str, first_line: int) -> list[str]:
    lines = {"path": path, "line": first_line, "next_line": first_line + 1, "last_line": first_line + 2}
    return [problem.format(**lines) for problem in SUMMARY_TODO_PROBLEMS]


def test_new_from_arxiv_writes_the_title_authors_and_first_version_date(root, arxiv, capsys):
    status, out, err = run(capsys, "new", "--arxiv", "2410.13835", "--head", "active-dormant head")

    path = "papers/active-dormant-attention-heads-mechanistically.yaml"
    assert (status, err) == (0, [])
    assert out == [
        path,
        "next: write the summary (innovation, tasks, result) where the file says TODO",
        "next: run headcat check . until it reports no problems",
    ]
    assert (root / path).read_text(encoding="utf-8") == f"""\
# yaml-language-server: $schema=../schema/paper.schema.json
title: "Active-Dormant Attention Heads: Mechanistically Demystifying Extreme-Token Phenomena in LLMs"
date: 2024-10-17
added: {TODAY}
authors: [Tianyu Guo, Druv Pai, Yu Bai, Jiantao Jiao, Michael I Jordan, Song Mei]
venue: arXiv 2024
arxiv: "2410.13835"
heads: [Active-Dormant Head]
links:
  paper: https://arxiv.org/abs/2410.13835
summary:   # in your own words; inline Markdown; at most 400 characters each
  innovation: "TODO: What is new: what the paper finds or proposes."
  tasks: "TODO: What was done: models, methods, tasks and data sets."
  result: "TODO: What was found, with its figures."
"""
    assert arxiv.requests == ["/api/query?id_list=2410.13835"]


def test_fresh_arxiv_file_fails_check_only_on_the_summary_todos(root, arxiv, capsys):
    run(capsys, "new", "--arxiv", "arXiv:2410.13835v2", "--head", "Active-Dormant Head", "--id", "active-dormant")

    status, out, err = run(capsys, "check")

    assert (status, out) == (1, [])
    assert err == [*summary_todo_problems("papers/active-dormant.yaml", 12), "3 problems in 1 file"]


def test_fresh_file_without_heads_holds_an_empty_list_that_check_reports(root, arxiv, capsys):
    status, out, _ = run(capsys, "new", "--arxiv", "2410.13835", "--id", "active-dormant")
    text = (root / "papers" / "active-dormant.yaml").read_text(encoding="utf-8")

    assert status == 0
    assert out[1] == "next: list the paper's head types under heads"
    assert ("# TODO: list one or more head types from taxonomy.yaml, e.g. heads: [Memory Head]\n"
            "heads: []\n") in text
    status, _, err = run(capsys, "check")
    assert status == 1
    assert err == [
        "papers/active-dormant.yaml:9:8: error: heads: is empty; list at least one",
        *summary_todo_problems("papers/active-dormant.yaml", 13),
        "4 problems in 1 file",
    ]


def test_title_and_authors_with_quotes_colons_hashes_and_unicode_read_back_unchanged(root, arxiv, capsys):
    status, out, _ = run(capsys, "new", "--arxiv", "2501.01234", "--head", "Retrieval Head", "--head", "Previous Head")

    assert status == 0
    assert out[0] == "papers/sink-heads-attention-goes-study-uber.yaml"
    data = parse_yaml(read_yaml_text(root / out[0]))
    assert data["title"] == ("\"Sink\" Heads: Where #Attention Goes -- a Study of Über-Tokens & the [BOS] Token's "
                             "Rôle in 注意力")
    assert data["authors"] == ["Zoë O'Brien", "José Núñez, Jr.", "李 明", "- Dash: Person"]
    assert data["heads"] == ["Retrieval Head", "Previous Token Head"]
    assert data["date"] == "2025-01-02"
    assert data["arxiv"] == "2501.01234"


def test_new_from_a_title_works_without_the_network(root, capsys):
    status, out, err = run(capsys, "new", "--title", "Attention Heads of  Large Language Models: A Survey",
                           "--head", "Induction Head", "--date", "2024-09-05")

    path = "papers/attention-heads-large-language-models-survey.yaml"
    assert (status, err) == (0, [])
    assert out == [
        path,
        "next: add the paper's address under links (and its arxiv or doi if it has one)",
        "next: write the summary (innovation, tasks, result) where the file says TODO",
        "next: run headcat check . until it reports no problems",
    ]
    assert (root / path).read_text(encoding="utf-8") == f"""\
# yaml-language-server: $schema=../schema/paper.schema.json
title: "Attention Heads of Large Language Models: A Survey"
date: 2024-09-05
added: {TODAY}
# authors: [First Author, Second Author]   (optional)
# venue: ICLR 2024   (optional)
heads: [Induction Head]
# TODO: the paper's address; if it is on arXiv, also add arxiv: "YYMM.NNNNN" (or doi: ...)
links:
  paper: "TODO: https://..."
summary:   # in your own words; inline Markdown; at most 400 characters each
  innovation: "TODO: What is new: what the paper finds or proposes."
  tasks: "TODO: What was done: models, methods, tasks and data sets."
  result: "TODO: What was found, with its figures."
"""
    status, _, err = run(capsys, "check")
    assert status == 1
    assert err == [
        f"{path}:10:10: error: links.paper: 'TODO: https://...' is not a web address; links must start with "
        "https:// or http://",
        *summary_todo_problems(path, 12),
        "4 problems in 1 file",
    ]


def test_title_without_a_date_marks_the_date_to_write(root, capsys):
    status, out, _ = run(capsys, "new", "--title", "Heads That Count", "--head", "Induction Head")

    assert status == 0
    assert out[1] == "next: write the date of the paper's first public version"
    text = (root / "papers" / "heads-count.yaml").read_text(encoding="utf-8")
    assert 'date: "TODO: YYYY-MM-DD, the day of the first public version"\n' in text


@pytest.mark.parametrize(("arxiv_id", "holder"), [
    ("2404.15574", "papers/retrieval-heads-long-context.yaml"),
    ("https://arxiv.org/abs/2404.15574v3", "papers/retrieval-heads-long-context.yaml"),
    ("2310.04625", "papers/copy-suppression.yaml"),
])
def test_arxiv_id_already_in_the_catalog_is_refused_naming_the_file(root, arxiv, capsys, arxiv_id, holder):
    # A paper known only by its arxiv.org link (no `arxiv:` key) counts too.
    (root / "papers" / "copy-suppression.yaml").write_text(
        (root / "papers" / "amplifying-correct-answers.yaml").read_text(encoding="utf-8")
        .replace("Amplifying the Correct Answer", "Copy Suppression")
        .replace("https://example.org/papers/amplify", "https://arxiv.org/pdf/2310.04625v2.pdf"),
        encoding="utf-8",
    )
    before = paper_files(root)

    status, out, err = run(capsys, "new", "--arxiv", arxiv_id)

    normalized = arxiv_id.removeprefix("https://arxiv.org/abs/").removesuffix("v3")
    assert (status, out) == (1, [])
    assert err == [f"headcat: error: {holder} already holds arXiv {normalized}; edit that file instead"]
    assert paper_files(root) == before
    assert arxiv.requests == []


def test_title_already_in_the_catalog_is_refused_naming_the_file(root, capsys):
    status, _, err = run(capsys, "new", "--title", "induction heads: complete patterns", "--date", "2022-03-08")

    assert status == 1
    assert err == ["headcat: error: papers/induction-heads-patterns.yaml already holds a paper titled "
                   "'induction heads: complete patterns'; edit that file instead"]


def test_an_existing_file_is_never_overwritten(root, arxiv, capsys):
    existing = root / "papers" / "induction-heads-patterns.yaml"
    before = existing.read_bytes()

    status, out, err = run(capsys, "new", "--arxiv", "2410.13835", "--id", "induction-heads-patterns")

    assert (status, out) == (1, [])
    assert err == ["headcat: error: papers/induction-heads-patterns.yaml already exists; it was left as it is "
                   "(choose another paper id with --id)"]
    assert existing.read_bytes() == before


def test_a_derived_paper_id_that_exists_is_not_overwritten(root, capsys):
    run(capsys, "new", "--title", "Heads That Count", "--date", "2024-01-01")
    written = (root / "papers" / "heads-count.yaml").read_bytes()

    status, _, err = run(capsys, "new", "--title", "Heads, That Count!", "--date", "2024-01-01", "--id", "heads-count")

    assert status == 1
    assert err == ["headcat: error: papers/heads-count.yaml already exists; it was left as it is "
                   "(choose another paper id with --id)"]
    assert (root / "papers" / "heads-count.yaml").read_bytes() == written


def test_unknown_head_type_is_a_usage_error_with_a_did_you_mean(root, arxiv, capsys):
    before = paper_files(root)

    status, out, err = run(capsys, "new", "--arxiv", "2410.13835", "--head", "Inducton Head", "--head", "Quux")

    assert (status, out) == (2, [])
    assert err == ["headcat: error: --head: unknown head type 'Inducton Head' (did you mean 'Induction Head'?); "
                   "unknown head type 'Quux' (taxonomy.yaml lists the head types)"]
    assert paper_files(root) == before
    assert arxiv.requests == []


@pytest.mark.parametrize(("arguments", "message"), [
    (["--arxiv", "not-an-id"], "--arxiv: 'not-an-id' is not an arXiv id like 2404.15574 or cs/0112017"),
    (["--title", "A Title", "--id", "Not_An_Id"],
     "--id: 'Not_An_Id' is not a paper id; write lowercase words and digits joined by hyphens, "
     "e.g. retrieval-head-long-context"),
    (["--title", "A Title", "--date", "2024-02-30"], "--date: '2024-02-30' is not a date written YYYY-MM-DD"),
    (["--title", "A Title", "--date", "9999-01-01"], f"--date: 9999-01-01 is in the future (today is {TODAY})"),
    (["--title", "   "], "--title: the title is empty"),
])
def test_options_that_cannot_make_a_paper_file_are_usage_errors(root, capsys, arguments, message):
    before = paper_files(root)

    status, out, err = run(capsys, "new", *arguments)

    assert (status, out, err) == (2, [], [f"headcat: error: {message}"])
    assert paper_files(root) == before


def test_unknown_arxiv_id_is_one_line_on_stderr(root, arxiv, capsys):
    status, out, err = run(capsys, "new", "--arxiv", "2401.99999")

    assert (status, out) == (1, [])
    assert err == ["headcat: error: arXiv has no paper with the id '2401.99999'; check the id (e.g. 2404.15574)"]
    assert arxiv.requests == ["/api/query?id_list=2401.99999"]


def test_an_id_the_api_refuses_is_reported_with_the_api_message(root, arxiv, capsys):
    status, out, err = run(capsys, "new", "--arxiv", "2412.00001")

    assert (status, out) == (1, [])
    assert err == ["headcat: error: arXiv refused the id '2412.00001': incorrect id format for 2412.00001"]


def test_a_server_error_is_one_line_on_stderr(root, arxiv, capsys, monkeypatch):
    monkeypatch.setenv("HEADCAT_ARXIV_API", arxiv.url("/broken/query"))
    before = paper_files(root)

    status, out, err = run(capsys, "new", "--arxiv", "2410.13835")

    assert (status, out) == (1, [])
    assert err == [f"headcat: error: the arXiv API at {arxiv.url('/broken/query')} answered HTTP 500 "
                   "Internal Server Error; try again later"]
    assert paper_files(root) == before


def test_a_refused_connection_is_one_line_on_stderr(root, capsys, closed_port):
    status, out, err = run(capsys, "new", "--arxiv", "2410.13835")

    assert (status, out) == (1, [])
    assert err == [f"headcat: error: cannot reach the arXiv API at http://127.0.0.1:{closed_port}/api/query: "
                   "Connection refused; check the network connection (or HEADCAT_ARXIV_API)"]


def test_a_server_that_does_not_answer_in_time_is_one_line_on_stderr(root, arxiv, capsys, monkeypatch):
    monkeypatch.setenv("HEADCAT_ARXIV_API", arxiv.url("/slow/query"))
    monkeypatch.setenv("HEADCAT_ARXIV_TIMEOUT", "0.2")

    status, out, err = run(capsys, "new", "--arxiv", "2410.13835")

    assert (status, out) == (1, [])
    assert err == [f"headcat: error: the arXiv API at {arxiv.url('/slow/query')} did not answer within "
                   "0.2 seconds; try again later"]
    assert arxiv.requests == ["/slow/query?id_list=2410.13835"]


@pytest.mark.parametrize(("name", "value", "message"), [
    ("HEADCAT_ARXIV_API", "file:///etc/passwd", "HEADCAT_ARXIV_API: 'file:///etc/passwd' is not an http(s) "
                                                "address of the arXiv API"),
    ("HEADCAT_ARXIV_TIMEOUT", "soon", "HEADCAT_ARXIV_TIMEOUT: 'soon' is not a number of seconds above 0"),
])
def test_a_bad_arxiv_setting_in_the_environment_is_a_usage_error(root, capsys, monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)

    assert run(capsys, "new", "--arxiv", "2410.13835") == (2, [], [f"headcat: error: {message}"])


@pytest.mark.parametrize(("title", "paper_id"), [
    ("Retrieval Head Mechanistically Explains Long-Context Factuality",
     "retrieval-head-mechanistically-explains-long"),
    ("Attention Heads of Large Language Models: A Survey", "attention-heads-large-language-models-survey"),
    ("Do Models' Heads Know?", "models-heads-know"),
    ("What Is It?", "what-is-it"),
    ("Über-Tokens in Rôle", "uber-tokens-role"),
    ("Supercalifragilisticexpialidocious" * 2, "supercalifragilisticexpialidocioussupercalifragili"),
])
def test_paper_id_is_short_readable_kebab_case_from_the_title(title, paper_id):
    assert derive_paper_id(title) == paper_id
    assert len(paper_id) <= 50


def test_a_title_without_latin_letters_or_digits_needs_an_explicit_id():
    with pytest.raises(NewPaperUsageError, match="give one with --id"):
        derive_paper_id("注意力")


@pytest.mark.parametrize(("written", "arxiv_id"), [
    ("2404.15574", "2404.15574"),
    (" arXiv:2404.15574v2 ", "2404.15574"),
    ("https://arxiv.org/pdf/2404.15574v1.pdf", "2404.15574"),
    ("hep-th/9901001v3", "hep-th/9901001"),
    ("http://arxiv.org/abs/cs/0112017", "cs/0112017"),
])
def test_arxiv_id_is_accepted_as_id_prefixed_id_or_address_without_its_version(written, arxiv_id):
    assert normalize_arxiv_id(written) == arxiv_id
