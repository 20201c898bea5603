"""Scenario sizes: how big a company the generator builds.

A size fixes volumes only; what the company looks like (coding mess, planted
discrepancies) is the same at every size so a tiny scenario exercises every rule.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SizeSpec:
    """Volumes for one size. Ranges are inclusive (lo, hi) per project."""

    name: str
    description: str
    projects: int
    months: int  # months of history ending at the as-of month
    leaf_codes: tuple[int, int]  # Procore leaf cost codes per project
    commitments: tuple[int, int]  # commitments per project (before planted ones)
    jct_target: int  # JC transactions wanted in the whole company (payroll fills the rest)
    direct_costs_per_month: int  # Procore direct costs (AP invoices w/o commitment) per project
    closed_jobs: int  # Sage-only closed jobs (history; never an exception)
    vendors: int  # size of the trade vendor pool
    default_plant: int  # planted discrepancies per exception type unless overridden
    cost_code_mask: str  # Sage cost code mask for this size (override with generate(mask=))


SIZES: dict[str, SizeSpec] = {
    "tiny": SizeSpec(
        name="tiny",
        description="test size: 3 projects, 3 months, every rule and plant exercised",
        projects=3,
        months=3,
        leaf_codes=(8, 10),
        commitments=(3, 4),
        jct_target=2_000,
        direct_costs_per_month=2,
        closed_jobs=1,
        vendors=40,
        default_plant=1,
        cost_code_mask="xx-xxx",
    ),
    "small": SizeSpec(
        name="small",
        description="demo size: 5 projects, 6 months",
        projects=5,
        months=6,
        leaf_codes=(30, 36),
        commitments=(22, 26),
        jct_target=50_000,
        direct_costs_per_month=4,
        closed_jobs=2,
        vendors=120,
        default_plant=2,
        cost_code_mask="xx-xx-xx",
    ),
    "gc60": SizeSpec(
        name="gc60",
        description="a $300M general contractor: 60 active projects, 12 months",
        projects=60,
        months=12,
        leaf_codes=(30, 36),
        commitments=(28, 32),
        jct_target=2_000_000,
        direct_costs_per_month=6,
        closed_jobs=5,
        vendors=320,
        default_plant=5,
        cost_code_mask="xx-xx-xx",
    ),
}
