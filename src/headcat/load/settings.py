"""Loading the settings (load stage): `[tool.headcat]` of pyproject.toml and the taxonomy, validated and located.

Both are read before any paper: validating a paper needs the taxonomy, and their problems are reported together.
Either file may be a link only as a paper file may (papers.py: `link_problem`): to a file inside the catalog.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from headcat.load.errors import describe_error, describe_value, load_model
from headcat.load.yaml_source import compose_yaml, locate
from headcat.model.config import Config
from headcat.model.problems import Problem, ProblemsFound, cannot_read, link_problem
from headcat.model.taxonomy import Taxonomy, find_taxonomy_conflicts


@dataclass(frozen=True)
class Settings:
    """What every paper and output is read and made with: the site settings and the taxonomy."""

    config: Config
    taxonomy: Taxonomy


SETTING_VARIABLES = {"base_url": "HEADCAT_BASE_URL", "repository": "HEADCAT_REPOSITORY"}
"""Settings a build may be given from outside, each by an option (--base-url, --repository) or by its environment
variable, in place of the settings' own: a deploy workflow knows where the site goes and which repository it is
built from; the catalog's settings need not."""


def load_settings(root: Path, overrides: Mapping[str, str] | None = None) -> Settings:
    """ROOT's settings and taxonomy; the problems of both are reported together, before any paper is read.
    `overrides` replace settings (SETTING_VARIABLES: the published address, the repository)."""
    problems: list[Problem] = []
    config = taxonomy = None
    try:
        config = load_config(root)
        if overrides:
            config = _overridden(config, overrides)
    except ProblemsFound as found:
        problems += found.problems
    try:
        taxonomy = load_taxonomy(root)
    except ProblemsFound as found:
        problems += found.problems
    if problems or config is None or taxonomy is None:
        raise ProblemsFound(problems)
    return Settings(config, taxonomy)


def _overridden(config: Config, overrides: Mapping[str, str]) -> Config:
    """The settings with the given ones replaced; a value that is not a web address is a problem of the option."""
    values = {key: value.strip() for key, value in overrides.items() if value.strip()}
    if values.get("base_url") and not values["base_url"].endswith("/"):
        values["base_url"] += "/"  # the address of a folder
    problems = []
    for key, value in values.items():
        try:
            Config.model_validate({key: value})
        except ValidationError as error:
            reason = error.errors()[0]["msg"].removeprefix("Value error, ")
            option = "--" + key.replace("_", "-")
            problems.append(Problem(f"{option} (or {SETTING_VARIABLES[key]})", 0, 0, f"{value!r}: {reason}"))
    if problems:
        raise ProblemsFound(problems)
    return config.model_copy(update=values)


def load_config(root: Path) -> Config:
    """`[tool.headcat]` of ROOT/pyproject.toml, or the defaults when there is none."""
    path = root / "pyproject.toml"
    _refuse_link_out(path, root)
    display = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:  # (a link to nothing was refused above)
        return Config()
    except OSError as error:  # a folder of that name, or a file headcat may not read
        raise ProblemsFound([cannot_read(display, error)]) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        message = f"byte 0x{data[error.start]:02x} is not valid UTF-8; save the file as UTF-8"
        raise ProblemsFound([Problem(display, line, column, message)]) from None
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        line, column = _toml_position(str(error))
        raise ProblemsFound([Problem(display, line, column, f"invalid TOML: {error}")]) from None
    if not isinstance(tool, dict):
        line = _toml_line(text, r"(\[\s*)?tool\s*[=\].]")
        raise ProblemsFound([Problem(display, line, 1 if line else 0, f"tool: expected a table, got "
                                     f"{describe_value(tool)}; headcat's settings go under [tool.headcat]")])
    settings = tool.get("headcat", {})
    try:
        return Config.model_validate(settings)
    except ValidationError as error:
        problems = []
        for item in error.errors(include_url=False):
            key = str(item["loc"][0]) if item["loc"] else ""
            line = _toml_key_line(text, key) or (0 if key else _toml_line(text, r"(tool\s*\.\s*)?headcat\s*="))
            message = describe_error(Config, item, None)
            problems.append(Problem(display, line, 1 if line else 0, f"[tool.headcat] {message}"))
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


def _toml_line(text: str, key_pattern: str) -> int:
    """The first line that starts with `key_pattern` (a regular expression), or 0."""
    found = re.search(rf"^[ \t]*{key_pattern}", text, flags=re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 0


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
