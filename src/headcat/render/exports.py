"""Rendering the data exports (render stage): catalog.json, papers.bib and papers.csl.json.

catalog.json is headcat's own versioned format (docs/exports.md); papers.bib joins each paper's bibtex/entry.bib;
papers.csl.json is CSL-JSON for reference managers. Keys are sorted and papers are in paper id order, so the bytes
depend on the data alone. The papers' parts of each export are kept in runs (context.py): a rebuild renders again
only the runs that hold a changed paper and joins the rest from the build cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from headcat.catalog import urls
from headcat.catalog.catalog import Catalog, CatalogPaper
from headcat.model.config import Config
from headcat.model.taxonomy import Taxonomy
from headcat.render.context import RenderContext
from headcat.render.outputs import Output

CATALOG_FORMAT = "headcat-catalog"
CATALOG_FORMAT_VERSION = 1
"""Raised when a key is removed or changes meaning; adding keys keeps the version (readers ignore unknown keys)."""

_CSL_TYPE_BY_KIND = {"preprint": "article", "conference": "paper-conference", "journal": "article-journal",
                     "other": "document"}


@dataclass(frozen=True, slots=True)
class ExportInputs:
    """What the exports show: every paper (in paper id order), the settings and the taxonomy."""

    entries: tuple[CatalogPaper, ...]
    config: Config
    taxonomy: Taxonomy


def export_outputs(catalog: Catalog) -> list[Output]:
    """The three exports. Each paper's part of each is a fragment of its own, so that an export whose papers
    changed is joined again from the parts, rendered again only for the papers that changed."""
    inputs = ExportInputs(tuple(sorted(catalog.papers, key=lambda entry: entry.id)), catalog.config,
                          catalog.taxonomy)
    return [Output(path, render, inputs, weight=len(inputs.entries))
            for path, render in ((urls.CATALOG_JSON, render_catalog_json), (urls.PAPERS_BIB, render_papers_bib),
                                 (urls.PAPERS_CSL, render_papers_csl))]


def render_papers_bib(inputs: ExportInputs, context: RenderContext) -> Iterator[str]:
    chunks = context.run_of_parts("export bib", urls.PAPERS_BIB, render_bib_part, inputs.entries, None, "")
    return context.environment.get_template("exports/papers.bib").generate(count=len(inputs.entries), chunks=chunks)


def render_bib_part(entry: CatalogPaper, shared: None, context: RenderContext) -> str:
    """A paper's part of papers.bib: a blank line, then its entry."""
    return "\n" + render_bibtex_entry(entry, context)


def render_bibtex_entry(entry: CatalogPaper, context: RenderContext) -> str:
    """One paper's BibTeX entry (templates/bibtex/entry.bib): in papers.bib, and on the paper's page."""
    return context.environment.get_template("bibtex/entry.bib").render(entry=entry)


def render_catalog_json(inputs: ExportInputs, context: RenderContext) -> Iterator[str]:
    records = context.run_of_parts("export json", urls.CATALOG_JSON, render_paper_record, inputs.entries,
                                   inputs.config.base_url, ",")
    yield from catalog_json(inputs.config, inputs.taxonomy, records)
    yield "\n"


def render_paper_record(entry: CatalogPaper, base_url: str | None, context: RenderContext) -> str:
    return _json_text(_paper_record(entry, base_url))


def render_papers_csl(inputs: ExportInputs, context: RenderContext) -> Iterator[str]:
    yield from _json_list(context.run_of_parts("export csl", urls.PAPERS_CSL, render_csl_item, inputs.entries, None,
                                               ","))
    yield "\n"


def render_csl_item(entry: CatalogPaper, shared: None, context: RenderContext) -> str:
    return _json_text(csl_item(entry))


def catalog_json(config: Config, taxonomy: Taxonomy, records: Iterable[str]) -> Iterator[str]:
    """The whole catalog as JSON text around `records` (the papers' records in paper id order, in runs joined by
    commas), in pieces; see docs/exports.md for every key."""
    return _json_object({
        "format": [_json_text(CATALOG_FORMAT)],
        "version": [_json_text(CATALOG_FORMAT_VERSION)],
        "catalog": [_json_text(config.model_dump(mode="json", include={"title", "description", "base_url"},
                                                 exclude_none=True))],
        "papers": _json_list(records),
        "taxonomy": [_json_text(taxonomy.model_dump(mode="json", exclude_none=True))],
    })


def _paper_record(entry: CatalogPaper, base_url: str | None) -> dict[str, Any]:
    """The file's fields as written (head names canonical, absent optional fields left out), then derived values."""
    page_path = urls.paper_folder(entry.id)
    return {
        **entry.paper.model_dump(mode="json", exclude_none=True),
        "id": entry.id,
        "year": entry.year,
        "stage_ids": list(entry.stage_ids),
        "url": urls.absolute(base_url, page_path) or page_path,
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


def _json_text(value: object) -> str:
    """Compact JSON (no indentation lets Python use its C encoder: ten times faster on a large catalog); pretty-print
    the files with `python -m json.tool` or jq when reading them by hand."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _json_object(pieces_by_key: dict[str, Iterable[str]]) -> Iterator[str]:
    """The JSON object of these keys and values (each JSON text in pieces), as `_json_text` would write it: keys
    sorted. In pieces, as the exports of a large catalog are tens of megabytes: the write stage joins them in blocks
    instead of copying the whole text at every step."""
    yield "{"
    for index, key in enumerate(sorted(pieces_by_key)):
        yield ("," if index else "") + _json_text(key) + ":"
        yield from pieces_by_key[key]
    yield "}"


def _json_list(texts: Iterable[str]) -> Iterator[str]:
    """The JSON list of these values (JSON text already, each one value or a run of them joined by commas), as
    `_json_text` would write it, in pieces."""
    yield "["
    for index, text in enumerate(texts):
        if index:
            yield ","
        yield text
    yield "]"
