"""The taxonomy model: the survey's stages and sub-categories, and the head types placed in them.

Loaded from `taxonomy.yaml` by the load stage; papers name head types through it (an alias resolves to its
canonical head type). `find_taxonomy_conflicts` holds the rules that span several entries of the file.
"""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from pydantic import Field

from headcat.model.fields import NO_PAGE_NAME, FileModel, Text, slugify

Placement = Literal["survey", "catalog", "unplaced"]


class SubCategory(FileModel):
    name: Text
    description: Text


class Stage(FileModel):
    id: str = Field(pattern=r"^[A-Z]{2,5}$")
    name: Text
    description: Text
    subcategories: tuple[SubCategory, ...] = Field(min_length=1)


class HeadType(FileModel):
    name: Text
    stage: str | None = None
    subcategory: Text | None = None
    placement: Placement
    placement_note: Text | None = None
    aliases: tuple[Text, ...] = ()
    description: Text

    @property
    def is_placed(self) -> bool:
        return self.stage is not None


class Taxonomy(FileModel):
    stages: tuple[Stage, ...] = Field(min_length=1)
    heads: tuple[HeadType, ...] = Field(min_length=1)

    @cached_property
    def head_type_by_spelling(self) -> dict[str, HeadType]:
        """Every accepted spelling (name or alias, case and spacing ignored) to its head type."""
        return {
            spelling_key(spelling): head for head in self.heads for spelling in (head.name, *head.aliases)
        }

    @cached_property
    def stage_by_id(self) -> dict[str, Stage]:
        return {stage.id: stage for stage in self.stages}

    @cached_property
    def head_type_by_name(self) -> dict[str, HeadType]:
        return {head.name: head for head in self.heads}

    def resolve_head_type(self, spelling: str) -> HeadType | None:
        """The head type a name or alias names (case and spacing ignored); a canonical name is found at once."""
        return self.head_type_by_name.get(spelling) or self.head_type_by_spelling.get(spelling_key(spelling))

    def resolve_stage(self, spelling: str) -> Stage | None:
        """A stage by id ('LR') or name ('Latent Reasoning'), case ignored."""
        key = spelling_key(spelling)
        return next((stage for stage in self.stages if key in (spelling_key(stage.id), spelling_key(stage.name))), None)

    @property
    def head_spellings(self) -> list[str]:
        """Every name and alias as written in the file, for hints and for the editor schema."""
        return [spelling for head in self.heads for spelling in (head.name, *head.aliases)]


def spelling_key(name: str) -> str:
    """How names are compared: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


def find_taxonomy_conflicts(taxonomy: Taxonomy) -> list[tuple[tuple[str | int, ...], str]]:
    """Rules across entries: unique ids and spellings, placements that name a real stage and sub-category."""
    conflicts: list[tuple[tuple[str | int, ...], str]] = []
    seen_ids: set[str] = set()
    for index, stage in enumerate(taxonomy.stages):
        if stage.id in seen_ids:
            conflicts.append((("stages", index, "id"), f"stages[{index}].id: '{stage.id}' is used twice; "
                                                       "ids must be unique"))
        seen_ids.add(stage.id)
    first_use: dict[str, str] = {}
    for index, head in enumerate(taxonomy.heads):
        for alias_index, spelling in enumerate((head.name, *head.aliases)):
            where = ("heads", index, "name") if alias_index == 0 else ("heads", index, "aliases", alias_index - 1)
            other = first_use.setdefault(spelling_key(spelling), head.name)
            if other != head.name:
                field = f"heads[{index}].name" if alias_index == 0 else f"heads[{index}].aliases[{alias_index - 1}]"
                conflicts.append((where, f"{field}: '{spelling}' already names head type '{other}'; "
                                         "each spelling names one head type"))
        conflicts.extend(_placement_conflicts(taxonomy, index, head))
    conflicts.extend(_page_name_conflicts(
        "head type", [(("heads", index, "name"), f"heads[{index}].name", head.name)
                      for index, head in enumerate(taxonomy.heads)]))
    conflicts.extend(_page_name_conflicts(
        "sub-category", [(("stages", index, "subcategories", number, "name"),
                          f"stages[{index}].subcategories[{number}].name", subcategory.name)
                         for index, stage in enumerate(taxonomy.stages)
                         for number, subcategory in enumerate(stage.subcategories)]))
    return conflicts


def _page_name_conflicts(kind: str, names: list[tuple[tuple[str | int, ...], str, str]]
                         ) -> list[tuple[tuple[str | int, ...], str]]:
    """Names that cannot each have a page, and a filter value, of their own: one with no letter or digit, and two
    whose slugs are the same ('Mover Head' and 'Mover-Head'; sub-categories share one filter across stages)."""
    conflicts: list[tuple[tuple[str | int, ...], str]] = []
    first_by_slug: dict[str, tuple[str, str]] = {}
    for where, field, name in names:
        slug = slugify(name)
        if not slug:
            conflicts.append((where, f"{field}: {NO_PAGE_NAME.replace('{name}', name)}"))
            continue
        first_field, first_name = first_by_slug.setdefault(slug, (field, name))
        if first_field == field or (kind == "head type" and spelling_key(name) == spelling_key(first_name)):
            continue  # the first, or one head type's name twice (the spelling rule says so)
        conflicts.append((where, f"{field}: '{name}' would share its page and filter value ('{slug}') with "
                                 f"{first_field} '{first_name}'; make the {kind} names differ in their letters or "
                                 f"digits"))
    return conflicts


def _placement_conflicts(taxonomy: Taxonomy, index: int, head: HeadType) -> list[tuple[tuple[str | int, ...], str]]:
    if head.placement == "unplaced":
        if head.stage or head.subcategory:
            return [(("heads", index, "stage"), f"heads[{index}]: '{head.name}' is unplaced, so it takes no stage "
                                                "or subcategory")]
        return []
    stage = taxonomy.stage_by_id.get(head.stage or "")
    known = ", ".join(taxonomy.stage_by_id)
    if head.stage is None:
        return [(("heads", index), f"heads[{index}]: '{head.name}' needs a stage, one of {known} "
                                   "(or placement: unplaced)")]
    if stage is None:
        return [(("heads", index, "stage"), f"heads[{index}].stage: unknown stage '{head.stage}'; use one of "
                                            f"{known} (or placement: unplaced)")]
    names = [subcategory.name for subcategory in stage.subcategories]
    if head.subcategory not in names:
        choices = "; ".join(names)
        found = f"unknown subcategory '{head.subcategory}'" if head.subcategory else "a subcategory is needed"
        return [(("heads", index, "subcategory"), f"heads[{index}].subcategory: {found}; {stage.id} has {choices}")]
    return []
