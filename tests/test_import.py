"""`headcat import`: paper files from BibTeX, CSL-JSON and awesome-list Markdown, with what each source states, TODO
where a person must write, every gap reported at its source line, and nothing overwritten or guessed."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from headcat.commands.cli import main
from headcat.commands.import_papers import import_papers
from headcat.load.identities import title_key
from headcat.load.settings import load_taxonomy
from headcat.pipeline import check

REPOSITORY = Path(__file__).parent.parent
SOURCES = Path(__file__).parent / "fixtures" / "imports"
TODAY = date(2026, 1, 15)


@pytest.fixture
def root(catalog_root: Path) -> Path:
    """The test catalog, writable (conftest.py), whose taxonomy names Induction, Retrieval, Syntactic and Previous
    Token Heads."""
    return catalog_root


def read(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def written_by_title(paths: tuple[Path, ...]) -> dict[str, dict[str, object]]:
    return {str(read(path)["title"]): read(path) for path in paths}


def complete(path: Path) -> None:
    """Do what the import report asks a contributor to do: a date, a head type, an address and the summary."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'^date: "TODO[^"]*"$', "date: 2020-01-01", text, flags=re.MULTILINE)
    text = text.replace("heads: []", "heads: [Induction Head]")
    text = re.sub(r'^  paper: "TODO[^"]*"$', "  paper: https://example.org/paper", text, flags=re.MULTILINE)
    for part in ("innovation", "tasks", "result"):
        text = re.sub(rf'^  {part}: "TODO[^"]*"$', f"  {part}: Written by the contributor.", text,
                      flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")


def test_bibtex_entries_become_paper_files_with_what_the_entries_state(root: Path) -> None:
    report = import_papers(root, [SOURCES / "references.bib"], TODAY)
    papers = written_by_title(report.written)

    assert len(papers) == 5
    voita = papers["Analyzing Multi-Head Self-Attention: Specialized Heads Do the Heavy Lifting, the Rest Can Be "
                   "Pruned"]
    assert voita["authors"] == ["Elena Voita", "David Talbot", "Fedor Moiseev", "Rico Sennrich", "Ivan Titov"]
    assert voita["venue"] == "ACL 2019"  # the @string macro, written out, shortened
    assert voita["doi"] == "10.18653/v1/P19-1580"
    assert voita["heads"] == ["Syntactic Head"]  # its keywords, in the plural
    assert str(voita["date"]).startswith("TODO")  # July 2019 has no day: not guessed
    olsson = papers["In-context Learning and Induction Heads"]
    assert (olsson["arxiv"], olsson["heads"]) == ("2209.11895", ["Induction Head"])
    assert olsson["authors"] == ["Catherine Olsson", "Nelson Elhage", "Neel Nanda"]
    assert olsson["authors_incomplete"]  # "and others"
    wang = papers["Interpretability in the Wild: a Circuit for Indirect Object Identification in GPT-2 small"]
    assert (wang["arxiv"], wang["links"]) == ("2211.00593", {"paper": "https://arxiv.org/abs/2211.00593v1"})
    clark = papers["What Does BERT Look at? An Analysis of BERT's Attention"]
    assert clark["venue"] == "BlackboxNLP 2019"
    assert clark["authors"][-1] == "Christopher D. Manning"  # type: ignore[index]
    accents = papers["A Title With Ümlauts and été"]
    assert (accents["authors"], accents["date"]) == (["Jörg Müller", "Élodie Dupont"], date(2020, 3, 14))
    assert any(note.startswith(f"{SOURCES / 'references.bib'}:7: no date with its day (the source says 2019-07)")
               for note in report.notes)
    assert any(note.startswith(f"{SOURCES / 'references.bib'}:50: no address of the paper") for note in report.notes)


def test_csl_json_items_become_paper_files(root: Path) -> None:
    report = import_papers(root, [SOURCES / "zotero.json"], TODAY)
    papers = written_by_title(report.written)

    vaswani = papers["Attention Is All You Need"]
    assert vaswani["date"] == date(2017, 6, 12)
    assert vaswani["arxiv"] == "1706.03762" and vaswani["venue"] == "NeurIPS 2017"
    assert vaswani["authors"][-2:] == ["Łukasz Kaiser", "Illia Polosukhin"]  # type: ignore[index]
    clark = papers["What Does BERT Look at? An Analysis of BERT's Attention"]
    assert (clark["doi"], clark["heads"], clark["venue"]) == ("10.18653/v1/W19-4828", ["Syntactic Head"],
                                                              "BlackboxNLP 2019")
    olsson = papers["In-context Learning and Induction Heads"]
    assert (olsson["arxiv"], olsson["date"], olsson["authors"]) == ("2209.11895", date(2022, 3, 8), ["Anthropic"])
    assert f"{SOURCES / 'zotero.json'}:22: no date with its day (the source says 2019-08): write it in " \
           f"{root / 'papers' / 'bert-look-analysis-berts-attention.yaml'}" in report.notes


def test_an_awesome_list_gives_titles_links_dates_venues_and_head_types_from_its_headings_and_badges(
        root: Path) -> None:
    (root / "papers" / "retrieval-heads-long-context.yaml").unlink()  # the fixture catalog has it
    report = import_papers(root, [SOURCES / "awesome.md"], TODAY)
    papers = written_by_title(report.written)

    assert set(papers) == {"In-context Learning and Induction Heads", "A Mathematical Framework for Transformer "
                           "Circuits", "Retrieval Head Mechanistically Explains Long-Context Factuality",
                           "RazorAttention: Efficient KV Cache Compression Through Retrieval Heads",
                           "Interpretability in the Wild"}
    framework = papers["A Mathematical Framework for Transformer Circuits"]
    assert (framework["date"], framework["heads"]) == (date(2021, 12, 22), ["Induction Head"])  # its heading
    retrieval = papers["Retrieval Head Mechanistically Explains Long-Context Factuality"]
    assert retrieval["date"] == date(2024, 4, 24)  # written 2024.04.24
    assert retrieval["links"] == {"paper": "https://arxiv.org/abs/2404.15574",
                                  "code": "https://github.com/nightdessert/Retrieval_Head"}
    razor = papers["RazorAttention: Efficient KV Cache Compression Through Retrieval Heads"]
    assert (razor["venue"], razor["arxiv"], razor["heads"]) == ("ICLR 2025", "2407.15891", ["Retrieval Head"])
    wild = papers["Interpretability in the Wild"]
    assert wild["heads"] == ["Previous Token Head"]  # its badge
    assert wild["links"] == {"paper": "https://arxiv.org/abs/2211.00593",
                             "code": "https://github.com/redwoodresearch/Easy-Transformer"}


@pytest.mark.parametrize("source", ["references.bib", "zotero.json", "awesome.md"])
def test_the_files_pass_check_once_the_contributor_fills_in_what_the_report_lists(root: Path, source: str) -> None:
    for path in sorted((root / "papers").glob("*.yaml")):
        path.unlink()
    report = import_papers(root, [SOURCES / source], TODAY)
    assert report.written
    for path in report.written:
        complete(path)
    assert check(root, TODAY) == len(report.written)


def test_papers_the_catalog_has_are_skipped_and_no_file_is_overwritten(root: Path) -> None:
    first = import_papers(root, [SOURCES / "zotero.json"], TODAY)
    before = {path: path.read_bytes() for path in (root / "papers").glob("*.yaml")}
    second = import_papers(root, [SOURCES / "zotero.json", SOURCES / "references.bib"], TODAY)

    assert first.written and not set(first.written) & set(second.written)
    assert all(path.read_bytes() == content for path, content in before.items())
    assert any("'Attention Is All You Need' is in the catalog already" in line for line in second.skipped)
    assert any("'In-context Learning and Induction Heads' is in the catalog already" in line
               for line in second.skipped)  # the same arXiv id, from another source


def test_a_source_that_cannot_be_parsed_writes_nothing_and_is_located(
        root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.bib"
    broken.write_text("@article{ok, title={Fine}, year=2020}\n\n@article{bad, title={Unclosed, year=2021}\n",
                      encoding="utf-8")
    listed = tmp_path / "list.json"
    listed.write_text('[{"title": "A"},\n {"title": }]', encoding="utf-8")
    before = sorted((root / "papers").iterdir())

    exit_code = main(["import", str(SOURCES / "zotero.json"), str(broken), str(listed), "--into", str(root)])

    err = capsys.readouterr().err.splitlines()
    assert exit_code == 1
    assert err[0].startswith(f"{broken}:3:1: error: this BibTeX entry cannot be read")
    assert err[1].startswith(f"{listed}:2:12: error: not JSON")
    assert err[-1] == f"2 problems in 2 files; nothing was written into {root / 'papers'}"
    assert sorted((root / "papers").iterdir()) == before


def test_this_catalogs_readme_table_imports_back_into_its_paper_files(tmp_path: Path) -> None:
    """The round trip: every row of the README's table becomes a file with the paper file's own title, date,
    authors, venue, arXiv id, links and head types."""
    root = tmp_path / "catalog"
    root.mkdir()
    shutil.copy(REPOSITORY / "taxonomy.yaml", root / "taxonomy.yaml")
    report = import_papers(root, [REPOSITORY / "README.md"], TODAY)
    taxonomy = load_taxonomy(REPOSITORY)
    originals = {title_key(str(read(path)["title"])): read(path) for path in (REPOSITORY / "papers").glob("*.yaml")}

    assert len(report.written) == len(originals)
    differences = []
    for path in report.written:
        imported = read(path)
        original = originals[title_key(str(imported["title"]))]
        original_heads = [head.name for name in original["heads"]  # type: ignore[attr-defined]
                          if (head := taxonomy.resolve_head_type(name))]
        pairs = {"heads": (imported["heads"], original_heads),
                 **{key: (imported.get(key), original.get(key))
                    for key in ("title", "date", "authors", "venue", "arxiv", "links")}}
        differences += [f"{path.name} {key}: {mine!r} != {theirs!r}" for key, (mine, theirs) in pairs.items()
                        if mine != theirs]
    assert differences == []
