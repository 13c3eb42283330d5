"""Exact lookups and author pages, as the build writes them (render/lookup.py, render/pages.py): the keys that name
a paper, the files they are split in, and what an author's page says. The browser's side is in test_browser.py and
test_search.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from headcat.pipeline import build, load_catalog
from headcat.render import lookup
from headcat.render.pages import AuthorSummary

TODAY = date(2025, 6, 1)


def write_paper(root: Path, name: str, text: str) -> None:
    (root / "papers" / f"{name}.yaml").write_text(text, encoding="utf-8")


def test_a_paper_is_named_by_its_id_title_and_every_identifier_its_fields_and_links_give(catalog_root: Path) -> None:
    write_paper(catalog_root, "linked-everywhere", """\
title: "Café Heads: Ünïcode in a Title"
date: 2024-01-10
added: 2024-02-01
authors: [René Martin, Rene Martin]
arxiv: "2401.01234"
doi: 10.1000/ABC.1
heads: [Induction Head]
links:
  paper: https://aclanthology.org/2024.ACL-long.7.pdf
  openreview: https://openreview.net/forum?id=AbC_d-9&noteId=x
  project: https://dl.acm.org/doi/10.1145/3626772.3657819
  blog: https://arxiv.org/html/2401.05555v3
summary:
  innovation: Finds heads.
  tasks: Traces them.
  result: Two heads.
""")
    entry = load_catalog(catalog_root, TODAY).paper("linked-everywhere")

    assert set(lookup.lookup_keys(entry)) == {
        "paper:linked-everywhere", "title:cafeheadsunicodeinatitle", "arxiv:2401.01234", "arxiv:2401.05555",
        "doi:10.1000/abc.1", "doi:10.1145/3626772.3657819", "openreview:AbC_d-9", "acl:2024.acl-long.7"}
    assert AuthorSummary.of("rene-martin", (entry,)).spellings == ("René Martin", "Rene Martin")
    assert entry.author_slugs == ("rene-martin",)


def test_each_key_is_in_the_file_its_hash_names_and_nowhere_else(catalog_root: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lookup, "PAPERS_PER_FILE", 2)
    build(catalog_root, catalog_root / "site", TODAY, with_search=False)
    catalog = load_catalog(catalog_root, TODAY)
    count = lookup.lookup_file_count(len(catalog.papers))
    files = [json.loads((catalog_root / "site" / "search" / f"lookup-{number}.json").read_text(encoding="utf-8"))
             for number in range(count)]

    assert count == 4 and not (catalog_root / "site" / "search" / f"lookup-{count}.json").exists()
    assert 'data-lookup-files="4"' in (catalog_root / "site" / "index.html").read_text(encoding="utf-8")
    table: dict[str, list[int]] = {}  # each key names the papers by their number (render/browse.py)
    for number, entry in enumerate(catalog.papers):
        for key in lookup.lookup_keys(entry):
            table.setdefault(key, []).append(number)
    for key, paper_ids in table.items():
        holders = [number for number, held in enumerate(files) if key in held]
        assert holders == [lookup.key_hash(key) % count] and files[holders[0]][key] == paper_ids
    assert sum(len(held) for held in files) == len(table)


def test_an_author_page_lists_their_papers_head_types_and_co_authors(catalog_root: Path) -> None:
    build(catalog_root, catalog_root / "site", TODAY, with_search=False)
    html = (catalog_root / "site" / "authors" / "alan-turing" / "index.html").read_text(encoding="utf-8")

    assert "<h1>Alan Turing</h1>" in html
    assert 'href="../../papers/induction-heads-patterns/index.html"' in html
    assert 'href="../../heads/induction-head/index.html">Induction Head</a>' in html
    assert 'href="../../authors/ada-lovelace/index.html">Ada Lovelace</a> <span class="count">1</span>' in html
    paper = (catalog_root / "site" / "papers" / "induction-heads-patterns" / "index.html").read_text(encoding="utf-8")
    assert '<a href="../../authors/alan-turing/index.html">Alan Turing</a>' in paper
