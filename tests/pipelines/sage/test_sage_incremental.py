"""A Sage user's edits reach the warehouse exactly: new JC run, renamed vendor, deleted code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sage_sync_support import (
    by_resource,
    company_rows,
    edit_company,
    raw_tables,
    sync,
    warehouse_rows,
)

from sandbox.sage.catalogue import TABLES

JCT = "JCT_CURRENT__TRANSACTION"


def _simulate_sage_user(db: Path) -> dict:
    """Post a new JC run (3 rows) plus one late row of the last run, rename a vendor,
    delete a cost code, empty the prime-contract change orders."""
    con = sqlite3.connect(db)
    try:
        last_run, last_seq = con.execute(
            'SELECT "Run", max("Sequence") FROM JCT_CURRENT__TRANSACTION '
            'WHERE "Run" = (SELECT max("Run") FROM JCT_CURRENT__TRANSACTION)'
        ).fetchone()
        template = con.execute(
            'SELECT * FROM JCT_CURRENT__TRANSACTION WHERE "Run" = ? AND "Sequence" = ?',
            (last_run, last_seq),
        ).fetchone()
        columns = [
            d[0]
            for d in con.execute("SELECT * FROM JCT_CURRENT__TRANSACTION WHERE 1 = 0").description
        ]
        vendor = con.execute('SELECT "Vendor" FROM APM_MASTER__VENDOR LIMIT 1').fetchone()[0]
        cost_code = con.execute(
            'SELECT "Job", "Extra", "Cost_Code" FROM JCM_MASTER__COST_CODE LIMIT 1'
        ).fetchone()
        change_orders = con.execute("SELECT count(*) FROM CNC_ACTIVE__CHANGE_ORDER").fetchone()[0]
    finally:
        con.close()

    def jct_row(run: int, seq: int, amount: float) -> tuple[str, tuple]:
        values = dict(zip(columns, template, strict=True))
        values.update(Run=run, Sequence=seq, Amount=amount, Row_ID=f"new-{run}-{seq}")
        cols = ", ".join(f'"{c}"' for c in values)
        marks = ", ".join("?" for _ in values)
        return f"INSERT INTO JCT_CURRENT__TRANSACTION ({cols}) VALUES ({marks})", tuple(
            values.values()
        )

    new_run = last_run + 1
    edit_company(
        db,
        jct_row(new_run, 1, 1234.56),
        jct_row(new_run, 2, 0.1 + 0.2),  # 0.30000000000000004 in Sage's double
        jct_row(new_run, 3, -99.995),
        jct_row(last_run, last_seq + 1, 10.0),  # the last run was still being posted
        (
            'UPDATE APM_MASTER__VENDOR SET "Name" = ? WHERE "Vendor" = ?',
            ("Renamed Vendor LLC", vendor),
        ),
        (
            'DELETE FROM JCM_MASTER__COST_CODE WHERE "Job" = ? AND "Extra" = ? AND "Cost_Code" = ?',
            cost_code,
        ),
        ("DELETE FROM CNC_ACTIVE__CHANGE_ORDER", ()),
    )
    return {"change_orders": change_orders, "last_run_rows": last_seq + 1}


def test_incremental_sync_loads_exactly_the_changes_and_full_equals_clean(
    synced_home, company, tmp_path
):
    edits = _simulate_sage_user(company)

    report = sync(synced_home, company)

    assert report.ok, [r.error for r in report.resources if r.error]
    results = by_resource(report)
    changes = {name: (r.inserted, r.updated, r.deleted) for name, r in results.items() if r.rows}
    assert changes == {
        JCT: (4, 0, 0),
        "APM_MASTER__VENDOR": (0, 1, 0),
        "JCM_MASTER__COST_CODE": (0, 0, 1),
        "CNC_ACTIVE__CHANGE_ORDER": (0, 0, edits["change_orders"]),
    }
    jct = results[JCT]
    assert jct.mode == "incremental"
    # only the last run and the new one were read (one run of overlap)
    assert jct.read == edits["last_run_rows"] + 3
    sage = company_rows(company)
    assert warehouse_rows(synced_home) == sage  # deletions included, money to the cent
    new_amounts = sorted(r[12] for r in sage[JCT] if r[-1].startswith("new-"))
    assert [str(a) for a in new_amounts] == ["-100.00", "0.30", "10.00", "1234.56"]

    # a full reload yields what a clean first run of the same company yields
    full = sync(synced_home, company, full=True)
    assert full.ok
    assert all(r.mode == "full" for r in full.resources)
    clean_home = tmp_path / "clean"
    assert sync(clean_home, company).ok
    assert warehouse_rows(synced_home, meta=True) == warehouse_rows(clean_home, meta=True)
    assert raw_tables(synced_home) == raw_tables(clean_home)
    # and the next incremental sync after a full one changes nothing
    again = sync(synced_home, company)
    assert again.ok and again.rows == 0
    assert {t.name for t in TABLES} <= raw_tables(synced_home)
