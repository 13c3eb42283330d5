"""The write stage: the only code that writes a site's files.

A build writes into the folder that will be published next, never into the published one (folder.py says which
folders those are and how they are exchanged): when the last build's manifest is at hand, the spare folder beside
the output (the site before the last build) is brought up to date, file by file, only where it differs; otherwise
a new folder is made, with a copy of it by hard links that becomes the spare. Each rendered file is written by the
process that rendered it (no large site passes through one process), to a temporary name then renamed into place,
and kept only when its bytes differ from the file already there. Files headcat did not write in the published
folder are carried into the next one. `publish` then exchanges the two folders in one step.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

import xxhash

from headcat.cache.manifest import OutputManifest, OutputRecord, is_output_path
from headcat.model.problems import ProblemsFound
from headcat.process.parallel import in_background
from headcat.process.timings import timed
from headcat.write.folder import (
    UPDATING,
    OutputFolder,
    exchange,
    folder_times,
    folders_of,
    foreign_files,
    read_owned,
    remove_tree,
    write_owned,
)

PIECES_PER_BLOCK = 128
"""How many of a template's pieces (a tag, a value, a chunk of 32 cards) are joined into one block to write: a block
of the largest pieces, chunks of cards with their summaries, is a few MB."""

Content = bytes | Iterable[str]


class DuplicateOutputError(ValueError):
    """Two outputs would be written to the same path: a bug, never silently resolved by overwriting."""


@dataclass(frozen=True)
class WriteResult:
    site: OutputManifest
    """The published folder's manifest."""
    spare: OutputManifest | None
    """The spare folder's, when it is one the next build can bring up to date."""
    written: int
    """Files whose bytes this build changed; the others were already there as they are."""


@contextmanager
def staged_output(folder: OutputFolder, active: OutputManifest | None, spare: OutputManifest | None,
                  keep_spare: bool) -> Iterator[Staging]:
    """Where this build writes: the spare folder when it and the published folder have manifests (`active` and
    `spare`), else a new folder (with a copy by hard links as the next spare when `keep_spare`). A build that fails
    leaves the published folder as it was, and the spare folder as it was too, unless it was killed, or a helper
    died, while changing it (the spare is then marked, and the next build copies it afresh)."""
    site = folder.site
    if active is not None and site.is_dir():
        if spare is None or not _is_whole(folder.spare):
            spare = _copy_of(folder, active)
        (folder.spare / UPDATING).touch()
        staging = Staging(folder, folder.spare, active, spare, mirror=None, deferred=True)
        try:
            yield staging
        except ProblemsFound:
            staging.abandon()  # the spare holds only temporary files, which go: it is as it was
            raise
        return
    remove_tree(folder.spare)
    target = folder.new_tree()
    remove_tree(target)
    target.mkdir()
    mirror = folder.spare if keep_spare else None
    if mirror is not None:
        mirror.mkdir()
        (mirror / UPDATING).touch()
    try:
        yield Staging(folder, target, None, OutputManifest(target), mirror=mirror, deferred=False)
    finally:
        remove_tree(target)  # published by now (it is the old site then), or what a failed build made


def _is_whole(spare: Path) -> bool:
    """Whether the spare folder holds what its manifest says: it has its list, and no build was killed changing it."""
    return read_owned(spare) is not None and not (spare / UPDATING).exists()


def _copy_of(folder: OutputFolder, active: OutputManifest) -> OutputManifest:
    """A new spare folder: the published one copied by hard links (its files and the files headcat did not write),
    with the published folder's manifest."""
    with timed("copy the site by hard links (a spare folder for the next builds)"):
        remove_tree(folder.spare)
        folder.spare.mkdir()
        (folder.spare / UPDATING).touch()
        for path in (*active.records, *active.foreign):
            _link(folder.site, folder.spare, path)
        write_owned(folder.spare, list(active.records))
        (folder.spare / UPDATING).unlink()
    return OutputManifest(folder.spare, dict(active.records), None, dict(active.foreign))


@dataclass(frozen=True)
class Written:
    """A file `write_file` wrote: its record, and the temporary name it waits under until `publish` (None when it
    was written in place, or its bytes were there already)."""

    record: OutputRecord
    temporary: str | None


class Staging:
    """The next site, made in `target` (and kept identical in `mirror`, when there is one). With `deferred`, the
    target is the spare folder: files are written under temporary names, and the target changes only in
    `publish`."""

    def __init__(self, folder: OutputFolder, target: Path, active: OutputManifest | None, held: OutputManifest,
                 mirror: Path | None, deferred: bool) -> None:
        self.folder = folder
        self.target = target
        self.active = active
        """The published folder's manifest (None when the target is a new folder)."""
        self.held = held
        """What `target` holds already."""
        self.mirror = mirror
        self.deferred = deferred
        self.records: dict[str, OutputRecord | None] = {}
        """Every output by path, in the order they were claimed: None until it is written."""
        self.pending: dict[str, str] = {}
        """By path: the temporary file that replaces the target's at `publish`."""
        self.linked: list[str] = []
        """The paths to give the target from the published folder at `publish`."""
        self.written = 0
        self.changed_folders: set[str] = set()

    def claim(self, path: str) -> None:
        """Hold `path`'s place in the order of outputs; a path is claimed once."""
        if path in self.records:
            raise DuplicateOutputError(f"two outputs would be written to {path}")
        self.records[path] = None

    def keep(self, path: str) -> None:
        """The published file at `path` is the next site's too (the previous build made it from the same inputs):
        the target gets the same file, by a hard link at `publish`, unless it holds it already."""
        self.claim(path)
        self.keep_claimed(path)

    def keep_claimed(self, path: str) -> None:
        """`keep` a file whose path was claimed before."""
        assert self.active is not None  # a file is kept only from a published folder with a manifest
        record = self.active.records[path]
        held = self.held.records.get(path)
        if held is not None and held.digest == record.digest:
            self.records[path] = replace(held, key=record.key)
            return
        self.linked.append(path)
        self.records[path] = record  # a hard link: the same inode, size and time

    def write_file(self, path: str, content: Content, key: str) -> Written:
        """Write one file for the target (in whichever process rendered it; `record` notes it in this one)."""
        written = write_file(self.target, path, content, key, self.held.records.get(path), deferred=self.deferred)
        if self.mirror is not None:
            _link(self.target, self.mirror, path)
        return written

    def record(self, path: str, written: Written) -> None:
        """A file written by `write_file` (in this process or a helper)."""
        self.records[path] = written.record
        if written.temporary is not None:
            self.pending[path] = written.temporary
        before = self.active.records.get(path) if self.active is not None else None
        if before is None or before.digest != written.record.digest or \
                not self.active.is_intact(path, before):  # type: ignore[union-attr]  # before is not None
            self.written += 1  # the published file will change (or was changed by hand since)

    def write(self, path: str, content: Content, key: str) -> None:
        """Claim, write and note a file made in this process."""
        self.claim(path)
        self.record(path, self.write_file(path, content, key))

    def abandon(self) -> None:
        """After a failure: delete the temporary files, and the spare folder is as it was."""
        for temporary in self.pending.values():
            Path(temporary).unlink(missing_ok=True)
        (self.target / UPDATING).unlink(missing_ok=True)

    def publish(self) -> WriteResult:
        """Make the target the published folder: put its new files in place, drop the files no output claims any
        more, carry in the files headcat did not write, write the list of its own, and exchange the two folders in
        one step."""
        with timed("update the output folder"):
            records = {path: record for path, record in self.records.items() if record is not None}
            for path, temporary in self.pending.items():
                os.replace(temporary, f"{self.target}/{path}")
                self.changed_folders.add(path.rpartition("/")[0])
            for path in self.linked:
                _link(self.folder.site, self.target, path)
                self.changed_folders.add(path.rpartition("/")[0])
            for path in set(self.held.records) - set(records):
                self._remove(path)
            foreign = self._carry_foreign()
            write_owned(self.target, list(records))
            if self.mirror is not None:
                write_owned(self.mirror, list(records))
                (self.mirror / UPDATING).unlink(missing_ok=True)
            (self.target / UPDATING).unlink(missing_ok=True)
            published_before = self.active is not None
            exchange(self.target, self.folder.site, self.folder.swap)
            if not self.deferred and self.target.exists():  # a new folder replaced a published one: it goes
                retired = self.folder.retired_tree()
                self.target.rename(retired)
                in_background(lambda: remove_tree(retired), f"remove {retired}")
        folders = folders_of([*records, *foreign])  # foreign files' folders too: a file added beside one shows
        times = dict(self.held.folders or {})
        changed = (self.changed_folders | {""}) if self.held.folders is not None else folders
        times.update(folder_times(self.folder.site, (changed | (folders - set(times))) & folders))
        site = OutputManifest(self.folder.site, records, {name: times[name] for name in folders if name in times},
                              foreign)
        spare = None
        if self.mirror is not None:
            spare = OutputManifest(self.mirror, dict(records), None, dict(foreign))
        elif published_before and self.active is not None:
            spare = replace(self.active, out_dir=self.folder.spare)
        return WriteResult(site, spare, self.written)

    def _remove(self, path: str) -> None:
        """Delete a file headcat wrote that no output claims any more, and the folders it leaves empty."""
        for tree in (self.target, self.mirror):
            if tree is None:
                continue
            target = tree / path
            target.unlink(missing_ok=True)
            for parent in target.parents[:path.count("/")]:  # up to, not including, the tree
                try:
                    parent.rmdir()
                except OSError:
                    break  # not empty: it holds other files
        self.changed_folders.add(path.rpartition("/")[0])

    def _carry_foreign(self) -> dict[str, int]:
        """Give the target the published folder's files that headcat did not write, and drop from it those that
        are gone; the files carried, with their inodes."""
        site = self.folder.site
        if not site.is_dir():
            return {}
        if self.active is None:
            wanted = foreign_files(site, read_owned(site) or set(), None, {})
        else:
            wanted = foreign_files(site, set(self.active.records), self.active.folders, self.active.foreign)
        wanted = {path: inode for path, inode in wanted.items() if path not in self.records}  # an output took
        # its path: headcat's file wins (it is on headcat's list from now on)
        for path in set(self.held.foreign) - set(wanted):
            for tree in (self.target, self.mirror):
                if tree is not None:
                    (tree / path).unlink(missing_ok=True)
            self.changed_folders.add(path.rpartition("/")[0])
        for path, inode in wanted.items():
            if self.held.foreign.get(path) != inode:
                _link(site, self.target, path)
                if self.mirror is not None:
                    _link(self.target, self.mirror, path)
                self.changed_folders.add(path.rpartition("/")[0])
        return wanted


def _link(source: Path, target: Path, path: str) -> None:
    """Give `target` the file `source` has at `path`: a hard link (a copy where links cannot be made), put in
    place in one step. Where `target` has nothing at `path` yet (every file of a first build's spare folder), the
    link is made there at once; else beside it, and renamed over it. Strings, not Path objects: this runs for every
    file of a first build."""
    origin, destination = f"{source}/{path}", f"{target}/{path}"
    folder, _, name = destination.rpartition("/")
    _make_folder(folder)
    try:
        os.link(origin, destination, follow_symlinks=False)
        return
    except OSError:  # a file there already (replaced below), or no hard links on this file system (copied below)
        pass
    temporary = f"{folder}/.{name}.headcat-link"
    try:
        os.unlink(temporary)
    except FileNotFoundError:
        pass
    try:
        os.link(origin, temporary, follow_symlinks=False)
    except OSError:
        shutil.copy2(origin, temporary, follow_symlinks=False)
    os.replace(temporary, destination)


def write_file(tree: Path, path: str, content: Content, key: str, held: OutputRecord | None,
               deferred: bool = False) -> Written:
    """Write one file below `tree`. In a new folder it is written in place; with `deferred` it is written under a
    temporary name beside its place, kept (for `publish` to put in place) only when its bytes differ from `held`
    (what `tree` holds at `path`). The digest only tells whether a file's bytes changed, so it is xxHash's XXH3 (128
    bits): every byte of the site passes through it (211 MB at 10,000 papers), ten to twenty times quicker than
    hashlib's hashes."""
    if not is_output_path(path):
        raise ValueError(f"output path must be relative and inside the output folder: {path!r}")
    target = f"{tree}/{path}"  # strings, not Path objects: this runs for every file of the site
    folder, _, name = target.rpartition("/")
    _make_folder(folder)
    destination = f"{folder}/.{name}.headcat-{os.getpid()}" if deferred else target
    digest, size = xxhash.xxh3_128(), 0
    try:
        with open(destination, "wb") as stream:
            for data in _as_bytes(content):
                stream.write(data)
                digest.update(data)
                size += len(data)
            stream.flush()
            status = os.fstat(stream.fileno())
    except BaseException:
        if deferred:
            Path(destination).unlink(missing_ok=True)  # a template failed half-way: nothing of it stays
        raise
    hexdigest = digest.hexdigest()
    if deferred and held is not None and held.digest == hexdigest and _is_intact(target, held):
        os.unlink(destination)  # the same bytes as the file there
        return Written(replace(held, key=key or held.key), None)
    record = OutputRecord(key or "content:" + hexdigest, size, hexdigest, status.st_ino, status.st_mtime_ns)
    return Written(record, destination if deferred else None)


def _is_intact(path: str, record: OutputRecord) -> bool:
    """Whether the file at `path` is still the one `record` describes. The published folder and the spare share
    the files that did not change (hard links), so a published file edited in place is edited in both: its time
    tells."""
    try:
        return record.is_file(os.stat(path, follow_symlinks=False))
    except OSError:
        return False


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
