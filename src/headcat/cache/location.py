"""Where the build cache lives: in the user's cache folder, never inside the catalog.

A catalog folder comes from anywhere (a contributor's branch, a download), so nothing in it is read as cache: a
`.headcat-cache/` committed to a branch is an ordinary folder that no command opens. The cache of each catalog is a
folder of its own under the user's cache folder, as Hugo's and pip's are: `$HEADCAT_CACHE_DIR` when set (CI can
point it at a folder it keeps between runs), else `$XDG_CACHE_HOME/headcat`, else the platform's cache folder
(`~/.cache/headcat` on Linux). It is safe to delete at any time: the next build is then a full one.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

CACHE_DIR_VARIABLE = "HEADCAT_CACHE_DIR"
LEGACY_CACHE_DIR_NAME = ".headcat-cache"
"""Where headcat 0.1 kept its cache, inside the catalog; never read (see above)."""


def cache_home() -> Path:
    """The folder that holds every catalog's cache."""
    chosen = os.environ.get(CACHE_DIR_VARIABLE)
    if chosen:
        return Path(chosen).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "headcat"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "headcat"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "headcat" / "Cache"
    return Path.home() / ".cache" / "headcat"


def catalog_cache_folder(root: Path) -> Path:
    """The cache folder of the catalog at `root`: named by a digest of the catalog's absolute path, so that two
    catalogs (or two checkouts of one) never share a cache."""
    where = str(root.resolve())
    return cache_home() / "catalogs" / hashlib.blake2b(where.encode("utf-8", "surrogatepass"),
                                                      digest_size=10).hexdigest()
