"""The build cache of one catalog: what earlier builds worked out, kept to save work, never trusted to be right.

It lives outside the catalog (location.py) and holds data only (store.py): the paper files as they last validated
(papers.py), the catalog's layout, the output manifest of each output folder (manifest.py) and the fragments of
pages (fragments.py). Every value is kept with the key it was made from: the toolchain (toolchain.py: headcat's
code, Python, the installed packages) and a fingerprint of its inputs (fingerprint.py). A value whose key is not
the one the build would make it from is not used; a store that cannot be read is no store. So a cache deleted,
damaged, planted or copied from elsewhere costs at most a full build. A disabled cache (`--no-cache`) reads and
writes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from headcat.cache.fingerprint import Fingerprints
from headcat.cache.fragments import FragmentStore
from headcat.cache.location import catalog_cache_folder
from headcat.cache.manifest import OutputManifest, read_output_manifest, write_output_manifests
from headcat.cache.papers import PaperStore
from headcat.cache.store import read_json_store, replace_file, write_json_store
from headcat.cache.toolchain import toolchain_key

Value = TypeVar("Value")
log = logging.getLogger("headcat")


@dataclass
class BuildCache:
    folder: Path | None
    """The catalog's cache folder; None when the cache is disabled or cannot be used."""
    toolchain: str
    fingerprints: Fingerprints

    @classmethod
    def open(cls, root: Path, enabled: bool = True) -> BuildCache:
        """The cache of the catalog at `root` (made when missing); a disabled one when `enabled` is false or the
        folder cannot be made (then the build says so and works without it)."""
        folder = catalog_cache_folder(root) if enabled else None
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                if not (folder / "catalog.txt").is_file():
                    replace_file(folder / "catalog.txt", f"{root.resolve()}\n".encode("utf-8", "surrogatepass"))
            except OSError as error:
                log.warning("building without the cache: cannot use %s: %s", folder, error.strerror or error)
                folder = None
        return cls(folder, toolchain_key(), Fingerprints())

    @property
    def is_enabled(self) -> bool:
        return self.folder is not None

    def key(self, *parts: object) -> str:
        """The key of a value made from `parts` by this toolchain."""
        return self.fingerprints.key(self.toolchain, *parts)

    def papers(self, taxonomy_key: str) -> PaperStore:
        """The paper store, valid for papers validated against this taxonomy by this toolchain."""
        return PaperStore.open(self.folder, self.key("papers", taxonomy_key))

    def fragments(self) -> FragmentStore:
        return FragmentStore.open(self.folder, self.toolchain)

    def manifest(self, site: Path, tree: Path) -> OutputManifest | None:
        """The manifest of `tree`, one of the two folders of the output folder `site` (write/folder.py)."""
        return read_output_manifest(self.folder, site, tree, self.toolchain)

    def save_manifests(self, site: Path, manifests: list[OutputManifest]) -> None:
        write_output_manifests(self.folder, site, manifests, self.toolchain)

    def remembered(self, name: str, inputs: object, compute: Callable[[], Value],
                   to_data: Callable[[Value], Any], from_data: Callable[[Any], Value]) -> Value:
        """`compute()`, which reads `inputs` alone, or the value an earlier build computed from equal inputs."""
        if self.folder is None:
            return compute()
        stored = self.recall(name, inputs)
        if stored is not None:
            try:
                return from_data(stored)
            except (KeyError, TypeError, ValueError, AttributeError):
                pass  # not what this headcat stores: work it out again
        value = compute()
        self.keep(name, to_data(value), inputs)
        return value

    def recall(self, name: str, *parts: object) -> Any:
        """What `keep` kept under `name` for a value made from `parts` by this toolchain; None when there is none
        (or the cache is disabled)."""
        return read_json_store(self.folder / name, name, self.key(name, *parts)) if self.folder is not None else None

    def keep(self, name: str, value: Any, *parts: object) -> None:
        """Keep `value` (JSON data) under `name`, for a later build that makes it from the same `parts`."""
        if self.folder is None:
            return
        try:
            write_json_store(self.folder / name, name, self.key(name, *parts), value)
        except OSError:
            pass  # kept for a later build when it can be; this one has its value
