"""The search index (render stage): one Pagefind record per paper, returned as output files under pagefind/.

Pagefind (the `pagefind[bin]` package) indexes custom records rather than whole pages: the paper's title,
authors, venue, head types, stages, models and summary text, with its paper id as metadata. The home page's
script searches this index, maps each result to a paper through pagefind/paper-numbers.json (each result id's
paper number, written here), and applies the facets and counts them itself (render/browse.py). Records carry no Pagefind
filters: Pagefind 1.5 writes its filter files in a different order on every run (a hash map's), which would make
two builds differ.

No page shows anything of the index, so Pagefind runs beside the rest of the build: `start_search_index` starts it
and returns at once, and `SearchIndexing.files` waits for its files when everything else is written. Pagefind
works on one core for most of a large build (about 10 s at 10,000 papers), so this saves most of the time the
pages take. When no record changed since the previous build, the index is kept as it is and Pagefind is not run.

The index is one whole: Pagefind can merge several indexes in the browser, which would let a rebuild index only
the part holding a changed paper, but each index answers a word it lacks with the longest word it has that begins
the query ('anthropic' with 'an'), so a rare word would match unrelated papers in every part without it.

We talk to Pagefind's service mode directly (base64 JSON messages separated by commas on stdin/stdout) because
the `pagefind` Python wrapper waits 100 ms per message, which would cost minutes on a large catalog; the binary
is the one the wrapper finds. Pagefind's output depends only on the records, so two builds are byte-identical.
"""

from __future__ import annotations

import base64
import gzip
import json
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from headcat.cache.manifest import OutputManifest
from headcat.catalog import urls
from headcat.catalog.catalog import Catalog, CatalogPaper, paper_numbers
from headcat.render.environment import markdown_filter
from headcat.render.outputs import OutputFile

SEARCH_FOLDER = urls.SEARCH_FOLDER.rstrip("/")
_UNUSED_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                 "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
"""Pagefind's ready-made search interfaces: the site has its own, so they are not published."""
_FRAGMENT_SIGNATURE = b"pagefind_dcd"
PAPER_NUMBERS_PATH = f"{SEARCH_FOLDER}/paper-numbers.json"
"""Each search result's paper: Pagefind result id -> the paper's number (its place in the catalog's order: the home
page's script names papers by it, render/browse.py)."""


class SearchIndexError(RuntimeError):
    """Pagefind could not be run or answered with an error: a broken installation, not bad content."""


@dataclass(frozen=True, slots=True)
class SearchInputs:
    """What the index is made from: every paper (its records are made from the paper, its head types' names and
    aliases and its stages' names) and the site's language."""

    entries: tuple[CatalogPaper, ...]
    language: str


def search_inputs(catalog: Catalog) -> SearchInputs:
    return SearchInputs(catalog.papers, catalog.config.language.split("-")[0].lower())


def search_records(inputs: SearchInputs) -> list[dict[str, Any]]:
    """One Pagefind record per paper."""
    return [_record(entry, inputs.language) for entry in inputs.entries]


class SearchIndexing:
    """Pagefind indexing a catalog: its process, and a thread of this process that feeds it the records and takes
    its files back (waiting on pipes, so leaving the interpreter to the rest of the build). `files` gives the
    result; `close` stops Pagefind when the build ends without it. Given the previous build's manifest, an index
    made from the same inputs (`key`: the fingerprint of `inputs` and the `search_records` that read them) is
    kept, and Pagefind is not started."""

    def __init__(self, inputs: SearchInputs, key: str, previous: OutputManifest | None = None) -> None:
        self._key = "search:" + key
        kept = previous.current_files_of(self._key) if previous is not None else None
        self._kept = tuple(kept or ())
        self._process = None if self._kept else _start_pagefind()
        self._outcome: list[dict[str, bytes] | BaseException] = []
        if self._process is None:
            return
        # The records are made here, before the build forks helpers: their summaries' HTML (cached by
        # markdown_filter) is then already made for the pages that show it, in this process and in the helpers.
        records = search_records(inputs)
        self._numbers = paper_numbers(inputs.entries)
        self._thread = threading.Thread(target=self._run, args=(records, inputs.language), daemon=True)
        self._thread.start()

    def _run(self, records: list[dict[str, Any]], language: str) -> None:
        try:
            self._outcome.append(_exchange(self._process, records, language))  # type: ignore[arg-type]
        except BaseException as error:  # noqa: BLE001  # reported by `files`, in the thread that asks
            self._outcome.append(error)

    def files(self) -> tuple[OutputFile, ...] | tuple[str, ...]:
        """The index's files, once Pagefind is done: its own (without the ready-made interfaces the site does not
        use), and pagefind/paper-numbers.json; or the paths of the previous build's, when they were made from the same
        inputs (kept as they are). Raises SearchIndexError when Pagefind failed."""
        if self._process is None:
            return self._kept
        self._thread.join()
        outcome = self._outcome[0]
        if isinstance(outcome, BaseException):
            raise outcome
        files = [OutputFile(f"{SEARCH_FOLDER}/{path}", content, self._key) for path, content in sorted(outcome.items())
                 if path not in _UNUSED_FILES]
        numbers = {result_id: self._numbers[paper_id] for result_id, paper_id in _result_ids(outcome).items()}
        text = json.dumps(numbers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return (*files, OutputFile(PAPER_NUMBERS_PATH, (text + "\n").encode("utf-8"), self._key))

    def close(self) -> None:
        """Stop Pagefind if it is still working (the build failed before it needed the index)."""
        if self._process is None:
            return
        if self._thread.is_alive():
            self._process.kill()
            self._thread.join()
        self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


SECTION_MARK = "\u00b6"
"""Between the parts of a record's text (a word of its own, with no letter or digit, so never matched): the
script finds the parts of a result's text by it, and the words of its title, which come first."""
RECORD_PARTS = ("title", "authors", "identifiers", "heads", "stages and models", "summary")
"""The parts of a record's text, in order (the script names them the same way: site.js, RECORD_PARTS)."""


def _record(entry: CatalogPaper, language: str) -> dict[str, Any]:
    """A paper's record: its text in parts (RECORD_PARTS), and as metadata (which Pagefind also searches, weighing a
    match by its field: the script gives the title and the head types most weight) its title, authors, head types
    with their other names, and paper id."""
    paper = entry.paper
    head_words = ", ".join(spelling for label in entry.heads
                           for spelling in (label.head_type.name, *label.head_type.aliases))
    identifiers = [paper.venue or "", paper.arxiv or "", paper.doi or "", entry.id]
    summary = [_plain_text(part) for part in (paper.summary.innovation, paper.summary.tasks, paper.summary.result)]
    parts = [paper.title, ", ".join(paper.authors or ()), " ".join(identifiers), head_words,
             ", ".join([*(label.stage.name for label in entry.stages), *(paper.models or ())]), " ".join(summary)]
    content = f" {SECTION_MARK} ".join(" ".join(part.split()) for part in parts)
    meta = {"title": paper.title, "paper_id": entry.id, "authors": ", ".join(paper.authors or ()), "heads": head_words}
    return {"url": entry.path, "content": content, "language": language,
            "meta": {name: value for name, value in meta.items() if value}, "filters": None, "sort": None}


def _plain_text(markdown: str) -> str:
    """The words of a summary part, without Markdown punctuation or link addresses."""
    return markdown_filter(markdown).striptags()


def _start_pagefind() -> subprocess.Popen[bytes]:
    from pagefind.service import get_executable  # finds the binary pagefind[bin] installs; imported here, as
    # only a build with search needs it (its import is a tenth of headcat's start-up)

    executable = get_executable()
    if executable is None:
        raise SearchIndexError("the Pagefind binary was not found; install pagefind[bin], or build with --no-search")
    return subprocess.Popen([str(executable), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)


def _exchange(process: subprocess.Popen[bytes], records: list[dict[str, Any]], language: str) -> dict[str, bytes]:
    """Create an index in Pagefind's service process, add the records, and take the files back."""
    assert process.stdin is not None and process.stdout is not None
    try:
        responses = _Responses(process.stdout)
        _send(process.stdin, [(1, {"type": "NewIndex", "config": {"force_language": language}})])
        index_id = responses.next(1)["index_id"]
        requests = [(number + 2, {"type": "AddRecord", "index_id": index_id, **record})
                    for number, record in enumerate(records)]
        requests.append((len(records) + 2, {"type": "GetFiles", "index_id": index_id}))
        # Pagefind answers while we write: a separate writer keeps both pipes moving on a large catalog.
        writer = threading.Thread(target=_send_all, args=(process.stdin, requests), daemon=True)
        writer.start()
        for number, _ in requests[:-1]:
            responses.next(number)
        files = responses.next(len(records) + 2)["files"]
        writer.join()
    finally:
        process.stdin.close()
    return {file["path"]: base64.b64decode(file["content"]) for file in files}


def _send_all(stream: IO[bytes], requests: list[tuple[int, dict[str, Any]]]) -> None:
    """`_send` on a thread of its own: when Pagefind closed its end, or the reader closed ours (Pagefind failed, or
    was stopped), the reader reports it."""
    try:
        _send(stream, requests)
    except (OSError, ValueError):  # ValueError: writing to the pipe the reader closed
        pass


def _send(stream: IO[bytes], requests: list[tuple[int, dict[str, Any]]]) -> None:
    for number, payload in requests:
        message = json.dumps({"message_id": number, "payload": payload}).encode("utf-8")
        stream.write(base64.b64encode(message) + b",")
    stream.flush()


class _Responses:
    """Pagefind's answers, read in order; each is checked to be the answer to the message we expect."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._messages = self._read(stream)

    @staticmethod
    def _read(stream: IO[bytes]) -> Iterator[dict[str, Any]]:
        pieces: list[bytes] = []
        while chunk := stream.read1(1 << 16):  # type: ignore[attr-defined]
            *ends, rest = chunk.split(b",")
            for end in ends:  # a comma closes a message
                yield json.loads(base64.b64decode(b"".join([*pieces, end])))
                pieces = []
            pieces.append(rest)

    def next(self, number: int) -> dict[str, Any]:
        message = next(self._messages, None)
        if message is None:
            raise SearchIndexError("Pagefind stopped before it answered")
        payload: dict[str, Any] = message.get("payload", {})
        if payload.get("type") == "Error" or message.get("message_id") != number:
            raise SearchIndexError(f"Pagefind answered with an error: {payload.get('message', payload)}")
        return payload


def _result_ids(pagefind_files: dict[str, bytes]) -> dict[str, str]:
    """Each result id's paper id; a result id is the name of the fragment file that holds the paper's record
    (what pagefind.js reports for a result)."""
    result_ids = {}
    for path, content in pagefind_files.items():
        if not (path.startswith("fragment/") and path.endswith(".pf_fragment")):
            continue
        data = gzip.decompress(content)
        if data.startswith(_FRAGMENT_SIGNATURE):
            fragment = json.loads(data[len(_FRAGMENT_SIGNATURE):])
            result_ids[path.removeprefix("fragment/").removesuffix(".pf_fragment")] = fragment["meta"]["paper_id"]
    return result_ids
