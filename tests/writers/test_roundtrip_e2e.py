"""Read-back, end to end on the built tiny scenario (issue 6): propose, approve every batch,
`tieout write`, re-sync Sage, `tieout build` — every written record is confirmed by the
next sync, nothing the writer wrote is still an open exception, and a second `tieout
write` writes nothing. And the failure it exists for: a written record that vanished from
Sage before the sync is an open `write_rejected` / `not_in_sage` exception.

Only Sage is re-synced: the writer changes Sage, not Procore. The control store is
snapshotted by `tieout build` itself.
"""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import duckdb
import pytest
from writer_support import tieout_cli

from writers.control import ControlStore
from writers.control.outbox_store import WriterStore

pytestmark = pytest.mark.slow


_tieout = tieout_cli


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-2000:])
    return result


def _query(home: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _written(home: Path) -> list[dict[str, Any]]:
    """Every ledger row with its outbox row's object and source (what the writer wrote)."""
    with ControlStore.open(home=home) as store:
        ws = WriterStore(store)
        outbox = {r["idempotency_key"]: r for r in ws.outbox()}
        return [
            {
                **row,
                "object_type": outbox[row["idempotency_key"]]["object_type"],
                "source_id": outbox[row["idempotency_key"]]["source_id"],
            }
            for row in ws.ledger()
        ]


def _counts(home: Path) -> tuple[int, int]:
    with ControlStore.open(home=home) as store:
        ws = WriterStore(store)
        return len(ws.ledger()), len(ws.outbox())


def _propose_approve_write(home: Path) -> list[dict[str, Any]]:
    """`tieout write` proposes, carla approves every batch, `tieout write` sends them."""
    proposed = _ok(_tieout(home, "write"))
    assert "proposed" in proposed.stdout + proposed.stderr
    with ControlStore.open(home=home) as store:
        ws = WriterStore(store)
        for batch in ws.batches(status="proposed"):
            ws.approve_batch(batch["id"], actor="carla")
    _ok(_tieout(home, "write"))
    written = _written(home)
    assert written, "the tiny scenario offers rows to write"
    return written


def _resync_and_rebuild(home: Path) -> None:
    _ok(_tieout(home, "sync", "sage"))
    _ok(_tieout(home, "build"))


def _open_about(home: Path, written: list[dict[str, Any]]) -> list[tuple]:
    """Open exceptions about a written object: its Procore source, or its Sage record
    (same table and key; another commitment's line on the same category is not it)."""
    ids = [w["source_id"] for w in written]
    keys = [w["sage_key"] for w in written]
    return _query(
        home,
        "select q.exception_type, q.procore_id, q.sage_object, q.sage_key, q.field, q.message "
        "from marts.exception_queue as q "
        "where q.status = 'open' and (list_contains(?, q.procore_id) or ("
        "  list_contains(?, q.sage_key) and q.sage_object in (select w.sage_object "
        "  from marts.write_confirmations as w where w.sage_key = q.sage_key)))",
        [ids, keys],
    )


def test_round_trip_confirms_every_write_and_a_second_write_writes_nothing(
    writer_home: Path,
) -> None:
    home = writer_home
    written = _propose_approve_write(home)
    types = {w["object_type"] for w in written}
    assert {"commitments", "ap_invoices"} <= types, types
    open_before = _open_about(home, written)  # the warehouse still holds the pre-write build
    assert open_before, "the written rows were open exceptions before (missing in Sage)"

    # built before any Sage sync: too early to say, and no false alarm
    _ok(_tieout(home, "build", "--select", "stg_control__write_ledger+"))
    assert set(
        _query(home, "select status, count(*) from marts.write_confirmations group by status")
    ) == {("awaiting_sync", len(written))}
    assert _query(home, "select count(*) from marts.exception_queue where field = 'not_in_sage'")[
        0
    ] == (0,)

    _resync_and_rebuild(home)

    confirmations = dict(
        _query(home, "select idempotency_key, status from marts.write_confirmations")
    )
    assert confirmations == {w["idempotency_key"]: "confirmed" for w in written}
    assert _open_about(home, written) == []
    closed = _query(
        home,
        "select exception_type, procore_id, status, resolved_by from marts.exception_queue "
        "where exception_type in ('invoice_missing_in_sage', 'commitment_missing_in_sage', "
        "'change_order_missing_in_sage') and list_contains(?, procore_id)",
        [[w["source_id"] for w in written]],
    )
    assert closed and {(s, by) for *_, s, by in closed} == {("resolved", "source")}
    assert _query(home, "select count(*) from marts.exception_queue where field = 'not_in_sage'")[
        0
    ] == (0,)

    before = _counts(home)
    again = _ok(_tieout(home, "write"))
    output = again.stdout + again.stderr
    assert "proposed" not in output and "written" not in output, output
    assert "nothing approved to write" in output
    assert _counts(home) == before  # no new ledger row, no new outbox row


def test_a_write_missing_from_the_next_sync_is_an_open_not_in_sage_exception(
    writer_home: Path,
) -> None:
    home = writer_home
    written = _propose_approve_write(home)
    lost = next(w for w in written if w["object_type"] == "ap_invoices")
    vendor, invoice = lost["sage_key"].split("|")
    sage = sqlite3.connect(home / "sage" / "company.sqlite")  # the stand-in company file
    try:
        with sage:
            for table in ("APM_MASTER__DISTRIBUTION", "APM_MASTER__INVOICE"):
                sage.execute(
                    f"DELETE FROM {table} WHERE Vendor = ? AND Invoice = ?", (vendor, invoice)
                )
    finally:
        sage.close()

    _resync_and_rebuild(home)

    status = dict(_query(home, "select idempotency_key, status from marts.write_confirmations"))
    assert status.pop(lost["idempotency_key"]) == "missing_in_sage"
    assert set(status.values()) == {"confirmed"}
    rows = _query(
        home,
        "select exception_id, exception_type, severity, status, procore_id, sage_key, "
        "procore_value, project_id, job, message from marts.exception_queue "
        "where field = 'not_in_sage'",
    )
    assert len(rows) == 1
    exception_id, kind, severity, state, procore_id, sage_key, key, project, job, message = rows[0]
    assert (kind, severity, state) == ("write_rejected", "blocking", "open")
    assert (procore_id, sage_key, key) == (
        lost["source_id"],
        lost["sage_key"],
        lost["idempotency_key"],
    )
    assert project is not None and job
    assert "test-company" in message and "import log" in message
    # the same version is held (not sent twice): blocked in the mart, known to the ledger
    held = _query(
        home,
        "select is_blocked, blocking_exception_ids from marts.outbound_ap_invoices "
        "where idempotency_key = ?",
        [lost["idempotency_key"]],
    )
    assert held == [(True, exception_id)]
    before = _counts(home)
    again = _ok(_tieout(home, "write"))
    assert "written" not in again.stdout + again.stderr
    assert _counts(home) == before
