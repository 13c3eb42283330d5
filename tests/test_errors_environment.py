"""What the system refuses is a clear message with the path and what to do, exit 1 (2 for a usage error), never an
internal error: files and folders headcat may not read, files that are not UTF-8 or have the wrong shape, templates
that fail as they run, a disk that fills up or will not take the site, a paper id too long for a file name.

Permissions are tested as they are met: a file is made unreadable with chmod and headcat runs in a process to which
file permissions apply. The tests run as root in CI, and root reads any file, so there that process gives up the
capabilities that let root ignore permissions (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH); it stays root otherwise.
Each such path is also tested another way that works for every user (a folder where a file is expected, a file the
system cannot read).
"""

from __future__ import annotations

import builtins
import ctypes
import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any

import pytest

from headcat.cache import fragments
from headcat.commands.cli import main
from headcat.load import errors
from headcat.pipeline import build
from headcat.write import documents, staging

CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2  # linux/capability.h
PR_CAPBSET_DROP = 24  # linux/prctl.h
TODAY = date(2025, 1, 1)
READ_FIX = "give yourself permission to read it (chmod u+r), and to open its folders (chmod u+x)"
PERMISSION_FIX = "check its permissions and those of the folders it is in"


def give_up_root_privileges() -> None:
    """Run in the child before it starts Python: as root, drop the capabilities that let root read, write and
    search any file from the bounding set, so that the program it runs does not have them and file permissions
    apply to it as to its owner. Any other user already has none of them."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP): cannot give up root's capabilities")


def run_headcat_under_permissions(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m headcat ARGUMENTS` in a process that file permissions apply to."""
    return subprocess.run([sys.executable, "-m", "headcat", *arguments], cwd=cwd, capture_output=True, text=True,
                          timeout=120, preexec_fn=give_up_root_privileges, check=False)  # no threads run here


@pytest.fixture
def locked() -> Iterator[list[Path]]:
    """Paths a test made unreadable (chmod 000), given back their permissions at the end so they can be removed."""
    paths: list[Path] = []
    yield paths
    for path in paths:
        path.chmod(0o755)


def lock(path: Path, locked: list[Path], mode: int = 0o000) -> None:
    path.chmod(mode)
    locked.append(path)


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    exit_code = main(argv)
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


def test_permissions_apply_to_the_process_these_tests_run_headcat_in(tmp_path: Path, locked: list[Path]) -> None:
    """The premise of the tests below: the process refuses a chmod 000 file, as root too."""
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden", encoding="utf-8")
    lock(secret, locked)

    result = subprocess.run([sys.executable, "-c", f"open({str(secret)!r}).read()"], capture_output=True, text=True,
                            preexec_fn=give_up_root_privileges, check=False)  # no threads run here

    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"PermissionError: [Errno 13] Permission denied: '{secret}'"


# Inputs that cannot be read: a located problem (or, for a folder, one line naming it), exit 1.


def test_an_unreadable_paper_file_is_a_problem_of_that_file(catalog_root: Path, locked: list[Path]) -> None:
    lock(catalog_root / "papers" / "induction-heads-patterns.yaml", locked)

    result = run_headcat_under_permissions(["check", "."], catalog_root)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"papers/induction-heads-patterns.yaml: error: cannot read the file: Permission denied; {READ_FIX}",
        "1 problem in 1 file",
    ]


def test_a_paper_file_the_system_fails_to_read_is_a_problem_of_that_file(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same path as a file without permission, for any user: the system fails the read of one paper file (as
    a failing disk does; a link to a file such as /proc/self/mem, which fails so, is refused as leading outside)."""
    (catalog_root / "papers" / "memory.yaml").write_text("id: memory\n", encoding="utf-8")
    real_read = errors.read_yaml_text

    def failing_read(path: Path) -> str:
        if path.name == "memory.yaml":
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(path))
        return real_read(path)

    monkeypatch.setattr(errors, "read_yaml_text", failing_read)
    monkeypatch.chdir(catalog_root)

    exit_code, out, err = run_main(["check", "."], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == ["papers/memory.yaml: error: cannot read the file: Input/output error",
                                "1 problem in 1 file"]


def test_an_unreadable_papers_folder_is_named_with_what_to_do(catalog_root: Path, locked: list[Path]) -> None:
    lock(catalog_root / "papers", locked)

    result = run_headcat_under_permissions(["check", "."], catalog_root)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [f"headcat: error: cannot read papers: Permission denied; {PERMISSION_FIX}"]


def test_an_unreadable_template_is_named_with_what_to_do(catalog_root: Path, locked: list[Path]) -> None:
    lock(catalog_root / "templates" / "site" / "about.html", locked)

    result = run_headcat_under_permissions(["build", ".", "--no-search"], catalog_root)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"headcat: error: cannot read templates/site/about.html: Permission denied; {PERMISSION_FIX}"
    ]
    assert not (catalog_root / "site").exists()


def test_a_template_folder_that_may_not_be_searched_is_a_problem_not_a_missing_template(
    catalog_root: Path, locked: list[Path]
) -> None:
    lock(catalog_root / "templates" / "site", locked)

    result = run_headcat_under_permissions(["build", ".", "--no-search"], catalog_root)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"headcat: error: cannot read templates/site: Permission denied; {PERMISSION_FIX}"
    ]
    assert not (catalog_root / "site").exists()


def test_an_unreadable_pyproject_toml_is_a_problem_of_that_file(catalog_root: Path, locked: list[Path]) -> None:
    lock(catalog_root / "pyproject.toml", locked)

    result = run_headcat_under_permissions(["check", "."], catalog_root)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"pyproject.toml: error: cannot read the file: Permission denied; {READ_FIX}",
        "1 problem in 1 file",
    ]


def test_a_folder_named_pyproject_toml_is_a_problem_not_the_default_settings(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "pyproject.toml").unlink()
    (catalog_root / "pyproject.toml").mkdir()
    monkeypatch.chdir(catalog_root)

    exit_code, out, err = run_main(["check", "."], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "pyproject.toml: error: cannot read the file: Is a directory; this is a folder, where a file is expected",
        "1 problem in 1 file",
    ]


def test_a_pyproject_toml_that_is_not_utf8_is_located_at_the_byte(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "pyproject.toml").write_bytes(b'[tool.headcat]\ntitle = "Caf\xe9 Heads"\n')
    monkeypatch.chdir(catalog_root)

    exit_code, _out, err = run_main(["check", "."], capsys)

    assert exit_code == 1
    assert err.splitlines() == ["pyproject.toml:2:13: error: byte 0xe9 is not valid UTF-8; save the file as UTF-8",
                                "1 problem in 1 file"]


@pytest.mark.parametrize(("text", "expected"), [
    ("tool = 5\n",
     "pyproject.toml:1:1: error: tool: expected a table, got the number 5; headcat's settings go under [tool.headcat]"),
    ('# the catalog\'s settings\n\ntool = ["headcat"]\n\n[project]\nname = "x"\n',
     "pyproject.toml:3:1: error: tool: expected a table, got a list; headcat's settings go under [tool.headcat]"),
    ("[tool]\nheadcat = 5\n",
     "pyproject.toml:2:1: error: [tool.headcat] expected a mapping of keys and values, got the number 5"),
    ('[tool]\nheadcat = ["title"]\n',
     "pyproject.toml:2:1: error: [tool.headcat] expected a mapping of keys and values, got a list"),
    ('tool.headcat = "Test Heads"\n',
     "pyproject.toml:1:1: error: [tool.headcat] expected a mapping of keys and values, got 'Test Heads'"),
], ids=["tool a number", "tool a list", "headcat a number", "headcat a list", "headcat a dotted text"])
def test_tool_or_tool_headcat_that_is_not_a_table_is_a_located_problem(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    (catalog_root / "pyproject.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(catalog_root)

    exit_code, out, err = run_main(["check", "."], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [expected, "1 problem in 1 file"]


# Templates that fail as they run: a problem at the template's line, and the site as it was.


def edit_template(root: Path, name: str, old: str, new: str) -> int:
    """Replace `old` (first seen) in a template; the line it is on."""
    path = root / "templates" / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{name} no longer holds {old!r}; update this test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "message"), [
    ("{% endblock %}", '{% endblock %}{% include "site/about.html" %}',
     "template: includes, extends or imports itself (or calls a macro that calls itself) without end; break the "
     "cycle"),
    ("<h1>", "<h1>{{ 1 / 0 }}", "template: division by zero (ZeroDivisionError)"),
    ("<h1>", "<h1>{{ config.title | long_date }}", "template: 'str' object has no attribute 'day' (AttributeError)"),
    ("<h1>", "<h1>{{ urls.folder_of(5) }}", "template: 'int' object has no attribute 'removesuffix' (AttributeError)"),
], ids=["includes itself", "division by zero", "a filter given the wrong value", "urls given the wrong value"])
def test_a_template_that_fails_as_it_runs_is_a_problem_at_its_line_and_the_site_stays(
    catalog_root: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    build(catalog_root, catalog_root / "site", TODAY, with_search=False)
    before = (catalog_root / "site" / "about" / "index.html").read_bytes()
    line = edit_template(catalog_root, "site/about.html", old, new)

    exit_code, out, err = run_main(["build", str(catalog_root), "--no-search"], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"{catalog_root}/templates/site/about.html:{line}:1: error: {message}",
        f"1 problem in 1 file; nothing was written, {catalog_root}/site is as it was",
    ]
    assert (catalog_root / "site" / "about" / "index.html").read_bytes() == before


def test_a_template_that_is_not_utf8_is_located_at_the_byte(
    catalog_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    template = catalog_root / "templates" / "site" / "about.html"
    text = template.read_bytes()
    template.write_bytes(text.replace(b"<h1>", b"<h1>Caf\xe9 ", 1))
    line = text[:text.index(b"<h1>")].count(b"\n") + 1
    column = text.index(b"<h1>") - text.rfind(b"\n", 0, text.index(b"<h1>")) - 1 + len(b"<h1>Caf") + 1

    exit_code, _out, err = run_main(["build", str(catalog_root), "--no-search"], capsys)

    assert exit_code == 1
    assert err.splitlines()[0] == (
        f"{template}:{line}:{column}: error: byte 0xe9 is not valid UTF-8; save the template as UTF-8"
    )


# Writing the site: a full disk, or a place that will not take it, is one line naming it, exit 1.


def open_onto_a_full_disk(file: str, mode: str, *arguments: Any, **options: Any) -> IO[Any]:
    """`open`, but what is written goes to /dev/full, where every write fails as on a full disk (ENOSPC)."""
    return builtins.open("/dev/full", mode, *arguments, **options)


def test_a_full_disk_while_writing_the_site_is_named_and_leaves_the_site_as_it_was(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build(catalog_root, catalog_root / "site", TODAY, with_search=False, use_cache=False)
    before = sorted((path.relative_to(catalog_root), path.read_bytes()) for path in catalog_root.rglob("site/**/*")
                    if path.is_file())
    monkeypatch.setattr(staging, "open", open_onto_a_full_disk, raising=False)  # the write stage's files only

    exit_code, out, err = run_main(["build", str(catalog_root), "--no-search", "--no-cache"], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"headcat: error: cannot write {catalog_root}/site: No space left on device; free some space and run again"
    ]
    assert sorted((path.relative_to(catalog_root), path.read_bytes()) for path in catalog_root.rglob("site/**/*")
                  if path.is_file()) == before
    assert [path.name for path in catalog_root.iterdir() if path.name.startswith(".site.")] == [".site.headcat-lock"]


def test_a_full_disk_while_writing_readme_md_names_it_and_leaves_it_as_it_was(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = catalog_root / "README.md"
    readme.write_text("# Heads\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n", encoding="utf-8")
    real_fdopen = os.fdopen

    def onto_a_full_disk(handle: int, mode: str = "r", *arguments: Any, **options: Any) -> IO[Any]:
        os.close(handle)
        return real_fdopen(os.open("/dev/full", os.O_WRONLY), mode, *arguments, **options)

    monkeypatch.setattr(documents.os, "fdopen", onto_a_full_disk)  # every file written so, the cache's too
    exit_code, out, err = run_main(["readme", str(catalog_root)], capsys)
    monkeypatch.undo()

    assert (exit_code, out) == (1, "")
    *warnings, last = err.splitlines()
    assert last == f"headcat: error: cannot write {readme}: No space left on device; free some space and run again"
    assert all(line.startswith("headcat: warning: ") for line in warnings), warnings  # the cache cannot be written
    assert readme.read_text(encoding="utf-8") == "# Heads\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n"
    assert [path.name for path in catalog_root.iterdir() if path.name.startswith(".README")] == []


def test_a_full_disk_while_writing_the_build_cache_costs_the_next_build_time_not_this_one_its_site(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HEADCAT_CACHE_DIR", str(tmp_path / "cache"))
    clean = tmp_path / "clean"
    build(catalog_root, clean, TODAY, with_search=False, use_cache=False)

    def full_disk(self: object, fragments: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patched:
        patched.setattr(fragments._FragmentStream, "append", full_disk)
        exit_code, _, err = run_main(["build", str(catalog_root), "--no-search"], capsys)

    assert exit_code == 0, err
    assert "headcat: warning: could not write the build cache, which this build keeps nothing in: [Errno 28] No " \
           "space left on device" in err
    assert tree(catalog_root / "site") == tree(clean)
    assert run_main(["build", str(catalog_root), "--no-search"], capsys)[0] == 0  # with the disk freed
    assert tree(catalog_root / "site") == tree(clean)


def tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != ".headcat-output"}


def test_a_folder_that_will_not_take_the_site_is_named_with_what_to_do(
    catalog_root: Path, tmp_path: Path, locked: list[Path]
) -> None:
    out = tmp_path / "read-only"
    out.mkdir()
    lock(out, locked, mode=0o555)

    result = run_headcat_under_permissions(["build", ".", "--no-search", "--out", str(out / "site")], catalog_root)

    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [f"headcat: error: cannot write in {out}: Permission denied; {PERMISSION_FIX}"]
    assert list(out.iterdir()) == []


def test_a_file_where_the_site_folder_should_go_is_named_with_what_to_do(
    catalog_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").write_text("a file, not a folder", encoding="utf-8")

    out_dir = tmp_path / "taken" / "site"
    exit_code, out, err = run_main(["build", str(catalog_root), "--no-search", "--out", str(out_dir)], capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"headcat: error: cannot use {tmp_path}/taken: File exists; a file stands where a folder is needed"
    ]


# A paper id longer than a file name can hold: a usage error that names the limit.


def test_new_with_an_id_too_long_for_a_file_name_is_a_usage_error_naming_the_limit(
    catalog_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    longest = os.pathconf(catalog_root / "papers", "PC_NAME_MAX") - len(".yaml")

    exit_code, out, err = run_main(["new", str(catalog_root), "--title", "A Long Name", "--id", "a" * 300], capsys)

    assert (exit_code, out) == (2, "")
    assert err.splitlines() == [
        f"headcat: error: --id: the paper id is 300 characters long, and a file name in {catalog_root}/papers holds "
        f"at most {longest} before '.yaml'; choose a shorter id of a few words, e.g. retrieval-head-long-context"
    ]
    assert sorted(path.name for path in (catalog_root / "papers").iterdir()) == sorted(
        path.name for path in (Path(__file__).parent / "fixtures" / "catalog" / "papers").iterdir())


def test_new_with_the_longest_id_a_file_name_holds_writes_the_file(
    catalog_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paper_id = "a" * (os.pathconf(catalog_root / "papers", "PC_NAME_MAX") - len(".yaml"))

    exit_code, out, _err = run_main(["new", str(catalog_root), "--title", "A Long Name", "--id", paper_id], capsys)

    assert exit_code == 0
    assert out.splitlines()[0] == f"{catalog_root}/papers/{paper_id}.yaml"

