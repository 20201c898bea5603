"""ImportFileConnector against a real materialised tiny test company (private copy per test):
exact file layouts, the sandbox import stand-in posting them, lookup/confirm over ODBC,
validation before any file, crash safety and convergence, and one run through
writers.writer.send with a control store.

Records and company facts come from test_test_company_connector (job 25-003, PO 25003-003
of PACIFI01, subcontract 25003-002, vendor SIERRA02 on hold, AP month 2026-10).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import test_test_company_connector as tc
from test_test_company_connector import (
    TODAY,
    ap_invoice,
    assert_rollups_tie,
    change_order,
    commitment,
    counts,
    estimate,
    one,
    rekey,
    rules,
    with_line,
)

from sandbox.sage.importer import import_files
from writers.connector import Connector, OutboundRecord
from writers.connectors.import_files import ImportFileConnector, filesets
from writers.connectors.test_company import TestCompanyConnector

D = Decimal
template_db = tc.template_db  # the test company's fixtures, shared
db = tc.db


class Clock:
    """Distinct, ordered batch stems without sleeping."""

    def __init__(self) -> None:
        self.t = dt.datetime(2026, 10, 31, 12, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.t += dt.timedelta(seconds=1)
        return self.t


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "sage_import"


@pytest.fixture
def conn(db: Path, out: Path) -> ImportFileConnector:
    return ImportFileConnector(db, out, today=TODAY, timeout=1, now=Clock())


def vendor(key: str = "v" * 32, **header) -> OutboundRecord:
    h = {
        "idempotency_key": key,
        "source_object": "vendor",
        "source_id": 101,
        "target_object": "APM_MASTER__VENDOR",
        "sage_key": "DELTAC03",
        "vendor": "DELTAC03",
        "name": "Delta Concrete Co",
        "type": "Sub",
        "address_1": "1 Main St",
        "city": "Sacramento",
        "state": "CA",
        "zip": "95809",
        "telephone": None,
        "contact_1_email_address": None,
        "procore_name": "Delta Concrete Co",
        "similar_sage_vendors": None,
        "needs_approval_reason": "New Sage vendor DELTAC03: confirm it is new.",
    }
    h.update(header)
    return OutboundRecord("vendors", key, h["vendor"], h)


def data_files(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_file() and not p.name.endswith(".json"))


def manifests(out: Path) -> list[Path]:
    return sorted(out.glob("*.manifest.json"))


def lines_of(path: Path) -> list[str]:
    raw = path.read_bytes()
    assert raw.endswith(b"\r\n")  # Windows line ends, code page 1252
    return raw.decode("cp1252").split("\r\n")[:-1]


def only_file(out: Path, suffix: str) -> Path:
    (path,) = [p for p in data_files(out) if p.name.endswith(suffix)]
    return path


# ---------------------------------------------------------------- protocol
def test_is_a_connector(conn: ImportFileConnector) -> None:
    assert isinstance(conn, Connector)
    assert conn.name == "import_files"


def test_clean_records_pass_validation(conn: ImportFileConnector, db: Path) -> None:
    assert conn.validate([ap_invoice(), commitment(), change_order(), estimate(db), vendor()]) == []


# ---------------------------------------------------------------- layouts, import, read-back
def _roundtrip(
    conn: ImportFileConnector, db: Path, out: Path, rec: OutboundRecord, suffix: str
) -> list[str]:
    """Submit → file (returned) → nothing in Sage yet → import → Sage holds it."""
    before = counts(db)
    receipts, rejections = conn.submit([rec])
    assert rejections == []
    (receipt,) = receipts
    assert receipt.idempotency_key == rec.idempotency_key
    path = only_file(out, suffix)
    assert receipt.detail["file"] == path.name and receipt.detail["status"] == "submitted"
    assert "awaits" in receipt.detail["note"]
    assert counts(db) == before  # the connector never writes Sage
    key = rec.idempotency_key
    assert conn.confirm([key]) == {key: False}
    assert conn.lookup([key])[key].detail["in_sage"] is False
    content = lines_of(path)

    report = import_files(db, out, today=TODAY, enter_vendor_worksheets=True)
    assert report.imported == 1 and report.rejected == []
    assert not path.exists() and (out / "imported" / path.name).exists()
    assert conn.confirm([key]) == {key: True}
    found = conn.lookup([key])[key]
    assert found.detail["in_sage"] is True and found.detail["status"] == "in_sage"
    assert found.sage_key == rec.sage_key
    assert_rollups_tie(db)
    return content


def test_ap_invoice_api_apd(conn: ImportFileConnector, db: Path, out: Path) -> None:
    lines = _roundtrip(conn, db, out, ap_invoice(), "_ap_invoices.txt")
    assert lines == [
        'API,"PACIFI01","TO-INV-1","25003-003 pay app 9",1234.56,0.00,,,10312026,11302026,10312026',
        'APD,"25003-003",1,"25-003",,"08-710","M","5200",1000.00,0.00,"25003-003 #9 line 1"',
        'APD,"25003-003",2,"25-003",,"08-713","M","5200",234.56,0.00,"25003-003 #9 line 2"',
    ]
    inv = one(
        db,
        "SELECT Amount, Invoice_Code_2, Status FROM APM_MASTER__INVOICE "
        "WHERE Vendor='PACIFI01' AND Invoice='TO-INV-1'",
    )
    assert inv == (1234.56, None, "Open")  # Sage's import carries no tieout stamp
    assert one(db, "SELECT COUNT(*) FROM JCT_CURRENT__TRANSACTION WHERE Invoice='TO-INV-1'") == 2


def test_commitment_c_ci_then_change_order_cco_ccoi(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
) -> None:
    lines = _roundtrip(conn, db, out, commitment(), "_commitments.jcc")
    assert lines == [
        'C,"25003-901",1,"Doors - Allied","ALLIED01",10082026,10.00,1,0,0,,,,,,,,,,',
        'CI,"25003-901",1,"Item 1",10.00,,,"25-003",,"08-710","M",,0.00,0.00,0.00,"LS",1000.00',
        'CI,"25003-901",2,"Item 2",10.00,,,"25-003",,"08-713","M",,0.00,0.00,0.00,"LS",500.00',
    ]
    assert one(
        db,
        "SELECT Vendor, Original_Commitment, Retainage_Percent, Ref_1 FROM "
        "JCM_MASTER__COMMITMENT WHERE Commitment='25003-901'",
    ) == ("ALLIED01", 1500.0, 10.0, None)

    co = change_order(commitment="25003-901", sage_key="25003-901|001", commitment_co="001")
    co = with_line(co, 0, commitment="25003-901", cost_code="08-713", category="M", item_number=2)
    lines = _roundtrip(conn, db, out, co, "_change_orders.jcc")
    assert lines == [
        'CCO,"25003-901","001","CO 901 - extra formwork",0,10212026,,,5',
        'CCOI,"25003-901","001",2,"CO 901 - formwork",0.00,700.00',
    ]
    assert one(
        db,
        "SELECT Approved_Commitment_Changes, Revised_Commitment FROM JCM_MASTER__COMMITMENT "
        "WHERE Commitment='25003-901'",
    ) == (700.0, 2200.0)
    assert one(
        db,
        "SELECT Job, Cost_Code, Category, Amount FROM JCM_MASTER__COMMITMENT_CO_ITEM "
        "WHERE Commitment='25003-901' AND Commitment_CO='001'",
    ) == ("25-003", "08-713", "M", 700.0)


def test_purchase_order_carries_the_po_fields(conn: ImportFileConnector, out: Path) -> None:
    rec = commitment(
        commitment="25003-902",
        sage_key="25003-902",
        commitment_type="Purchase order",
        commitment_type_code=2,
    )
    assert conn.submit([rec])[1] == []
    first = lines_of(only_file(out, "_commitments.jcc"))[0]
    assert first == 'C,"25003-902",2,"Doors - Allied","ALLIED01",10082026,10.00,1,0,0' + "," * 14


def test_estimate_original_and_approved_change(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
) -> None:
    rec = estimate(db)
    lines = _roundtrip(conn, db, out, rec, "_estimates.jce")
    assert lines == [
        '*,"25-003","Sacramento Retail Center"',
        'C,"08-710",,"M",10312026,,,250.00,,,,,',
    ]
    o, a = one(
        db,
        "SELECT Original_Estimate, Approved_Estimate_Changes FROM JCM_MASTER__CATEGORY "
        "WHERE Job='25-003' AND Extra='' AND Cost_Code='08-710' AND Category='M'",
    )
    assert D(str(o)).quantize(D("0.01")) == rec.header["original_estimate"]

    # an approved estimate change goes to its own file (imported with the option checked)
    sa = D(str(a)).quantize(D("0.01"))
    so = D(str(o)).quantize(D("0.01"))
    change = estimate(
        db,
        "f" * 32,
        original_estimate=so,
        original_estimate_change=D("0.00"),
        approved_estimate_changes=sa + D("75.50"),
        approved_estimate_change=D("75.50"),
        total_estimate=so + sa + D("75.50"),
    )
    lines = _roundtrip(conn, db, out, change, "_estimate_changes.jce")
    assert lines == [
        '*,"25-003","Sacramento Retail Center"',
        'C,"08-710",,"M",10312026,,,75.50,,,,,',
    ]
    assert D(
        str(
            one(
                db,
                "SELECT Approved_Estimate_Changes FROM JCM_MASTER__CATEGORY WHERE Job='25-003' "
                "AND Extra='' AND Cost_Code='08-710' AND Category='M'",
            )
        )
    ).quantize(D("0.01")) == sa + D("75.50")
    # the first estimate no longer matches what Sage holds: confirm says so
    assert conn.confirm([rec.idempotency_key]) == {rec.idempotency_key: False}


def test_vendor_worksheet_waits_for_a_person(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
) -> None:
    rec = vendor()
    receipts, rejections = conn.submit([rec])
    assert rejections == [] and "no vendor import layout" in receipts[0].detail["note"]
    path = only_file(out, "_vendors_worksheet.csv")
    assert lines_of(path) == [
        '"Vendor","Name","Type","Address 1","City","State","ZIP","Telephone","E-mail",'
        '"Procore name","Similar Sage vendors","Note"',
        '"DELTAC03","Delta Concrete Co","Sub","1 Main St","Sacramento","CA","95809","","",'
        '"Delta Concrete Co","","Enter by hand in Sage AP > Vendors: Sage has no vendor import '
        'layout (reference §5.5). New Sage vendor DELTAC03: confirm it is new."',
    ]
    # Sage's import does not take it: left in place until someone enters it
    report = import_files(db, out, today=TODAY)
    assert report.imported == 0 and report.files[0].waiting and path.exists()
    assert conn.confirm([rec.idempotency_key]) == {rec.idempotency_key: False}
    # the person enters it (played by the stand-in): now Sage holds it
    report = import_files(db, out, today=TODAY, enter_vendor_worksheets=True)
    assert report.imported == 1
    assert one(db, "SELECT Name FROM APM_MASTER__VENDOR WHERE Vendor='DELTAC03'") == (
        "Delta Concrete Co"
    )
    assert conn.confirm([rec.idempotency_key]) == {rec.idempotency_key: True}
    assert "duplicate_vendor" in rules(conn.validate([vendor("w" * 32)]))


def test_date_format_is_a_setting(db: Path, out: Path) -> None:
    conn = ImportFileConnector(db, out, today=TODAY, timeout=1, date_format="%m/%d/%Y")
    assert conn.submit([ap_invoice()])[1] == []
    first = lines_of(only_file(out, "_ap_invoices.txt"))[0]
    assert first.endswith(",10/31/2026,11/30/2026,10/31/2026")
    assert import_files(db, out, today=TODAY, date_format="%m/%d/%Y").imported == 1
    assert one(
        db,
        "SELECT Invoice_Date, Payment_Date FROM APM_MASTER__INVOICE "
        "WHERE Vendor='PACIFI01' AND Invoice='TO-INV-1'",
    ) == ("2026-10-31", "2026-11-30")


def test_jce_groups_lines_under_job_and_extra_headers() -> None:
    from writers.connectors.import_files import formats

    def est(key: str, job: str, extra: str, code: str, change: str) -> OutboundRecord:
        h = {
            "job": job,
            "extra": extra,
            "cost_code": code,
            "category": "L",
            "original_estimate_change": D(change),
            "approved_estimate_change": D("0.00"),
        }
        return OutboundRecord("jc_estimates", key, f"{job}|{extra}|{code}|L", h)

    files, where = formats.render(
        [
            est("k3", "25-004", "", "01-100", "5.00"),
            est("k2", "25-003", "02", "01-100", "-2.50"),
            est("k1", "25-003", "", "01-100", "1.00"),
        ],
        date_format="%m%d%Y",
        day=TODAY,
        job_descriptions={"25-003": "Retail", "25-004": 'Clinic "B"'},
    )
    (jce,) = files
    assert jce.lines == [
        '*,"25-003","Retail"',
        'C,"01-100",,"L",10312026,,,1.00,,,,,',
        'E,"02"',
        'C,"01-100",,"L",10312026,,,-2.50,,,,,"02"',
        '*,"25-004","Clinic ""B"""',
        'C,"01-100",,"L",10312026,,,5.00,,,,,',
    ]
    assert [(loc.first_line, loc.last_line) for loc in where["k2"]] == [(4, 4)]


# ---------------------------------------------------------------- rejected before any file
REJECT: list[tuple[str, Callable[[Path], OutboundRecord], str]] = [
    ("ap vendor on hold", lambda db: ap_invoice(vendor="SIERRA02"), "vendor_on_hold"),
    ("ap duplicate invoice", lambda db: ap_invoice(invoice="25003-003-01"), "duplicate_invoice"),
    (
        "ap closed period",
        lambda db: ap_invoice(accounting_date=dt.date(2026, 9, 30)),
        "period_closed",
    ),
    ("cm exists", lambda db: commitment(commitment="25003-002"), "duplicate_commitment"),
    ("cm job closed", lambda db: commitment(job="21-700"), "job_closed"),
    (
        "co future date",
        lambda db: change_order(date=dt.date(2026, 11, 2)),
        "change_order_future_date",
    ),
    (
        "co item missing",
        lambda db: with_line(change_order(), 0, item_number=7),
        "commitment_item_not_found",
    ),
    (
        "est not standard",
        lambda db: estimate(db, category="Z", sage_key="25-003||08-710|Z"),
        "category_not_standard",
    ),
]


@pytest.mark.parametrize(("name", "build", "rule"), REJECT, ids=[c[0] for c in REJECT])
def test_same_rules_as_the_test_company_and_no_file(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
    name: str,
    build,
    rule: str,
) -> None:
    rec = build(db)
    same = TestCompanyConnector(db, today=TODAY, timeout=1).validate([rec])
    assert rule in rules(same)
    assert rules(conn.validate([rec])) == rules(same)
    receipts, rejections = conn.submit([rec])
    assert receipts == [] and rules(rejections) == rules(same)
    assert not out.exists() or list(out.iterdir()) == []


LAYOUT_REJECT: list[tuple[str, Callable[[Path], OutboundRecord], str]] = [
    (
        "vendor exists",
        lambda db: vendor(vendor="PACIFI01", sage_key="PACIFI01"),
        "duplicate_vendor",
    ),
    ("vendor name too long", lambda db: vendor(name="x" * 31), "field_too_long"),
    (
        "co adds a new item",
        lambda db: with_line(change_order(), 0, item_number=9, is_new_item=True),
        "not_in_layout",
    ),
    ("ap line break", lambda db: ap_invoice(description="pay\napp"), "bad_value"),
    ("ap not cp1252", lambda db: ap_invoice(description="pay app ✓"), "bad_value"),
    (
        "ap amount digits",
        lambda db: with_line(
            with_line(ap_invoice(amount=D("1000000234.56")), 0, amount=D("1000000000.00")),
        ),
        "field_too_long",
    ),
    (
        "ar invoices",
        lambda db: OutboundRecord("ar_invoices", "r" * 32, "25-003|1", {"amount": D("1.00")}),
        "unsupported_object",
    ),
]


@pytest.mark.parametrize(
    ("name", "build", "rule"), LAYOUT_REJECT, ids=[c[0] for c in LAYOUT_REJECT]
)
def test_layout_rules_reject_before_any_file(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
    name: str,
    build,
    rule: str,
) -> None:
    rec = build(db)
    receipts, rejections = conn.submit([rec])
    assert receipts == [] and rule in rules(rejections), rejections
    assert all(r.idempotency_key == rec.idempotency_key and r.reason for r in rejections)
    assert not out.exists() or list(out.iterdir()) == []


def test_batch_writes_the_good_and_rejects_the_bad(
    conn: ImportFileConnector,
    out: Path,
) -> None:
    good, bad = ap_invoice("1" * 32), ap_invoice("2" * 32, vendor="SIERRA02", invoice="X-1")
    receipts, rejections = conn.submit([bad, good])
    assert [r.idempotency_key for r in receipts] == ["1" * 32]
    assert {r.idempotency_key for r in rejections} == {"2" * 32}
    assert len(lines_of(only_file(out, "_ap_invoices.txt"))) == 3
    (manifest,) = manifests(out)
    assert [e["idempotency_key"] for e in json.loads(manifest.read_text())["records"]] == ["1" * 32]


# ---------------------------------------------------------------- the importer's reject file
def test_importer_rejects_what_sage_refuses_into_a_reject_file(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
) -> None:
    a, b = ap_invoice("1" * 32), ap_invoice("2" * 32, invoice="TO-INV-2")
    assert conn.submit([a, b])[1] == []
    path = only_file(out, "_ap_invoices.txt")
    # between writing and importing, someone enters TO-INV-2 by hand in Sage
    import sqlite3

    with sqlite3.connect(db) as c:
        c.execute(
            "INSERT INTO APM_MASTER__INVOICE (Vendor, Invoice, Status, Amount) "
            "VALUES ('PACIFI01', 'TO-INV-2', 'Open', 99.00)"
        )
    report = import_files(db, out, today=TODAY)
    assert report.imported == 1
    assert [(r.first_line, r.last_line, r.rule) for r in report.rejected] == [
        (4, 6, "duplicate_invoice")
    ]
    reject = out / report.files[0].reject_file
    assert lines_of(reject) == lines_of(out / "imported" / path.name)[3:]
    assert conn.confirm(["1" * 32, "2" * 32]) == {"1" * 32: True, "2" * 32: False}
    assert conn.lookup(["2" * 32])["2" * 32].detail["status"] == "processed_not_in_sage"


# ---------------------------------------------------------------- crash safety, convergence
def test_a_key_in_a_manifest_is_not_written_twice(conn: ImportFileConnector, out: Path) -> None:
    rec = ap_invoice()
    first = conn.submit([rec])[0]
    files = data_files(out)
    again, rejections = conn.submit([rec])
    assert rejections == [] and data_files(out) == files and len(manifests(out)) == 1
    assert again[0].detail["file"] == first[0].detail["file"]
    # a fresh connector (a restarted writer) sees the same manifest
    fresh = ImportFileConnector(conn.database, out, today=TODAY, timeout=1)
    assert set(fresh.lookup([rec.idempotency_key, "z" * 32])) == {rec.idempotency_key}
    assert fresh.submit([rec])[0][0].detail["file"] == first[0].detail["file"]
    assert data_files(out) == files


def test_lookup_needs_only_the_manifest_when_sage_is_unreachable(
    conn: ImportFileConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    from writers.connector import TransientConnectorError

    rec = ap_invoice()
    conn.submit([rec])

    def down(entries):
        raise TransientConnectorError("Sage server rebooting")

    monkeypatch.setattr(conn, "_held", down)
    found = conn.lookup([rec.idempotency_key])[rec.idempotency_key]
    assert found.detail["status"] == "submitted" and "in_sage" not in found.detail
    with pytest.raises(TransientConnectorError):
        conn.confirm([rec.idempotency_key])


def test_half_written_files_are_ignored(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
) -> None:
    # a crash before the commit point: a staging folder without manifest, a stray temp file
    staging = out / ".staging-tieout-20261031T000000000000-deadbeef"
    staging.mkdir(parents=True)
    (staging / "tieout-20261031T000000000000-deadbeef_ap_invoices.txt").write_text("API,")
    (out / "tieout-x_ap_invoices.txt.tmp").write_text('API,"PACIFI01"')
    before = counts(db)
    assert import_files(db, out, today=TODAY).files == []  # Sage sees nothing
    assert conn.lookup(["a" * 32]) == {} and counts(db) == before
    assert not staging.exists()  # dropped: it was never committed
    _, rejections = conn.submit([ap_invoice()])
    assert rejections == [] and import_files(db, out, today=TODAY).imported == 1


def test_crash_after_the_commit_point_rolls_forward(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def crash(out_dir: Path, staging: Path) -> None:
        raise KeyboardInterrupt("killed after the manifest was staged")

    monkeypatch.setattr(filesets, "_roll_forward", crash)
    rec = ap_invoice()
    with pytest.raises(KeyboardInterrupt):
        conn.submit([rec])
    monkeypatch.undo()
    assert data_files(out) == []  # nothing visible to Sage yet
    # the restarted writer asks lookup: the key counts as submitted, the set is finished
    assert set(conn.lookup([rec.idempotency_key])) == {rec.idempotency_key}
    assert len(data_files(out)) == 1 and len(manifests(out)) == 1
    assert conn.submit([rec])[1] == [] and len(data_files(out)) == 1
    assert import_files(db, out, today=TODAY).imported == 1
    assert conn.confirm([rec.idempotency_key]) == {rec.idempotency_key: True}


def test_rerun_after_import_converges(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
) -> None:
    batch = [ap_invoice("1" * 32), ap_invoice("2" * 32, invoice="TO-INV-2")]
    conn.submit(batch)
    import_files(db, out, today=TODAY)
    after = counts(db)
    receipts, rejections = conn.submit(batch)  # the writer resends after a crash
    assert rejections == [] and len(receipts) == 2
    assert all(r.detail["status"] == "submitted" for r in receipts)  # from the manifests
    assert import_files(db, out, today=TODAY).files == []
    assert counts(db) == after
    assert conn.confirm(["1" * 32, "2" * 32]) == {"1" * 32: True, "2" * 32: True}
    # the same invoice under a new key is Sage's duplicate, not a second file
    receipts, rejections = conn.submit([rekey(batch[0], "3" * 32)])
    assert receipts == [] and "duplicate_invoice" in rules(rejections)


def test_a_new_version_waits_for_the_file_sage_has_not_imported(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
) -> None:
    first = estimate(db)
    assert conn.submit([first])[1] == []
    # the mart recomputes the same line (new key) before Sage imported the first file
    second = estimate(
        db,
        "9" * 32,
        original_estimate=first.header["original_estimate"] + D("50.00"),
        original_estimate_change=D("300.00"),
        total_estimate=first.header["total_estimate"] + D("50.00"),
    )
    receipts, rejections = conn.submit([second])
    assert receipts == [] and [(r.rule, r.transient) for r in rejections] == [
        ("awaiting_import", True)
    ]
    assert len(data_files(out)) == 1
    import_files(db, out, today=TODAY)
    # now Sage moved: the stale second version is Sage's rule, not a double post
    assert "estimate_changed_in_sage" in rules(conn.validate([second]))


def test_sage_is_only_ever_opened_read_only(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sandbox.sage import odbc

    modes: list[bool] = []
    real = odbc.connect

    def spy(*args, **kwargs):
        modes.append(kwargs.get("read_only", True))
        return real(*args, **kwargs)

    monkeypatch.setattr(odbc, "connect", spy)
    before = counts(db)
    rec = ap_invoice()
    conn.validate([rec])
    conn.submit([rec])
    conn.lookup([rec.idempotency_key])
    conn.confirm([rec.idempotency_key])
    assert modes and all(modes) and counts(db) == before


# ---------------------------------------------------------------- through the writer
def test_send_through_the_writer(
    conn: ImportFileConnector,
    db: Path,
    out: Path,
    store,
) -> None:
    from writers.control.outbox_store import WriterStore
    from writers.outbox import Candidate
    from writers.writer import RetryPolicy, send

    ws = WriterStore(store)
    good = ap_invoice("1" * 32)
    bad = ap_invoice("2" * 32, vendor="SIERRA02", invoice="X-1", source_id=2)
    ws.enqueue(
        "ap_invoices", [Candidate(good).entry(), Candidate(bad).entry()], actor="t", approve=True
    )
    fast = RetryPolicy(attempts=2, base_seconds=0.01, max_seconds=0.02)
    report = send(store, conn, actor="writer", object_types=["ap_invoices"], retry=fast)
    assert report.written == ["1" * 32] and "vendor_on_hold" in rules(report.rejected)
    (entry,) = [r for r in ws.ledger() if r["idempotency_key"] == "1" * 32]
    detail = json.loads(entry["receipt"])["detail"]
    assert entry["connector"] == "import_files" and detail["status"] == "submitted"
    assert detail["file"].endswith("_ap_invoices.txt") and "awaits" in detail["note"]
    assert send(store, conn, object_types=["ap_invoices"], retry=fast).written == []
    assert len(data_files(out)) == 1
    import_files(db, out, today=TODAY)
    assert conn.confirm(["1" * 32]) == {"1" * 32: True}


# ---------------------------------------------------------------- CLI wiring
def test_cli_chooses_the_connector(db: Path, tmp_path: Path) -> None:
    from orchestration.control_commands import CommandError
    from orchestration.write_commands import _connector

    chosen = _connector(db, "import-files", tmp_path / "drop")
    assert isinstance(chosen, ImportFileConnector) and chosen.out_dir == tmp_path / "drop"
    assert isinstance(_connector(db), TestCompanyConnector)
    with pytest.raises(CommandError, match="import-files"):
        _connector(db, "ftp")


# ---------------------------------------------------------------- end to end, real marts
@pytest.mark.slow
def test_cli_import_files_with_a_kill_then_sage_import(writer_home: Path) -> None:
    """Real outbound rows of the built tiny scenario → `tieout write --connector
    import-files`, killed after submit, rerun → the stand-in imports them → every written
    key is confirmed in Sage exactly once; rerunning writes nothing more."""
    import signal

    from test_writer_e2e import _approve_all, _tieout

    from writers.control import ControlStore
    from writers.control.outbox_store import WriterStore

    keys = _approve_all(writer_home)
    assert keys
    args = ("write", "--connector", "import-files")
    killed = _tieout(writer_home, *args, crash_at="after_submit")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    for _ in range(2):
        rerun = _tieout(writer_home, *args)
        assert rerun.returncode == 0, rerun.stderr
    out = writer_home / "sage_import"
    with ControlStore.open(home=writer_home) as store:
        ws = WriterStore(store)
        status = {r["idempotency_key"]: r["status"] for r in ws.outbox()}
    written = [k for k in keys if status[k] == "written"]
    assert written and all(status[k] in ("written", "rejected") for k in keys), status
    listed = [
        e["idempotency_key"] for m in manifests(out) for e in json.loads(m.read_text())["records"]
    ]
    assert sorted(listed) == sorted(written)  # each written key in exactly one manifest

    db_path = writer_home / "sage" / "company.sqlite"
    before = counts(db_path)
    report = import_files(db_path, out, enter_vendor_worksheets=True)
    assert [(f.name, r.rule, r.reason) for f in report.files for r in f.rejected] == []
    assert report.imported >= len(written)  # an estimate may span two files
    confirmed = ImportFileConnector(db_path, out).confirm(written)
    assert confirmed == dict.fromkeys(written, True)
    assert counts(db_path) != before
    again = _tieout(writer_home, *args)
    assert again.returncode == 0, again.stderr
    assert import_files(db_path, out).files == []  # nothing new was written
