"""One paper, one file (load stage): the keys that recognise a paper, and the rule that no two files share one.

A paper is recognised by its arXiv id (from `arxiv:` or an arxiv.org paper link), its DOI and its title (case,
spacing and punctuation ignored). `headcat new` reads the same keys, leniently, to refuse adding a paper twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import Node

from headcat.load.yaml_source import Location, SourceError, compose_yaml, locate, parse_yaml, read_yaml_text
from headcat.model.fields import slugify
from headcat.model.paper import Paper
from headcat.model.problems import Problem

Identity = str
"""One way to recognise a paper: 'kind\x1fvalue\x1flocation\x1flabel', e.g. the arXiv id 2404.15574 as the
file's `arxiv` states it, and how a message names it. Text, so that the paper store keeps it as it is."""
VENUE_KEY = "venue"
"""Not a way to recognise a paper: the page a paper's venue names, kept with the others so that `check` finds two
spellings of one venue page without reading files unchanged since the paper store saw them."""
_SEPARATOR = "\x1f"  # no key value holds one: a title key keeps letters and digits; ids and DOIs hold no space


def find_duplicate_papers(folder: Path, identities: dict[str, list[Identity]]) -> list[Problem]:
    """Two files for one paper (same arXiv id, DOI or title), and two spellings of a venue that would share its page
    ('Arxiv 2024' and 'arXiv 2024'): a problem in the later file naming the first. Raises ValueError for identities
    that are not what `identity_keys` makes (a damaged paper store's)."""
    first_by_key: dict[str, tuple[str, str, str]] = {}
    clashes: list[tuple[str, str, str, str, tuple[str, str]]] = []  # the message, before and after the first place
    for paper_id, keys in identities.items():
        for identity in keys:
            kind, value, location, label = identity.split(_SEPARATOR)
            first_id, first_location, first_label = first_by_key.setdefault(f"{kind}{_SEPARATOR}{value}",
                                                                             (paper_id, location, label))
            if kind == VENUE_KEY:
                if label != first_label:
                    clashes.append((paper_id, location, first_id, first_location,
                                    (f"'{label}' would share its page ('{value}') with '{first_label}' at ",
                                     "; spell the venue as that file does")))
            elif first_id != paper_id:
                clashes.append((paper_id, location, first_id, first_location,
                                (f"{label} as ", "; both files describe one paper: keep one")))
    problems = []
    nodes: dict[str, Node] = {}
    for paper_id, location, first_id, first_location, (before, after) in clashes:
        for some_id in (paper_id, first_id):
            nodes.setdefault(some_id, compose_yaml((folder / f"{some_id}.yaml").read_text(encoding="utf-8-sig")))
        first_line, first_column = locate(nodes[first_id], _steps(first_location))
        first_place = f"{folder / first_id}.yaml:{first_line}:{first_column}"
        problems.append(Problem(str(folder / f"{paper_id}.yaml"), *locate(nodes[paper_id], _steps(location)),
                                f"{location}: {before}{first_place}{after}"))
    return problems


def _steps(location: str) -> Location:
    return tuple(location.split("."))


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


def identity_keys(paper: Paper) -> list[Identity]:
    """How the paper is recognised in another file: its arXiv id (from `arxiv`, else from an arxiv.org paper link),
    DOI and title key."""
    keys = []
    arxiv_from_link = ARXIV_URL.search(paper.links.paper or "")
    if paper.arxiv:
        keys.append(("arxiv", paper.arxiv, "arxiv", f"the same arXiv id '{paper.arxiv}'"))
    elif arxiv_from_link:
        arxiv = arxiv_from_link.group(1)
        keys.append(("arxiv", arxiv, "links.paper", f"the same arXiv id '{arxiv}'"))
    if paper.doi:
        keys.append(("doi", paper.doi.casefold(), "doi", f"the same DOI '{paper.doi}'"))
    keys.append(("title", title_key(paper.title), "title", "the same title (ignoring case, spaces and punctuation)"))
    if paper.venue:
        keys.append((VENUE_KEY, slugify(paper.venue), "venue", paper.venue))
    return [_SEPARATOR.join(key) for key in keys]


def is_identity_data(data: object) -> bool:
    """Whether `data` (from the paper store) is identity keys as `identity_keys` makes them."""
    return type(data) is list and all(type(key) is str and key.count(_SEPARATOR) == 3 for key in data)
