"""`WriterStore`: the writer stage's tables in the control store (revision 0002).

Settings (write mode), auto-approval rules, write batches, the outbox, the idempotency
ledger and write rejections. Every approval, submission, receipt and rejection writes an
`audit_log` row (who, what, when, before/after, result) in the same transaction as the
change itself, and every method is one transaction: a process killed between two calls
leaves the store at the end of the last call, which is what `writers.writer.send`'s crash
recovery relies on. Approving a batch and changing the write mode or a rule need the
actor's permission (writers/control/users.py); the writer's own bookkeeping does not.

Outbox row lifecycle:

    pending ──approve──► approved ──claim──► in_flight ──receipt──► written
       │                    ▲                   │ └────rejection──► rejected
       │                    └──not in Sage / transient──┘
       └──(newer version / withdrawn)──► superseded   (pending, approved or rejected only)
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from writers.control import schema
from writers.control.errors import ControlNotFoundError, ControlValidationError
from writers.control.store import ControlStore, Row, _actor, _audit, _authorize, _json, _now

WRITE_MODES = ("supervised", "auto")
DEFAULT_WRITE_MODE = "supervised"  # a new company: nothing is written until approved
AUTO_ACTOR = "auto-approval"  # approved_by of batches the rules approved

OPEN_STATUSES = ("pending", "approved")  # not yet handed to the connector
FINAL_STATUSES = ("written", "rejected", "superseded")


@dataclass(frozen=True)
class Entry:
    """One outbound record, as the outbox stores it."""

    idempotency_key: str
    object_type: str
    sage_key: str | None
    source_object: str | None
    source_id: int | None
    amount: Decimal | None
    needs_approval_reason: str | None
    payload: str  # JSON (writers.outbox.encode_payload)


def decimal_text(value: Any) -> str | None:
    """Money as exact decimal text (None stays None)."""
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)))
    except InvalidOperation:
        raise ControlValidationError(
            f"{value!r} is not an amount: give a number like 25000.00"
        ) from None


class WriterStore:
    """The writer's API over an open `ControlStore`."""

    def __init__(self, store: ControlStore) -> None:
        self.store = store

    # -- settings and rules

    def write_mode(self) -> str:
        s = schema.settings
        with self.store._read() as conn:
            value = conn.scalar(sa.select(s.c.value).where(s.c.key == "write_mode"))
        return value or DEFAULT_WRITE_MODE

    def set_write_mode(self, mode: str, *, actor: str) -> str:
        actor = _actor(actor)
        if mode not in WRITE_MODES:
            raise ControlValidationError(f"unknown write mode {mode!r}: choose supervised or auto")
        s = schema.settings
        with self.store._write() as conn:
            _authorize(conn, actor, "write.mode")
            before = conn.scalar(sa.select(s.c.value).where(s.c.key == "write_mode"))
            if (before or DEFAULT_WRITE_MODE) == mode and before is not None:
                return mode
            values = {"value": mode, "updated_at": _now(), "updated_by": actor}
            if before is None:
                conn.execute(s.insert().values(key="write_mode", **values))
            else:
                conn.execute(s.update().where(s.c.key == "write_mode").values(**values))
            _audit(
                conn,
                actor,
                "write.mode",
                s.name,
                "write_mode",
                {"write_mode": before or DEFAULT_WRITE_MODE},
                {"write_mode": mode},
            )
        return mode

    def rules(self) -> dict[str, Row]:
        r = schema.auto_approval_rules
        with self.store._read() as conn:
            rows = conn.execute(sa.select(r).order_by(r.c.object_type)).mappings()
            return {row["object_type"]: dict(row) for row in rows}

    def set_rule(
        self, object_type: str, *, enabled: bool, max_amount: Any = None, actor: str
    ) -> Row:
        """Auto-approve `object_type` rows (up to `max_amount` each, None = any) in auto mode."""
        actor = _actor(actor)
        object_type = (object_type or "").strip()
        if not object_type:
            raise ControlValidationError("no object type: give one, e.g. ap_invoices")
        r = schema.auto_approval_rules
        after = {
            "object_type": object_type,
            "enabled": bool(enabled),
            "max_amount": decimal_text(max_amount),
            "updated_at": _now(),
            "updated_by": actor,
        }
        with self.store._write() as conn:
            _authorize(conn, actor, "write.rule")
            before = _one(conn, r, r.c.object_type == object_type)
            if before is None:
                conn.execute(r.insert().values(**after))
            else:
                conn.execute(r.update().where(r.c.object_type == object_type).values(**after))
            _audit(conn, actor, "write.rule", r.name, object_type, before, after)
        return after

    # -- reads

    def batches(self, *, status: str | None = None) -> list[Row]:
        b = schema.write_batches
        query = sa.select(b).order_by(b.c.id)
        if status is not None:
            query = query.where(b.c.status == status)
        with self.store._read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def batch(self, batch_id: int) -> Row:
        b = schema.write_batches
        with self.store._read() as conn:
            row = _one(conn, b, b.c.id == batch_id)
        if row is None:
            raise ControlNotFoundError(f"no write batch {batch_id}: see `tieout write batches`")
        return row

    def outbox(
        self,
        *,
        status: str | Sequence[str] | None = None,
        batch_id: int | None = None,
        object_type: str | None = None,
    ) -> list[Row]:
        o = schema.outbox
        query = sa.select(o).order_by(o.c.id)
        if status is not None:
            statuses = [status] if isinstance(status, str) else list(status)
            query = query.where(o.c.status.in_(statuses))
        if batch_id is not None:
            query = query.where(o.c.batch_id == batch_id)
        if object_type is not None:
            query = query.where(o.c.object_type == object_type)
        with self.store._read() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def ledger(self) -> list[Row]:
        t = schema.idempotency_ledger
        with self.store._read() as conn:
            query = sa.select(t).order_by(t.c.written_at)
            return [dict(r) for r in conn.execute(query).mappings()]

    def rejections(self, *, include_superseded: bool = True) -> list[Row]:
        t = schema.write_rejections
        query = sa.select(t).order_by(t.c.id)
        if not include_superseded:
            query = query.where(t.c.superseded_by.is_(None))
        with self.store._read() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def known(self, keys: Iterable[str]) -> dict[str, str]:
        """key → outbox status ('written' for ledger keys) of the keys the store has seen."""
        keys = list(keys)
        o, ledger = schema.outbox, schema.idempotency_ledger
        found: dict[str, str] = {}
        with self.store._read() as conn:
            for chunk in _chunks(keys):
                for key, status in conn.execute(
                    sa.select(o.c.idempotency_key, o.c.status).where(o.c.idempotency_key.in_(chunk))
                ):
                    found[key] = status
                for (key,) in conn.execute(
                    sa.select(ledger.c.idempotency_key).where(ledger.c.idempotency_key.in_(chunk))
                ):
                    found[key] = "written"
        return found

    # -- planning

    def enqueue(
        self, object_type: str, entries: Sequence[Entry], *, actor: str, approve: bool
    ) -> Row | None:
        """One new batch of `entries` (proposed, or approved by the auto-approval rules).

        An earlier pending, approved or rejected row for the same source object with another
        key is superseded by the new one (a corrected source row supersedes the rejected
        one); its write rejections name the new key. Returns the batch (None: no entries).
        """
        actor = _actor(actor)
        if not entries:
            return None
        now = _now()
        b, o = schema.write_batches, schema.outbox
        total = _total(e.amount for e in entries)
        batch = {
            "object_type": object_type,
            "status": "approved" if approve else "proposed",
            "created_by": actor,
            "created_at": now,
            "approved_by": AUTO_ACTOR if approve else None,
            "approved_at": now if approve else None,
            "row_count": len(entries),
            "total_amount": total,
            "updated_at": now,
        }
        with self.store._write() as conn:
            batch_id = conn.execute(b.insert().values(**batch)).inserted_primary_key[0]
            batch = {"id": batch_id, **batch}
            for entry in entries:
                self._supersede_older(conn, entry, actor, now)
                conn.execute(
                    o.insert().values(
                        idempotency_key=entry.idempotency_key,
                        batch_id=batch_id,
                        object_type=entry.object_type,
                        sage_key=entry.sage_key,
                        source_object=entry.source_object,
                        source_id=entry.source_id,
                        amount=decimal_text(entry.amount),
                        needs_approval_reason=entry.needs_approval_reason,
                        payload=entry.payload,
                        status="approved" if approve else "pending",
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
            summary = {**batch, "keys": [e.idempotency_key for e in entries]}
            _audit(conn, actor, "write.propose", b.name, str(batch_id), None, summary, at=now)
            if approve:
                _audit(
                    conn,
                    AUTO_ACTOR,
                    "write.approve",
                    b.name,
                    str(batch_id),
                    {"status": "proposed"},
                    {"status": "approved", "approved_by": AUTO_ACTOR, "rule": object_type},
                    at=now,
                )
        return batch

    def _supersede_older(self, conn: Connection, entry: Entry, actor: str, now: datetime) -> None:
        if entry.source_id is None:
            return
        o, r = schema.outbox, schema.write_rejections
        older = conn.execute(
            sa.select(o).where(
                o.c.object_type == entry.object_type,
                o.c.source_object.is_not_distinct_from(entry.source_object),
                o.c.source_id == entry.source_id,
                o.c.idempotency_key != entry.idempotency_key,
                o.c.status.in_(("pending", "approved", "rejected")),
            )
        ).mappings()
        for row in [dict(x) for x in older]:
            conn.execute(
                o.update()
                .where(o.c.id == row["id"])
                .values(status="superseded", superseded_by=entry.idempotency_key, updated_at=now)
            )
            conn.execute(
                r.update()
                .where(r.c.idempotency_key == row["idempotency_key"], r.c.superseded_by.is_(None))
                .values(superseded_by=entry.idempotency_key)
            )
            _audit(
                conn,
                actor,
                "write.supersede",
                o.name,
                row["idempotency_key"],
                {"status": row["status"]},
                {"status": "superseded", "superseded_by": entry.idempotency_key},
                at=now,
            )
            self._refresh_batch(conn, row["batch_id"], now)

    def withdraw(self, keys: Sequence[str], *, reason: str, actor: str) -> int:
        """Take pending / approved rows out of the outbox (the mart no longer offers them:
        blocked now, or no longer needed). Returns how many were withdrawn."""
        actor = _actor(actor)
        o = schema.outbox
        now = _now()
        count = 0
        with self.store._write() as conn:
            for chunk in _chunks(list(keys)):
                rows = conn.execute(
                    sa.select(o).where(
                        o.c.idempotency_key.in_(chunk), o.c.status.in_(OPEN_STATUSES)
                    )
                ).mappings()
                for row in [dict(x) for x in rows]:
                    conn.execute(
                        o.update()
                        .where(o.c.id == row["id"])
                        .values(status="superseded", last_error=reason, updated_at=now)
                    )
                    _audit(
                        conn,
                        actor,
                        "write.withdraw",
                        o.name,
                        row["idempotency_key"],
                        {"status": row["status"]},
                        {"status": "superseded", "reason": reason},
                        at=now,
                    )
                    self._refresh_batch(conn, row["batch_id"], now)
                    count += 1
        return count

    def requeue(self, keys: Sequence[str], *, actor: str) -> int:
        """Withdrawn rows the mart offers again (unblocked): back to pending in a new batch
        is the caller's job; here they are simply deleted from the outbox so they can be
        enqueued afresh (their audit trail stays)."""
        actor = _actor(actor)
        o = schema.outbox
        now = _now()
        with self.store._write() as conn:
            rows = [
                dict(x)
                for chunk in _chunks(list(keys))
                for x in conn.execute(
                    sa.select(o).where(
                        o.c.idempotency_key.in_(chunk),
                        o.c.status == "superseded",
                        o.c.superseded_by.is_(None),
                    )
                ).mappings()
            ]
            for row in rows:
                conn.execute(o.delete().where(o.c.id == row["id"]))
                _audit(
                    conn,
                    actor,
                    "write.requeue",
                    o.name,
                    row["idempotency_key"],
                    {"status": "superseded", "batch_id": row["batch_id"]},
                    None,
                    at=now,
                )
        return len(rows)

    # -- approval

    def approve_batch(self, batch_id: int, *, actor: str) -> Row:
        """A controller approves a proposed batch: its pending rows may be written."""
        actor = _actor(actor)
        b, o = schema.write_batches, schema.outbox
        now = _now()
        with self.store._write() as conn:
            _authorize(conn, actor, "write.approve")
            before = _one(conn, b, b.c.id == batch_id)
            if before is None:
                raise ControlNotFoundError(
                    f"no write batch {batch_id}: see `tieout write batches` for the ids"
                )
            if before["status"] != "proposed":
                raise ControlValidationError(
                    f"write batch {batch_id} is {before['status']}, not proposed: only a "
                    "proposed batch can be approved (see `tieout write batches`)"
                )
            conn.execute(
                b.update()
                .where(b.c.id == batch_id)
                .values(status="approved", approved_by=actor, approved_at=now, updated_at=now)
            )
            approved = conn.execute(
                o.update()
                .where(o.c.batch_id == batch_id, o.c.status == "pending")
                .values(status="approved", updated_at=now)
            ).rowcount
            after = _one(conn, b, b.c.id == batch_id)
            _audit(
                conn,
                actor,
                "write.approve",
                b.name,
                str(batch_id),
                before,
                {**(after or {}), "rows_approved": approved},
                at=now,
            )
            self._refresh_batch(conn, batch_id, now)
            return _one(conn, b, b.c.id == batch_id) or {}

    # -- sending

    def due(self, *, object_type: str | None = None, now: datetime | None = None) -> list[Row]:
        """Approved rows of approved (or sending) batches whose retry time has come."""
        now = now or _now()
        o, b = schema.outbox, schema.write_batches
        query = (
            sa.select(o)
            .join(b, b.c.id == o.c.batch_id)
            .where(
                o.c.status == "approved",
                b.c.status.in_(("approved", "sending")),
                sa.or_(o.c.next_attempt_at.is_(None), o.c.next_attempt_at <= now),
            )
            .order_by(o.c.batch_id, o.c.id)
        )
        if object_type is not None:
            query = query.where(o.c.object_type == object_type)
        with self.store._read() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def claim(self, keys: Sequence[str], *, connector: str, actor: str) -> list[Row]:
        """Mark approved rows in flight (committed before the connector sees them) and
        audit the submission. Rows another process claimed meanwhile are left out."""
        actor = _actor(actor)
        o, b = schema.outbox, schema.write_batches
        now = _now()
        claimed: list[Row] = []
        with self.store._write() as conn:
            for chunk in _chunks(list(keys)):
                rows = conn.execute(
                    sa.select(o).where(o.c.idempotency_key.in_(chunk), o.c.status == "approved")
                ).mappings()
                claimed.extend(dict(r) for r in rows)
            for row in claimed:
                conn.execute(
                    o.update()
                    .where(o.c.id == row["id"])
                    .values(status="in_flight", attempts=row["attempts"] + 1, updated_at=now)
                )
                _audit(
                    conn,
                    actor,
                    "write.submit",
                    o.name,
                    row["idempotency_key"],
                    {"status": "approved", "attempts": row["attempts"]},
                    {
                        "status": "in_flight",
                        "attempts": row["attempts"] + 1,
                        "connector": connector,
                        "batch_id": row["batch_id"],
                        "sage_key": row["sage_key"],
                    },
                    result="in_flight",
                    at=now,
                )
            for batch_id in {r["batch_id"] for r in claimed}:
                conn.execute(
                    b.update()
                    .where(b.c.id == batch_id, b.c.status == "approved")
                    .values(status="sending", updated_at=now)
                )
        return [{**r, "status": "in_flight", "attempts": r["attempts"] + 1} for r in claimed]

    def in_flight(self, *, object_type: str | None = None) -> list[Row]:
        return self.outbox(status="in_flight", object_type=object_type)

    def record_receipts(
        self, receipts: Sequence[Mapping[str, Any]], *, connector: str, actor: str
    ) -> int:
        """Sage holds these keys: ledger row + outbox written + audit, one transaction.

        `receipts`: {"idempotency_key", "sage_key", "detail"}. A key already in the ledger
        is left as it is (recording twice is harmless)."""
        actor = _actor(actor)
        o, ledger = schema.outbox, schema.idempotency_ledger
        now = _now()
        written = 0
        touched: set[int] = set()  # batches refreshed once at the end: linear in receipts
        with self.store._write() as conn:
            for receipt in receipts:
                key = receipt["idempotency_key"]
                row = _one(conn, o, o.c.idempotency_key == key)
                if _one(conn, ledger, ledger.c.idempotency_key == key) is None:
                    conn.execute(
                        ledger.insert().values(
                            idempotency_key=key,
                            connector=connector,
                            sage_key=receipt.get("sage_key"),
                            receipt=_json(dict(receipt)) or "{}",
                            written_at=now,
                        )
                    )
                    written += 1
                if row is not None and row["status"] != "written":
                    conn.execute(
                        o.update()
                        .where(o.c.id == row["id"])
                        .values(status="written", last_error=None, updated_at=now)
                    )
                    _audit(
                        conn,
                        actor,
                        "write.receipt",
                        o.name,
                        key,
                        {"status": row["status"]},
                        {"status": "written", "receipt": dict(receipt), "connector": connector},
                        result="written",
                        at=now,
                    )
                    touched.add(row["batch_id"])
            for batch_id in touched:
                self._refresh_batch(conn, batch_id, now)
        return written

    def record_rejections(
        self, rejections: Sequence[Mapping[str, Any]], *, connector: str, actor: str
    ) -> int:
        """Sage refused these rows: write_rejections + outbox rejected + audit.

        `rejections`: {"idempotency_key", "rule", "reason", "field"}; several per key."""
        actor = _actor(actor)
        o, r = schema.outbox, schema.write_rejections
        now = _now()
        by_key: dict[str, list[Mapping[str, Any]]] = {}
        for rejection in rejections:
            by_key.setdefault(rejection["idempotency_key"], []).append(rejection)
        touched: set[int] = set()
        with self.store._write() as conn:
            for key, found in by_key.items():
                row = _one(conn, o, o.c.idempotency_key == key)
                if row is None:
                    continue
                for rejection in found:
                    exists = conn.scalar(
                        sa.select(r.c.id).where(
                            r.c.idempotency_key == key, r.c.rule == rejection["rule"]
                        )
                    )
                    if exists is None:
                        conn.execute(
                            r.insert().values(
                                idempotency_key=key,
                                object_type=row["object_type"],
                                source_object=row["source_object"],
                                source_id=row["source_id"],
                                sage_key=row["sage_key"],
                                rule=rejection["rule"],
                                reason=rejection["reason"],
                                field=rejection.get("field"),
                                rejected_at=now,
                            )
                        )
                reasons = "; ".join(x["reason"] for x in found)
                conn.execute(
                    o.update()
                    .where(o.c.id == row["id"])
                    .values(status="rejected", last_error=reasons, updated_at=now)
                )
                _audit(
                    conn,
                    actor,
                    "write.reject",
                    o.name,
                    key,
                    {"status": row["status"]},
                    {
                        "status": "rejected",
                        "connector": connector,
                        "rejections": [dict(x) for x in found],
                    },
                    result="rejected",
                    at=now,
                )
                touched.add(row["batch_id"])
            for batch_id in touched:
                self._refresh_batch(conn, batch_id, now)
        return len(by_key)

    def release(
        self,
        keys: Sequence[str],
        *,
        error: str,
        next_attempt_at: datetime | None,
        actor: str,
        result: str = "retry",
    ) -> int:
        """In-flight rows Sage does not hold go back to approved (a transient failure, or
        crash recovery after `lookup` found nothing): they will be submitted again."""
        actor = _actor(actor)
        o = schema.outbox
        now = _now()
        count = 0
        with self.store._write() as conn:
            for key in keys:
                row = _one(conn, o, o.c.idempotency_key == key)
                if row is None or row["status"] != "in_flight":
                    continue
                conn.execute(
                    o.update()
                    .where(o.c.id == row["id"])
                    .values(
                        status="approved",
                        last_error=error,
                        next_attempt_at=next_attempt_at,
                        updated_at=now,
                    )
                )
                _audit(
                    conn,
                    actor,
                    "write.release",
                    o.name,
                    key,
                    {"status": "in_flight"},
                    {"status": "approved", "error": error, "next_attempt_at": next_attempt_at},
                    result=result,
                    at=now,
                )
                count += 1
        return count

    def _refresh_batch(self, conn: Connection, batch_id: int | None, now: datetime) -> None:
        """A sending / approved batch whose rows are all final becomes done (or failed when
        any row was rejected)."""
        if batch_id is None:
            return
        o, b = schema.outbox, schema.write_batches
        statuses = [
            s for (s,) in conn.execute(sa.select(o.c.status).where(o.c.batch_id == batch_id))
        ]
        batch = _one(conn, b, b.c.id == batch_id)
        if batch is None or batch["status"] not in ("approved", "sending", "proposed"):
            return
        if statuses and all(s in FINAL_STATUSES for s in statuses):
            status = "failed" if "rejected" in statuses else "done"
            if batch["status"] == "proposed" and "written" not in statuses:
                status = "done" if "rejected" not in statuses else "failed"
            conn.execute(b.update().where(b.c.id == batch_id).values(status=status, updated_at=now))


def _one(conn: Connection, table: sa.Table, where: Any) -> Row | None:
    row = conn.execute(sa.select(table).where(where)).mappings().first()
    return dict(row) if row else None


def _total(amounts: Iterable[Decimal | None]) -> str | None:
    values = [Decimal(str(a)) for a in amounts if a is not None]
    return str(sum(values, Decimal(0))) if values else None


def _chunks(keys: list[str], size: int = 500) -> Iterable[list[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
