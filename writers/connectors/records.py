"""Outbound records from the warehouse: one header row of `marts.outbound_<type>` with
its child rows, as the `OutboundRecord`s a Connector takes.

    con = duckdb.connect(warehouse, read_only=True)
    records = load_outbound(con, "ap_invoices")          # writable rows only
    records = load_outbound(con, "ap_invoices", include_blocked=True)

Header and child rows are plain dicts keyed by the mart's (lower-case) column names;
values keep DuckDB's types (Decimal money, date, bool). Child rows are matched on
`idempotency_key` and ordered by their sequence column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from writers.connector import ObjectType, OutboundRecord


@dataclass(frozen=True)
class OutboundModel:
    header: str  # marts.<header>
    lines: str | None = None  # marts.<lines>, matched on idempotency_key
    line_order: str | None = None  # the child rows' sequence column


MODELS: dict[str, OutboundModel] = {
    "commitments": OutboundModel(
        "outbound_commitments", "outbound_commitment_lines", "item_number"
    ),
    "commitment_change_orders": OutboundModel(
        "outbound_commitment_change_orders", "outbound_commitment_change_order_lines", "line_number"
    ),
    "ap_invoices": OutboundModel(
        "outbound_ap_invoices", "outbound_ap_invoice_distributions", "dist_seq"
    ),
    "jc_estimates": OutboundModel("outbound_jc_estimates"),
    "vendors": OutboundModel("outbound_vendors"),
    "ar_invoices": OutboundModel("outbound_ar_invoices"),
    # Procore write-back (to Procore, not Sage: writers/connectors/procore.py)
    "procore_vendors": OutboundModel("outbound_procore_vendors"),
    "procore_commitment_links": OutboundModel("outbound_procore_commitment_links"),
    "procore_direct_costs": OutboundModel(
        "outbound_procore_direct_costs", "outbound_procore_direct_cost_lines", "line_number"
    ),
    # Sage WIP cost to complete → Procore Advanced Forecasting rows (one per budget line)
    "procore_cost_to_complete": OutboundModel("outbound_procore_cost_to_complete"),
}

# Which system each object type is written to (the connector `tieout write` routes it to).
PROCORE_TYPES: tuple[str, ...] = tuple(t for t in MODELS if t.startswith("procore_"))
SAGE_TYPES: tuple[str, ...] = tuple(t for t in MODELS if t not in PROCORE_TYPES)


def _rows(con: Any, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cur = con.execute(sql, list(params))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def load_outbound(
    con: Any,
    object_type: ObjectType,
    *,
    schema: str = "marts",
    include_blocked: bool = False,
    keys: Sequence[str] | None = None,
) -> list[OutboundRecord]:
    """The records of one object type in a DuckDB warehouse (a `duckdb` connection).

    Only rows with `is_blocked` false unless `include_blocked`; only the given
    idempotency `keys` when set. Ordered by `sage_key`, then key, so batches are stable.
    """
    if object_type not in MODELS:
        raise ValueError(f"unknown outbound object type {object_type!r}; one of {sorted(MODELS)}")
    model = MODELS[object_type]
    where, params = [], []
    if not include_blocked:
        where.append("not coalesce(is_blocked, false)")
    if keys is not None:
        if not keys:
            return []
        where.append(f"idempotency_key in ({', '.join('?' for _ in keys)})")
        params += list(keys)
    clause = f" where {' and '.join(where)}" if where else ""
    headers = _rows(
        con,
        f"select * from {schema}.{model.header}{clause} "
        "order by sage_key nulls last, idempotency_key",
        params,
    )
    lines: dict[str, list[dict[str, Any]]] = {}
    if model.lines and headers:
        wanted = [h["idempotency_key"] for h in headers]
        child = _rows(
            con,
            f"select * from {schema}.{model.lines} "
            f"where idempotency_key in ({', '.join('?' for _ in wanted)}) "
            f"order by idempotency_key, {model.line_order}",
            wanted,
        )
        for row in child:
            lines.setdefault(row["idempotency_key"], []).append(row)
    return [
        OutboundRecord(
            object_type=object_type,
            idempotency_key=h["idempotency_key"],
            sage_key=h.get("sage_key") or "",
            header=h,
            lines=tuple(lines.get(h["idempotency_key"], ())),
        )
        for h in headers
    ]
