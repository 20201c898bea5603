"""Opening a store migrates it to the newest schema; opening it again changes nothing."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from control_support import count

from writers.control import (
    ControlStore,
    ControlStoreError,
    alembic_config,
    current_revision,
    head,
    resolve_url,
)
from writers.control import migrate as migrate_module
from writers.control.migrate import VERSION_TABLE, _scripts
from writers.control.schema import metadata

TABLES = {
    "cost_code_overrides",
    "cost_code_map",
    "job_prefix_rules",
    "vendor_map",
    "mapping_history",
    "exception_resolutions",
    "audit_log",
    "settings",
    "auto_approval_rules",
    "write_batches",
    "outbox",
    "idempotency_ledger",
    "write_rejections",
    "users",
    VERSION_TABLE,
}


def _fresh(backend: str, tmp_path: Path, pg_database: Callable[[], str] | None) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'sub' / 'control.sqlite'}"
    assert pg_database is not None
    return pg_database()


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store that does not exist yet (SQLite file in a missing folder / no database)."""
    pg = request.getfixturevalue("pg_database") if request.param == "postgres" else None
    return _fresh(request.param, tmp_path, pg)


@pytest.mark.parametrize("fresh_url", BACKENDS, indirect=True)
def test_open_creates_the_schema_the_code_describes(fresh_url: str) -> None:
    with ControlStore.open(fresh_url) as store:
        assert set(sa.inspect(store.engine).get_table_names()) == TABLES
        assert current_revision(store.engine) == head()
        with store.engine.connect() as conn, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLite cannot reflect the expression index
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "version_table": VERSION_TABLE}
            )
            diff = [d for d in compare_metadata(context, metadata) if VERSION_TABLE not in str(d)]
        assert diff == [], "schema.py and the migrations disagree: add a migration"


def test_sqlite_store_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with ControlStore.open(url) as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.parametrize("fresh_url", BACKENDS, indirect=True)
def test_reopen_keeps_data_and_runs_no_migration(
    fresh_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ControlStore.open(fresh_url) as store:
        store.add_vendor(3900000007, "CANYON02", actor="alice")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("re-opening a current store must not run migrations")

    monkeypatch.setattr(migrate_module.command, "upgrade", refuse)
    with ControlStore.open(fresh_url) as store:
        assert [r["sage_vendor"] for r in store.list_mappings("vendor_map")] == ["CANYON02"]
        assert count(store, "audit_log") == 1


@pytest.mark.postgres
def test_missing_postgres_database_is_created(pg_database, pg_admin: sa.Engine) -> None:
    url = pg_database()
    name = sa.make_url(url).database
    with pg_admin.connect() as conn:
        exists = "SELECT count(*) FROM pg_database WHERE datname = :n"
        assert conn.scalar(sa.text(exists), {"n": name}) == 0
        ControlStore.open(url.replace("+psycopg2", "")).close()  # bare postgresql:// too
        assert conn.scalar(sa.text(exists), {"n": name}) == 1


@pytest.mark.parametrize("fresh_url", BACKENDS, indirect=True)
def test_concurrent_first_opens_migrate_once(fresh_url: str) -> None:
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            ControlStore.open(fresh_url).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with ControlStore.open(fresh_url) as store:
        assert current_revision(store.engine) == head()


def test_one_linear_history_with_downgrades() -> None:
    scripts = _scripts()
    assert len(scripts.get_heads()) == 1
    for revision in scripts.walk_revisions():
        assert revision.module.downgrade is not None
        assert not revision.is_merge_point
    assert alembic_config().get_main_option("script_location").endswith("migrations")


def test_store_migrated_by_a_newer_tieout_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    with ControlStore.open(url) as store, store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '9999_future'")
    with pytest.raises(ControlStoreError, match="newer tieout"):
        ControlStore.open(url)


def test_urls_are_normalised_and_defaulted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url("postgresql://u@h:5432/db").drivername == "postgresql+psycopg2"
    assert resolve_url("postgres://u@h/db").drivername == "postgresql+psycopg2"
    assert resolve_url("postgresql+psycopg2://u@h/db").drivername == "postgresql+psycopg2"
    assert resolve_url(home=tmp_path).database == str(tmp_path / "control.sqlite")
    monkeypatch.setenv("TIEOUT_CONTROL_URL", "postgresql://u:secret@h/ctl")
    assert resolve_url().database == "ctl"
    for bad, needle in (
        ("mysql://u@h/db", "must be a sqlite"),
        ("postgresql://u@h", "names no database"),
        ("not a url", "cannot parse"),
    ):
        with pytest.raises(ControlStoreError, match=needle):
            resolve_url(bad)


def test_unreachable_server_says_what_to_fix() -> None:
    with pytest.raises(ControlStoreError) as caught:
        ControlStore.open("postgresql://postgres:hunter2@127.0.0.1:1/tieout_control")
    message = str(caught.value)
    assert "cannot open the control store" in message and "TIEOUT_CONTROL_URL" in message
    assert "hunter2" not in message and "***" in message
