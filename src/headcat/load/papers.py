"""Loading the paper files (load stage): ROOT/papers/*.yaml in, validated papers out, or every problem, located.

Each file is parsed and validated into a `Paper` (on every core for a large catalog); a file unchanged since the
paper store (cache/papers.py) last saw it is not read: its stored data is validated again instead, which is quicker
than parsing YAML and lets no value the model refuses in. The rule that spans files (one paper, one file) is
checked on all of them. `ProblemsFound` carries everything found, never just the first problem.

Only files of the catalog are read (`link_problem`, the rule for papers/, its files, taxonomy.yaml and
pyproject.toml): a link is followed only when it leads to a file inside the catalog folder that is not hidden.
Links that stay inside are allowed: they show nothing a copy of the file would not, and keep one file under two
names. Hidden files and folders (.git/, .env) count as outside: they hold a checkout's credentials, not the
catalog. A link that leads out, to nothing or round in a loop is a problem at the link; what it leads to is never
read, and never named. Only links pay for this: the listing says which entries are links.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from pydantic import ValidationError

from headcat.cache.fingerprint import model_fingerprint
from headcat.cache.papers import PaperStore, StoredPaperFile, file_state
from headcat.load.errors import parse_file, validate
from headcat.load.identities import Identity, find_duplicate_papers, identity_keys, is_identity_data
from headcat.model.paper import PAPER_ID, Paper, PaperContext
from headcat.model.problems import Problem, ProblemsFound, link_problem
from headcat.model.taxonomy import Taxonomy
from headcat.process.parallel import in_background, run_in_parallel
from headcat.process.timings import timed


@dataclass(frozen=True)
class LoadedPapers:
    by_id: dict[str, Paper]
    """Every paper by id (the file stem), sorted by id."""
    fingerprints: dict[str, str]
    """The fingerprint of each paper's validated data, by paper id (cache/fingerprint.py): worked out where the
    paper was validated, so that the build does not work it out again."""


@dataclass(frozen=True)
class _ReadPaper:
    """A paper file read and validated, or its problems."""

    paper: Paper | None
    problems: list[Problem]
    data: str
    """The validated paper as JSON (what the paper store keeps)."""
    identity: list[Identity]
    """How the paper is recognised in another file (identities.py)."""


def load_papers(root: Path, taxonomy: Taxonomy, today: date, store: PaperStore | None = None) -> LoadedPapers:
    """Every ROOT/papers/*.yaml as a Paper. With a store, a file unchanged since it last validated is taken from
    it, and the store is then brought up to date (by a child process, while the build goes on)."""
    context = PaperContext(taxonomy=taxonomy, today=today)
    scan = _scan_papers(root / "papers", context, store)
    stored = {f"{paper_id}.yaml": store.paper(f"{paper_id}.yaml") for paper_id in scan.ids
              if f"{paper_id}.yaml" not in scan.read} if store is not None else {}
    if any(data is None for data in stored.values()):  # the store lost some: read every file again
        return load_papers(root, taxonomy, today, store=None)
    validated = {name: _validate_stored(data, context) for name, data in stored.items()}  # type: ignore[arg-type]
    papers: dict[str, Paper] = {}
    data: dict[str, str] = {}
    for paper_id in scan.ids:
        name = f"{paper_id}.yaml"
        read = scan.read.get(name)
        paper = read.paper if read is not None else validated[name]
        if paper is None:  # stored data that is not valid: read every file again
            return load_papers(root, taxonomy, today, store=None)
        papers[paper_id], data[name] = paper, read.data if read is not None else stored[name]  # type: ignore[assignment]
    if store is not None:
        with timed("write the paper store (in a child process)"):
            in_background(partial(store.save, scan.files, data), "write the paper store")
    return LoadedPapers(papers, {paper_id: model_fingerprint(Paper, data[f"{paper_id}.yaml"]) for paper_id in papers})


def check_papers(root: Path, taxonomy: Taxonomy, today: date, store: PaperStore | None = None) -> int:
    """Validate every paper file and return how many there are; files unchanged since the store last saw them
    are not read at all (the store is only read here: builds write it)."""
    return len(_scan_papers(root / "papers", PaperContext(taxonomy=taxonomy, today=today), store).ids)


def _validate_stored(data: str, context: PaperContext) -> Paper | None:
    try:
        return Paper.model_validate_json(data, context=context)
    except ValidationError:
        return None


@dataclass(frozen=True)
class _PaperScan:
    ids: tuple[str, ...]
    read: dict[str, _ReadPaper]
    """By file name: the files read and validated in this scan (not found unchanged in the store)."""
    files: dict[str, StoredPaperFile]
    """By file name: every paper file, as the store keeps it."""


def _scan_papers(folder: Path, context: PaperContext, store: PaperStore | None) -> _PaperScan:
    if folder.is_symlink():
        problem = link_problem(folder, folder.parent, "the papers/ folder must be a folder inside the catalog; "
                               "replace the link with the folder")
        if problem is not None:
            raise ProblemsFound([problem])
    if not folder.is_dir():
        raise ProblemsFound([Problem(str(folder), 0, 0, "not found; paper files go in a papers/ folder")])
    identities: dict[str, list[Identity]] = {}
    files: dict[str, StoredPaperFile] = {}
    problems: list[Problem] = []
    to_read: list[tuple[Path, os.stat_result]] = []
    with os.scandir(folder) as listing:  # names and file types in one call: no Path objects for 10,000 files
        entries = sorted(listing, key=lambda entry: entry.name)
    for entry in entries:
        stem, _, suffix = entry.name.rpartition(".")
        if suffix != "yaml" or not stem:
            if stem and suffix.lower() in ("yaml", "yml"):  # .yml, .YAML, .Yaml...: never read, always reported
                problems.append(Problem(entry.path, 1, 1, f"paper files end in .yaml; rename it to "
                                        f"{_paper_id_like(stem)}.yaml"))
            continue
        if entry.is_symlink():  # known from the listing: only links pay for finding where they lead
            problem = link_problem(Path(entry.path), folder.parent, PAPER_LINK_FIX)
            if problem is not None:
                problems.append(problem)
                continue
        if not entry.is_file():
            problems.append(Problem(entry.path, 0, 0, "is not a readable file (a folder, or a link to nothing); "
                                    "a paper is one .yaml file"))
            continue
        if not PAPER_ID.fullmatch(stem):
            problems.append(Problem(entry.path, 1, 1, f"the file name is the paper id and must be lowercase words "
                                    f"joined by hyphens; rename it to {_paper_id_like(stem)}.yaml"))
            continue
        status = entry.stat()
        stored = store.lookup(entry.name, status) if store else None
        if stored is not None and is_identity_data(stored.identity):
            identities[stem] = stored.identity
            files[entry.name] = stored
        else:
            identities[stem] = []  # holds the paper's place in id order until it is validated
            to_read.append((Path(entry.path), status))
    # Parsing and validating, on every core; the models come back from helpers in one piece each.
    validated = run_in_parallel(partial(_read_paper, context=context), [path for path, _ in to_read])
    read: dict[str, _ReadPaper] = {}
    for (path, status), outcome in zip(to_read, validated, strict=True):
        problems += outcome.problems
        if outcome.paper is None:
            del identities[path.stem]
            continue
        read[path.name] = outcome
        identities[path.stem] = outcome.identity
        files[path.name] = StoredPaperFile(file_state(status), outcome.identity)
    problems += find_duplicate_papers(folder, identities)
    if problems:
        raise ProblemsFound(problems)
    return _PaperScan(ids=tuple(identities), read=read, files=files)


def _paper_id_like(stem: str) -> str:
    """`stem` when it is a paper id, else the paper id nearest to it: its lowercase words joined by hyphens."""
    if PAPER_ID.fullmatch(stem):
        return stem
    return "-".join(re.findall(r"[a-z0-9]+", stem.lower())) or "a-short-title"


PAPER_LINK_FIX = "a paper file must be a file inside the catalog; replace the link with the file"


def _read_paper(path: Path, context: PaperContext) -> _ReadPaper:
    """A paper file's model, or its located problems; its data as JSON and how the paper is recognised in another
    file (worked out here, on every core)."""
    data, problems = parse_file(path)
    paper, problems = validate(path, data, Paper, context) if data is not None else (None, problems)
    if paper is None:
        return _ReadPaper(None, problems, "", [])
    return _ReadPaper(paper, problems, paper.model_dump_json(), identity_keys(paper))
