"""The taxonomy model: the catalog's vocabularies. Its topics (headcat's glossary calls them head types, after the
catalog it was made for), grouped in up to two levels (stages and their sub-categories, here); the language models
studied, by family; the methods used, by family and type; and the words the site calls each level by (`Words`).

A taxonomy may be flat (topics only: no `stages:`), two-level (stages without sub-categories) or three-level.

Loaded from `taxonomy.yaml` by the load stage; papers name head types, models and methods through it (an alias
resolves to its canonical name). `find_taxonomy_conflicts` holds the rules that span several entries of the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Annotated, Literal, Protocol, TypeVar

from pydantic import Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from headcat.model.fields import NO_PAGE_NAME, FileModel, Text, slugify
from headcat.model.problems import did_you_mean

Placement = Literal["survey", "catalog", "unplaced"]


Folder = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
"""A URL segment or query-string name: lower-case letters, digits and inner hyphens ('heads', 'head-types')."""


class Level(FileModel):
    """What the site calls one level of the taxonomy: its name for one entry and for several, and where its pages
    and filter live (by default, made of the names: 'head type', 'head types' give head-types/ and ?head-type=)."""

    one: Text = Field(description="The name of one entry, in lower case as in running text: 'head type'.")
    many: Text = Field(description="The name of several: 'head types'.")
    folder: Folder = Field(description="The URL segment of its pages: 'heads' gives heads/induction-head/.")
    param: Folder = Field(description="Its filter's name in the home page's address: 'head' gives ?head=....")

    @model_validator(mode="before")
    @classmethod
    def _from_names(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("one"), str) and isinstance(data.get("many"), str):
            return {"folder": slugify(data["many"]), "param": slugify(data["one"]), **data}
        return data


class MapWords(FileModel):
    """The page that shows the whole taxonomy (its groups, their sub-groups and topics) as a map."""

    title: Text = Field("Map of the topics", description="The map page's title: 'The four-stage framework'.")
    nav: Text = Field("Map", description="Its entry in the navigation bar: 'Framework'.")
    lead: Text | None = Field(None, description="One or two sentences on what the groups are and where they come "
                                                "from, for the home page and the map (plain text).")
    about: Text | None = Field(None, description="A longer explanation for the about page (inline Markdown); the "
                                                 "lead when not given.")


class SummaryWords(FileModel):
    """The labels of a paper summary's three parts (the keys in a paper file stay innovation, tasks, result)."""

    innovation: Text = Field("What is new", description="The label of `innovation`: 'Innovation'.")
    tasks: Text = Field("What was studied", description="The label of `tasks`: 'Tasks'.")
    result: Text = Field("What was found", description="The label of `result`: 'Result'.")


class Words(FileModel):
    """The words the site, the feeds, the README and the messages use for the taxonomy's levels (`words:` in
    taxonomy.yaml). Every one has a neutral default, so that a catalog names only what it wants otherwise."""

    topic: Level = Field(Level(one="topic", many="topics", folder="topics", param="topic"),
                         description="What `heads:` entries are, what papers name under `heads:`.")
    group: Level = Field(Level(one="area", many="areas", folder="areas", param="area"),
                         description="What `stages:` entries are.")
    subgroup: Level = Field(Level(one="sub-area", many="sub-areas", folder="sub-areas", param="sub"),
                            description="What a stage's `subcategories:` are (each is a part of its group's page, "
                                        "so its `folder` is not used).")
    map: MapWords = MapWords()
    source: Text = Field("the source", description="Who placed the topics marked `placement: survey`, as running "
                                                   "text: 'the survey\'s taxonomy figure'.")
    summary: SummaryWords = SummaryWords()

    @model_validator(mode="after")
    def _distinct_names(self) -> Words:
        if self.topic.folder == self.group.folder:
            raise PydanticCustomError("same_folder", "topic.folder and group.folder are both '{folder}'; give the "
                                      "two levels' pages different folders", {"folder": self.topic.folder})
        for level in ("topic", "group"):
            folder = getattr(self, level).folder
            if folder in RESERVED_FOLDERS:
                raise PydanticCustomError("reserved_folder", "{level}.folder: '{folder}' is a folder of the site "
                                          "already; give the level another folder under words: (taken: {taken})",
                                          {"level": level, "folder": folder, "taken": ", ".join(RESERVED_FOLDERS)})
        seen: dict[str, str] = {}
        for level in ("topic", "group", "subgroup"):
            param = getattr(self, level).param
            if param in RESERVED_PARAMS or param in seen:
                taken = f"{seen[param]}.param" if param in seen else "the home page's address"
                raise PydanticCustomError("reserved_param", "{level}.param: '{param}' names another filter, of "
                                          "{taken}; choose another (taken: {names})",
                                          {"level": level, "param": param, "taken": taken,
                                           "names": ", ".join((*RESERVED_PARAMS, *seen))})
            seen[param] = level
        return self


RESERVED_FOLDERS = ("papers", "years", "venues", "models", "methods", "code", "authors", "stats", "about", "assets",
                    "search", "page")
"""The site's own folders (catalog/urls.py; a test keeps the two in step), which a level's pages cannot use."""
RESERVED_PARAMS = ("q", "sort", "view", "year", "venue", "model", "method", "code", "author")
"""The names the home page's address already uses: the search, its order and view, the other facets."""


class SubCategory(FileModel):
    name: Text
    description: Text


class Stage(FileModel):
    id: str = Field(pattern=r"^[A-Z]{2,5}$")
    name: Text
    description: Text
    subcategories: tuple[SubCategory, ...] = ()


RelationType = Literal["variant-of", "part-of-circuit-with", "backup-of", "suppresses"]
"""How one head type relates to another. variant-of: a narrower or altered form of the other; part-of-circuit-with:
found working together with it in one circuit (either way round); backup-of: takes over the other's work when it is
knocked out; suppresses: works against what the other writes."""

RELATION_WORDS: dict[str, tuple[str, str]] = {
    "variant-of": ("Variant of", "Variants"),
    "part-of-circuit-with": ("In a circuit with", "In a circuit with"),
    "backup-of": ("Backup of", "Backed up by"),
    "suppresses": ("Suppresses", "Suppressed by"),
}
"""Each relation as a head type's page names it: from the head type that states it, and from the other one."""

ONE_WAY_RELATIONS = frozenset({"variant-of", "backup-of"})
"""Relations that cannot hold both ways round between two head types."""

SYMMETRIC_RELATIONS = frozenset({"part-of-circuit-with"})
"""Relations that read the same from either head type, so are stated once, on either of them."""


class HeadRelation(FileModel):
    type: RelationType = Field(description="variant-of, part-of-circuit-with, backup-of or suppresses.")
    head: Text = Field(description="The other entry of heads:, by its name or an alias.")
    note: Text | None = Field(None, description="Where the relation is reported (a paper of the catalog, a "
                                                "survey), and anything a reader should know about it.")


class HeadType(FileModel):
    name: Text
    stage: str | None = None
    subcategory: Text | None = None
    placement: Placement | None = Field(None, description="Needed when the taxonomy has stages: survey, catalog or "
                                                          "unplaced.")
    placement_note: Text | None = None
    aliases: tuple[Text, ...] = ()
    description: Text
    relations: tuple[HeadRelation, ...] = Field((), description="Its typed links to other entries; the other "
                                                                "entry's page shows each one too.")
    model_families: tuple[Text, ...] = Field((), description="The model families the source (words.source) "
                                                             "reports it in.")
    layer_distribution: Text | None = Field(None, description="Where in the depth of the network the source finds "
                                                              "it: 'Shallow', 'Middle', 'Deep' or a mix "
                                                              "('Shallow / Middle').")

    @property
    def is_placed(self) -> bool:
        return self.stage is not None


class LanguageModel(FileModel):
    name: Text = Field(description="The model's name, size included where it names one: 'GPT-2 Small', 'Llama-2-7B'.")
    size: Text | None = Field(None, description="Parameters, as its makers give them: '124M', '7B'.")
    aliases: tuple[Text, ...] = Field((), description="Other spellings papers use: 'GPT-2 small', 'gpt2'.")


class ModelFamily(FileModel):
    name: Text = Field(description="The family as readers know it: 'GPT-2', 'Llama'.")
    description: Text
    models: tuple[LanguageModel, ...] = Field(min_length=1)


MethodSource = Literal["survey", "catalog"]


class Method(FileModel):
    name: Text
    aliases: tuple[Text, ...] = ()
    description: Text
    source: MethodSource = Field(description="survey: the source's method taxonomy names it; catalog: added here "
                                             "(source_note says why).")
    source_note: Text | None = None


class MethodType(FileModel):
    name: Text
    description: Text
    source: MethodSource = "survey"
    source_note: Text | None = None
    methods: tuple[Method, ...] = Field(min_length=1)


class MethodFamily(FileModel):
    name: Text
    description: Text
    types: tuple[MethodType, ...] = Field(min_length=1)


class Term(Protocol):
    """An entry of a vocabulary: a canonical name and the other spellings that name it."""

    @property
    def name(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...


T = TypeVar("T", bound=Term)


def by_spelling(terms: Iterable[T]) -> dict[str, T]:
    """Every accepted spelling of the terms (name or alias, case and spacing ignored) to its term."""
    return {spelling_key(spelling): term for term in terms for spelling in (term.name, *term.aliases)}


class Taxonomy(FileModel):
    words: Words = Words()
    stages: tuple[Stage, ...] = ()
    heads: tuple[HeadType, ...] = Field(min_length=1)
    models: tuple[ModelFamily, ...] = ()
    methods: tuple[MethodFamily, ...] = ()

    @cached_property
    def head_type_by_spelling(self) -> dict[str, HeadType]:
        """Every accepted spelling (name or alias, case and spacing ignored) to its head type."""
        return by_spelling(self.heads)

    @cached_property
    def family_of_model(self) -> dict[str, ModelFamily]:
        """Each model's family, by the model's name."""
        return {model.name: family for family in self.models for model in family.models}

    @cached_property
    def model_by_spelling(self) -> dict[str, LanguageModel]:
        return by_spelling(model for family in self.models for model in family.models)

    @cached_property
    def place_of_method(self) -> dict[str, tuple[MethodFamily, MethodType]]:
        """Each method's family and type, by the method's name."""
        return {method.name: (family, kind) for family in self.methods for kind in family.types
                for method in kind.methods}

    @cached_property
    def method_by_spelling(self) -> dict[str, Method]:
        return by_spelling(method for family in self.methods for kind in family.types for method in kind.methods)

    def resolve_model(self, spelling: str) -> LanguageModel | None:
        return self.model_by_spelling.get(spelling_key(spelling))

    def resolve_method(self, spelling: str) -> Method | None:
        return self.method_by_spelling.get(spelling_key(spelling))

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

    @property
    def model_spellings(self) -> list[str]:
        return [spelling for family in self.models for model in family.models
                for spelling in (model.name, *model.aliases)]

    @property
    def method_spellings(self) -> list[str]:
        return [spelling for family in self.methods for kind in family.types for method in kind.methods
                for spelling in (method.name, *method.aliases)]


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
    heads = [(("heads", index), head) for index, head in enumerate(taxonomy.heads)]
    conflicts.extend(_spelling_conflicts(taxonomy.words.topic.one, heads))
    for index, head in enumerate(taxonomy.heads):
        conflicts.extend(_placement_conflicts(taxonomy, index, head))
    conflicts.extend(_relation_conflicts(taxonomy))
    conflicts.extend(_page_name_conflicts(taxonomy.words.topic.one,
                                          [((*where, "name"), _field(where) + ".name", head.name)
                                           for where, head in heads]))
    conflicts.extend(_page_name_conflicts(
        taxonomy.words.subgroup.one, [(("stages", index, "subcategories", number, "name"),
                                       f"stages[{index}].subcategories[{number}].name", subcategory.name)
                                      for index, stage in enumerate(taxonomy.stages)
                                      for number, subcategory in enumerate(stage.subcategories)],
        names_may_repeat=False))
    models = [(("models", index, "models", number), model) for index, family in enumerate(taxonomy.models)
              for number, model in enumerate(family.models)]
    conflicts.extend(_spelling_conflicts("model", models))
    conflicts.extend(_page_name_conflicts("model family", [(("models", index, "name"), f"models[{index}].name",
                                                            family.name)
                                                           for index, family in enumerate(taxonomy.models)]))
    methods = [(("methods", index, "types", number, "methods", place), method)
               for index, family in enumerate(taxonomy.methods) for number, kind in enumerate(family.types)
               for place, method in enumerate(kind.methods)]
    conflicts.extend(_spelling_conflicts("method", methods))
    conflicts.extend(_page_name_conflicts("method", [((*where, "name"), _field(where) + ".name", method.name)
                                                     for where, method in methods]))
    kinds: list[tuple[tuple[str | int, ...], MethodType | Method]] = [
        (("methods", index, "types", number), kind) for index, family in enumerate(taxonomy.methods)
        for number, kind in enumerate(family.types)]
    for where, entry in [*kinds, *methods]:
        if entry.source == "catalog" and not entry.source_note:
            conflicts.append(((*where, "source_note"), f"{_field(where)}: '{entry.name}' is added by this catalog "
                                                         "(source: catalog), so it needs a source_note saying why"))
    return conflicts


def _field(where: tuple[str | int, ...]) -> str:
    """A location as the messages write it: ('heads', 3, 'aliases', 0) -> 'heads[3].aliases[0]'."""
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in where).lstrip(".")


def _spelling_conflicts(kind: str, terms: Sequence[tuple[tuple[str | int, ...], Term]]
                        ) -> list[tuple[tuple[str | int, ...], str]]:
    """Each spelling (a name or an alias) names one term of the vocabulary."""
    conflicts: list[tuple[tuple[str | int, ...], str]] = []
    first_use: dict[str, str] = {}
    for place, term in terms:
        for alias_index, spelling in enumerate((term.name, *term.aliases)):
            where = place + (("name",) if alias_index == 0 else ("aliases", alias_index - 1))
            other = first_use.setdefault(spelling_key(spelling), term.name)
            if other != term.name:
                conflicts.append((where, f"{_field(where)}: '{spelling}' already names {kind} '{other}'; "
                                         f"each spelling names one {kind}"))
    return conflicts


def _page_name_conflicts(kind: str, names: list[tuple[tuple[str | int, ...], str, str]],
                         names_may_repeat: bool = True) -> list[tuple[tuple[str | int, ...], str]]:
    """Names that cannot each have a page, and a filter value, of their own: one with no letter or digit, and two
    whose slugs are the same ('Mover Head' and 'Mover-Head'). A name written twice is left to the spelling rule,
    unless names may not repeat (sub-categories share one filter across stages)."""
    conflicts: list[tuple[tuple[str | int, ...], str]] = []
    first_by_slug: dict[str, tuple[str, str]] = {}
    for where, field, name in names:
        slug = slugify(name)
        if not slug:
            conflicts.append((where, f"{field}: {NO_PAGE_NAME.replace('{name}', name)}"))
            continue
        first_field, first_name = first_by_slug.setdefault(slug, (field, name))
        if first_field == field or (names_may_repeat and spelling_key(name) == spelling_key(first_name)):
            continue  # the first, or one name twice (the spelling rule says so)
        conflicts.append((where, f"{field}: '{name}' would share its page and filter value ('{slug}') with "
                                 f"{first_field} '{first_name}'; make the {kind} names differ in their letters or "
                                 f"digits"))
    return conflicts


def _relation_conflicts(taxonomy: Taxonomy) -> list[tuple[tuple[str | int, ...], str]]:
    """Each relation names another head type of the file, once; and read from both of its ends, the relations agree:
    no one-way relation both ways round, no symmetric one stated twice, no head type a variant of itself through
    others."""
    conflicts: list[tuple[tuple[str | int, ...], str]] = []
    stated: dict[tuple[str, str, str], str] = {}
    """(type, head type, other head type) to where the relation is stated."""
    variant_of: dict[str, list[str]] = {}
    topic = taxonomy.words.topic
    for index, head in enumerate(taxonomy.heads):
        for number, relation in enumerate(head.relations):
            where: tuple[str | int, ...] = ("heads", index, "relations", number, "head")
            field = _field(where)
            other = taxonomy.resolve_head_type(relation.head)
            if other is None:
                hint = did_you_mean(relation.head, taxonomy.head_spellings)
                conflicts.append((where, f"{field}: '{relation.head}' is not a {topic.one} of this file{hint}; "
                                         f"name one of the {topic.many} under heads:"))
                continue
            if other.name == head.name:
                conflicts.append((where, f"{field}: '{head.name}' cannot be related to itself; name another "
                                         f"{topic.one}"))
                continue
            verb = RELATION_WORDS[relation.type][0].lower()
            earlier = stated.get((relation.type, head.name, other.name))
            reverse = stated.get((relation.type, other.name, head.name))
            if earlier:
                conflicts.append((where, f"{field}: '{head.name}' already says it is {verb} '{other.name}' at "
                                         f"{earlier}; state each relation once"))
            elif reverse and relation.type in SYMMETRIC_RELATIONS:
                conflicts.append((where, f"{field}: {reverse} already states that '{other.name}' is {verb} "
                                         f"'{head.name}', and both pages show it; state it once, on either "
                                         "of them"))
            elif reverse and relation.type in ONE_WAY_RELATIONS:
                conflicts.append((where, f"{field}: {reverse} says '{other.name}' is {verb} '{head.name}'; a "
                                         f"{relation.type} relation goes one way only, so keep the one that is "
                                         "right"))
            else:
                stated[relation.type, head.name, other.name] = field
                if relation.type == "variant-of":
                    variant_of.setdefault(head.name, []).append(other.name)
    conflicts.extend(_variant_cycles(taxonomy, variant_of))
    return conflicts


def _variant_cycles(taxonomy: Taxonomy, variant_of: dict[str, list[str]]) -> list[tuple[tuple[str | int, ...], str]]:
    """Head types that are, through a chain of variant-of relations, variants of themselves (a chain of one step
    each way is reported where it is stated, so these are three steps or more)."""
    conflicts: list[tuple[tuple[str | int, ...], str]] = []
    done: set[str] = set()

    def visit(path: list[str]) -> None:
        for name in variant_of.get(path[-1], ()):
            if name in path:
                chain = " -> ".join([*path[path.index(name):], name])
                index = next(index for index, head in enumerate(taxonomy.heads) if head.name == name)
                conflicts.append((("heads", index, "relations"), f"heads[{index}].relations: the variant-of "
                                  f"relations go round in a circle ({chain}); remove the one that is wrong"))
            elif name not in done:
                visit([*path, name])
        done.add(path[-1])

    for start in variant_of:
        if start not in done:
            visit([start])
    return conflicts


def _placement_conflicts(taxonomy: Taxonomy, index: int, head: HeadType) -> list[tuple[tuple[str | int, ...], str]]:
    words = taxonomy.words
    if not taxonomy.stages:
        if head.stage or head.subcategory or head.placement not in (None, "unplaced"):
            return [(("heads", index), f"heads[{index}]: '{head.name}' names a stage, subcategory or placement, but "
                                       f"this taxonomy has no stages (a flat list of {words.topic.many}); remove "
                                       "them, or add the stages under stages:")]
        return []
    if head.placement is None:
        return [(("heads", index), f"heads[{index}]: '{head.name}' needs a placement: survey (placed by "
                                   f"{words.source}), catalog (placed here, with a placement_note) or unplaced")]
    if head.placement == "catalog" and not head.placement_note:
        return [(("heads", index, "placement"), f"heads[{index}]: '{head.name}' is placed by this catalog "
                                                "(placement: catalog), so it needs a placement_note saying why")]
    if head.placement == "unplaced":
        if head.stage or head.subcategory:
            return [(("heads", index, "stage"), f"heads[{index}]: '{head.name}' is unplaced, so it takes no stage "
                                                "or subcategory")]
        return []
    stage = taxonomy.stage_by_id.get(head.stage or "")
    known = ", ".join(taxonomy.stage_by_id)
    if head.stage is None:
        return [(("heads", index), f"heads[{index}]: '{head.name}' needs a stage (its {words.group.one}), one of "
                                   f"{known} (or placement: unplaced)")]
    if stage is None:
        return [(("heads", index, "stage"), f"heads[{index}].stage: unknown stage '{head.stage}'; use one of "
                                            f"{known} (or placement: unplaced)")]
    names = [subcategory.name for subcategory in stage.subcategories]
    if not names:
        if head.subcategory:
            return [(("heads", index, "subcategory"), f"heads[{index}].subcategory: {stage.id} has no "
                                                      "subcategories; remove it, or add it under the stage's "
                                                      "subcategories:")]
        return []
    if head.subcategory not in names:
        choices = "; ".join(names)
        found = f"unknown subcategory '{head.subcategory}'" if head.subcategory else "a subcategory is needed"
        return [(("heads", index, "subcategory"), f"heads[{index}].subcategory: {found}; {stage.id} has {choices}")]
    return []
