"""Reading one YAML file into a model, and saying what is wrong with it where a person must edit (load stage).

Every pydantic validation error becomes a `Problem` at the line and column of the value (or key) to fix, with a
message that names the field, what is wrong and how to fix it. Only files with problems pay for locating, in time
linear in their size; a file with more than MAX_PROBLEMS_PER_FILE problems has only its first ones described.
"""

from __future__ import annotations

import difflib
import heapq
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.nodes import Node

from headcat.load.yaml_source import (
    Location,
    NodeIndex,
    SourceError,
    compose_yaml,
    parse_yaml,
    read_yaml_text,
    source_text_at,
)
from headcat.model.fields import TEXT_PATTERN, xml_incompatible_character
from headcat.model.problems import (
    DID_YOU_MEAN_CUTOFF,
    MAX_PROBLEMS_PER_FILE,
    Problem,
    cannot_read,
    did_you_mean,
    more_problems,
)

ModelT = TypeVar("ModelT", bound=BaseModel)


def load_model(path: Path, model: type[ModelT], context: object = None) -> tuple[ModelT | None, list[Problem]]:
    """Parse and validate one file; problems come back located, never raised one at a time."""
    data, problems = parse_file(path)
    return validate(path, data, model, context) if data is not None else (None, problems)


def parse_file(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The mapping at the top of a YAML file, or the problems that keep it from being one."""
    display = str(path)
    try:
        text = read_yaml_text(path)
        data = parse_yaml(text)
    except SourceError as error:
        return None, [Problem(display, error.line, error.column, error.message)]
    except OSError as error:
        return None, [cannot_read(display, error)]
    if not isinstance(data, dict):
        found = "a list" if isinstance(data, list) else f"the value {data!r}"
        return None, [Problem(display, 1, 1, f"expected a mapping of keys and values at the top, found {found}")]
    return data, []


def validate(path: Path, data: dict[str, Any], model: type[ModelT],
              context: object = None) -> tuple[ModelT | None, list[Problem]]:
    """The model made from a file's parsed data; when it is invalid, each problem located in the file's text (read
    again: only files with problems pay for locating)."""
    try:
        return model.model_validate(data, context=context), []
    except ValidationError as error:
        return None, _locate_errors(path, model, error)


def _locate_errors(path: Path, model: type[BaseModel], error: ValidationError) -> list[Problem]:
    """The first MAX_PROBLEMS_PER_FILE problems by position, described, and one line counting the others: a list
    of 400,000 wrong items is located in linear time and described in 20 lines."""
    display = str(path)
    try:
        index: NodeIndex | None = NodeIndex(compose_yaml(read_yaml_text(path)))
    except (OSError, SourceError):  # changed or removed since it was read a moment ago: the problems stand, unplaced
        index = None
    items = _relevant_errors(error.errors(include_url=False), model)
    places = [(_place(index, item), number) for number, item in enumerate(items)]
    first = heapq.nsmallest(MAX_PROBLEMS_PER_FILE, places)
    root = index.root if index is not None else None
    problems = [Problem(display, line, column, describe_error(model, items[number], root))
                for (line, column), number in first]
    if len(items) > len(first):
        problems.append(more_problems(display, len(items) - len(first)))
    return problems


def _relevant_errors(items: list[ErrorDetails], model: type[BaseModel]) -> list[ErrorDetails]:
    """Drop errors that only echo another: a list 'too short' because its one item failed, and a missing key
    that an unknown key right beside it misspells (the unknown key's did-you-mean says it all)."""
    failed_items = {tuple(item["loc"][:-1]) for item in items if item["loc"] and isinstance(item["loc"][-1], int)}
    unknown_by_parent: dict[Location, list[str]] = defaultdict(list)
    missing_by_parent: dict[Location, list[str]] = defaultdict(list)
    for item in items:
        if item["type"] in ("extra_forbidden", "missing") and item["loc"]:
            by_parent = unknown_by_parent if item["type"] == "extra_forbidden" else missing_by_parent
            by_parent[tuple(item["loc"][:-1])].append(str(item["loc"][-1]))
    misspelled = {
        (parent, key)
        for parent, keys in missing_by_parent.items() if parent in unknown_by_parent
        for key in keys
        if _is_misspelled(key, unknown_by_parent[parent], _keys_at(model, parent))
    }
    kept = []
    for item in items:
        location = tuple(item["loc"])
        if item["type"] == "too_short" and location in failed_items:
            continue
        if item["type"] == "missing" and (location[:-1], location[-1]) in misspelled:
            continue
        kept.append(item)
    return kept


def _is_misspelled(key: str, unknown_keys: list[str], known_keys: list[str]) -> bool:
    """Whether one of `unknown_keys` gets the did-you-mean hint `key`. Only the keys whose likeness to `key` can
    reach the hint's cutoff are tried: difflib's quick ratios bound the likeness from above, in either order, and
    cost far less (a file with thousands of unknown keys has few that are near `key`)."""
    hint = f" (did you mean '{key}'?)"
    matcher = difflib.SequenceMatcher(None, b=key.casefold())
    for unknown in unknown_keys:
        matcher.set_seq1(unknown.casefold())
        if matcher.real_quick_ratio() >= DID_YOU_MEAN_CUTOFF and matcher.quick_ratio() >= DID_YOU_MEAN_CUTOFF \
                and did_you_mean(unknown, known_keys) == hint:
            return True
    return False


def _place(index: NodeIndex | None, item: ErrorDetails) -> tuple[int, int]:
    if index is None:
        return 0, 0
    location: Location = tuple(item["loc"]) + _item_index(item)
    if item["type"] == "extra_forbidden":
        return index.locate(location, at_key=True)
    if item["type"] == "missing":
        return index.locate(location[:-1], at_key=True) if len(location) > 1 else (1, 1)
    return index.locate(location)


def describe_error(model: type[BaseModel], item: ErrorDetails, node: Node | None) -> str:
    """A person's message for one pydantic error: the field, what is wrong with the value, and the fix."""
    location: Location = tuple(item["loc"]) + _item_index(item)
    field = field_path(location)
    kind, value, context = item["type"], item.get("input"), item.get("ctx") or {}
    if kind == "extra_forbidden":
        parent = field_path(location[:-1])
        hint = did_you_mean(str(location[-1]), _keys_at(model, location[:-1]))
        return f"{parent + ': ' if parent else ''}unknown key '{location[-1]}'{hint}"
    if kind == "missing":
        parent = field_path(location[:-1])
        return f"{parent + ': ' if parent else ''}missing required key '{location[-1]}'"
    if kind == "arxiv_number" and node is not None:
        written = source_text_at(node, location) or str(value)
        message = f"{written} was read as a number; write the arXiv id in quotes: arxiv: \"{written}\""
    elif kind == "string_type":
        message = f"expected text, got {describe_value(value)}"
    elif kind in ("tuple_type", "list_type"):
        example = f"; write it as a list: {location[-1]}: [{value}]" if isinstance(value, str) else ""
        message = f"expected a list, got {describe_value(value)}{example}"
    elif kind in ("model_type", "dict_type", "model_attributes_type"):
        message = f"expected a mapping of keys and values, got {describe_value(value)}"
    elif kind == "string_pattern_mismatch" and context.get("pattern") == TEXT_PATTERN:
        character = xml_incompatible_character(str(value))
        message = (f"holds the character {character}, which no page or feed can carry; delete it (it may be "
                   f"written as an escape, such as \\u{str(character)[2:]})")
    elif kind == "string_too_short":
        message = "is empty; write a value or remove the key"
    elif kind == "string_too_long":
        message = f"is {len(str(value))} characters long; at most {context.get('max_length')} are allowed"
    elif kind == "too_short":
        message = "is empty; list at least one"
    else:
        message = item["msg"][0].lower() + item["msg"][1:] if item["msg"] else kind
        if kind.startswith(("literal_", "string_pattern")):
            message += f", got {describe_value(value)}"
    return f"{field}: {message}" if field else message


def _item_index(item: ErrorDetails) -> Location:
    """A rule about one list item that is checked on the whole list says which item in its context."""
    index = (item.get("ctx") or {}).get("item_index")
    return (index,) if isinstance(index, int) else ()


def describe_value(value: object) -> str:
    """A value as a message names it: 'the number 5', 'a list', "'text'"."""
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


def field_path(location: Iterable[str | int]) -> str:
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
