"""The write stage: the only code that writes into the output folder.

Files are written into a fresh folder beside the output (`Staging`), by whichever process rendered them, as they
are rendered (so no large site passes through one process), and the output changes only when `publish` is called,
after the last one was written: a first build (or one without the previous build's manifest) swaps the fresh folder
in; later builds move in only the files whose bytes changed, one rename each, and remove the files they wrote before
that no output claims any more. A build that fails before that point, in any stage, leaves the previous output as
it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

import xxhash

from headcat.cache.manifest import OutputManifest, OutputRecord, is_output_path
from headcat.process.timings import timed

PIECES_PER_BLOCK = 128
"""How many of a template's pieces (a tag, a value, a chunk of 32 cards) are joined into one block to write: a block
of the largest pieces, chunks of cards with their summaries, is a few MB."""

Content = bytes | Iterable[str]


class DuplicateOutputError(ValueError):
    """Two outputs would be written to the same path: a bug, never silently resolved by overwriting."""


@dataclass(frozen=True)
class WriteResult:
    manifest: OutputManifest
    written: int
    """Files this build wrote; the others were already there with the same content."""


@contextmanager
def staged_output(out_dir: Path, previous: OutputManifest) -> Iterator[Staging]:
    """A fresh folder beside `out_dir` to write the outputs into; removed when the block ends."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        yield Staging(out_dir, folder, previous)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Staging:
    """Every output of a build, written below `folder` (or, for a file the previous build made from the same
    inputs, kept where it is), ready to become `out_dir`."""

    def __init__(self, out_dir: Path, folder: Path, previous: OutputManifest) -> None:
        self.out_dir = out_dir
        self.folder = folder
        self.previous = previous
        self.records: dict[str, OutputRecord | None] = {}
        """Every output by path, in the order they were claimed: None until it is written."""
        self.written: list[str] = []
        """The paths written below `folder` (the others are the previous build's files, kept)."""

    def claim(self, path: str) -> None:
        """Hold `path`'s place in the order of outputs; a path is claimed once."""
        if path in self.records:
            raise DuplicateOutputError(f"two outputs would be written to {path}")
        self.records[path] = None

    def keep(self, path: str) -> None:
        """Keep the previous build's file at `path` as it is."""
        self.claim(path)
        self.records[path] = self.previous.records[path]

    def record(self, path: str, record: OutputRecord) -> None:
        """A file written below `folder` at a claimed path (by this process or a helper: see `write_file`)."""
        self.records[path] = record
        self.written.append(path)

    def write_file(self, path: str, content: Content, key: str) -> OutputRecord:
        """Write one file below `folder` (in whichever process rendered it; `record` notes it in this one)."""
        return write_file(self.folder, path, content, key)

    def write(self, path: str, content: Content, key: str) -> None:
        """Claim, write and note a file made in this process."""
        self.claim(path)
        self.record(path, write_file(self.folder, path, content, key))

    def publish(self) -> WriteResult:
        """Make `out_dir` hold exactly the outputs: a first build swaps the staged folder in; later builds move in
        only the files whose bytes changed and remove the files no longer produced."""
        records = {path: record for path, record in self.records.items() if record is not None}
        with timed("update the output folder"):
            if self.previous.records and self.out_dir.is_dir():
                records, written = _update_in_place(self.out_dir, self.folder, records, self.written, self.previous)
            else:
                _swap_in(self.folder, self.out_dir)
                written = len(self.written)
        return WriteResult(OutputManifest(self.out_dir, records), written=written)


def write_file(folder: Path, path: str, content: Content, key: str) -> OutputRecord:
    """Write one file below `folder` and describe it. The digest only tells whether a file's bytes changed since the
    previous build, so it is xxHash's XXH3 (128 bits): every byte of the site passes through it (211 MB at 10,000
    papers), ten to twenty times quicker than hashlib's hashes."""
    if not is_output_path(path):
        raise ValueError(f"output path must be relative and inside the output folder: {path!r}")
    target = f"{folder}/{path}"  # strings, not Path objects: this runs for every file of the site
    _make_folder(target.rpartition("/")[0])
    digest, size = xxhash.xxh3_128(), 0
    with open(target, "wb") as stream:
        for data in _as_bytes(content):
            stream.write(data)
            digest.update(data)
            size += len(data)
        stream.flush()
        status = os.fstat(stream.fileno())
    return OutputRecord(key or "content:" + digest.hexdigest(), size, digest.hexdigest(), status.st_ino,
                        status.st_mtime_ns)


def _make_folder(folder: str) -> None:
    """`folder` and any missing parents; most pages are alone in a folder of their own (papers/x/index.html), so
    one mkdir usually does it (a third quicker per file than Path.mkdir(parents=True, exist_ok=True))."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except FileNotFoundError:
        os.makedirs(folder, exist_ok=True)


def _as_bytes(content: Content) -> Iterator[bytes]:
    """The content as bytes, in blocks of PIECES_PER_BLOCK pieces when it comes in pieces (taken by islice, in C: a
    paper's page is a few thousand pieces)."""
    if isinstance(content, bytes):
        yield content
        return
    pieces = iter(content)
    while block := list(islice(pieces, PIECES_PER_BLOCK)):
        yield "".join(block).encode("utf-8")


def _update_in_place(out_dir: Path, staging: Path, records: dict[str, OutputRecord], written: list[str],
                     previous: OutputManifest) -> tuple[dict[str, OutputRecord], int]:
    """Move in the staged files whose bytes differ from the file already there (each by one rename), then remove
    the previous build's files that no output claims any more. A file whose bytes did not change stays, and so
    does its record's inode and time."""
    moved = 0
    for path in written:
        before = previous.records.get(path)
        record = records[path]
        if before is not None and before.digest == record.digest and previous.is_intact(path, before):
            records[path] = replace(record, inode=before.inode, mtime_ns=before.mtime_ns)
            continue  # the same bytes as the file there, which is as the previous build wrote it
        target = out_dir / path
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / path, target)
        moved += 1
    _remove(out_dir, {path: record for path, record in previous.records.items() if path not in records}, previous)
    return records, moved


def _remove(out_dir: Path, gone: dict[str, OutputRecord], previous: OutputManifest) -> None:
    """Delete the files the previous build wrote that no output claims any more (papers removed or renamed, a
    search index no longer built), when they are still as it wrote them, then the folders they leave empty,
    deepest first, each tried once. Files headcat did not write are never touched."""
    folders: set[Path] = set()
    for path, record in gone.items():
        if not previous.is_intact(path, record):
            continue  # changed or replaced since: not the file headcat wrote
        target = out_dir / path
        target.unlink(missing_ok=True)
        folders.update(target.parents[:path.count("/")])  # up to, not including, out_dir
    for folder in sorted(folders, key=lambda folder: len(folder.parts), reverse=True):
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty: it holds files still produced, or files headcat did not write


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Two renames: the old output moves aside, the new one takes its place, then the old one is deleted."""
    os.chmod(staging, 0o755)  # noqa: S103  # mkdtemp makes the folder private; a published site is readable
    if not out_dir.exists():
        staging.rename(out_dir)
        staging.mkdir()  # the caller removes the staging folder, which is now the output
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    retired.rmdir()
    out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        retired.rename(out_dir)
        raise
    staging.mkdir()
    shutil.rmtree(retired, ignore_errors=True)
