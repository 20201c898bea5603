"""Shared fixtures: one generated `tiny` scenario per session, served for real.

Area-specific fixtures live in each folder's conftest (tests/emulator, tests/sage,
tests/generator). These are the ones several areas and the end-to-end tests share.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

TINY_SEED = 11


@pytest.fixture(scope="session")
def tiny_scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated tiny scenario with the default planted discrepancies."""
    from sandbox.generate import generate

    out = tmp_path_factory.mktemp("scenario") / "tiny"
    generate("tiny", TINY_SEED, out)
    return out


@pytest.fixture(scope="session")
def tiny_scenario(tiny_scenario_dir: Path):
    from sandbox.scenario import load_scenario

    return load_scenario(tiny_scenario_dir)


@pytest.fixture(scope="session")
def tiny_sage_db(tiny_scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny scenario's Sage test company, materialised once per session."""
    from sandbox.sage.company import materialise

    db = tmp_path_factory.mktemp("sage") / "company.sqlite"
    materialise(tiny_scenario, db)
    return db


@pytest.fixture(scope="session")
def tiny_emulator(tiny_scenario):
    """The Procore emulator serving the tiny scenario over real HTTP on loopback."""
    from sandbox.procore.server import EmulatorServer
    from sandbox.procore.settings import EmulatorSettings

    with EmulatorServer(tiny_scenario, EmulatorSettings(), port=0) as server:
        yield server
