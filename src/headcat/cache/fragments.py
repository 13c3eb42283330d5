"""The fragment store: pieces of pages rendered by earlier builds (paper cards, README rows, export entries).

A fragment is kept in a slot ('card', paper id, variant...: one per piece of the site, so the store never outgrows
the catalog) with the key it was rendered from: the fingerprint of its renderer and inputs. A build takes the
fragment in a slot only when its key is the one it would render from.

The main store is a text file and an index of it: only the index is read, and a fragment's text is read from the
file when a page asks for it (with a digest to check it), so a rebuild does not hold every card, row and entry of
the catalog in memory (75 MB at 10,000 papers), and forked helpers have nothing of it to copy. Fragments rendered
since the main store was written are kept in a small store of their own (`recent`). When there is no main store (a
first build), a new one is written while the build runs: fragments go to the text file as they arrive.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import xxhash

from headcat.cache.store import read_json_store, write_json_store

log = logging.getLogger("headcat")

SLOT_SEPARATOR = "\x1f"
"""Between the parts of a slot's name ('card', paper id, ...); the paper id is always the second part."""
RECENT_MAX = 2000
"""Fragments rendered since the main store was written go to the small store until there are more than this."""

Fragments = dict[str, tuple[str, str]]
"""By slot: the key the fragment was rendered from, and its text."""


def slot_name(*parts: str) -> str:
    return SLOT_SEPARATOR.join(parts)


_Entry = list[Any]
"""Where the main store keeps a slot's fragment: [slot, key, offset, length, checksum (xxh3-64 of the bytes)], as
the index stores it (a list per entry: an index of 60,000 is read without making an object for each)."""
_KEY, _OFFSET, _LENGTH, _CHECKSUM = 1, 2, 3, 4


@dataclass
class FragmentStore:
    """The fragments of earlier builds (the whole store is valid for one store key: headcat itself), updated with
    this build's for the next."""

    folder: Path | None
    key: str
    index: dict[str, _Entry] = field(default_factory=dict)
    text_file: IO[bytes] | None = None
    """The main store's text file, open for reading (None without a main store)."""
    recent: Fragments = field(default_factory=dict)
    changed: bool = False
    """Whether fragments were added since the store was read."""
    stream: _FragmentStream | None = None
    """Where new fragments go when the main store is written afresh."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Fragments arrive from the thread that receives a helper's results and from the main thread."""

    @classmethod
    def open(cls, folder: Path | None, key: str) -> FragmentStore:
        if folder is None:
            return cls(None, key)
        index, text_file = _read_main_store(folder, key)
        if text_file is None:
            return cls(folder, key, stream=_FragmentStream(folder))
        recent: Fragments = {}
        stored = read_json_store(folder / "fragments-recent", "recent fragments", key)
        if isinstance(stored, dict):
            recent = {slot: (value[0], value[1]) for slot, value in stored.items()
                      if isinstance(value, list) and len(value) == 2 and all(isinstance(part, str) for part in value)}
        return cls(folder, key, index=index, text_file=text_file, recent=recent)

    def get(self, slot: str, key: str) -> str | None:
        """The text of the fragment in `slot` when it was rendered from `key`, else None."""
        fragment = self.recent.get(slot)
        if fragment is not None:
            return fragment[1] if fragment[0] == key else None
        entry = self.index.get(slot)
        if entry is None or entry[_KEY] != key or self.text_file is None:
            return None
        try:  # an index entry is checked here, where it is used: a wrong one only costs rendering the fragment
            data = _bytes_at(self.text_file, entry[_OFFSET], entry[_LENGTH])
            if len(data) != entry[_LENGTH] or xxhash.xxh3_64_intdigest(data) != entry[_CHECKSUM]:
                return None  # the text file changed under the index
            return data.decode("utf-8")
        except (TypeError, ValueError, OverflowError, OSError):
            return None

    def slots(self) -> set[str]:
        """Every slot that holds a fragment, in the main store or among the recent ones."""
        return set(self.index) | set(self.recent)

    def add(self, fragments: Fragments) -> None:
        if not fragments:
            return
        with self.lock:
            self.changed = True
            if self.stream is not None:
                try:
                    self.stream.append(fragments)
                except OSError as error:  # a full disk, say: the next build renders these again; this one goes on
                    log.warning("could not write the build cache, which this build keeps nothing in: %s", error)
                    self.stream.abandon()
                    self.stream, self.folder = None, None
            else:
                self.recent.update(fragments)

    def save(self, paper_ids: Iterable[str]) -> None:
        """Keep the fragments for the next build: those of papers no longer in the catalog are dropped. A few new
        ones go to the small store; many new ones, or papers gone, rewrite the main store."""
        folder = self.folder
        if folder is None:
            return
        kept_ids = set(paper_ids)
        if self.stream is not None:  # the main store was written during the build: finish it
            self.stream.finish(self.key, kept_ids)
            self.stream = None
            write_json_store(folder / "fragments-recent", "recent fragments", self.key, {})
            return
        papers_left = any(_paper_id(slot) not in kept_ids for slot in (*self.index, *self.recent))
        if not self.changed and not papers_left:
            return
        if len(self.recent) <= RECENT_MAX and self.index and not papers_left:
            write_json_store(folder / "fragments-recent", "recent fragments", self.key,
                             {slot: list(fragment) for slot, fragment in self.recent.items()})
            return
        stream = _FragmentStream(folder)
        kept = [(slot, entry) for slot, entry in self.index.items()
                if _paper_id(slot) in kept_ids and slot not in self.recent]
        for start in range(0, len(kept), 1000):  # a thousand texts in memory at a time
            texts = {slot: (entry[_KEY], self.get(slot, entry[_KEY])) for slot, entry in kept[start:start + 1000]}
            stream.append({slot: (key, text) for slot, (key, text) in texts.items() if text is not None})
        stream.append({slot: fragment for slot, fragment in self.recent.items() if _paper_id(slot) in kept_ids})
        if self.text_file is not None:
            self.text_file.close()  # its store is replaced
            self.text_file = None
        write_json_store(folder / "fragments-recent", "recent fragments", self.key, {})
        stream.finish(self.key, kept_ids)

    def close(self) -> None:
        """At the end of the build: close the main store's text file, and drop a main store still half written
        (the build failed before `save` finished it); the previous one, if any, stays."""
        if self.text_file is not None:
            self.text_file.close()
            self.text_file = None
        if self.stream is not None:
            self.stream.abandon()
            self.stream = None


def _paper_id(slot: str) -> str:
    parts = slot.split(SLOT_SEPARATOR, 2)
    return parts[1] if len(parts) > 1 else ""


_HAS_PREAD = hasattr(os, "pread")


def _bytes_at(file: IO[bytes], offset: int, length: int) -> bytes:
    """`length` bytes of `file` from `offset`, read without moving the file's position: helpers forked from this
    process read the same open file."""
    if _HAS_PREAD:
        return os.pread(file.fileno(), length, offset)
    file.seek(offset)  # no pread (Windows): no helpers either, as there is no fork
    return file.read(length)


class _FragmentStream:
    """A main store written as fragments arrive: their texts to a new text file, their index kept in memory and
    written at the end (beside the text file's name and size). The new index then replaces the previous one, which
    is never left pointing into a file it was not written with, and the text files of earlier stores are deleted."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.text: IO[bytes] | None = None
        self.text_path: Path | None = None
        self.entries: dict[str, _Entry] = {}
        self.size = 0

    def append(self, fragments: Fragments) -> None:
        if self.text is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix="fragments-", suffix=".text", dir=self.folder)
            self.text, self.text_path = os.fdopen(handle, "wb"), Path(name)
        for slot, (key, text) in fragments.items():
            encoded = text.encode("utf-8")
            self.text.write(encoded)
            self.entries[slot] = [slot, key, self.size, len(encoded), xxhash.xxh3_64_intdigest(encoded)]
            self.size += len(encoded)
        self.text.flush()  # nothing left in a buffer that a forked helper would inherit

    def finish(self, key: str, paper_ids: set[str]) -> None:
        if self.text is None or self.text_path is None:
            return
        self.text.close()
        entries = [entry for slot, entry in self.entries.items() if _paper_id(slot) in paper_ids]
        write_json_store(self.folder / "fragments", "fragment index", key,
                         {"text": self.text_path.name, "size": self.size, "entries": entries})
        for old in self.folder.glob("fragments-*.text"):
            if old != self.text_path:
                old.unlink(missing_ok=True)
        self.text = self.text_path = None

    def abandon(self) -> None:
        if self.text is not None and self.text_path is not None:
            self.text.close()
            self.text_path.unlink(missing_ok=True)
            self.text = self.text_path = None


def _read_main_store(folder: Path, key: str) -> tuple[dict[str, _Entry], IO[bytes] | None]:
    """The main store's index, and its text file open for the build to read; no file when the store is missing,
    unreadable, made for another key, or its text file is not the size the index was written with."""
    stored: Any = read_json_store(folder / "fragments", "fragment index", key)
    try:
        name, size = stored["text"], stored["size"]
        if not (isinstance(name, str) and name.startswith("fragments-") and "/" not in name and "\\" not in name):
            return {}, None
        index = {entry[0]: entry for entry in stored["entries"] if len(entry) == 5}
        text_file = open(folder / name, "rb")  # noqa: SIM115  # kept open for the build; closed by `close`
    except (TypeError, KeyError, ValueError, OSError):
        return {}, None
    if os.fstat(text_file.fileno()).st_size != size:
        text_file.close()
        return {}, None
    return index, text_file
