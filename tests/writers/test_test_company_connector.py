"""TestCompanyConnector against a real materialised tiny test company (writable private copy).

Records are built in the shape of the `marts.outbound_*` rows (same column names), coded
against what the tiny company (seed 11) really holds: job 25-003 with purchase order
25003-003 (PACIFI01) and subcontract 25003-002 (SUMMIT01), closed job 21-700, vendor
SIERRA02 on hold (the planted write_rejected case), AP current month 2026-10.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from writers.connector import Connector, OutboundRecord, TransientConnectorError
from writers.connectors.records import load_outbound
from writers.connectors.test_company import TestCompanyConnector, stamp_of

TODAY = dt.date(2026, 10, 31)
D = Decimal


@pytest.fixture(scope="module")
def template_db(tiny_scenario, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sandbox.sage.company import materialise

    db = tmp_path_factory.mktemp("tc-template") / "company.sqlite"
    materialise(tiny_scenario, db)
    return db


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    """A private writable copy of the tiny company for one test."""
    out = tmp_path / "company.sqlite"
    for suffix in ("", "-wal", "-shm"):
        src = Path(f"{template_db}{suffix}")
        if src.exists():
            shutil.copy(src, f"{out}{suffix}")
    return out


@pytest.fixture
def conn(db: Path) -> TestCompanyConnector:
    return TestCompanyConnector(db, today=TODAY, timeout=1)


def q(db: Path, sql: str, *params: Any) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        return c.execute(sql, params).fetchall()


def one(db: Path, sql: str, *params: Any) -> Any:
    rows = q(db, sql, *params)
    assert len(rows) == 1, rows
    return rows[0][0] if len(rows[0]) == 1 else rows[0]


def counts(db: Path) -> dict[str, int]:
    tables = [
        "APM_MASTER__INVOICE",
        "APM_MASTER__DISTRIBUTION",
        "JCT_CURRENT__TRANSACTION",
        "JCM_MASTER__COMMITMENT",
        "JCM_MASTER__COMMITMENT_ITEM",
        "JCM_MASTER__COMMITMENT_CO",
        "JCM_MASTER__COMMITMENT_CO_ITEM",
        "JCM_MASTER__CATEGORY",
    ]
    return {t: one(db, f"SELECT COUNT(*) FROM {t}") for t in tables}


# ---------------------------------------------------------------- record factories
def ap_invoice(key: str = "a" * 32, **header: Any) -> OutboundRecord:
    """An invoice on PO 25003-003 (PACIFI01), both items, shaped like outbound_ap_invoices."""
    lines = [
        {
            "idempotency_key": key,
            "target_object": "APM_MASTER__DISTRIBUTION",
            "sage_key": f"PACIFI01|TO-INV-1|{n}",
            "vendor": "PACIFI01",
            "invoice": "TO-INV-1",
            "dist_seq": n,
            "job": "25-003",
            "extra": "",
            "cost_code": code,
            "category": "M",
            "commitment": "25003-003",
            "commitment_line_item": n,
            "expense_account": "5200",
            "description": f"25003-003 #9 line {n}",
            "amount": amount,
            "retainage": D("0.00"),
            "retainage_released": D("0.00"),
            "coding_outcome": "mapped",
            "is_blocked": False,
        }
        for n, code, amount in ((1, "08-710", D("1000.00")), (2, "08-713", D("234.56")))
    ]
    h = {
        "idempotency_key": key,
        "source_object": "requisition",
        "source_id": 1,
        "target_object": "APM_MASTER__INVOICE",
        "import_record": "API",
        "sage_key": "PACIFI01|TO-INV-1",
        "vendor": "PACIFI01",
        "invoice": "TO-INV-1",
        "description": "25003-003 pay app 9",
        "amount": D("1234.56"),
        "tax": D("0.00"),
        "retainage": D("0.00"),
        "invoice_date": dt.date(2026, 10, 31),
        "payment_date": dt.date(2026, 11, 30),
        "accounting_date": dt.date(2026, 10, 31),
        "commitment": "25003-003",
        "commitment_type": "Purchase order",
        "job": "25-003",
        "distribution_count": 2,
        "is_blocked": False,
        "needs_approval_reason": None,
    }
    h.update(header)
    if "invoice" in header or "vendor" in header:
        for ln in lines:
            ln["invoice"], ln["vendor"] = h["invoice"], h["vendor"]
    h["sage_key"] = f"{h['vendor']}|{h['invoice']}"
    return OutboundRecord("ap_invoices", key, h["sage_key"], h, tuple(lines))


def commitment(key: str = "c" * 32, **header: Any) -> OutboundRecord:
    h = {
        "idempotency_key": key,
        "source_object": "work_order_contract",
        "target_object": "JCM_MASTER__COMMITMENT",
        "import_record": "C",
        "sage_key": "25003-901",
        "commitment": "25003-901",
        "commitment_type": "Subcontract",
        "commitment_type_code": 1,
        "description": "Doors - Allied",
        "vendor": "ALLIED01",
        "job": "25-003",
        "date": dt.date(2026, 10, 8),
        "retainage_percent": D("10.0000"),
        "closed": False,
        "original_commitment": D("1500.00"),
        "item_count": 2,
        "is_blocked": False,
    }
    h.update(header)
    lines = [
        {
            "idempotency_key": key,
            "target_object": "JCM_MASTER__COMMITMENT_ITEM",
            "sage_key": f"{h['commitment']}|{n}",
            "commitment": h["commitment"],
            "item_number": n,
            "description": f"Item {n}",
            "retainage_percent": D("10.0000"),
            "job": "25-003",
            "extra": "",
            "cost_code": code,
            "category": "M",
            "units": D("0"),
            "unit_cost": D("0"),
            "unit_description": "LS",
            "amount": amount,
            "tax": D("0.00"),
            "tax_group": "",
            "coding_outcome": "mapped",
        }
        for n, code, amount in ((1, "08-710", D("1000.00")), (2, "08-713", D("500.00")))
    ]
    return OutboundRecord("commitments", key, h["sage_key"], h, tuple(lines))


def change_order(key: str = "d" * 32, **header: Any) -> OutboundRecord:
    h = {
        "idempotency_key": key,
        "source_object": "commitment_change_order",
        "target_object": "JCM_MASTER__COMMITMENT_CO",
        "import_record": "CCO",
        "sage_key": "25003-002|901",
        "commitment": "25003-002",
        "commitment_co": "901",
        "description": "CO 901 - extra formwork",
        "date": dt.date(2026, 10, 21),
        "status": "Approved",
        "amount": D("700.00"),
        "line_count": 1,
        "job": "25-003",
        "is_blocked": False,
    }
    h.update(header)
    lines = [
        {
            "idempotency_key": key,
            "target_object": "JCM_MASTER__COMMITMENT_CO_ITEM",
            "sage_key": f"{h['commitment']}|{h['commitment_co']}|1",
            "commitment": h["commitment"],
            "commitment_co": h["commitment_co"],
            "line_number": 1,
            "item_number": 1,
            "is_new_item": False,
            "description": "CO 901 - formwork",
            "job": "25-003",
            "extra": "",
            "cost_code": "03-103",
            "category": "S",
            "units": D("0"),
            "amount": D("700.00"),
            "coding_outcome": "mapped",
        }
    ]
    return OutboundRecord("commitment_change_orders", key, h["sage_key"], h, tuple(lines))


def estimate(db: Path, key: str = "e" * 32, **header: Any) -> OutboundRecord:
    o, a = one(
        db,
        "SELECT Original_Estimate, Approved_Estimate_Changes FROM JCM_MASTER__CATEGORY "
        "WHERE Job='25-003' AND Extra='' AND Cost_Code='08-710' AND Category='M'",
    )
    so, sa = D(str(o)).quantize(D("0.01")), D(str(a)).quantize(D("0.01"))
    target = so + D("250.00")
    h = {
        "idempotency_key": key,
        "source_object": "budget_line_item",
        "target_object": "JCM_MASTER__CATEGORY",
        "import_record": "C",
        "sage_key": "25-003||08-710|M",
        "job": "25-003",
        "extra": "",
        "cost_code": "08-710",
        "category": "M",
        "original_estimate": target,
        "approved_estimate_changes": sa,
        "total_estimate": target + sa,
        "sage_original_estimate": so,
        "sage_approved_estimate_changes": sa,
        "original_estimate_change": D("250.00"),
        "approved_estimate_change": D("0.00"),
        "estimate_status": "differs",
        "is_blocked": False,
    }
    h.update(header)
    return OutboundRecord("jc_estimates", key, h["sage_key"], h)


def with_line(rec: OutboundRecord, index: int = 0, **changes: Any) -> OutboundRecord:
    lines = [dict(ln) for ln in rec.lines]
    lines[index].update(changes)
    return OutboundRecord(rec.object_type, rec.idempotency_key, rec.sage_key, rec.header, lines)


def with_lines(rec: OutboundRecord, lines) -> OutboundRecord:
    return OutboundRecord(rec.object_type, rec.idempotency_key, rec.sage_key, rec.header, lines)


def rekey(rec: OutboundRecord, key: str) -> OutboundRecord:
    return OutboundRecord(rec.object_type, key, rec.sage_key, rec.header, rec.lines)


def planted(db: Path, sql: str, record: Callable[[], OutboundRecord]) -> OutboundRecord:
    """Change the private copy of the company (a status Sage holds), then build the record."""
    with sqlite3.connect(db) as c:
        assert c.execute(sql).rowcount >= 1, sql
    return record()


def rules(rejections) -> set[str]:
    return {r.rule for r in rejections}


# ---------------------------------------------------------------- protocol + accepted
def test_is_a_connector(conn: TestCompanyConnector) -> None:
    assert isinstance(conn, Connector)
    assert conn.name == "test-company"


def test_clean_records_pass_validation(conn: TestCompanyConnector, db: Path) -> None:
    batch = [ap_invoice(), commitment(), change_order(), estimate(db)]
    assert conn.validate(batch) == []


# ---------------------------------------------------------------- every rule rejects
Case = tuple[str, Callable[[Path], OutboundRecord], str]
CASES: list[Case] = [
    # AP invoices
    ("ap missing vendor", lambda db: ap_invoice(vendor=""), "missing_field"),
    ("ap invoice too long", lambda db: ap_invoice(invoice="INV-1234567890123"), "field_too_long"),
    ("ap description too long", lambda db: ap_invoice(description="x" * 31), "field_too_long"),
    ("ap bad amount", lambda db: ap_invoice(amount="12,3x"), "bad_value"),
    ("ap vendor not found", lambda db: ap_invoice(vendor="NOPE01"), "vendor_not_found"),
    ("ap vendor on hold", lambda db: ap_invoice(vendor="SIERRA02"), "vendor_on_hold"),
    (
        "ap vendor inactive",
        lambda db: planted(
            db,
            "UPDATE APM_MASTER__VENDOR SET Status='Inactive' WHERE Vendor='PACIFI01'",
            ap_invoice,
        ),
        "vendor_inactive",
    ),
    (
        "ap job on hold",
        lambda db: planted(
            db, "UPDATE JCM_MASTER__JOB SET On_Hold=1 WHERE Job='25-003'", ap_invoice
        ),
        "job_on_hold",
    ),
    (
        "ap cost code closed",
        lambda db: planted(
            db,
            "UPDATE JCM_MASTER__COST_CODE SET Status='Closed' "
            "WHERE Job='25-003' AND Extra='' AND Cost_Code='08-710'",
            ap_invoice,
        ),
        "cost_code_closed",
    ),
    (
        "ap commitment closed",
        lambda db: planted(
            db,
            "UPDATE JCM_MASTER__COMMITMENT SET Closed=1 WHERE Commitment='25003-003'",
            ap_invoice,
        ),
        "commitment_closed",
    ),
    (
        "ap closed period",
        lambda db: ap_invoice(accounting_date=dt.date(2026, 9, 30)),
        "period_closed",
    ),
    ("ap duplicate invoice", lambda db: ap_invoice(invoice="25003-003-01"), "duplicate_invoice"),
    ("ap header != lines", lambda db: ap_invoice(amount=D("1234.55")), "amount_mismatch"),
    (
        "ap retainage != lines",
        lambda db: ap_invoice(retainage=D("10.00")),
        "retainage_mismatch",
    ),
    (
        "ap retainage > amount",
        lambda db: with_line(ap_invoice(retainage=D("2000.00")), 0, retainage=D("2000.00")),
        "retainage_exceeds_amount",
    ),
    (
        "ap retainage sign",
        lambda db: with_line(ap_invoice(retainage=D("-5.00")), 0, retainage=D("-5.00")),
        "sign_mismatch",
    ),
    ("ap no lines", lambda db: with_lines(ap_invoice(), ()), "no_lines"),
    ("ap job missing", lambda db: with_line(ap_invoice(), 0, job="26-999"), "job_not_found"),
    ("ap job closed", lambda db: with_line(ap_invoice(), 0, job="21-700"), "job_closed"),
    ("ap job bad format", lambda db: with_line(ap_invoice(), 0, job="25003"), "bad_format"),
    ("ap extra missing", lambda db: with_line(ap_invoice(), 0, extra="07"), "extra_not_found"),
    (
        "ap cost code missing",
        lambda db: with_line(ap_invoice(), 0, cost_code="99-999"),
        "cost_code_not_found",
    ),
    (
        "ap cost code is group",
        lambda db: with_line(ap_invoice(), 0, cost_code="08-000"),
        "cost_code_is_group",
    ),
    (
        "ap category missing",
        lambda db: with_line(ap_invoice(), 0, category="E"),
        "category_not_found",
    ),
    (
        "ap commitment missing",
        lambda db: with_line(ap_invoice(), 0, commitment="25003-999"),
        "commitment_not_found",
    ),
    (
        "ap wrong vendor",
        lambda db: with_line(ap_invoice(), 0, commitment="25003-002", commitment_line_item=1),
        "wrong_vendor",
    ),
    (
        "ap commitment item missing",
        lambda db: with_line(ap_invoice(), 0, commitment_line_item=9),
        "commitment_item_not_found",
    ),
    (
        "ap coding differs from item",
        lambda db: with_line(ap_invoice(), 0, cost_code="08-713"),
        "commitment_coding_mismatch",
    ),
    # commitments
    ("cm exists", lambda db: commitment(commitment="25003-002"), "duplicate_commitment"),
    ("cm too long", lambda db: commitment(commitment="25003-9010000"), "field_too_long"),
    ("cm lower case", lambda db: commitment(commitment="25003-a"), "bad_format"),
    ("cm vendor on hold", lambda db: commitment(vendor="SIERRA02"), "vendor_on_hold"),
    ("cm job closed", lambda db: commitment(job="21-700"), "job_closed"),
    ("cm header != items", lambda db: commitment(original_commitment=D("1")), "amount_mismatch"),
    ("cm bad type", lambda db: commitment(commitment_type="Lease"), "bad_value"),
    ("cm line job", lambda db: with_line(commitment(), 1, job="26-004"), "job_mismatch"),
    (
        "cm line category",
        lambda db: with_line(commitment(), 1, category="L"),
        "category_not_found",
    ),
    # change orders
    (
        "co commitment missing",
        lambda db: change_order(commitment="25003-999"),
        "commitment_not_found",
    ),
    (
        "co duplicate number",
        lambda db: change_order(commitment="25003-001", commitment_co="001"),
        "duplicate_change_order",
    ),
    ("co not approved", lambda db: change_order(status="Pending"), "change_order_not_approved"),
    (
        "co future date",
        lambda db: change_order(date=dt.date(2026, 11, 2)),
        "change_order_future_date",
    ),
    ("co header != lines", lambda db: change_order(amount=D("1.00")), "amount_mismatch"),
    (
        "co item missing",
        lambda db: with_line(change_order(), 0, item_number=7),
        "commitment_item_not_found",
    ),
    (
        "co new item exists",
        lambda db: with_line(change_order(), 0, is_new_item=True),
        "commitment_item_exists",
    ),
    (
        "co coding differs",
        lambda db: with_line(change_order(), 0, category="M"),
        "commitment_coding_mismatch",
    ),
    # estimates
    (
        "est category not standard",
        lambda db: estimate(db, category="Z", sage_key="25-003||08-710|Z"),
        "category_not_standard",
    ),
    ("est job closed", lambda db: estimate(db, job="21-700", cost_code="01-413"), "job_closed"),
    (
        "est cost code missing",
        lambda db: estimate(db, cost_code="99-999"),
        "cost_code_not_found",
    ),
    (
        "est stale",
        lambda db: estimate(
            db,
            sage_original_estimate=D("1.00"),
            original_estimate_change=estimate(db).header["original_estimate"] - D("1.00"),
        ),
        "estimate_changed_in_sage",
    ),
    ("est totals", lambda db: estimate(db, total_estimate=D("1.00")), "amount_mismatch"),
    # other object types
    (
        "vendors unsupported",
        lambda db: OutboundRecord("vendors", "v" * 32, "NEWVEN01", {"vendor": "NEWVEN01"}),
        "unsupported_object",
    ),
]


@pytest.mark.parametrize(("name", "build", "rule"), CASES, ids=[c[0] for c in CASES])
def test_rule_rejects(conn: TestCompanyConnector, db: Path, name, build, rule) -> None:
    rec = build(db)
    rejections = conn.validate([rec])
    assert rule in rules(rejections), rejections
    assert all(r.idempotency_key == rec.idempotency_key for r in rejections)
    assert all(r.reason and not r.transient for r in rejections)


def test_vendor_on_hold_reason_names_the_vendor(conn: TestCompanyConnector) -> None:
    (r,) = [r for r in conn.validate([ap_invoice(vendor="SIERRA02")]) if r.rule == "vendor_on_hold"]
    assert "SIERRA02" in r.reason and "on hold" in r.reason and r.field == "vendor"


def test_duplicate_in_batch(conn: TestCompanyConnector) -> None:
    rej = conn.validate([ap_invoice("1" * 32), ap_invoice("2" * 32)])
    assert [(r.idempotency_key, r.rule) for r in rej] == [("2" * 32, "duplicate_in_batch")]


# ---------------------------------------------------------------- submit: AP invoice
def test_submit_ap_invoice_writes_one_copy_and_rolls_up(
    conn: TestCompanyConnector, db: Path
) -> None:
    before = counts(db)
    cm = one(
        db,
        "SELECT Amount_Invoiced, Retainage_Held FROM JCM_MASTER__COMMITMENT "
        "WHERE Commitment='25003-003'",
    )
    cat = one(
        db,
        "SELECT JTD_Cost, Commitment_Invoiced FROM JCM_MASTER__CATEGORY WHERE "
        "Job='25-003' AND Extra='' AND Cost_Code='08-710' AND Category='M'",
    )
    cc = one(
        db,
        "SELECT JTD_Cost FROM JCM_MASTER__COST_CODE WHERE Job='25-003' AND Extra='' "
        "AND Cost_Code='08-710'",
    )
    job = one(db, "SELECT JTD_Cost FROM JCM_MASTER__JOB WHERE Job='25-003'")

    rec = ap_invoice()
    receipts, rejections = conn.submit([rec])
    assert rejections == []
    assert [r.sage_key for r in receipts] == ["PACIFI01|TO-INV-1"]

    after = counts(db)
    assert after["APM_MASTER__INVOICE"] == before["APM_MASTER__INVOICE"] + 1
    assert after["APM_MASTER__DISTRIBUTION"] == before["APM_MASTER__DISTRIBUTION"] + 2
    assert after["JCT_CURRENT__TRANSACTION"] == before["JCT_CURRENT__TRANSACTION"] + 2
    inv = one(
        db,
        "SELECT Status, Amount, Retainage_Held, Invoice_Code_2 FROM "
        "APM_MASTER__INVOICE WHERE Vendor='PACIFI01' AND Invoice='TO-INV-1'",
    )
    assert inv == (
        "Open",
        1234.56,
        0.0,
        stamp_of(rec.idempotency_key, "APM_MASTER__INVOICE", "Invoice_Code_2"),
    )
    jct = q(
        db,
        "SELECT Transaction_Type, Amount, Commitment, Commitment_Line_Item, "
        "Commitment_Type FROM JCT_CURRENT__TRANSACTION WHERE Invoice='TO-INV-1' "
        "ORDER BY Sequence",
    )
    assert jct == [
        ("AP cost", 1000.0, "25003-003", 1, "Purchase order"),
        ("AP cost", 234.56, "25003-003", 2, "Purchase order"),
    ]
    cm2 = one(
        db,
        "SELECT Amount_Invoiced, Retainage_Held FROM JCM_MASTER__COMMITMENT "
        "WHERE Commitment='25003-003'",
    )
    assert round(cm2[0] - cm[0], 2) == 1234.56 and cm2[1] == cm[1]
    cat2 = one(
        db,
        "SELECT JTD_Cost, Commitment_Invoiced FROM JCM_MASTER__CATEGORY WHERE "
        "Job='25-003' AND Extra='' AND Cost_Code='08-710' AND Category='M'",
    )
    assert round(cat2[0] - cat[0], 2) == 1000.0 and round(cat2[1] - cat[1], 2) == 1000.0
    cc2 = one(
        db,
        "SELECT JTD_Cost FROM JCM_MASTER__COST_CODE WHERE Job='25-003' AND Extra='' "
        "AND Cost_Code='08-710'",
    )
    assert round(cc2 - cc, 2) == 1000.0
    job2 = one(db, "SELECT JTD_Cost FROM JCM_MASTER__JOB WHERE Job='25-003'")
    assert round(job2 - job, 2) == 1234.56
    assert_rollups_tie(db)

    # resubmitting writes nothing more and receipts the same key
    receipts2, rejections2 = conn.submit([rec])
    assert rejections2 == [] and [r.idempotency_key for r in receipts2] == [rec.idempotency_key]
    assert receipts2[0].detail["already_in_sage"] is True
    assert counts(db) == after


def assert_rollups_tie(db: Path) -> None:
    """The generator's roll-up rules hold everywhere (README 'Sage roll-ups')."""
    bad = q(
        db,
        """
        SELECT c.Job, c.Extra, c.Cost_Code, c.Category FROM JCM_MASTER__CATEGORY c
        LEFT JOIN (SELECT Job, Extra, Cost_Code, Category, SUM(Amount) s
                   FROM JCT_CURRENT__TRANSACTION GROUP BY 1,2,3,4) t
          USING (Job, Extra, Cost_Code, Category)
        WHERE abs(c.JTD_Cost - coalesce(t.s, 0)) > 0.005
           OR abs(c.Total_Estimate - c.Original_Estimate - c.Approved_Estimate_Changes) > 0.005
           OR abs(c.Revised_Commitment - c.Original_Commitment - c.Approved_Commitment_Changes)
              > 0.005
        """,
    )
    assert bad == []
    bad = q(
        db,
        """
        SELECT cc.Job, cc.Extra, cc.Cost_Code FROM JCM_MASTER__COST_CODE cc
        JOIN (SELECT Job, Extra, Cost_Code, SUM(JTD_Cost) j, SUM(Total_Estimate) e,
                     SUM(Original_Commitment) oc, SUM(Commitment_Invoiced) ci
              FROM JCM_MASTER__CATEGORY GROUP BY 1,2,3) s USING (Job, Extra, Cost_Code)
        WHERE abs(cc.JTD_Cost - s.j) > 0.005 OR abs(cc.Total_Estimate - s.e) > 0.005
           OR abs(cc.Original_Commitment - s.oc) > 0.005 OR abs(cc.Commitment_Invoiced - s.ci)
              > 0.005
        """,
    )
    assert bad == []
    bad = q(
        db,
        """
        SELECT j.Job FROM JCM_MASTER__JOB j
        JOIN (SELECT Job, SUM(JTD_Cost) c, SUM(Total_Estimate) e, SUM(Original_Commitment) oc,
                     SUM(Approved_Commitment_Changes) ac FROM JCM_MASTER__COST_CODE GROUP BY 1) s
          USING (Job)
        WHERE abs(j.JTD_Cost - s.c) > 0.005 OR abs(j.Total_Estimate - s.e) > 0.005
           OR abs(j.Original_Commitment - s.oc) > 0.005
           OR abs(j.Approved_Commitment_Changes - s.ac) > 0.005
        """,
    )
    assert bad == []
    bad = q(
        db,
        """
        SELECT m.Commitment FROM JCM_MASTER__COMMITMENT m
        JOIN (SELECT Commitment, SUM(Amount) a, SUM(Approved_Commitment_CO_Amount) co,
                     SUM(Amount_Invoiced) inv FROM JCM_MASTER__COMMITMENT_ITEM GROUP BY 1) i
          USING (Commitment)
        WHERE abs(m.Original_Commitment - i.a) > 0.005
           OR abs(m.Approved_Commitment_Changes - i.co) > 0.005
           OR abs(m.Amount_Invoiced - i.inv) > 0.005
        """,
    )
    assert bad == []


def test_assert_rollups_tie_holds_for_generated_company(db: Path) -> None:
    assert_rollups_tie(db)


# ---------------------------------------------------------------- submit: other objects
def test_submit_commitment_then_change_order_then_invoice(
    conn: TestCompanyConnector, db: Path
) -> None:
    cat_sql = (
        "SELECT Original_Commitment, Approved_Commitment_Changes, Revised_Commitment "
        "FROM JCM_MASTER__CATEGORY WHERE Job='25-003' AND Extra='' AND "
        "Cost_Code='08-713' AND Category='M'"
    )
    cat = one(db, cat_sql)
    receipts, rej = conn.submit([commitment()])
    assert rej == [] and receipts[0].sage_key == "25003-901"
    assert one(
        db,
        "SELECT Original_Commitment, Revised_Commitment, Vendor, Ref_1 FROM "
        "JCM_MASTER__COMMITMENT WHERE Commitment='25003-901'",
    ) == (1500.0, 1500.0, "ALLIED01", "c" * 32)
    assert (
        one(db, "SELECT COUNT(*) FROM JCM_MASTER__COMMITMENT_ITEM WHERE Commitment='25003-901'")
        == 2
    )
    cat2 = one(db, cat_sql)
    assert round(cat2[0] - cat[0], 2) == 500.0 and round(cat2[2] - cat[2], 2) == 500.0

    co = change_order(commitment="25003-901", sage_key="25003-901|001", commitment_co="001")
    co = with_line(co, 0, commitment="25003-901", cost_code="08-713", category="M", item_number=2)
    receipts, rej = conn.submit([co])
    assert rej == [] and receipts[0].sage_key == "25003-901|001"
    assert one(
        db,
        "SELECT Approved_Commitment_Changes, Revised_Commitment FROM "
        "JCM_MASTER__COMMITMENT WHERE Commitment='25003-901'",
    ) == (700.0, 2200.0)
    assert (
        one(
            db,
            "SELECT Approved_Commitment_CO_Amount FROM JCM_MASTER__COMMITMENT_ITEM "
            "WHERE Commitment='25003-901' AND Item_Number=2",
        )
        == 700.0
    )
    cat3 = one(db, cat_sql)
    assert round(cat3[1] - cat2[1], 2) == 700.0

    # new scope: a CO line that creates item 3
    co2 = change_order(
        "f" * 32,
        commitment="25003-901",
        commitment_co="002",
        sage_key="25003-901|002",
        amount=D("50.00"),
    )
    co2 = with_line(
        co2,
        0,
        commitment="25003-901",
        cost_code="08-710",
        category="M",
        item_number=3,
        is_new_item=True,
        amount=D("50.00"),
    )
    assert conn.submit([co2])[1] == []
    assert one(
        db,
        "SELECT Amount, Approved_Commitment_CO_Amount FROM "
        "JCM_MASTER__COMMITMENT_ITEM WHERE Commitment='25003-901' AND Item_Number=3",
    ) == (0.0, 50.0)

    inv = ap_invoice(
        "9" * 32, vendor="ALLIED01", invoice="A-1", amount=D("100.00"), retainage=D("10.00")
    )
    inv = with_line(inv, 0, commitment="25003-901", amount=D("100.00"), retainage=D("10.00"))
    inv = with_lines(inv, inv.lines[:1])
    receipts, rej = conn.submit([inv])
    assert rej == []
    assert one(
        db,
        "SELECT Amount_Invoiced, Retainage_Held FROM JCM_MASTER__COMMITMENT "
        "WHERE Commitment='25003-901'",
    ) == (100.0, 10.0)
    assert_rollups_tie(db)

    # the commitment and CO numbers are now taken
    assert "duplicate_commitment" in rules(conn.validate([commitment("x" * 32)]))
    assert "duplicate_change_order" in rules(conn.validate([rekey(co, "y" * 32)]))


def test_submit_estimate_updates_line_code_and_job(conn: TestCompanyConnector, db: Path) -> None:
    rec = estimate(db)
    job = one(db, "SELECT Total_Estimate FROM JCM_MASTER__JOB WHERE Job='25-003'")
    cc = one(
        db,
        "SELECT Original_Estimate, Total_Estimate FROM JCM_MASTER__COST_CODE WHERE "
        "Job='25-003' AND Extra='' AND Cost_Code='08-710'",
    )
    receipts, rej = conn.submit([rec])
    assert rej == [] and receipts[0].sage_key == "25-003||08-710|M"
    o, t, ref = one(
        db,
        "SELECT Original_Estimate, Total_Estimate, Ref_1 FROM "
        "JCM_MASTER__CATEGORY WHERE Job='25-003' AND Extra='' AND "
        "Cost_Code='08-710' AND Category='M'",
    )
    assert D(str(o)).quantize(D("0.01")) == rec.header["original_estimate"]
    assert D(str(t)).quantize(D("0.01")) == rec.header["total_estimate"]
    assert ref == rec.idempotency_key
    cc2 = one(
        db,
        "SELECT Original_Estimate, Total_Estimate FROM JCM_MASTER__COST_CODE WHERE "
        "Job='25-003' AND Extra='' AND Cost_Code='08-710'",
    )
    assert round(cc2[0] - cc[0], 2) == 250.0 and round(cc2[1] - cc[1], 2) == 250.0
    assert (
        round(one(db, "SELECT Total_Estimate FROM JCM_MASTER__JOB WHERE Job='25-003'") - job, 2)
        == 250.0
    )
    assert_rollups_tie(db)
    # the same change again is now stale (Sage moved) — and the same key is receipted
    assert conn.submit([rec])[1] == []
    assert "estimate_changed_in_sage" in rules(conn.validate([rekey(rec, "z" * 32)]))


# ---------------------------------------------------------------- batches, lookup, locks
def test_batch_writes_good_records_and_rejects_bad(conn: TestCompanyConnector, db: Path) -> None:
    good = ap_invoice("1" * 32)
    bad = ap_invoice("2" * 32, vendor="SIERRA02", invoice="26004-008-03")
    before = counts(db)
    receipts, rejections = conn.submit([bad, good])
    assert [r.idempotency_key for r in receipts] == ["1" * 32]
    assert rules(rejections) >= {"vendor_on_hold"}
    assert {r.idempotency_key for r in rejections} == {"2" * 32}
    assert counts(db)["APM_MASTER__INVOICE"] == before["APM_MASTER__INVOICE"] + 1
    assert (
        q(
            db,
            "SELECT * FROM APM_MASTER__INVOICE WHERE Vendor='SIERRA02' AND Invoice='26004-008-03'",
        )
        == []
    )


def test_lookup_finds_submitted_keys_only(conn: TestCompanyConnector, db: Path) -> None:
    recs = [
        ap_invoice("1" * 32),
        commitment("2" * 32),
        change_order("3" * 32),
        estimate(db, "4" * 32),
    ]
    assert conn.lookup([r.idempotency_key for r in recs]) == {}
    receipts, rej = conn.submit(recs)
    assert rej == [] and len(receipts) == 4
    found = conn.lookup([r.idempotency_key for r in recs] + ["5" * 32, "6" * 32])
    assert set(found) == {r.idempotency_key for r in recs}
    assert {k: v.sage_key for k, v in found.items()} == {
        "1" * 32: "PACIFI01|TO-INV-1",
        "2" * 32: "25003-901",
        "3" * 32: "25003-002|901",
        "4" * 32: "25-003||08-710|M",
    }
    # unstamped generated rows are never found
    assert conn.lookup(["", "0" * 32]) == {}


def test_locked_company_is_transient_and_writes_nothing(
    conn: TestCompanyConnector, db: Path
) -> None:
    before = counts(db)
    locker = sqlite3.connect(db, timeout=0)
    try:
        locker.execute("BEGIN IMMEDIATE")
        with pytest.raises(TransientConnectorError):
            conn.submit([ap_invoice()])
    finally:
        locker.rollback()
        locker.close()
    assert counts(db) == before
    assert conn.submit([ap_invoice()])[1] == []


def test_failure_mid_batch_rolls_back_everything(
    conn: TestCompanyConnector, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = counts(db)
    real = TestCompanyConnector._post_commitments

    def boom(self, *args, **kwargs):
        raise RuntimeError("crash in the middle of the post")

    monkeypatch.setattr(TestCompanyConnector, "_post_commitments", boom)
    with pytest.raises(RuntimeError):
        conn.submit([commitment()])
    monkeypatch.setattr(TestCompanyConnector, "_post_commitments", real)
    assert counts(db) == before
    assert conn.lookup(["c" * 32]) == {}


# ---------------------------------------------------------------- records from DuckDB
def test_load_outbound_groups_headers_and_lines() -> None:
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.outbound_ap_invoices as select * from (values "
        "('k1', 'V1|I1', 'V1', 'I1', 30.00::decimal(18,2), false), "
        "('k2', 'V1|I2', 'V1', 'I2', 5.00::decimal(18,2), true)) "
        "t(idempotency_key, sage_key, vendor, invoice, amount, is_blocked)"
    )
    con.execute(
        "create table marts.outbound_ap_invoice_distributions as select * from (values "
        "('k1', 2, 20.00::decimal(18,2)), ('k1', 1, 10.00::decimal(18,2)), "
        "('k2', 1, 5.00::decimal(18,2))) t(idempotency_key, dist_seq, amount)"
    )
    recs = load_outbound(con, "ap_invoices")
    assert [(r.idempotency_key, r.sage_key) for r in recs] == [("k1", "V1|I1")]
    assert [ln["dist_seq"] for ln in recs[0].lines] == [1, 2]
    assert recs[0].header["amount"] == D("30.00")
    assert len(load_outbound(con, "ap_invoices", include_blocked=True)) == 2
    assert load_outbound(con, "ap_invoices", keys=["k2"]) == []
