"""The repository's own catalog (papers/, taxonomy.yaml, pyproject.toml at the repository root) keeps its invariants.

These tests read the real files with the real load functions; they fail when a contributed paper file, the
taxonomy or the committed editor schema breaks a rule, and say which file to fix.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from html import unescape
from pathlib import Path

import bibtexparser
import jsonschema
import pytest
import yaml

from headcat.commands.cli import main
from headcat.load.papers import load_papers
from headcat.load.settings import load_config, load_taxonomy
from headcat.model.paper import Paper
from headcat.model.problems import ProblemsFound
from headcat.model.taxonomy import Taxonomy
from headcat.pipeline import build

REPOSITORY = Path(__file__).resolve().parent.parent
PAPERS = REPOSITORY / "papers"
SCHEMA = REPOSITORY / "schema" / "paper.schema.json"
PAPER_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
PAPER_ID_MAX_CHARS = 60


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(REPOSITORY)


@pytest.fixture(scope="module")
def papers_by_id(taxonomy: Taxonomy) -> dict[str, Paper]:
    return load_papers(REPOSITORY, taxonomy, date.today()).by_id


def paper_files() -> list[Path]:
    return sorted(PAPERS.glob("*.yaml"))


def with_dates_as_text(value: object) -> object:
    """yaml.safe_load reads 2024-01-10 as a date; editors validating against the schema see the text."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: with_dates_as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [with_dates_as_text(item) for item in value]
    return value


def test_repository_catalog_loads_without_problems() -> None:
    try:
        load_config(REPOSITORY)
        taxonomy = load_taxonomy(REPOSITORY)
        papers = load_papers(REPOSITORY, taxonomy, date.today()).by_id
    except ProblemsFound as found:
        pytest.fail("headcat check finds problems:\n" + "\n".join(problem.format_text() for problem in found.problems))

    assert len(papers) == len(paper_files()) > 0


def test_headcat_check_passes_on_the_repository(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(["check", str(REPOSITORY)])
    captured = capsys.readouterr()

    assert (exit_code, captured.err) == (0, ""), captured.err
    assert captured.out == f"{len(paper_files())} papers checked: no problems\n"


def test_papers_folder_holds_only_paper_files() -> None:
    others = sorted(path.name for path in PAPERS.iterdir() if path.suffix != ".yaml" or not path.is_file())

    assert others == [], f"papers/ holds files that are not papers/<paper-id>.yaml: {others}"


def test_paper_ids_are_unique_kebab_case_of_at_most_60_characters() -> None:
    ids = [path.stem for path in paper_files()]
    malformed = [paper_id for paper_id in ids if not PAPER_ID.fullmatch(paper_id) or len(paper_id) > PAPER_ID_MAX_CHARS]
    folded = [paper_id.casefold() for paper_id in ids]

    assert ids, "the repository has no paper files"
    assert malformed == [], f"paper ids must be lowercase words joined by hyphens, at most 60 characters: {malformed}"
    assert len(set(folded)) == len(folded), "two paper files differ only in case"


def test_every_head_named_in_a_paper_file_is_in_taxonomy_yaml() -> None:
    taxonomy = yaml.safe_load((REPOSITORY / "taxonomy.yaml").read_text(encoding="utf-8"))
    spellings = {
        " ".join(spelling.split()).casefold()
        for head in taxonomy["heads"]
        for spelling in (head["name"], *(head.get("aliases") or []))
    }
    unknown = [
        f"papers/{path.name}: {head}"
        for path in paper_files()
        for head in yaml.safe_load(path.read_text(encoding="utf-8"))["heads"]
        if " ".join(head.split()).casefold() not in spellings
    ]

    assert unknown == [], "head types missing from taxonomy.yaml:\n" + "\n".join(unknown)


def test_every_head_type_has_a_paper(taxonomy: Taxonomy, papers_by_id: dict[str, Paper]) -> None:
    """The survey cites a catalog paper for every head type its figure places, and this catalog adds a head type
    only for a paper; so no head type's page says that no paper studies it."""
    studied = {name for paper in papers_by_id.values() for name in paper.heads}
    assert [head.name for head in taxonomy.heads if head.name not in studied] == []


@pytest.mark.parametrize(("paper_id", "present", "absent"), [
    ("semantic-induction-heads-in-context-learning", {"Semantic Induction Head"}, set()),
    ("additive-mechanisms-factual-recall", {"Subject Head", "Relation Head", "Mixed Head"}, {"Mover Head"}),
    ("linear-representations-of-sentiment", {"Sentiment Summarizer", "Summary Reader"}, set()),
    ("attention-heads-compete-cooperate-counting", set(), {"Mixed Head"}),
    ("razorattention-kv-cache-compression", {"Global Retrieval Head"}, set()),
    ("answer-assemble-ace-multiple-choice", {"Correct Head"}, set()),
], ids=lambda value: value if isinstance(value, str) else "")
def test_head_types_the_survey_and_the_paper_support(papers_by_id: dict[str, Paper], paper_id: str,
                                                    present: set[str], absent: set[str]) -> None:
    """Tags once found wrong: each paper carries the head types the survey cites it for, and none it does not
    support."""
    heads = set(papers_by_id[paper_id].heads)
    assert present <= heads
    assert not absent & heads


def test_survey_facts_of_a_head_type_are_given_only_for_the_head_types_the_survey_places(
        taxonomy: Taxonomy) -> None:
    """model_families and layer_distribution come from the survey's figure and tables, which describe only the head
    types it places; each relation names where it is reported."""
    for head in taxonomy.heads:
        if head.model_families or head.layer_distribution:
            assert head.placement == "survey", head.name
        assert all(relation.note for relation in head.relations), head.name
    survey_heads = [head for head in taxonomy.heads if head.placement == "survey"]
    assert survey_heads and all(head.model_families for head in survey_heads)


def test_every_paper_has_a_stage_from_its_head_types_or_only_unplaced_head_types(
    taxonomy: Taxonomy, papers_by_id: dict[str, Paper]
) -> None:
    stageless = []
    for paper_id, paper in papers_by_id.items():
        head_types = [taxonomy.resolve_head_type(name) for name in paper.heads]
        stages = {head.stage for head in head_types if head is not None and head.stage}
        all_unplaced = all(head is not None and head.placement == "unplaced" for head in head_types)
        if not stages and not all_unplaced:
            stageless.append(f"papers/{paper_id}.yaml: {', '.join(paper.heads)}")

    assert papers_by_id
    assert stageless == [], "papers that fall in no stage:\n" + "\n".join(stageless)


def test_committed_schema_is_the_current_headcat_schema_output(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = main(["schema", str(REPOSITORY)])
    current = capsys.readouterr().out

    assert exit_code == 0
    assert SCHEMA.read_text(encoding="utf-8") == current, (
        "schema/paper.schema.json is out of date; run `headcat schema > schema/paper.schema.json` and commit it"
    )


def test_every_paper_file_validates_against_the_committed_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failures = [
        f"papers/{path.name}: {'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for path in paper_files()
        for error in validator.iter_errors(with_dates_as_text(yaml.safe_load(path.read_text(encoding="utf-8"))))
    ]

    assert paper_files()
    assert failures == [], "paper files the editor schema refuses:\n" + "\n".join(failures)


def test_committed_schema_refuses_what_check_refuses() -> None:
    """The schema is worth committing only if it catches mistakes in the editor: a typo'd head and key, a bad URL."""
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    paper = with_dates_as_text(yaml.safe_load(paper_files()[0].read_text(encoding="utf-8")))

    assert list(validator.iter_errors(paper)) == []
    for broken in ({**paper, "heads": ["Inducton Head"]}, {**paper, "autors": ["A"]},
                   {**paper, "links": {"paper": "javascript:alert(1)"}}):
        assert list(validator.iter_errors(broken)) != [], broken


def built_site(tmp_path: Path) -> Path:
    """The repository's catalog built (from a copy, so that its README.md is left alone) into tmp_path/site."""
    root = tmp_path / "catalog"
    for name in ("papers", "schema", "templates"):
        shutil.copytree(REPOSITORY / name, root / name)
    for name in ("taxonomy.yaml", "pyproject.toml"):
        shutil.copy(REPOSITORY / name, root / name)
    build(root, tmp_path / "site", date(2026, 12, 1), with_search=False, use_cache=False)
    return tmp_path / "site"


def test_every_paper_has_authors_and_a_bibtex_entry_with_an_author_field(tmp_path: Path) -> None:
    """What a reader copies: every paper's citation names its authors (issue 26)."""
    library = bibtexparser.parse_string((built_site(tmp_path) / "papers.bib").read_text(encoding="utf-8"))
    assert library.failed_blocks == []
    ids = sorted(path.stem for path in paper_files())
    assert sorted(entry.key for entry in library.entries) == ids
    without = [entry.key for entry in library.entries if not entry.fields_dict.get("author")]
    assert without == []


def test_citation_cff_cites_what_the_settings_cite() -> None:
    """CITATION.cff (GitHub's "Cite this repository") and the about page's citation are the same work."""
    cff = yaml.safe_load((REPOSITORY / "CITATION.cff").read_text(encoding="utf-8"))
    citation = load_config(REPOSITORY).citation
    assert citation is not None and cff["cff-version"] == "1.2.0"
    preferred = cff["preferred-citation"]
    assert (preferred["title"], preferred["year"], preferred["journal"], preferred["url"]) == (
        citation.title, citation.year, citation.journal, citation.url)
    assert [f"{author['given-names']} {author['family-names']}" for author in preferred["authors"]] == \
        list(citation.authors)
    assert any(citation.arxiv in identifier["value"] for identifier in preferred["identifiers"])


def test_the_readme_gives_the_citation_the_site_gives(tmp_path: Path) -> None:
    """The BibTeX block near the top of README.md is the about page's, byte for byte."""
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bibtex\n(.*?)```", readme, re.S)
    assert block is not None
    about = (built_site(tmp_path) / "about" / "index.html").read_text(encoding="utf-8")
    shown = re.search(r'<pre id="citation-bibtex"[^>]*><code>(.*?)</code></pre>', about, re.S)
    assert shown is not None and unescape(shown.group(1)) == block.group(1)
