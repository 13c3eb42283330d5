"""Rendering the data exports (render stage): catalog.json, papers.bib and papers.csl.json.

catalog.json is headcat's own versioned format (docs/exports.md); papers.bib joins each paper's bibtex/entry.bib;
papers.csl.json is CSL-JSON for reference managers. Keys are sorted and papers are in paper id order, so the bytes
depend on the data alone. Each paper's part of each export is a fragment of its own: a rebuild renders only the
changed papers' parts and joins the rest from the build cache.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from jinja2 import Environment

from headcat.catalog.catalog import Catalog, CatalogPaper
from headcat.write.staging import Output, Reuse, to_render

CATALOG_FORMAT = "headcat-catalog"
CATALOG_FORMAT_VERSION = 1
"""Raised when a key is removed or changes meaning; adding keys keeps the version (readers ignore unknown keys)."""

_CSL_TYPE_BY_KIND = {"preprint": "article", "conference": "paper-conference", "journal": "article-journal",
                     "other": "document"}


def render_exports(catalog: Catalog, environment: Environment, reuse: Reuse | None = None) -> list[Output]:
    """The three exports, for the write stage to render. With `reuse`, an export is kept as it is when no paper
    changed, and otherwise joined again from each paper's part, rendered again only for the papers that changed."""
    papers = sorted(catalog.papers, key=lambda entry: entry.id)

    def render_parts(kind: str, render: Callable[[CatalogPaper], str]) -> list[str]:
        """Each paper's part of one export, in paper id order. A part shows the paper's data, the templates and the
        settings (the record's url comes from base_url); the paper's data key is enough, as templates and settings
        are in every fragment's key already."""
        if reuse is None:
            return [render(entry) for entry in papers]
        return [reuse.fragment((kind, entry.id), catalog.data_key_by_id[entry.id], partial(render, entry))
                for entry in papers]

    def bibtex() -> Iterator[str]:
        entry_template = environment.get_template("bibtex/entry.bib")
        return environment.get_template("exports/papers.bib").generate(
            entries=render_parts("export bib", lambda entry: entry_template.render(entry=entry)))

    def catalog_file() -> Iterator[str]:
        yield from catalog_json(catalog, render_parts(
            "export json", lambda entry: _json_text(_paper_record(catalog, entry))))
        yield "\n"

    def csl_file() -> Iterator[str]:
        yield from _json_list(render_parts("export csl", lambda entry: _json_text(csl_item(entry))))
        yield "\n"

    shown = [catalog.data_key_by_id[entry.id] for entry in papers]  # every paper; templates and settings are in
    # every output's key already
    return [to_render(path, render, reuse, shown, weight=len(papers))
            for path, render in (("catalog.json", catalog_file), ("papers.bib", bibtex), ("papers.csl.json", csl_file))]


def catalog_json(catalog: Catalog, records: list[str]) -> Iterator[str]:
    """The whole catalog as JSON text around `records` (each paper's, in paper id order), in pieces; see
    docs/exports.md for every key."""
    config = catalog.config
    return _json_object({
        "format": [_json_text(CATALOG_FORMAT)],
        "version": [_json_text(CATALOG_FORMAT_VERSION)],
        "catalog": [_json_text(config.model_dump(mode="json", include={"title", "description", "base_url"},
                                                 exclude_none=True))],
        "papers": _json_list(records),
        "taxonomy": [_json_text(catalog.taxonomy.model_dump(mode="json", exclude_none=True))],
    })


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


def _json_list(texts: list[str]) -> Iterator[str]:
    """The JSON list of these values (JSON text already), as `_json_text` would write it, in pieces."""
    yield "["
    for index, text in enumerate(texts):
        if index:
            yield ","
        yield text
    yield "]"
