"""The load stage: config, taxonomy and paper files in, validated models out (or every problem, located).

This is the only module that sees raw YAML data. It turns each file into a model, translates every validation
error into a `Problem` at the line and column a person must edit, and applies the rules that span files
(one paper, one file). It raises `ProblemsFound` with everything it found, never just the first problem.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from headcat.cache.build_cache import CachedPaperFile, PaperCache, write_paper_cache
from headcat.model.config import Config
from headcat.model.paper import PAPER_ID, Paper, PaperContext
from headcat.process.parallel import in_background, run_in_parallel
from headcat.model.problems import Problem, ProblemsFound, did_you_mean
from headcat.model.taxonomy import Taxonomy, find_taxonomy_conflicts
from headcat.process.timings import timed
from headcat.load.yaml_source import Location, SourceError, compose_yaml, locate, parse_yaml, read_yaml_text, source_text_at

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_config(root: Path) -> Config:
    """`[tool.headcat]` of ROOT/pyproject.toml, or the defaults when there is none."""
    path = root / "pyproject.toml"
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
            message = _describe_error(Config, item, None)
            problems.append(Problem(str(path), line, 1 if line else 0, f"[tool.headcat] {message}"))
        raise ProblemsFound(problems) from None


def load_taxonomy(root: Path) -> Taxonomy:
    """ROOT/taxonomy.yaml as a checked Taxonomy."""
    path = root / "taxonomy.yaml"
    if not path.is_file():
        raise ProblemsFound([Problem(str(path), 0, 0, "not found; a catalog needs its taxonomy.yaml")])
    taxonomy, problems = _load_model(path, Taxonomy)
    if taxonomy is not None:
        conflicts = find_taxonomy_conflicts(taxonomy)
        if conflicts:
            node = compose_yaml(path.read_text(encoding="utf-8-sig"))
            problems += [Problem(str(path), *locate(node, where), message) for where, message in conflicts]
    if problems or taxonomy is None:
        raise ProblemsFound(problems)
    return taxonomy


@dataclass(frozen=True)
class LoadedPapers:
    by_id: dict[str, Paper]
    """Every paper by id (the file stem), sorted by id."""
    source_digests: dict[str, str]
    """A digest of each paper file's text, by paper id: a paper whose file reads the same is the same paper."""


def load_papers(root: Path, taxonomy: Taxonomy, today: date, cache: PaperCache | None = None) -> LoadedPapers:
    """Every ROOT/papers/*.yaml as a Paper.

    With a cache, a file unchanged since it last validated is taken from it; the cache is then brought up to date.
    """
    scan = _scan_papers(root / "papers", PaperContext(taxonomy=taxonomy, today=today), cache)
    papers = {paper_id: scan.fresh[paper_id] if paper_id in scan.fresh else cache.model(f"{paper_id}.yaml")
              for paper_id in scan.ids} if cache else scan.fresh
    if cache is not None:
        if any(paper is None for paper in papers.values()):  # the cached models were lost: validate everything
            return load_papers(root, taxonomy, today, cache=None)
        models = {f"{paper_id}.yaml": paper for paper_id, paper in papers.items()}
        with timed("write the paper cache (in a child process)"):
            in_background(partial(write_paper_cache, cache, scan.cache_entries, models), "write the paper cache")
    return LoadedPapers(papers, {paper_id: scan.cache_entries[f"{paper_id}.yaml"].digest for paper_id in papers})


def check_papers(root: Path, taxonomy: Taxonomy, today: date, cache: PaperCache | None = None) -> int:
    """Validate every paper file and return how many there are; files unchanged since the cache's build are not
    read at all (the cache is only read here: builds write it)."""
    return len(_scan_papers(root / "papers", PaperContext(taxonomy=taxonomy, today=today), cache).ids)


@dataclass(frozen=True)
class _PaperScan:
    ids: tuple[str, ...]
    fresh: dict[str, Paper]
    """The papers that were read and validated in this scan (not taken from the cache)."""
    cache_entries: dict[str, CachedPaperFile]


def _scan_papers(folder: Path, context: PaperContext, cache: PaperCache | None) -> _PaperScan:
    if not folder.is_dir():
        raise ProblemsFound([Problem(str(folder), 0, 0, "not found; paper files go in a papers/ folder")])
    fresh: dict[str, Paper] = {}
    identities: dict[str, tuple[Identity, ...]] = {}
    entries: dict[str, CachedPaperFile] = {}
    problems: list[Problem] = []
    to_read: list[tuple[Path, os.stat_result]] = []
    with os.scandir(folder) as listing:  # names and file types in one call: no Path objects for 10,000 files
        files = sorted(listing, key=lambda file: file.name)
    for file in files:
        stem, _, suffix = file.name.rpartition(".")
        if suffix == "yml":
            problems.append(Problem(file.path, 1, 1, f"paper files end in .yaml; rename it to {stem}.yaml"))
        if suffix != "yaml" or not stem:
            continue
        if not file.is_file():
            problems.append(Problem(file.path, 0, 0, "is not a readable file (a folder, or a link to nothing); "
                                    "a paper is one .yaml file"))
            continue
        if not PAPER_ID.fullmatch(stem):
            suggestion = "-".join(re.findall(r"[a-z0-9]+", stem.lower())) or "a-short-title"
            problems.append(Problem(file.path, 1, 1, f"the file name is the paper id and must be lowercase words "
                                    f"joined by hyphens; rename it to {suggestion}.yaml"))
            continue
        status = file.stat()
        cached = cache.lookup(file.name, status) if cache else None
        if cached is not None:
            identities[stem] = cached.identity
            entries[file.name] = cached
        else:
            identities[stem] = ()  # holds the paper's place in id order until it is validated
            to_read.append((Path(file.path), status))
    # Parsing and validating, on every core; the models come back from helpers in one piece each.
    validated = run_in_parallel(partial(_read_paper, context=context), [path for path, _ in to_read])
    for (path, status), (paper, file_problems, digest, identity) in zip(to_read, validated):
        problems += file_problems
        if paper is None:
            del identities[path.stem]
            continue
        fresh[path.stem] = paper
        identities[path.stem] = identity
        entries[path.name] = CachedPaperFile(status.st_mtime_ns, status.st_size, identities[path.stem], digest)
    problems += _find_duplicate_papers(folder, identities)
    if problems:
        raise ProblemsFound(problems)
    return _PaperScan(ids=tuple(identities), fresh=fresh, cache_entries=entries)


def _load_model(path: Path, model: type[ModelT], context: object = None) -> tuple[ModelT | None, list[Problem]]:
    """Parse and validate one file; problems come back located, never raised one at a time."""
    data, problems, _ = _parse_file(path)
    return _validate(path, data, model, context) if data is not None else (None, problems)


def _read_paper(path: Path, context: PaperContext) -> tuple[Paper | None, list[Problem], str, tuple[Identity, ...]]:
    """A paper file's model, or its located problems; a digest of its text; how the paper is recognised in another
    file (worked out here, on every core)."""
    data, problems, digest = _parse_file(path)
    paper, problems = _validate(path, data, Paper, context) if data is not None else (None, problems)
    return paper, problems, digest, _identity_keys(paper) if paper is not None else ()


def _parse_file(path: Path) -> tuple[dict[str, Any] | None, list[Problem], str]:
    """The mapping at the top of a YAML file, or the problems that keep it from being one; and a digest of the
    file's text (empty when it could not be read)."""
    display = str(path)
    try:
        text = read_yaml_text(path)
        data = parse_yaml(text)
    except SourceError as error:
        return None, [Problem(display, error.line, error.column, error.message)], ""
    except OSError as error:
        return None, [Problem(display, 0, 0, f"cannot read the file: {error.strerror or error}")], ""
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"the value {data!r}"
        return None, [Problem(display, 1, 1, f"expected a mapping of keys and values at the top, found {found}")], ""
    return data, [], hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _validate(path: Path, data: dict[str, Any], model: type[ModelT],
              context: object = None) -> tuple[ModelT | None, list[Problem]]:
    """The model made from a file's parsed data; when it is invalid, each problem located in the file's text (read
    again: only files with problems pay for locating)."""
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as error:
        display = str(path)
        node = compose_yaml(read_yaml_text(path))
        items = _relevant_errors(error.errors(include_url=False), model)
        return None, [_locate_error(display, node, model, item) for item in items]


def _relevant_errors(items: list, model: type[BaseModel]) -> list:
    """Drop errors that only echo another: a list 'too short' because its one item failed, and a missing key
    that an unknown key right beside it misspells (the unknown key's did-you-mean says it all)."""
    failed_items = {tuple(item["loc"][:-1]) for item in items if item["loc"] and isinstance(item["loc"][-1], int)}
    misspelled = {
        (tuple(item["loc"][:-1]), suggestion)
        for item in items if item["type"] == "extra_forbidden"
        for suggestion in [did_you_mean(str(item["loc"][-1]), _keys_at(model, tuple(item["loc"][:-1])))]
        if suggestion
    }
    kept = []
    for item in items:
        location = tuple(item["loc"])
        if item["type"] == "too_short" and location in failed_items:
            continue
        if item["type"] == "missing" and (location[:-1], f" (did you mean '{location[-1]}'?)") in misspelled:
            continue
        kept.append(item)
    return kept


def _locate_error(display: str, node: object, model: type[BaseModel], item: dict) -> Problem:
    location: Location = tuple(item["loc"]) + _item_index(item)
    if item["type"] == "extra_forbidden":
        line, column = locate(node, location, at_key=True)
    elif item["type"] == "missing":
        line, column = locate(node, location[:-1], at_key=True) if len(location) > 1 else (1, 1)
    else:
        line, column = locate(node, location)
    return Problem(display, line, column, _describe_error(model, item, node))


def _describe_error(model: type[BaseModel], item: dict, node: object) -> str:
    """A person's message for one pydantic error: the field, what is wrong with the value, and the fix."""
    location: Location = tuple(item["loc"]) + _item_index(item)
    field = _field_path(location)
    kind, value, context = item["type"], item.get("input"), item.get("ctx") or {}
    if kind == "extra_forbidden":
        parent = _field_path(location[:-1])
        hint = did_you_mean(str(location[-1]), _keys_at(model, location[:-1]))
        return f"{parent + ': ' if parent else ''}unknown key '{location[-1]}'{hint}"
    if kind == "missing":
        parent = _field_path(location[:-1])
        return f"{parent + ': ' if parent else ''}missing required key '{location[-1]}'"
    if kind == "arxiv_number" and node is not None:
        written = source_text_at(node, location) or str(value)
        message = f"{written} was read as a number; write the arXiv id in quotes: arxiv: \"{written}\""
    elif kind == "string_type":
        message = f"expected text, got {_describe_value(value)}"
    elif kind in ("tuple_type", "list_type"):
        example = f"; write it as a list: {location[-1]}: [{value}]" if isinstance(value, str) else ""
        message = f"expected a list, got {_describe_value(value)}{example}"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        message = f"expected a mapping of keys and values, got {_describe_value(value)}"
    elif kind == "string_too_short":
        message = "is empty; write a value or remove the key"
    elif kind == "string_too_long":
        message = f"is {len(str(value))} characters long; at most {context.get('max_length')} are allowed"
    elif kind == "too_short":
        message = "is empty; list at least one"
    else:
        message = item["msg"][0].lower() + item["msg"][1:] if item["msg"] else kind
        if kind.startswith(("literal_", "string_pattern")):
            message += f", got {_describe_value(value)}"
    return f"{field}: {message}" if field else message


def _item_index(item: dict) -> Location:
    """A rule about one list item that is checked on the whole list says which item in its context."""
    index = (item.get("ctx") or {}).get("item_index")
    return (index,) if isinstance(index, int) else ()


def _describe_value(value: object) -> str:
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"'{value}'"


def _field_path(location: Iterable[str | int]) -> str:
    path = ""
    for step in location:
        path += f"[{step}]" if isinstance(step, int) else (f".{step}" if path else str(step))
    return path


def _keys_at(model: type[BaseModel], location: Location) -> list[str]:
    """The keys a mapping at `location` may hold, for did-you-mean hints."""
    current: object = model
    for step in location:
        if isinstance(step, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or step not in current.model_fields:
            return []
        current = current.model_fields[step].annotation
        current = _innermost_model(current)
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _innermost_model(annotation: object) -> object:
    """`Links | None` and `tuple[Stage, ...]` both lead to the model inside."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _innermost_model(argument)
        if isinstance(found, type) and issubclass(found, BaseModel):
            return found
    return annotation


def _find_duplicate_papers(folder: Path, identities: dict[str, tuple[Identity, ...]]) -> list[Problem]:
    """Two files for one paper (same arXiv id, DOI or title): a problem in the later file naming the first."""
    first_by_key: dict[tuple[str, str], tuple[str, Location]] = {}
    clashes: list[tuple[str, Location, str, Location, str]] = []
    for paper_id, keys in identities.items():
        for key, location, label in keys:
            first = first_by_key.setdefault(key, (paper_id, location))
            if first[0] != paper_id:
                clashes.append((paper_id, location, first[0], first[1], label))
    problems = []
    nodes: dict[str, object] = {}
    for paper_id, location, first_id, first_location, label in clashes:
        for some_id in (paper_id, first_id):
            nodes.setdefault(some_id, compose_yaml((folder / f"{some_id}.yaml").read_text(encoding="utf-8-sig")))
        first_line, first_column = locate(nodes[first_id], first_location)
        first_place = f"{folder / first_id}.yaml:{first_line}:{first_column}"
        message = f"{_field_path(location)}: {label} as {first_place}; both files describe one paper: keep one"
        problems.append(Problem(str(folder / f"{paper_id}.yaml"), *locate(nodes[paper_id], location), message))
    return problems


ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:v\d+)?(?:\.pdf)?/?$", re.IGNORECASE)
"""An arXiv abstract or PDF address; group 1 is the id without its version."""


def title_key(title: str) -> str:
    """How titles are compared to find one paper in two files: case, spacing and punctuation do not count."""
    return re.sub(r"[\W_]+", "", title.casefold())


@dataclass(frozen=True)
class CatalogIdentities:
    """Which file holds which paper, by arXiv id and by title key; for refusing to add a paper twice."""

    path_by_arxiv: dict[str, Path]
    path_by_title: dict[str, Path]


def read_catalog_identities(folder: Path) -> CatalogIdentities:
    """The arXiv ids (from `arxiv:` or an arxiv.org link) and titles of every paper file that can be read.

    Lenient on purpose: a broken file elsewhere in the catalog is `headcat check`'s business, not a reason to
    refuse adding a new one.
    """
    path_by_arxiv: dict[str, Path] = {}
    path_by_title: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = parse_yaml(read_yaml_text(path))
        except (SourceError, OSError):
            continue
        if not isinstance(data, dict):
            continue
        links = data.get("links") if isinstance(data.get("links"), dict) else {}
        from_link = ARXIV_URL.search(str(links.get("paper") or "").strip())
        for arxiv_id in (data.get("arxiv"), from_link.group(1) if from_link else None):
            if isinstance(arxiv_id, (str, int, float)) and not isinstance(arxiv_id, bool):
                path_by_arxiv.setdefault(str(arxiv_id).strip(), path)
        if isinstance(data.get("title"), str):
            path_by_title.setdefault(title_key(data["title"]), path)
    return CatalogIdentities(path_by_arxiv, path_by_title)


Identity = tuple[tuple[str, str], Location, str]
"""One way to recognise a paper: (kind, value), where the file states it, and how to name it in a message."""


def _identity_keys(paper: Paper) -> tuple[Identity, ...]:
    keys: list[Identity] = []
    arxiv_from_link = ARXIV_URL.search(paper.links.paper or "")
    if paper.arxiv:
        keys.append((("arxiv", paper.arxiv), ("arxiv",), f"the same arXiv id '{paper.arxiv}'"))
    elif arxiv_from_link:
        arxiv = arxiv_from_link.group(1)
        keys.append((("arxiv", arxiv), ("links", "paper"), f"the same arXiv id '{arxiv}'"))
    if paper.doi:
        keys.append((("doi", paper.doi.casefold()), ("doi",), f"the same DOI '{paper.doi}'"))
    keys.append((("title", title_key(paper.title)), ("title",), "the same title (ignoring case, spaces and punctuation)"))
    return tuple(keys)


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
