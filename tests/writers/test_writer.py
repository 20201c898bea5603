"""The writer's logic on a hand-made warehouse and a connector double: approval gate,
auto-approval rules, blocked rows, dry run, retry with backoff, supersede, audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from writer_support import FakeConnector, ap, make_warehouse

from writers.control.outbox_store import WriterStore
from writers.writer import RetryPolicy, approve_batch, plan, send

FAST = RetryPolicy(attempts=4, base_seconds=0.01, max_seconds=0.05)


def _statuses(store) -> dict[str, str]:
    return {r["idempotency_key"]: r["status"] for r in WriterStore(store).outbox()}


def test_supervised_writes_nothing_until_a_controller_approves(tmp_path: Path, store) -> None:
    wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "100.00"), ap("k2", 2, "200.00")])
    connector = FakeConnector()
    result = plan(wh, store, actor="writer")
    assert result.mode == "supervised"
    batch_id = result.types["ap_invoices"].proposed_batch
    assert batch_id and not result.would_write
    report = send(store, connector, retry=FAST)
    assert connector.submits == 0 and report.written == []
    assert _statuses(store) == {"k1": "pending", "k2": "pending"}

    approve_batch(store, batch_id, actor="carla")
    report = send(store, connector, actor="writer", retry=FAST)
    assert sorted(report.written) == ["k1", "k2"] and sorted(connector.held) == ["k1", "k2"]
    ws = WriterStore(store)
    assert {r["idempotency_key"] for r in ws.ledger()} == {"k1", "k2"}
    assert ws.batch(batch_id)["status"] == "done"
    assert ws.batch(batch_id)["approved_by"] == "carla"
    # planning and sending again writes nothing twice
    assert plan(wh, store).types["ap_invoices"].proposed == []
    send(store, connector, retry=FAST)
    assert connector.submits == 1
    actions = [(a["action"], a["actor"], a["result"]) for a in store.audit(limit=None)]
    assert ("write.approve", "carla", "ok") in actions
    assert actions.count(("write.submit", "writer", "in_flight")) == 2
    assert actions.count(("write.receipt", "writer", "written")) == 2
    approve = next(a for a in store.audit(limit=None) if a["action"] == "write.approve")
    assert approve["before"]["status"] == "proposed" and approve["after"]["status"] == "approved"


def test_approving_twice_or_an_unknown_batch_says_what_to_do(tmp_path: Path, store) -> None:
    from writers.control import ControlNotFoundError, ControlValidationError

    wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "100.00")])
    batch_id = plan(wh, store).types["ap_invoices"].proposed_batch
    approve_batch(store, batch_id, actor="carla")
    with pytest.raises(ControlValidationError, match="not proposed"):
        approve_batch(store, batch_id, actor="carla")
    with pytest.raises(ControlNotFoundError, match="tieout write batches"):
        approve_batch(store, 999, actor="carla")


def test_auto_mode_approves_what_the_rules_allow(tmp_path: Path, store) -> None:
    rows = [
        ap("small", 1, "900.00"),
        ap("large", 2, "50000.00"),
        ap("flagged", 3, "10.00", needs_approval_reason="final invoice"),
    ]
    wh = make_warehouse(tmp_path / "w.duckdb", rows)
    ws = WriterStore(store)
    ws.set_write_mode("auto", actor="carla")
    ws.set_rule("ap_invoices", enabled=True, max_amount="1000", actor="carla")
    connector = FakeConnector()
    result = plan(wh, store)
    tp = result.types["ap_invoices"]
    assert [c.key for c in tp.auto_approved] == ["small"]
    assert sorted(c.key for c in tp.proposed) == ["flagged", "large"]
    send(store, connector, retry=FAST)
    assert sorted(connector.held) == ["small"]
    assert ws.batch(tp.approved_batch)["approved_by"] == "auto-approval"
    assert ws.batch(tp.proposed_batch)["status"] == "proposed"


def test_auto_mode_without_a_rule_proposes_everything(tmp_path: Path, store) -> None:
    wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "1.00")])
    WriterStore(store).set_write_mode("auto", actor="carla")
    tp = plan(wh, store).types["ap_invoices"]
    assert tp.auto_approved == [] and [c.key for c in tp.proposed] == ["k1"]


def test_blocked_rows_never_enter_the_outbox(tmp_path: Path, store) -> None:
    wh = make_warehouse(
        tmp_path / "w.duckdb", [ap("ok", 1, "1.00"), ap("held", 2, "2.00", blocked=True)]
    )
    plan(wh, store)
    assert _statuses(store) == {"ok": "pending"}


def test_a_row_blocked_after_approval_is_withdrawn_not_sent(tmp_path: Path, store) -> None:
    wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "1.00")])
    approve_batch(store, plan(wh, store).types["ap_invoices"].proposed_batch, actor="carla")
    make_warehouse(wh, [ap("k1", 1, "1.00", blocked=True)])
    connector = FakeConnector()
    plan(wh, store)
    send(store, connector, retry=FAST)
    assert connector.held == {} and _statuses(store) == {"k1": "superseded"}


def test_dry_run_writes_nothing_and_shows_what_would_be_written(tmp_path: Path, store) -> None:
    wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "100.00")])
    ws = WriterStore(store)
    ws.set_write_mode("auto", actor="carla")
    ws.set_rule("ap_invoices", enabled=True, actor="carla")
    audit_before = len(store.audit(limit=None))
    result = plan(wh, store, dry_run=True)
    assert [r.idempotency_key for r in result.would_write] == ["k1"]
    record = result.would_write[0]
    assert str(record.header["amount"]) == "100.00" and len(record.lines) == 1
    assert ws.outbox() == [] and ws.batches() == []
    assert len(store.audit(limit=None)) == audit_before


def test_transient_errors_retry_with_backoff(tmp_path: Path, store) -> None:
    wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "1.00")])
    approve_batch(store, plan(wh, store).types["ap_invoices"].proposed_batch, actor="carla")
    connector = FakeConnector(fail_next=2)
    waits: list[float] = []
    report = send(store, connector, retry=FAST, sleep=waits.append)
    assert report.written == ["k1"] and report.retries == 2 and report.ok
    assert waits == [0.01, 0.02]  # exponential
    assert connector.submits == 3 and list(connector.held) == ["k1"]


def test_transient_errors_past_the_bound_wait_for_the_next_run(tmp_path: Path, store) -> None:
    wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "1.00")])
    approve_batch(store, plan(wh, store).types["ap_invoices"].proposed_batch, actor="carla")
    connector = FakeConnector(fail_next=10)
    waits: list[float] = []
    report = send(store, connector, retry=FAST, sleep=waits.append)
    assert not report.ok and report.deferred == ["k1"] and connector.submits == 4
    assert waits == [0.01, 0.02, 0.04]
    row = WriterStore(store).outbox()[0]
    assert row["status"] == "approved" and "company locked" in row["last_error"]
    assert row["next_attempt_at"] is not None


def test_rejection_is_recorded_and_a_corrected_row_supersedes_it(tmp_path: Path, store) -> None:
    wh = make_warehouse(tmp_path / "w.duckdb", [ap("v1", 7, "10.00")])
    connector = FakeConnector(reject={"V|INV7": "Vendor V is on hold in Sage."})
    approve_batch(store, plan(wh, store).types["ap_invoices"].proposed_batch, actor="carla")
    report = send(store, connector, retry=FAST)
    assert [r.reason for r in report.rejected] == ["Vendor V is on hold in Sage."]
    ws = WriterStore(store)
    (rejection,) = ws.rejections()
    assert (rejection["source_object"], rejection["source_id"], rejection["sage_key"]) == (
        "requisition",
        7,
        "V|INV7",
    )
    assert rejection["rule"] == "vendor_on_hold" and rejection["superseded_by"] is None
    assert _statuses(store) == {"v1": "rejected"}
    reject_audit = next(a for a in store.audit(limit=None) if a["action"] == "write.reject")
    assert reject_audit["result"] == "rejected"

    # the controller fixes the source: a new version (new key) of the same requisition
    make_warehouse(wh, [ap("v2", 7, "10.00")])
    connector.reject.clear()
    approve_batch(store, plan(wh, store).types["ap_invoices"].proposed_batch, actor="carla")
    send(store, connector, retry=FAST)
    assert _statuses(store) == {"v1": "superseded", "v2": "written"}
    assert ws.rejections(include_superseded=False) == []
    assert ws.rejections()[0]["superseded_by"] == "v2"


def test_a_big_batch_is_submitted_in_slices_and_ends_done(tmp_path: Path, store) -> None:
    rows = [ap(f"k{n:02d}", n, f"{n}.00") for n in range(1, 8)]
    wh = make_warehouse(tmp_path / "w.duckdb", rows)
    batch_id = plan(wh, store).types["ap_invoices"].proposed_batch
    approve_batch(store, batch_id, actor="carla")
    connector = FakeConnector()
    report = send(store, connector, retry=FAST, submit_size=3)
    assert connector.submits == 3  # 3 + 3 + 1
    assert len(report.written) == 7 and set(_statuses(store).values()) == {"written"}
    assert WriterStore(store).batch(batch_id)["status"] == "done"
    with pytest.raises(ValueError, match="submit_size"):
        send(store, connector, submit_size=0)
