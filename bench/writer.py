"""Writer benchmark: how fast the writer stage puts a month of AP invoices and subcontract
change orders into Sage through the test-company connector, per size.

Per size, in a child process:

1. **Set-up (not measured).** Generate the scenario and materialise its Sage test company
   (in a grandchild, so its memory is not counted). Then **hold back the AP current month
   from Sage**: every non-void requisition invoice (all distributions on a commitment;
   direct-cost invoices have no outbound mart and stay) with an accounting date in
   `APM_MASTER__AP_CONTROLS.Current_Month` (the as-of month, the only month Sage's AP is
   open for) and every approved commitment change order dated in it are read from the
   company and deleted from it — invoice, distributions, their `AP cost` JC transactions,
   CO and CO items (and a commitment item the CO created as new scope) — and the money
   they had posted is taken off again (category `JTD_Cost` / `Commitment_Invoiced` /
   `Approved_Commitment_Changes`, commitment item and commitment invoiced, retainage held
   and CO totals), then the category → cost code → job roll-ups of the touched codes are
   recomputed. That company is the one the month's records are written into. The records
   are the generator's ground truth for that month: the Sage rows it rendered from the
   same model as the Procore side, so they are what a correct `marts.outbound_*` build
   offers. They are put in the exact column shape (and DuckDB types: DECIMAL money, DATE,
   BOOLEAN) of `marts.outbound_ap_invoices` / `_ap_invoice_distributions` and
   `marts.outbound_commitment_change_orders` / `_lines` in a DuckDB file, with the Procore
   ids (requisition, change order, commitment, vendor, project) looked up in the
   scenario's Procore records. Invoices of a vendor on hold in Sage (the planted
   `write_rejected` vendor) stay too: Sage would refuse them today. `months` > 1 holds
   back that many months as a catch-up (see `hold_back_month`).
2. **Measured**, the real writer path on a fresh SQLite control store (supervised mode):
   `writers.writer.plan` (reads the marts with `load_outbound`, enqueues one proposed
   batch per object type; the warehouse read is also timed on its own), `approve_batch`
   per batch, `writers.writer.send` through `TestCompanyConnector` (validation, one
   transaction per batch, idempotency stamps, roll-ups), then a second `plan` and
   `send` that must enqueue and write nothing. Peak RSS (VmHWM) is reset before each
   step where the kernel allows it, so each step's peak is its own.
3. **Checked.** Every record written, none rejected; and the company after the send
   equals the company before the hold-back on every money column of the touched
   invoices, distributions, categories, cost codes, jobs, commitments and commitment
   items, with the same row counts — the round trip is exact.
4. **Crash and rerun.** On a copy of company and control store taken after approval, the
   send runs in a child process that the writer's fault injection SIGKILLs after the AP
   batch's commit in Sage and before the outbox records it; the rerun must receipt every
   in-flight record from Sage (`lookup`), submit nothing, and leave the same company.

Run: `.venv/bin/python -m bench.run --sections writer --sizes small gc60 [--writer-months 1 12]`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

# the connector's own roll-up columns (category → cost code → job), so the hold-back takes
# off exactly what posting adds
from writers.connectors.test_company import CODE_SUMS, JOB_SUMS

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
OBJECT_TYPES = ("commitment_change_orders", "ap_invoices")  # COs first: invoices bill them
CONNECTOR_TIMEOUT_S = 15.0  # TestCompanyConnector's default lock wait


def writer_submit_size() -> int:
    """The writer's records per connector call (what one Sage transaction holds)."""
    from writers.writer import SUBMIT_SIZE

    return SUBMIT_SIZE


ACTOR = "bench"
SYNTHETIC_ID = 9_000_000_000_000  # source ids not found in the Procore records start here

# Money (and status) columns the round-trip check compares, per table and key.
COMPARED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "APM_MASTER__INVOICE": (
        ("Vendor", "Invoice"),
        ("Amount", "Tax", "Retainage", "Amount_Paid", "Retainage_Held", "Retainage_Paid"),
    ),
    "APM_MASTER__DISTRIBUTION": (
        ("Vendor", "Invoice", "Dist_Seq"),
        ("Amount", "Amount_Paid", "Retainage", "Retainage_Paid"),
    ),
    "JCM_MASTER__COMMITMENT_CO": (("Commitment", "Commitment_CO"), ("Amount",)),
    "JCM_MASTER__COMMITMENT_CO_ITEM": (("Commitment", "Commitment_CO", "Line_Number"), ("Amount",)),
    "JCM_MASTER__COMMITMENT": (
        ("Commitment",),
        (
            "Original_Commitment",
            "Approved_Commitment_Changes",
            "Revised_Commitment",
            "Amount_Invoiced",
            "Retainage_Held",
        ),
    ),
    "JCM_MASTER__COMMITMENT_ITEM": (
        ("Commitment", "Item_Number"),
        ("Amount", "Approved_Commitment_CO_Amount", "Amount_Invoiced"),
    ),
    "JCM_MASTER__CATEGORY": (
        ("Job", "Extra", "Cost_Code", "Category"),
        tuple(src for src, _ in CODE_SUMS),
    ),
    "JCM_MASTER__COST_CODE": (
        ("Job", "Extra", "Cost_Code"),
        (*(dst for _, dst in CODE_SUMS), "Cost_At_Comp", "Cost_To_Comp", "Percent_Complete"),
    ),
    "JCM_MASTER__JOB": (("Job",), (*JOB_SUMS, "Percent_Complete")),
}
COUNTED = (
    "APM_MASTER__INVOICE",
    "APM_MASTER__DISTRIBUTION",
    "JCT_CURRENT__TRANSACTION",
    "JCM_MASTER__COMMITMENT_CO",
    "JCM_MASTER__COMMITMENT_CO_ITEM",
    "JCM_MASTER__COMMITMENT_ITEM",
)


# --- small helpers -------------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    """Sage keeps money as REAL; its shortest text is the cent amount it was written as."""
    return ZERO if value in (None, "") else Decimal(str(value)).quantize(CENT)


def _day(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value)[:10])


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _key(*parts: Any) -> str:
    """A stable 32-hex idempotency key (the marts use md5 of the record's parts too)."""
    return hashlib.md5("|".join(_text(p) for p in parts).encode()).hexdigest()


def _rows(con: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _q(name: str) -> str:
    return '"' + name + '"'


def _reset_peak() -> None:
    """Reset this process's VmHWM (Linux `clear_refs` 5), so the next step's peak is its own."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _cpu() -> float:
    """This process's user + system CPU seconds: unlike wall time, not inflated when other
    work shares the cores (the connector's ODBC driver runs in-process, so it counts)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return 0


# --- Procore ids (so source ids and keys are the ones the marts would carry) ---------------


def _procore_ids(procore_dir: Path) -> dict[str, dict]:
    """Requisitions by invoice number and change orders by (Sage commitment, number), plus
    each commitment's project and vendor. Only unique matches are kept."""

    def load(name: str) -> list[dict]:
        path = procore_dir / f"{name}.json"
        return json.loads(path.read_text()) if path.exists() else []

    commitments: dict[int, dict] = {}
    for name in ("work_order_contracts", "purchase_order_contracts"):
        for c in load(name):
            commitments[c["id"]] = {
                "sage": c.get("origin_id") or c.get("number"),
                "vendor_id": (c.get("vendor") or {}).get("id"),
                "project_id": (c.get("_scope") or {}).get("project_id"),
            }
    requisitions: dict[str, list[dict]] = defaultdict(list)
    for r in load("requisitions"):
        requisitions[_text(r.get("invoice_number"))].append(r)
    change_orders: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for co in load("commitment_change_orders"):
        sage = (commitments.get(co.get("contract_id")) or {}).get("sage")
        change_orders[(_text(sage), _text(co.get("number")))].append(co)
    return {
        "commitments": commitments,
        "requisitions": {k: v[0] for k, v in requisitions.items() if len(v) == 1},
        "change_orders": {k: v[0] for k, v in change_orders.items() if len(v) == 1},
    }


# --- hold back the AP current month ----------------------------------------------------------


def _months(con: sqlite3.Connection, months: int) -> tuple[str, str]:
    """[start, end) of the last `months` months up to and including the AP current month."""
    (current,) = con.execute('SELECT MAX("Current_Month") FROM APM_MASTER__AP_CONTROLS').fetchone()
    first = _day(current).replace(day=1)
    end = (first + dt.timedelta(days=32)).replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first.isoformat(), end.isoformat()


def _snapshot(con: sqlite3.Connection, keys: dict[str, set[tuple]]) -> dict[str, dict]:
    """The compared columns of the given rows, as Decimal (None: the row is absent)."""
    out: dict[str, dict] = {}
    for table, wanted in keys.items():
        key_cols, money = COMPARED[table]
        cols = [*key_cols, *money]
        con.execute("DROP TABLE IF EXISTS temp.wanted")
        con.execute(f"CREATE TEMP TABLE wanted ({', '.join(_q(c) for c in key_cols)})")
        con.executemany(
            f"INSERT INTO temp.wanted VALUES ({', '.join('?' for _ in key_cols)})", list(wanted)
        )
        on = " AND ".join(f"t.{_q(c)} = w.{_q(c)}" for c in key_cols)
        found = {
            tuple(r[: len(key_cols)]): tuple(_money(v) for v in r[len(key_cols) :])
            for r in con.execute(
                f"SELECT {', '.join('t.' + _q(c) for c in cols)} FROM {table} t "
                f"JOIN temp.wanted w ON {on}"
            )
        }
        out[table] = {k: found.get(k) for k in wanted}
    con.execute("DROP TABLE IF EXISTS temp.wanted")
    return out


def _counts(con: sqlite3.Connection) -> dict[str, int]:
    return {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED}


def _apply_deltas(
    con: sqlite3.Connection, table: str, key_cols: Sequence[str], deltas: dict[tuple, dict]
) -> None:
    """Add money `deltas` (Decimal) to rows of `table`, one UPDATE per row."""
    for key, changes in deltas.items():
        cols = list(changes)
        where = " AND ".join(f"{_q(c)} = ?" for c in key_cols)
        row = con.execute(
            f"SELECT {', '.join(_q(c) for c in cols)} FROM {table} WHERE {where}", key
        ).fetchone()
        if row is None:
            raise RuntimeError(f"{table} {key} is missing from the test company")
        values = [float(_money(v) + changes[c]) for c, v in zip(cols, row, strict=True)]
        con.execute(
            f"UPDATE {table} SET {', '.join(f'{_q(c)} = ?' for c in cols)} WHERE {where}",
            [*values, *key],
        )


def _roll_up(con: sqlite3.Connection, codes: Iterable[tuple[str, str, str]]) -> None:
    """Category → cost code → job totals of the touched codes, recomputed as a posting
    leaves them (README "Sage roll-ups")."""
    jobs: set[str] = set()
    for job, extra, code in sorted(set(codes)):
        where = '"Job" = ? AND "Extra" = ? AND "Cost_Code" = ?'
        cats = _rows(con, f"SELECT * FROM JCM_MASTER__CATEGORY WHERE {where}", (job, extra, code))
        totals = dict.fromkeys((dst for _, dst in CODE_SUMS), ZERO)
        for c in cats:
            c["Total_Estimate"] = _money(c["Original_Estimate"]) + _money(
                c["Approved_Estimate_Changes"]
            )
            c["Revised_Commitment"] = _money(c["Original_Commitment"]) + _money(
                c["Approved_Commitment_Changes"]
            )
            con.execute(
                'UPDATE JCM_MASTER__CATEGORY SET "Total_Estimate" = ?, "Revised_Commitment" = ? '
                f'WHERE {where} AND "Category" = ?',
                (
                    float(c["Total_Estimate"]),
                    float(c["Revised_Commitment"]),
                    job,
                    extra,
                    code,
                    c["Category"],
                ),
            )
            for src, dst in CODE_SUMS:
                totals[dst] += _money(c[src])
        totals.update(_wip(totals["Total_Estimate"], totals["JTD_Cost"]))
        con.execute(
            f"UPDATE JCM_MASTER__COST_CODE SET {', '.join(f'{_q(c)} = ?' for c in totals)} "
            f"WHERE {where}",
            [*(float(v) for v in totals.values()), job, extra, code],
        )
        jobs.add(job)
    for job in sorted(jobs):
        ccs = _rows(con, 'SELECT * FROM JCM_MASTER__COST_CODE WHERE "Job" = ?', (job,))
        totals = {k: sum((_money(c[k]) for c in ccs), ZERO) for k in JOB_SUMS}
        at_comp = totals["Cost_At_Comp"]
        totals["Percent_Complete"] = (
            (totals["JTD_Cost"] / at_comp * HUNDRED).quantize(CENT) if at_comp else ZERO
        )
        con.execute(
            f"UPDATE JCM_MASTER__JOB SET {', '.join(f'{_q(c)} = ?' for c in totals)} "
            'WHERE "Job" = ?',
            [*(float(v) for v in totals.values()), job],
        )


def _wip(total_estimate: Decimal, jtd: Decimal) -> dict[str, Decimal]:
    at_comp = max(total_estimate, jtd)
    pct = (jtd / at_comp * HUNDRED).quantize(CENT) if at_comp else ZERO
    return {"Cost_At_Comp": at_comp, "Cost_To_Comp": at_comp - jtd, "Percent_Complete": pct}


def hold_back_month(db: Path, procore_dir: Path, months: int = 1) -> dict[str, Any]:
    """Take the AP current month's requisition invoices and approved commitment COs out of
    the test company (module doc, step 1). Returns the mart rows, the original values of
    every row the month touches (for the round-trip check) and what was left in Sage.

    `months` > 1 holds back that many months up to the current one (a catch-up after the
    writer was off): Sage's AP current month is moved back to the first of them so the
    import takes them, and those invoices' payment columns (`Amount_Paid`,
    `Retainage_Held`, `Retainage_Paid`: paid and released after the fact, not imported)
    are left out of the round-trip check."""
    ids = _procore_ids(procore_dir)
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("BEGIN")
        start, end = _months(con, months)
        if months > 1:
            con.execute('UPDATE APM_MASTER__AP_CONTROLS SET "Current_Month" = ?', (start,))
        counts = _counts(con)
        invoices = _rows(
            con,
            'SELECT * FROM APM_MASTER__INVOICE WHERE "Accounting_Date" >= ? AND '
            "\"Accounting_Date\" < ? AND coalesce(\"Status\", '') <> 'Void' "
            'ORDER BY "Run", "Sequence"',
            (start, end),
        )
        con.execute('CREATE TEMP TABLE month_inv ("Vendor" TEXT, "Invoice" TEXT)')
        con.executemany(
            "INSERT INTO temp.month_inv VALUES (?, ?)",
            [(i["Vendor"], i["Invoice"]) for i in invoices],
        )
        dists: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for d in _rows(
            con,
            "SELECT d.* FROM APM_MASTER__DISTRIBUTION d JOIN temp.month_inv m "
            'ON d."Vendor" = m."Vendor" AND d."Invoice" = m."Invoice" ORDER BY d."Dist_Seq"',
        ):
            dists[(d["Vendor"], d["Invoice"])].append(d)
        on_hold = {
            v for (v,) in con.execute('SELECT "Vendor" FROM APM_MASTER__VENDOR WHERE "On_Hold" = 1')
        }
        skipped: dict[str, int] = defaultdict(int)
        held_inv = []
        for inv in invoices:
            lines = dists.get((inv["Vendor"], inv["Invoice"]), [])
            if not lines or any(not _text(d["Commitment"]) for d in lines):
                skipped["invoice without commitment (direct cost: not an outbound AP invoice)"] += 1
            elif inv["Vendor"] in on_hold:
                # the planted write_rejected vendor, put on hold after these were entered:
                # Sage refuses its invoices today (vendor_on_hold), as it should
                skipped["invoice of a vendor now on hold in Sage"] += 1
            elif months == 1 and (
                any(_money(d["Retainage_Paid"]) or _money(d["Amount_Paid"]) for d in lines)
                or _money(inv["Retainage_Paid"])
                or _money(inv["Amount_Paid"])
            ):
                skipped["invoice already (partly) paid"] += 1
            else:
                held_inv.append(inv)
        cos = _rows(
            con,
            "SELECT * FROM JCM_MASTER__COMMITMENT_CO WHERE \"Status\" = 'Approved' AND "
            '"Date" >= ? AND "Date" < ? ORDER BY "Commitment", "Commitment_CO"',
            (start, end),
        )
        co_items: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for it in _rows(
            con,
            "SELECT i.* FROM JCM_MASTER__COMMITMENT_CO_ITEM i JOIN JCM_MASTER__COMMITMENT_CO c "
            'ON c."Commitment" = i."Commitment" AND c."Commitment_CO" = i."Commitment_CO" '
            'WHERE c."Status" = \'Approved\' AND c."Date" >= ? AND c."Date" < ? '
            'ORDER BY i."Line_Number"',
            (start, end),
        ):
            co_items[(it["Commitment"], it["Commitment_CO"])].append(it)
        commitments = {
            r["Commitment"]: r for r in _rows(con, "SELECT * FROM JCM_MASTER__COMMITMENT")
        }

        # what the month posted, to take off again (exactly what the connector adds back)
        cat_d: dict[tuple, dict] = defaultdict(lambda: defaultdict(Decimal))
        item_d: dict[tuple, dict] = defaultdict(lambda: defaultdict(Decimal))
        cm_d: dict[tuple, dict] = defaultdict(lambda: defaultdict(Decimal))
        codes: set[tuple[str, str, str]] = set()
        for inv in held_inv:
            for d in dists[(inv["Vendor"], inv["Invoice"])]:
                a, r = _money(d["Amount"]), _money(d["Retainage"])
                coding = (d["Job"], d["Extra"], d["Cost_Code"], d["Category"])
                cat_d[coding]["JTD_Cost"] -= a
                cat_d[coding]["Commitment_Invoiced"] -= a
                item_d[(d["Commitment"], d["Commitment_Line_Item"])]["Amount_Invoiced"] -= a
                cm_d[(d["Commitment"],)]["Amount_Invoiced"] -= a
                cm_d[(d["Commitment"],)]["Retainage_Held"] -= r
                codes.add(coding[:3])
        for co in cos:
            total = ZERO
            for it in co_items[(co["Commitment"], co["Commitment_CO"])]:
                a = _money(it["Amount"])
                total += a
                coding = (it["Job"], it["Extra"], it["Cost_Code"], it["Category"])
                cat_d[coding]["Approved_Commitment_Changes"] -= a
                cat_d[coding]["Revised_Commitment"] -= a
                item_d[(co["Commitment"], it["Item_Number"])]["Approved_Commitment_CO_Amount"] -= a
                codes.add(coding[:3])
            cm_d[(co["Commitment"],)]["Approved_Commitment_Changes"] -= total
            cm_d[(co["Commitment"],)]["Revised_Commitment"] -= total

        touched: dict[str, set[tuple]] = {
            "APM_MASTER__INVOICE": {(i["Vendor"], i["Invoice"]) for i in held_inv},
            "APM_MASTER__DISTRIBUTION": {
                (d["Vendor"], d["Invoice"], d["Dist_Seq"])
                for i in held_inv
                for d in dists[(i["Vendor"], i["Invoice"])]
            },
            "JCM_MASTER__COMMITMENT_CO": {(c["Commitment"], c["Commitment_CO"]) for c in cos},
            "JCM_MASTER__COMMITMENT_CO_ITEM": {
                (it["Commitment"], it["Commitment_CO"], it["Line_Number"])
                for items in co_items.values()
                for it in items
            },
            "JCM_MASTER__COMMITMENT": set(cm_d),
            "JCM_MASTER__COMMITMENT_ITEM": set(item_d),
            "JCM_MASTER__CATEGORY": {
                (r["Job"], r["Extra"], r["Cost_Code"], r["Category"])
                for job, extra, code in codes
                for r in _rows(
                    con,
                    'SELECT "Job", "Extra", "Cost_Code", "Category" FROM JCM_MASTER__CATEGORY '
                    'WHERE "Job" = ? AND "Extra" = ? AND "Cost_Code" = ?',
                    (job, extra, code),
                )
            },
            "JCM_MASTER__COST_CODE": codes,
            "JCM_MASTER__JOB": {(c[0],) for c in codes},
        }
        before = _snapshot(con, touched)

        # delete the month's rows and take its money off
        con.execute('CREATE TEMP TABLE held_inv ("Vendor" TEXT, "Invoice" TEXT)')
        con.executemany(
            "INSERT INTO temp.held_inv VALUES (?, ?)",
            [(i["Vendor"], i["Invoice"]) for i in held_inv],
        )
        deleted_jct = con.execute(
            "DELETE FROM JCT_CURRENT__TRANSACTION WHERE \"Transaction_Type\" = 'AP cost' AND "
            '"Accounting_Date" >= ? AND "Accounting_Date" < ? AND EXISTS (SELECT 1 FROM '
            'temp.held_inv m WHERE m."Vendor" = JCT_CURRENT__TRANSACTION."Vendor" AND '
            'm."Invoice" = JCT_CURRENT__TRANSACTION."Invoice")',
            (start, end),
        ).rowcount
        n_dists = sum(len(dists[(i["Vendor"], i["Invoice"])]) for i in held_inv)
        if deleted_jct != n_dists:
            raise RuntimeError(
                f"the month's AP cost rows ({deleted_jct}) do not match its held-back "
                f"distributions ({n_dists})"
            )
        for i in held_inv:
            key = (i["Vendor"], i["Invoice"])
            con.execute(
                'DELETE FROM APM_MASTER__DISTRIBUTION WHERE "Vendor" = ? AND "Invoice" = ?', key
            )
            con.execute('DELETE FROM APM_MASTER__INVOICE WHERE "Vendor" = ? AND "Invoice" = ?', key)
        for co in cos:
            key = (co["Commitment"], co["Commitment_CO"])
            con.execute(
                'DELETE FROM JCM_MASTER__COMMITMENT_CO_ITEM WHERE "Commitment" = ? '
                'AND "Commitment_CO" = ?',
                key,
            )
            con.execute(
                'DELETE FROM JCM_MASTER__COMMITMENT_CO WHERE "Commitment" = ? '
                'AND "Commitment_CO" = ?',
                key,
            )
        _apply_deltas(con, "JCM_MASTER__CATEGORY", ("Job", "Extra", "Cost_Code", "Category"), cat_d)
        _apply_deltas(con, "JCM_MASTER__COMMITMENT_ITEM", ("Commitment", "Item_Number"), item_d)
        _apply_deltas(con, "JCM_MASTER__COMMITMENT", ("Commitment",), cm_d)
        # a CO item that only this month's COs funded, on an item with no amount of its own:
        # new scope, which the CO creates again (is_new_item)
        new_items: set[tuple[str, int]] = set()
        for commitment, item_no in item_d:
            row = con.execute(
                'SELECT "Amount", "Approved_Commitment_CO_Amount", "Amount_Invoiced" FROM '
                'JCM_MASTER__COMMITMENT_ITEM WHERE "Commitment" = ? AND "Item_Number" = ?',
                (commitment, item_no),
            ).fetchone()
            others = con.execute(
                'SELECT COUNT(*) FROM JCM_MASTER__COMMITMENT_CO_ITEM WHERE "Commitment" = ? '
                'AND "Item_Number" = ?',
                (commitment, item_no),
            ).fetchone()[0]
            if row and not any(_money(v) for v in row) and not others:
                new_items.add((commitment, item_no))
                con.execute(
                    'DELETE FROM JCM_MASTER__COMMITMENT_ITEM WHERE "Commitment" = ? '
                    'AND "Item_Number" = ?',
                    (commitment, item_no),
                )
        _roll_up(con, codes)
        con.execute("COMMIT")
        held_counts = _counts(con)
    finally:
        con.close()

    marts = _mart_rows(held_inv, dists, cos, co_items, commitments, new_items, ids)
    # the months that held something (a small company has less history than asked for)
    held_months = sorted(
        {str(i["Accounting_Date"])[:7] for i in held_inv} | {str(c["Date"])[:7] for c in cos}
    ) or [start[:7]]
    first, last = held_months[0], held_months[-1]
    return {
        "month": first if first == last else f"{first} – {last}",
        "ignore": _PAYMENT if months > 1 else set(),
        "marts": marts,
        "touched": touched,
        "before": before,
        "counts_before": counts,
        "counts_held": held_counts,
        "skipped": dict(skipped),
        "new_items": len(new_items),
    }


# --- the month as marts.outbound_* rows ------------------------------------------------------


def _mart_rows(
    invoices: list[dict],
    dists: dict[tuple[str, str], list[dict]],
    cos: list[dict],
    co_items: dict[tuple[str, str], list[dict]],
    commitments: dict[str, dict],
    new_items: set[tuple[str, int]],
    ids: dict[str, dict],
) -> dict[str, list[dict]]:
    """Header and line rows in the column shape of the four outbound marts."""
    pc_commitment = {v["sage"]: k for k, v in ids["commitments"].items() if v["sage"]}
    synthetic = iter(range(SYNTHETIC_ID, SYNTHETIC_ID + 10**9))
    out: dict[str, list[dict]] = {
        "outbound_ap_invoices": [],
        "outbound_ap_invoice_distributions": [],
        "outbound_commitment_change_orders": [],
        "outbound_commitment_change_order_lines": [],
    }
    held = {"blocking_exception_ids": None, "blocking_conditions": None, "is_blocked": False}
    for inv in invoices:
        lines = dists[(inv["Vendor"], inv["Invoice"])]
        commitment = lines[0]["Commitment"]
        cm = commitments[commitment]
        req = ids["requisitions"].get(inv["Invoice"]) or {}
        pc_id = req.get("commitment_id") or pc_commitment.get(commitment)
        pc = ids["commitments"].get(pc_id) or {}
        source_id = req.get("id") or next(synthetic)
        updated = req.get("updated_at")
        amount = _money(inv["Amount"])
        key = _key("ap_invoice", source_id, updated, inv["Vendor"], inv["Invoice"], amount)
        project_id = pc.get("project_id")
        out["outbound_ap_invoices"].append(
            {
                "idempotency_key": key,
                "source_object": "requisition",
                "source_id": source_id,
                "project_id": project_id,
                "target_object": "APM_MASTER__INVOICE",
                "import_record": "API",
                "sage_key": f"{inv['Vendor']}|{inv['Invoice']}",
                "vendor": inv["Vendor"],
                "invoice": inv["Invoice"],
                "description": inv["Description"],
                "amount": amount,
                "tax": _money(inv["Tax"]),
                "retainage": _money(inv["Retainage"]),
                "invoice_date": _day(inv["Invoice_Date"]),
                "payment_date": _day(inv["Payment_Date"]),
                "accounting_date": _day(inv["Accounting_Date"]),
                "commitment": commitment,
                "commitment_type": cm["Commitment_Type"],
                "job": cm["Job"],
                "distribution_count": len(lines),
                "retainage_released": ZERO,
                "procore_gross_this_period": amount,
                "procore_commitment_id": pc_id,
                "procore_vendor_id": req.get("vendor_id") or pc.get("vendor_id"),
                "procore_requisition_number": req.get("number"),
                "procore_is_final": bool(req.get("final")),
                "source_updated_at": _timestamp(updated),
                **held,
                "needs_approval_reason": None,
            }
        )
        for d in lines:
            out["outbound_ap_invoice_distributions"].append(
                {
                    "idempotency_key": key,
                    "source_object": "requisition_item",
                    "source_id": None,
                    "project_id": project_id,
                    "target_object": "APM_MASTER__DISTRIBUTION",
                    "import_record": "APD",
                    "sage_key": f"{d['Vendor']}|{d['Invoice']}|{d['Dist_Seq']}",
                    "vendor": d["Vendor"],
                    "invoice": d["Invoice"],
                    "dist_seq": d["Dist_Seq"],
                    "job": d["Job"],
                    "extra": d["Extra"],
                    "cost_code": d["Cost_Code"],
                    "category": d["Category"],
                    "commitment": d["Commitment"],
                    "commitment_line_item": d["Commitment_Line_Item"],
                    "expense_account": d["Expense_Account"],
                    "description": d["Description"],
                    "amount": _money(d["Amount"]),
                    "retainage": _money(d["Retainage"]),
                    "retainage_released": ZERO,
                    "procore_item_type": None,
                    "procore_change_order_id": None,
                    "coding_outcome": "mapped",
                    "line_blocking_exception_ids": None,
                    "line_conditions": None,
                    **held,
                    "needs_approval_reason": None,
                }
            )
    for co in cos:
        items = co_items[(co["Commitment"], co["Commitment_CO"])]
        cm = commitments[co["Commitment"]]
        pco = ids["change_orders"].get((co["Commitment"], co["Commitment_CO"])) or {}
        pc_id = pco.get("contract_id") or pc_commitment.get(co["Commitment"])
        pc = ids["commitments"].get(pc_id) or {}
        source_id = pco.get("id") or next(synthetic)
        amount = sum((_money(i["Amount"]) for i in items), ZERO)
        key = _key("commitment_change_order", source_id, pco.get("updated_at"), co["Commitment"])
        new = [(co["Commitment"], i["Item_Number"]) in new_items for i in items]
        out["outbound_commitment_change_orders"].append(
            {
                "idempotency_key": key,
                "source_object": "commitment_change_order",
                "source_id": source_id,
                "project_id": pc.get("project_id"),
                "target_object": "JCM_MASTER__COMMITMENT_CO",
                "import_record": "CCO",
                "sage_key": f"{co['Commitment']}|{co['Commitment_CO']}",
                "commitment": co["Commitment"],
                "commitment_co": co["Commitment_CO"],
                "description": co["Description"],
                "date": _day(co["Date"]),
                "status": "Approved",
                "amount": amount,
                "line_count": len(items),
                "job": cm["Job"],
                "procore_commitment_id": pc_id,
                "procore_grand_total": _money(pco.get("grand_total") or amount),
                "source_updated_at": _timestamp(pco.get("updated_at")),
                **held,
                "needs_approval_reason": (
                    "Adds new scope: Sage gets a new commitment item (Amount 0.00, the CO "
                    "amount as approved changes)."
                    if any(new)
                    else None
                ),
            }
        )
        for it, is_new in zip(items, new, strict=True):
            out["outbound_commitment_change_order_lines"].append(
                {
                    "idempotency_key": key,
                    "source_object": "commitment_change_order_line_item",
                    "source_id": None,
                    "project_id": pc.get("project_id"),
                    "target_object": "JCM_MASTER__COMMITMENT_CO_ITEM",
                    "import_record": "CCOI",
                    "sage_key": f"{co['Commitment']}|{co['Commitment_CO']}|{it['Line_Number']}",
                    "commitment": co["Commitment"],
                    "commitment_co": co["Commitment_CO"],
                    "line_number": it["Line_Number"],
                    "item_number": it["Item_Number"],
                    "is_new_item": is_new,
                    "description": it["Description"],
                    "job": it["Job"],
                    "extra": it["Extra"],
                    "cost_code": it["Cost_Code"],
                    "category": it["Category"],
                    "units": Decimal("0.0000"),
                    "amount": _money(it["Amount"]),
                    "procore_commitment_line_item_id": None,
                    "procore_budget_row_id": None,
                    "coding_outcome": "mapped",
                    "line_blocking_exception_ids": None,
                    "line_conditions": None,
                    **held,
                    "needs_approval_reason": None,
                }
            )
    return out


def _timestamp(value: Any) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


# Column types of the four marts (DuckDB), in the marts' column order.
_INT = ("source_id", "project_id", "distribution_count", "line_count", "dist_seq")
_INT += ("line_number", "item_number", "commitment_line_item", "procore_commitment_id")
_INT += ("procore_vendor_id", "procore_requisition_number")
_INT += ("procore_commitment_line_item_id", "procore_budget_row_id", "procore_change_order_id")
_DATE = ("invoice_date", "payment_date", "accounting_date", "date")
_BOOL = ("is_blocked", "is_new_item", "procore_is_final")


def _duck_type(column: str) -> str:
    if column == "units":
        return "DECIMAL(18,4)"
    if column in (
        "amount",
        "tax",
        "retainage",
        "retainage_released",
        "procore_gross_this_period",
        "procore_grand_total",
    ):
        return "DECIMAL(18,2)"
    if column in _INT:
        return "BIGINT"
    if column in _DATE:
        return "DATE"
    if column in _BOOL:
        return "BOOLEAN"
    if column == "source_updated_at":
        return "TIMESTAMPTZ"
    return "VARCHAR"


def write_warehouse(path: Path, marts: dict[str, list[dict]]) -> None:
    """The month's rows as `marts.outbound_*` tables of a DuckDB file (typed as dbt builds
    them), via Arrow so DECIMAL money arrives exact."""
    import duckdb
    import pyarrow as pa

    arrow_types = {
        "DECIMAL(18,2)": pa.decimal128(18, 2),
        "DECIMAL(18,4)": pa.decimal128(18, 4),
        "BIGINT": pa.int64(),
        "DATE": pa.date32(),
        "BOOLEAN": pa.bool_(),
        "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
        "VARCHAR": pa.string(),
    }
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        for table, rows in marts.items():
            columns = list(rows[0]) if rows else _EMPTY_COLUMNS[table]
            schema = pa.schema([(c, arrow_types[_duck_type(c)]) for c in columns])
            data = pa.Table.from_pylist(rows, schema=schema)  # noqa: F841 (read by DuckDB)
            con.execute(f"CREATE OR REPLACE TABLE marts.{table} AS SELECT * FROM data")


_EMPTY_COLUMNS = {
    "outbound_ap_invoices": ["idempotency_key", "sage_key", "source_id", "amount", "is_blocked"],
    "outbound_ap_invoice_distributions": ["idempotency_key", "dist_seq", "amount"],
    "outbound_commitment_change_orders": [
        "idempotency_key",
        "sage_key",
        "source_id",
        "amount",
        "is_blocked",
    ],
    "outbound_commitment_change_order_lines": ["idempotency_key", "line_number", "amount"],
}


# --- the measured run ------------------------------------------------------------------------


class TimedConnector:
    """The test-company connector with each `submit` (one batch) timed, so the connector's
    share of `send` shows next to the outbox's bookkeeping."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.submits: list[dict[str, Any]] = []

    def validate(self, batch: Sequence[Any]) -> list[Any]:
        return self.inner.validate(batch)

    def submit(self, batch: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        started = time.perf_counter()
        receipts, rejections = self.inner.submit(batch)
        self.submits.append(
            {
                "object_type": batch[0].object_type if batch else None,
                "records": len(batch),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
        return receipts, rejections

    def lookup(self, keys: Sequence[str]) -> dict[str, Any]:
        return self.inner.lookup(keys)


def _prepare_company(size: str, seed: int, work: Path) -> tuple[Path, Path, str]:
    """Generate + materialise in a separate interpreter (its memory is not the writer's)."""
    out, db = work / "scenario", work / "company.sqlite"
    code = (
        "import sys\nfrom sandbox.generate import generate\nfrom sandbox.scenario import "
        "load_scenario\nfrom sandbox.sage.company import materialise\n"
        "generate(sys.argv[1], int(sys.argv[2]), sys.argv[3])\n"
        "materialise(load_scenario(sys.argv[3]), sys.argv[4])\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, size, str(seed), str(out), str(db)],
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    from sandbox.scenario import load_scenario

    return out, db, load_scenario(out).as_of


_PAYMENT = {
    ("APM_MASTER__INVOICE", "Amount_Paid"),
    ("APM_MASTER__INVOICE", "Retainage_Held"),
    ("APM_MASTER__INVOICE", "Retainage_Paid"),
    ("APM_MASTER__DISTRIBUTION", "Amount_Paid"),
    ("APM_MASTER__DISTRIBUTION", "Retainage_Paid"),
}


def _compare(
    db: Path,
    touched: dict[str, set[tuple]],
    before: dict[str, dict],
    ignore: set[tuple[str, str]] = frozenset(),
) -> list[str]:
    """Rows whose compared columns (less `ignore`) differ from before the hold-back."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        after = _snapshot(con, touched)
    finally:
        con.close()
    diffs = []
    for table, rows in before.items():
        money = COMPARED[table][1]
        for key, old in rows.items():
            new = after[table][key]
            if old is None or new is None:
                cols = [] if old == new else ["row"]
            else:
                cols = [
                    c
                    for c, a, b in zip(money, old, new, strict=True)
                    if a != b and (table, c) not in ignore
                ]
            if cols:
                diffs.append(f"{table} {'|'.join(map(str, key))}: {', '.join(cols)}")
    return diffs


def bench_writer(size: str, seed: int, work: Path, months: int = 1) -> dict[str, Any]:
    """One size: set up, hold back the month, time plan / approve / send (module doc)."""
    from writers.connectors.test_company import TestCompanyConnector
    from writers.control import ControlStore
    from writers.control.outbox_store import WriterStore
    from writers.outbox import read_candidates
    from writers.writer import approve_batch, plan, send

    started = time.perf_counter()
    scenario_dir, db, as_of = _prepare_company(size, seed, work)
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    held = hold_back_month(db, scenario_dir / "procore", months)
    warehouse = work / "warehouse.duckdb"
    write_warehouse(warehouse, held["marts"])
    holdback_s = time.perf_counter() - started
    marts = held["marts"]
    result: dict[str, Any] = {
        "size": size,
        "months": months,
        "month": held["month"],
        "setup_s": round(setup_s, 1),
        "holdback_s": round(holdback_s, 1),
        "company_mib": round(db.stat().st_size / 2**20, 1),
        "jct_rows": held["counts_before"]["JCT_CURRENT__TRANSACTION"],
        "invoices": len(marts["outbound_ap_invoices"]),
        "distributions": len(marts["outbound_ap_invoice_distributions"]),
        "change_orders": len(marts["outbound_commitment_change_orders"]),
        "co_lines": len(marts["outbound_commitment_change_order_lines"]),
        "new_items": held["new_items"],
        "skipped": held["skipped"],
        "synthetic_ids": sum(
            1
            for t in ("outbound_ap_invoices", "outbound_commitment_change_orders")
            for r in marts[t]
            if r["source_id"] >= SYNTHETIC_ID
        ),
    }
    del held["marts"], marts
    types = list(OBJECT_TYPES)
    today = dt.date.fromisoformat(as_of)
    with ControlStore.open(f"sqlite:///{work / 'control.sqlite'}") as store:
        _reset_peak()
        t0 = time.perf_counter()
        read_candidates(warehouse, types)
        result["read_s"] = round(time.perf_counter() - t0, 2)

        _reset_peak()
        t0, c0 = time.perf_counter(), _cpu()
        planned = plan(warehouse, store, actor=ACTOR, object_types=types)
        result["plan_s"] = round(time.perf_counter() - t0, 2)
        result["plan_cpu_s"] = round(_cpu() - c0, 2)
        result["plan_peak_mib"] = _peak_mib()
        batch_ids = [
            tp.proposed_batch for tp in planned.types.values() if tp.proposed_batch is not None
        ]
        result["batches"] = len(batch_ids)
        result["enqueued"] = sum(len(tp.proposed) for tp in planned.types.values())

        _reset_peak()
        t0 = time.perf_counter()
        for batch_id in batch_ids:
            approve_batch(store, batch_id, actor="controller")
        result["approve_s"] = round(time.perf_counter() - t0, 2)

        crash_db, crash_control = work / "crash-company.sqlite", work / "crash-control.sqlite"
        _copy_sqlite(db, crash_db)
        _copy_sqlite(work / "control.sqlite", crash_control)

        connector = TimedConnector(TestCompanyConnector(db, today=today))
        _reset_peak()
        t0, c0 = time.perf_counter(), _cpu()
        report = send(store, connector, actor=ACTOR, object_types=types)
        send_s = time.perf_counter() - t0
        result["send_s"] = round(send_s, 2)
        result["send_cpu_s"] = round(_cpu() - c0, 2)
        result["load_1min"] = round(os.getloadavg()[0], 1)
        result["send_peak_mib"] = _peak_mib()
        result["submits"] = connector.submits
        result["written"] = len(report.written)
        result["rejected"] = len(report.rejected)
        result["rejections"] = [f"{r.rule}: {r.reason}" for r in report.rejected[:10]]
        result["send_errors"] = report.errors + [f"deferred {k}" for k in report.deferred[:5]]
        records = result["invoices"] + result["change_orders"]
        result["records_per_s"] = round(records / send_s, 1) if send_s else None
        result["distributions_per_s"] = (
            round(result["distributions"] / send_s, 1) if send_s else None
        )
        lines = result["distributions"] + result["co_lines"]
        result["lines_per_s"] = round(lines / send_s, 1) if send_s else None

        t0 = time.perf_counter()
        again = plan(warehouse, store, actor=ACTOR, object_types=types)
        result["replan_new"] = sum(
            len(tp.proposed) + len(tp.auto_approved) for tp in again.types.values()
        )
        second = TimedConnector(TestCompanyConnector(db, today=today))
        report2 = send(store, second, actor=ACTOR, object_types=types)
        result["rerun_s"] = round(time.perf_counter() - t0, 2)
        result["rerun_written"] = len(report2.written)
        result["rerun_submits"] = len(second.submits)
        ws = WriterStore(store)
        result["ledger_rows"] = len(ws.ledger())
        result["batch_status"] = sorted({b["status"] for b in ws.batches()})
    t0 = time.perf_counter()
    diffs = _compare(db, held["touched"], held["before"], held["ignore"])
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts_after = _counts(con)
    finally:
        con.close()
    diffs += [
        f"{t}: {held['counts_before'][t]} rows before, {counts_after[t]} after"
        for t in COUNTED
        if held["counts_before"][t] != counts_after[t]
    ]
    result["check_s"] = round(time.perf_counter() - t0, 1)
    result["restored_rows"] = sum(len(v) for v in held["before"].values())
    result["restored_mismatches"] = len(diffs)
    result["mismatch_examples"] = diffs[:10]
    db.unlink()
    result["crash"] = crash_rerun(crash_db, crash_control, today, held)
    result["peak_rss_mib"] = _peak_mib()
    shutil.rmtree(scenario_dir)
    return result


def _copy_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy of a SQLite file (backup API: WAL content included)."""
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    a.close()
    b.close()


def _crash_child(db: str, control: str, today: str) -> None:
    """Send the COs, then the AP invoices with the writer's fault injection set to SIGKILL
    the process after the connector committed the batch and before the outbox recorded
    the receipts: Sage holds the month, the outbox thinks it is in flight."""
    from writers.connectors.test_company import TestCompanyConnector
    from writers.control import ControlStore
    from writers.writer import CRASH_ENV, send

    connector = TestCompanyConnector(Path(db), today=dt.date.fromisoformat(today))
    with ControlStore.open(f"sqlite:///{control}") as store:
        send(store, connector, actor=ACTOR, object_types=["commitment_change_orders"])
        os.environ[CRASH_ENV] = "after_submit"
        send(store, connector, actor=ACTOR, object_types=["ap_invoices"])
    raise SystemExit("the fault injection did not kill the writer")


def crash_rerun(db: Path, control: Path, today: dt.date, held: dict[str, Any]) -> dict[str, Any]:
    """The month sent on a copy made after approval, killed after the AP batch's commit;
    then a rerun, which must receipt the in-flight rows from Sage (lookup) and write
    nothing twice. Checked like the main run (the company as before the hold-back)."""
    from writers.connectors.test_company import TestCompanyConnector
    from writers.control import ControlStore
    from writers.control.outbox_store import WriterStore
    from writers.writer import send

    t0 = time.perf_counter()
    killed = subprocess.run(
        [sys.executable, "-m", "bench.writer", "--crash-child", str(db), str(control), str(today)],
        cwd=Path(__file__).resolve().parent.parent,
    ).returncode
    out: dict[str, Any] = {
        "killed": killed == -9,
        "crashed_send_s": round(time.perf_counter() - t0, 2),
    }
    with ControlStore.open(f"sqlite:///{control}") as store:
        out["in_flight"] = len(WriterStore(store).in_flight())
        connector = TimedConnector(TestCompanyConnector(db, today=today))
        t0 = time.perf_counter()
        report = send(store, connector, actor=ACTOR, object_types=list(OBJECT_TYPES))
        out["rerun_s"] = round(time.perf_counter() - t0, 2)
        out["recovered"] = report.recovered
        out["resubmitted"] = report.resubmitted
        out["submits"] = len(connector.submits)
        out["rejected"] = len(report.rejected)
        out["ledger_rows"] = len(WriterStore(store).ledger())
    diffs = _compare(db, held["touched"], held["before"], held["ignore"])
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts = _counts(con)
    finally:
        con.close()
    diffs += [t for t in COUNTED if held["counts_before"][t] != counts[t]]
    out["restored_mismatches"] = len(diffs)
    out["mismatch_examples"] = diffs[:5]
    db.unlink()
    return out


def run_child(size: str, seed: int, months: int = 1) -> dict[str, Any]:
    """`bench_writer` in a fresh interpreter, temp data removed after."""
    with tempfile.TemporaryDirectory(prefix=f"tieout-bench-writer-{size}-") as tmp:
        result_file = Path(tmp) / "result.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.writer",
                size,
                str(seed),
                tmp,
                str(result_file),
                str(months),
            ],
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        return json.loads(result_file.read_text())


HEADING = "## Writer: a month of AP invoices and subcontract COs through the test company"


_SHORT = {"commitment_change_orders": "COs", "ap_invoices": "AP"}


def _per(n: int, r: dict[str, Any]) -> str:
    cpu = r.get("send_cpu_s")
    return f"{n / cpu:.1f}" if cpu else "–"


def _cell(r: dict[str, Any], key: str) -> str:
    return str(r[key]) if not r[key] else f"**{r[key]}**"


def report_section(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        HEADING,
        "",
        "Per size, the AP current month (the as-of month, the only one Sage's AP is open for)",
        "is held back from the materialised test company — its requisition invoices with",
        "their distributions and `AP cost` JC rows, and its approved commitment change orders",
        "with their items, money and roll-ups taken off again — and offered as",
        "`marts.outbound_ap_invoices` / `_distributions` and",
        "`marts.outbound_commitment_change_orders` / `_lines` rows (exact column shape and",
        "types; method in `bench/writer.py`). Then the real writer path on a fresh SQLite",
        "control store: `plan` (reads the marts, enqueues one proposed batch per object",
        "type), `approve_batch` per batch, `send` through `TestCompanyConnector` (validation,",
        "one SQLite transaction per batch, stamps, roll-ups). Rerun: a second `plan` + `send`,",
        "which must enqueue and write nothing. Restored: the company after the send compared",
        "with the company before the hold-back (money columns of every touched invoice,",
        "distribution, CO, category, cost code, job, commitment and item; table row counts).",
        "After crash: the same send on a copy made after approval, SIGKILLed by the writer's",
        "fault injection (`after_submit`) once the AP batch is committed in Sage and before",
        "the outbox recorded it; then a rerun, which must find every in-flight record in Sage",
        "(`lookup`) and submit nothing again. Peak RSS: VmHWM of the bench process, reset",
        "before each step (set-up ran in another process). CPU s: the bench process's user +",
        "system time during `send` (the ODBC driver runs in-process); load: the 1-minute load",
        "average after it — above 2 means other work shared the 2 cores and inflated the wall",
        "time, so the per-CPU-second rates are the steadier throughput figures.",
        "",
        "A range of months (`--writer-months N`) is a catch-up: the writer was off for N",
        "months. Sage's AP current month is moved back to the first of them so the import",
        "takes them, and the invoices' payment columns (`Amount_Paid`, `Retainage_Held`,",
        "`Retainage_Paid`: paid or released later, not part of the import) are left out of",
        "the round-trip check.",
        "",
        "| size | month(s) | invoices / distributions | COs / CO lines | batches"
        " | plan s (read s) | approve s | send s | send CPU s | connector s per batch | load"
        " | records/s (per CPU s) | distributions/s (per CPU s) | rejected | rerun writes"
        " | restored | after crash: recovered / sent again / rerun connector calls / rerun s"
        " | peak MiB plan / send |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        per_batch = ", ".join(
            f"{_SHORT.get(s['object_type'], s['object_type'])} {s['seconds']}" for s in r["submits"]
        )
        restored = (
            f"{r['restored_rows']:,} rows, 0 differ"
            if not r["restored_mismatches"]
            else f"**{r['restored_mismatches']} differ**"
        )
        crash = r.get("crash")
        if crash:
            ok = crash["killed"] and not crash["restored_mismatches"] and not crash["rejected"]
            ok = ok and not crash["resubmitted"]  # killed after the commit: all in Sage
            after = (
                f"{crash['recovered']:,} / {crash['resubmitted']:,} / {crash['submits']} / "
                f"{crash['rerun_s']}"
            ) + ("" if ok else " **check**")
        else:
            after = "–"
        cells = [
            r["size"],
            r["month"],
            f"{r['invoices']:,} / {r['distributions']:,}",
            f"{r['change_orders']:,} / {r['co_lines']:,}",
            r["batches"],
            f"{r['plan_s']} ({r['read_s']})",
            r["approve_s"],
            r["send_s"],
            r.get("send_cpu_s", "–"),
            per_batch,
            r.get("load_1min", "–"),
            f"{r['records_per_s']} ({_per(r['invoices'] + r['change_orders'], r)})",
            f"{r['distributions_per_s']} ({_per(r['distributions'], r)})",
            _cell(r, "rejected"),
            _cell(r, "rerun_written"),
            restored,
            after,
            f"{r['plan_peak_mib']} / {r['send_peak_mib']}",
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    setup = ", ".join(
        f"{r['size']} {r['setup_s']} s ({r['jct_rows']:,} JC rows, {r['company_mib']} MiB)"
        for r in rows
        if r.get("months", 1) == 1
    )
    lines += ["", f"Set-up (generate + materialise; not measured): {setup}."]
    monthly = [r for r in rows if r.get("months", 1) == 1]
    if len(monthly) > 1:
        base = monthly[0]
        key = "send_cpu_s" if all(r.get("send_cpu_s") for r in monthly) else "send_s"
        scale = ", ".join(
            f"{r['size']} {r['distributions'] / max(base['distributions'], 1):.0f}× the "
            f"distributions in {r[key] / max(base[key], 1e-9):.1f}× the send "
            + ("CPU time" if key == "send_cpu_s" else "time")
            for r in monthly[1:]
        )
        lines += ["", f"Scaling against {base['size']} (one month): {scale}."]
    longest = max(rows, key=lambda r: max((s["seconds"] for s in r["submits"]), default=0))
    batch = max(longest["submits"], key=lambda s: s["seconds"])
    lines += [
        "",
        f"Longest single SQLite transaction (one `submit`): {batch['seconds']} s for "
        f"{batch['records']:,} {batch['object_type']} ({longest['size']}, {longest['month']}). "
        f"The writer submits at most {writer_submit_size()} records per connector call "
        "(`writers.writer.SUBMIT_SIZE`), and the connector writes a call in one transaction; "
        "while it runs, another writer of the company waits up to the connector's `timeout` "
        "(15 s by default) and then fails transiently (retried with backoff). Readers are "
        "not blocked (WAL).",
    ]
    if batch["seconds"] > CONNECTOR_TIMEOUT_S:
        fits = int(CONNECTOR_TIMEOUT_S * batch["records"] / batch["seconds"])
        lines[-1] += (
            f" **This call holds the lock longer than that timeout**: at this rate about "
            f"{fits:,} {batch['object_type']} fit in it; lower `SUBMIT_SIZE`."
        )
    lines += [
        "",
        "Where `send` spends its time: the connector (validation + posting) against the "
        "outbox's bookkeeping (claim, receipts, ledger and an audit row per record):",
        "",
    ]
    per_record = {}
    for r in rows:
        n = r["invoices"] + r["change_orders"]
        connector_s = sum(s["seconds"] for s in r["submits"])
        per_record[id(r)] = (r["send_s"] - connector_s) / max(n, 1) * 1000
        lines.append(
            f"- {r['size']} {r['month']} ({n:,} records): connector {connector_s:.2f} s, "
            f"bookkeeping {r['send_s'] - connector_s:.2f} s "
            f"({per_record[id(r)]:.1f} ms per record)"
        )
    small = min(rows, key=lambda r: r["invoices"] + r["change_orders"] or 10**9)
    big = max(rows, key=lambda r: r["invoices"] + r["change_orders"])
    if per_record[id(big)] > 3 * max(per_record[id(small)], 0.1):
        lines += [
            "",
            "The bookkeeping per record grows with the batch: something in recording "
            "receipts is not linear in the batch size (an earlier writer refreshed the batch "
            "status once per receipt, reading every row of the batch each time; profile "
            "`WriterStore.record_receipts` and `claim`).",
        ]
    for r in rows:
        notes = []
        if r["skipped"]:
            notes.append("not held back: " + ", ".join(f"{n} {k}" for k, n in r["skipped"].items()))
        if r.get("new_items"):
            notes.append(f"{r['new_items']} CO line(s) re-create a new-scope commitment item")
        if r["synthetic_ids"]:
            notes.append(f"{r['synthetic_ids']} records without a unique Procore id match")
        if r["rejections"]:
            notes.append("rejections: " + "; ".join(r["rejections"]))
        if r["send_errors"]:
            notes.append("send errors: " + "; ".join(r["send_errors"]))
        if r["mismatch_examples"]:
            notes.append("differences: " + "; ".join(r["mismatch_examples"]))
        if notes:
            lines += ["", f"{r['size']} {r['month']}: " + ". ".join(notes) + "."]
    return lines


def main() -> None:
    if sys.argv[1] == "--crash-child":
        _crash_child(*sys.argv[2:5])
    size, seed, work, result_file = sys.argv[1:5]
    months = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    result = bench_writer(size, int(seed), Path(work), months)
    Path(result_file).write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
