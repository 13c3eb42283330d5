"""The `headcat` command: parses arguments, runs a pipeline, prints, and picks the exit code.

The only module that prints or exits. Exit status: 0 success, 1 problems in the content (or a file the system
would not let headcat read or write: `headcat: error: cannot write PATH: REASON`), 2 usage errors, 3 a bug in
headcat. Problems go to stderr as `PATH:LINE:COLUMN: error: MESSAGE`, sorted, then one summary line.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import NoReturn

from headcat import __version__
from headcat.load.settings import SETTING_VARIABLES, load_taxonomy
from headcat.model.problems import ProblemsFound, escape_for_terminal, summarize_problems
from headcat.model.schema import paper_json_schema
from headcat.pipeline import build, check, plan_documents
from headcat.process.parallel import limit_jobs
from headcat.process.timings import on_stage, recorded, start_recording, stop_recording
from headcat.write.documents import README_NAME, stale_readme_problem, write_readme
from headcat.write.folder import OutputFolderRefused

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
_NO_CACHE_HELP = "ignore ROOT/.headcat-cache and read, render and write everything (the output is the same)"


class UsageError(Exception):
    """A command line that cannot run (exit status 2)."""


def run() -> NoReturn:
    """The `headcat` and `python -m headcat` commands: `main()`, then exit at once. Python's usual shutdown frees
    every object one by one, 0.1 s after a build of 10,000 papers; nothing needs it, as every command has closed
    its files and waited for its processes by the time `main` returns."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass  # a reader that went away (`headcat schema | head`), or a closed stream: nothing left to say
    os._exit(code)


class _WarningPrinter(logging.Handler):
    """Prints what headcat's stages log (a cache that cannot be used or written) as `headcat: warning: ...`."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"headcat: {record.levelname.lower()}: {escape_for_terminal(record.getMessage())}", file=sys.stderr)


class _Parser(argparse.ArgumentParser):
    """argparse's parser, with what its errors echo of the command line escaped (an argument can hold a newline or
    a terminal escape). Its commands' parsers are of this class too."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {escape_for_terminal(message)}\n")


def show_warnings() -> None:
    """Send the stages' warnings to stderr (once, however many commands run in this process)."""
    log = logging.getLogger("headcat")
    if not any(isinstance(handler, _WarningPrinter) for handler in log.handlers):
        log.addHandler(_WarningPrinter(logging.WARNING))
        log.propagate = False


JOBS_VARIABLE = "HEADCAT_JOBS"
"""The most processes a build may use, when -j/--jobs does not say."""


def main(argv: Sequence[str] | None = None) -> int:
    show_warnings()
    parser = _make_parser()
    arguments = parser.parse_args(argv)  # exits with 2 on a usage error
    command: Callable[[argparse.Namespace], int] = arguments.run
    jobs = getattr(arguments, "jobs", None) or os.environ.get(JOBS_VARIABLE)
    if jobs is not None:
        if not str(jobs).isdigit() or int(jobs) < 1:
            _print_error(f"-j/--jobs (or {JOBS_VARIABLE}): '{jobs}' is not a number of processes, 1 or more")
            return EXIT_USAGE
        limit_jobs(int(jobs))
    try:
        return command(arguments)
    except (UsageError, OutputFolderRefused) as error:
        _print_error(str(error))
        return EXIT_USAGE
    except ProblemsFound as found:
        _print_problems(found, arguments.format, tail=getattr(arguments, "failure_tail", ""))
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped early (`headcat schema | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:  # the system refused (a full disk, a read-only or unreadable folder): not a bug of ours
        if arguments.debug:
            traceback.print_exc()
        _print_error(_system_error_message(error))
        return EXIT_PROBLEMS
    except Exception as error:  # noqa: BLE001  # an unexpected failure is a bug in headcat: say so, never swallow it
        if arguments.debug:
            traceback.print_exc()
        else:
            print(f"headcat: internal error: {type(error).__name__}: {escape_for_terminal(str(error))}",
                  file=sys.stderr)
            print("headcat: run again with --debug to see the traceback, and please report it", file=sys.stderr)
        return EXIT_INTERNAL


_WRITING_ONLY = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})
_FIXES = {
    errno.ENOSPC: "free some space and run again",
    errno.EDQUOT: "free some space (the disk quota is used up) and run again",
    errno.EROFS: "the file system is read-only: write somewhere else (build --out DIR) or make it writable",
    errno.EACCES: "check its permissions and those of the folders it is in",
    errno.EPERM: "check its permissions and those of the folders it is in",
    errno.ENAMETOOLONG: "choose a shorter name or a shorter path",
    errno.ENOTDIR: "a file stands where a folder is needed",
    errno.EEXIST: "a file stands where a folder is needed",
}


def _system_error_message(error: OSError) -> str:
    """`cannot write PATH: No space left on device; free some space and run again`: what the system refused, on
    which file (for a rename, where it was going; for a file it would not make, the folder), and what to do."""
    reason = error.strerror or str(error)
    fix = f"; {_FIXES[error.errno]}" if error.errno in _FIXES else ""
    name = error.filename2 if error.filename2 is not None else error.filename
    if name is None:  # as a write that failed after its file was opened (what the build names, it names: pipeline)
        return f"cannot write: {reason}{fix}" if error.errno in _WRITING_ONLY else f"{reason}{fix}"
    path = Path(os.fsdecode(name))
    what = _what_failed(error, path)
    if what == "make":  # a new file (often with a made-up name, as a staging folder's): its folder refused it
        return f"cannot write in {path.parent}: {reason}{fix}"
    return f"cannot {what} {path}: {reason}{fix}"


def _what_failed(error: OSError, path: Path) -> str:
    """'make' for a file that is not there, 'read' or 'write' where the reason or the file says which, else
    'use'."""
    writing = error.errno in _WRITING_ONLY or error.errno in (errno.EACCES, errno.EPERM)
    try:
        if writing and not (path.exists() or path.is_symlink()):
            return "make"
        if error.errno in _WRITING_ONLY:
            return "write"
        if error.errno in (errno.EACCES, errno.EPERM):
            wanted = os.R_OK | os.X_OK if path.is_dir() else os.R_OK
            return "write" if os.access(path, wanted) else "read"
    except OSError:
        return "read"  # not even its folder can be searched
    return "use"


def _print_error(message: str) -> None:
    print(f"headcat: error: {escape_for_terminal(message)}", file=sys.stderr)


def run_check(arguments: argparse.Namespace) -> int:
    count = check(_catalog_root(arguments.root), date.today(), use_cache=not arguments.no_cache)
    print(f"{count} paper{'s' if count != 1 else ''} checked: no problems")
    return EXIT_OK


def run_build(arguments: argparse.Namespace) -> int:
    root = _catalog_root(arguments.root)
    out_dir = Path(arguments.out) if arguments.out else root / "site"
    arguments.failure_tail = f"; nothing was written, {out_dir} is as it was"
    overrides = {key: value for key, variable in SETTING_VARIABLES.items()
                 if (value := getattr(arguments, key) or os.environ.get(variable))}
    if arguments.timings or arguments.verbose:
        start_recording()
    try:
        with _progress(arguments):
            result = build(root, out_dir, date.today(), with_search=not arguments.no_search,
                           use_cache=not arguments.no_cache, overrides=overrides)
        stages = recorded()
    finally:
        stop_recording()
    count = len(result.catalog.papers)
    if not arguments.quiet:
        print(f"built {count} paper{'' if count == 1 else 's'} into {out_dir} "
              f"({result.file_count} files, {result.written_count} written)")
    for stage, seconds in stages:
        print(f"{seconds:8.3f} s  {stage}", file=sys.stderr)
    return EXIT_OK


@contextmanager
def _progress(arguments: argparse.Namespace) -> Iterator[None]:
    """On a terminal, one line on stderr naming the stage the build is in, rewritten in place and cleared at the
    end; nothing with -q, with -v (which prints each stage's time instead) or when stderr is not a terminal."""
    if arguments.quiet or arguments.verbose or not sys.stderr.isatty():
        yield
        return
    width = 0
    parent = os.getpid()

    def show(stage: str) -> None:
        nonlocal width
        if os.getpid() != parent:  # a child process of the build (the search index): the parent speaks
            return
        line = f"headcat: {stage}..."
        sys.stderr.write("\r" + line.ljust(width))
        sys.stderr.flush()
        width = len(line)

    on_stage(show)
    try:
        yield
    finally:
        on_stage(None)
        sys.stderr.write("\r" + " " * width + "\r")
        sys.stderr.flush()


def run_readme(arguments: argparse.Namespace) -> int:
    root = _catalog_root(arguments.root)
    if not arguments.check:
        arguments.failure_tail = f"; nothing was written, {root / README_NAME} is as it was"
    catalog, updates = plan_documents(root, date.today())
    count = f"{len(catalog.papers)} paper{'s' if len(catalog.papers) != 1 else ''}"
    if arguments.check:
        stale = [stale_readme_problem(update) for update in updates if update.is_stale]
        if stale:
            raise ProblemsFound(stale)
    for update in updates:
        what = f"{update.path}: {update.markers.content}"
        if arguments.check:
            print(f"{what} is up to date ({count})")
        elif update.is_stale:
            write_readme(update)
            print(f"{what} was regenerated ({count})")
        else:
            print(f"{what} was already up to date ({count})")
    return EXIT_OK


def run_serve(arguments: argparse.Namespace) -> int:
    from headcat.commands.serve import (  # only serve needs http.server (11 ms) and watchfiles
        BuildStatus,
        ServeError,
        start_server,
        watch_sources,
    )

    if not 0 <= arguments.port <= 65535:
        raise UsageError(f"--port {arguments.port}: a port is a number from 0 to 65535 (0 picks a free one)")
    root = _catalog_root(arguments.root)
    out_dir = Path(arguments.out) if arguments.out else root / "site"
    still_serving = f"still serving the last good site from {out_dir}"
    status = BuildStatus()

    def rebuild() -> None:
        try:
            result = build(root, out_dir, date.today(), with_search=not arguments.no_search)
            status.published()
            print(f"rebuilt {len(result.catalog.papers)} papers ({result.file_count} files)", flush=True)
            return
        except ProblemsFound as found:
            _print_problems(found, "text", tail=f"; {still_serving}")
            lines = [problem.format_text() for problem in found.problems]
        except OutputFolderRefused as error:
            lines = [f"{error}"]
            _print_error(f"{error}; {still_serving}")
        except OSError as error:  # the system refused (a full disk, say): said, as `build` says it
            lines = [_system_error_message(error)]
            _print_error(f"{lines[0]}; {still_serving}")
        except Exception as error:  # noqa: BLE001  # a bug in headcat: said, and the server goes on with the last site
            lines = [f"internal error: {type(error).__name__}: {error}"]
            if arguments.debug:
                traceback.print_exc()
                print(f"headcat: {still_serving}", file=sys.stderr)
            else:
                print(f"headcat: internal error: {type(error).__name__}: {escape_for_terminal(str(error))}",
                      file=sys.stderr)
                print(f"headcat: {still_serving}; run again with --debug to see the traceback, and please report "
                      f"it", file=sys.stderr)
        status.failed(lines)
        sys.stderr.flush()

    try:
        server = start_server(out_dir, arguments.port, status)  # before the first build: a port in use is said at once
    except ServeError as error:
        raise UsageError(str(error)) from None
    changed, stop, listening = threading.Event(), threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch_sources, args=(root, out_dir, changed.set, stop, listening),
                               name="headcat-watch", daemon=True)
    watcher.start()
    listening.wait(10)  # before the first build, so that no edit during it is missed
    rebuild()
    host, port = str(server.server_address[0]), server.server_address[1]
    print(f"serving {out_dir} at http://{host}:{port}/ (rebuilds on change and reloads the pages; Ctrl-C stops)",
          flush=True)
    try:
        while True:
            if changed.wait(0.5):  # a timeout, so that Ctrl-C is heard
                changed.clear()
                rebuild()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        server.shutdown()
    return EXIT_OK


def run_schema(arguments: argparse.Namespace) -> int:
    taxonomy = load_taxonomy(_catalog_root(arguments.root))
    print(json.dumps(paper_json_schema(taxonomy), indent=2, ensure_ascii=False))
    return EXIT_OK


def run_new(arguments: argparse.Namespace) -> int:
    from headcat.commands.new_paper import (  # only this
        ArxivApi,
        NewPaperError,
        NewPaperRequest,
        NewPaperUsageError,
        create_paper_file,  # command needs them, and their HTTP client's import is 15 ms
    )

    issue = None
    if arguments.from_issue:
        try:
            issue = Path(arguments.from_issue).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"--from-issue {arguments.from_issue}: cannot be read ({error})") from None
    request = NewPaperRequest(arxiv=arguments.arxiv, title=arguments.title, heads=tuple(arguments.head),
                              date=arguments.date, paper_id=arguments.id, issue=issue)
    try:
        created = create_paper_file(_catalog_root(arguments.root), request, date.today(), ArxivApi.from_environment())
    except NewPaperUsageError as error:
        raise UsageError(str(error)) from None
    except NewPaperError as error:
        _print_error(str(error))
        return EXIT_PROBLEMS
    print(created.path)
    for step in (*created.next_steps, f"run headcat check {arguments.root} until it reports no problems"):
        print(f"next: {step}")
    return EXIT_OK


def run_init(arguments: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from headcat.commands.init_catalog import NewCatalog, init_catalog, level_words

    root = Path(arguments.root)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{arguments.root}: not a directory (DIR is the folder to start the catalog in)")
    arguments.failure_tail = f"; nothing was written into {root}"
    try:
        catalog = NewCatalog(arguments.title, arguments.description, arguments.levels,
                             *(level_words(getattr(arguments, level)) for level in ("topic", "group", "subgroup")))
        catalog.words  # noqa: B018  # refused here when the words clash, before anything is written
    except ValidationError as error:
        raise UsageError(f"--topic, --group and --subgroup take 'one/many' words, such as 'study/studies': "
                         f"{error.errors()[0]['msg']}") from None
    written = init_catalog(root, catalog, date.today())
    for path in written:
        print(path)
    for step in (f"run headcat serve {arguments.root} and open http://localhost:8000",
                 "replace the example paper and the example of taxonomy.yaml with your own",
                 "push to GitHub and choose GitHub Actions as the source of GitHub Pages (Settings > Pages)"):
        print(f"next: {step}")
    return EXIT_OK


def run_import(arguments: argparse.Namespace) -> int:
    from headcat.commands.import_papers import import_papers  # only this command needs bibtexparser

    root = _catalog_root(arguments.into)
    arguments.failure_tail = f"; nothing was written into {root / 'papers'}"
    report = import_papers(root, [Path(name) for name in arguments.files], date.today())
    for path in report.written:
        print(path)
    for line in (*report.skipped, *report.notes):
        print(escape_for_terminal(line), file=sys.stderr)
    written = len(report.written)
    print(f"{written} paper file{'' if written == 1 else 's'} written, {len(report.skipped)} skipped"
          + ("; fill in what is listed above, then run headcat check" if written else ""), file=sys.stderr)
    return EXIT_OK


def run_links(arguments: argparse.Namespace) -> int:
    from headcat.commands.links import LinkSettings, check_links, fix_moved_links, link_problems

    root = _catalog_root(arguments.root)
    for name in ("timeout", "concurrency", "per_host"):
        if getattr(arguments, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} {getattr(arguments, name)}: give a number above 0")
    settings = LinkSettings(timeout=arguments.timeout, concurrency=arguments.concurrency,
                            per_host=arguments.per_host, max_age=arguments.max_age * 24 * 3600)
    places, answers = check_links(root, settings)
    if arguments.fix:
        fixed = fix_moved_links(places, answers)
        moved = sum(1 for place in places if answers[place.url].moved_to)
        print(f"wrote the new address of {moved} moved link{'' if moved == 1 else 's'} into {len(fixed)} "
              f"file{'' if len(fixed) == 1 else 's'}")
        places = [place for place in places if not answers[place.url].moved_to]
    problems = link_problems(places, answers)
    print(f"{len(places)} link{'' if len(places) == 1 else 's'} checked ({len(answers)} addresses)")
    if problems:
        arguments.failure_tail = ""
        raise ProblemsFound(problems)
    return EXIT_OK


def run_refresh(arguments: argparse.Namespace) -> int:
    from headcat.commands.refresh import Offline, diff, fetcher, propose, source_urls, updated_text

    root = _catalog_root(arguments.root)
    try:
        proposals = propose(root, arguments.papers, fetcher(arguments.timeout), source_urls())
    except Offline as error:
        _print_error(f"offline: {error}; nothing was changed")
        return EXIT_PROBLEMS
    changed = 0
    for proposal in proposals:
        for note in proposal.notes:
            print(escape_for_terminal(f"{proposal.path}: {note}"), file=sys.stderr)
        if not proposal.changes:
            continue
        before, after = updated_text(proposal.path, proposal.changes)
        if before == after:
            continue
        changed += 1
        sources = ", ".join(f"{key} from {source}" for key, source in proposal.sources.items())
        print(f"# {proposal.path} ({sources})")
        print(diff(proposal.path, before, after), end="")
        if arguments.write:
            proposal.path.write_text(after, encoding="utf-8")
    asked = len(proposals)
    verb = "written" if arguments.write else "proposed; run again with --write to apply them"
    print(f"{asked} paper{'' if asked == 1 else 's'} asked about, {changed} with updates {verb}", file=sys.stderr)
    return EXIT_OK


def run_completion(arguments: argparse.Namespace) -> int:
    print(bash_completion(_make_parser()), end="")
    return EXIT_OK


def bash_completion(parser: argparse.ArgumentParser) -> str:
    """A bash completion script for `parser`'s commands and their options (zsh reads it after `bashcompinit`):
    `eval "$(headcat completion)"`, or save it where bash-completion looks."""
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    cases = []
    for name, command in sorted(commands.choices.items()):
        options = sorted(option for action in command._actions for option in action.option_strings)
        cases.append(f'    {name}) options="{" ".join(options)}" ;;')
    return "\n".join([
        "# bash completion for headcat: eval \"$(headcat completion)\" in ~/.bashrc",
        "_headcat() {",
        '  local current="${COMP_WORDS[COMP_CWORD]}" options=""',
        '  if [ "$COMP_CWORD" -eq 1 ]; then',
        f'    COMPREPLY=($(compgen -W "{" ".join(sorted(commands.choices))} --help --version" -- "$current"))',
        "    return",
        "  fi",
        '  case "${COMP_WORDS[1]}" in',
        *cases,
        "  esac",
        '  if [[ "$current" == -* ]]; then',
        '    COMPREPLY=($(compgen -W "$options" -- "$current"))',
        "  else",
        '    COMPREPLY=($(compgen -f -- "$current"))',
        "  fi",
        "}",
        "complete -o filenames -F _headcat headcat",
        "",
    ])


def _catalog_root(text: str) -> Path:
    root = Path(text)
    if not root.is_dir():
        raise UsageError(f"{text}: not a directory (ROOT is a catalog folder holding papers/ and taxonomy.yaml)")
    return root


def _print_problems(found: ProblemsFound, output_format: str, tail: str) -> None:
    """Each problem on a line of its own (values and names escaped: problems.py), then the summary."""
    for problem in found.problems:
        print(problem.format_github() if output_format == "github" else problem.format_text(), file=sys.stderr)
    print(escape_for_terminal(summarize_problems(found.problems) + tail), file=sys.stderr)


def _make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="headcat", description="Build and check a curated paper catalog.")
    parser.add_argument("--version", action="version", version=f"headcat {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    def add(name: str, run: Callable[[argparse.Namespace], int], help_text: str,
            with_format: bool = False) -> argparse.ArgumentParser:
        """A command: every one takes ROOT and --debug; those that report problems in bulk also take --format."""
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.set_defaults(run=run, format="text")
        command.add_argument("root", nargs="?", default=".", metavar="ROOT", help="the catalog folder (default: .)")
        command.add_argument("--debug", action="store_true", help="show the traceback of an internal error")
        if name in ("check", "build", "readme", "serve"):
            command.add_argument("-j", "--jobs", metavar="N",
                                 help=f"use at most N processes (default: ${JOBS_VARIABLE}, else one per core)")
        if with_format:
            command.add_argument("--format", choices=("text", "github"), default="text",
                                 help="problem lines as text (default) or as GitHub Actions annotations")
        return command

    check = add("check", run_check, "Validate every paper, the taxonomy and the config; write nothing.",
                with_format=True)
    check.add_argument("--no-cache", action="store_true", help=_NO_CACHE_HELP)

    build_command = add("build", run_build, "Validate, then write the site, feeds and exports, and the README table.",
                        with_format=True)
    build_command.add_argument("--out", metavar="DIR", help="where to write the site (default: ROOT/site)")
    build_command.add_argument("--no-cache", action="store_true", help=_NO_CACHE_HELP)
    build_command.add_argument("--timings", action="store_true", help="the same as -v")
    loudness = build_command.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true",
                          help="print nothing but problems (no progress line, no summary)")
    loudness.add_argument("-v", "--verbose", action="store_true",
                          help="print the wall time of each stage of the build (to standard error)")
    build_command.add_argument("--no-search", action="store_true",
                               help="skip the search index (quicker; the site's search then matches text in the page)")
    build_command.add_argument("--base-url", metavar="URL",
                               help="the site's published address, in place of the settings' base_url (default: "
                                    f"${SETTING_VARIABLES['base_url']}); gives absolute feed links, canonical links "
                                    "and a sitemap")
    build_command.add_argument("--repository", metavar="URL",
                               help="the catalog's repository, in place of the settings' (default: "
                                    f"${SETTING_VARIABLES['repository']}); gives 'edit this file' links")

    readme = add("readme", run_readme, "Regenerate the paper table between the headcat markers in README.md.",
                 with_format=True)
    readme.add_argument("--check", action="store_true",
                        help="write nothing; exit with 1 when the table is out of date (for CI)")

    serve = add("serve", run_serve, "Build, serve the site on localhost and rebuild when a source file changes.")
    serve.add_argument("--out", metavar="DIR", help="where to write the site (default: ROOT/site)")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on (default: 8000; 0 picks one)")
    serve.add_argument("--no-search", action="store_true", help="skip the search index for quicker rebuilds")

    init = add("init", run_init, "Start a new catalog in ROOT (default: .): settings, a taxonomy, an example paper, "
                                 "README, CONTRIBUTING, workflows; never overwrites a file.")
    init.add_argument("--title", default="Paper catalog", help="the catalog's name (default: Paper catalog)")
    init.add_argument("--description", default="A curated catalog of research papers.",
                      help="one or two sentences for the home page, the README and the feeds")
    init.add_argument("--levels", type=int, choices=(1, 2, 3), default=3,
                      help="the taxonomy's shape: 1, a flat list of topics; 2, groups of topics; 3, groups, their "
                           "sub-groups and topics (default: 3)")
    init.add_argument("--topic", default="topic/topics", metavar="ONE/MANY",
                      help="what the catalog calls what papers are about (default: topic/topics)")
    init.add_argument("--group", default="area/areas", metavar="ONE/MANY",
                      help="what it calls a group of topics (default: area/areas)")
    init.add_argument("--subgroup", default="sub-area/sub-areas", metavar="ONE/MANY",
                      help="what it calls a part of a group (default: sub-area/sub-areas)")

    importing = commands.add_parser(
        "import", help="Write paper files from BibTeX, CSL-JSON or an awesome-list Markdown file.",
        description="Write one paper file per entry of BibTeX (.bib), CSL-JSON (.json, from Zotero or Better "
                    "BibTeX) or awesome-list Markdown (.md) files, with TODO where a person must still write; "
                    "skips papers the catalog has and never overwrites a file.")
    importing.set_defaults(run=run_import, format="text")
    importing.add_argument("files", nargs="+", metavar="FILE", help="a .bib, .json or .md file")
    importing.add_argument("--into", default=".", metavar="ROOT", help="the catalog folder (default: .)")
    importing.add_argument("--debug", action="store_true", help="show the traceback of an internal error")

    links = add("links", run_links, "Check every external link of every paper; report each dead or moved one where "
                                    "it is written.", with_format=True)
    links.add_argument("--fix", action="store_true",
                       help="write the new address of each permanently moved link into its paper file")
    links.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS",
                       help="how long to wait for an answer (default: 15)")
    links.add_argument("--max-age", type=float, default=7.0, metavar="DAYS",
                       help="ask again for a good link checked longer ago than this (default: 7)")
    links.add_argument("--concurrency", type=int, default=8, metavar="N",
                       help="requests at a time (default: 8)")
    links.add_argument("--per-host", type=int, default=2, metavar="N",
                       help="requests at a time to one host (default: 2)")

    refresh = add("refresh", run_refresh, "Ask arXiv, Crossref and DBLP about the papers with an arXiv id or DOI, "
                                          "and propose updates to authors, venue and DOI as a diff.")
    refresh.add_argument("papers", nargs="*", metavar="PAPER-ID", help="only these papers (default: all)")
    refresh.add_argument("--write", action="store_true", help="apply the proposed updates to the paper files")
    refresh.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                         help="how long to wait for each answer (default: 20)")

    completion = commands.add_parser("completion", help="Print a bash completion script (eval \"$(headcat "
                                                         "completion)\" in ~/.bashrc; zsh: after bashcompinit).",
                                     description="Print a bash completion script for headcat's commands and options.")
    completion.set_defaults(run=run_completion, format="text", debug=False)

    add("schema", run_schema, "Print the JSON Schema of a paper file.")

    new = add("new", run_new, "Write a new paper file from an arXiv id or a title, with TODO marks to fill in.")
    source = new.add_mutually_exclusive_group(required=True)
    source.add_argument("--arxiv", metavar="ID", help="take title, authors and date from arXiv (e.g. 2404.15574)")
    source.add_argument("--title", help="the paper's title, without asking arXiv")
    source.add_argument("--from-issue", metavar="FILE",
                        help="the text of an issue opened with the new-paper form (its answers become the fields)")
    new.add_argument("--head", action="append", default=[], metavar="NAME",
                     help="an entry of taxonomy.yaml's heads, by name or alias (repeat for several)")
    new.add_argument("--date", metavar="YYYY-MM-DD", help="first public version (default with --arxiv: arXiv's)")
    new.add_argument("--id", metavar="PAPER-ID", help="the paper id, i.e. the file name (default: from the title)")
    return parser
