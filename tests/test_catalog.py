"""The catalog stage: derived stages, groupings, orderings and related papers, on models built in memory."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pytest

from headcat.catalog.catalog import HAS_CODE, build_catalog
from headcat.catalog.layout import RELATED_PAPERS_MAX
from headcat.load.settings import load_taxonomy
from headcat.model.config import Config
from headcat.model.fields import slugify
from headcat.model.paper import Paper, PaperContext
from headcat.model.taxonomy import Taxonomy

FIXTURE = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(FIXTURE)


def make_paper(taxonomy: Taxonomy, title: str, day: date, heads: list[str], **fields: object) -> Paper:
    data = {"title": title, "date": day.isoformat(), "added": day.isoformat(), "heads": heads,
            "links": {"paper": "https://example.org/p"},
            "summary": {"innovation": "New.", "tasks": "Studied.", "result": "Found."}, **fields}
    return Paper.model_validate(data, context=PaperContext(taxonomy, date(2030, 1, 1)))


def test_stages_are_derived_from_head_types_in_framework_order(taxonomy: Taxonomy) -> None:
    paper = make_paper(taxonomy, "A", date(2024, 1, 1), ["Amplification Head", "Memory Head", "Previous Head"])
    catalog = build_catalog(Config(), taxonomy, {"a": paper})
    assert catalog.paper("a").stage_ids == ("KR", "ICI", "EP")
    assert [head.name for head in catalog.paper("a").head_types] == [
        "Amplification Head", "Memory Head", "Previous Token Head"]


def test_a_stages_override_replaces_the_derived_stages(taxonomy: Taxonomy) -> None:
    paper = make_paper(taxonomy, "A", date(2024, 1, 1), ["Memory Head"], stages=["Latent Reasoning", "EP"])
    assert build_catalog(Config(), taxonomy, {"a": paper}).paper("a").stage_ids == ("LR", "EP")


def test_a_paper_with_only_unplaced_head_types_has_no_stage(taxonomy: Taxonomy) -> None:
    paper = make_paper(taxonomy, "A", date(2024, 1, 1), ["Active-Dormant Head"])
    catalog = build_catalog(Config(), taxonomy, {"a": paper})
    assert catalog.paper("a").stage_ids == ()
    assert all("a" not in group.paper_ids for group in catalog.stages)


def test_papers_are_newest_first_and_grouped_by_year_and_sub_category(taxonomy: Taxonomy) -> None:
    papers = {
        "old": make_paper(taxonomy, "Old", date(2019, 5, 1), ["Syntactic Head"]),
        "new": make_paper(taxonomy, "New", date(2024, 2, 1), ["Retrieval Head"]),
        "mid": make_paper(taxonomy, "Mid", date(2024, 1, 1), ["Previous Head", "Syntactic Head"]),
    }
    catalog = build_catalog(Config(), taxonomy, papers)
    assert [entry.id for entry in catalog.papers] == ["new", "mid", "old"]
    assert [(group.year, group.paper_ids) for group in catalog.years] == [(2024, ("new", "mid")), (2019, ("old",))]
    ici = catalog.stage("ICI")
    assert ici.slug == "ici"
    assert [(group.slug, group.paper_ids) for group in ici.subcategories] == [
        ("overall-structure", ("new", "mid")), ("syntactic-information", ("mid", "old"))]
    assert catalog.head("Syntactic Head").paper_ids == ("mid", "old")
    assert [label.slug for label in catalog.head("Previous Token Head").related] == ["syntactic-head"]


def test_venues_are_grouped_most_papers_first(taxonomy: Taxonomy) -> None:
    papers = {name: make_paper(taxonomy, name, date(2024, 1, index + 1), ["Memory Head"], venue=venue)
              for index, (name, venue) in enumerate([("a", "ICLR 2024"), ("b", "arXiv 2024"), ("c", "arXiv 2024")])}
    catalog = build_catalog(Config(), taxonomy, papers)
    assert [(group.venue, group.slug, group.paper_ids) for group in catalog.venues] == [
        ("arXiv 2024", "arxiv-2024", ("c", "b")), ("ICLR 2024", "iclr-2024", ("a",))]


def test_papers_with_code_are_listed_newest_first(taxonomy: Taxonomy) -> None:
    papers = {name: make_paper(taxonomy, name, date(2024, 1, index + 1), ["Memory Head"], links=links)
              for index, (name, links) in enumerate([
                  ("a", {"paper": "https://example.org/a", "code": "https://example.org/a-code"}),
                  ("b", {"paper": "https://example.org/b"}),
                  ("c", {"paper": "https://example.org/c", "code": "https://example.org/c-code"})])}
    assert build_catalog(Config(), taxonomy, papers).paper_ids_with("code", HAS_CODE) == ("c", "a")


def test_slugs_are_lowercase_words_joined_by_hyphens() -> None:
    assert slugify("S-Inhibition Head") == "s-inhibition-head"
    assert slugify("CoT Head") == "cot-head"
    assert slugify("Findings of ACL 2024") == "findings-of-acl-2024"


def brute_force_related(papers: dict[str, Paper], paper_id: str) -> tuple[str, ...]:
    heads = set(papers[paper_id].heads)
    scored = sorted(
        (-len(heads & set(other.heads)), -other.date.toordinal(), other_id)
        for other_id, other in papers.items() if other_id != paper_id and heads & set(other.heads))
    return tuple(other_id for _, _, other_id in scored[:RELATED_PAPERS_MAX])


@pytest.mark.parametrize("seed", range(5))
def test_related_papers_equal_a_comparison_of_every_pair(taxonomy: Taxonomy, seed: int) -> None:
    generator = random.Random(seed)
    names = [head.name for head in taxonomy.heads]
    papers = {
        f"p{index}": make_paper(taxonomy, f"Paper {index}", date(2020, 1, 1) + timedelta(days=generator.randrange(60)),
                                generator.sample(names, generator.randint(1, 4)))
        for index in range(300)
    }
    catalog = build_catalog(Config(), taxonomy, papers)
    for paper_id in papers:
        assert catalog.layout.related_ids[paper_id] == brute_force_related(papers, paper_id), paper_id
