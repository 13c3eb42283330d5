"""The template environment shared by every renderer (render stage).

Autoescaping is on for HTML, XML and Markdown (the README table is HTML inside Markdown), an undefined variable is
an error rather than an empty string, and the only ways content becomes markup are the filters defined here.
Templates come from the catalog's templates folder, then from headcat's default theme (`template_folders`): a
catalog overrides any single file of the theme by a file of the same path, and a catalog without templates/ builds
with the theme alone. Nothing is read from outside these folders (`_TemplateFolderLoader`).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import CodeType, FrameType
from typing import Any
from urllib.parse import quote

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
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

from headcat.catalog import facets, urls
from headcat.model.problems import Problem, ProblemsFound, cannot_read, link_problem
from headcat.model.summary_markup import render_inline
from headcat.model.taxonomy import Taxonomy, Words


@contextmanager
def template_errors_as_problems(templates_dir: Path) -> Iterator[None]:
    """A mistake in a template (bad syntax, a missing template, an undefined value, an expression that fails, a
    template that includes itself) is a problem in that template, located at its line, not an internal error; so is
    a template file that is not UTF-8. What fails outside the templates goes on as it is."""
    try:
        yield
    except ProblemsFound:
        raise
    except Exception as error:
        problem = _template_problem(error, templates_dir)
        if problem is None:
            raise
        raise ProblemsFound([problem]) from None


def _template_problem(error: Exception, templates_dir: Path) -> Problem | None:
    """The problem a template caused, at the innermost line of template code that ran; None for a failure that is
    not the templates' (a full disk while writing the site, a bug in headcat's own code)."""
    if isinstance(error, TemplateSyntaxError):
        path = error.filename or str(templates_dir / (error.name or "?"))
        return Problem(path, error.lineno, 1, f"template syntax: {error.message}")
    if isinstance(error, TemplateNotFound):
        missing = templates_dir / str(error.name)
        try:
            missing.stat()
        except PermissionError as refused:  # a folder on the way that may not be searched hides the template
            return cannot_read(str(missing), refused)
        except OSError:
            pass
        return Problem(str(missing), 0, 0, "template not found; restore it or fix the name of the template that "
                       "includes it")
    trace = _trace(error)
    if isinstance(error, UnicodeDecodeError) and any(_module(frame).startswith("jinja2.") for frame, _ in trace):
        return _undecodable_template(templates_dir)  # Jinja reading a template
    places = [(index, place) for index, (frame, line) in enumerate(trace)
              if (place := _template_place(frame, line)) is not None]
    if not places:
        return Problem(str(templates_dir), 0, 0, f"template: {error.message or error}") \
            if isinstance(error, TemplateError) else None
    place = places[-1][1]
    if isinstance(error, RecursionError):
        place = Counter(place for _, place in places).most_common(1)[0][0]  # the include, extends or call repeated
        message = ("template: includes, extends or imports itself (or calls a macro that calls itself) without end; "
                   "break the cycle")
    elif isinstance(error, TemplateError):
        message = f"template: {error.message or error}"
    elif _is_template_facing([frame for frame, _ in trace[places[-1][0] + 1:]]):
        message = f"template: {error} ({type(error).__name__})"
    else:
        return None  # headcat's own code failed beneath what the template called: a bug, with --debug's traceback
    return Problem(place[0], place[1], 1 if place[1] else 0, message)


def _trace(error: BaseException) -> list[tuple[FrameType, int]]:
    """Each frame the error passed through, outermost first, with the line it was at."""
    trace = []
    entry = error.__traceback__
    while entry is not None:
        trace.append((entry.tb_frame, entry.tb_lineno))
        entry = entry.tb_next
    return trace


def _template_place(frame: FrameType, line: int) -> tuple[str, int] | None:
    """The template file and line of a frame of template code, which Jinja marks: a compiled template's frame has
    `__jinja_template__` in its globals, and Jinja rewrites each into a frame of the template file, at the
    template's line, that has `__jinja_exception__`."""
    if "__jinja_exception__" in frame.f_globals:
        return frame.f_code.co_filename, line
    template = frame.f_globals.get("__jinja_template__")
    if isinstance(template, Template) and template.filename:
        return template.filename, template.get_corresponding_lineno(line)
    return None


def _is_template_facing(callees: list[FrameType]) -> bool:
    """Whether what the innermost template code called (past Jinja's own frames) is there for templates to call:
    Python's and other libraries' code, the filters of this module and the `urls` global, which take what the
    template gives them as it is. Other headcat code failing there is a bug in headcat."""
    module = next((_module(frame) for frame in callees if not _module(frame).startswith("jinja2.")), "")
    return not module.startswith("headcat.") or module in (__name__, urls.__name__)


def _module(frame: FrameType) -> str:
    return str(frame.f_globals.get("__name__", ""))


def _undecodable_template(templates_dir: Path) -> Problem | None:
    """The first template file of the catalog's or the theme's that is not UTF-8 (Jinja's error does not say
    which)."""
    paths = [path for folder in template_folders(templates_dir) for path in sorted(folder.rglob("*"))]
    for path in (path for path in paths if path.is_file()):
        try:
            data = path.read_bytes()
            data.decode("utf-8")
        except OSError:
            continue  # reported by whatever reads it next
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
            return Problem(str(path), line, column, f"byte 0x{data[error.start]:02x} is not valid UTF-8; save the "
                           f"template as UTF-8")
    return None


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
                        problem = _template_link_problem(Path(entry.path), self.folder)
                        problems += [problem] if problem is not None else []
                    elif entry.is_dir():
                        folders.append(Path(entry.path))
                    elif not entry.is_file():  # reading a named pipe would wait for ever
                        problems.append(Problem(entry.path, 0, 0, "is not a file (a named pipe, a socket or a "
                                                "device); the templates folder holds templates: remove it"))
        return problems

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)  # refuses '..'
        path = self.folder.joinpath(*pieces)
        if os.path.realpath(path) != str(self.folder.resolve().joinpath(*pieces)):  # a link on its way from the folder
            problem = _template_link_problem(path, self.folder)
            if problem is not None:
                raise ProblemsFound([problem])
        return super().get_source(environment, template)


_TEMPLATE_LINK_FIX = "a template must be a file inside the templates folder; replace the link with the file"


def _template_link_problem(path: Path, folder: Path) -> Problem | None:
    return link_problem(path, folder, _TEMPLATE_LINK_FIX, place="the templates folder")


def default_theme() -> Path:
    """headcat's own templates, the theme every catalog builds with: headcat/theme/ in an installed package (the
    wheel holds the repository's templates/ there, pyproject.toml says so); in a source checkout installed for
    development, whose editable install does not map that folder, the repository's templates/ beside src/."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "theme"
    return installed if installed.is_dir() else package.parent.parent / "templates"


def template_folders(templates_dir: Path) -> tuple[Path, ...]:
    """Where templates are looked for, first to last: the catalog's folder, then the default theme (once, when the
    catalog's folder is the theme itself, as in headcat's own repository)."""
    theme = default_theme()
    if templates_dir.resolve() == theme.resolve():
        return (templates_dir,)
    return (templates_dir, theme)


def make_environment(templates_dir: Path, taxonomy: Taxonomy | None = None) -> Environment:
    """The environment for the templates in `templates_dir` over the default theme's; raises ProblemsFound for a
    link in either that leads out of its folder (`_TemplateFolderLoader`). Templates are compiled by each build
    that uses them: Jinja's bytecode cache would run compiled code read back from disk, which the build cache never
    does."""
    loaders = [_TemplateFolderLoader(folder) for folder in template_folders(templates_dir)]
    link_problems = [problem for loader in loaders for problem in loader.find_link_problems()]
    if link_problems:
        raise ProblemsFound(link_problems)
    layered: BaseLoader = loaders[0] if len(loaders) == 1 else ChoiceLoader(loaders)
    environment = Environment(
        loader=layered,
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
    # What the catalog calls its taxonomy's levels (taxonomy.yaml's words:), and whether it has stages (a flat one
    # has none): every page may show them, so the build keys every output by them (pipeline.render_context).
    words = taxonomy.words if taxonomy else Words()
    environment.globals["words"] = words
    environment.globals["has_groups"] = bool(taxonomy.stages) if taxonomy else True
    environment.globals["param_names"] = {facet.param: facets.public_param(facet.param, words)
                                          for facet in facets.FACETS}
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
