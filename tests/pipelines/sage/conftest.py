"""Fixtures for the Sage dlt source: real ODBC (SQLite3 driver), real DuckDB.

The tiny scenario's test company (`tiny_sage_db`, session) is synced once into a clean
TIEOUT_HOME (`clean_sync`); tests that need a synced warehouse get a *copy* of that home
(`synced_home`) and tests that change Sage get a copy of the company (`company`), so no
test depends on another's order and the suite syncs from scratch only where it must.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from sage_sync_support import copy_company, sync

from pipelines.report import SyncReport


@dataclass
class CleanSync:
    home: Path
    report: SyncReport
    db: Path


@pytest.fixture(scope="session")
def clean_sync(tiny_sage_db: Path, tmp_path_factory: pytest.TempPathFactory) -> CleanSync:
    """First sync of the unchanged tiny company into an empty TIEOUT_HOME (do not modify)."""
    home = tmp_path_factory.mktemp("sage_clean_home")
    report = sync(home, tiny_sage_db)
    assert report.ok, [r.error for r in report.resources if r.error]
    return CleanSync(home, report, tiny_sage_db)


@pytest.fixture
def synced_home(clean_sync: CleanSync, tmp_path: Path) -> Path:
    """A private copy of the clean home (warehouse + dlt state), as if synced once."""
    home = tmp_path / "home"
    shutil.copytree(clean_sync.home, home)
    return home


@pytest.fixture
def company(tiny_sage_db: Path, tmp_path: Path) -> Path:
    """A private, writable copy of the tiny test company."""
    return copy_company(tiny_sage_db, tmp_path / "sage" / "company.sqlite")
