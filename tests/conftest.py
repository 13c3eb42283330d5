"""Fixtures shared by test modules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
FIXTURE_CATALOG = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture
def catalog_root(tmp_path: Path) -> Path:
    """A writable copy of the fixture catalog (tests/fixtures/catalog) with the repository's templates."""
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE_CATALOG, root)
    shutil.copytree(REPOSITORY / "templates", root / "templates")
    return root
