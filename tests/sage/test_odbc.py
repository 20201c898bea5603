"""Connections: DSN-less and DSN, read-only enforcement, streaming, and clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyodbc
import pytest

from sandbox.sage import odbc, reader
from sandbox.sage.company import CompanyInfo
from sandbox.sage.errors import SageOdbcError
from sandbox.sage.odbc import connect, connection_string, register_dsn

from . import factories as f
from .conftest import STREAM_ROWS

JCT = "JCT_CURRENT__TRANSACTION"
WRITES = [
    f'INSERT INTO {JCT} ("Run", "Sequence") VALUES (1, 1)',
    f'UPDATE {JCT} SET "Amount" = 0',
    f"DELETE FROM {JCT}",
    "CREATE TABLE sneaky (a INTEGER)",
    f"DROP TABLE {JCT}",
]


def test_driver_is_registered() -> None:
    assert odbc.find_driver() == "SQLite3"


def test_connection_string_shape(tmp_path: Path) -> None:
    cs = connection_string(tmp_path / "a b#c.sqlite")
    assert cs.startswith("Driver={SQLite3};Database=file:")
    assert "a%20b%23c.sqlite?mode=ro;" in cs
    assert "StepAPI=1;BigInt=1;Timeout=15000" in cs
    assert connection_string(tmp_path / "x.sqlite", read_only=False).count("mode=rw") == 1


def test_plain_pyodbc_with_the_connection_string(company: CompanyInfo) -> None:
    """What a pipeline does: pyodbc.connect(string) and portable SQL with ? parameters."""
    conn = pyodbc.connect(company.connection_string(), autocommit=True)
    rows = conn.execute(
        'SELECT "Job", "Description" FROM JCM_MASTER__JOB WHERE "Job" = ?', "24-002"
    ).fetchall()
    assert [tuple(r) for r in rows] == [("24-002", "Des1é")]
    conn.close()


@pytest.mark.parametrize("sql", WRITES)
def test_read_only_connection_rejects_writes(ro_conn: pyodbc.Connection, sql: str) -> None:
    with pytest.raises(pyodbc.Error, match="readonly database"):
        ro_conn.execute(sql)
    with pytest.raises(SageOdbcError, match=r"read-only\. Pipelines only read Sage"):
        reader.execute(ro_conn, sql)
    assert int(ro_conn.execute(f"SELECT COUNT(*) FROM {JCT}").fetchone()[0]) == 2


def test_writable_connection_is_for_the_connector(company: CompanyInfo, tmp_path: Path) -> None:
    copy = tmp_path / "copy.sqlite"
    shutil.copy(company.db_path, copy)
    conn = connect(copy, read_only=False)
    conn.execute(f'UPDATE {JCT} SET "Amount" = 1.25 WHERE "Run" = ?', f.BIG_RUN)
    conn.close()
    ro = connect(copy)
    assert (
        ro.execute(f'SELECT "Amount" FROM {JCT} WHERE "Run" = ?', f.BIG_RUN).fetchone()[0] == 1.25
    )
    ro.close()
    # the database still enforces Sage's widths against the Connector
    rw = connect(copy, read_only=False)
    with pytest.raises(pyodbc.Error, match="CHECK constraint failed: ck_Job"):
        rw.execute(f"UPDATE {JCT} SET \"Job\" = 'ABCDEFGHIJK'")
    rw.close()


def test_dsn_mode(company: CompanyInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = register_dsn(tmp_path / "odbc", company.db_path, name="tieout_test")
    register_dsn(tmp_path / "odbc", company.db_path, name="tieout_rw", read_only=False)
    assert env == {"ODBCINI": str((tmp_path / "odbc" / "odbc.ini").resolve())}
    text = Path(env["ODBCINI"]).read_text()
    assert "[tieout_test]" in text and "[tieout_rw]" in text
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    conn = connect(dsn="tieout_test")
    assert odbc.describe_connection(conn).startswith("DSN=tieout_test")
    assert int(conn.execute("SELECT COUNT(*) FROM JCM_MASTER__JOB").fetchone()[0]) == 2
    with pytest.raises(pyodbc.Error, match="readonly database"):
        conn.execute(f"DELETE FROM {JCT}")
    conn.close()
    plain = pyodbc.connect("DSN=tieout_test", autocommit=True)  # what a pipeline does
    assert plain.execute(f'SELECT "Run" FROM {JCT} ORDER BY "Run"').fetchone()[0] == f.BIG_RUN
    plain.close()
    with pytest.raises(SageOdbcError, match="data source not found"):
        connect(dsn="no_such_dsn")


def test_streaming_a_large_table(big_company: CompanyInfo) -> None:
    conn = connect(big_company.db_path)
    batches = list(reader.stream(conn, JCT, ["Run", "Sequence", "Amount"], batch_size=7_000))
    conn.close()
    assert max(len(b) for b in batches) == 7_000
    rows = [r for b in batches for r in b]
    assert len(rows) == STREAM_ROWS
    cents = sum(round(r.Amount * 100) for r in rows)
    assert cents == sum(100 + k for k in range(STREAM_ROWS))


def test_portable_filtered_read(big_company: CompanyInfo) -> None:
    conn = connect(big_company.db_path)
    batches = reader.stream(
        conn,
        JCT,
        ["Job", "Accounting_Date"],
        where='"Job" = ? AND "Accounting_Date" >= ?',
        params=["24-003", "2024-12-01"],
    )
    rows = [r for b in batches for r in b]
    assert len(rows) == sum(1 for k in range(STREAM_ROWS) if k % 3 == 2 and k % 12 == 11)
    assert {(r.Job, r.Accounting_Date.month) for r in rows} == {("24-003", 12)}
    assert reader.table_columns(conn, "APM_MASTER__AP_CONTROLS") == [
        "AP_Payable_Account",
        "Commitment_Payable_Acct",
        "PO_Payable_Account",
        "Current_Month",
    ]
    conn.close()


def test_wrong_driver_name(company: CompanyInfo) -> None:
    with pytest.raises(SageOdbcError, match="apt-get install libsqliteodbc unixodbc"):
        connect(company.db_path, driver="SQLite4")
    with pytest.raises(SageOdbcError, match=r"driver not available.*libsqliteodbc"):
        connect(conn_str=connection_string(company.db_path, driver="NoSuchDriver"))


def test_missing_database_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sqlite"
    with pytest.raises(SageOdbcError, match="Sage test company not found"):
        connect(missing)
    for read_only in (True, False):  # raw string: the driver must not create an empty file
        with pytest.raises(SageOdbcError, match="database file is missing"):
            connect(conn_str=connection_string(missing, read_only=read_only))
    assert not missing.exists()


def test_unknown_table_and_column(ro_conn: pyodbc.Connection) -> None:
    with pytest.raises(
        SageOdbcError,
        match=r"Table or view not found: MASTER_JCM_JOB_1 on "
        r"Database=file:.*company\.sqlite",
    ):
        reader.table_columns(ro_conn, "MASTER_JCM_JOB_1")
    with pytest.raises(SageOdbcError, match="Column not found: Jobb in JCM_MASTER__JOB"):
        list(reader.stream(ro_conn, "JCM_MASTER__JOB", ["Jobb"]))


def test_unlicensed_table_is_not_found(tmp_path: Path) -> None:
    from sandbox.sage.company import materialise

    info = materialise(
        f.write_sage_dir(tmp_path / "sage"),
        tmp_path / "c.sqlite",
        unlicensed=["CNC_ACTIVE__CONTRACT"],
    )
    conn = connect(info.db_path)
    with pytest.raises(SageOdbcError, match="Table or view not found: CNC_ACTIVE__CONTRACT"):
        list(reader.stream(conn, "CNC_ACTIVE__CONTRACT"))
    conn.close()


def test_sage_dialect_hint(ro_conn: pyodbc.Connection) -> None:
    with pytest.raises(SageOdbcError, match="no TOP, UCASE"):
        reader.execute(ro_conn, "SELECT TOP 1 * FROM JCM_MASTER__JOB")


def test_timeout_applies(company: CompanyInfo) -> None:
    conn = connect(company.db_path, timeout=3)
    assert conn.timeout == 3
    conn.close()


def test_connect_needs_exactly_one_target(company: CompanyInfo) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        connect(company.db_path, dsn="x")
