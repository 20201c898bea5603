"""The writer lease: one `tieout write` sends at a time.

Crash recovery treats every `in_flight` outbox row as left behind by a writer that
stopped. That is only true when no other writer is running: a second `tieout write`
started while the first is mid-batch would "recover" the first one's rows and could send
them again. So `send` holds a lease, a `settings` row (key `writer_lease`) naming its
holder (host, pid, a random token) and an expiry it renews before every batch.

A lease is free when nobody holds it, when it has expired, or when its holder ran on this
host and its process is gone (a writer killed with -9 leaves its lease behind; the rerun
takes it over at once instead of waiting for the expiry). Taking over a stale lease is
audited. Acquisition is one write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
row is locked FOR UPDATE, and a first insert racing another one fails on the key), so two
writers can never both hold it.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from writers.control import schema
from writers.control.errors import ControlStoreError, ControlValidationError
from writers.control.store import ControlStore, _actor, _audit, _now

LEASE_KEY = "writer_lease"
DEFAULT_LEASE_SECONDS = 30 * 60  # renewed before every batch: one batch must fit in it


class WriterBusyError(ControlStoreError):
    """Another writer holds the lease: this run must not send (or recover) anything."""


@dataclass(frozen=True)
class Holder:
    """Who holds the lease, as stored (JSON in `settings.value`)."""

    token: str
    host: str
    pid: int
    acquired_at: str
    expires_at: str

    @classmethod
    def parse(cls, value: str) -> Holder | None:
        try:
            data = json.loads(value)
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})
        except (ValueError, KeyError, TypeError):
            return None  # unreadable: treat as free (an older or hand-edited value)

    def text(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    def expired(self, now: datetime) -> bool:
        return datetime.fromisoformat(self.expires_at) <= now

    def dead_here(self) -> bool:
        """It ran on this host and its process no longer exists."""
        if self.host != socket.gethostname():
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False  # alive, someone else's
        return False


class WriterLease:
    """Hold the writer lease for the length of a `with` block (renew between batches)."""

    def __init__(
        self, store: ControlStore, *, actor: str, seconds: float = DEFAULT_LEASE_SECONDS
    ) -> None:
        self.store = store
        self.actor = _actor(actor)
        self.seconds = seconds
        self.token = uuid.uuid4().hex

    def __enter__(self) -> WriterLease:
        self.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def _holder(self, now: datetime) -> Holder:
        return Holder(
            token=self.token,
            host=socket.gethostname(),
            pid=os.getpid(),
            acquired_at=now.isoformat(timespec="seconds"),
            expires_at=(now + timedelta(seconds=self.seconds)).isoformat(timespec="seconds"),
        )

    def acquire(self) -> None:
        """Take the lease, or raise WriterBusyError naming the writer that holds it."""
        s = schema.settings
        now = _now()
        mine = self._holder(now)
        try:
            with self.store._write() as conn:
                current = _locked_value(conn)
                if current is not None:
                    holder = Holder.parse(current)
                    if holder and holder.token != self.token:
                        stale = holder.expired(now) or holder.dead_here()
                        if not stale:
                            raise WriterBusyError(_busy_message(holder))
                        _audit(
                            conn,
                            self.actor,
                            "write.lease_takeover",
                            s.name,
                            LEASE_KEY,
                            json.loads(current),
                            json.loads(mine.text()),
                            result="expired" if holder.expired(now) else "holder_gone",
                            at=now,
                        )
                    conn.execute(
                        s.update()
                        .where(s.c.key == LEASE_KEY)
                        .values(value=mine.text(), updated_at=now, updated_by=self.actor)
                    )
                else:
                    conn.execute(
                        s.insert().values(
                            key=LEASE_KEY, value=mine.text(), updated_at=now, updated_by=self.actor
                        )
                    )
        except ControlValidationError as exc:  # a racing first insert won
            raise WriterBusyError(
                "another `tieout write` took the writer lease at the same moment; rerun "
                "when it finishes"
            ) from exc

    def renew(self) -> None:
        """Push the expiry out again; raise WriterBusyError if the lease was taken over."""
        s = schema.settings
        now = _now()
        with self.store._write() as conn:
            holder = Holder.parse(_locked_value(conn) or "")
            if holder is None or holder.token != self.token:
                raise WriterBusyError(
                    "this writer's lease was taken over (it ran past its expiry): stopping "
                    "before the next batch; rerun `tieout write`"
                )
            renewed = Holder(
                **{
                    **holder.__dict__,
                    "expires_at": (now + timedelta(seconds=self.seconds)).isoformat(
                        timespec="seconds"
                    ),
                }
            )
            conn.execute(
                s.update()
                .where(s.c.key == LEASE_KEY)
                .values(value=renewed.text(), updated_at=now, updated_by=self.actor)
            )

    def release(self) -> None:
        """Give the lease back (only if still ours)."""
        s = schema.settings
        with self.store._write() as conn:
            holder = Holder.parse(_locked_value(conn) or "")
            if holder is not None and holder.token == self.token:
                conn.execute(s.delete().where(s.c.key == LEASE_KEY))


def current_holder(store: ControlStore) -> Holder | None:
    """Who holds the lease now (None: free or unreadable), for status displays."""
    s = schema.settings
    with store._read() as conn:
        value = conn.scalar(sa.select(s.c.value).where(s.c.key == LEASE_KEY))
    return Holder.parse(value) if value else None


def _locked_value(conn: sa.Connection) -> str | None:
    s = schema.settings
    query = sa.select(s.c.value).where(s.c.key == LEASE_KEY)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.scalar(query)


def _busy_message(holder: Holder) -> str:
    return (
        f"another `tieout write` is sending (pid {holder.pid} on {holder.host}, since "
        f"{holder.acquired_at}); its lease runs until {holder.expires_at}. Wait for it to "
        "finish; if that process is gone, rerun after the lease expires"
    )
