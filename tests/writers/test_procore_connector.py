"""The Procore connector against the running emulator over HTTP: validate, submit (sync
actions, ≤1000 per call), lookup by origin_id + our key in origin_data, rejections in
plain words, 429/5xx retried by the client then TransientConnectorError, and crash
recovery (a submit whose answer was lost is found by lookup, never created twice)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from pipelines.procore.settings import ProcoreSettings
from sandbox.procore.server import EmulatorServer
from sandbox.procore.settings import EmulatorSettings
from sandbox.scenario import load_scenario
from tests.emulator import factories as f
from tests.emulator.dataset import DC1, P1, VENDORS, WOC1, WOC2, full_data
from writers.connector import OutboundRecord, TransientConnectorError
from writers.connectors.procore import ProcoreConnector

SYNC_VENDORS = "RestV10VendorsSyncPatch"
FAST = ProcoreSettings(backoff_seconds=0.01, backoff_max_seconds=0.02, max_retries=2)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorServer]:
    root = f.write_scenario(tmp_path_factory.mktemp("procore_writes") / "s", full_data())
    with EmulatorServer(load_scenario(root), EmulatorSettings(), port=0) as server:
        yield server


@pytest.fixture
def srv(emulator: EmulatorServer) -> EmulatorServer:
    emulator.reset()
    return emulator


def connect(srv: EmulatorServer, records: dict[str, OutboundRecord] | None = None, **kw):
    """A connector on the emulator; `records` plays the outbox (key → record)."""
    book = records if records is not None else {}
    overrides = {
        "base_url": srv.url,
        "login_url": srv.url,
        "client_id": f.CLIENT_ID,
        "client_secret": f.CLIENT_SECRET,
        "company_id": f.COMPANY_ID,
    }
    return ProcoreConnector.from_settings(
        overrides,
        resolve=lambda keys: {k: book[k] for k in keys if k in book},
        settings=kw.get("settings", FAST),
    )


def vendor_row(key: str, code: str, name: str, **extra: object) -> OutboundRecord:
    header = {
        "idempotency_key": key,
        "source_object": "sage_vendor",
        "source_id": None,
        "sage_key": code,
        "origin_id": code,
        "origin_code": code,
        "origin_data": json.dumps({"sage_vendor": code}),
        "name": name,
        "city": "Austin",
        "state_code": "TX",
        "is_active": True,
        "procore_vendor_id": None,
        **extra,
    }
    return OutboundRecord("procore_vendors", key, code, header)


def link_row(key: str, commitment_id: int, origin: str, kind: str = "work_order_contract"):
    header = {
        "idempotency_key": key,
        "source_object": kind,
        "source_id": commitment_id,
        "project_id": P1,
        "sage_key": origin,
        "procore_commitment_id": commitment_id,
        "origin_id": origin,
        "origin_code": origin,
        "origin_data": json.dumps({"job": "1001", "vendor": "SIERRA01"}),
    }
    return OutboundRecord("procore_commitment_links", key, origin, header)


def dc_row(key: str, origin: str, *amounts: str) -> OutboundRecord:
    from datetime import date

    header = {
        "idempotency_key": key,
        "source_object": "sage_job_cost",
        "source_id": None,
        "project_id": P1,
        "sage_key": origin,
        "origin_id": origin,
        "origin_data": json.dumps({"job": "1001"}),
        "direct_cost_type": "expense",
        "status": "approved",
        "direct_cost_date": date(2024, 5, 31),
        "description": "Sage job cost to date",
        "amount": sum((Decimal(a) for a in amounts), Decimal("0")),
    }
    lines = [
        {
            "idempotency_key": key,
            "line_number": n,
            "amount": Decimal(a),
            "cost_code_id": 9_000_001,
            "line_item_type_id": 8_000_001,
            "description": f"line {n}",
        }
        for n, a in enumerate(amounts, start=1)
    ]
    return OutboundRecord("procore_direct_costs", key, origin, header, tuple(lines))


def stats(srv: EmulatorServer) -> dict:
    return httpx.get(f"{srv.url}/_admin/stats").json()["by_operation"]


def vendors_with_origin(srv: EmulatorServer, origin: str) -> list[dict]:
    return [
        r
        for r in srv.state.store.query("vendors")
        if r.get("origin_id") == origin and not r.get("deleted_at")
    ]


# --- validate --------------------------------------------------------------------------


def test_validate_checks_what_procore_would_refuse(srv: EmulatorServer) -> None:
    taken = f.vendor(VENDORS[0])["origin_id"]  # already an ERP link in Procore
    batch = [
        vendor_row("k-ok", "NEW01", "New Co"),
        vendor_row("k-noname", "NONAME01", ""),
        vendor_row("k-link-noname", "LINKNN01", "", procore_vendor_id=VENDORS[1]),  # a link
        vendor_row("k-dup1", "DUP01", "Dup A"),
        vendor_row("k-dup2", "DUP01", "Dup B"),
        vendor_row("k-taken", taken, "Someone"),
        vendor_row("k-gone", "GONE01", "Gone", procore_vendor_id=VENDORS[4]),
        link_row("k-link-gone", 1, "SC-X"),
    ]
    found = {r.idempotency_key: r for r in connect(srv).validate(batch)}
    assert set(found) == {"k-noname", "k-dup2", "k-taken", "k-gone", "k-link-gone"}
    assert found["k-taken"].rule == "origin_id_taken"
    assert f"Procore vendor {VENDORS[0]}" in found["k-taken"].reason
    assert found["k-dup2"].rule == "origin_id_duplicate_in_batch"
    assert "no longer exists" in found["k-link-gone"].reason
    assert not any(k in stats(srv) for k in ("RestV10VendorsSyncPatch",))  # nothing written


# --- submit / lookup -------------------------------------------------------------------


def test_submit_creates_vendors_in_one_call_and_lookup_finds_them(srv: EmulatorServer) -> None:
    batch = [vendor_row(f"k{i}", f"NEW{i:02d}", f"New Co {i}") for i in range(3)]
    book = {r.idempotency_key: r for r in batch}
    connector = connect(srv, book)
    receipts, rejections = connector.submit(batch)
    assert rejections == []
    assert sorted(r.idempotency_key for r in receipts) == ["k0", "k1", "k2"]
    assert stats(srv)["RestV10VendorsSyncPatch"] == 1
    created = vendors_with_origin(srv, "NEW01")
    assert len(created) == 1 and json.loads(created[0]["origin_data"])["tieout_key"] == "k1"
    assert set(connect(srv, book).lookup(["k0", "k1", "k2", "unknown"])) == {"k0", "k1", "k2"}
    # sent again (e.g. the receipt was never recorded): receipted, not re-sent
    again, _ = connect(srv, book).submit(batch)
    assert len(again) == 3 and stats(srv)["RestV10VendorsSyncPatch"] == 1


def test_a_name_match_links_the_existing_vendor_by_id(srv: EmulatorServer) -> None:
    row = vendor_row("k-link", "LINK01", "Vendor 5000002", procore_vendor_id=VENDORS[1])
    receipts, rejections = connect(srv).submit([row])
    assert rejections == [] and receipts[0].detail["id"] == VENDORS[1]
    assert srv.state.store.get("vendors", VENDORS[1])["origin_id"] == "LINK01"


def test_more_than_1000_vendors_go_in_calls_of_1000(srv: EmulatorServer) -> None:
    batch = [vendor_row(f"b{i}", f"BULK{i:04d}", f"Bulk {i}") for i in range(1001)]
    receipts, rejections = connect(srv).submit(batch)
    assert rejections == [] and len(receipts) == 1001
    assert stats(srv)["RestV10VendorsSyncPatch"] == 2


def test_commitment_links_set_origin_id_and_a_taken_one_is_rejected(srv: EmulatorServer) -> None:
    connector = connect(srv)
    receipts, rejections = connector.submit([link_row("l1", WOC1, "1001-SC-01")])
    assert rejections == [] and receipts[0].sage_key == "1001-SC-01"
    stored = srv.state.store.get("work_order_contracts", WOC1)
    assert stored["origin_id"] == "1001-SC-01"
    assert json.loads(stored["origin_data"]) == {
        "job": "1001",
        "tieout_key": "l1",
        "vendor": "SIERRA01",
    }
    _, refused = connector.submit([link_row("l2", WOC2, "1001-SC-01")])
    assert [(r.idempotency_key, r.rule) for r in refused] == [("l2", "origin_id_taken")]
    assert "already the ERP link of Procore commitment" in refused[0].reason


def test_per_entity_sync_errors_become_rejections(srv: EmulatorServer) -> None:
    """A rule only Procore checks (here: the origin_id was taken between our read and
    the write) comes back as a plain-words rejection for that record alone."""
    connector = connect(srv)
    state_before = connector._state([vendor_row("x", "RACE01", "Race")])
    srv.state.store.upsert(
        "vendors",
        {"name": "Raced", "origin_id": "RACE01", "_scope": {"company_id": f.COMPANY_ID}},
    )
    got, refused = connector._sync(
        "/rest/v1.0/vendors/sync",
        "RestV10VendorsSyncPatch",
        {"company_id": f.COMPANY_ID},
        [vendor_row("x", "RACE01", "Race", procore_vendor_id=VENDORS[2])],
    )
    assert state_before.holder("procore_vendors", "RACE01") is None
    assert got == [] and refused[0].rule == "origin_id_taken"
    assert refused[0].reason.startswith("Procore refused vendor RACE01: origin_id has already")


def test_direct_costs_with_lines_and_a_locked_one(srv: EmulatorServer) -> None:
    row = dc_row("d1", "JC|1001|01-100|L|2024-05", "1200.50", "99.50")
    book = {"d1": row}
    receipts, rejections = connect(srv, book).submit([row])
    assert rejections == [] and receipts[0].detail["grand_total"] == "1300.00"
    assert set(connect(srv, book).lookup(["d1"])) == {"d1"}
    other = dc_row("d2", "JC|1001|01-100|L|2024-05", "5.00")
    refused = connect(srv).validate([other])
    assert refused[0].rule == "direct_cost_locked"
    srv.state.store.update("direct_costs", DC1, {"origin_id": None})  # untouched seed row
    bad = dc_row("d3", "JC|BAD", "1.00")
    bad = OutboundRecord(bad.object_type, "d3", bad.sage_key, bad.header, ())
    assert connect(srv).validate([bad])[0].field == "line_items"


# --- transient failures ----------------------------------------------------------------


def test_5xx_and_429_are_retried_by_the_client(srv: EmulatorServer) -> None:
    srv.set_faults(
        server_errors={
            "next_requests": 2,
            "statuses": [502],
            "operation": SYNC_VENDORS,
        }
    )
    receipts, _ = connect(srv).submit([vendor_row("r1", "RETRY01", "Retry Co")])
    assert len(receipts) == 1
    srv.set_faults(
        server_errors=None,
        rate_limit_storm={
            "next_requests": 1,
            "retry_after": 0,
            "operation": SYNC_VENDORS,
        },
    )
    receipts, _ = connect(srv).submit([vendor_row("r2", "RETRY02", "Retry Two")])
    assert len(receipts) == 1
    assert len(vendors_with_origin(srv, "RETRY01")) == 1  # retried PATCH: still one vendor


def test_5xx_after_the_client_retries_is_transient(srv: EmulatorServer) -> None:
    srv.set_faults(
        server_errors={
            "next_requests": 10,
            "statuses": [503],
            "retry_after": 0,
            "operation": SYNC_VENDORS,
        }
    )
    with pytest.raises(TransientConnectorError, match="after retries"):
        connect(srv).submit([vendor_row("t1", "DOWN01", "Down Co")])


def test_a_lost_answer_is_found_by_lookup_and_not_created_twice(srv: EmulatorServer) -> None:
    """The PATCH reached Procore but its answer was lost (a crash, a cut connection): the
    writer asks lookup before sending again; lookup finds it by origin_id + our key."""
    row = vendor_row("lost", "LOST01", "Lost Answer Co")
    book = {"lost": row}
    srv.set_faults(
        body_corruption={"mode": "truncate", "next_requests": 10, "operation": SYNC_VENDORS}
    )
    with pytest.raises(TransientConnectorError):
        connect(srv, book).submit([row])
    srv.set_faults(body_corruption=None)
    assert len(vendors_with_origin(srv, "LOST01")) == 1  # it was written
    found = connect(srv, book).lookup(["lost"])
    assert found["lost"].sage_key == "LOST01"
    receipts, _ = connect(srv, book).submit([row])  # a resubmit anyway: still one vendor
    assert receipts[0].idempotency_key == "lost"
    assert len(vendors_with_origin(srv, "LOST01")) == 1


def test_lookup_without_a_resolver_scans_vendors_for_our_key(srv: EmulatorServer) -> None:
    connect(srv).submit([vendor_row("scan", "SCAN01", "Scan Co")])
    bare = connect(srv, {})
    assert set(bare.lookup(["scan", "nope"])) == {"scan"}


def test_no_secret_in_errors(srv: EmulatorServer, caplog: pytest.LogCaptureFixture) -> None:
    srv.set_faults(
        server_errors={
            "next_requests": 10,
            "statuses": [500],
            "operation": SYNC_VENDORS,
        }
    )
    connector = connect(srv)
    with pytest.raises(TransientConnectorError) as info:
        connector.submit([vendor_row("s1", "SEC01", "Secret Co")])
    token = connector.client.token()
    assert token and token not in str(info.value) and f.CLIENT_SECRET not in str(info.value)
    assert token not in caplog.text and f.CLIENT_SECRET not in caplog.text


def test_submitted_requests_conform_to_the_published_request_schemas(
    srv: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.emulator.test_writes import request_errors

    sent: list[tuple[str, dict]] = []
    connector = connect(srv)
    real = connector.client.rest.request

    def spy(path: str, method: str = "GET", **kw: object):
        if method == "PATCH":
            sent.append((path, kw["json"]))  # type: ignore[arg-type]
        return real(path, method=method, **kw)

    monkeypatch.setattr(connector.client.rest, "request", spy)
    connector.submit(
        [
            vendor_row("c1", "SCH01", "Schema Co"),
            link_row("c2", WOC1, "SCH-SC"),
            dc_row("c3", "JC|SCH", "1.00"),
        ]
    )
    ops = {
        "/rest/v1.0/vendors/sync": "RestV10VendorsSyncPatch",
        "/rest/v1.0/work_order_contracts/sync": "RestV10WorkOrderContractsSyncPatch",
        f"/rest/v1.0/projects/{P1}/direct_costs/sync": (
            "RestV10ProjectsProjectIdDirectCostsSyncPatch"
        ),
    }
    assert {p for p, _ in sent} == set(ops)
    for path, body in sent:
        assert request_errors(ops[path], body) == [], path


# --- cost to complete (Advanced Forecasting rows) --------------------------------------
FORECAST_OP = "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsPost"
LINE, WBS = 4_710_000_001, 4_720_000_001


def with_wbs(srv: EmulatorServer) -> None:
    """The dataset's budget line gets a WBS code (Procore's forecasting rows need one)."""
    srv.state.store.update("budget_detail_rows", LINE, {"wbs_code_id": WBS})


def ftc_row(key: str, amount: str, line: int = LINE, wbs: int | None = WBS) -> OutboundRecord:
    header = {
        "idempotency_key": key,
        "source_object": "procore_budget_line_item",
        "source_id": line,
        "project_id": P1,
        "sage_key": "1001||01-100|L",
        "origin_id": "1001||01-100|L",
        "budget_line_item_id": line,
        "wbs_code_id": wbs,
        "forecast_to_complete": Decimal(amount),
        "full_code": "01-100",
        "line_item_type_code": "L",
    }
    return OutboundRecord("procore_cost_to_complete", key, "1001||01-100|L", header)


def line_forecast(srv: EmulatorServer) -> dict | None:
    return (srv.state.store.get("budget_detail_rows", LINE) or {}).get("budget_forecast")


def test_cost_to_complete_is_written_and_a_rerun_or_lookup_finds_it(srv: EmulatorServer) -> None:
    with_wbs(srv)
    row = ftc_row("ftc1", "600.25")
    book = {"ftc1": row}
    receipts, rejections = connect(srv, book).submit([row])
    assert rejections == []
    assert [r.idempotency_key for r in receipts] == ["ftc1"]
    assert receipts[0].detail["forecast_to_complete"] == "600.25"
    assert (line_forecast(srv) or {})["amount"] == "600.25"
    assert stats(srv)[FORECAST_OP] == 1
    assert set(connect(srv, book).lookup(["ftc1"])) == {"ftc1"}
    again, _ = connect(srv, book).submit([row])  # already held: receipted, not re-sent
    assert [r.idempotency_key for r in again] == ["ftc1"] and stats(srv)[FORECAST_OP] == 1
    other = ftc_row("ftc2", "10.00")  # Sage's value moved: a new key, a new write
    assert connect(srv, {"ftc2": other}).lookup(["ftc2"]) == {}


def test_cost_to_complete_validation_and_a_refused_row_names_itself(
    srv: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector = connect(srv)
    cases = {  # one per batch: a batch takes one forecast per budget line
        "no-wbs": ftc_row("no-wbs", "1.00", wbs=None),
        "gone": ftc_row("gone", "1.00", line=4_799_999_999),
        "neg": ftc_row("neg", "-5.00"),
        "wbs-moved": ftc_row("wbs-moved", "1.00"),  # the line has no WBS code in Procore
    }
    found = {k: [r.rule for r in connector.validate([row])] for k, row in cases.items()}
    assert found == {
        "no-wbs": ["wbs_code_missing"],
        "gone": ["budget_line_gone"],
        "neg": ["forecast_invalid"],
        "wbs-moved": ["wbs_code_changed"],
    }

    with_wbs(srv)
    twice = connector.validate([ftc_row("a", "1.00"), ftc_row("b", "2.00")])
    assert [r.rule for r in twice] == ["budget_line_duplicate_in_batch"]
    # A 422 for a chunk is retried row by row; only the bad row is rejected.
    import writers.connectors.procore as procore

    real = procore._forecast_row

    def bad_second(record: OutboundRecord) -> dict:
        row = real(record)
        if record.idempotency_key == "bad":
            row["curve"] = "sideways"
        return row

    monkeypatch.setattr(procore, "_forecast_row", bad_second)
    good = ftc_row("good", "7.00")
    bad = OutboundRecord(
        "procore_cost_to_complete",
        "bad",
        "x",
        {**ftc_row("bad", "8.00").header, "budget_line_item_id": LINE, "project_id": P1},
    )
    connector = connect(srv)
    receipts, rejections = connector._forecast(P1, [good, bad])
    assert [r.idempotency_key for r in receipts] == ["good"]
    assert [(r.idempotency_key, r.rule) for r in rejections] == [("bad", "procore_refused")]
    assert "01-100 L" in rejections[0].reason


def test_forecast_request_conforms_and_sends_numbers_not_floats(
    srv: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.emulator.test_writes import _request_validator

    with_wbs(srv)
    sent: list[bytes] = []
    connector = connect(srv)
    real = connector.client.rest.request

    def spy(path: str, method: str = "GET", **kw: object):
        if method == "POST":
            sent.append(kw["data"])  # type: ignore[arg-type]
        return real(path, method=method, **kw)

    monkeypatch.setattr(connector.client.rest, "request", spy)
    connector.submit([ftc_row("n1", "1234567.89")])
    (raw,) = sent
    assert b'"forecast_to_complete":1234567.89' in raw
    body = json.loads(raw, parse_float=Decimal)
    assert [e.message for e in _request_validator(FORECAST_OP).iter_errors(body)] == []
