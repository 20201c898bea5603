"""Writer fixtures: a small hand-made warehouse with marts.outbound_* rows (fast logic
tests), a connector double, and a real built tiny scenario (end-to-end and kill tests,
built once for the session: the `tiny_built` fixture in tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from writer_support import FakeConnector, ap, make_warehouse

from writers.control import ControlStore

__all__ = ["FakeConnector", "ap", "make_warehouse"]  # older tests import them from here


@pytest.fixture
def store(tmp_path: Path):
    with ControlStore.open(f"sqlite:///{tmp_path / 'control.sqlite'}") as s:
        yield s


@pytest.fixture(scope="session")
def writer_built(tiny_built):
    """The tiny scenario synced and built (shared; `writer_home` gives each test a copy)."""
    return tiny_built


@pytest.fixture
def writer_home(writer_built, tmp_path: Path) -> Path:
    """A fresh copy of the built home (warehouse, control store, test company) per test."""
    home = tmp_path / "home"
    shutil.copytree(writer_built.home, home, ignore=shutil.ignore_patterns("dlt", "logs"))
    return home
