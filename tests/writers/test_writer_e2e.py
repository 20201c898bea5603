"""The writer against a real built tiny scenario and the real test-company connector:
rejection → write_rejected in the exception queue; kill -9 mid-batch → zero duplicates,
zero losses; the outbox flow on PostgreSQL."""

from __future__ import annotations

import hashlib
import signal
import sqlite3
import uuid
from pathlib import Path

import duckdb
import pytest
from writer_support import tieout_cli

from orchestration.home import sage_company_path
from writers.control import ControlStore
from writers.control.outbox_store import WriterStore

pytestmark = pytest.mark.slow


_tieout = tieout_cli


def _approve_all(home: Path) -> list[str]:
    assert _tieout(home, "write").returncode == 0
    with ControlStore.open(home=home) as store:
        ws = WriterStore(store)
        for batch in ws.batches(status="proposed"):
            ws.approve_batch(batch["id"], actor="carla")
        return [r["idempotency_key"] for r in ws.outbox(status="approved")]


def _sage_counts(home: Path, keys: list[str]) -> dict[str, int]:
    """How many Sage records carry each key's stamp (writers/connectors/test_company.py)."""
    from writers.connectors.test_company import STAMPS, stamp_of

    db = sqlite3.connect(home / "sage" / "company.sqlite")
    counts = dict.fromkeys(keys, 0)
    try:
        for table, column in {v for v in STAMPS.values()}:
            for key in keys:
                stamp = stamp_of(key, table, column)
                n = db.execute(f'SELECT count(*) FROM {table} WHERE "{column}" = ?', (stamp,))
                counts[key] += n.fetchone()[0]
    finally:
        db.close()
    return counts


def test_rejection_becomes_write_rejected_in_the_exception_queue(writer_home: Path) -> None:
    _approve_all(writer_home)
    result = _tieout(writer_home, "write")
    assert result.returncode == 0, result.stderr
    assert "on hold" in result.stderr
    build = _tieout(writer_home, "build", "--select", "stg_control__write_rejections+")
    assert build.returncode == 0, build.stderr[-2000:]
    with duckdb.connect(str(writer_home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select procore_id, sage_key, message, severity, status from marts.exception_queue "
            "where exception_type = 'write_rejected'"
        ).fetchall()
        held = con.execute(
            "select count(*) from marts.outbound_ap_invoices where is_blocked "
            "and blocking_exception_ids is not null"
        ).fetchone()[0]
    assert len(rows) == 1 and rows[0][3:] == ("blocking", "open")
    assert "on hold" in rows[0][2]
    assert held == 1  # the rejected version now waits for a fix


def test_answer_key_write_rejected_matches(writer_built, writer_home: Path) -> None:
    import csv

    with (writer_built.scenario_dir / "expected" / "exceptions.csv").open() as fh:
        want = {
            (int(r["procore_id"]), r["sage_key"])
            for r in csv.DictReader(fh)
            if r["exception_type"] == "write_rejected"
        }
    _approve_all(writer_home)
    _tieout(writer_home, "write")
    with ControlStore.open(home=writer_home) as store:
        got = {(r["source_id"], r["sage_key"]) for r in WriterStore(store).rejections()}
    assert got == want


def test_dry_run_cli_writes_nothing_and_forecasts_sage_s_refusals(writer_home: Path) -> None:
    company = sage_company_path(writer_home)
    before = hashlib.sha256(company.read_bytes()).hexdigest()
    result = _tieout(writer_home, "write", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "would be proposed" in result.stderr
    # the planted case: the vendor on hold, refused by validation before anything is sent
    assert "forecast: Sage's validation would refuse 1 of" in result.stderr, result.stderr
    assert "SIERRA02" in result.stderr and "[vendor_on_hold]" in result.stderr
    with ControlStore.open(home=writer_home) as store:
        assert WriterStore(store).outbox() == []
    assert hashlib.sha256(company.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("crash_at", ["after_mark_in_flight", "after_submit", "after_receipt"])
def test_kill_9_mid_batch_then_rerun_writes_each_row_exactly_once(
    writer_home: Path, crash_at: str
) -> None:
    keys = _approve_all(writer_home)
    assert keys
    killed = _tieout(writer_home, "write", crash_at=crash_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    rerun = _tieout(writer_home, "write")
    assert rerun.returncode == 0, rerun.stderr
    again = _tieout(writer_home, "write")
    assert again.returncode == 0, again.stderr
    with ControlStore.open(home=writer_home) as store:
        ws = WriterStore(store)
        status = {r["idempotency_key"]: r["status"] for r in ws.outbox()}
        ledger = {r["idempotency_key"] for r in ws.ledger()}
    assert all(status[k] in ("written", "rejected") for k in keys), status
    written = [k for k in keys if status[k] == "written"]
    assert set(written) == ledger
    counts = _sage_counts(writer_home, keys)
    assert {k: counts[k] for k in written} == dict.fromkeys(written, 1)  # no dups, no losses
    assert all(counts[k] == 0 for k in keys if status[k] == "rejected")


@pytest.mark.postgres
def test_outbox_flow_on_postgresql(tmp_path: Path) -> None:
    import sqlalchemy as sa
    from writer_support import FakeConnector, ap, make_warehouse

    from writers.writer import RetryPolicy, approve_batch, plan, send

    name = f"tieout_control_test_{uuid.uuid4().hex[:10]}"
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        store = ControlStore.open(url)
    except Exception as exc:
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is needed for this test: {exc}")
    try:
        wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "1.00"), ap("k2", 2, "2.00")])
        connector = FakeConnector(fail_next=1)
        approve_batch(store, plan(wh, store).types["ap_invoices"].proposed_batch, actor="c")
        report = send(store, connector, retry=RetryPolicy(2, 0.01, 0.01), sleep=lambda s: None)
        assert sorted(report.written) == ["k1", "k2"]
        assert {r["idempotency_key"] for r in WriterStore(store).ledger()} == {"k1", "k2"}
    finally:
        store.close()
        admin = sa.create_engine(
            "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_rows_left_in_flight_are_recovered_even_when_nothing_else_is_approved(
    writer_home: Path,
) -> None:
    """One approved batch, killed after it was marked in flight: nothing is approved any
    more, and the rerun must still recover and write it (not say 'nothing to write')."""
    assert _tieout(writer_home, "write").returncode == 0
    with ControlStore.open(home=writer_home) as store:
        ws = WriterStore(store)
        batch = next(b for b in ws.batches(status="proposed") if b["object_type"] == "commitments")
        ws.approve_batch(batch["id"], actor="carla")
        keys = [r["idempotency_key"] for r in ws.outbox() if r["batch_id"] == batch["id"]]
    killed = _tieout(writer_home, "write", crash_at="after_mark_in_flight")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    rerun = _tieout(writer_home, "write")
    assert rerun.returncode == 0, rerun.stderr
    assert "nothing approved to write" not in rerun.stderr
    with ControlStore.open(home=writer_home) as store:
        status = {r["idempotency_key"]: r["status"] for r in WriterStore(store).outbox()}
    assert {status[k] for k in keys} == {"written"}
    assert _sage_counts(writer_home, keys) == dict.fromkeys(keys, 1)
