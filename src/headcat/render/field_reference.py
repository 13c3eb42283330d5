"""The paper-file field reference for contributors, derived from the paper model (render stage).

CONTRIBUTING.md carries it between `<!-- headcat:fields:start -->` and `<!-- headcat:fields:end -->`, regenerated
by `headcat readme`, so the documented fields are always the ones `headcat check` accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment

from headcat.model.fields import TEXT_PATTERN
from headcat.model.paper import SUMMARY_PART_MAX_CHARS, Paper


@dataclass(frozen=True)
class FieldDoc:
    key: str
    """As written in a file: 'title', 'links.code', 'summary.result'."""
    required: bool
    kind: str
    description: str


def list_paper_fields() -> tuple[FieldDoc, ...]:
    """Every key a paper file may hold, in the model's order, nested keys after their parent."""
    schema = Paper.model_json_schema(mode="validation")
    return tuple(_fields(schema["properties"], set(schema.get("required", ())), schema["$defs"], prefix=""))


def render_field_reference(environment: Environment) -> str:
    return environment.get_template("docs/fields.md").render(
        fields=list_paper_fields(), summary_max_chars=SUMMARY_PART_MAX_CHARS
    )


def _fields(properties: dict[str, Any], required: set[str], definitions: dict[str, Any],
            prefix: str) -> Iterator[FieldDoc]:
    for name, prop in properties.items():
        key = f"{prefix}{name}"
        nested = definitions.get(prop.get("$ref", "").rsplit("/", 1)[-1])
        description = prop.get("description") or (nested or {}).get("description", "")
        yield FieldDoc(key, name in required, "mapping" if nested else _kind(prop), description)
        if nested:
            yield from _fields(nested["properties"], set(nested.get("required", ())), definitions, f"{key}.")


def _kind(prop: dict[str, Any]) -> str:
    choices = [choice for choice in prop.get("anyOf", [prop]) if choice.get("type") != "null"]
    schema = choices[0] if choices else prop
    if schema.get("type") == "array":
        return f"list of {_kind(schema.get('items', {}))}"
    if schema.get("format") == "date":
        return "date (YYYY-MM-DD)"
    if schema.get("format") == "uri":
        return "web address (https://...)"
    if schema.get("pattern", TEXT_PATTERN) != TEXT_PATTERN:  # an id written as digits (arXiv's): quoted, or YAML
        return "text in quotes"                              # reads a number
    return "text"
