"""`headcat init`: a new catalog that passes check and build at once, built with the default theme, and that never
writes over a file; and the theme itself, which a catalog's templates/ overrides one file at a time."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from headcat.commands.cli import main
from headcat.commands.init_catalog import STARTER, NewCatalog, init_catalog, starter_files
from headcat.load.settings import load_config
from headcat.pipeline import build, check
from headcat.render.environment import default_theme

REPOSITORY = Path(__file__).parent.parent
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
TODAY = date(2026, 1, 15)


def tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file() and path.name != ".headcat-output"}


def test_a_new_catalog_passes_check_and_builds_a_complete_site(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    written = init_catalog(root, NewCatalog("Awesome Things", "Papers on things."), TODAY)

    assert {path.relative_to(root).as_posix() for path in written} == {
        "pyproject.toml", "taxonomy.yaml", "papers/attention-is-all-you-need.yaml", "README.md", "CONTRIBUTING.md",
        ".gitignore", "requirements.txt", ".github/dependabot.yml", ".github/workflows/check.yml",
        ".github/workflows/deploy.yml", ".github/workflows/links.yml", ".github/workflows/paper-from-issue.yml",
        ".github/ISSUE_TEMPLATE/add-paper.yml", ".github/ISSUE_TEMPLATE/correct-paper.yml",
        ".github/ISSUE_TEMPLATE/new-topic.yml",
        "schema/paper.schema.json"}
    assert not (root / "templates").exists()  # the default theme builds it
    assert check(root, TODAY) == 1
    result = build(root, root / "site", TODAY, overrides={"base_url": "https://example.org/things"})
    site = root / "site"
    assert result.catalog.config.title == "Awesome Things"
    assert "<title>Awesome Things</title>" in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "papers" / "attention-is-all-you-need" / "index.html").is_file()
    assert "<loc>https://example.org/things/papers/attention-is-all-you-need/</loc>" in \
        (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "<link>https://example.org/things/</link>" in (site / "feed.xml").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "Attention Is All You Need" in readme and readme.startswith("# Awesome Things\n")
    assert "| `title` |" in (root / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for workflow in (root / ".github" / "workflows").glob("*.yml"):
        assert yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]


@pytest.mark.parametrize("title", ['Quotes " and \\ backslash', "Ünïcödé — list", "[brackets] = 'x'"])
def test_any_title_reaches_the_settings_as_written(tmp_path: Path, title: str) -> None:
    init_catalog(tmp_path, NewCatalog(title, f"About {title}."), TODAY)
    config = load_config(tmp_path)
    assert (config.title, config.description) == (title, f"About {title}.")


def test_init_writes_nothing_when_any_file_it_would_write_is_there(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "README.md").write_text("mine\n", encoding="utf-8")
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema" / "paper.schema.json").symlink_to("nowhere")

    exit_code = main(["init", str(tmp_path)])

    err = capsys.readouterr().err.splitlines()
    assert exit_code == 1
    assert err == [f"{tmp_path / 'README.md'}: error: is there already; headcat init never overwrites a file: start "
                   "the catalog in an empty folder, or move the file away",
                   f"{tmp_path / 'schema/paper.schema.json'}: error: is there already; headcat init never "
                   "overwrites a file: start the catalog in an empty folder, or move the file away",
                   f"2 problems in 2 files; nothing was written into {tmp_path}"]
    assert sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*")) == [
        "README.md", "schema", "schema/paper.schema.json"]
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "mine\n"


def test_every_starter_file_is_written_under_its_catalog_name(tmp_path: Path) -> None:
    files = starter_files(NewCatalog("T", "D."), TODAY)
    packaged = [path for path in STARTER.rglob("*") if path.is_file()]
    assert len(files) == len(packaged) + 1  # and taxonomy.yaml, written for the shape and words asked for
    markers = ("@TITLE@", "@DESCRIPTION@", "@TODAY@", "@VERSION@", "@TOPICS@")
    assert [marker for text in files.values() for marker in markers if marker in text] == []


def test_the_theme_of_a_source_checkout_is_the_repositorys_templates() -> None:
    assert default_theme().resolve() == (REPOSITORY / "templates").resolve()


def test_a_catalog_without_templates_builds_the_same_site_as_with_the_theme_copied_in(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(FIXTURE, bare)
    copied = tmp_path / "copied"
    shutil.copytree(FIXTURE, copied)
    shutil.copytree(REPOSITORY / "templates", copied / "templates")
    build(bare, tmp_path / "bare-site", TODAY, with_search=False)
    build(copied, tmp_path / "copied-site", TODAY, with_search=False)
    assert tree(tmp_path / "bare-site") == tree(tmp_path / "copied-site")


def test_a_catalogs_template_overrides_only_that_file_of_the_theme(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE, root)
    build(root, tmp_path / "before", TODAY, with_search=False)
    about = root / "templates" / "site" / "about.html"
    about.parent.mkdir(parents=True)
    about.write_text('{% extends "site/base.html" %}{% block main %}<h1>Our own about page</h1>{% endblock %}\n',
                     encoding="utf-8")
    build(root, tmp_path / "after", TODAY, with_search=False)
    before, after = tree(tmp_path / "before"), tree(tmp_path / "after")
    assert [path for path in before if before[path] != after[path]] == ["about/index.html"]
    assert "<h1>Our own about page</h1>" in after["about/index.html"].decode("utf-8")
