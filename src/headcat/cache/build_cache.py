"""The build cache: what the previous build already knew, in ROOT/.headcat-cache/ (ignored by git, safe to delete).

Kept here: for paper files, each file's size and modification time when it last validated, the keys that identify
its paper (for the one-paper-one-file rule), a digest of its text and the validated model, so an unchanged file is
not parsed again; for each output folder, the key of every output file's inputs and the file's size and digest, so
a page whose inputs did not change is neither rendered nor written again; and fragments of pages (paper cards,
README rows, each paper's part of the exports), so a page that must be rendered again reuses the parts of it that
did not change; and the catalog's layout (its orderings and groupings as paper ids), so a rebuild after an edit
that moves no paper (a summary, a title) does not work it out again. Everything is keyed by what it was derived
from (headcat's version, the taxonomy, the templates, the config); anything that does not match is ignored, never
trusted, and deleting the folder only makes the next build a full one. Jinja keeps compiled templates in its
templates/ subfolder, keyed by each template's text.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from headcat import __version__

CACHE_DIR_NAME = ".headcat-cache"
_FORMAT = 7
"""Raised whenever what the cache stores changes shape (a field renamed, a kind of file added), so that caches
written before are ignored rather than misread."""


def fingerprint(*parts: object) -> str:
    """A stable digest of values whose repr is stable (text, numbers, dates, tuples of them)."""
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def file_fingerprint(*paths: Path) -> str:
    """A digest of files' names and bytes (a folder counts as every file below it, in sorted order)."""
    digest = hashlib.blake2b(digest_size=16)
    for top in paths:
        for path in sorted(top.rglob("*")) if top.is_dir() else [top]:
            if path.is_file():
                digest.update(str(path.relative_to(top.parent)).encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def environment_key(*parts: object) -> str:
    """What every cached value also depends on: headcat itself and the Python it runs on."""
    return fingerprint(_FORMAT, __version__, sys.version_info[:2], *parts)


@dataclass(frozen=True)
class CachedPaperFile:
    mtime_ns: int
    size: int
    identity: tuple[Any, ...]
    """The keys that identify the paper (arXiv id, DOI, title), as the load stage compares them."""
    digest: str
    """A digest of the file's text, which the catalog keys the paper's outputs by."""


StoredModels = dict[str, tuple[CachedPaperFile, Any]]
"""Validated models by file name, each with the state of the file it was validated from."""
RECENT_MODELS_MAX = 500
"""Models of files changed since the main store was written go to a small store of their own (so a one-paper edit
does not rewrite 10,000 models), until there are more than this; then everything is written to the main store."""


@dataclass
class PaperCache:
    """Validated paper files of the previous build, valid only for the same taxonomy and headcat."""

    folder: Path
    key: str
    files: dict[str, CachedPaperFile] = field(default_factory=dict)
    _stores: tuple[StoredModels, StoredModels] | None = None
    """The main store and the store of recent changes, read at the first call of `model`."""

    def lookup(self, name: str, status: os.stat_result) -> CachedPaperFile | None:
        cached = self.files.get(name)
        if cached is None or cached.mtime_ns != status.st_mtime_ns or cached.size != status.st_size:
            return None
        return cached

    def model(self, name: str) -> Any:
        """The validated model of a file `lookup` found unchanged."""
        file = self.files.get(name)
        for store in reversed(self.stores()):
            stored = store.get(name)
            if stored is not None and stored[0] == file:
                return stored[1]
        return None

    def stores(self) -> tuple[StoredModels, StoredModels]:
        if self._stores is None:
            self._stores = (_read_pickle(self.folder / "paper-models.pickle", self.key) or {},
                            _read_pickle(self.folder / "paper-models-recent.pickle", self.key) or {})
        return self._stores


def read_paper_cache(root: Path, key: str) -> PaperCache:
    folder = root / CACHE_DIR_NAME
    files = _read_pickle(folder / "paper-files.pickle", key)
    return PaperCache(folder=folder, key=key, files=files or {})


def write_paper_cache(cache: PaperCache, files: dict[str, CachedPaperFile], models: dict[str, Any]) -> None:
    if files == cache.files:
        return  # nothing changed since the files were cached
    main, _ = cache.stores() if cache.files else ({}, {})
    recent = {name: (files[name], model) for name, model in models.items()
              if name not in main or main[name][0] != files[name]}
    if main and len(recent) <= RECENT_MODELS_MAX:
        _write_pickle(cache.folder / "paper-models-recent.pickle", cache.key, recent)
    else:
        _write_pickle(cache.folder / "paper-models.pickle", cache.key,
                      {name: (files[name], model) for name, model in models.items()})
        _write_pickle(cache.folder / "paper-models-recent.pickle", cache.key, {})
    _write_pickle(cache.folder / "paper-files.pickle", cache.key, files)


@dataclass(frozen=True)
class OutputRecord:
    key: str
    """The digest of everything the file was rendered from."""
    size: int
    digest: str
    """The digest of the file's bytes: a file rendered again with the same bytes is not rewritten."""


@dataclass
class OutputManifest:
    """The output files of the previous build into one folder, with the key each was rendered from."""

    out_dir: Path
    records: dict[str, OutputRecord] = field(default_factory=dict)

    def is_current(self, path: str, key: str) -> bool:
        """Whether the file at `path` was rendered from exactly `key` and is still there as it was written."""
        record = self.records.get(path)
        return record is not None and record.key == key and self.is_intact(path, record)

    def is_intact(self, path: str, record: OutputRecord) -> bool:
        """Whether the file at `path` is still there as it was written (its size: it is not read)."""
        try:
            return os.stat(f"{self.out_dir}/{path}").st_size == record.size  # a string path: 10,000 of these
        except OSError:
            return False

    def current_files_of(self, key: str) -> list[str] | None:
        """The paths of the files made together from `key` (such as the search index's), when each is still there
        as it was written; None when there are none, or one of them changed."""
        records = {path: record for path, record in self.records.items() if record.key == key}
        return list(records) if records and all(self.is_intact(*item) for item in records.items()) else None


def read_output_manifest(root: Path, out_dir: Path) -> OutputManifest:
    """The manifest of `out_dir`, or an empty one (nothing reused) when there is none or the folder is gone."""
    if not out_dir.is_dir():
        return OutputManifest(out_dir)
    records = _read_pickle(_manifest_path(root, out_dir), environment_key("outputs"))
    return OutputManifest(out_dir, records or {})


def write_output_manifest(root: Path, manifest: OutputManifest) -> None:
    _write_pickle(_manifest_path(root, manifest.out_dir), environment_key("outputs"), manifest.records)


Slot = tuple[str, ...]
Fragments = dict[Slot, tuple[Any, str]]
"""Page fragments by slot ('card', paper id, variant...; 'readme row', paper id; 'export bib', paper id...): what
the fragment was rendered from (a small value compared by equality, such as the paper's data key), and its text.
A slot holds one fragment, so the cache never outgrows the catalog."""
FragmentIndex = dict[Slot, tuple[Any, int, int]]
"""Where the main store keeps each slot's text: what it was rendered from, and its offset and length in bytes in
the store's text file."""
RECENT_FRAGMENTS_MAX = 2000
"""As for models: fragments rendered since the main store was written go to a small store of their own."""


@dataclass
class FragmentCache:
    """The fragments of earlier builds rendered with the same templates, settings and taxonomy (`inputs_key`).

    The main store is a text file and an index of it: only the index is read, and a fragment's text is read from
    the file when a page asks for it, so a rebuild does not hold every card, README row and export record of the
    catalog in memory (75 MB at 10,000 papers), and forked helpers share nothing of it to copy. Fragments rendered
    since it was written are kept in memory (`recent`). When there is no main store (a first build, or the
    templates changed), a new one is written while the build runs: fragments go to the file as they arrive."""

    index: FragmentIndex = field(default_factory=dict)
    text_file: Any = None
    """The main store's text file, open for reading (None without a main store)."""
    recent: Fragments = field(default_factory=dict)
    """The fragments not in the main store: rendered after it was written, by an earlier build or this one."""
    changed: bool = False
    """Whether fragments were added since the cache was read."""
    stream: _FragmentStream | None = None
    """Where new fragments go when the main store is written afresh."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    """Fragments arrive from the thread that receives a helper's results and from the main thread."""

    def get(self, slot: Slot, data: object) -> str | None:
        """The text of the fragment in `slot` when it was rendered from equal `data`, else None."""
        fragment = self.recent.get(slot)
        if fragment is not None:
            return fragment[1] if fragment[0] == data else None
        stored = self.index.get(slot)
        return _text_at(self.text_file, stored[1], stored[2]) if stored is not None and stored[0] == data else None

    def slots(self) -> set[Slot]:
        """Every slot that holds a fragment, in the main store or among the recent ones."""
        return set(self.index) | set(self.recent)

    def add(self, fragments: Fragments) -> None:
        if not fragments:
            return
        with self.lock:
            self.changed = True
            if self.stream is not None:
                self.stream.append(fragments)
            else:
                self.recent.update(fragments)

    def close(self) -> None:
        """At the end of the build: close the main store's text file, and forget a main store still half written
        (the build failed before `write_fragments` finished it); the previous one, if any, stays."""
        if self.text_file is not None:
            self.text_file.close()
        if self.stream is not None:
            self.stream.abandon()


_HAS_PREAD = hasattr(os, "pread")


def _text_at(file: Any, offset: int, length: int) -> str:
    """The text in `length` bytes of `file` from `offset`, read without moving the file's position: helpers forked
    from this process read the same open file."""
    if _HAS_PREAD:
        return os.pread(file.fileno(), length, offset).decode("utf-8")
    file.seek(offset)  # no pread (Windows): no helpers either, as there is no fork
    return file.read(length).decode("utf-8")


class _FragmentStream:
    """A main store written batch by batch as fragments arrive: their texts to a new text file, and the index of
    each batch to a new index file (the store's key, the text file's name, one pickled dict per batch, and at the
    end the text file's size). The index then replaces the previous one, which is never left pointing into a file
    it was not written with, and the text files of earlier stores are deleted."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder, self.key = folder, key
        self.text: Any = None
        self.text_path: Path | None = None
        self.index: Any = None
        self.index_path: Path | None = None
        self.size = 0

    def append(self, fragments: Fragments) -> None:
        if self.text is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            text_handle, text_name = tempfile.mkstemp(prefix="fragments-", suffix=".text", dir=self.folder)
            index_handle, index_name = tempfile.mkstemp(prefix=".fragments.pickle.", dir=self.folder)
            self.text, self.text_path = os.fdopen(text_handle, "wb"), Path(text_name)
            self.index, self.index_path = os.fdopen(index_handle, "wb"), Path(index_name)
            for header in (self.key, self.text_path.name):
                pickle.dump(header, self.index, protocol=pickle.HIGHEST_PROTOCOL)
        index: FragmentIndex = {}
        for slot, (data, text) in fragments.items():
            encoded = text.encode("utf-8")
            self.text.write(encoded)
            index[slot] = (data, self.size, len(encoded))
            self.size += len(encoded)
        pickle.dump(index, self.index, protocol=pickle.HIGHEST_PROTOCOL)
        self.text.flush()  # nothing left in a buffer that a forked helper would inherit
        self.index.flush()

    def finish(self) -> None:
        if self.text is None or self.text_path is None or self.index_path is None:
            return
        pickle.dump(self.size, self.index, protocol=pickle.HIGHEST_PROTOCOL)
        self.text.close()
        self.index.close()
        os.replace(self.index_path, self.folder / "fragments.pickle")
        for old in self.folder.glob("fragments-*.text"):
            if old != self.text_path:
                old.unlink(missing_ok=True)
        self.text = self.index = self.text_path = self.index_path = None

    def abandon(self) -> None:
        if self.text is not None and self.text_path is not None and self.index_path is not None:
            self.text.close()
            self.index.close()
            self.text_path.unlink(missing_ok=True)
            self.index_path.unlink(missing_ok=True)
            self.text = self.index = self.text_path = self.index_path = None


def read_fragments(root: Path, inputs_key: str) -> FragmentCache:
    folder, key = root / CACHE_DIR_NAME, environment_key("fragments", inputs_key)
    index, text_file = _read_fragment_store(folder, key)
    if text_file is None:
        return FragmentCache(stream=_FragmentStream(folder, key))
    recent = _read_pickle(folder / "fragments-recent.pickle", key) or {}
    return FragmentCache(index=index, text_file=text_file, recent=recent)


def _read_fragment_store(folder: Path, key: str) -> tuple[FragmentIndex, Any]:
    """The main store's index, and its text file open for the build to read; no file when the store is missing,
    unreadable, stored with another key, or its text file is not the size the index was finished with."""
    index: FragmentIndex = {}
    try:
        with (folder / "fragments.pickle").open("rb") as stream:
            if pickle.load(stream) != key:
                return {}, None
            text_name = pickle.load(stream)
            while isinstance(record := pickle.load(stream), dict):
                index.update(record)
        text_file = (folder / text_name).open("rb")
    except Exception:  # a cache that cannot be read is simply not used
        return {}, None
    if os.fstat(text_file.fileno()).st_size != record:
        text_file.close()
        return {}, None
    return index, text_file


def write_fragments(root: Path, inputs_key: str, cache: FragmentCache, paper_ids: set[str]) -> None:
    """Keep the fragments of papers still in the catalog (the second part of every slot is a paper id): nothing to
    write when no fragment was added and no paper left; only the recent ones when they are few and no paper left;
    else all of them, in a new main store."""
    folder, key = root / CACHE_DIR_NAME, environment_key("fragments", inputs_key)
    if cache.stream is not None:  # written as the fragments arrived, all of this catalog's papers
        if cache.changed:
            _write_pickle(folder / "fragments-recent.pickle", key, {})
            cache.stream.finish()
        return
    papers_left = any(slot[1] not in paper_ids for slot in chain(cache.index, cache.recent))
    if not cache.changed and not papers_left:
        return
    if len(cache.recent) <= RECENT_FRAGMENTS_MAX and cache.index and not papers_left:
        _write_pickle(folder / "fragments-recent.pickle", key, cache.recent)
        return
    stream = _FragmentStream(folder, key)
    kept = [(slot, stored) for slot, stored in cache.index.items() if slot[1] in paper_ids and slot not in cache.recent]
    for start in range(0, len(kept), 1000):  # a thousand texts in memory at a time
        stream.append({slot: (data, _text_at(cache.text_file, offset, length))
                       for slot, (data, offset, length) in kept[start:start + 1000]})
    stream.append({slot: fragment for slot, fragment in cache.recent.items() if slot[1] in paper_ids})
    if cache.text_file is not None:
        cache.text_file.close()  # its store is replaced
    _write_pickle(folder / "fragments-recent.pickle", key, {})
    stream.finish()


def read_catalog_layout(root: Path, key: str) -> Any:
    """The catalog layout (catalog.CatalogLayout) the previous build worked out from inputs with the same
    `layout_key`, or None."""
    return _read_pickle(root / CACHE_DIR_NAME / "catalog-layout.pickle", environment_key("layout", key))


def write_catalog_layout(root: Path, key: str, layout: Any) -> None:
    _write_pickle(root / CACHE_DIR_NAME / "catalog-layout.pickle", environment_key("layout", key), layout)


def _manifest_path(root: Path, out_dir: Path) -> Path:
    return root / CACHE_DIR_NAME / f"outputs-{fingerprint(str(out_dir.resolve()))}.pickle"


def _read_pickle(path: Path, key: str) -> Any:
    """The value stored with `key`, or None when the file is missing, unreadable or was stored with another key."""
    try:
        with path.open("rb") as stream:
            stored_key, value = pickle.load(stream)
    except Exception:  # a cache that cannot be read is simply not used
        return None
    return value if stored_key == key else None


def _write_pickle(path: Path, key: str, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            pickle.dump((key, value), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
