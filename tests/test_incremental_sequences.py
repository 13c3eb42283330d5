"""Random sequences of edits (Hypothesis's stateful testing): after every step, an incremental build equals a clean one.

The machine adds, deletes, renames and edits papers (any field of the paper model, with values drawn for the
field's type), edits the taxonomy, the settings and the templates, and switches the search index on and off; after
each step the build that reuses the previous one's cache must write what a build from nothing writes.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from headcat.model.fields import PageName, Text, WebUrl
from headcat.model.paper import ArxivId, Doi, HeadName, MethodName, ModelName, Paper, PastDate, StageName, SummaryPart
from headcat.pipeline import build
from test_incremental import TODAY, _edit_settings, _optional, model_fields, read_yaml, set_path, write_yaml

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURE = REPOSITORY / "tests" / "fixtures" / "catalog"
HEAD_NAMES = ["Memory Head", "Previous Token Head", "Previous Head", "Retrieval Head", "Syntactic Head",
              "Induction Head", "Amplification Head", "Active-Dormant Head"]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?()'-&",
                min_size=1, max_size=40).map(str.strip).filter(bool)

unique_numbers = st.integers(min_value=1000, max_value=9999)

VALUES: list[tuple[object, st.SearchStrategy[Any]]] = [
    (SummaryPart, st.builds(lambda words, emphasis: f"{words} *{emphasis}*", WORDS, WORDS)),
    (HeadName, st.sampled_from(HEAD_NAMES)),
    (ModelName, st.sampled_from(["Llama 2 7B", "GPT-2 Small"])),  # one spelling each: a list names a model once
    (MethodName, st.sampled_from(["Mean Ablation", "path-patching"])),
    (PageName, WORDS.filter(lambda words: any(char.isalnum() for char in words))),  # a page is named by them
    (StageName, st.sampled_from(["KR", "ICI", "LR", "EP", "Latent Reasoning"])),
    (PastDate, st.dates(min_value=date(2015, 1, 1), max_value=TODAY)),
    (ArxivId, unique_numbers.map(lambda number: f"2501.{number:05d}")),
    (Doi, unique_numbers.map(lambda number: f"10.5555/paper.{number}")),
    (WebUrl, unique_numbers.map(lambda number: f"https://example.org/{number}")),
    (Text, WORDS),
]
"""A strategy per type of field (SummaryPart before Text: a summary part is also text)."""


def values_for(hint: object) -> st.SearchStrategy[Any]:
    inner, optional = _optional(hint)
    if get_origin(inner) is tuple:
        strategy: st.SearchStrategy[Any] = st.lists(values_for(get_args(inner)[0]), min_size=1, max_size=3,
                                                    unique=True)
    else:
        strategy = next(strategy for kind, strategy in VALUES if inner == kind)
    return st.one_of(st.none(), strategy) if optional else strategy


PAPER_FIELDS = list(model_fields(Paper))


def tree(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


class CatalogEdits(RuleBasedStateMachine):
    """A catalog edited step by step, built incrementally after each step."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="headcat-sequences-"))
        self.root = self.folder / "catalog"
        shutil.copytree(FIXTURE, self.root)
        shutil.copytree(REPOSITORY / "templates", self.root / "templates")
        (self.root / "README.md").write_text("# Test\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n",
                                             encoding="utf-8")
        self.with_search = False
        self.added = 0

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def papers(self) -> list[Path]:
        return sorted((self.root / "papers").glob("*.yaml"))

    @initialize()
    def first_build(self) -> None:
        build(self.root, self.root / "site", TODAY, with_search=self.with_search)

    @rule(data=st.data())
    def edit_a_field_of_a_paper(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(self.papers()))
        field, hint = data.draw(st.sampled_from(PAPER_FIELDS))
        value = data.draw(values_for(hint))
        edited = read_yaml(path)
        set_path(edited, field, value)
        if not (edited.get("links", {}).get("paper") or edited.get("arxiv") or edited.get("doi")):
            set_path(edited, "links.paper", "https://example.org/reachable")  # a paper needs a way to reach it
        write_yaml(path, edited)

    @rule(title=WORDS, day=st.dates(min_value=date(2015, 1, 1), max_value=TODAY),
          heads=st.lists(st.sampled_from(["Memory Head", "Retrieval Head", "Induction Head", "Syntactic Head"]),
                         min_size=1, max_size=2, unique=True))
    def add_a_paper(self, title: str, day: date, heads: list[str]) -> None:
        self.added += 1
        write_yaml(self.root / "papers" / f"added-paper-{self.added}.yaml", {
            "title": f"Added {self.added}: {title}", "date": day, "added": day, "heads": heads,
            "links": {"paper": f"https://example.org/added/{self.added}"},
            "summary": {"innovation": "New.", "tasks": "Studied.", "result": "Found."}})

    @precondition(lambda self: len(self.papers()) > 1)
    @rule(data=st.data())
    def delete_a_paper(self, data: st.DataObject) -> None:
        data.draw(st.sampled_from(self.papers())).unlink()

    @rule(data=st.data())
    def rename_a_paper(self, data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(self.papers()))
        self.added += 1
        path.rename(path.with_name(f"renamed-{self.added}.yaml"))

    @rule(data=st.data(), text=WORDS)
    def edit_the_taxonomy(self, data: st.DataObject, text: str) -> None:
        taxonomy = read_yaml(self.root / "taxonomy.yaml")
        what = data.draw(st.sampled_from(["head description", "stage description", "stage name", "alias",
                                          "move a head type"]))
        head = data.draw(st.sampled_from([head for head in taxonomy["heads"] if head.get("stage")]))
        stage = data.draw(st.sampled_from(taxonomy["stages"]))
        if what == "head description":
            head["description"] = text
        elif what == "stage description":
            stage["description"] = text
        elif what == "stage name":
            stage["name"] = f"{stage['name']} {self.added}"
            self.added += 1
        elif what == "alias":
            self.added += 1
            head.setdefault("aliases", []).append(f"Alias {self.added}")
        else:
            head["stage"], head["subcategory"] = stage["id"], stage["subcategories"][0]["name"]
        write_yaml(self.root / "taxonomy.yaml", taxonomy)

    @rule(field=st.sampled_from(["title", "description", "base_url", "branch"]), text=WORDS)
    def edit_the_settings(self, field: str, text: str) -> None:
        value = f"https://example.org/{self.added}/" if field == "base_url" else text.replace('"', "'")
        _edit_settings(self.root, field, value if field != "base_url" or self.added % 2 else None)
        self.added += 1

    @rule(template=st.sampled_from(["site/card.html", "site/base.html", "site/paper.html", "readme/row.md",
                                    "feeds/item.html", "bibtex/entry.bib", "assets/style.css"]), text=WORDS)
    def edit_a_template(self, template: str, text: str) -> None:
        path = self.root / "templates" / template
        comment = {"bib": "%", "css": "/*"}.get(path.suffix.lstrip("."), "{#")
        ending = {"%": "", "/*": " */"}.get(comment, " #}")
        path.write_text(f"{comment} {text.replace('#', '').replace('*', '')}{ending}\n"
                        + path.read_text(encoding="utf-8"), encoding="utf-8")

    @rule()
    def switch_the_search_index(self) -> None:
        self.with_search = not self.with_search

    @invariant()
    def an_incremental_build_equals_a_clean_one(self) -> None:
        build(self.root, self.root / "site", TODAY, with_search=self.with_search)
        clean = self.folder / "clean"
        shutil.rmtree(clean, ignore_errors=True)
        shutil.copytree(self.root, clean, ignore=lambda folder, names: ["site"] if folder == str(self.root) else [])
        build(clean, clean / "site", TODAY, with_search=self.with_search, use_cache=False)
        assert tree(self.root / "site") == tree(clean / "site")
        assert (self.root / "README.md").read_text(encoding="utf-8") == \
            (clean / "README.md").read_text(encoding="utf-8")


TestCatalogEdits = CatalogEdits.TestCase
TestCatalogEdits.settings = settings(max_examples=6, stateful_step_count=6, deadline=None, derandomize=True,
                                     suppress_health_check=[HealthCheck.too_slow])  # the same edits in every run


__all__ = ["TestCatalogEdits", "yaml"]
