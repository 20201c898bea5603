"""The outbox's side of the warehouse: which outbound records exist, and how a record is
kept in the outbox (its payload) so that exactly what was approved is what gets sent.

Records come from `marts.outbound_*` through `writers.connectors.records.load_outbound`
(DuckDB, read-only). The payload is JSON of the header and its child rows with Decimal,
date and datetime values tagged, so they come back with the types the mart gave them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from writers.connector import OutboundRecord
from writers.connectors.records import MODELS, SAGE_TYPES, load_outbound
from writers.control.outbox_store import Entry

OBJECT_TYPES: tuple[str, ...] = tuple(MODELS)
# What `plan`/`send` cover when no object type is named: the Sage types. Procore
# write-back is opt-in (it needs a Procore connection): name its types, as `tieout write`
# does when Procore is configured.
DEFAULT_OBJECT_TYPES: tuple[str, ...] = SAGE_TYPES

# The header column holding the record's money (auto-approval limits, batch totals).
AMOUNT_COLUMNS: dict[str, str | None] = {
    "commitments": "original_commitment",
    "commitment_change_orders": "amount",
    "ap_invoices": "amount",
    "jc_estimates": "total_estimate",
    "vendors": None,
    "ar_invoices": "amount",
    "procore_vendors": None,
    "procore_commitment_links": None,
    "procore_direct_costs": "amount",
    "procore_cost_to_complete": "forecast_to_complete",
}


class WarehouseError(Exception):
    """The warehouse cannot be read (missing, locked, not built)."""


@dataclass(frozen=True)
class Candidate:
    """An outbound record the mart offers (not blocked)."""

    record: OutboundRecord

    @property
    def key(self) -> str:
        return self.record.idempotency_key

    @property
    def amount(self) -> Decimal | None:
        column = AMOUNT_COLUMNS.get(self.record.object_type)
        value = self.record.header.get(column) if column else None
        return None if value is None else Decimal(str(value))

    @property
    def needs_approval_reason(self) -> str | None:
        return self.record.header.get("needs_approval_reason")

    def entry(self) -> Entry:
        header = self.record.header
        source_id = header.get("source_id")
        return Entry(
            idempotency_key=self.key,
            object_type=self.record.object_type,
            sage_key=self.record.sage_key or None,
            source_object=header.get("source_object"),
            source_id=int(source_id) if source_id is not None else None,
            amount=self.amount,
            needs_approval_reason=self.needs_approval_reason,
            payload=encode_payload(self.record),
        )


def check_object_types(object_types: Sequence[str] | None) -> list[str]:
    if not object_types:
        return list(DEFAULT_OBJECT_TYPES)
    unknown = [t for t in object_types if t not in OBJECT_TYPES]
    if unknown:
        raise WarehouseError(
            f"unknown object type {', '.join(unknown)}: choose from {', '.join(OBJECT_TYPES)}"
        )
    return list(object_types)


def read_candidates(warehouse: Path, object_types: Sequence[str]) -> dict[str, list[Candidate]]:
    """Per object type, the records of `marts.outbound_<type>` that are not blocked."""
    import duckdb

    if not Path(warehouse).is_file():
        raise WarehouseError(
            f"no warehouse at {warehouse}: run `tieout sync` and `tieout build` first"
        )
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(
            f"cannot open the warehouse {warehouse}: {str(exc).splitlines()[0]} (rerun when "
            "the process holding it finishes)"
        ) from exc
    try:
        out: dict[str, list[Candidate]] = {}
        for object_type in object_types:
            try:
                records = load_outbound(con, object_type)  # type: ignore[arg-type]
            except duckdb.CatalogException as exc:
                raise WarehouseError(
                    f"the warehouse has no marts.{MODELS[object_type].header}: run "
                    "`tieout build` first"
                ) from exc
            out[object_type] = [Candidate(r) for r in records]
        return out
    finally:
        con.close()


# --- payload ---------------------------------------------------------------------------


def _tag(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"cannot keep {type(value).__name__} in the outbox payload")


def _untag(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        ((tag, value),) = obj.items()
        if tag == "$decimal":
            return Decimal(value)
        if tag == "$datetime":
            return datetime.fromisoformat(value)
        if tag == "$date":
            return date.fromisoformat(value)
    return obj


def encode_payload(record: OutboundRecord) -> str:
    return json.dumps(
        {"header": dict(record.header), "lines": [dict(line) for line in record.lines]},
        default=_tag,
        sort_keys=True,
    )


def decode_record(row: dict[str, Any]) -> OutboundRecord:
    """The OutboundRecord an outbox row holds, exactly as it was approved."""
    payload = json.loads(row["payload"], object_hook=_untag)
    return OutboundRecord(
        object_type=row["object_type"],
        idempotency_key=row["idempotency_key"],
        sage_key=row["sage_key"] or "",
        header=payload["header"],
        lines=tuple(payload["lines"]),
    )
