"""The build as a pipeline of typed stages; each function here reads as a table of contents.

load config -> load taxonomy -> load papers (validated at the edge) -> ... Later stages (catalog, render,
write) join here as they are built. Every stage raises ProblemsFound with all it found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from headcat.config import Config
from headcat.loading import load_config, load_papers, load_taxonomy
from headcat.paper import Paper
from headcat.problems import ProblemsFound
from headcat.taxonomy import Taxonomy


@dataclass(frozen=True)
class LoadedInput:
    """Everything the catalog is made from, validated."""

    config: Config
    taxonomy: Taxonomy
    papers_by_id: dict[str, Paper]


def load_input(root: Path, today: date) -> LoadedInput:
    """Config, taxonomy and papers; config and taxonomy problems are reported together before papers are read."""
    problems = []
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
