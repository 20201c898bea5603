"""Helpers for the Sage dlt source tests: sync, read the warehouse, read and edit Sage.

This folder has no __init__.py (tests/sage is already a package named `sage`), so test
modules import this by its deliberately unique module name.
"""

from __future__ import annotations

import sqlite3
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines.report import SyncReport
from pipelines.sage import run_sage_sync
from pipelines.sage.settings import STRATEGIES
from pipelines.warehouse import SAGE_DATASET
from sandbox.sage.catalogue import BY_NAME, TABLES
from sandbox.sage.odbc import connection_string

CENT = Decimal("0.01")


def sync(home: Path, db: Path | str, **kwargs: Any) -> SyncReport:
    """One sync of the company file `db` through ODBC into the warehouse under `home`."""
    return run_sage_sync(home=home, connection_string=connection_string(db), **kwargs)


def warehouse_path(home: Path) -> Path:
    return home / "warehouse.duckdb"


def by_resource(report: SyncReport) -> dict[str, Any]:
    return {r.resource: r for r in report.resources}


def warehouse_rows(home: Path, *, meta: bool = False) -> dict[str, list[tuple]]:
    """Every catalogue table in raw_sage: its catalogue columns (+ row hash if `meta`), sorted."""
    out: dict[str, list[tuple]] = {}
    with duckdb.connect(str(warehouse_path(home)), read_only=True) as con:
        for table in TABLES:
            cols = list(table.column_names)
            if meta and STRATEGIES[table.name].strategy != "incremental":
                cols.append("_tieout_row_hash")
            select = ", ".join(f'"{c}"' for c in cols)
            rows = con.execute(f'SELECT {select} FROM {SAGE_DATASET}."{table.name}"').fetchall()
            out[table.name] = sorted(rows, key=repr)
    return out


def warehouse_load_ids(home: Path, table: str) -> set[str]:
    with duckdb.connect(str(warehouse_path(home)), read_only=True) as con:
        sql = f'SELECT DISTINCT _dlt_load_id FROM {SAGE_DATASET}."{table}"'
        return {r[0] for r in con.execute(sql).fetchall()}


def raw_tables(home: Path) -> set[str]:
    """Tables in raw_sage (none at all when the warehouse file does not exist)."""
    if not warehouse_path(home).exists():
        return set()
    with duckdb.connect(str(warehouse_path(home)), read_only=True) as con:
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = ?"
        return {r[0] for r in con.execute(sql, [SAGE_DATASET]).fetchall()}


def _sage_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "money":
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    if kind == "date":
        from datetime import date

        return date.fromisoformat(value)
    return value


def company_rows(db: Path) -> dict[str, list[tuple]]:
    """What Sage holds, read with sqlite3 (not ODBC) and converted as the contract says."""
    out: dict[str, list[tuple]] = {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        for table in TABLES:
            select = ", ".join(f'"{c}"' for c in table.column_names)
            kinds = [c.type for c in table.columns]
            rows = con.execute(f'SELECT {select} FROM "{table.name}"').fetchall()
            out[table.name] = sorted(
                (tuple(_sage_value(k, v) for k, v in zip(kinds, row, strict=True)) for row in rows),
                key=repr,
            )
    finally:
        con.close()
    return out


def copy_company(src: Path, dst: Path) -> Path:
    """A consistent copy of a (WAL) SQLite company via the backup API."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dst


def edit_company(db: Path, *statements: tuple[str, tuple]) -> None:
    """Change the company as a Sage user's postings and edits would (direct sqlite3)."""
    con = sqlite3.connect(db)
    try:
        with con:
            for sql, params in statements:
                con.execute(sql, params)
    finally:
        con.close()


def expected_columns(table: str) -> list[str]:
    strategy = STRATEGIES[table].strategy
    extra = {
        "snapshot": ["_tieout_row_hash", "_tieout_deleted"],
        "replace": ["_tieout_row_hash"],
        "incremental": [],
    }[strategy]
    return [*BY_NAME[table].column_names, *extra, "_dlt_load_id", "_dlt_id"]
