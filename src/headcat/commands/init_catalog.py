"""`headcat init [DIR]`: a new catalog that passes `headcat check` and `headcat build` at once.

Writes the files of headcat/starter/ (settings, a small taxonomy, one example paper, README.md with the table's
markers, CONTRIBUTING.md, the GitHub workflows, Dependabot, an issue form, .gitignore and a pinned requirements.txt),
with the catalog's title and description put in; then every generated file among them (README.md's table,
CONTRIBUTING.md's field reference, the editor schema, the issue forms), as `headcat readme` writes them. It asks
nothing and never overwrites a file: a folder that already holds one of them is refused before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from headcat import __version__
from headcat.model.problems import Problem, ProblemsFound
from headcat.pipeline import plan_documents
from headcat.write.documents import write_readme

STARTER = Path(__file__).resolve().parent.parent / "starter"
"""The files of a new catalog, as package data (pyproject.toml lists them)."""

HIDDEN_NAMES = {"github": ".github", "gitignore": ".gitignore"}
"""Starter files kept under a visible name in the package (tools that pack it may leave hidden files out), and
the name each has in the catalog."""


@dataclass(frozen=True)
class NewCatalog:
    title: str
    description: str


def starter_files(catalog: NewCatalog, today: date) -> dict[str, str]:
    """Each file of the new catalog (its path in the catalog, '/'-separated) with its text."""
    values = {"@TITLE@": catalog.title, "@DESCRIPTION@": catalog.description, "@TODAY@": today.isoformat(),
              "@VERSION@": __version__}
    files = {}
    for path in sorted(STARTER.rglob("*")):
        if not path.is_file():
            continue
        parts = path.relative_to(STARTER).parts
        target = "/".join((HIDDEN_NAMES.get(parts[0], parts[0]), *parts[1:]))
        text = path.read_text(encoding="utf-8")
        for marker, value in values.items():
            written = _toml_string(value)[1:-1] if target == "pyproject.toml" else value
            text = text.replace(marker, written)
        files[target] = text
    return files


def _toml_string(value: str) -> str:
    """A TOML basic string of `value`: JSON's escapes are TOML's (quotes, backslashes, control characters)."""
    return json.dumps(value, ensure_ascii=False)


def init_catalog(root: Path, catalog: NewCatalog, today: date) -> list[Path]:
    """Write a new catalog into `root` (made when missing); the paths written, in order. Raises ProblemsFound,
    writing nothing, when a file it would write is there already."""
    files = starter_files(catalog, today)
    taken = [Problem(str(root / path), 0, 0, "is there already; headcat init never overwrites a file: start the "
                                             "catalog in an empty folder, or move the file away")
             for path in files if (root / path).exists() or (root / path).is_symlink()]
    if taken:
        raise ProblemsFound(taken)
    written = []
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    _, updates = plan_documents(root, today)
    for update in updates:
        if update.is_stale:
            write_readme(update)
    return written
