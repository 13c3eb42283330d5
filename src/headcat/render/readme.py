"""Rendering the README's paper table (render stage): templates/readme/table.md with the catalog, as text in memory.

The table is an HTML table under one Markdown heading per year, so that every title, author and summary is
HTML-escaped by the template (Markdown syntax in them stays text) and a `|` can never split a row. Papers from
before `FOLD_BEFORE_YEAR` share one heading. Splicing the text into README.md is readme_file's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from headcat.catalog import urls
from headcat.catalog.catalog import Catalog, CatalogPaper
from headcat.model.fields import slugify
from headcat.render.context import RenderContext

FOLD_BEFORE_YEAR = 2022
"""Papers older than this share one heading: there are few of them, one heading each would be mostly empty."""


@dataclass(frozen=True)
class ReadmeSection:
    """The papers under one heading of the table: one year, or every year before FOLD_BEFORE_YEAR."""

    heading: str
    anchor: str
    """The fragment GitHub gives the heading: '2024', '2021-and-earlier'."""
    papers: tuple[CatalogPaper, ...]


def list_readme_sections(catalog: Catalog) -> tuple[ReadmeSection, ...]:
    """Newest year first; papers in the catalog's order (newest date first) within each."""
    sections = [ReadmeSection(str(group.year), str(group.year), catalog.papers_of(group.paper_ids))
                for group in catalog.years if group.year >= FOLD_BEFORE_YEAR]
    older = tuple(catalog.paper(paper_id) for group in catalog.years if group.year < FOLD_BEFORE_YEAR
                  for paper_id in group.paper_ids)
    if older:
        heading = f"{FOLD_BEFORE_YEAR - 1} and earlier"
        sections.append(ReadmeSection(heading, slugify(heading), older))
    return tuple(sections)


def render_readme_table(catalog: Catalog, context: RenderContext) -> str:
    """The text that goes between README.md's markers, ending with a newline. Each section's rows
    (templates/readme/row.md) are kept in runs (context.py; rendered again only when a paper in them changed, on
    every core when there are many) and joined here, so the table template loops over years, not papers."""
    sections = list_readme_sections(catalog)
    rows = [context.run_of_parts("readme rows", section.anchor, render_readme_row, section.papers,
                                 catalog.config.base_url, "\n", in_parallel=True) for section in sections]
    return context.environment.get_template("readme/table.md").render(
        paper_count=len(catalog.papers),
        sections=[(section, Markup("\n".join(chunks))) for section, chunks in zip(sections, rows, strict=True)])


def render_readme_row(entry: CatalogPaper, base_url: str | None, context: RenderContext) -> str:
    """One paper's row, without its last newline: the table puts rows on lines. The title links to the paper's
    page on the published site when the settings give its address, else to the paper itself."""
    title_url = urls.absolute(base_url, urls.paper_folder(entry.id)) or entry.paper_url
    return context.environment.get_template("readme/row.md").render(entry=entry, title_url=title_url).rstrip("\n")
