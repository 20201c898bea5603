"""Procore ids: unique across every resource, stable per project, some above 2^31.

Each resource owns a disjoint range; inside it every project owns a block, so a
project's ids depend only on its index (projects can be generated independently)
and an answer-key `procore_id` names exactly one record in the whole scenario.
"""

from __future__ import annotations

INT32_MAX = 2**31 - 1
PROJECT_BLOCK = 10_000_000  # ids per project per resource

# resource → range base. Company-level resources get small ids (as old Procore
# companies have); project-level ones live above 2^31 (as new regions issue).
BASES: dict[str, int] = {
    "user": 7_110_000,
    "project": 2_480_000,
    "vendor": 3_900_000_000,
    "line_item_type": 281_000,
    "cost_code": 10 * 10**10,
    "sub_job": 11 * 10**10,
    "budget_view": 12 * 10**10,
    "budget_row": 13 * 10**10,
    "wbs_code": 14 * 10**10,
    "commitment": 15 * 10**10,
    "commitment_line": 16 * 10**10,
    "cco": 17 * 10**10,
    "cco_line": 18 * 10**10,
    "prime_contract": 19 * 10**10,
    "prime_line": 20 * 10**10,
    "pco": 21 * 10**10,
    "pco_line": 22 * 10**10,
    "change_event": 23 * 10**10,
    "change_event_line": 24 * 10**10,
    "requisition": 25 * 10**10,
    "requisition_item": 26 * 10**10,
    "billing_period": 27 * 10**10,
    "payment_application": 28 * 10**10,
    "g703_line": 29 * 10**10,
    "direct_cost": 30 * 10**10,
    "direct_cost_line": 31 * 10**10,
    "standard_cost_code_list": 32 * 10**10,
    "sov_detail_line": 33 * 10**10,
}


class ProjectIds:
    """Sequential ids per resource inside one project's block."""

    def __init__(self, project_index: int):
        self._offset = project_index * PROJECT_BLOCK
        self._next: dict[str, int] = {}

    def __call__(self, resource: str) -> int:
        n = self._next.get(resource, 0) + 1
        self._next[resource] = n
        if n >= PROJECT_BLOCK:
            raise OverflowError(f"more than {PROJECT_BLOCK} {resource} ids in one project")
        return BASES[resource] + self._offset + n


class CompanyIds:
    """Sequential ids for company-level resources."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def __call__(self, resource: str) -> int:
        n = self._next.get(resource, 0) + 1
        self._next[resource] = n
        return BASES[resource] + n
