"""headcat as an installed package: the wheel holds the code, the default theme and the starter files, and once
installed into a fresh virtual environment outside the repository it starts, checks and builds a new catalog, and a
flat and a two-level one in their own words (one with an imported BibTeX entry)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

from test_catalog_words import words_in

REPOSITORY = Path(__file__).parent.parent
SOURCE = REPOSITORY / "src" / "headcat"
PYPROJECT = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_listed_packages_are_every_package_of_the_source_and_the_two_data_folders() -> None:
    code = {"headcat", *(f"headcat.{path.parent.name}" for path in SOURCE.glob("*/__init__.py"))}
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == code | {"headcat.theme", "headcat.starter"}
    assert PYPROJECT["tool"]["setuptools"]["package-dir"]["headcat.theme"] == "templates"


def test_every_template_of_the_theme_begins_by_saying_what_it_shows_and_gets() -> None:
    """The theme's contract: a catalog that overrides a template learns from its first comment what it is given."""
    templates = [path for path in (REPOSITORY / "templates").rglob("*")
                 if path.is_file() and path.parent.name != "assets"]
    assert templates
    assert [path.relative_to(REPOSITORY).as_posix() for path in templates
            if not path.read_text(encoding="utf-8").startswith("{#")] == []


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # From a copy without the repository's build/ folder: setuptools copies into build/lib what changed but never
    # removes what was deleted, so a wheel made in place can carry files the source no longer has.
    source = tmp_path_factory.mktemp("source") / "headcat"
    top_level = {"build", ".git", ".venv", "site", ".headcat-cache", "node_modules"}
    shutil.copytree(REPOSITORY, source, ignore=lambda folder, names: [
        name for name in names if (Path(folder) == REPOSITORY and (name in top_level or name.startswith(".site.")))
        or name == "__pycache__" or name.endswith(".egg-info")])
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(out),
                    str(source)], check=True, capture_output=True, text=True)
    (built,) = out.glob("headcat-*.whl")
    return built


def test_the_wheel_holds_the_theme_the_starter_files_and_the_license(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    theme = {f"headcat/theme/{path.relative_to(REPOSITORY / 'templates').as_posix()}"
             for path in (REPOSITORY / "templates").rglob("*") if path.is_file()}
    starter = {f"headcat/starter/{path.relative_to(SOURCE / 'starter').as_posix()}"
               for path in (SOURCE / "starter").rglob("*") if path.is_file()}
    assert theme <= names and starter <= names
    assert "headcat/py.typed" in names
    assert any(name.endswith((".dist-info/licenses/LICENSE", ".dist-info/LICENSE")) for name in names)
    assert not any(name.startswith(("papers/", "tests/", "headcat/theme/__pycache__")) for name in names)


def test_the_installed_wheel_starts_checks_and_builds_a_catalog_outside_the_repository(
        wheel: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True,
                   text=True)
    work = tmp_path / "work"
    work.mkdir()
    env = {**os.environ, "HEADCAT_CACHE_DIR": str(tmp_path / "cache"), "HEADCAT_BASE_URL": "https://example.org/x/"}
    env.pop("PYTHONPATH", None)

    def headcat(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(environment / "bin" / "headcat"), *arguments], cwd=work, env=env,
                              capture_output=True, text=True, check=False)

    for step in (("init", "things", "--title", "Things"), ("check", "things"), ("build", "things")):
        result = headcat(*step)
        assert result.returncode == 0, (step, result.stdout, result.stderr)
    site = work / "things" / "site"
    assert "<title>Things</title>" in (site / "index.html").read_text(encoding="utf-8")
    assert (site / "assets" / "style.css").read_bytes() == (REPOSITORY / "templates/assets/style.css").read_bytes()
    assert "<loc>https://example.org/x/</loc>" in (site / "sitemap.xml").read_text(encoding="utf-8")
    located = subprocess.run([str(python), "-c", "import headcat.render.environment as e; print(e.default_theme())"],
                             cwd=work, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(located).is_relative_to(environment)


IMPORTED = """@inproceedings{voita2019analyzing,
  title = {Analyzing Multi-Head Self-Attention: Specialized Heads Do the Heavy Lifting, the Rest Can Be Pruned},
  author = {Voita, Elena and Talbot, David and Moiseev, Fedor and Sennrich, Rico and Titov, Ivan},
  booktitle = {Proceedings of the 57th Annual Meeting of the Association for Computational Linguistics},
  date = {2019-07-28},
  doi = {10.18653/v1/P19-1580},
  keywords = {Self-Attention},
}
"""
"""A reference as a BibTeX export writes it; its keyword names the new catalog's example topic."""


def test_the_installed_wheel_builds_a_flat_and_a_two_level_catalog_in_their_own_words(
        wheel: Path, tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    subprocess.run([str(environment / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], check=True,
                   capture_output=True, text=True)
    work = tmp_path / "work"
    work.mkdir()
    (work / "references.bib").write_text(IMPORTED, encoding="utf-8")
    env = {**os.environ, "HEADCAT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("PYTHONPATH", None)

    def headcat(*arguments: str) -> None:
        result = subprocess.run([str(environment / "bin" / "headcat"), *arguments], cwd=work, env=env,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, (arguments, result.stdout, result.stderr)

    headcat("init", "flat", "--levels", "1", "--topic", "technique/techniques", "--title", "Techniques")
    headcat("init", "themes", "--levels", "2", "--topic", "question", "--group", "theme", "--title", "Questions")
    headcat("import", "references.bib", "--into", "flat")
    imported = work / "flat" / "papers" / "analyzing-multi-head-self-attention-specialized.yaml"
    text = imported.read_text(encoding="utf-8")
    assert "heads: [Self-Attention]" in text and text.count('"TODO: ') == 3
    imported.write_text(re.sub(r'"TODO: [^"]*"', '"Written by the contributor."', text), encoding="utf-8")
    for name, group_folder in (("flat", None), ("themes", "themes")):
        headcat("check", name)
        headcat("build", name)
        site = work / name / "site"
        assert words_in(site) == {}
        assert (site / "index.html").is_file() and (group_folder is None) == (not (site / "themes").exists())
    assert (work / "flat" / "site" / "techniques" / "self-attention" / "index.html").is_file()
    assert "Analyzing Multi-Head Self-Attention" in (work / "flat" / "site" / "index.html").read_text(encoding="utf-8")
