"""The output folder (write stage): which folders headcat may write, one build at a time, and the atomic switch.

Rules a build keeps:
- **It writes only a folder it owns.** A folder that exists, is not empty and holds no `.headcat-output` list (the
  files headcat wrote there) is refused, as are the catalog itself, a folder above it, its papers/ and templates/
  folders, a file and a link. Inside a folder it owns, headcat deletes or replaces only the files on that list:
  anything else (a CNAME, a .nojekyll) is kept in every build.
- **A reader sees the old site or the new one, never a mix.** The next site is made in a second folder beside the
  output (`.NAME.headcat-spare`: the site before the last build, brought up to date), then the two folders are
  exchanged in one step (Linux's renameat2 with RENAME_EXCHANGE; elsewhere two renames, and a build killed between
  them is repaired by the next one). A build killed at any moment leaves the published folder as it was.
- **One build at a time.** A build holds a lock beside the output folder (`.NAME.headcat-lock`) while it runs; a
  second build of the same folder waits for it. What a killed build left (a half-made folder) is removed by the next.
"""

from __future__ import annotations

import ctypes
import errno
import logging
import os
import shutil
import sys
from collections.abc import Container, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("headcat")

OWNED_LIST = ".headcat-output"
"""The list of the files headcat wrote in an output folder, one path per line after a comment line."""
UPDATING = ".headcat-updating"
"""Present in the spare folder while a build changes it: a build killed then leaves it, and the next build knows
the spare folder's contents are not what the build cache says."""
_LIST_HEADER = "# headcat wrote the files listed below; it never deletes or replaces any other file of this folder\n"


class OutputFolderRefused(Exception):
    """The output folder given cannot be written without losing files headcat did not write: a usage error."""


@dataclass(frozen=True)
class OutputFolder:
    """An output folder and the folders beside it that its builds use."""

    site: Path
    """Where the site is published (--out)."""

    @property
    def spare(self) -> Path:
        return self.site.with_name(f".{self.site.name}.headcat-spare")

    @property
    def lock(self) -> Path:
        return self.site.with_name(f".{self.site.name}.headcat-lock")

    @property
    def swap(self) -> Path:
        """Where the published folder waits during an exchange made of two renames."""
        return self.site.with_name(f".{self.site.name}.headcat-swap")

    def new_tree(self) -> Path:
        return self.site.with_name(f".{self.site.name}.headcat-new-{os.getpid()}")

    def retired_tree(self) -> Path:
        return self.site.with_name(f".{self.site.name}.headcat-old-{os.getpid()}")

    def leftovers(self) -> list[Path]:
        """What killed builds left beside the output: half-made folders (this headcat's, and headcat 0.1's staging
        folders, `.NAME.new-*` and `.NAME.old-*`)."""
        name = self.site.name
        patterns = [f".{name}.headcat-new-*", f".{name}.headcat-old-*", f".{name}.new-*", f".{name}.old-*"]
        return sorted(path for pattern in patterns for path in self.site.parent.glob(pattern))


def check_output_folder(site: Path, root: Path) -> None:
    """Refuse an output folder that would make a build lose files headcat did not write; raises
    OutputFolderRefused with what to do instead."""
    where = site.absolute()
    resolved, catalog = site.resolve(), root.resolve()
    if resolved == catalog or resolved in catalog.parents:
        raise OutputFolderRefused(f"{where}: the output folder cannot be the catalog or a folder that holds it; "
                                  "build into a folder of its own, such as ROOT/site")
    for source in ("papers", "templates"):
        inputs = catalog / source
        if resolved == inputs or inputs in resolved.parents:
            raise OutputFolderRefused(f"{where}: the output folder cannot be in the catalog's {source}/ folder; "
                                      "build into a folder of its own, such as ROOT/site")
    if site.is_symlink():
        raise OutputFolderRefused(f"{where}: is a link; give the folder itself as --out")
    if site.exists() and not site.is_dir():
        raise OutputFolderRefused(f"{where}: is a file, not a folder; choose a folder for the site with --out")
    if site.is_dir() and not (site / OWNED_LIST).is_file() and any(site.iterdir()):
        raise OutputFolderRefused(f"{where}: holds files headcat did not write (it has no {OWNED_LIST} list); "
                                  "build into an empty or new folder, or move those files away first")


@contextmanager
def locked(folder: OutputFolder) -> Iterator[None]:
    """Hold the output folder's lock while the block runs; wait for another build that holds it."""
    folder.site.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.lock, "a+b") as lock:
        try:
            import fcntl
        except ImportError:  # not Unix: builds of one folder are not kept apart
            yield
            return
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("waiting for another build of %s to finish", folder.site)
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        _held_locks.add(lock.fileno())
        try:
            yield
        finally:
            _held_locks.discard(lock.fileno())
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


_held_locks: set[int] = set()
"""The descriptors of the locks this process holds. A lock belongs to the open file, which a forked child shares:
children close their copies (below), so that one left running when its build is killed cannot hold the lock."""


def _close_held_locks() -> None:
    for descriptor in _held_locks:
        try:
            os.close(descriptor)
        except OSError:
            continue
    _held_locks.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_locks)


def repair(folder: OutputFolder) -> None:
    """Put right what a killed build left, under the lock: a published folder still waiting in the middle of a
    two-rename exchange is put back, and half-made folders are removed."""
    if folder.swap.is_dir() and not folder.site.exists():
        folder.swap.rename(folder.site)
    for leftover in folder.leftovers():
        remove_tree(leftover)


def read_owned(tree: Path) -> set[str] | None:
    """The files headcat wrote in `tree` (its list), or None when the folder has no list."""
    try:
        text = (tree / OWNED_LIST).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return {line for line in text.split("\n")[1:] if line}


def write_owned(tree: Path, paths: list[str]) -> None:
    """Write `tree`'s list of the files headcat wrote (sorted: the same files give the same bytes)."""
    (tree / OWNED_LIST).write_text(_LIST_HEADER + "".join(f"{path}\n" for path in sorted(paths)), encoding="utf-8")


def remove_tree(path: Path) -> None:
    """Delete a folder of headcat's own (a spare, a half-made or retired folder), or a file left at its name."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def exchange(new: Path, site: Path, swap: Path) -> None:
    """Make `new` the published folder `site` in one step, and the previous `site` (if any) `new`."""
    if not site.exists():
        new.rename(site)
        return
    if _rename_exchange(new, site):
        return
    site.rename(swap)  # two renames: a build killed between them leaves `swap`, which the next build puts back
    new.rename(site)
    swap.rename(new)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _rename_exchange(first: Path, second: Path) -> bool:
    """Exchange two paths atomically (Linux 3.15 and later, on most file systems); False where that cannot be
    done, so the caller falls back to renames."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):  # a C library without renameat2 (glibc before 2.28, musl)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # a kernel or file system that cannot: renames do it
    raise OSError(error, os.strerror(error), str(second))


def foreign_files(tree: Path, owned: set[str], folders: dict[str, int] | None,
                  recorded: dict[str, int]) -> dict[str, int]:
    """The files of `tree` headcat did not write (not on its list), each with its inode. With `folders` (each folder
    of the tree as the last build left it, with its modification time) and what that build found (`recorded`),
    only the folders whose time changed since are listed again: a file added, removed or replaced changes its
    folder's time (one edited in place keeps its inode, which the next folder shares)."""
    found: dict[str, int] = {}
    if folders is None:
        _list_foreign(tree, "", owned, (), found)  # every folder, walked whole
        return found
    changed = set()
    for folder, mtime in folders.items():
        try:
            if os.stat(f"{tree}/{folder}" if folder else str(tree)).st_mtime_ns != mtime:
                changed.add(folder)
        except OSError:
            changed.add(folder)  # gone, or unreadable: what it held is not kept from the record
    found.update((path, inode) for path, inode in recorded.items()
                 if path.rpartition("/")[0] in folders and path.rpartition("/")[0] not in changed)
    for folder in changed:
        _list_foreign(tree, folder, owned, folders, found)
    return found


def _list_foreign(tree: Path, folder: str, owned: set[str], listed: Container[str], found: dict[str, int]) -> None:
    """The foreign entries of one folder: files not on the list, and its subfolders walked whole except those in
    `listed` (the folders headcat made, which are listed on their own when their time changed)."""
    try:
        entries = list(os.scandir(f"{tree}/{folder}" if folder else tree))
    except OSError:
        return
    for entry in entries:
        path = f"{folder}/{entry.name}" if folder else entry.name
        if entry.is_dir(follow_symlinks=False):
            if path not in listed:
                _list_foreign(tree, path, owned, listed, found)
        elif path not in owned and path not in (OWNED_LIST, UPDATING):
            found[path] = entry.inode()


def folder_times(tree: Path, folders: set[str]) -> dict[str, int]:
    """Each of these folders of `tree` with its modification time (for `foreign_files` in the next build)."""
    times = {}
    for folder in folders:
        try:
            times[folder] = os.stat(f"{tree}/{folder}" if folder else str(tree)).st_mtime_ns
        except OSError:
            continue
    return times


def folders_of(paths: set[str] | list[str]) -> set[str]:
    """Every folder that holds one of these paths, the top folder ('') included."""
    folders = {""}
    for path in paths:
        parts = path.split("/")[:-1]
        for end in range(1, len(parts) + 1):
            folders.add("/".join(parts[:end]))
    return folders
