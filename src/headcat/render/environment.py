"""The template environment shared by every renderer (render stage).

Autoescaping is on for HTML, XML and Markdown (the README table is HTML inside Markdown), an undefined variable is
an error rather than an empty string, and the only ways content becomes markup are the filters defined here.
Templates come from the templates folder and from nothing outside it (`_TemplateFolderLoader`).
"""

from __future__ import annotations

import errno
import json
import os
import re
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import CodeType
from typing import Any
from urllib.parse import quote

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.loaders import split_template_path
from markupsafe import Markup

from headcat.catalog import urls
from headcat.model.problems import Problem, ProblemsFound
from headcat.model.summary_markup import render_inline


@contextmanager
def template_errors_as_problems(templates_dir: Path) -> Iterator[None]:
    """A mistake in a template (bad syntax, a missing template, an undefined value) is a problem in that template,
    located at its line, not an internal error."""
    try:
        yield
    except TemplateError as error:
        raise ProblemsFound([_template_problem(error, templates_dir)]) from None


def _template_problem(error: TemplateError, templates_dir: Path) -> Problem:
    if isinstance(error, TemplateSyntaxError):
        path = error.filename or str(templates_dir / (error.name or "?"))
        return Problem(path, error.lineno, 1, f"template syntax: {error.message}")
    if isinstance(error, TemplateNotFound):
        return Problem(str(templates_dir / str(error.name)), 0, 0, "template not found; restore it or fix the name of "
                       "the template that includes it")
    # Jinja maps its frames to template lines: the innermost frame in a template file is where the error is.
    templates = templates_dir.resolve()
    place = (str(templates_dir), 0)
    frame = error.__traceback__
    while frame is not None:
        filename = frame.tb_frame.f_code.co_filename
        if Path(filename).resolve().is_relative_to(templates):
            place = (filename, frame.tb_lineno)
        frame = frame.tb_next
    return Problem(place[0], place[1], 1 if place[1] else 0, f"template: {error.message or error}")


class _Template(Template):
    """A template whose `{{ value }}` output is escaped without wrapping each value in a Markup object first.

    Jinja's compiled code calls `escape(value)` for every value it outputs and joins the results into the page;
    markupsafe's `escape` returns Markup, whose construction is most of its cost. `escape_output` gives the same
    characters as a plain string, which joins the same way: identical pages, about a tenth faster to render."""

    @classmethod
    def from_code(cls, environment: Environment, code: CodeType, globals: MutableMapping[str, Any],
                  uptodate: Callable[[], bool] | None = None) -> Template:
        template = super().from_code(environment, code, globals, uptodate)
        template.root_render_func.__globals__["escape"] = escape_output  # the compiled module's own namespace
        return template


def escape_output(value: object) -> str:
    """`markupsafe.escape(value)` as a plain string: the same five characters replaced by the same entities."""
    if type(value) is str:
        return _escape_text(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    return _escape_text(str(value))


def escape_text(text: str) -> str:
    """The five characters of `markupsafe.escape` replaced, in Python: for a markupsafe without its own below."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    return text.replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;").replace('"', "&#34;")


try:  # markupsafe 3's inner loop, in C: a str in, a str out, no Markup (a paper's page renders about 9% faster)
    from markupsafe import _escape_inner as _escape_text  # type: ignore[attr-defined]
except ImportError:  # not part of markupsafe's public interface: without it, the same result in Python
    _escape_text = escape_text


class _TemplateFolderLoader(FileSystemLoader):
    """Templates read from one folder, ROOT/templates, and never from outside it.

    A template may be a link to another file of the folder (one file under two names); a link that leads out of the
    folder, into a hidden file or folder, to nothing or round in a loop is a problem at the link, and what it leads
    to is never read (nor published, nor named). The folder itself may be a link (a theme shared by catalogs, as the
    tests share the repository's): the folder it leads to is the one templates must stay in. Every link is checked
    when the environment is made, before the build reads the folder (its digest reads every file), and each
    template again as it loads.
    """

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.folder = folder

    def find_link_problems(self) -> list[Problem]:
        """The problems of every link below the folder. Only links pay for finding where they lead: the rest is one
        listing per folder."""
        problems: list[Problem] = []
        folders = [self.folder] if self.folder.is_dir() else []
        while folders:
            with os.scandir(folders.pop()) as listing:
                for entry in listing:
                    if entry.is_symlink():
                        problem = _link_problem(Path(entry.path), self.folder)
                        problems += [problem] if problem is not None else []
                    elif entry.is_dir():
                        folders.append(Path(entry.path))
        return problems

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses '..'
        path = self.folder.joinpath(*pieces)
        if os.path.realpath(path) != str(self.folder.resolve().joinpath(*pieces)):  # a link on its way from the folder
            problem = _link_problem(path, self.folder)
            if problem is not None:
                raise ProblemsFound([problem])
        return super().get_source(environment, template)


_TEMPLATE_LINK_FIX = "a template must be a file inside the templates folder; replace the link with the file"


def _link_problem(path: Path, folder: Path) -> Problem | None:
    """None when `path` leads to a file inside the templates `folder` that is not hidden; else the problem at
    `path`. Where the link leads is neither read nor named (load/papers.py's `link_problem` is the same rule for
    the catalog's other files)."""
    try:
        target = Path(os.path.realpath(path, strict=True))  # not Path.resolve: it says ELOOP as RuntimeError
    except OSError as error:
        if error.errno == errno.ELOOP:
            return Problem(str(path), 0, 0, f"is a link in a loop (it leads back to itself); {_TEMPLATE_LINK_FIX}")
        if error.errno == errno.ENOENT:
            return Problem(str(path), 0, 0, f"is a link to nothing; {_TEMPLATE_LINK_FIX}")
        return Problem(str(path), 0, 0, f"is a link that cannot be followed ({error.strerror}); {_TEMPLATE_LINK_FIX}")
    top = folder.resolve()
    if not target.is_relative_to(top):
        return Problem(str(path), 0, 0, f"is a link that leads outside the templates folder, which headcat never "
                       f"reads; {_TEMPLATE_LINK_FIX}")
    if any(part.startswith(".") for part in target.relative_to(top).parts):
        return Problem(str(path), 0, 0, f"is a link to a hidden file or folder, which headcat never reads; "
                       f"{_TEMPLATE_LINK_FIX}")
    return None


def make_environment(templates_dir: Path) -> Environment:
    """The environment for the templates in `templates_dir`; raises ProblemsFound for a link in it that leads out
    (`_TemplateFolderLoader`). Templates are compiled by each build that uses them: Jinja's bytecode cache would run
    compiled code read back from disk, which the build cache never does."""
    loader = _TemplateFolderLoader(templates_dir)
    link_problems = loader.find_link_problems()
    if link_problems:
        raise ProblemsFound(link_problems)
    environment = Environment(
        loader=loader,
        autoescape=select_autoescape(enabled_extensions=("html", "xml", "svg", "opml", "md"), default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # one environment serves one build: no need to stat every template file on each use
    )
    # No template uses Jinja's default globals (range, dict, cycler, joiner, lipsum, namespace), and every render and
    # import copies and compares them: without them a card renders ~15% faster.
    environment.globals.clear()
    environment.globals["urls"] = urls  # every path of the site, spelled once (catalog/urls.py)
    environment.template_class = _Template
    environment.filters["markdown"] = markdown_filter
    environment.filters["single_line"] = single_line_filter
    environment.filters["bibtex"] = bibtex_filter
    environment.filters["bibtex_authors"] = bibtex_authors_filter
    environment.filters["bibtex_url"] = bibtex_url_filter
    environment.filters["json_ld"] = json_ld_filter
    environment.filters["long_date"] = long_date_filter
    environment.filters["href"] = href_filter
    return environment


@lru_cache(maxsize=1 << 16)
def markdown_filter(text: str) -> Markup:
    """A summary part as HTML: Markdown rendered with raw HTML off and only safe links (see summary_markup).
    Cached, as every summary appears on several pages (home, paper, head type)."""
    return Markup(render_inline(text))


def single_line_filter(text: str) -> str:
    """Every run of whitespace as one space: a blank line inside the README's HTML table would end the table.
    Markup (text escaped already, such as a joined list) stays Markup: no entity holds a space."""
    line = " ".join(str(text).split())
    return Markup(line) if isinstance(text, Markup) else line


_BIBTEX_SPECIAL = str.maketrans({
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&", "%": r"\%",
    "$": r"\$", "#": r"\#", "_": r"\_", "^": r"\^{}", "~": r"\~{}",
})


_BIBTEX_SPECIAL_FOUND = re.compile("[" + re.escape("".join(map(chr, _BIBTEX_SPECIAL))) + "]")
"""Any of _BIBTEX_SPECIAL's characters: most titles and names have none, and finding that out is four times
quicker than str.translate copying them (a paper's BibTeX entry renders a third faster)."""


def bibtex_filter(text: str) -> str:
    """Text for a braced BibTeX field: LaTeX specials escaped, braces kept balanced (BibTeX counts every brace)."""
    line = single_line_filter(text)
    return line.translate(_BIBTEX_SPECIAL) if _BIBTEX_SPECIAL_FOUND.search(line) else line


def bibtex_authors_filter(names: Sequence[str]) -> str:
    """Names for a BibTeX author field, joined by ' and '."""
    return " and ".join(_bibtex_author(name) for name in names)


def _bibtex_author(name: str) -> str:
    """One name escaped like any text; braced when it contains the word 'and', or BibTeX would read two authors."""
    escaped = bibtex_filter(name)
    return "{" + escaped + "}" if " and " in f" {name.casefold()} " else escaped


def bibtex_url_filter(url: str) -> str:
    """An address for a BibTeX url field, which is read verbatim: only braces and backslashes are percent-encoded."""
    return str(url).replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D")


_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_JSON_IN_SCRIPT = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def json_ld_filter(value: object) -> Markup:
    """JSON for a <script type="application/ld+json"> element: no value can close the element or open a comment."""
    text = _JSON_ENCODER.encode(value)
    for character, escaped in _JSON_IN_SCRIPT:  # str.replace: several times quicker than str.translate here
        text = text.replace(character, escaped)
    return Markup(text)


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def long_date_filter(value: date) -> str:
    """A date as people read it, whatever the machine's locale: '24 April 2024'."""
    return f"{value.day} {MONTH_NAMES[value.month - 1]} {value.year}"


_URL_SAFE = "".join(chr(code) for code in range(33, 127) if chr(code) not in '"<>\\^`{|}')
_URL_UNSAFE = re.compile(f"[^{re.escape(_URL_SAFE)}]")


def href_filter(url: str) -> str:
    """An address as an HTML attribute value must be written: characters a URL cannot hold (spaces, quotes,
    angle brackets, braces, non-ASCII) percent-encoded, existing escapes kept. Autoescaping still applies."""
    url = str(url)
    if _URL_UNSAFE.search(url) is None:  # most addresses: nothing to encode, and quote() is slow to find that out
        return url
    return quote(url, safe=_URL_SAFE)
