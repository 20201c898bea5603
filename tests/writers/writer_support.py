"""Writer test support (importable by name from any test module): a hand-made warehouse
with marts.outbound_* rows, a Connector double, and the real `tieout` CLI on a home."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from writers.connector import OutboundRecord, Receipt, Rejection, TransientConnectorError

HEADERS = {
    "outbound_commitments": "original_commitment",
    "outbound_commitment_change_orders": "amount",
    "outbound_ap_invoices": "amount",
    "outbound_jc_estimates": "total_estimate",
    "outbound_vendors": None,
    "outbound_ar_invoices": "amount",
}
LINES = {
    "outbound_commitment_lines": "item_number",
    "outbound_commitment_change_order_lines": "line_number",
    "outbound_ap_invoice_distributions": "dist_seq",
}


def make_warehouse(path: Path, ap_rows: list[dict]) -> Path:
    """A warehouse whose marts hold `ap_rows` as outbound_ap_invoices (one distribution
    each); every other outbound model is empty."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        for table, amount in HEADERS.items():
            money = f", {amount} decimal(18,2)" if amount else ""
            con.execute(
                f"create or replace table marts.{table} (idempotency_key varchar, "
                "source_object varchar, source_id bigint, target_object varchar, "
                "sage_key varchar, invoice_date date, is_blocked boolean, "
                f"blocking_exception_ids varchar, needs_approval_reason varchar{money})"
            )
        for table, seq in LINES.items():
            con.execute(
                f"create or replace table marts.{table} (idempotency_key varchar, {seq} int, "
                "amount decimal(18,2))"
            )
        for row in ap_rows:
            con.execute(
                "insert into marts.outbound_ap_invoices values (?, 'requisition', ?, "
                "'APM_MASTER__INVOICE', ?, date '2026-01-15', ?, ?, ?, ?)",
                [
                    row["key"],
                    row["source_id"],
                    row["sage_key"],
                    row.get("blocked", False),
                    "exc1" if row.get("blocked") else None,
                    row.get("needs_approval_reason"),
                    row["amount"],
                ],
            )
            con.execute(
                "insert into marts.outbound_ap_invoice_distributions values (?, 1, ?)",
                [row["key"], row["amount"]],
            )
    return path


def ap(key: str, source_id: int, amount: str, **extra) -> dict:
    return {
        "key": key,
        "source_id": source_id,
        "sage_key": f"V|INV{source_id}",
        "amount": amount,
        **extra,
    }


@dataclass
class FakeConnector:
    """A Connector double: holds what it was sent; can fail transiently and reject."""

    name: str = "fake"
    held: dict[str, OutboundRecord] = field(default_factory=dict)
    submits: int = 0
    fail_next: int = 0  # raise TransientConnectorError this many times
    reject: dict[str, str] = field(default_factory=dict)  # sage_key → reason

    def validate(self, batch: Sequence[OutboundRecord]) -> list[Rejection]:
        return [
            Rejection(r.idempotency_key, "vendor_on_hold", self.reject[r.sage_key], "vendor")
            for r in batch
            if r.sage_key in self.reject
        ]

    def submit(self, batch):
        self.submits += 1
        if self.fail_next:
            self.fail_next -= 1
            raise TransientConnectorError("company locked")
        rejections = self.validate(batch)
        refused = {r.idempotency_key for r in rejections}
        receipts = []
        for record in batch:
            if record.idempotency_key in refused:
                continue
            self.held.setdefault(record.idempotency_key, record)
            receipts.append(Receipt(record.idempotency_key, record.sage_key))
        return receipts, rejections

    def lookup(self, keys):
        return {k: Receipt(k, self.held[k].sage_key) for k in keys if k in self.held}


ROOT = Path(__file__).parents[2]
# variables a developer's shell may hold that would point the CLI away from the test home
_FOREIGN = ("TIEOUT_CONTROL_URL", "TIEOUT_WRITER_CRASH_AT", "SOURCES__SAGE__CONNECTION_STRING")


def tieout_cli(
    home: Path,
    *args: str,
    crash_at: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess:
    """The real CLI as its own process on `home` (TIEOUT_HOME; actor carla); `crash_at`
    sets the writer's fault injection (SIGKILL at that step)."""
    environ = {**os.environ, "TIEOUT_HOME": str(home), "TIEOUT_ACTOR": "carla"}
    for name in _FOREIGN:
        environ.pop(name, None)
    environ.update(env or {})
    if crash_at:
        environ["TIEOUT_WRITER_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "orchestration", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
