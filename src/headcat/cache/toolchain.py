"""What every cached value depends on besides its own inputs: headcat's code, Python and the installed packages.

The key is a digest of every file of the headcat package as it is on disk (so an editable install that was edited
counts as another headcat, not only a new version number), Python's version, and the name and version of every
package installed beside it (Jinja, pydantic, feedgen, the stemmer...), read from their metadata folders' names.
Working it out reads about forty small files: a few milliseconds.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import cache
from pathlib import Path

import headcat

CACHE_FORMAT = 8
"""Raised when what the cache stores changes shape in a way the code digest would not show (it always does)."""


@cache
def toolchain_key() -> str:
    """A digest of headcat's code, the cache format, Python and the installed packages."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (str(CACHE_FORMAT), sys.version, sys.implementation.cache_tag or "", code_digest(),
                 *installed_packages()):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def code_digest(package: Path | None = None) -> str:
    """A digest of every file of the package's folder (its modules and any data shipped with them), by path."""
    top = package or Path(headcat.__file__).parent
    digest = hashlib.blake2b(digest_size=16)
    for folder, folders, files in os.walk(top):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(folder, name)
            digest.update(path.relative_to(top).as_posix().encode("utf-8", "surrogatepass") + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def installed_packages() -> list[str]:
    """The metadata folders of the packages Python can import ('Jinja2-3.1.6.dist-info', ...), sorted: each names a
    package and its version."""
    names: set[str] = set()
    for entry in sys.path:
        try:
            with os.scandir(entry or ".") as listing:
                names.update(item.name for item in listing if item.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue  # a zip file, or a folder that is not there
    return sorted(names)


def folder_digest(folder: Path) -> str:
    """A digest of every file below `folder` (names and bytes, in sorted order): the templates, say. A link is
    digested as where it leads, never followed: what it leads to inside the folder is digested as itself, and
    nothing outside is read (the render stage refuses such links)."""
    digest = hashlib.blake2b(digest_size=16)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            name = path.relative_to(folder).as_posix().encode("utf-8", "surrogatepass")
            if path.is_symlink():
                digest.update(name + b"\0->" + os.fsencode(path.readlink()) + b"\0")
            elif path.is_file():
                digest.update(name + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
