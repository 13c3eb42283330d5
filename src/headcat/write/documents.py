"""The generated parts of the catalog's files (write stage): README.md's table and CONTRIBUTING.md's field reference
between their markers, and the editor schema (schema/paper.schema.json, a whole generated file).

Only the lines between `<!-- headcat:start -->` and `<!-- headcat:end -->` (each on a line of its own) are ever
replaced; every byte outside them is kept. Missing, repeated or misordered markers are problems: the table is never
appended. The write goes to a temporary file that then replaces README.md, so a reader never sees half a file.
Either file may be a link to a file inside the catalog (the folder that holds it; the write then goes to that file
and the link stays); a link that leads out, into a hidden file or folder, to nothing or in a loop is a problem, and
what it leads to is neither read nor written (`_refuse_link_out`).
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from headcat.model.problems import Problem, ProblemsFound, link_problem

README_NAME = "README.md"
START_MARKER = "<!-- headcat:start -->"
END_MARKER = "<!-- headcat:end -->"


@dataclass(frozen=True)
class Markers:
    """The pair of lines around a generated part of a Markdown file, and what that part is made from."""

    start: str
    end: str
    content: str
    """What goes between them, for messages: 'the paper table'."""
    source: str
    """What it is generated from, for the stale message: 'papers/'."""


PAPER_TABLE = Markers(START_MARKER, END_MARKER, "the paper table", "papers/")
CONTRIBUTING_NAME = "CONTRIBUTING.md"
FIELD_REFERENCE = Markers("<!-- headcat:fields:start -->", "<!-- headcat:fields:end -->", "the field reference",
                          "the paper model")


EDITOR_SCHEMA = Markers("", "", "the editor schema", "taxonomy.yaml and the paper model")
"""schema/paper.schema.json: a whole file, generated when the catalog has it."""
SCHEMA_PATH = "schema/paper.schema.json"
ISSUE_FORM = Markers("", "", "the issue form", "taxonomy.yaml")
"""A GitHub issue form under .github/ISSUE_TEMPLATE/ (render/forms.py), generated whole."""


@dataclass(frozen=True)
class ReadmeUpdate:
    """README.md as it is and as it would be with the new table; writing it is a separate step."""

    path: Path
    current: str
    updated: str
    markers: Markers
    start_line: int
    """The line of the start marker, where a stale table is reported."""

    @property
    def is_stale(self) -> bool:
        return self.current != self.updated


def plan_readme_update(path: Path, table: str, markers: Markers = PAPER_TABLE) -> ReadmeUpdate:
    """Read the file and splice `table` in between its markers; raises ProblemsFound when that cannot be done."""
    _refuse_link_out(path)
    if not path.is_file():
        raise ProblemsFound([Problem(str(path), 0, 0, f"not found; create it with the lines {markers.start} and "
                                     f"{markers.end} where {markers.content} goes")])
    try:
        current = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProblemsFound([Problem(str(path), 0, 0, f"is not UTF-8 text (byte {error.start}); save it as UTF-8")
                             ]) from None
    updated, start_line = splice_table(current, table, str(path), markers)
    return ReadmeUpdate(path=path, current=current, updated=updated, markers=markers, start_line=start_line)


def plan_file_update(path: Path, text: str, what: Markers) -> ReadmeUpdate:
    """A generated file as it is and as it would be (the whole file is generated: the editor schema)."""
    _refuse_link_out(path)
    try:
        current = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        current = ""  # unreadable or not text: written anew
    return ReadmeUpdate(path=path, current=current, updated=text, markers=what, start_line=1)


def has_markers(path: Path, markers: Markers) -> bool:
    """Whether an optional file (CONTRIBUTING.md) asks for this generated part."""
    _refuse_link_out(path)
    return path.is_file() and markers.start in path.read_text(encoding="utf-8", errors="replace")


def splice_table(text: str, table: str, display_path: str, markers: Markers = PAPER_TABLE) -> tuple[str, int]:
    """`text` with everything between the marker lines replaced by `table`, and the start marker's line."""
    starts, ends = _marker_lines(text, markers)
    problems = _marker_problems(text, starts, ends, display_path, markers)
    if problems:
        raise ProblemsFound(problems)
    (start_line, _, after_start), (_, before_end, _) = starts[0], ends[0]
    if not table.endswith("\n"):
        table += "\n"
    if text[:after_start].endswith("\r\n"):
        table = table.replace("\n", "\r\n")  # keep the file's own line endings
    return text[:after_start] + table + text[before_end:], start_line


def stale_readme_problem(update: ReadmeUpdate) -> Problem:
    markers = update.markers
    return Problem(str(update.path), update.start_line, 1,
                   f"{markers.content} is out of date with {markers.source}; run `headcat readme` to regenerate it")


def write_readme(update: ReadmeUpdate) -> None:
    """Replace README.md with the updated text in one step, keeping its permissions (and, when it is a link inside
    the catalog, the link: the file it leads to is replaced)."""
    _refuse_link_out(update.path)
    target = Path(os.path.realpath(update.path))
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(update.updated.encode("utf-8"))
        Path(temporary).chmod(mode)
        Path(temporary).replace(target)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.filename is None:  # a full disk, found as the open file was written
            error.filename = str(update.path)
        raise


def _refuse_link_out(path: Path) -> None:
    """Raise the problem of `path` when it is a link that does not lead to a file inside the catalog (the folder
    holding it) that is not hidden."""
    if path.is_symlink():
        problem = link_problem(path, path.parent, f"{path.name} must be a file inside the catalog; replace the link "
                               f"with the file", refusal="which headcat neither reads nor writes")
        if problem is not None:
            raise ProblemsFound([problem])


_Marker = tuple[int, int, int]
"""A marker line: its number (1-based), where the line starts and where the next line starts (string offsets)."""


def _marker_lines(text: str, markers: Markers) -> tuple[list[_Marker], list[_Marker]]:
    """The lines that hold a marker and nothing else but whitespace. Found by searching for the markers, not by
    splitting the text into lines: README.md holds a table of every paper (15 MB at 10,000 papers)."""
    found: dict[str, list[_Marker]] = {markers.start: [], markers.end: []}
    for marker, lines in found.items():
        position = text.find(marker)
        while position != -1:
            line_start = text.rfind("\n", 0, position) + 1
            line_end = text.find("\n", position)
            following = len(text) + 1 if line_end == -1 else line_end + 1
            if text[line_start:following - 1].strip() == marker:
                lines.append((text.count("\n", 0, line_start) + 1, line_start, following))
            position = text.find(marker, position + len(marker))
    return found[markers.start], found[markers.end]


def _marker_problems(text: str, starts: list[_Marker], ends: list[_Marker], path: str,
                     markers: Markers) -> list[Problem]:
    fix = "keep exactly one pair, each marker on a line of its own, the start above the end"
    if not starts and not ends:
        last_line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        return [Problem(path, last_line, 1, f"no {markers.start} and {markers.end} lines, so there is nowhere to put "
                        f"{markers.content} (it is never appended); add both lines, on lines of their own, where it "
                        f"goes")]
    problems = []
    for marker, found in ((markers.start, starts), (markers.end, ends)):
        problems += [Problem(path, number, 1, f"a second {marker} (the first is on line {found[0][0]}); {fix}")
                     for number, _, _ in found[1:]]
    if not starts:
        problems.append(Problem(path, ends[0][0], 1, f"{markers.end} without a {markers.start} above it; {fix}"))
    elif not ends:
        problems.append(Problem(path, starts[0][0], 1, f"{markers.start} without an {markers.end} below it; {fix}"))
    elif ends[0][0] < starts[0][0]:
        problems.append(Problem(path, ends[0][0], 1, f"{markers.end} comes before {markers.start} (line "
                                f"{starts[0][0]}); {fix}"))
    return problems
