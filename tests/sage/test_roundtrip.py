"""Every catalogue table, read back through pyodbc, matches the catalogue and the CSVs."""

from __future__ import annotations

import datetime as dt

import pyodbc
import pytest

from sandbox.sage import ddl
from sandbox.sage.catalogue import TABLES, Column, Table
from sandbox.sage.company import CompanyInfo

from . import factories as f


def expected(table: Table, column: Column, raw: str) -> object:
    """What Sage-through-ODBC returns for a CSV cell, per the test company's rules."""
    if raw == "":
        return "" if column.name in ddl.blank_not_null(table) else None
    return {
        "text": str,
        "money": float,
        "number": float,
        "int": int,
        "flag": int,
        "date": dt.date.fromisoformat,
    }[column.type](raw)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.name)
def test_table_reads_back_through_odbc(table: Table, ro_conn: pyodbc.Connection) -> None:
    cursor = ro_conn.cursor()
    key = ", ".join(ddl.quote(k) for k in table.key) or "rowid"
    cursor.execute(f"SELECT * FROM {table.name} ORDER BY {key}")
    assert [d[0] for d in cursor.description] == list(table.column_names)
    rows = cursor.fetchall()
    source = sorted(
        f.table_rows(table),
        key=lambda r: tuple(
            expected(table, table.columns[table.column_names.index(k)], r[k]) for k in table.key
        ),
    )
    assert len(rows) == len(source) >= 1
    for got, raw in zip(rows, source, strict=True):
        for column, value in zip(table.columns, got, strict=True):
            want = expected(table, column, raw[column.name])
            assert value == want, f"{table.name}.{column.name}"
            assert type(value) is type(want), f"{table.name}.{column.name}"


def test_text_widths_visible_to_odbc(ro_conn: pyodbc.Connection) -> None:
    cursor = ro_conn.execute("SELECT * FROM JCT_CURRENT__TRANSACTION WHERE 1 = 0")
    sizes = {d[0]: d[3] for d in cursor.description}
    assert (sizes["Job"], sizes["Extra"], sizes["Cost_Code"], sizes["Category"]) == (10, 10, 12, 3)


def test_blank_extra_is_empty_string_not_null(ro_conn: pyodbc.Connection) -> None:
    primary = ro_conn.execute(
        'SELECT COUNT(*) FROM JCM_MASTER__COST_CODE WHERE "Extra" = ?', ""
    ).fetchone()[0]
    nulls = ro_conn.execute(
        'SELECT COUNT(*) FROM JCM_MASTER__COST_CODE WHERE "Extra" IS NULL'
    ).fetchone()[0]
    assert (int(primary), int(nulls)) == (1, 0)


def test_money_to_the_cent_and_big_integers(ro_conn: pyodbc.Connection) -> None:
    rows = ro_conn.execute(
        'SELECT "Run", "Amount" FROM JCT_CURRENT__TRANSACTION ORDER BY "Run"'
    ).fetchall()
    assert [(r.Run, r.Amount) for r in rows] == [(f.BIG_RUN, 1234567.89), (f.BIG_RUN + 1, -0.07)]


def test_company_info(company: CompanyInfo) -> None:
    assert set(company.row_counts) == {t.name for t in TABLES}
    assert all(n >= 1 for n in company.row_counts.values())
    assert company.row_counts["TS_CTL_RECORD_3"] == len(f.FORMAT_CONTROL)
    assert company.name == "CNA0é"
    assert company.connection_string().startswith("Driver={SQLite3};Database=file:")
