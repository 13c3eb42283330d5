"""Loading the settings (load stage): `[tool.headcat]` of pyproject.toml and the taxonomy, validated and located.

Both are read before any paper: validating a paper needs the taxonomy, and their problems are reported together.
Either file may be a link only as a paper file may (papers.py: `link_problem`): to a file inside the catalog.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from headcat.load.errors import describe_error, load_model
from headcat.load.papers import link_problem
from headcat.load.yaml_source import compose_yaml, locate
from headcat.model.config import Config
from headcat.model.problems import Problem, ProblemsFound
from headcat.model.taxonomy import Taxonomy, find_taxonomy_conflicts


@dataclass(frozen=True)
class Settings:
    """What every paper and output is read and made with: the site settings and the taxonomy."""

    config: Config
    taxonomy: Taxonomy


def load_settings(root: Path) -> Settings:
    """ROOT's settings and taxonomy; the problems of both are reported together, before any paper is read."""
    problems: list[Problem] = []
    config = taxonomy = None
    try:
        config = load_config(root)
    except ProblemsFound as found:
        problems += found.problems
    try:
        taxonomy = load_taxonomy(root)
    except ProblemsFound as found:
        problems += found.problems
    if problems or config is None or taxonomy is None:
        raise ProblemsFound(problems)
    return Settings(config, taxonomy)


def load_config(root: Path) -> Config:
    """`[tool.headcat]` of ROOT/pyproject.toml, or the defaults when there is none."""
    path = root / "pyproject.toml"
    _refuse_link_out(path, root)
    if not path.is_file():
        return Config()
    text = path.read_text(encoding="utf-8")
    try:
        settings = tomllib.loads(text).get("tool", {}).get("headcat", {})
    except tomllib.TOMLDecodeError as error:
        line, column = _toml_position(str(error))
        raise ProblemsFound([Problem(str(path), line, column, f"invalid TOML: {error}")]) from None
    try:
        return Config.model_validate(settings)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            key = str(item["loc"][0]) if item["loc"] else ""
            line = _toml_key_line(text, key)
            message = describe_error(Config, item, None)
            problems.append(Problem(str(path), line, 1 if line else 0, f"[tool.headcat] {message}"))
        raise ProblemsFound(problems) from None


def load_taxonomy(root: Path) -> Taxonomy:
    """ROOT/taxonomy.yaml as a checked Taxonomy."""
    path = root / "taxonomy.yaml"
    _refuse_link_out(path, root)
    if not path.is_file():
        raise ProblemsFound([Problem(str(path), 0, 0, "not found; a catalog needs its taxonomy.yaml")])
    taxonomy, problems = load_model(path, Taxonomy)
    if taxonomy is not None:
        conflicts = find_taxonomy_conflicts(taxonomy)
        if conflicts:
            node = compose_yaml(path.read_text(encoding="utf-8-sig"))
            problems += [Problem(str(path), *locate(node, where), message) for where, message in conflicts]
    if problems or taxonomy is None:
        raise ProblemsFound(problems)
    return taxonomy


def _refuse_link_out(path: Path, root: Path) -> None:
    """Raise the problem of `path` when it is a link that leads out of the catalog, to nothing or in a loop."""
    if path.is_symlink():
        problem = link_problem(path, root, f"{path.name} must be a file inside the catalog; replace the link "
                               f"with the file")
        if problem is not None:
            raise ProblemsFound([problem])


def _toml_position(message: str) -> tuple[int, int]:
    found = re.search(r"line (\d+), column (\d+)", message)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def _toml_key_line(text: str, key: str) -> int:
    """The line of `key = ...` inside [tool.headcat] (tomllib keeps no positions)."""
    in_section = False
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            in_section = stripped == "[tool.headcat]"
            if in_section and not key:
                return number
        elif in_section and re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return 0
