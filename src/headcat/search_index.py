"""The search index (render stage): one Pagefind record per paper, returned as output files under pagefind/.

Pagefind (the `pagefind[bin]` package) indexes custom records rather than whole pages: the paper's title,
authors, venue, head types, stages, models and summary text, with its paper id as metadata. The home page's
script searches this index, maps each result back to a paper card by its result id, and applies the facets and
counts them itself from the cards. Records carry no Pagefind filters: Pagefind 1.5 writes its filter files in a
different order on every run (a hash map's), which would make two builds differ.

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
from dataclasses import dataclass, field
from typing import IO, Any


from headcat.catalog import Catalog, CatalogPaper
from headcat.output import OutputFile
from headcat.templating import markdown_filter

SEARCH_FOLDER = "pagefind"
_UNUSED_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
                 "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")
"""Pagefind's ready-made search interfaces: the site has its own, so they are not published."""
_FRAGMENT_SIGNATURE = b"pagefind_dcd"


class SearchIndexError(RuntimeError):
    """Pagefind could not be run or answered with an error: a broken installation, not bad content."""


@dataclass(frozen=True)
class SearchIndex:
    files: tuple[OutputFile, ...] = ()
    result_id_by_paper: dict[str, str] = field(default_factory=dict)
    """Pagefind's id of each paper's search result, so the home page can map results to cards without fetching."""


def build_search_index(catalog: Catalog) -> SearchIndex:
    """Index every paper; the files come back in memory and are published under pagefind/."""
    language = catalog.config.language.split("-")[0].lower()
    records = [_record(entry, catalog, language) for entry in catalog.papers]
    pagefind_files = _run_pagefind(records, language)
    files = tuple(OutputFile(f"{SEARCH_FOLDER}/{path}", content) for path, content in sorted(pagefind_files.items())
                  if path not in _UNUSED_FILES)
    return SearchIndex(files=files, result_id_by_paper=_result_ids(pagefind_files))


def _record(entry: CatalogPaper, catalog: Catalog, language: str) -> dict[str, Any]:
    paper = entry.paper
    stage_names = [catalog.stage(stage_id).stage.name for stage_id in entry.stage_ids]
    head_words = [spelling for head in entry.head_types for spelling in (head.name, *head.aliases)]
    summary = [_plain_text(part) for part in (paper.summary.innovation, paper.summary.tasks, paper.summary.result)]
    content = "\n".join([paper.title, ", ".join(paper.authors or ()), paper.venue or "", ", ".join(head_words),
                         ", ".join(stage_names), ", ".join(paper.models or ()), *summary])
    return {"url": f"papers/{entry.id}/index.html", "content": content, "language": language,
            "meta": {"title": paper.title, "paper_id": entry.id}, "filters": None, "sort": None}


def _plain_text(markdown: str) -> str:
    """The words of a summary part, without Markdown punctuation or link addresses."""
    return markdown_filter(markdown).striptags()


def _run_pagefind(records: list[dict[str, Any]], language: str) -> dict[str, bytes]:
    """Create an index in a Pagefind service process, add the records, and take the files back."""
    from pagefind.service import get_executable  # finds the binary pagefind[bin] installs; imported here, as
    # only a build with search needs it (its import is a tenth of headcat's start-up)

    executable = get_executable()
    if executable is None:
        raise SearchIndexError("the Pagefind binary was not found; install pagefind[bin], or build with --no-search")
    with subprocess.Popen([str(executable), "--service"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as process:
        assert process.stdin is not None and process.stdout is not None
        try:
            responses = _Responses(process.stdout)
            _send(process.stdin, [(1, {"type": "NewIndex", "config": {"force_language": language}})])
            index_id = responses.next(1)["index_id"]
            requests = [(number + 2, {"type": "AddRecord", "index_id": index_id, **record})
                        for number, record in enumerate(records)]
            requests.append((len(records) + 2, {"type": "GetFiles", "index_id": index_id}))
            # Pagefind answers while we write: a separate writer keeps both pipes moving on a large catalog.
            writer = threading.Thread(target=_send, args=(process.stdin, requests), daemon=True)
            writer.start()
            for number, _ in requests[:-1]:
                responses.next(number)
            files = responses.next(len(records) + 2)["files"]
            writer.join()
        finally:
            process.stdin.close()
            process.wait()
    return {file["path"]: base64.b64decode(file["content"]) for file in files}


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
        payload = message.get("payload", {})
        if payload.get("type") == "Error" or message.get("message_id") != number:
            raise SearchIndexError(f"Pagefind answered with an error: {payload.get('message', payload)}")
        return payload


def _result_ids(pagefind_files: dict[str, bytes]) -> dict[str, str]:
    """Each paper's result id: the name of the fragment file that holds its record (what pagefind.js reports)."""
    result_ids = {}
    for path, content in pagefind_files.items():
        if not (path.startswith("fragment/") and path.endswith(".pf_fragment")):
            continue
        data = gzip.decompress(content)
        if data.startswith(_FRAGMENT_SIGNATURE):
            fragment = json.loads(data[len(_FRAGMENT_SIGNATURE):])
            result_ids[fragment["meta"]["paper_id"]] = path.removeprefix("fragment/").removesuffix(".pf_fragment")
    return result_ids
