"""Files outside the catalog are never read, published or echoed: links among the files headcat reads.

Each test makes real links (to /etc/passwd, to a file beside the catalog, to nothing, in a loop, into .git/, or
inside the catalog), runs the real `headcat` command in the catalog folder and compares every line it prints; where
a link leads out, the test also checks that nothing of what it leads to (its text, its path) appears anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from headcat.commands.cli import main
from headcat.model.problems import ProblemsFound
from headcat.process import timings
from headcat.render.environment import make_environment

PAPER = "amplifying-correct-answers.yaml"
SECRET = "OUTSIDE-SECRET-3141"
"""Written into every file outside the catalog: a test fails if it shows up in any output."""
PAPER_FIX = "a paper file must be a file inside the catalog; replace the link with the file"
OUTSIDE = "is a link that leads outside the catalog, which headcat never reads"


@pytest.fixture(autouse=True)
def no_timings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Builds print no stage timings: once `build --timings` ran in this process (tests/test_cli.py), every later
    build would print them, as process/timings.py never stops recording."""
    monkeypatch.setattr(timings, "_records", None)


def run(root: Path, argv: list[str], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """`headcat ARGV` run in the catalog folder, so that paths are printed relative to it."""
    monkeypatch.chdir(root)
    exit_code = main(argv)
    captured = capsys.readouterr()
    return exit_code, captured.out, captured.err


def outside_paper(folder: Path) -> Path:
    """A valid paper file beside the catalog, whose title is the secret: it must never be published."""
    path = folder / "outside-paper.yaml"
    text = (Path(__file__).parent / "fixtures/catalog/papers" / PAPER).read_text(encoding="utf-8")
    path.write_text(text.replace("Amplifying the Correct Answer", SECRET), encoding="utf-8")
    return path


def assert_nothing_of(outside: Path, *outputs: str) -> None:
    """Neither the secret, nor the path of `outside`, nor any line of it that holds the secret, in any output."""
    lines = [line for line in outside.read_text(encoding="utf-8").splitlines() if SECRET in line]
    for output in outputs:
        assert SECRET not in output
        assert str(outside) not in output
        assert outside.name not in output
        assert not [line for line in lines if line in output]


def all_text_below(folder: Path) -> str:
    return "".join(path.read_text(encoding="utf-8", errors="replace") for path in folder.rglob("*") if path.is_file())


# Paper files


def test_a_paper_file_linked_to_etc_passwd_is_a_problem_that_shows_nothing_of_it(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "papers/passwords.yaml").symlink_to("/etc/passwd")

    exit_code, out, err = run(catalog_root, ["check", "."], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [f"papers/passwords.yaml: error: {OUTSIDE}; {PAPER_FIX}", "1 problem in 1 file"]
    assert "passwd" not in err
    assert not [line for line in Path("/etc/passwd").read_text(encoding="utf-8").splitlines() if line in err]
    assert "root:" not in err


def test_a_link_to_a_valid_paper_outside_the_catalog_is_refused_and_never_published(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = outside_paper(tmp_path)
    (catalog_root / "papers/smuggled.yaml").symlink_to(outside)

    exit_code, out, err = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [f"papers/smuggled.yaml: error: {OUTSIDE}; {PAPER_FIX}",
                                "1 problem in 1 file; nothing was written, site is as it was"]
    assert not (catalog_root / "site").exists()
    assert_nothing_of(outside, err)


def test_a_link_refused_after_a_good_build_keeps_the_paper_out_of_the_next_one(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)[0] == 0
    outside = outside_paper(tmp_path)
    (catalog_root / "papers/smuggled.yaml").symlink_to(outside)

    exit_code, out, err = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines()[0] == f"papers/smuggled.yaml: error: {OUTSIDE}; {PAPER_FIX}"
    assert_nothing_of(outside, err, all_text_below(catalog_root / "site"))


def test_links_to_nothing_and_in_loops_are_located_problems_not_internal_errors(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    papers = catalog_root / "papers"
    (papers / "dangling.yaml").symlink_to("no-such-file.yaml")
    (papers / "itself.yaml").symlink_to("itself.yaml")
    (papers / "ping.yaml").symlink_to("pong.yaml")
    (papers / "pong.yaml").symlink_to("ping.yaml")

    exit_code, out, err = run(catalog_root, ["check", "."], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    loop = "is a link in a loop (it leads back to itself)"
    assert err.splitlines() == [
        f"papers/dangling.yaml: error: is a link to nothing; {PAPER_FIX}",
        f"papers/itself.yaml: error: {loop}; {PAPER_FIX}",
        f"papers/ping.yaml: error: {loop}; {PAPER_FIX}",
        f"papers/pong.yaml: error: {loop}; {PAPER_FIX}",
        "4 problems in 4 files",
    ]


def test_a_link_into_a_hidden_folder_of_the_catalog_is_refused_as_outside_it(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / ".git").mkdir()
    config = catalog_root / ".git/config"
    config.write_text(f'title: "{SECRET}"\nextraheader: "AUTHORIZATION: basic {SECRET}"\n', encoding="utf-8")
    (catalog_root / "papers/credentials.yaml").symlink_to("../.git/config")

    exit_code, out, err = run(catalog_root, ["check", "."], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "papers/credentials.yaml: error: is a link to a hidden file or folder (such as .git/), which headcat never "
        f"reads; {PAPER_FIX}",
        "1 problem in 1 file",
    ]
    assert_nothing_of(config, err)


def test_a_link_to_a_paper_file_elsewhere_in_the_catalog_is_read_like_the_file(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "drafts").mkdir()
    (catalog_root / "papers" / PAPER).rename(catalog_root / "drafts" / PAPER)
    (catalog_root / "papers" / PAPER).symlink_to(Path("../drafts") / PAPER)

    assert run(catalog_root, ["check", "."], monkeypatch, capsys) == (0, "5 papers checked: no problems\n", "")
    exit_code, out, err = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert (exit_code, err) == (0, "")
    assert out.startswith("built 5 papers into site")
    assert "Amplifying the Correct Answer" in (catalog_root / "site/index.html").read_text(encoding="utf-8")


def test_a_papers_folder_linked_outside_the_catalog_is_refused(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    (catalog_root / "papers").rename(elsewhere)
    outside = outside_paper(elsewhere)
    (catalog_root / "papers").symlink_to(elsewhere, target_is_directory=True)

    exit_code, out, err = run(catalog_root, ["check", "."], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"papers: error: {OUTSIDE}; the papers/ folder must be a folder inside the catalog; replace the link with "
        "the folder",
        "1 problem in 1 file",
    ]
    assert_nothing_of(outside, err)


def test_a_taxonomy_and_a_pyproject_linked_outside_the_catalog_are_both_refused(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside_taxonomy = tmp_path / "outside-taxonomy.yaml"
    outside_taxonomy.write_text(f"{SECRET}: [\n", encoding="utf-8")
    outside_pyproject = tmp_path / "outside-pyproject.toml"
    outside_pyproject.write_text(f'[tool.headcat]\ntitle = "{SECRET}\n', encoding="utf-8")
    (catalog_root / "taxonomy.yaml").unlink()
    (catalog_root / "taxonomy.yaml").symlink_to(outside_taxonomy)
    (catalog_root / "pyproject.toml").unlink()
    (catalog_root / "pyproject.toml").symlink_to(outside_pyproject)

    exit_code, out, err = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"pyproject.toml: error: {OUTSIDE}; pyproject.toml must be a file inside the catalog; replace the link with "
        "the file",
        f"taxonomy.yaml: error: {OUTSIDE}; taxonomy.yaml must be a file inside the catalog; replace the link with "
        "the file",
        "2 problems in 2 files; nothing was written, site is as it was",
    ]
    assert_nothing_of(outside_taxonomy, err)
    assert_nothing_of(outside_pyproject, err)


def test_a_pyproject_linked_to_nothing_is_a_problem_not_the_default_settings(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "pyproject.toml").unlink()
    (catalog_root / "pyproject.toml").symlink_to("settings/pyproject.toml")

    exit_code, out, err = run(catalog_root, ["check", "."], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "pyproject.toml: error: is a link to nothing; pyproject.toml must be a file inside the catalog; replace the "
        "link with the file",
        "1 problem in 1 file",
    ]


def test_paper_files_ending_in_another_spelling_of_yaml_are_reported_and_never_read(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    papers = catalog_root / "papers"
    for name in ("shouting.YAML", "Title-Case.Yaml", "short.yml", "SHORT-LOUD.YML"):
        (papers / name).symlink_to("/etc/passwd")  # never read: reading it would print a different problem

    exit_code, out, err = run(catalog_root, ["check", "."], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "papers/SHORT-LOUD.YML:1:1: error: paper files end in .yaml; rename it to short-loud.yaml",
        "papers/Title-Case.Yaml:1:1: error: paper files end in .yaml; rename it to title-case.yaml",
        "papers/short.yml:1:1: error: paper files end in .yaml; rename it to short.yaml",
        "papers/shouting.YAML:1:1: error: paper files end in .yaml; rename it to shouting.yaml",
        "4 problems in 4 files",
    ]


# Templates

TEMPLATE_FIX = "a template must be a file inside the templates folder; replace the link with the file"


def test_a_template_linked_outside_the_templates_folder_is_refused_and_never_published(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside-about.html"
    outside.write_text(f"<p>{SECRET}</p>\n", encoding="utf-8")
    (catalog_root / "templates/site/about.html").unlink()
    (catalog_root / "templates/site/about.html").symlink_to(outside)

    exit_code, out, err = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "templates/site/about.html: error: is a link that leads outside the templates folder, which headcat never "
        f"reads; {TEMPLATE_FIX}",
        "1 problem in 1 file; nothing was written, site is as it was",
    ]
    assert not (catalog_root / "site").exists()
    assert_nothing_of(outside, err)


def test_templates_linked_to_nothing_or_in_a_loop_are_located_problems(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "templates/site/about.html").unlink()
    (catalog_root / "templates/site/about.html").symlink_to("no-such-template.html")
    (catalog_root / "templates/site/loop.html").symlink_to("loop.html")

    exit_code, out, err = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        f"templates/site/about.html: error: is a link to nothing; {TEMPLATE_FIX}",
        f"templates/site/loop.html: error: is a link in a loop (it leads back to itself); {TEMPLATE_FIX}",
        "2 problems in 2 files; nothing was written, site is as it was",
    ]


def test_a_named_pipe_among_the_templates_is_a_problem_not_a_build_that_waits_for_ever(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    os.mkfifo(catalog_root / "templates/site/pipe.html")

    exit_code, out, err = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "templates/site/pipe.html: error: is not a file (a named pipe, a socket or a device); the templates folder "
        "holds templates: remove it",
        "1 problem in 1 file; nothing was written, site is as it was",
    ]


def test_a_template_linked_to_another_file_of_the_templates_folder_renders_it(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    about = catalog_root / "templates/site/about.html"
    (catalog_root / "templates/shared").mkdir()
    about.rename(catalog_root / "templates/shared/about.html")
    about.symlink_to("../shared/about.html")

    exit_code, out, err = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert (exit_code, err) == (0, "")
    assert out.startswith("built 5 papers into site")
    assert (catalog_root / "site/about/index.html").is_file()


def test_a_template_that_becomes_a_link_out_after_the_check_is_refused_as_it_loads(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    outside = tmp_path / "outside.html"
    outside.write_text(SECRET, encoding="utf-8")
    environment = make_environment(templates)
    (templates / "page.html").symlink_to(outside)

    with pytest.raises(ProblemsFound) as raised:
        environment.get_template("page.html")

    assert [problem.format_text() for problem in raised.value.problems] == [
        f"{templates}/page.html: error: is a link that leads outside the templates folder, which headcat never "
        f"reads; {TEMPLATE_FIX}",
    ]


# README.md and CONTRIBUTING.md

README_TEXT = "# Heads\n\n<!-- headcat:start -->\n<!-- headcat:end -->\n"


def test_a_readme_linked_outside_the_catalog_is_neither_read_nor_written(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside-readme.md"
    outside.write_text(README_TEXT + f"{SECRET}\n", encoding="utf-8")
    (catalog_root / "README.md").symlink_to(outside)
    problem = ("README.md: error: is a link that leads outside the catalog, which headcat neither reads nor writes; "
               "README.md must be a file inside the catalog; replace the link with the file")

    readme = run(catalog_root, ["readme", "."], monkeypatch, capsys)
    build = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert readme[:2] == build[:2] == (1, "")
    assert readme[2].splitlines() == [problem, "1 problem in 1 file; nothing was written, README.md is as it was"]
    assert build[2].splitlines() == [problem, "1 problem in 1 file; nothing was written, site is as it was"]
    assert outside.read_text(encoding="utf-8") == README_TEXT + f"{SECRET}\n"
    assert (catalog_root / "README.md").is_symlink()
    assert not (catalog_root / "site").exists()
    assert_nothing_of(outside, readme[2], build[2])


def test_a_readme_linked_to_nothing_is_a_problem_for_build_as_for_readme(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "README.md").symlink_to("docs/README.md")
    problem = ("README.md: error: is a link to nothing; README.md must be a file inside the catalog; replace the "
               "link with the file")

    build = run(catalog_root, ["build", ".", "--no-search"], monkeypatch, capsys)

    assert build[:2] == (1, "")
    assert build[2].splitlines() == [problem, "1 problem in 1 file; nothing was written, site is as it was"]


def test_a_readme_linked_to_a_file_inside_the_catalog_is_regenerated_through_the_link(
    catalog_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "docs").mkdir()
    (catalog_root / "docs/README.md").write_text(README_TEXT, encoding="utf-8")
    (catalog_root / "README.md").symlink_to("docs/README.md")

    exit_code, out, err = run(catalog_root, ["readme", "."], monkeypatch, capsys)

    assert (exit_code, out, err) == (0, "README.md: the paper table was regenerated (5 papers)\n", "")
    assert (catalog_root / "README.md").is_symlink()
    assert "Amplifying the Correct Answer" in (catalog_root / "docs/README.md").read_text(encoding="utf-8")


def test_a_contributing_file_linked_outside_the_catalog_is_neither_read_nor_written(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (catalog_root / "README.md").write_text(README_TEXT, encoding="utf-8")
    outside = tmp_path / "outside-contributing.md"
    outside.write_text(f"<!-- headcat:fields:start -->\n<!-- headcat:fields:end -->\n{SECRET}\n", encoding="utf-8")
    (catalog_root / "CONTRIBUTING.md").symlink_to(outside)

    exit_code, out, err = run(catalog_root, ["readme", "."], monkeypatch, capsys)

    assert (exit_code, out) == (1, "")
    assert err.splitlines() == [
        "CONTRIBUTING.md: error: is a link that leads outside the catalog, which headcat neither reads nor writes; "
        "CONTRIBUTING.md must be a file inside the catalog; replace the link with the file",
        "1 problem in 1 file; nothing was written, README.md is as it was",
    ]
    assert outside.read_text(encoding="utf-8").endswith(f"{SECRET}\n")
    assert (catalog_root / "README.md").read_text(encoding="utf-8") == README_TEXT
    assert_nothing_of(outside, err)
