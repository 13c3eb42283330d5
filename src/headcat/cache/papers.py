"""The paper store: each paper file as it was when it last validated, and its validated data.

A file whose state on disk (modification and change times, size, inode: what git's index compares) is the one
recorded is not read again; its validated data (the model as JSON, validated again as it is read, so no value that
the models refuse can come from here) is taken from the store. The states live in a small store of their own, which
`headcat check` reads alone; the data of a few recently changed files goes to a small store beside the main one, so
that editing one paper of 10,000 does not rewrite them all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headcat.cache.store import read_json_store, read_store, write_json_store, write_store

RECENT_MAX = 500
"""Data of files changed since the main store was written goes to the small store until there is more than this;
then everything is written to the main store."""

FileState = str
"""A file's modification time (ns), size, inode and change time (ns), written 'mtime,size,inode,ctime': a file
replaced, rewritten or copied in has another, even with the same size and modification time. Kept as the text the
store holds, so that reading the store converts nothing."""


def file_state(status: os.stat_result) -> FileState:
    return f"{status.st_mtime_ns},{status.st_size},{status.st_ino},{status.st_ctime_ns}"


@dataclass(frozen=True)
class StoredPaperFile:
    """A paper file as it was when it last validated."""

    state: FileState
    identity: Any
    """The keys that recognise the paper in another file (arXiv id, DOI, title), as the load stage made them."""


@dataclass
class PaperStore:
    """The stores of one catalog's paper files, valid for one `key` (headcat and the taxonomy: validation depends on
    both). Read lazily: `lookup` reads the states, `paper` the data."""

    folder: Path | None
    key: str
    files: dict[str, StoredPaperFile] = field(default_factory=dict)
    _data: tuple[dict[str, tuple[FileState, str]], dict[str, tuple[FileState, str]]] | None = None

    @classmethod
    def open(cls, folder: Path | None, key: str) -> PaperStore:
        files: dict[str, StoredPaperFile] = {}
        stored = read_json_store(folder / "paper-files", "paper files", key) if folder else None
        try:
            for name, (state, identity) in (stored or {}).items():
                files[name] = StoredPaperFile(state, identity)  # a state that is not text never matches a file's
        except (TypeError, ValueError):
            files = {}
        return cls(folder, key, files)

    def lookup(self, name: str, status: os.stat_result) -> StoredPaperFile | None:
        """The stored file when `status` is the state it was stored with, else None."""
        stored = self.files.get(name)
        return stored if stored is not None and stored.state == file_state(status) else None

    def paper(self, name: str) -> str | None:
        """The validated data of a file `lookup` found unchanged, if the store still holds it."""
        stored = self.files.get(name)
        for data in reversed(self._read_data()):
            found = data.get(name)
            if found is not None and stored is not None and found[0] == stored.state:
                return found[1]
        return None

    def _read_data(self) -> tuple[dict[str, tuple[FileState, str]], dict[str, tuple[FileState, str]]]:
        if self._data is None:
            self._data = ({}, {}) if self.folder is None else (_read_papers(self.folder / "papers", self.key),
                                                                _read_papers(self.folder / "papers-recent", self.key))
        return self._data

    def save(self, files: dict[str, StoredPaperFile], papers: dict[str, str]) -> None:
        """Store these files (every paper file of the catalog) and their papers' data, for the next build."""
        if self.folder is None or files == self.files:
            return
        main, _ = self._read_data() if self.files else ({}, {})
        recent = {name: (files[name].state, paper) for name, paper in papers.items()
                  if name not in main or main[name][0] != files[name].state}
        if main and len(recent) <= RECENT_MAX:
            _write_papers(self.folder / "papers-recent", self.key, recent)
        else:
            _write_papers(self.folder / "papers", self.key,
                          {name: (files[name].state, paper) for name, paper in papers.items()})
            _write_papers(self.folder / "papers-recent", self.key, {})
        write_json_store(self.folder / "paper-files", "paper files", self.key,
                         {name: [stored.state, stored.identity] for name, stored in files.items()})


def _read_papers(path: Path, key: str) -> dict[str, tuple[FileState, str]]:
    """One store of papers' data: a line per paper, its file name, state and validated data as JSON, separated by
    tabs."""
    payload = read_store(path, "papers", key)
    papers: dict[str, tuple[FileState, str]] = {}
    if payload is None:
        return papers
    try:
        for line in payload.decode("utf-8").split("\n")[:-1]:
            name, state, data = line.split("\t", 2)
            papers[name] = (state, data)
    except (ValueError, TypeError):
        return {}
    return papers


def _write_papers(path: Path, key: str, papers: dict[str, tuple[FileState, str]]) -> None:
    """Names are paper file names and JSON holds no raw tab or line break, so a line is never split wrongly."""
    lines = [f"{name}\t{state}\t{data}\n"
             for name, (state, data) in papers.items()]
    write_store(path, "papers", key, "".join(lines).encode("utf-8"))
