"""The output manifest: the files a build wrote into one folder of a site, and what each was made from.

An output folder has two folders of files (write/folder.py): the published one, and the spare beside it that the
next build brings up to date and exchanges with it. Each has a manifest, found by the folder's identity (its device
and inode, which an exchange moves with it). For each file: the key it was rendered from, its size and digest, and
its inode and modification time once written. A later build keeps a file, without rendering or writing it, only
when its key is the one it would render from and the file is still the one written (same inode, size and
modification time: a file edited, replaced or copied in since is rendered again). The manifest also keeps each
folder's modification time and the files of the folder headcat did not write, so that the next build lists again
only the folders where something changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path

from headcat.cache.store import read_json_store, write_json_store


@dataclass(frozen=True)
class OutputRecord:
    key: str
    """The key of everything the file was rendered from (or 'content:' and its digest, for a file with no key)."""
    size: int
    digest: str
    """The digest of the file's bytes: a file rendered again with the same bytes is not rewritten."""
    inode: int = 0
    mtime_ns: int = 0
    """The file's inode and modification time once written (0 until then)."""

    def is_file(self, status: os.stat_result) -> bool:
        """Whether `status` is that of the file this record describes, as it was written."""
        return (status.st_size == self.size and status.st_ino == self.inode and status.st_mtime_ns == self.mtime_ns
                and self.inode != 0)


@dataclass
class OutputManifest:
    """The files of one folder of a site, with the key each was rendered from."""

    out_dir: Path
    """Where the folder is now."""
    records: dict[str, OutputRecord] = field(default_factory=dict)
    folders: dict[str, int] | None = None
    """Each folder holding a file of the site ('' for the top) with its modification time, when known."""
    foreign: dict[str, int] = field(default_factory=dict)
    """The files headcat did not write, with their inodes, as the build that made the manifest found them."""

    def is_current(self, path: str, key: str) -> bool:
        """Whether the file at `path` was rendered from exactly `key` and is still there as it was written."""
        record = self.records.get(path)
        return record is not None and record.key == key and self.is_intact(path, record)

    def is_intact(self, path: str, record: OutputRecord) -> bool:
        """Whether the file at `path` is still there as it was written (it is not read)."""
        try:
            return record.is_file(os.stat(f"{self.out_dir}/{path}", follow_symlinks=False))  # noqa: PTH116  # a str
            # path, not a Path object: 10,000 of these
        except (OSError, ValueError):
            return False

    def current_files_of(self, key: str) -> list[str] | None:
        """The paths of the files made together from `key` (such as the search index's), when each is still there
        as it was written; None when there are none, or one of them changed."""
        records = {path: record for path, record in self.records.items() if record.key == key}
        return list(records) if records and all(self.is_intact(*item) for item in records.items()) else None


def is_output_path(path: object) -> bool:
    """Whether `path` can name a file inside an output folder: relative, with no '..' or backslash in it."""
    return (isinstance(path, str) and bool(path) and not path.startswith("/") and "\\" not in path
            and "\0" not in path and ".." not in path.split("/") and "" not in path.split("/"))


def manifest_name(site: Path, tree: Path) -> str | None:
    """The name of the manifest of `tree`, one of the two folders of the output folder `site`: by the site's path
    and the tree's device and inode (None when the tree does not exist)."""
    try:
        status = tree.stat()
    except OSError:
        return None
    return f"{_site_prefix(site)}{status.st_dev}-{status.st_ino}"


def _site_prefix(site: Path) -> str:
    return "outputs-" + blake2b(str(site.resolve()).encode("utf-8", "surrogatepass"), digest_size=10).hexdigest() + "-"


def read_output_manifest(folder: Path | None, site: Path, tree: Path, key: str) -> OutputManifest | None:
    """The manifest of `tree` (a folder of the output folder `site`), or None when there is none or it cannot be
    read."""
    name = manifest_name(site, tree) if folder is not None else None
    if folder is None or name is None:
        return None
    stored = read_json_store(folder / name, "output manifest", key)
    if not isinstance(stored, dict) or not isinstance(stored.get("files"), dict):
        return None
    records: dict[str, OutputRecord] = {}
    for path, fields in stored["files"].items():
        if (is_output_path(path) and isinstance(fields, list) and len(fields) == 5
                and isinstance(fields[0], str) and isinstance(fields[2], str)
                and all(type(number) is int for number in (fields[1], fields[3], fields[4]))):
            records[path] = OutputRecord(*fields)
    folders = stored.get("folders")
    foreign = stored.get("foreign")
    return OutputManifest(
        tree, records,
        {name: mtime for name, mtime in folders.items() if isinstance(name, str) and type(mtime) is int}
        if isinstance(folders, dict) else None,
        {path: inode for path, inode in foreign.items() if is_output_path(path) and type(inode) is int}
        if isinstance(foreign, dict) else {})


def write_output_manifests(folder: Path | None, site: Path, manifests: list[OutputManifest], key: str) -> None:
    """Keep these manifests (of the site's two folders) for the next build, and drop the site's others."""
    if folder is None:
        return
    kept = set()
    for manifest in manifests:
        name = manifest_name(site, manifest.out_dir)
        if name is None:
            continue
        kept.add(name)
        write_json_store(folder / name, "output manifest", key, {
            "files": {path: [record.key, record.size, record.digest, record.inode, record.mtime_ns]
                      for path, record in manifest.records.items()},
            "folders": manifest.folders, "foreign": manifest.foreign})
    for old in folder.glob(f"{_site_prefix(site)}*"):
        if old.name not in kept and not old.name.startswith("."):
            old.unlink(missing_ok=True)
