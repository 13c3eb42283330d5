"""The home page's data (render stage): what its script needs to list, filter and sort the whole catalog while the
page itself holds only the newest papers.

Papers are named by their **number**, their place in the catalog's order (newest first, from 0), so that a list of
papers in that order is a list of ascending numbers. Under search/:

    papers-K.json        the records of papers K*RECORDS_PER_FILE... (what a result shows: title, date, venue,
                         authors, head types, stages and links), a list in number order
    summaries-K.json     the same papers' summaries as HTML (three parts each): read only for the cards of a
                         filtered list, not for search results or the compact view
    facet-PARAM-B.json   for each option of a facet, the numbers of its papers, ascending, each written as its
                         distance from the one before (so mostly small); an option is in file
                         CRC-32(value) % the facet's file count, which the home page's form gives
    order-added.json     the numbers in another order the reader can choose: recently added first,
    order-title.json     or by title

The script reads only what a view needs: the options' lists of the facets shown, a record file per papers shown,
an order file when the reader sorts by it. Each file is an output keyed by what it is made of, so a rebuild after one
paper's summary changed writes one record file again; a paper added or moved renumbers those after it and rewrites
the lists (small), the order files and the record files from its place on.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headcat.catalog import facets, urls
from headcat.catalog.catalog import Catalog, CatalogPaper
from headcat.render.environment import long_date_filter, markdown_filter
from headcat.render.lookup import json_text, key_hash
from headcat.render.outputs import Output

if TYPE_CHECKING:
    from headcat.render.context import RenderContext

RECORDS_PER_FILE = 32
"""How many papers' records a record file holds (a few tens of KB: a page of results reads one to a few dozen)."""
POSTINGS_PER_FILE = 32768
"""About how many paper numbers a facet file holds at most (an option's list is never split)."""


@dataclass(frozen=True, slots=True)
class RecordInputs:
    """A record file: its papers, in number order."""

    entries: tuple[CatalogPaper, ...]


@dataclass(frozen=True, slots=True)
class DataInputs:
    """A file whose content was made from the catalog as the site was planned (a facet's lists, an order)."""

    text: str


def facet_file_counts(catalog: Catalog) -> dict[str, int]:
    """How many files each facet's lists are split in, by the facet's name in the site (facets.public_param)."""
    return {facets.public_param(facet.param, catalog.taxonomy.words):
            file_count(sum(len(ids) for ids in catalog.facet_groups(facet.param).values()))
            for facet in facets.FACETS}


def browse_outputs(catalog: Catalog) -> Iterator[Output]:
    """The record files, each facet's files and the order files."""
    papers = catalog.papers
    for start in range(0, len(papers), RECORDS_PER_FILE):
        chunk = papers[start:start + RECORDS_PER_FILE]
        yield Output(urls.record_file(start // RECORDS_PER_FILE), render_record_file, RecordInputs(chunk),
                     weight=len(chunk))
        yield Output(urls.summary_file(start // RECORDS_PER_FILE), render_summary_file, RecordInputs(chunk),
                     weight=len(chunk))
    number_of = catalog.number_of
    counts = facet_file_counts(catalog)
    for facet in facets.FACETS:
        param = facets.public_param(facet.param, catalog.taxonomy.words)
        files: list[dict[str, list[int]]] = [{} for _ in range(counts[param])]
        for value, paper_ids in catalog.facet_groups(facet.param).items():
            files[key_hash(value) % counts[param]][value] = _gaps(sorted(number_of[paper_id] for paper_id in paper_ids))
        for number, lists in enumerate(files):
            yield Output(urls.facet_file(param, number), render_data_file, DataInputs(json_text(lists)))
    added = sorted(range(len(papers)), key=lambda number: (-papers[number].paper.added.toordinal(), number))
    yield Output(urls.order_file("added"), render_data_file, DataInputs(json_text(added)))
    titles = sorted(range(len(papers)), key=lambda number: (papers[number].paper.title.casefold(), number))
    yield Output(urls.order_file("title"), render_data_file, DataInputs(json_text(titles)))


def render_record_file(inputs: RecordInputs, context: RenderContext) -> bytes:
    return json_text([paper_record(entry) for entry in inputs.entries]).encode("utf-8")


def render_summary_file(inputs: RecordInputs, context: RenderContext) -> bytes:
    """Each paper's summary parts as HTML, in number order."""
    parts = [(entry.paper.summary.innovation, entry.paper.summary.tasks, entry.paper.summary.result)
             for entry in inputs.entries]
    return json_text([[str(markdown_filter(part)) for part in paper_parts] for paper_parts in parts]).encode("utf-8")


def render_data_file(inputs: DataInputs, context: RenderContext) -> bytes:
    return inputs.text.encode("utf-8")


def paper_record(entry: CatalogPaper) -> dict[str, Any]:
    """What a result shows of a paper besides its summary (the script lays it out as templates/site/card.html
    does); paths are from the site's top."""
    paper = entry.paper
    record: dict[str, Any] = {
        "id": entry.id, "title": paper.title, "date": paper.date.isoformat(), "date_text": long_date_filter(paper.date),
        "added": paper.added.isoformat(),
        "path": entry.path,
        "authors": [[label.name, label.path] for label in entry.authors[:AUTHORS_SHOWN]],
        "groups": [[label.stage.name, label.path, label.tone] for label in entry.stages],
        "topics": [[label.head_type.name, label.path] for label in entry.heads],
        "links": [[link.kind, link.label, link.url] for link in entry.typed_links]}
    if len(entry.authors) > AUTHORS_SHOWN:
        record["more_authors"] = len(entry.authors) - AUTHORS_SHOWN
    if entry.venue is not None:
        record["venue"] = [entry.venue.name, entry.venue.path]
    return record


AUTHORS_SHOWN = 6
"""A card names its paper's first authors and counts the others (templates/site/card.html does the same)."""


def _gaps(numbers: list[int]) -> list[int]:
    """Ascending numbers as the first and then each one's distance from the one before."""
    return [number - before for number, before in zip(numbers, [0, *numbers], strict=False)]


def file_count(postings: int, per_file: int = POSTINGS_PER_FILE) -> int:
    """How many files `postings` numbers are split in, about `per_file` to a file (the search index's too)."""
    return max(1, math.ceil(postings / per_file))
