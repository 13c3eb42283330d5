"""The output manifest: the files the previous build wrote into one output folder, and what each was made from.

For each file: the key it was rendered from, its size and digest, and its inode and modification time once
written. A later build keeps a file, without rendering or writing it, only when its key is the one it would render
from and the file is still the one written (same inode, size and modification time: a file edited, replaced or
copied in since is rendered again).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
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
    """The output files of the previous build into one folder, with the key each was rendered from."""

    out_dir: Path
    records: dict[str, OutputRecord] = field(default_factory=dict)

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


def manifest_name(out_dir: Path) -> str:
    from hashlib import blake2b

    return "outputs-" + blake2b(str(out_dir.resolve()).encode("utf-8", "surrogatepass"), digest_size=10).hexdigest()


def read_output_manifest(folder: Path | None, out_dir: Path, key: str) -> OutputManifest:
    """The manifest of `out_dir`, or an empty one (nothing reused) when there is none or the folder is gone."""
    if folder is None or not out_dir.is_dir():
        return OutputManifest(out_dir)
    stored = read_json_store(folder / manifest_name(out_dir), "output manifest", key)
    records: dict[str, OutputRecord] = {}
    if isinstance(stored, dict):
        for path, fields in stored.items():
            if (is_output_path(path) and isinstance(fields, list) and len(fields) == 5
                    and isinstance(fields[0], str) and isinstance(fields[2], str)
                    and all(type(number) is int for number in (fields[1], fields[3], fields[4]))):
                records[path] = OutputRecord(*fields)
    return OutputManifest(out_dir, records)


def write_output_manifest(folder: Path | None, manifest: OutputManifest, key: str) -> None:
    if folder is None:
        return
    write_json_store(folder / manifest_name(manifest.out_dir), "output manifest", key,
                     {path: [record.key, record.size, record.digest, record.inode, record.mtime_ns]
                      for path, record in manifest.records.items()})
