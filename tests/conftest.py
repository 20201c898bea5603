"""Shared fixtures: one generated `tiny` scenario per session, served for real.

Area-specific fixtures live in each folder's conftest (tests/emulator, tests/sage,
tests/generator). These are the ones several areas and the end-to-end tests share.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

TINY_SEED = 11
PG_SERVER = "postgresql+psycopg2://postgres@127.0.0.1:5432"


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


@pytest.fixture(scope="session")
def tiny_synced_home(
    tiny_scenario, tiny_emulator, tiny_sage_db, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A TIEOUT_HOME whose DuckDB warehouse holds the tiny scenario, synced by `tieout sync
    all` (emulator over HTTP, test company over ODBC), with the control store seeded from
    the scenario's `control/` (when the control store is installed).

    Shared by the session: tests may build dbt models in it; a test that breaks the
    warehouse on purpose works on a copy.
    """
    from rich.console import Console

    from orchestration import sync_commands
    from sandbox.sage.odbc import connection_string

    home = tmp_path_factory.mktemp("synced-home")
    reports = sync_commands.sync(
        "all",
        home=home,
        full=False,
        project_ids=None,
        console=Console(stderr=True, quiet=True),
        procore_overrides=sync_commands.emulator_procore_settings(tiny_scenario, tiny_emulator.url),
        sage_connection_string=connection_string(tiny_sage_db),
    )
    failed = [(x.resource, x.error) for r in reports for x in r.resources if x.status == "failed"]
    assert not failed, f"the tiny sync failed: {failed}"
    try:
        from writers.control import ControlStore
    except ModuleNotFoundError as exc:  # the control store lands separately
        if exc.name != "writers.control":
            raise
    else:
        with ControlStore.open(f"sqlite:///{home / 'control.sqlite'}") as store:
            store.seed_from_scenario(tiny_scenario.root / "control", actor="tests")
    return home


@pytest.fixture(scope="session")
def tiny_built(tiny_scenario_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """The tiny scenario synced, its control store seeded and built on DuckDB with every
    dbt unit test (the one build in the suite that runs them). Shared by the dbt and
    writer tests: a test that changes it works on a copy of its home."""
    from tests.dbt.conftest import prepare

    return prepare(tiny_scenario_dir, tmp_path_factory.mktemp("tiny_built"), unit_tests=True)


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT connection to the server's `postgres` database; fails if it is down."""
    engine = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        pytest.fail(
            f"PostgreSQL is not reachable at 127.0.0.1:5432 as user postgres ({reason}). "
            "Start it (Debian: `pg_ctlcluster 15 main start`) or deselect these tests with "
            '-m "not postgres".',
            pytrace=False,
        )
    yield engine
    engine.dispose()


@pytest.fixture
def pg_database(pg_admin: sa.Engine) -> Iterator[Callable[[], str]]:
    """Names fresh databases (not created: the store creates them); drops them after."""
    names: list[str] = []

    def new() -> str:
        names.append(f"tieout_control_test_{secrets.token_hex(4)}")
        return f"{PG_SERVER}/{names[-1]}"

    yield new
    with pg_admin.connect() as conn:
        for name in names:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
