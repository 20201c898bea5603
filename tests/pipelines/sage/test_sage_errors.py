"""ODBC failures give messages naming connection and table, and never half-load the warehouse."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest
from sage_sync_support import (
    by_resource,
    company_rows,
    copy_company,
    edit_company,
    raw_tables,
    sync,
    warehouse_rows,
)

import pipelines.sage.helpers as helpers
from pipelines.sage import SageSyncError, run_sage_sync
from pipelines.sage.pipeline import resolve_connection
from pipelines.sage.settings import STRATEGIES
from sandbox.sage.catalogue import TABLES
from sandbox.sage.company import materialise
from sandbox.sage.odbc import connection_string, register_dsn

FIRST = TABLES[0].name


def _failed(report, table: str) -> str:
    """Assert `table` failed and every other table was skipped; return the message."""
    assert not report.ok
    results = by_resource(report)
    assert results[table].status == "failed"
    others = {r.status for name, r in results.items() if name != table}
    assert others == {"skipped"}, others
    assert all(r.rows == 0 for r in report.resources)
    return results[table].error


def test_wrong_driver_name(company, tmp_path):
    conn_str = connection_string(company, driver="Timberline Data")
    report = run_sage_sync(home=tmp_path, connection_string=conn_str)
    message = _failed(report, FIRST)
    assert "ODBC driver not found" in message
    assert "Timberline Data" in message and str(company) in message
    assert f"reading {FIRST}" in message and "SQLite3" in message  # the registered drivers
    assert raw_tables(tmp_path) == {
        "_tieout_sync_runs",
        "_dlt_loads",
        "_dlt_version",
        "_dlt_pipeline_state",
    }


def test_missing_database_file(tmp_path):
    missing = tmp_path / "nowhere" / "company.sqlite"
    message = _failed(sync(tmp_path / "home", missing), FIRST)
    assert "cannot open the Sage company database" in message
    assert str(missing) in message


def test_password_is_masked_in_messages():
    message = str(
        helpers.odbc_error(
            Exception("28000", "[28000] login failed for user"),
            connection=helpers.describe("Driver={Timberline Data};DBQ=x;UID=ap;PWD=s3cret;"),
            table="APM_MASTER__VENDOR",
        )
    )
    assert "Sage login failed" in message and "PWD=***" in message and "s3cret" not in message


def test_missing_table_over_a_dsn_leaves_the_previous_sync_intact(
    synced_home, tiny_scenario, tmp_path, monkeypatch
):
    """An unlicensed module ("Table or view not found") fails the sync before anything is
    loaded: the vendor change read before the failing table is not committed either."""
    db = tmp_path / "unlicensed.sqlite"
    materialise(tiny_scenario, db, unlicensed=["CNC_ACTIVE__CONTRACT"])
    edit_company(db, ('UPDATE APM_MASTER__VENDOR SET "Name" = ?', ("Everyone Renamed",)))
    monkeypatch.setenv("ODBCINI", register_dsn(tmp_path / "odbc", db, name="sage_test")["ODBCINI"])
    before = warehouse_rows(synced_home, meta=True)

    report = run_sage_sync(home=synced_home, connection_string="DSN=sage_test")

    message = _failed(report, "CNC_ACTIVE__CONTRACT")
    assert "Table or view not found: CNC_ACTIVE__CONTRACT" in message
    assert "DSN=sage_test" in message
    assert by_resource(report)["APM_MASTER__VENDOR"].read > 0  # it was read, not loaded
    assert warehouse_rows(synced_home, meta=True) == before


def test_failure_mid_table_commits_nothing_and_the_next_sync_recovers(
    synced_home, company, monkeypatch
):
    """A failure after some JCT batches were handed to dlt, during a full reload: nothing
    is loaded (no table truncated, the vendor change read earlier not committed)."""
    edit_company(company, ('UPDATE APM_MASTER__VENDOR SET "Name" = ?', ("Everyone Renamed",)))
    before = warehouse_rows(synced_home, meta=True)
    monkeypatch.setenv("SOURCES__SAGE__BATCH_SIZE", "100")
    real = helpers.read_batches

    def failing(pool, conn, table, **kwargs):
        for n, batch in enumerate(real(pool, conn, table, **kwargs)):
            if table.name == "JCT_CURRENT__TRANSACTION" and n == 2:
                raise OSError("network share went away")
            yield batch

    monkeypatch.setattr(helpers, "read_batches", failing)
    report = sync(synced_home, company, full=True)

    message = _failed(report, "JCT_CURRENT__TRANSACTION")
    assert "network share went away" in message and "JCT_CURRENT__TRANSACTION" in message
    assert by_resource(report)["JCT_CURRENT__TRANSACTION"].read == 200  # 2 batches extracted
    assert warehouse_rows(synced_home, meta=True) == before

    monkeypatch.setattr(helpers, "read_batches", real)
    recovered = sync(synced_home, company)
    assert recovered.ok
    assert by_resource(recovered)["APM_MASTER__VENDOR"].updated > 0
    assert warehouse_rows(synced_home) == company_rows(company)


def test_locked_table(company, tmp_path):
    """A writer holding the company (a posting in progress) → a clear 'locked' failure."""
    con = sqlite3.connect(company, isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        report = run_sage_sync(
            home=tmp_path, connection_string=connection_string(company, timeout=0.2)
        )
        assert time.perf_counter() - started < 30
    finally:
        con.rollback()
        con.close()
    assert "is locked" in _failed(report, FIRST)


def test_connection_from_dlt_config_dsn_or_test_company(tmp_path, monkeypatch, tiny_sage_db):
    monkeypatch.delenv("SOURCES__SAGE__CONNECTION_STRING", raising=False)
    monkeypatch.delenv("SOURCES__SAGE__DSN", raising=False)
    monkeypatch.chdir(tmp_path)  # no .dlt/ here
    with pytest.raises(SageSyncError, match="no Sage connection configured"):
        resolve_connection(None, tmp_path)
    company = copy_company(tiny_sage_db, tmp_path / "sage" / "company.sqlite")
    assert resolve_connection(None, tmp_path) == connection_string(company)
    monkeypatch.setenv("SOURCES__SAGE__DSN", "tieout_sage")
    assert resolve_connection(None, tmp_path) == "DSN=tieout_sage"
    monkeypatch.setenv("SOURCES__SAGE__CONNECTION_STRING", "Driver={Timberline Data};DBQ=x\\")
    assert resolve_connection(None, tmp_path) == "Driver={Timberline Data};DBQ=x\\"
    assert resolve_connection("DSN=explicit", tmp_path) == "DSN=explicit"


def test_exclude_tables_from_config(company, tmp_path, monkeypatch):
    """A company without some modules lists them in sources.sage.exclude_tables."""
    keep = "COMPANY_INFORMATION"
    monkeypatch.setenv(
        "SOURCES__SAGE__EXCLUDE_TABLES", json.dumps([t for t in STRATEGIES if t != keep])
    )
    report = sync(tmp_path, company)
    assert report.ok
    assert [r.resource for r in report.resources] == [keep]
    assert keep in raw_tables(tmp_path)
    assert "JCM_MASTER__JOB" not in raw_tables(tmp_path)
