"""Fixtures for the control store: a real SQLite file and a real PostgreSQL server
(`pg_admin` and `pg_database` are in tests/conftest.py: the writer tests use them too).

PostgreSQL tests (marker `postgres`) use throwaway databases named
`tieout_control_test_<random>` on 127.0.0.1:5432 (user postgres), dropped afterwards. A
missing server fails them with a message instead of skipping them silently; deselect
them with `-m "not postgres"` on a machine without PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from control_support import CONTROL_FILES, write_control

from writers.control import ControlStore

CONTROL_TABLES = (
    "cost_code_overrides",
    "cost_code_map",
    "job_prefix_rules",
    "vendor_map",
    "mapping_history",
    "exception_resolutions",
    "audit_log",
    "users",
    "settings",
    "auto_approval_rules",
    "write_batches",
    "outbox",
    "idempotency_ledger",
    "write_rejections",
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's control store, actor or warehouse."""
    for name in ("TIEOUT_CONTROL_URL", "TIEOUT_ACTOR", "TIEOUT_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="session")
def pg_shared_url(pg_admin: sa.Engine) -> Iterator[str]:
    """One migrated database for the store tests (emptied before each test)."""
    name = f"tieout_control_test_{secrets.token_hex(4)}"
    url = pg_admin.url.set(database=name).render_as_string(hide_password=False)
    ControlStore.open(url).close()
    yield url
    with pg_admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated control store: a new SQLite file, or the shared PostgreSQL
    database emptied (ids restarted)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'control.sqlite'}"
    url = request.getfixturevalue("pg_shared_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {', '.join(CONTROL_TABLES)} RESTART IDENTITY")
    engine.dispose()
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[ControlStore]:
    with ControlStore.open(store_url) as opened:
        yield opened


@pytest.fixture
def control_dir(tmp_path: Path) -> Path:
    return write_control(tmp_path / "scenario" / "control", CONTROL_FILES)
