"""The writer stage: plan what may be written, gate it on approval, send it through a
Connector with an outbox, so a crash at any point never writes twice or loses a row.

    plan(warehouse, store, actor=…)        marts.outbound_* → outbox (batches per object type)
    approve_batch(store, batch_id, actor=…) a controller's approval
    send(store, connector, actor=…)        recover in-flight rows, then submit approved ones

`plan` offers only rows that are not blocked (`is_blocked` false) and whose key is neither
in the outbox nor in the idempotency ledger. Supervised mode (the default for a new
company) proposes one batch per object type and writes nothing until a controller approves
it; auto mode approves the rows its rule allows (enabled, amount within `max_amount`, no
`needs_approval_reason`) and proposes the rest.

`send` commits each step before the next one starts: rows are marked in flight (commit),
submitted, then the receipts (ledger + written) and rejections (write_rejections +
rejected) are recorded (commit). On restart it first asks the connector's `lookup` which
in-flight keys Sage already holds: those are receipted, the others go back to approved and
are submitted again. `TIEOUT_WRITER_CRASH_AT=after_mark_in_flight|after_submit|
after_receipt` kills the process (SIGKILL) at that step, for the fault-injection tests.

One writer sends at a time (`writers.control.lease`): `send` holds the writer lease while
it recovers and submits, so a second `tieout write` started meanwhile stops with a message
naming the running one instead of "recovering" rows that are not stranded. Recovery only
asks the connector about rows of the object types it is sending (each connector knows only
its own keys).
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from writers.connector import Connector, OutboundRecord, Rejection, TransientConnectorError
from writers.control.lease import WriterLease
from writers.control.outbox_store import WriterStore
from writers.control.store import ControlStore
from writers.outbox import Candidate, check_object_types, decode_record, read_candidates

log = logging.getLogger(__name__)

CRASH_ENV = "TIEOUT_WRITER_CRASH_AT"
CRASH_POINTS = ("after_mark_in_flight", "after_submit", "after_receipt")
WRITER_ACTOR = "writer"
# Records per connector call. The test company posts a call in one transaction, holding
# Sage's write lock meanwhile: bench measured ~210 records/CPU-s, so 500 keep it to a few
# seconds, well inside the connector's 15 s lock wait (a 12-month catch-up in one call
# held it 21.7 s). A crash loses at most one call's worth of receipts to `lookup`.
SUBMIT_SIZE = 500


def crash_point(name: str) -> None:
    """Fault injection: SIGKILL this process when TIEOUT_WRITER_CRASH_AT names `name`."""
    if name in (os.environ.get(CRASH_ENV) or "").split(","):
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class RetryPolicy:
    """Transient connector errors: up to `attempts` tries per batch, waiting
    `base_seconds` · 2^n (at most `max_seconds`) between them; after that the rows wait
    `max_seconds` (their next_attempt_at) for the next run."""

    attempts: int = 4
    base_seconds: float = 0.5
    max_seconds: float = 30.0

    def delay(self, attempt: int) -> float:
        return min(self.base_seconds * (2 ** (attempt - 1)), self.max_seconds)


# --- plan ---------------------------------------------------------------------------------


@dataclass
class TypePlan:
    object_type: str
    offered: int = 0  # unblocked rows in the mart
    already: int = 0  # in the outbox or the ledger already
    auto_approved: list[Candidate] = field(default_factory=list)
    proposed: list[Candidate] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    approved_batch: int | None = None
    proposed_batch: int | None = None


@dataclass
class Plan:
    mode: str
    types: dict[str, TypePlan] = field(default_factory=dict)
    waiting: list[dict[str, Any]] = field(default_factory=list)  # approved rows in the outbox

    @property
    def would_write(self) -> list[OutboundRecord]:
        """Every record a send after this plan would submit (approved in the outbox, plus
        what the rules approve now)."""
        withdrawn = {k for t in self.types.values() for k in t.withdrawn}
        records = [decode_record(r) for r in self.waiting if r["idempotency_key"] not in withdrawn]
        records += [c.record for t in self.types.values() for c in t.auto_approved]
        return records

    @property
    def awaiting_approval(self) -> list[OutboundRecord]:
        return [c.record for t in self.types.values() for c in t.proposed]


def _auto_allows(rule: dict[str, Any] | None, candidate: Candidate) -> bool:
    if rule is None or not rule["enabled"] or candidate.needs_approval_reason:
        return False
    limit = rule["max_amount"]
    if limit is None:
        return True
    amount = candidate.amount
    return amount is not None and amount <= Decimal(limit)


def plan(
    warehouse: Path,
    store: ControlStore,
    *,
    actor: str = WRITER_ACTOR,
    object_types: Sequence[str] | None = None,
    dry_run: bool = False,
) -> Plan:
    """Put the mart's new, unblocked rows into the outbox (nothing when `dry_run`)."""
    types = check_object_types(object_types)
    ws = WriterStore(store)
    candidates = read_candidates(warehouse, types)
    mode = ws.write_mode()
    rules = ws.rules() if mode == "auto" else {}
    result = Plan(mode=mode)
    for object_type in types:
        offered = candidates[object_type]
        tp = TypePlan(object_type, offered=len(offered))
        result.types[object_type] = tp
        keys = {c.key for c in offered}
        rows = {r["idempotency_key"]: r for r in ws.outbox(object_type=object_type)}
        known = ws.known(keys)
        # withdrawn earlier (blocked then), offered again: enqueue afresh
        back = [
            k
            for k, status in known.items()
            if status == "superseded" and rows.get(k, {}).get("superseded_by") is None
        ]
        new = [c for c in offered if c.key not in known or c.key in back]
        tp.already = len(offered) - len(new)
        tp.withdrawn = [
            k for k, r in rows.items() if r["status"] in ("pending", "approved") and k not in keys
        ]
        rule = rules.get(object_type)
        for candidate in new:
            (tp.auto_approved if _auto_allows(rule, candidate) else tp.proposed).append(candidate)
        if dry_run:
            continue
        if tp.withdrawn:
            ws.withdraw(
                tp.withdrawn,
                reason=f"no longer offered by marts.outbound_{object_type}: a blocking "
                "exception holds it, or Sage no longer needs it",
                actor=actor,
            )
        if back:
            ws.requeue(back, actor=actor)
        batch = ws.enqueue(
            object_type, [c.entry() for c in tp.auto_approved], actor=actor, approve=True
        )
        tp.approved_batch = batch["id"] if batch else None
        batch = ws.enqueue(
            object_type, [c.entry() for c in tp.proposed], actor=actor, approve=False
        )
        tp.proposed_batch = batch["id"] if batch else None
    result.waiting = [r for r in ws.due() if r["object_type"] in types]
    return result


def predict_rejections(records: Sequence[OutboundRecord], connector: Connector) -> list[Rejection]:
    """What the connector's validation would refuse now, without writing (a dry run's
    forecast: Sage may still change before the real send). One `validate` per object type,
    since a batch holds one type."""
    by_type: dict[str, list[OutboundRecord]] = {}
    for record in records:
        by_type.setdefault(record.object_type, []).append(record)
    rejections: list[Rejection] = []
    for batch in by_type.values():
        rejections += connector.validate(batch)
    return rejections


def approve_batch(store: ControlStore, batch_id: int, *, actor: str) -> dict[str, Any]:
    return WriterStore(store).approve_batch(batch_id, actor=actor)


# --- send ---------------------------------------------------------------------------------


@dataclass
class SendReport:
    recovered: int = 0  # in-flight rows found in Sage after a crash
    resubmitted: int = 0  # in-flight rows not in Sage, sent again
    written: list[str] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    retries: int = 0
    deferred: list[str] = field(default_factory=list)  # transient failures: next run
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.deferred and not self.errors

    def merge(self, other: SendReport) -> None:
        """Add another send's outcome (one `tieout write` sends once per target system)."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def send(
    store: ControlStore,
    connector: Connector,
    *,
    actor: str = WRITER_ACTOR,
    object_types: Sequence[str] | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    submit_size: int = SUBMIT_SIZE,
) -> SendReport:
    """Recover in-flight rows, then submit every due approved row, batch by batch, at most
    `submit_size` records per connector call (one Sage transaction each)."""
    if submit_size < 1:
        raise ValueError("submit_size must be at least 1")
    retry = retry or RetryPolicy()
    types = check_object_types(object_types)
    ws = WriterStore(store)
    report = SendReport()
    # one writer at a time: recovery below assumes nobody else has rows in flight
    with WriterLease(store, actor=actor) as lease:
        _recover(
            ws,
            connector,
            [r["idempotency_key"] for r in ws.in_flight() if r["object_type"] in types],
            actor,
            report,
            retry,
            sleep,
            count=True,
        )
        batches: dict[int, list[dict[str, Any]]] = {}
        for row in ws.due():
            if row["object_type"] in types:
                batches.setdefault(row["batch_id"], []).append(row)
        for rows in batches.values():
            for start in range(0, len(rows), submit_size):
                lease.renew()
                claimed = ws.claim(
                    [r["idempotency_key"] for r in rows[start : start + submit_size]],
                    connector=connector.name,
                    actor=actor,
                )
                if not claimed:
                    continue
                crash_point("after_mark_in_flight")
                _submit(ws, connector, claimed, actor, report, retry, sleep)
    return report


def _submit(
    ws: WriterStore,
    connector: Connector,
    rows: list[dict[str, Any]],
    actor: str,
    report: SendReport,
    retry: RetryPolicy,
    sleep: Callable[[float], None],
) -> None:
    records = {r["idempotency_key"]: decode_record(r) for r in rows}
    pending = list(records)
    for attempt in range(1, retry.attempts + 1):
        try:
            receipts, rejections = connector.submit([records[k] for k in pending])
        except TransientConnectorError as exc:
            if attempt == retry.attempts:
                _defer(ws, pending, f"{attempt} attempts failed: {exc}", actor, report, retry)
                return
            report.retries += 1
            log.info(
                "transient connector error (%s); retry %d in %.1fs",
                exc,
                attempt,
                retry.delay(attempt),
            )
            sleep(retry.delay(attempt))
            # a timed-out submit may have written: ask before sending again
            pending = _recover(ws, connector, pending, actor, report, retry, sleep, release=False)
            if not pending:
                return
            continue
        crash_point("after_submit")
        _record(ws, connector, pending, receipts, rejections, actor, report, retry)
        crash_point("after_receipt")
        return


def _record(
    ws: WriterStore,
    connector: Connector,
    keys: list[str],
    receipts: Sequence[Any],
    rejections: Sequence[Rejection],
    actor: str,
    report: SendReport,
    retry: RetryPolicy,
) -> None:
    wanted = set(keys)
    got = [r for r in receipts if r.idempotency_key in wanted]
    ws.record_receipts([_receipt(r) for r in got], connector=connector.name, actor=actor)
    report.written += [r.idempotency_key for r in got]
    final = [r for r in rejections if not r.transient and r.idempotency_key in wanted]
    transient = {r.idempotency_key for r in rejections if r.transient} - {
        r.idempotency_key for r in final
    }
    ws.record_rejections(
        [
            {
                "idempotency_key": r.idempotency_key,
                "rule": r.rule,
                "reason": r.reason,
                "field": r.field,
            }
            for r in final
        ],
        connector=connector.name,
        actor=actor,
    )
    report.rejected += final
    if transient:
        reasons = "; ".join(r.reason for r in rejections if r.idempotency_key in transient)
        _defer(ws, sorted(transient), reasons, actor, report, retry)
    answered = {r.idempotency_key for r in got} | {r.idempotency_key for r in rejections}
    silent = [k for k in keys if k not in answered]
    if silent:  # neither receipted nor rejected: leave it to lookup
        report.errors.append(f"{connector.name} gave no answer for {len(silent)} record(s)")
        ws.release(silent, error="the connector gave no answer", next_attempt_at=None, actor=actor)


def _recover(
    ws: WriterStore,
    connector: Connector,
    keys: list[str],
    actor: str,
    report: SendReport,
    retry: RetryPolicy,
    sleep: Callable[[float], None],
    *,
    release: bool = True,
    count: bool = False,
) -> list[str]:
    """Ask Sage which of these in-flight keys it holds: receipt those. Returns the rest;
    with `release` they go back to approved (submitted again by this run)."""
    if not keys:
        return []
    for attempt in range(1, retry.attempts + 1):
        try:
            found = connector.lookup(keys)
            break
        except TransientConnectorError as exc:
            if attempt == retry.attempts:
                report.errors.append(f"lookup failed {attempt} times: {exc}; rerun later")
                return []  # stay in flight: the next run asks again
            report.retries += 1
            sleep(retry.delay(attempt))
    ws.record_receipts(
        [_receipt(r) for k, r in found.items() if k in keys],
        connector=connector.name,
        actor=actor,
    )
    rest = [k for k in keys if k not in found]
    if count:
        report.recovered += len(found)
        report.resubmitted += len(rest)
        report.written += [k for k in keys if k in found]
    else:
        report.written += [k for k in keys if k in found]
    if release and rest:
        ws.release(
            rest,
            error="in flight when the writer stopped; not in Sage, sent again",
            next_attempt_at=None,
            actor=actor,
            result="recovered",
        )
    return rest


def _defer(
    ws: WriterStore,
    keys: list[str],
    error: str,
    actor: str,
    report: SendReport,
    retry: RetryPolicy,
) -> None:
    later = datetime.now(UTC) + timedelta(seconds=retry.max_seconds)
    ws.release(keys, error=error, next_attempt_at=later, actor=actor)
    report.deferred += keys


def _receipt(receipt: Any) -> dict[str, Any]:
    return {
        "idempotency_key": receipt.idempotency_key,
        "sage_key": receipt.sage_key,
        "detail": dict(receipt.detail or {}),
    }
