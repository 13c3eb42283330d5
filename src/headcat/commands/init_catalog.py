"""`headcat init [DIR]`: a new catalog that passes `headcat check` and `headcat build` at once.

Writes a small taxonomy.yaml of the shape asked for (flat: topics only; two levels: groups of topics; three: groups,
sub-groups and topics), in the words asked for, and the files of headcat/starter/ (settings, one example paper,
README.md with the table's markers, CONTRIBUTING.md, the GitHub workflows, Dependabot, the issue forms, .gitignore
and a pinned requirements.txt), with the catalog's title, description and words put in; then every generated file
among them (README.md's table, CONTRIBUTING.md's field reference, the editor schema, the issue forms), as
`headcat readme` writes them. It asks nothing and never overwrites a file: a folder that already holds one of them
is refused before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from headcat import __version__
from headcat.model.problems import Problem, ProblemsFound
from headcat.model.taxonomy import Level, Words
from headcat.pipeline import plan_documents
from headcat.render.forms import FORMS_FOLDER, topic_form_name
from headcat.write.documents import write_readme

STARTER = Path(__file__).resolve().parent.parent / "starter"
"""The files of a new catalog, as package data (pyproject.toml lists them)."""

HIDDEN_NAMES = {"github": ".github", "gitignore": ".gitignore"}
"""Starter files kept under a visible name in the package (tools that pack it may leave hidden files out), and
the name each has in the catalog."""


TOPIC_FORM = ".github/ISSUE_TEMPLATE/new-topic.yml"
"""The starter's form that proposes a topic, which the catalog names in its own words (render/forms.py)."""


@dataclass(frozen=True)
class NewCatalog:
    title: str
    description: str
    levels: int = 3
    """1: a flat list of topics; 2: groups of topics; 3: groups, their sub-groups, and topics."""
    topic: Level = Words().topic
    group: Level = Words().group
    subgroup: Level = Words().subgroup

    @property
    def words(self) -> Words:
        """The three levels' words together; refused (a ValidationError) when their folders or filter names clash
        with each other's or the site's own."""
        return Words(topic=self.topic, group=self.group, subgroup=self.subgroup)


def level_words(written: str) -> Level:
    """A level's words from the command line: 'one/many' ('study/studies'), or 'one' and an s for many."""
    one, _, many = written.partition("/")
    return Level.model_validate({"one": one.strip(), "many": many.strip() or one.strip() + "s"})


def starter_files(catalog: NewCatalog, today: date) -> dict[str, str]:
    """Each file of the new catalog (its path in the catalog, '/'-separated) with its text."""
    values = {"@TITLE@": catalog.title, "@DESCRIPTION@": catalog.description, "@TODAY@": today.isoformat(),
              "@VERSION@": __version__, "@TOPICS@": catalog.topic.many}
    files = {"taxonomy.yaml": taxonomy_text(catalog)}
    for path in sorted(STARTER.rglob("*")):
        if not path.is_file():
            continue
        parts = path.relative_to(STARTER).parts
        target = "/".join((HIDDEN_NAMES.get(parts[0], parts[0]), *parts[1:]))
        if target == TOPIC_FORM:
            target = f"{FORMS_FOLDER}/{topic_form_name(catalog.words)}"
        text = path.read_text(encoding="utf-8")
        for marker, value in values.items():
            written = _toml_string(value)[1:-1] if target == "pyproject.toml" else value
            text = text.replace(marker, written)
        files[target] = text
    return files


def taxonomy_text(catalog: NewCatalog) -> str:
    """A small taxonomy of the shape and in the words asked for, with one example topic that the example paper
    names; every text is written as a JSON string, which YAML reads as written."""
    topic, group, subgroup = catalog.topic, catalog.group, catalog.subgroup
    levels = catalog.levels
    where = "" if levels == 1 else f"; each sits in one {group.one}" + (f" and one {subgroup.one} of it"
                                                                        if levels == 3 else "")
    lines = [f"# The vocabulary of the catalog. Papers name the {topic.many} below (by name or alias) under `heads:`"
             f"{where}.", "# Add to it as the catalog grows; `headcat check` says where anything is wrong.",
             "# words: what the site calls each level (folder: its pages' address; param: its filter's name in the "
             "home page's address).",
             "words:",
             f"  topic: {{one: {_json(topic.one)}, many: {_json(topic.many)}, folder: {topic.folder}, "
             f"param: {topic.param}}}"]
    if levels >= 2:
        lines += [f"  group: {{one: {_json(group.one)}, many: {_json(group.many)}, folder: {group.folder}, "
                  f"param: {group.param}}}",
                  f"  map: {{title: {_json('The ' + group.many)}, nav: {_json(group.many.capitalize())}}}"]
    if levels == 3:
        lines.append(f"  subgroup: {{one: {_json(subgroup.one)}, many: {_json(subgroup.many)}, "
                     f"param: {subgroup.param}}}")
    lines.append("  summary: {innovation: What is new, tasks: What was studied, result: What was found}")
    if levels >= 2:
        lines += ["# placement: survey   = the grouping your source (a survey, a taxonomy paper) gives",
                  "#            catalog  = this catalog's own judgement (placement_note says why)",
                  f"#            unplaced = fits no {group.one}; listed without one",
                  "stages:", "  - id: ARCH", "    name: Architectures",
                  "    description: Papers that propose or analyse a model architecture."]
        if levels == 3:
            lines += ["    subcategories:", "      - name: Attention",
                      "        description: Papers on the attention mechanism itself."]
    lines += ["heads:", "  - name: Self-Attention"]
    if levels >= 2:
        lines.append("    stage: ARCH")
        if levels == 3:
            lines.append("    subcategory: Attention")
        lines += ["    placement: catalog",
                  f"    placement_note: The example {topic.one} of a new catalog; rename or replace it."]
    lines += ["    aliases: [Self Attention]",
              "    description: Attention in which a sequence attends to its own positions.",
              "models:", "  - name: Transformer",
              "    description: The encoder-decoder model of Vaswani et al. (2017) and its direct descendants.",
              "    models:", "      - name: Transformer (base)", "        aliases: [Transformer base]",
              "methods: []"]
    return "\n".join(lines) + "\n"


def _json(value: str) -> str:
    """`value` as a JSON string, which YAML reads as written (and TOML too: JSON's escapes are TOML's)."""
    return json.dumps(value, ensure_ascii=False)


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
