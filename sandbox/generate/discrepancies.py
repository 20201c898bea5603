"""Planted discrepancies: the exception types, how many of each, where they go, and
the answer-key rows (`expected/exceptions.csv`).

Every plant is a *dedicated* object (its own commitment, cost code, vendor, project …)
built for exactly one discrepancy, except budget_mismatch which alters one existing
budget line. So plants never collide with each other or with clean data. Where one
planted fact necessarily implies another exception, `IMPLIED` lists it and the answer
key holds both rows (README.md, "Answer key").
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

# Same order as ARCHITECTURE.md ("New types are added here first").
EXCEPTION_TYPES: tuple[str, ...] = (
    "unmapped_cost_code",
    "ambiguous_cost_code",
    "invalid_sage_target",
    "unmapped_vendor",
    "vendor_mismatch",
    "job_missing_in_sage",
    "project_missing_in_procore",
    "commitment_missing_in_sage",
    "subcontract_missing_in_procore",
    "commitment_amount_mismatch",
    "commitment_line_mismatch",
    "change_order_missing_in_sage",
    "change_order_amount_mismatch",
    "invoice_missing_in_sage",
    "invoice_amount_mismatch",
    "retainage_mismatch",
    "budget_mismatch",
    "schema_drift",
    "write_rejected",
)

DETECTED_BY: dict[str, str] = {t: "build" for t in EXCEPTION_TYPES} | {
    "schema_drift": "sync",
    "write_rejected": "write",
}

# Extra answer-key rows one plant of a type produces (besides its own row).
IMPLIED: dict[str, tuple[str, ...]] = {
    # the Sage header is the sum of its items, so an off original amount is an off line
    "commitment_amount_mismatch": ("commitment_line_mismatch",),
    # amount moved between two lines in Sage: both codings differ (header still ties)
    "commitment_line_mismatch": ("commitment_line_mismatch",),
    # the rejected write is an approved requisition that is not in Sage
    "write_rejected": ("invoice_missing_in_sage",),
}

# Plants that belong to the company, not to one project.
COMPANY_PLANTS = ("unmapped_vendor", "job_missing_in_sage", "project_missing_in_procore")

ANSWER_HEADER = ("exception_type", "procore_id", "sage_key", "detected_by")


@dataclass(frozen=True)
class AnswerRow:
    exception_type: str
    procore_id: int | None
    sage_key: str = ""

    @property
    def detected_by(self) -> str:
        return DETECTED_BY[self.exception_type]

    def csv_row(self) -> tuple[str, str, str, str]:
        pid = "" if self.procore_id is None else str(self.procore_id)
        return (self.exception_type, pid, self.sage_key, self.detected_by)

    def sort_key(self) -> tuple[str, int, str]:
        return (
            self.exception_type,
            -1 if self.procore_id is None else self.procore_id,
            self.sage_key,
        )


def sage_key(*parts: str) -> str:
    return "|".join(parts)


def resolve_plant(default: int, plant: Mapping[str, int] | None) -> dict[str, int]:
    """Counts per type: the size default for every type, overridden by `plant`."""
    counts = {t: default for t in EXCEPTION_TYPES}
    for name, count in (plant or {}).items():
        if name not in counts:
            raise ValueError(
                f"unknown exception type {name!r}; one of: " + ", ".join(EXCEPTION_TYPES)
            )
        if not isinstance(count, int) or count < 0:
            raise ValueError(f"plant count for {name!r} must be a whole number >= 0")
        counts[name] = count
    return counts


def expected_row_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """How many answer-key rows of each type `counts` plants produce."""
    rows = {t: 0 for t in EXCEPTION_TYPES}
    for name, n in counts.items():
        rows[name] += n
        for implied in IMPLIED.get(name, ()):
            rows[implied] += n
    return rows


def assign_to_projects(
    counts: Mapping[str, int], n_projects: int, rng: random.Random
) -> dict[int, list[tuple[str, int]]]:
    """Spread project-level plants round-robin over the regular projects.

    Returns project index → [(exception type, ordinal of that type)], ordinals
    counting from 0 across the company so variants alternate deterministically.
    """
    plan: dict[int, list[tuple[str, int]]] = {i: [] for i in range(n_projects)}
    slot = rng.randrange(n_projects)
    for name in EXCEPTION_TYPES:
        if name in COMPANY_PLANTS:
            continue
        for ordinal in range(counts.get(name, 0)):
            plan[slot % n_projects].append((name, ordinal))
            slot += 1
    return plan
