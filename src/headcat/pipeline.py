"""The build as a pipeline of typed stages; each function here reads as a table of contents.

load config, taxonomy, papers (validated at the edge) -> build the catalog (groupings, derived values)
-> render outputs (each renderer returns files in memory) -> write outputs (the only stage that writes).
Every stage raises ProblemsFound with all it found; nothing is written unless every stage succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from headcat.catalog import Catalog, build_catalog
from headcat.config import Config
from headcat.loading import load_config, load_papers, load_taxonomy
from headcat.output import OutputFile, write_outputs
from headcat.paper import Paper
from headcat.problems import Problem, ProblemsFound
from headcat.render_site import render_site
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


def build(root: Path, out_dir: Path, today: date) -> BuildResult:
    """Validate, render every output in memory, then write them all at once."""
    catalog = check(root, today)
    files = render_outputs(catalog, root)
    count = write_outputs(out_dir, files)
    return BuildResult(catalog=catalog, out_dir=out_dir, file_count=count)


def render_outputs(catalog: Catalog, root: Path) -> list[OutputFile]:
    templates_dir = root / "templates"
    if not templates_dir.is_dir():
        raise ProblemsFound([Problem(str(templates_dir), 0, 0, "not found; a catalog needs its templates/ folder")])
    environment = make_environment(templates_dir)
    return [*render_site(catalog, environment)]
