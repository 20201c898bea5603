"""Fixtures for the Procore dlt source: the real emulator over HTTP, real DuckDB.

The tiny scenario is synced once into a clean TIEOUT_HOME by its own emulator
(`clean_sync`: the reference every fault case must end equal to). Tests get a private
emulator reset to just-started (`srv`, unlimited spike window so nothing waits unless a
test sets limits) and, when they start from a synced warehouse, a copy of the clean home
(`synced_home`), so no test depends on another's order.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from procore_sync_support import snapshot, stats, sync

from pipelines.report import SyncReport
from sandbox.procore.server import EmulatorServer
from sandbox.procore.settings import EmulatorSettings

TEST_SETTINGS = EmulatorSettings(spike_limit=0)


@dataclass
class CleanSync:
    home: Path
    report: SyncReport
    stats: dict
    snapshot: dict[str, list[tuple]]


@pytest.fixture(scope="session")
def clean_sync(tiny_scenario, tmp_path_factory: pytest.TempPathFactory) -> CleanSync:
    """First sync of the unchanged tiny scenario into an empty home (do not modify)."""
    home = tmp_path_factory.mktemp("procore_clean_home")
    with EmulatorServer(tiny_scenario, TEST_SETTINGS, port=0) as server:
        report = sync(server, tiny_scenario, home)
        counters = stats(server)
    assert report.ok, [r.error for r in report.resources if r.error]
    return CleanSync(home, report, counters, snapshot(home))


@pytest.fixture(scope="session")
def _emulator(tiny_scenario) -> Iterator[EmulatorServer]:
    with EmulatorServer(tiny_scenario, TEST_SETTINGS, port=0) as server:
        yield server


@pytest.fixture
def srv(_emulator: EmulatorServer) -> EmulatorServer:
    """This module's emulator, back to just-started (data, tokens, clock, faults, stats)."""
    _emulator.reset()
    return _emulator


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir()
    return path


@pytest.fixture
def synced_home(clean_sync: CleanSync, tmp_path: Path) -> Path:
    """A private copy of the clean home (warehouse + dlt state), as if synced once."""
    path = tmp_path / "synced"
    shutil.copytree(clean_sync.home, path)
    return path
