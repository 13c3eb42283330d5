"""The build as a pipeline of typed stages; each function here reads as a table of contents.

load config, taxonomy, papers (validated at the edge) -> build the catalog (groupings, derived values)
-> render outputs (each renderer returns files in memory) -> write outputs (the only stage that writes).
Every stage raises ProblemsFound with all it found; nothing is written unless every stage succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from jinja2 import Environment

from headcat.catalog import Catalog, build_catalog
from headcat.config import Config
from headcat.loading import load_config, load_papers, load_taxonomy
from headcat.output import OutputFile, write_outputs
from headcat.paper import Paper
from headcat.problems import Problem, ProblemsFound
from headcat.field_reference import CONTRIBUTING_NAME, FIELD_REFERENCE, render_field_reference
from headcat.readme_file import README_NAME, ReadmeUpdate, has_markers, plan_readme_update, write_readme
from headcat.render_exports import render_exports
from headcat.render_feeds import render_feeds
from headcat.render_readme import render_readme_table
from headcat.render_site import render_site
from headcat.search_index import SearchIndex, build_search_index
from headcat.taxonomy import Taxonomy
from headcat.templating import make_environment


@dataclass(frozen=True)
class LoadedInput:
    """Everything the catalog is made from, validated."""

    config: Config
    taxonomy: Taxonomy
    papers_by_id: dict[str, Paper]


@dataclass(frozen=True)
class BuildResult:
    catalog: Catalog
    out_dir: Path
    file_count: int


def load_input(root: Path, today: date) -> LoadedInput:
    """Config, taxonomy and papers; config and taxonomy problems are reported together before papers are read."""
    problems: list[Problem] = []
    config = taxonomy = None
    try:
        config = load_config(root)
    except ProblemsFound as found:
        problems += found.problems
    try:
        taxonomy = load_taxonomy(root)
    except ProblemsFound as found:
        problems += found.problems
    if problems or config is None or taxonomy is None:
        raise ProblemsFound(problems)
    return LoadedInput(config, taxonomy, load_papers(root, taxonomy, today))


def check(root: Path, today: date) -> Catalog:
    """Everything a build validates, writing nothing."""
    loaded = load_input(root, today)
    return build_catalog(loaded.config, loaded.taxonomy, loaded.papers_by_id)


def build(root: Path, out_dir: Path, today: date, with_search: bool = True) -> BuildResult:
    """Validate, render every output in memory, then write them all at once; README.md's table last, and only
    when the site was written (a catalog without a README.md builds without one)."""
    catalog = check(root, today)
    files = render_outputs(catalog, root, with_search)
    documents = plan_documents(catalog, root, readme_required=False)
    count = write_outputs(out_dir, files)
    for update in documents:
        if update.is_stale:
            write_readme(update)
    return BuildResult(catalog=catalog, out_dir=out_dir, file_count=count)


def render_outputs(catalog: Catalog, root: Path, with_search: bool = True) -> list[OutputFile]:
    """Every output file in memory; without search, the site is complete but has no Pagefind index."""
    environment = _template_environment(root)
    search_index = build_search_index(catalog) if with_search else SearchIndex()
    return [*render_site(catalog, environment, search_index.result_id_by_paper), *search_index.files,
            *render_feeds(catalog, environment),
            *render_exports(catalog, environment)]


def plan_documents(catalog: Catalog, root: Path, readme_required: bool = True) -> tuple[ReadmeUpdate, ...]:
    """The generated parts of the repository's Markdown files, freshly rendered (nothing written yet):
    README.md's paper table, and CONTRIBUTING.md's field reference when that file asks for one."""
    environment = _template_environment(root)
    updates = []
    if readme_required or (root / README_NAME).exists():
        updates.append(plan_readme_update(root / README_NAME, render_readme_table(catalog, environment)))
    if has_markers(root / CONTRIBUTING_NAME, FIELD_REFERENCE):
        updates.append(plan_readme_update(root / CONTRIBUTING_NAME, render_field_reference(environment),
                                          FIELD_REFERENCE))
    return tuple(updates)


def _template_environment(root: Path) -> Environment:
    templates_dir = root / "templates"
    if not templates_dir.is_dir():
        raise ProblemsFound([Problem(str(templates_dir), 0, 0, "not found; a catalog needs its templates/ folder")])
    return make_environment(templates_dir)
