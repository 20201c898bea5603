"""First and no-change syncs of the tiny test company: tables, names, types, money, report."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
from sage_sync_support import (
    CENT,
    by_resource,
    company_rows,
    expected_columns,
    sync,
    warehouse_load_ids,
    warehouse_path,
    warehouse_rows,
)

from pipelines.sage.settings import STRATEGIES
from pipelines.warehouse import SAGE_DATASET
from sandbox.sage.catalogue import BY_NAME, TABLES


def _columns(home: Path) -> dict[str, list[tuple[str, str]]]:
    sql = (
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? ORDER BY table_name, ordinal_position"
    )
    out: dict[str, list[tuple[str, str]]] = {}
    with duckdb.connect(str(warehouse_path(home)), read_only=True) as con:
        for table, column, kind in con.execute(sql, [SAGE_DATASET]).fetchall():
            out.setdefault(table, []).append((column, kind))
    return out


def test_first_sync_loads_every_catalogue_table_with_exact_rows_and_names(clean_sync):
    report = by_resource(clean_sync.report)
    assert list(report) == [t.name for t in TABLES]
    sage = company_rows(clean_sync.db)
    loaded = warehouse_rows(clean_sync.home)
    columns = _columns(clean_sync.home)
    for table in TABLES:
        result = report[table.name]
        assert result.status == "ok", result.error
        assert result.rows == result.read == result.inserted == len(sage[table.name]) > 0
        assert result.requests == 2  # column probe + one streamed SELECT
        # Sage names kept exactly: no snake_case, no folded double underscores
        assert [c for c, _ in columns[table.name]] == expected_columns(table.name)
        assert loaded[table.name] == sage[table.name], table.name
    assert report["JCT_CURRENT__TRANSACTION"].mode == "full"  # no high-water mark yet
    assert report["APM_MASTER__VENDOR"].mode == "snapshot"
    assert report["APM_MASTER__AP_CONTROLS"].mode == "full"


def test_types_money_decimal_to_the_cent_and_dates(clean_sync, tiny_scenario_dir):
    columns = _columns(clean_sync.home)
    checked = 0
    with duckdb.connect(str(warehouse_path(clean_sync.home)), read_only=True) as con:
        for table in TABLES:
            kinds = dict(columns[table.name])
            for column in table.columns:
                expected = {
                    "money": "DECIMAL(18,2)",
                    "date": "DATE",
                    "text": "VARCHAR",
                    "int": "BIGINT",
                    "flag": "BIGINT",
                    "number": "DOUBLE",
                }[column.type]
                assert kinds[column.name] == expected, (table.name, column.name)
            money = [c.name for c in table.columns if c.type in ("money", "date")]
            path = tiny_scenario_dir / "sage" / f"{table.name}.csv"
            if not money or not path.exists() or not table.key:
                continue
            with path.open(newline="") as fh:
                csv_rows = {tuple(r[k] for k in table.key): r for r in csv.DictReader(fh)}
            key_sql = ", ".join(f'"{k}"' for k in table.key)
            cols_sql = ", ".join(f'"{c}"' for c in money)
            rows = con.execute(
                f'SELECT {key_sql}, {cols_sql} FROM {SAGE_DATASET}."{table.name}"'
            ).fetchall()
            assert len(rows) == len(csv_rows)
            for row in rows:
                key = tuple(str(v) for v in row[: len(table.key)])
                source = csv_rows[key]
                for name, value in zip(money, row[len(table.key) :], strict=True):
                    cell = source.get(name, "")
                    if cell == "":
                        assert value is None
                    elif isinstance(value, date):
                        assert value == date.fromisoformat(cell)
                    else:
                        assert isinstance(value, Decimal)
                        assert value == Decimal(cell).quantize(CENT), (table.name, key, name)
                        assert value.as_tuple().exponent == -2
                    checked += 1
    assert checked > 5_000


def test_sync_report_is_stored_in_the_warehouse(clean_sync):
    with duckdb.connect(str(warehouse_path(clean_sync.home)), read_only=True) as con:
        rows = con.execute(
            f"SELECT resource, status, rows, requests, mode FROM {SAGE_DATASET}._tieout_sync_runs "
            "WHERE run_id = ? ORDER BY resource",
            [clean_sync.report.run_id],
        ).fetchall()
    assert len(rows) == len(TABLES)
    stored = {r[0]: r[1:] for r in rows}
    for result in clean_sync.report.resources:
        assert stored[result.resource] == (result.status, result.rows, result.requests, result.mode)


def test_second_sync_without_changes_loads_nothing(clean_sync, synced_home):
    before = warehouse_rows(synced_home, meta=True)
    keyed = [t.name for t in TABLES if STRATEGIES[t.name].strategy != "replace"]
    load_ids = {t: warehouse_load_ids(synced_home, t) for t in keyed}

    report = sync(synced_home, clean_sync.db)

    assert report.ok
    assert report.rows == 0
    results = by_resource(report)
    jct = results["JCT_CURRENT__TRANSACTION"]
    assert (jct.mode, jct.inserted) == ("incremental", 0)
    last_run = max(r[0] for r in before["JCT_CURRENT__TRANSACTION"])
    assert jct.read == sum(1 for r in before["JCT_CURRENT__TRANSACTION"] if r[0] == last_run)
    assert warehouse_rows(synced_home, meta=True) == before
    # masters untouched: no row rewritten (same load ids), not just equal contents
    assert {t: warehouse_load_ids(synced_home, t) for t in keyed} == load_ids
    assert all(BY_NAME[t].key for t in keyed)
