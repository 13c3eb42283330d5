"""Problems: what is wrong with the input, where, and how to fix it.

Every stage reports bad input as `Problem` values and raises `ProblemsFound` carrying all of them; only the CLI
formats them for people (`PATH:LINE:COLUMN: error: MESSAGE`) and picks the exit code. A formatted problem is always
one line with no character a terminal acts on, whatever the file's values and names hold (`escape_for_terminal`),
and a file's problems are cut short after MAX_PROBLEMS_PER_FILE.
"""

from __future__ import annotations

import difflib
import errno
import heapq
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

MAX_PROBLEMS_PER_FILE = 20
"""A file with more problems shows the first ones (by position) and one line saying how many more it holds: fixing
those usually fixes many of the rest, and 400,000 lines would bury the summary."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing to fix. `line` and `column` are 1-based; 0 means the problem concerns the whole file."""

    path: str
    line: int
    column: int
    message: str
    more: int = 0
    """Not 0 only on the line that closes a file's problems when they were cut short: how many are not shown."""

    def format_text(self) -> str:
        path = escape_for_terminal(self.path)
        where = f"{path}:{self.line}:{self.column}" if self.line else path
        return f"{where}: error: {escape_for_terminal(self.message)}"

    def format_github(self) -> str:
        """A GitHub Actions workflow command, which shows the problem as an annotation on the pull request's diff."""
        place = f"file={_escape_property(escape_for_terminal(self.path))}"
        if self.line:
            place += f",line={self.line},col={self.column}"
        return f"::error {place}::{_escape_data(escape_for_terminal(self.message))}"


def more_problems(path: str, count: int) -> Problem:
    """The line that closes a file's problems when `count` more of them are not shown."""
    return Problem(path, 0, 0, f"... and {_plural(count, 'more problem')} in this file; fix the ones above and "
                   f"run again to see the rest", more=count)


class ProblemsFound(Exception):
    """Raised by a stage that found bad input; carries every problem it found, sorted by path and position, at
    most MAX_PROBLEMS_PER_FILE a file (then one line saying how many more)."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(_cap_per_file(set(problems)))
        super().__init__(f"{problem_count(self.problems)} problem(s)")

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as its problems, as they are (a helper process sends it to the build): not capped again."""
        return _problems_found, (self.problems,)


def _problems_found(problems: tuple[Problem, ...]) -> ProblemsFound:
    found = ProblemsFound(())
    found.problems = problems
    found.args = (f"{problem_count(problems)} problem(s)",)
    return found


def problem_count(problems: Iterable[Problem]) -> int:
    """How many problems there are, counting those a cut-short file does not show."""
    return sum(problem.more or 1 for problem in problems)


def summarize_problems(problems: tuple[Problem, ...]) -> str:
    """The closing line of a failed run, e.g. '3 problems in 2 files'."""
    file_count = len({problem.path for problem in problems})
    return f"{_plural(problem_count(problems), 'problem')} in {_plural(file_count, 'file')}"


def _cap_per_file(problems: set[Problem]) -> list[Problem]:
    """Sorted by path, then position, a file's closing line last. The first problems of a file with thousands are
    picked by a heap, not by sorting them all."""
    capped: list[Problem] = []
    for path, group in groupby(sorted(problems, key=lambda problem: problem.path), key=lambda problem: problem.path):
        shown, hidden = [], 0
        for problem in group:
            if problem.more:
                hidden += problem.more
            else:
                shown.append(problem)
        if len(shown) > MAX_PROBLEMS_PER_FILE:
            hidden += len(shown) - MAX_PROBLEMS_PER_FILE
            shown = heapq.nsmallest(MAX_PROBLEMS_PER_FILE, shown)
        capped += sorted(shown)
        if hidden:
            capped.append(more_problems(path, hidden))
    return capped


def cannot_read(path: str, error: OSError) -> Problem:
    """An input file or folder that the system will not let headcat read, and what to do when the reason says."""
    fix = ""
    if isinstance(error, PermissionError):
        fix = "; give yourself permission to read it (chmod u+r), and to open its folders (chmod u+x)"
    elif isinstance(error, IsADirectoryError):
        fix = "; this is a folder, where a file is expected"
    return Problem(path, 0, 0, f"cannot read the file: {error.strerror or error}{fix}")


def link_problem(path: Path, folder: Path, fix: str, *, place: str = "the catalog",
                 refusal: str = "which headcat never reads") -> Problem | None:
    """The one rule for a link among headcat's inputs: None when the link at `path` leads to a file inside `folder`
    (the catalog, or the templates folder: `place`) that is not hidden; else the problem at the link, ending with
    `fix`. Where it leads is never read nor named: a link to /etc/passwd or .git/config shows nothing of it."""
    try:
        target = Path(os.path.realpath(path, strict=True))  # not Path.resolve: it says ELOOP as RuntimeError
    except OSError as error:
        if error.errno == errno.ELOOP:
            return Problem(str(path), 0, 0, f"is a link in a loop (it leads back to itself); {fix}")
        if error.errno == errno.ENOENT:
            return Problem(str(path), 0, 0, f"is a link to nothing; {fix}")
        return Problem(str(path), 0, 0, f"is a link that cannot be followed ({error.strerror}); {fix}")
    top = folder.resolve()
    if not target.is_relative_to(top):
        return Problem(str(path), 0, 0, f"is a link that leads outside {place}, {refusal}; {fix}")
    if any(part.startswith(".") for part in target.relative_to(top).parts):
        return Problem(str(path), 0, 0, f"is a link to a hidden file or folder (such as .git/), {refusal}; {fix}")
    return None


DID_YOU_MEAN_CUTOFF = 0.75
"""How alike (difflib's ratio) a word and a choice must be for a did-you-mean."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A ' (did you mean 'X'?)' hint for a near miss, or '' when nothing is close. Case is ignored when matching."""
    by_folded = {choice.casefold(): choice for choice in choices}
    close = difflib.get_close_matches(word.casefold(), list(by_folded), n=1, cutoff=DID_YOU_MEAN_CUTOFF)
    return f" (did you mean '{by_folded[close[0]]}'?)" if close else ""


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


_MOVES_THE_CURSOR = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What a terminal acts on instead of showing: C0 and C1 controls (a newline, ESC starting an escape sequence), DEL,
the line and paragraph separators, and the marks and overrides that reorder bidirectional text."""


def escape_for_terminal(text: str) -> str:
    """`text` with every character a terminal acts on written as its escape (ESC as \\x1b, U+2028 as \\u2028), so
    that a value echoed in a message can neither start a line that looks like another problem nor send the terminal
    a command."""
    if _MOVES_THE_CURSOR.search(text) is None:
        return text
    return _MOVES_THE_CURSOR.sub(_escape_character, text)


def _escape_character(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
