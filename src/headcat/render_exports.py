"""Rendering the data exports (render stage): catalog.json, papers.bib and papers.csl.json, as files in memory.

catalog.json is headcat's own versioned format (docs/exports.md): every paper's fields as written plus what the
catalog derives, and the taxonomy. papers.bib is rendered from templates (bibtex/entry.bib for each paper);
papers.csl.json is CSL-JSON for reference managers. Keys are sorted and papers are in paper id order, so the bytes
depend on the data alone.
"""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment

from headcat.catalog import Catalog, CatalogPaper
from headcat.output import OutputFile

CATALOG_FORMAT = "headcat-catalog"
CATALOG_FORMAT_VERSION = 1
"""Raised when a key is removed or changes meaning; adding keys keeps the version (readers ignore unknown keys)."""

_CSL_TYPE_BY_KIND = {"preprint": "article", "conference": "paper-conference", "journal": "article-journal",
                     "other": "document"}


def render_exports(catalog: Catalog, environment: Environment) -> list[OutputFile]:
    papers = sorted(catalog.papers, key=lambda entry: entry.id)
    bibtex = environment.get_template("exports/papers.bib").render(catalog=catalog, papers=papers)
    return [
        OutputFile("catalog.json", _json_bytes(catalog_document(catalog, papers))),
        OutputFile("papers.bib", bibtex.encode("utf-8")),
        OutputFile("papers.csl.json", _json_bytes([csl_item(entry) for entry in papers])),
    ]


def catalog_document(catalog: Catalog, papers: list[CatalogPaper]) -> dict[str, Any]:
    """The whole catalog as data: see docs/exports.md for every key."""
    config = catalog.config
    return {
        "format": CATALOG_FORMAT,
        "version": CATALOG_FORMAT_VERSION,
        "catalog": config.model_dump(mode="json", include={"title", "description", "base_url"}, exclude_none=True),
        "papers": [_paper_record(catalog, entry) for entry in papers],
        "taxonomy": catalog.taxonomy.model_dump(mode="json", exclude_none=True),
    }


def _paper_record(catalog: Catalog, entry: CatalogPaper) -> dict[str, Any]:
    """The file's fields as written (head names canonical, absent optional fields left out), then derived values."""
    page_path = f"papers/{entry.id}/"
    return {
        **entry.paper.model_dump(mode="json", exclude_none=True),
        "id": entry.id,
        "year": entry.year,
        "stage_ids": list(entry.stage_ids),
        "url": catalog.absolute_url(page_path) or page_path,
    }


def csl_item(entry: CatalogPaper) -> dict[str, Any]:
    """One paper as a CSL-JSON item (the format Zotero, Mendeley and pandoc's citeproc read)."""
    paper = entry.paper
    kind = entry.publication_kind
    item: dict[str, Any] = {
        "id": entry.id,
        "type": _CSL_TYPE_BY_KIND[kind],
        "title": paper.title,
        "issued": {"date-parts": [[paper.date.year, paper.date.month, paper.date.day]]},
        "URL": entry.paper_url,
    }
    if paper.authors:
        item["author"] = [csl_name(name) for name in paper.authors]
    if paper.venue and kind != "preprint":
        item["container-title"] = paper.venue
    if paper.arxiv:
        item["publisher"] = "arXiv"
        item["number"] = f"arXiv:{paper.arxiv}"
    if paper.doi:
        item["DOI"] = paper.doi
    return item


def csl_name(name: str) -> dict[str, str]:
    """'Ada Lovelace' -> family 'Lovelace', given 'Ada'; 'Ludwig van Beethoven' keeps 'van Beethoven' as the family
    name; 'Lovelace, Ada' is read as family first; a single word stays whole."""
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        return {"family": family, "given": given} if family and given else {"literal": name}
    words = name.split()
    if len(words) < 2:
        return {"literal": name}
    split = next((index for index, word in enumerate(words[1:-1], start=1) if word[:1].islower()), len(words) - 1)
    return {"family": " ".join(words[split:]), "given": " ".join(words[:split])}


def _json_bytes(value: object) -> bytes:
    """Compact JSON (no indentation lets Python use its C encoder: ten times faster on a large catalog); pretty-print
    it with `python -m json.tool` or jq when reading it by hand."""
    return (json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
