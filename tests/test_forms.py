"""The issue forms: generated from the vocabulary, well formed for GitHub, kept current by `headcat check`, and an
issue written with the new-paper form becomes a paper file that passes check (`headcat new --from-issue`)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headcat.commands.new_paper import ArxivApi, NewPaperRequest, create_paper_file, split_choices
from headcat.load.settings import load_taxonomy
from headcat.model.problems import ProblemsFound
from headcat.model.taxonomy import Words
from headcat.pipeline import check
from headcat.render.forms import CORRECTION_FORM, PAPER_FORM, _dump, form_labels, issue_forms

REPOSITORY = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
TODAY = date(2026, 1, 15)
OFFLINE = ArxivApi("http://127.0.0.1:9/", 1.0)
TYPES = {"markdown", "input", "textarea", "dropdown", "checkboxes"}


def form_items(text: str) -> list[dict[str, Any]]:
    form = yaml.safe_load(text)
    assert {"name", "description", "body"} <= set(form)
    return form["body"]  # type: ignore[no-any-return]


HEAD_TYPE_FORM = "new-head-type.yml"  # as this catalog's words name its head types
LABELS = form_labels(Words.model_validate({"topic": {"one": "head type", "many": "head types"}}))


@pytest.mark.parametrize("name", [PAPER_FORM, CORRECTION_FORM, HEAD_TYPE_FORM])
def test_each_form_is_a_well_formed_github_issue_form(name: str) -> None:
    items = form_items(issue_forms(load_taxonomy(REPOSITORY))[name])
    assert {item["type"] for item in items} <= TYPES
    ids = [item["id"] for item in items if item["type"] != "markdown"]
    labels = [item["attributes"]["label"] for item in items if item["type"] != "markdown"]
    assert len(ids) == len(set(ids)) and len(labels) == len(set(labels))
    for item in items:
        if item["type"] == "dropdown":
            options = item["attributes"]["options"]
            assert options and len(options) == len(set(options)) and all(isinstance(o, str) and o for o in options)


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
form_values = st.recursive(texts | st.booleans(), lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.from_regex(r"[a-z][a-z_-]{0,8}", fullmatch=True), inner,
                                             max_size=3), max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z][a-z_-]{0,8}", fullmatch=True), form_values, min_size=1, max_size=4))
def test_the_forms_yaml_reads_back_as_the_form_whatever_its_text_holds(form: dict[str, Any]) -> None:
    assert yaml.safe_load(_dump(form)) == form


def test_the_paper_forms_choices_are_the_vocabulary() -> None:
    taxonomy = load_taxonomy(REPOSITORY)
    items = {item.get("id"): item for item in form_items(issue_forms(taxonomy)[PAPER_FORM])}
    assert items["heads"]["attributes"]["options"] == [head.name for head in taxonomy.heads]
    assert items["models"]["attributes"]["options"] == [model.name for family in taxonomy.models
                                                        for model in family.models]
    assert items["methods"]["attributes"]["options"] == [method.name for family in taxonomy.methods
                                                         for kind in family.types for method in kind.methods]


def test_choices_that_hold_the_separator_of_answers_are_read_back_whole() -> None:
    """GitHub joins the answers of a multiple choice with ', ', and some model names hold one."""
    taxonomy = load_taxonomy(REPOSITORY)
    models = [model.name for family in taxonomy.models for model in family.models]
    with_commas = [name for name in models if ", " in name]
    assert with_commas  # this catalog has some: the case is real
    chosen = [with_commas[0], "GPT-2 Small", with_commas[-1]]
    assert split_choices(", ".join(chosen), taxonomy.model_spellings) == tuple(chosen)
    assert split_choices("GPT-2 Small, Not A Model, Llama-2-7B", models) == ("GPT-2 Small", "Not A Model",
                                                                             "Llama-2-7B")


def test_the_repositorys_forms_are_current() -> None:
    folder = REPOSITORY / ".github" / "ISSUE_TEMPLATE"
    for name, text in issue_forms(load_taxonomy(REPOSITORY)).items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"run `headcat readme` ({name})"


def test_check_reports_a_form_that_no_longer_matches_the_taxonomy(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE, root)
    form = root / ".github" / "ISSUE_TEMPLATE" / PAPER_FORM
    form.parent.mkdir(parents=True)
    form.write_text(issue_forms(load_taxonomy(root))[PAPER_FORM], encoding="utf-8")
    assert check(root, TODAY) == 5
    taxonomy = root / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace(
        "models:\n", "  - name: Counting Head\n    placement: unplaced\n    description: Counts.\nmodels:\n", 1),
        encoding="utf-8")
    with pytest.raises(ProblemsFound) as found:
        check(root, TODAY)
    assert [problem.format_text() for problem in found.value.problems] == [
        f"{form}:1:1: error: the issue form is out of date with taxonomy.yaml; run `headcat readme` to regenerate it"]


def issue_text(answers: dict[str, str]) -> str:
    """An issue's text as GitHub writes a form's answers: each under its label, '_No response_' when left out."""
    return "\n\n".join(f"### {LABELS[field]}\n\n{answers.get(field) or '_No response_'}" for field in LABELS) + "\n"


names = st.text(st.characters(whitelist_categories=("Lu", "Ll"), max_codepoint=0x24F), min_size=2, max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=3, max_size=80)
       .filter(lambda title: bool(re.search("[A-Za-z0-9]", title)) and title.strip() == title),  # a paper id from it
       authors=st.lists(st.tuples(names, names).map(" ".join), max_size=4),
       heads=st.lists(st.sampled_from(["Memory Head", "Retrieval Head", "Induction Head", "Previous Head"]),
                      min_size=1, max_size=3, unique=True),
       identifier=st.sampled_from(["2404.15574", "arXiv:2404.15574v2", "https://arxiv.org/abs/2404.15574",
                                   "10.18653/v1/P19-1580", "https://doi.org/10.18653/v1/P19-1580",
                                   "https://example.org/paper"]),
       code=st.sampled_from(["", "https://github.com/owner/repository"]),
       models=st.lists(st.sampled_from(["GPT-2 Small", "Llama-2-7B"]), unique=True))
def test_an_issue_from_the_paper_form_becomes_a_paper_file_that_passes_check(
        tmp_path_factory: pytest.TempPathFactory, title: str, authors: list[str], heads: list[str], identifier: str,
        code: str, models: list[str]) -> None:
    root = tmp_path_factory.mktemp("issue") / "catalog"
    shutil.copytree(FIXTURE, root)
    for paper in (root / "papers").glob("*.yaml"):
        paper.unlink()
    answers = {"title": title, "authors": ", ".join(authors), "date": "2024-04-24", "identifier": identifier,
               "venue": "arXiv 2024", "code": code, "heads": ", ".join(heads), "models": ", ".join(models),
               "innovation": "Finds heads\nthat do a thing.", "tasks": "Tests them.", "result": "They matter."}
    created = create_paper_file(root, NewPaperRequest(issue=issue_text(answers)), TODAY, OFFLINE)
    assert check(root, TODAY) == 1
    data = yaml.safe_load(created.path.read_text(encoding="utf-8"))
    assert (data["title"], data.get("authors") or [], data["heads"]) == (" ".join(title.split()), authors, heads)
    assert data["summary"]["innovation"] == "Finds heads that do a thing."
    assert data.get("models", []) == models
    assert (data.get("links") or {}).get("code", "") == code
