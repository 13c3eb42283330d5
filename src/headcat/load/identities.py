"""One paper, one file (load stage): the keys that recognise a paper, and the rule that no two files share one.

A paper is recognised by its arXiv id (from `arxiv:` or an arxiv.org paper link), its DOI and its title (case,
spacing and punctuation ignored). `headcat new` reads the same keys, leniently, to refuse adding a paper twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import Node

from headcat.load.errors import field_path
from headcat.load.yaml_source import Location, SourceError, compose_yaml, locate, parse_yaml, read_yaml_text
from headcat.model.paper import Paper
from headcat.model.problems import Problem


def find_duplicate_papers(folder: Path, identities: dict[str, tuple[Identity, ...]]) -> list[Problem]:
    """Two files for one paper (same arXiv id, DOI or title): a problem in the later file naming the first."""
    first_by_key: dict[tuple[str, str], tuple[str, Location]] = {}
    clashes: list[tuple[str, Location, str, Location, str]] = []
    for paper_id, keys in identities.items():
        for key, location, label in keys:
            first = first_by_key.setdefault(key, (paper_id, location))
            if first[0] != paper_id:
                clashes.append((paper_id, location, first[0], first[1], label))
    problems = []
    nodes: dict[str, Node] = {}
    for paper_id, location, first_id, first_location, label in clashes:
        for some_id in (paper_id, first_id):
            nodes.setdefault(some_id, compose_yaml((folder / f"{some_id}.yaml").read_text(encoding="utf-8-sig")))
        first_line, first_column = locate(nodes[first_id], first_location)
        first_place = f"{folder / first_id}.yaml:{first_line}:{first_column}"
        message = f"{field_path(location)}: {label} as {first_place}; both files describe one paper: keep one"
        problems.append(Problem(str(folder / f"{paper_id}.yaml"), *locate(nodes[paper_id], location), message))
    return problems


ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(.+?)(?:v\d+)?(?:\.pdf)?/?$", re.IGNORECASE)
"""An arXiv abstract or PDF address; group 1 is the id without its version."""


def title_key(title: str) -> str:
    """How titles are compared to find one paper in two files: case, spacing and punctuation do not count."""
    return re.sub(r"[\W_]+", "", title.casefold())


@dataclass(frozen=True)
class CatalogIdentities:
    """Which file holds which paper, by arXiv id and by title key; for refusing to add a paper twice."""

    path_by_arxiv: dict[str, Path]
    path_by_title: dict[str, Path]


def read_catalog_identities(folder: Path) -> CatalogIdentities:
    """The arXiv ids (from `arxiv:` or an arxiv.org link) and titles of every paper file that can be read.

    Lenient on purpose: a broken file elsewhere in the catalog is `headcat check`'s business, not a reason to
    refuse adding a new one.
    """
    path_by_arxiv: dict[str, Path] = {}
    path_by_title: dict[str, Path] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = parse_yaml(read_yaml_text(path))
        except (SourceError, OSError):
            continue
        if not isinstance(data, dict):
            continue
        links = data.get("links")
        if not isinstance(links, dict):
            links = {}
        from_link = ARXIV_URL.search(str(links.get("paper") or "").strip())
        for arxiv_id in (data.get("arxiv"), from_link.group(1) if from_link else None):
            if isinstance(arxiv_id, (str, int, float)) and not isinstance(arxiv_id, bool):
                path_by_arxiv.setdefault(str(arxiv_id).strip(), path)
        if isinstance(data.get("title"), str):
            path_by_title.setdefault(title_key(data["title"]), path)
    return CatalogIdentities(path_by_arxiv, path_by_title)


Identity = tuple[tuple[str, str], Location, str]
"""One way to recognise a paper: (kind, value), where the file states it, and how to name it in a message."""


def identity_keys(paper: Paper) -> tuple[Identity, ...]:
    keys: list[Identity] = []
    arxiv_from_link = ARXIV_URL.search(paper.links.paper or "")
    if paper.arxiv:
        keys.append((("arxiv", paper.arxiv), ("arxiv",), f"the same arXiv id '{paper.arxiv}'"))
    elif arxiv_from_link:
        arxiv = arxiv_from_link.group(1)
        keys.append((("arxiv", arxiv), ("links", "paper"), f"the same arXiv id '{arxiv}'"))
    if paper.doi:
        keys.append((("doi", paper.doi.casefold()), ("doi",), f"the same DOI '{paper.doi}'"))
    keys.append((("title", title_key(paper.title)), ("title",),
                 "the same title (ignoring case, spaces and punctuation)"))
    return tuple(keys)


def identity_from_data(data: object) -> tuple[Identity, ...]:
    """Identity keys as the paper store keeps them (JSON lists), as `identity_keys` made them; raises TypeError or
    ValueError for anything else."""
    if not isinstance(data, list):
        raise TypeError("identity keys are a list")
    keys = []
    for (kind, value), location, label in data:
        if not (isinstance(kind, str) and isinstance(value, str) and isinstance(label, str)
                and isinstance(location, list) and all(isinstance(step, (str, int)) for step in location)):
            raise TypeError("not an identity key")
        keys.append(((kind, value), tuple(location), label))
    return tuple(keys)


def identity_to_data(keys: tuple[Identity, ...]) -> list[object]:
    """Identity keys as JSON data (lists), the form the paper store keeps and `identity_from_data` reads."""
    return [[list(key), list(location), label] for key, location, label in keys]
