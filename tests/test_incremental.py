"""An incremental build equals a clean build, whatever changed: the changes are generated from the models.

Every field of the paper model (nested ones included), of each kind of taxonomy entry and of the settings is
changed in turn: set when it is absent, changed when it is present, removed when it is optional. After each change
the build that reuses the previous one's cache must write exactly what a build from nothing writes: every file of
the site, README.md and CONTRIBUTING.md. A field that no change knows how to change fails
`test_every_field_of_every_model_is_changed`, so a new field cannot be added without being tested here; a new
field that an output reads without declaring it fails the build comparison.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest
import yaml
from pydantic import BaseModel

from headcat.catalog import facets
from headcat.catalog.entries import CatalogPaper
from headcat.catalog.facets import Facet, Listing, options_by_frequency
from headcat.model import taxonomy as taxonomy_module
from headcat.model.config import BibtexKey, Citation, Config, LanguageTag, Year
from headcat.model.fields import PageName, Text, WebUrl, slugify
from headcat.model.paper import ArxivId, Doi, HeadName, MethodName, ModelName, Paper, PastDate, StageName, SummaryPart
from headcat.pipeline import build

TODAY = date(2026, 1, 1)
PAPER = "retrieval-heads-long-context"
"""The paper whose fields change: it is in feeds, groups and related lists, and has most fields set."""
REPOSITORY = Path(__file__).resolve().parents[1]

Data = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One edit of the catalog's input, named for the test's id."""

    name: str
    model: str
    """The model and field it changes ('Paper.links.code'), for the coverage check."""
    apply: Callable[[Path], None]


# --- Values a field can take instead of its present one, by the field's type ------------------------------------

def _text(current: object, where: str) -> object:
    return f"{current} (changed)" if current else f"A new {where.rsplit('.', 1)[-1]}"


def _year(current: object, where: str) -> object:
    return 2023 if current != 2023 else 2024


def _bibtex_key(current: object, where: str) -> object:
    return f"{current}b" if current else "key2025"


def _count(current: object, where: str) -> object:
    """A small whole number (a page size of 2 splits the fixture's lists of five papers in pages)."""
    return 2 if current != 2 else 3


def _summary_part(current: object, where: str) -> object:
    return f"Changed: *{where.rsplit('.', 1)[-1]}* with `code`."


def _web_url(current: object, where: str) -> object:
    return f"https://example.org/changed/{where.replace('.', '/')}"


def _past_date(current: object, where: str) -> object:
    """A year earlier, or for `added` a day later (a paper cannot enter the catalog before its date)."""
    day = current if isinstance(current, date) else date(2024, 1, 1)
    return day + timedelta(days=1) if where.rsplit(".", 1)[-1] == "added" else day - timedelta(days=400)


def _head_name(current: object, where: str) -> object:
    return "Induction Head"  # placed in another stage than the paper's own head type


def _model_name(current: object, where: str) -> object:
    return "GPT-2 small" if current != "GPT-2 Small" else "Llama 2 7B"  # an alias: the canonical name is shown


def _method_name(current: object, where: str) -> object:
    return "path-patching" if current != "Path Patching" else "Mean Ablation"


def _stage_name(current: object, where: str) -> object:
    return "LR"


def _arxiv_id(current: object, where: str) -> object:
    return "2501.01234"


def _doi(current: object, where: str) -> object:
    return "10.5555/changed.2025"


def _page_name(current: object, where: str) -> object:
    return f"{current} Findings" if current else "A New Venue 2025"


def _language_tag(current: object, where: str) -> object:
    return "fr"


VALUE_BY_TYPE: list[tuple[object, Callable[[object, str], object]]] = [
    (SummaryPart, _summary_part), (HeadName, _head_name), (StageName, _stage_name), (PastDate, _past_date),
    (ModelName, _model_name), (MethodName, _method_name),
    (ArxivId, _arxiv_id), (Doi, _doi), (WebUrl, _web_url), (PageName, _page_name), (LanguageTag, _language_tag),
    (Text, _text), (Year, _year), (BibtexKey, _bibtex_key), (int, _count),
]
"""Checked in order (SummaryPart before Text: a summary part is also text)."""


def _maker(hint: object) -> Callable[[object, str], object]:
    for kind, make in VALUE_BY_TYPE:
        if hint == kind:
            return make
    raise LookupError(f"no way to make a value of {hint!r}: add one to VALUE_BY_TYPE in {__file__}")


def _optional(hint: object) -> tuple[object, bool]:
    """The type inside `X | None`, and whether None is allowed."""
    if get_origin(hint) in (Union, types.UnionType):
        arguments = [argument for argument in get_args(hint) if argument is not type(None)]
        return (arguments[0], True) if len(arguments) == 1 else (hint, False)
    return hint, False


def value_changes(hint: object, current: object, where: str) -> Iterator[tuple[str, object]]:
    """(what the change does, the new value; None removes the key) for a field of type `hint` now `current`."""
    inner, optional = _optional(hint)
    if get_origin(inner) is tuple:
        item = get_args(inner)[0]
        if current:
            yield "add an item", [*current, _maker(item)(None, where)]
            yield "replace the items", [_maker(item)(current[0], where)]
        else:
            yield "set", [_maker(item)(None, where)]
    elif get_origin(inner) is Literal:
        yield "change", next(choice for choice in get_args(inner) if choice != current)
    else:
        yield ("change" if current is not None else "set"), _maker(inner)(current, where)
    if optional and current is not None:
        yield "remove", None


def model_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, object]]:
    """Every leaf field of `model` as (dotted path, type), nested models' fields after their parent's name."""
    hints = get_type_hints(model, include_extras=True)
    for name in model.model_fields:
        inner, _ = _optional(hints[name])
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from model_fields(inner, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", hints[name]


# --- Editing the catalog's files ---------------------------------------------------------------------------------

def read_yaml(path: Path) -> Data:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


class _Dumper(yaml.SafeDumper):
    """Writes every value out: headcat refuses YAML aliases, which PyYAML makes of a value used twice."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def write_yaml(path: Path, data: Data) -> None:
    path.write_text(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")


def set_path(data: Data, dotted: str, value: object) -> None:
    *parents, last = dotted.split(".")
    for name in parents:
        data = data.setdefault(name, {})
    if value is None:
        data.pop(last, None)
    else:
        data[last] = value


def get_path(data: Data, dotted: str) -> object:
    for name in dotted.split("."):
        if not isinstance(data, dict) or name not in data:
            return None
        data = data[name]
    return data


def paper_changes() -> Iterator[Change]:
    data = read_yaml(REPOSITORY / "tests" / "fixtures" / "catalog" / "papers" / f"{PAPER}.yaml")
    for path, hint in model_fields(Paper):
        current = get_path(data, path)
        for what, value in value_changes(hint, current, path):
            def apply(root: Path, path: str = path, value: object = value) -> None:
                file = root / "papers" / f"{PAPER}.yaml"
                edited = read_yaml(file)
                set_path(edited, path, value)
                if path == "arxiv" and value and "arxiv.org/" in str(get_path(edited, "links.paper")):
                    set_path(edited, "links.paper", f"https://arxiv.org/abs/{value}")  # the two must agree
                write_yaml(file, edited)
            yield Change(f"paper {path}: {what}", f"Paper.{path}", apply)


def _edit_taxonomy(root: Path, edit: Callable[[Data], None]) -> None:
    taxonomy = read_yaml(root / "taxonomy.yaml")
    edit(taxonomy)
    write_yaml(root / "taxonomy.yaml", taxonomy)


def _head(taxonomy: Data, name: str) -> Data:
    return next(head for head in taxonomy["heads"] if head["name"] == name)


def _stage(taxonomy: Data, stage_id: str) -> Data:
    return next(stage for stage in taxonomy["stages"] if stage["id"] == stage_id)


def _rename_head(taxonomy: Data) -> None:
    head = _head(taxonomy, "Retrieval Head")  # papers name it: they keep resolving through the old name as alias
    head["name"], head["aliases"] = "Context Retrieval Head", ["Retrieval Head"]


def _move_head_to_stage(taxonomy: Data) -> None:
    head = _head(taxonomy, "Retrieval Head")
    head["stage"], head["subcategory"] = "LR", "In-context Learning"


def _move_head_to_subcategory(taxonomy: Data) -> None:
    _head(taxonomy, "Retrieval Head")["subcategory"] = "Syntactic Information"


def _rename_stage(taxonomy: Data) -> None:
    _stage(taxonomy, "ICI")["id"] = "CTX"
    for head in taxonomy["heads"]:
        if head.get("stage") == "ICI":
            head["stage"] = "CTX"


def _rename_subcategory(taxonomy: Data) -> None:
    _stage(taxonomy, "ICI")["subcategories"][0]["name"] = "Whole Structure"
    for head in taxonomy["heads"]:
        if head.get("subcategory") == "Overall Structure":
            head["subcategory"] = "Whole Structure"


def _add_subcategory(taxonomy: Data) -> None:
    _stage(taxonomy, "LR")["subcategories"].append({"name": "Effective Reasoning", "description": "New."})


def _add_stage(taxonomy: Data) -> None:
    taxonomy["stages"].insert(1, {"id": "XS", "name": "Extra Stage", "description": "New.",
                                  "subcategories": [{"name": "Extra Work", "description": "New."}]})
    _head(taxonomy, "Syntactic Head").update(stage="XS", subcategory="Extra Work")


def _add_head(taxonomy: Data) -> None:
    taxonomy["heads"].insert(0, {"name": "Counting Head", "stage": "LR", "subcategory": "In-context Learning",
                                 "placement": "catalog", "placement_note": "Counts.", "description": "Counts."})


def _set_placement(value: str) -> Callable[[Data], None]:
    def edit(taxonomy: Data) -> None:
        head = _head(taxonomy, "Retrieval Head")
        head["placement"], head["placement_note"] = value, "Placed here by the catalog."
        if value == "unplaced":
            head.pop("stage"), head.pop("subcategory")
    return edit


def _text_edit(locate: Callable[[Data], Data], key: str) -> Callable[[Data], None]:
    def edit(taxonomy: Data) -> None:
        entry = locate(taxonomy)
        entry[key] = _text(entry.get(key), key)
    return edit


def _relation(taxonomy: Data) -> Data:
    """The fixture's one head relation (Active-Dormant Head suppresses the Previous Head)."""
    return _head(taxonomy, "Active-Dormant Head")["relations"][0]


def _add_alias(taxonomy: Data) -> None:
    _head(taxonomy, "Retrieval Head").setdefault("aliases", []).append("Needle Head")


def _model_family(taxonomy: Data) -> Data:
    return next(family for family in taxonomy["models"] if family["name"] == "Llama")


def _model(taxonomy: Data) -> Data:
    return next(model for model in _model_family(taxonomy)["models"] if model["name"] == "Llama-2-7B")


def _method_family(taxonomy: Data) -> Data:
    return next(family for family in taxonomy["methods"] if family["name"] == "Modeling-Free")


def _method_type(taxonomy: Data) -> Data:
    return next(kind for kind in _method_family(taxonomy)["types"] if kind["name"] == "Replacement-Based")


def _method(taxonomy: Data, name: str = "Mean Ablation") -> Data:
    return next(method for method in _method_type(taxonomy)["methods"] if method["name"] == name)


def _renamed(entry: Data, name: str) -> None:
    """Rename a term, keeping the old name as an alias (papers name it)."""
    entry.setdefault("aliases", []).append(entry["name"])
    entry["name"] = name


def _words(taxonomy: Data) -> Data:
    """The fixture's words (taxonomy.yaml's words:, which names every level as this catalog does)."""
    words: Data = taxonomy["words"]
    return words


def _set(locate: Callable[[Data], Data], **values: object) -> Callable[[Data], None]:
    def edit(taxonomy: Data) -> None:
        locate(taxonomy).update(values)
    return edit


def _append(locate: Callable[[Data], list[Data]], entry: Data) -> Callable[[Data], None]:
    def edit(taxonomy: Data) -> None:
        locate(taxonomy).append(entry)
    return edit


NEW_METHOD = {"name": "Directional Addition", "description": "New.", "source": "survey"}


TAXONOMY_CHANGES: dict[str, list[tuple[str, Callable[[Data], None]]]] = {
    "Taxonomy.stages": [("add a stage", _add_stage)],
    "Taxonomy.heads": [("add a head type", _add_head)],
    "Stage.id": [("rename a stage", _rename_stage)],
    "Stage.name": [("change", _text_edit(lambda taxonomy: _stage(taxonomy, "ICI"), "name"))],
    "Stage.description": [("change", _text_edit(lambda taxonomy: _stage(taxonomy, "ICI"), "description"))],
    "Stage.subcategories": [("add a sub-category", _add_subcategory)],
    "SubCategory.name": [("rename", _rename_subcategory)],
    "SubCategory.description": [
        ("change", _text_edit(lambda taxonomy: _stage(taxonomy, "ICI")["subcategories"][0], "description"))],
    "HeadType.name": [("rename, keeping the old name as an alias", _rename_head)],
    "HeadType.stage": [("move to another stage", _move_head_to_stage)],
    "HeadType.subcategory": [("move to another sub-category", _move_head_to_subcategory)],
    "HeadType.placement": [("catalog", _set_placement("catalog")), ("unplaced", _set_placement("unplaced"))],
    "HeadType.placement_note": [
        ("set", _text_edit(lambda taxonomy: _head(taxonomy, "Retrieval Head"), "placement_note"))],
    "HeadType.aliases": [("add an alias", _add_alias)],
    "HeadType.description": [
        ("change", _text_edit(lambda taxonomy: _head(taxonomy, "Retrieval Head"), "description"))],
    "HeadType.relations": [("add a relation", _append(
        lambda taxonomy: _head(taxonomy, "Retrieval Head").setdefault("relations", []),
        {"type": "variant-of", "head": "Induction Head", "note": "New."}))],
    "HeadRelation.type": [("change", _set(lambda taxonomy: _relation(taxonomy), type="part-of-circuit-with"))],
    "HeadRelation.head": [("change", _set(lambda taxonomy: _relation(taxonomy), head="Memory Head"))],
    "HeadRelation.note": [("change", _text_edit(_relation, "note"))],
    "HeadType.model_families": [("set", _set(lambda taxonomy: _head(taxonomy, "Retrieval Head"),
                                             model_families=["Llama", "Qwen"]))],
    "HeadType.layer_distribution": [("set", _set(lambda taxonomy: _head(taxonomy, "Retrieval Head"),
                                                 layer_distribution="Middle"))],
    "Taxonomy.models": [("add a model family", _append(lambda taxonomy: taxonomy["models"], {
        "name": "Pythia", "description": "New.", "models": [{"name": "Pythia-1B", "size": "1B"}]}))],
    "ModelFamily.name": [("rename", _set(_model_family, name="Meta Llama"))],
    "ModelFamily.description": [("change", _text_edit(_model_family, "description"))],
    "ModelFamily.models": [("add a model", _append(lambda taxonomy: _model_family(taxonomy)["models"],
                                                   {"name": "Llama-2-13B", "size": "13B"}))],
    "LanguageModel.name": [("rename, keeping the old name as an alias", lambda taxonomy: _renamed(
        _model(taxonomy), "Llama 2 (7B)"))],
    "LanguageModel.size": [("change", _set(_model, size="6.7B")), ("remove", lambda taxonomy: _model(taxonomy).pop(
        "size"))],
    "LanguageModel.aliases": [("add an alias", _append(lambda taxonomy: _model(taxonomy)["aliases"], "LLaMA-2-7B"))],
    "Taxonomy.methods": [("add a method family", _append(lambda taxonomy: taxonomy["methods"], {
        "name": "Modeling-Required", "description": "New.", "types": [
            {"name": "Training-Free", "description": "New.", "methods": [
                {"name": "Scoring", "description": "New.", "source": "survey"}]}]}))],
    "MethodFamily.name": [("rename", _set(_method_family, name="Model-Free"))],
    "MethodFamily.description": [("change", _text_edit(_method_family, "description"))],
    "MethodFamily.types": [("add a type", _append(lambda taxonomy: _method_family(taxonomy)["types"], {
        "name": "Modification-Based", "description": "New.", "methods": [NEW_METHOD]}))],
    "MethodType.name": [("rename", _set(_method_type, name="Replacement"))],
    "MethodType.description": [("change", _text_edit(_method_type, "description"))],
    "MethodType.source": [("catalog", _set(_method_type, source="catalog", source_note="Added."))],
    "MethodType.source_note": [("set", _text_edit(_method_type, "source_note"))],
    "MethodType.methods": [("add a method", _append(lambda taxonomy: _method_type(taxonomy)["methods"], NEW_METHOD))],
    "Method.name": [("rename, keeping the old name as an alias", lambda taxonomy: _renamed(
        _method(taxonomy), "Mean-Value Ablation"))],
    "Method.aliases": [("add an alias", _append(lambda taxonomy: _method(taxonomy, "Path Patching")["aliases"],
                                                "patching paths"))],
    "Method.description": [("change", _text_edit(_method, "description"))],
    "Method.source": [("catalog", _set(_method, source="catalog", source_note="Added."))],
    "Method.source_note": [("change", _text_edit(lambda taxonomy: _method(taxonomy, "Path Patching"), "source_note"))],
    "Taxonomy.words": [("remove, for headcat's neutral words", lambda taxonomy: taxonomy.pop("words"))],
    "Words.topic": [("other words", _set(_words, topic={"one": "mechanism", "many": "mechanisms"}))],
    "Words.group": [("other words", _set(_words, group={"one": "phase", "many": "phases"}))],
    "Words.subgroup": [("other words", _set(_words, subgroup={"one": "kind", "many": "kinds"}))],
    "Words.map": [("other words", _set(_words, map={"title": "The map"}))],
    "Words.source": [("change", _text_edit(_words, "source"))],
    "Words.summary": [("other words", _set(_words, summary={"innovation": "New"}))],
    "Level.one": [("change", _set(lambda taxonomy: _words(taxonomy)["topic"], one="head kind"))],
    "Level.many": [("change", _set(lambda taxonomy: _words(taxonomy)["group"], many="phases"))],
    "Level.folder": [("move the pages", _set(lambda taxonomy: _words(taxonomy)["topic"], folder="head-types"))],
    "Level.param": [("rename the filter", _set(lambda taxonomy: _words(taxonomy)["subgroup"], param="part"))],
    "MapWords.title": [("change", _text_edit(lambda taxonomy: _words(taxonomy)["map"], "title"))],
    "MapWords.nav": [("change", _text_edit(lambda taxonomy: _words(taxonomy)["map"], "nav"))],
    "MapWords.lead": [("change", _text_edit(lambda taxonomy: _words(taxonomy)["map"], "lead"))],
    "MapWords.about": [("set", _set(lambda taxonomy: _words(taxonomy)["map"], about="A *longer* text."))],
    "SummaryWords.innovation": [("change", _text_edit(lambda taxonomy: _words(taxonomy)["summary"], "innovation"))],
    "SummaryWords.tasks": [("change", _text_edit(lambda taxonomy: _words(taxonomy)["summary"], "tasks"))],
    "SummaryWords.result": [("change", _text_edit(lambda taxonomy: _words(taxonomy)["summary"], "result"))],
}
"""Taxonomy fields are named by papers and by each other (a head type's stage), so each change keeps the catalog
valid: a renamed head type keeps its old name as an alias, a renamed stage is renamed where head types name it."""


def taxonomy_changes() -> Iterator[Change]:
    for field, changes in TAXONOMY_CHANGES.items():
        for what, edit in changes:
            yield Change(f"taxonomy {field}: {what}", field,
                         lambda root, edit=edit: _edit_taxonomy(root, edit))  # type: ignore[misc]


def settings_changes() -> Iterator[Change]:
    current = Config(title="Test Heads", description="A small catalog for headcat's tests.",
                     base_url="https://example.org/heads/", repository="https://github.com/example/heads",
                     citation=Citation(key="lovelace2024heads", title="Attention Heads: A Test Survey",
                                       authors=("Ada Lovelace", "Alan Turing"), year=2024, journal="Journal of Tests",
                                       arxiv="2401.00001", url="https://example.org/survey"))
    for name, hint in model_fields(Config):
        value_now: object = current
        for step in name.split("."):
            value_now = getattr(value_now, step)
        for what, value in value_changes(hint, value_now, f"settings.{name}"):
            yield Change(f"settings {name}: {what}", f"Config.{name}",
                         lambda root, name=name, value=value: _edit_settings(root, name, value))


def _edit_settings(root: Path, name: str, value: object) -> None:
    """Set `[tool.headcat] name` (a dotted name is a key of a table inside it) to `value`, or remove it for None."""
    path = root / "pyproject.toml"
    *table, key = ["tool", "headcat", *name.split(".")]
    header = "[" + ".".join(table) + "]"
    lines, current_table = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            current_table = line.strip()
        if not (current_table == header and line.startswith(f"{key} =")):
            lines.append(line)
    if value is not None:
        written = f"{key} = {_toml_value(value)}"
        at = lines.index(header) + 1 if header in lines else len(lines)
        if header not in lines:
            lines.append(header)
            at += 1
        lines.insert(at, written)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _toml_value(value: object) -> str:
    """A value as TOML writes it (a JSON string is a TOML basic string)."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return str(value) if isinstance(value, int) else json.dumps(str(value))


CHANGES = [*paper_changes(), *taxonomy_changes(), *settings_changes()]


# --- The tests -----------------------------------------------------------------------------------------------------

@pytest.fixture
def root(catalog_root: Path) -> Path:
    """The fixture catalog (conftest.py) with a README.md and a CONTRIBUTING.md to regenerate."""
    (catalog_root / "README.md").write_text("# Test\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n",
                                            encoding="utf-8")
    (catalog_root / "CONTRIBUTING.md").write_text(
        "# Contributing\n\n<!-- headcat:fields:start -->\n<!-- headcat:fields:end -->\n", encoding="utf-8")
    return catalog_root


def outputs(root: Path, out: Path) -> dict[str, str]:
    """A digest of every file of the site, and README.md's and CONTRIBUTING.md's text."""
    files = {str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
             for path in sorted(out.rglob("*")) if path.is_file()}
    for name in ("README.md", "CONTRIBUTING.md"):
        files[name] = (root / name).read_text(encoding="utf-8")
    return files


def clean_build(root: Path, tmp_path: Path, with_search: bool = False) -> dict[str, str]:
    """What a build of the same input writes from nothing: a copy of the catalog, built without any cache."""
    copy = tmp_path / "clean"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(root, copy, ignore=lambda folder, names: ["site"] if folder == str(root) else [])
    build(copy, copy / "site", TODAY, with_search=with_search, use_cache=False)
    return outputs(copy, copy / "site")


@pytest.mark.parametrize("change", CHANGES, ids=[change.name for change in CHANGES])
def test_an_incremental_build_after_a_field_changed_equals_a_clean_build(
        root: Path, tmp_path: Path, change: Change) -> None:
    build(root, root / "site", TODAY, with_search=False)
    change.apply(root)

    build(root, root / "site", TODAY, with_search=False)

    assert outputs(root, root / "site") == clean_build(root, tmp_path)


def test_every_field_of_every_model_is_changed() -> None:
    fields = {f"Paper.{path}" for path, _ in model_fields(Paper)}
    fields |= {f"Config.{path}" for path, _ in model_fields(Config)}
    for model in vars(taxonomy_module).values():  # every model of taxonomy.yaml, however nested
        if isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == taxonomy_module.__name__:
            fields |= {f"{model.__name__}.{name}" for name in model.model_fields}
    assert fields == {change.model for change in CHANGES}


def test_each_change_changes_the_input(root: Path) -> None:
    """A change that leaves the files as they were would test nothing."""
    for change in CHANGES:
        before = {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}
        change.apply(root)
        after = {path: path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}
        assert after != before, change.name
        for path, content in before.items():
            path.write_bytes(content)


def link_kind(entry: CatalogPaper, slug: str) -> str:
    """A link's label as a paper shows it, from its slug."""
    return next(link.label for link in entry.typed_links if slugify(link.kind) == slug)


LINK_FACET = Facet(
    "link", "Link", False,
    values_of=lambda entry: tuple(slugify(link.kind) for link in entry.typed_links),
    options_of=lambda catalog: options_by_frequency(catalog, "link", link_kind),
    listing=Listing("Papers with a {label} link", "papers"))
"""A facet added the way catalog/facets.py says, reading a paper field no other facet reads."""


@pytest.mark.parametrize("project", ["https://example.org/project", None], ids=["add a link", "remove the links"])
def test_a_facet_added_the_documented_way_is_built_incrementally(
        root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project: str | None) -> None:
    monkeypatch.setattr(facets, "FACETS", (*facets.FACETS, LINK_FACET))
    build(root, root / "site", TODAY, with_search=False)
    assert (root / "site" / "link" / "paper" / "index.html").is_file()
    assert 'data-link="paper' in (root / "site" / "index.html").read_text(encoding="utf-8")
    file = root / "papers" / f"{PAPER}.yaml"
    edited = read_yaml(file)
    set_path(edited, "links.project", project)
    if project is None:
        set_path(edited, "links.code", None)
    write_yaml(file, edited)

    build(root, root / "site", TODAY, with_search=False)

    assert outputs(root, root / "site") == clean_build(root, tmp_path)
