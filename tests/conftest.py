"""Fixtures shared by test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURE_CATALOG = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture(autouse=True)
def cache_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's build caches in a folder of its own (HEADCAT_CACHE_DIR), never the user's."""
    home = tmp_path_factory.mktemp("cache-home")
    monkeypatch.setenv("HEADCAT_CACHE_DIR", str(home))
    return home


@pytest.fixture
def catalog_root(tmp_path: Path) -> Path:
    """A writable copy of the fixture catalog (tests/fixtures/catalog) with the repository's templates."""
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, root)
    shutil.copytree(REPOSITORY / "templates", root / "templates")
    return root
