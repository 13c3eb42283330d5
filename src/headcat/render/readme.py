"""Rendering the README's paper table (render stage): templates/readme/table.md with the catalog, as text in memory.

The table is an HTML table under one Markdown heading per year, so that every title, author and summary is
HTML-escaped by the template (Markdown syntax in them stays text) and a `|` can never split a row. Papers from
before `FOLD_BEFORE_YEAR` share one heading. Splicing the text into README.md is readme_file's job.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment
from markupsafe import Markup

from headcat.catalog.catalog import Catalog, CatalogPaper, slugify
from headcat.write.staging import FragmentRequest, Reuse, render_fragments

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
    sections = [ReadmeSection(str(group.year), str(group.year), tuple(catalog.paper(i) for i in group.paper_ids))
                for group in catalog.years if group.year >= FOLD_BEFORE_YEAR]
    older = tuple(catalog.paper(paper_id) for group in catalog.years if group.year < FOLD_BEFORE_YEAR
                  for paper_id in group.paper_ids)
    if older:
        heading = f"{FOLD_BEFORE_YEAR - 1} and earlier"
        sections.append(ReadmeSection(heading, slugify(heading), older))
    return tuple(sections)


def render_readme_table(catalog: Catalog, environment: Environment, reuse: Reuse | None = None) -> str:
    """The text that goes between README.md's markers, ending with a newline. Each paper's row is rendered by
    templates/readme/row.md (with `reuse`, only when the paper changed; on every core when there are many) and each
    section's rows are joined here, so the table template loops over years, not papers."""
    stage_names = {group.stage.id: f"{group.stage.name} ({group.stage.id})" for group in catalog.stages}
    row_template = environment.get_template("readme/row.md")

    def row(entry: CatalogPaper) -> FragmentRequest:
        """One paper's row, without its last newline: the table puts rows on lines."""
        title_url = _title_url(catalog, entry)

        def render() -> str:
            return row_template.render(entry=entry, title_url=title_url, stage_name_by_id=stage_names).rstrip("\n")

        return FragmentRequest(("readme row", entry.id), (catalog.data_key_by_id[entry.id], title_url), render)

    sections = list_readme_sections(catalog)
    rows = iter(render_fragments([row(entry) for section in sections for entry in section.papers], reuse))
    return environment.get_template("readme/table.md").render(
        catalog=catalog, sections=[(section, Markup("\n".join(next(rows) for _ in section.papers)))
                                   for section in sections])


def _title_url(catalog: Catalog, entry: CatalogPaper) -> str:
    """The paper's page on the published site when the config gives its address, else the paper itself."""
    return catalog.absolute_url(f"papers/{entry.id}/") or entry.paper_url
