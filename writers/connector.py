"""The Connector protocol: the only way tieout writes to Sage.

A Connector runs Sage's own validation and applies records through Sage's write path
(import pipeline / files), never into Sage's tables. The writer talks to every connector
through these three calls, so a crash between `submit` and recording the receipt never
writes twice: on restart the writer first asks `lookup` which keys Sage already holds.

A batch is a list of `OutboundRecord`s of one object type (one header with its child
rows each). Records are identified by `idempotency_key` (from `marts.outbound_*`), which
every connector stamps into a Sage reference field so `lookup` can find it later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

# The object types the writer sends; each is one `marts.outbound_<type>` header model
# (children: `<type>` lines/distributions as listed in writers/outbound.py).
ObjectType = Literal[
    "commitments",
    "commitment_change_orders",
    "ap_invoices",
    "jc_estimates",
    "vendors",
    "ar_invoices",
    # Procore write-back (writers/connectors/procore.py): marts.outbound_procore_*
    "procore_vendors",
    "procore_commitment_links",
    "procore_direct_costs",
    "procore_cost_to_complete",
]


@dataclass(frozen=True)
class OutboundRecord:
    """One record to write: the header row and its child rows, as the mart has them."""

    object_type: ObjectType
    idempotency_key: str
    sage_key: str  # the target's natural key, e.g. "VENDOR|INVOICE"
    header: Mapping[str, Any]
    lines: Sequence[Mapping[str, Any]] = ()


@dataclass(frozen=True)
class Rejection:
    """Sage would refuse (or refused) the record. `reason` is plain words a controller
    can act on ("Vendor SIERRA03 is on hold in Sage"); `rule` is a stable code."""

    idempotency_key: str
    rule: str
    reason: str
    field: str | None = None
    transient: bool = False  # True: retry later (locked company, timeout), not the data


@dataclass(frozen=True)
class Receipt:
    """Sage accepted the record: what it now holds and where."""

    idempotency_key: str
    sage_key: str
    detail: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class Connector(Protocol):
    """What every Sage connector (test company, import files) provides."""

    name: str

    def validate(self, batch: Sequence[OutboundRecord]) -> list[Rejection]:
        """Sage-equivalent validation, without writing. One rejection per failed rule."""
        ...

    def submit(self, batch: Sequence[OutboundRecord]) -> tuple[list[Receipt], list[Rejection]]:
        """Validate and apply the accepted records (one transaction per batch where the
        target allows it). Records already in Sage (by key) are receipted, not rewritten."""
        ...

    def lookup(self, idempotency_keys: Sequence[str]) -> dict[str, Receipt]:
        """The keys Sage already holds, with their receipts (for crash recovery)."""
        ...


class TransientConnectorError(Exception):
    """The target is temporarily unavailable (locked, timed out): retry with backoff."""
