"""The writer lease: a second writer never recovers (and resends) a running writer's rows;
a lease left by a killed writer is taken over at once; both control-store backends."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from writer_support import FakeConnector, ap, make_warehouse

from writers.control import ControlStore
from writers.control.lease import LEASE_KEY, WriterBusyError, WriterLease, current_holder
from writers.control.outbox_store import WriterStore
from writers.control.store import _now
from writers.writer import RetryPolicy, approve_batch, plan, send

FAST = RetryPolicy(attempts=2, base_seconds=0.01, max_seconds=0.02)


def _dead_pid() -> int:
    """A pid that existed a moment ago and is gone now."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _plant(store: ControlStore, *, pid: int, host: str | None = None, minutes: int = 30) -> None:
    """Store a lease as another writer would have left it."""
    now = _now()
    holder = {
        "token": "someone-else",
        "host": host or socket.gethostname(),
        "pid": pid,
        "acquired_at": now.isoformat(timespec="seconds"),
        "expires_at": (now + timedelta(minutes=minutes)).isoformat(timespec="seconds"),
    }
    from writers.control import schema

    with store._write() as conn:
        conn.execute(
            schema.settings.insert().values(
                key=LEASE_KEY, value=json.dumps(holder), updated_at=now, updated_by="writer"
            )
        )


def _approved_in_flight(tmp_path: Path, store: ControlStore) -> tuple[FakeConnector, int]:
    """One approved AP invoice, claimed (in flight) as a running writer would have it."""
    wh = make_warehouse(tmp_path / "w.duckdb", [ap("k1", 1, "100.00")])
    batch_id = plan(wh, store).types["ap_invoices"].proposed_batch
    approve_batch(store, batch_id, actor="carla")
    WriterStore(store).claim(["k1"], connector="fake", actor="writer")
    return FakeConnector(), batch_id


def test_a_live_writer_s_lease_stops_a_second_writer_before_it_touches_anything(
    tmp_path: Path, store
) -> None:
    connector, _ = _approved_in_flight(tmp_path, store)
    _plant(store, pid=1)  # pid 1 is alive: another writer mid-batch
    with pytest.raises(WriterBusyError, match="another `tieout write` is sending"):
        send(store, connector, retry=FAST)
    # its in-flight row was neither looked up nor sent again
    assert connector.submits == 0
    assert WriterStore(store).outbox()[0]["status"] == "in_flight"


def test_a_lease_left_by_a_killed_writer_is_taken_over_and_audited(tmp_path: Path, store) -> None:
    connector, _ = _approved_in_flight(tmp_path, store)
    _plant(store, pid=_dead_pid())
    report = send(store, connector, retry=FAST)
    assert report.resubmitted == 1 and report.written == ["k1"]
    assert current_holder(store) is None  # released after the run
    takeover = [a for a in store.audit(limit=None) if a["action"] == "write.lease_takeover"]
    assert len(takeover) == 1 and takeover[0]["result"] == "holder_gone"


def test_an_expired_lease_from_another_host_is_taken_over(tmp_path: Path, store) -> None:
    connector, _ = _approved_in_flight(tmp_path, store)
    _plant(store, pid=1, host="another-host", minutes=-1)
    assert send(store, connector, retry=FAST).written == ["k1"]
    takeover = [a for a in store.audit(limit=None) if a["action"] == "write.lease_takeover"]
    assert takeover[0]["result"] == "expired"


def test_a_live_lease_on_another_host_is_respected_until_it_expires(store) -> None:
    _plant(store, pid=1, host="another-host")
    with pytest.raises(WriterBusyError, match="another-host"):
        WriterLease(store, actor="writer").acquire()


def test_renew_refuses_once_the_lease_was_taken_over(store) -> None:
    lease = WriterLease(store, actor="writer", seconds=-1)  # expires at once
    lease.acquire()
    WriterLease(store, actor="writer").acquire()  # takes the expired lease
    with pytest.raises(WriterBusyError, match="taken over"):
        lease.renew()


@pytest.mark.postgres
def test_lease_on_postgresql(pg_database) -> None:
    with ControlStore.open(pg_database()) as store:
        first = WriterLease(store, actor="writer")
        first.acquire()
        with pytest.raises(WriterBusyError):
            WriterLease(store, actor="writer").acquire()
        first.renew()
        first.release()
        assert current_holder(store) is None
        with WriterLease(store, actor="writer"):
            assert current_holder(store) is not None
