"""The hand-built scenario the emulator tests serve, and one sample request per endpoint.

Everything lives in project P1 except the sub-job counts used for pagination
boundaries (P4: 0, P1: 1, P2: 3, P3: 4) and one project of another company.
"""

from __future__ import annotations

from sandbox.procore.resources import Endpoint

from . import factories as f

P1, P2, P3, P4 = (f.PROJECT_ID + i for i in range(4))
OTHER_PROJECT = f.PROJECT_ID + 999
WOC1, WOC2, WOC3 = 4_300_000_001, 4_300_000_002, 4_300_000_003
POC1 = 4_310_000_001
CCO1, CCO2 = 4_320_000_001, 4_320_000_002
PRIME1 = 4_600_000_001
PCO1 = 4_610_000_001
REQ1, REQ2, REQ3, REQ4 = (4_800_000_001 + i for i in range(4))
DC1, DC2 = 4_900_000_001, 4_900_000_002
BUDGET_VIEW = 4_700_000_001
VENDORS = [5_000_001 + i for i in range(5)]


def full_data() -> dict[str, list[dict]]:
    """At least one record behind every served endpoint, in project P1; sub-job counts
    0/1/3/4 across P4/P1/P2/P3 for pagination boundaries."""
    data = f.base_company(P1, P2, P3, P4)
    data.update(
        {
            "vendors": [f.vendor(v) for v in VENDORS[:4]]
            + [f.vendor(VENDORS[4], deleted_at="2024-04-01T00:00:00Z")],
            "line_item_types": [
                f.line_item_type(8_000_001),
                f.line_item_type(8_000_002, name="Material", code="M", base_type="materials"),
            ],
            "cost_codes": [f.cost_code(9_000_000 + i, P1) for i in (1, 2, 3)],
            "sub_jobs": (
                [f.sub_job(3_000_101, P1)]
                + [f.sub_job(3_000_200 + i, P2) for i in range(3)]
                + [f.sub_job(3_000_300 + i, P3) for i in range(4)]
            ),
            "budget_views": [f.budget_view(BUDGET_VIEW, P1)],
            "budget_detail_rows": [
                f.budget_detail_row(4_710_000_001, BUDGET_VIEW, P1),
                f.budget_detail_row(None, BUDGET_VIEW, P1, original_budget_amount="0.00"),
            ],
            "work_order_contracts": [
                f.work_order_contract(WOC1, P1, updated_at="2024-05-01T00:00:00Z"),
                f.work_order_contract(WOC2, P1, status="Draft", executed=False),
                f.work_order_contract(WOC3, P1, deleted_at="2024-04-20T00:00:00Z"),
            ],
            "work_order_contract_line_items": [
                f.line_item(4_500_000_001, "work_order_contract_id", WOC1, P1),
                f.line_item(
                    4_500_000_002,
                    "work_order_contract_id",
                    WOC1,
                    P1,
                    position=2,
                    cost_code={"id": 9_000_002, "full_code": "02-200", "name": "Site"},
                ),
                f.line_item(4_500_000_003, "work_order_contract_id", WOC2, P1),
            ],
            "purchase_order_contracts": [f.purchase_order_contract(POC1, P1)],
            "purchase_order_contract_line_items": [
                f.line_item(4_510_000_001, "purchase_order_contract_id", POC1, P1)
            ],
            "commitment_change_orders": [
                f.change_order(CCO1, P1, contract_id=WOC1),
                f.change_order(CCO2, P1, contract_id=WOC2, status="draft"),
            ],
            "commitment_change_order_line_items": [
                f.v2_change_order_line_item(4_520_000_001, "commitment_change_order_id", CCO1, P1),
                f.v2_change_order_line_item(4_520_000_002, "commitment_change_order_id", CCO1, P1),
            ],
            "prime_contracts": [f.prime_contract(PRIME1, P1)],
            "prime_contract_line_items": [
                f.line_item(4_620_000_001 + i, "prime_contract_id", PRIME1, P1) for i in range(2)
            ],
            "prime_change_orders": [f.change_order(PCO1, P1, contract_id=PRIME1)],
            "prime_change_order_line_items": [
                # stored with integer ids: the emulator turns them into v2 strings
                {
                    **f.v2_change_order_line_item(4_630_000_001, "prime_change_order_id", PCO1, P1),
                    "id": 4_630_000_001,
                }
            ],
            "change_events": [
                f.change_event(4_640_000_001, P1),
                f.change_event(4_640_000_002, P1, deleted_at="2024-04-02T00:00:00Z"),
            ],
            "requisitions": [
                f.requisition(REQ1, P1, updated_at="2024-05-01T00:00:00Z", status="approved"),
                f.requisition(
                    REQ2, P1, updated_at="2024-05-01T12:00:00Z", status="draft", commitment_id=WOC2
                ),
                f.requisition(REQ3, P1, updated_at="2024-05-02T00:00:00Z", number=2),
                f.requisition(REQ4, P1, updated_at="2024-04-30T23:59:59Z", status="under_review"),
            ],
            "requisition_items": [
                f.requisition_item(4_810_000_001, REQ1),
                f.requisition_item(4_810_000_002, REQ1, position=2),
                f.requisition_item(
                    4_810_000_003, REQ1, item_type="change_order_item", change_order_package_id=CCO1
                ),
                f.requisition_item(4_810_000_004, REQ1, item_type="contract_detail_item"),
                f.requisition_item(4_810_000_005, REQ2),
            ],
            "billing_periods": [
                f.billing_period(4_400_000_001, P1),
                f.billing_period(4_400_000_002, P1, position=2, status="closed"),
            ],
            "payment_applications": [
                f.payment_application(4_650_000_001, P1, contract_id=PRIME1),
                f.payment_application(4_650_000_002, P1, contract_id=PRIME1, number=2),
            ],
            "direct_costs": [
                f.direct_cost(DC1, P1),
                f.direct_cost(DC2, P1, direct_cost_type="expense"),
            ],
            "direct_cost_line_items": [
                f.line_item(4_910_000_001, "direct_cost_id", DC1, P1),
                f.line_item(4_910_000_002, "direct_cost_id", DC1, P1, position=2),
                f.line_item(
                    4_910_000_003,
                    "direct_cost_id",
                    DC2,
                    P1,
                    cost_code={"id": 9_000_003, "full_code": "03-300", "name": "Concrete"},
                ),
            ],
        }
    )
    return data


PATH_IDS = {
    "project_id": P1,
    "company_id": f.COMPANY_ID,
    "id": None,
    "budget_view_id": BUDGET_VIEW,
    "work_order_contract_id": WOC1,
    "purchase_order_contract_id": POC1,
    "commitment_change_order_id": CCO1,
    "prime_contract_id": PRIME1,
    "prime_change_order_id": PCO1,
    "requisition_id": REQ1,
    "direct_cost_id": DC1,
}
SHOW_IDS = {
    "projects": P1,
    "vendors": VENDORS[0],
    "cost_codes": 9_000_001,
    "work_order_contracts": WOC1,
    "purchase_order_contracts": POC1,
    "work_order_contract_line_items": 4_500_000_001,
    "purchase_order_contract_line_items": 4_510_000_001,
    "commitment_change_orders": CCO1,
    "prime_contracts": PRIME1,
    "prime_change_orders": PCO1,
    "change_events": 4_640_000_001,
    "requisitions": REQ1,
    "payment_applications": 4_650_000_001,
    "direct_costs": DC1,
}


def request_for(endpoint: Endpoint) -> tuple[str, dict[str, object]]:
    """A path and query that return data for `endpoint` from `full_data()`."""
    ids = {**PATH_IDS, "id": SHOW_IDS.get(endpoint.resource)}
    path = endpoint.path.format(**{k: v for k, v in ids.items() if "{" + k + "}" in endpoint.path})
    params: dict[str, object] = {
        k: ids[k] for k, where in endpoint.scope.items() if where == "query"
    }
    if endpoint.views:
        params["view"] = next(iter(endpoint.views))
    return path, params
