"""Output files and the write stage: the only code that touches the output folder.

Renderers return `OutputFile` values in memory. `write_outputs` writes them all into a fresh folder beside the
target and swaps it in at the end, so a build that fails at any point leaves the previous output as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class OutputFile:
    """One file of the output: a relative POSIX path (e.g. 'papers/x/index.html') and its bytes."""

    path: str
    content: bytes

    def __post_init__(self) -> None:
        parts = PurePosixPath(self.path).parts
        if not parts or self.path.startswith("/") or ".." in parts or "\\" in self.path:
            raise ValueError(f"output path must be relative and inside the output folder: {self.path!r}")


class DuplicateOutputError(ValueError):
    """Two renderers produced the same output path: a bug, never silently resolved by overwriting."""


def write_outputs(out_dir: Path, files: Iterable[OutputFile]) -> int:
    """Replace `out_dir` with exactly these files; returns how many were written."""
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.new-", dir=out_dir.parent))
    try:
        count = _write_all(staging, files)
        _swap_in(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def _write_all(folder: Path, files: Iterable[OutputFile]) -> int:
    written: set[str] = set()
    for output in files:
        if output.path in written:
            raise DuplicateOutputError(f"two outputs would be written to {output.path}")
        written.add(output.path)
        target = folder / output.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(output.content)
    return len(written)


def _swap_in(staging: Path, out_dir: Path) -> None:
    """Two renames: the old output moves aside, the new one takes its place, then the old one is deleted."""
    os.chmod(staging, 0o755)  # mkdtemp makes the folder private; a published site is readable
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    retired.rmdir()
    out_dir.rename(retired)
    try:
        staging.rename(out_dir)
    except BaseException:
        retired.rename(out_dir)
        raise
    shutil.rmtree(retired, ignore_errors=True)
