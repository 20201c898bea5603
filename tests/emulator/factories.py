"""Small, schema-valid Procore records and scenario directories for emulator tests.

Each factory returns one record exactly as Procore would return it (JSON types per the
OAS: money and quantities as strings, ids as integers above 2^31) plus `_scope`.
Keyword overrides replace fields. `write_scenario()` lays the records out as a scenario
directory the emulator can load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

COMPANY_ID = 4_100_000_001
OTHER_COMPANY_ID = 4_100_000_002
CLIENT_ID = "tieout-test-client"
CLIENT_SECRET = "s3cret-for-tests"
PROJECT_ID = 4_200_000_001
T0 = "2024-05-01T12:00:00Z"
USD = {"currency_iso_code": "USD"}


def _rec(scope: Mapping[str, Any], base: dict, overrides: Mapping[str, Any]) -> dict:
    return {**base, **overrides, "_scope": dict(scope)}


def me(**o: Any) -> dict:
    return _rec({}, {"id": 7_000_001, "login": "svc@example.com", "name": "Service Account"}, o)


def company(cid: int = COMPANY_ID, **o: Any) -> dict:
    return _rec(
        {},
        {
            "id": cid,
            "name": "Acme Builders",
            "is_active": True,
            "logo_url": None,
            "pcn_business_experience": False,
            "my_company": True,
        },
        o,
    )


def project(pid: int = PROJECT_ID, company_id: int = COMPANY_ID, **o: Any) -> dict:
    return _rec(
        {"company_id": company_id},
        {
            "id": pid,
            "name": f"Job {pid}",
            "display_name": f"{pid % 1000}-Job",
            "active": True,
            "project_number": f"{pid % 1000}",
            "total_value": "1250000.00",
            "estimated_value": None,
            "estimated_budget": 1250000.5,
            "latitude": 30.25,
            "longitude": -97.75,
            "origin_id": None,
            "origin_code": None,
            "origin_data": None,
            "stage": "Course of Construction",
            "project_stage": {"id": 3, "name": "Course of Construction"},
            "company": {"id": company_id, "name": "Acme Builders"},
            "start_date": "2024-01-15",
            "completion_date": None,
            "time_zone": "US/Central",
            "created_at": "2024-01-10T09:00:00Z",
            "updated_at": T0,
            "is_demo": False,
            "is_erp_integrated": False,  # show only (the store holds every view's fields)
        },
        o,
    )


def vendor(vid: int, company_id: int = COMPANY_ID, **o: Any) -> dict:
    return _rec(
        {"company_id": company_id},
        {
            "id": vid,
            "name": f"Vendor {vid}",
            "abbreviated_name": f"V{vid % 1000}",
            "is_active": True,
            "origin_id": f"SAGE-{vid % 1000}",
            "origin_code": None,
            "origin_data": None,
            "synced_to_erp": True,
            "vendor_group": None,
            "business_phone": "512-555-0100",
            "created_at": "2024-01-02T08:00:00Z",
            "updated_at": T0,
        },
        o,
    )


def line_item_type(lid: int, company_id: int = COMPANY_ID, **o: Any) -> dict:
    return _rec(
        {"company_id": company_id},
        {
            "id": lid,
            "name": "Labor",
            "code": "L",
            "base_type": "other",
            "origin_id": "L",
            "origin_data": None,
        },
        o,
    )


def cost_code(cid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    return _rec(
        {"project_id": project_id},
        {
            "id": cid,
            "code": "100",
            "full_code": "01-100",
            "name": "General Conditions",
            "biller": f"Job {project_id}",
            "biller_id": project_id,
            "biller_type": "Project",
            "budgeted": True,
            "origin_id": None,
            "origin_data": None,
            "parent": {"id": cid - 1},
            "position": 1,
            "sortable_code": "01-100",
            "standard_cost_code_id": 55,
            "line_item_types": [],
            "created_at": "2024-01-10T09:00:00Z",
            "updated_at": T0,
            "deleted_at": None,
        },
        o,
    )


def sub_job(sid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    return _rec(
        {"project_id": project_id},
        {
            "id": sid,
            "code": "01",
            "name": "Phase 1",
            "origin_id": None,
            "origin_data": None,
            "created_at": "2024-01-10T09:00:00Z",
            "updated_at": T0,
        },
        o,
    )


def budget_view(bid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    return _rec(
        {"project_id": project_id},
        {
            "id": bid,
            "name": "Procore Standard Budget",
            "description": "",
            "role": "standard",
            "created_at": "2024-01-10 09:00:00 UTC",
            "updated_at": "2024-01-10 09:00:00 UTC",
            "links": {
                "detail_rows": f"/rest/v1.0/budget_views/{bid}/detail_rows",
                "summary_rows": f"/rest/v1.0/budget_views/{bid}/summary_rows",
            },
        },
        o,
    )


def budget_detail_row(
    rid: int | None, budget_view_id: int, project_id: int = PROJECT_ID, **o: Any
) -> dict:
    return _rec(
        {"project_id": project_id, "budget_view_id": budget_view_id},
        {
            "id": rid,
            "project_id": project_id,
            "cost_code_id": 9_000_001,
            "category_id": 8_000_001,
            "cost_code": "01-100",
            "category": "L",
            "biller_type": "Project",
            "original_budget_amount": "10000.00",
            "budget_modifications": "0.00",
            "budget_forecast": None,
            "currency_configuration": USD,
            "Revised Budget": "10000.00",
        },
        o,
    )


def _contract(cid: int, project_id: int, o: Mapping[str, Any]) -> dict:
    return _rec(
        {"project_id": project_id},
        {
            "id": cid,
            "number": f"SC-{cid % 1000:03d}",
            "title": f"Contract {cid}",
            "status": "Approved",
            "executed": True,
            "accounting_method": "amount",
            "retainage_percent": "10.0",
            "grand_total": "50000.00",
            "revised_contract": "52000.00",
            "approved_change_orders": "2000.00",
            "pending_change_orders": "0.00",
            "draft_change_orders_amount": "0.00",
            "total_payments": "0.00",
            "vendor": {"id": 5_000_001, "company": "Vendor 5000001"},
            "project": {"id": project_id, "name": f"Job {project_id}"},
            "origin_id": None,
            "origin_code": None,
            "origin_data": None,
            "private": False,
            "contract_date": "2024-02-01",
            "created_at": "2024-02-01T10:00:00Z",
            "updated_at": T0,
            "deleted_at": None,
            "currency_configuration": USD,
        },
        o,
    )


def work_order_contract(cid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    return _contract(cid, project_id, o)


def purchase_order_contract(cid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    return _contract(
        cid, project_id, {"delivery_date": "2024-03-01", "payment_terms": "Net 30", **o}
    )


def line_item(
    lid: int, parent_key: str, parent_id: int, project_id: int = PROJECT_ID, **o: Any
) -> dict:
    """A v1 SOV line (WOC/POC/prime/direct cost): money strings, cost code + type objects."""
    return _rec(
        {"project_id": project_id, parent_key: parent_id},
        {
            "id": lid,
            "position": 1,
            "description": "Framing labor",
            "amount": "25000.00",
            "quantity": "1.0",
            "unit_cost": "25000.00",
            "uom": "LS",
            "total_amount": "25000.00",
            "extended_amount": "25000.00",
            "extended_type": "manual",
            "tax_code_id": None,
            "cost_code": {"id": 9_000_001, "full_code": "01-100", "name": "General Conditions"},
            "line_item_type": {"id": 8_000_001, "name": "Labor", "code": "L", "base_type": "other"},
            "holder": {"id": parent_id, "holder_type": "Contract"},
            "origin_id": None,
            "project": {"id": project_id, "name": f"Job {project_id}"},
            "wbs_code": {"id": 6_000_001, "flat_code": "01-100.L", "description": "GC Labor"},
            "created_at": "2024-02-01T10:00:00Z",
            "updated_at": T0,
            "currency_configuration": USD,
        },
        o,
    )


def change_order(cid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    """Commitment or prime change order (same shape)."""
    return _rec(
        {"project_id": project_id},
        {
            "id": cid,
            "contract_id": 4_300_000_001,
            "batch_id": None,
            "legacy_package_id": None,
            "number": "001",
            "title": "Added scope",
            "status": "approved",
            "revision": 0,
            "executed": True,
            "signature_required": False,
            "private": False,
            "paid": False,
            "grand_total": "2000.00",
            "reviewed_at": "2024-03-05T15:00:00Z",
            "due_date": None,
            "created_at": "2024-03-01T10:00:00Z",
            "updated_at": T0,
            "currency_configuration": USD,
        },
        o,
    )


def v2_change_order_line_item(
    lid: int, parent_key: str, parent_id: int, project_id: int = PROJECT_ID, **o: Any
) -> dict:
    """v2 CO line: ids as strings, quantity/position numbers, money strings."""
    return _rec(
        {"project_id": project_id, parent_key: parent_id},
        {
            "id": str(lid),
            "description": "Extra blocking",
            "uom": "LS",
            "quantity": 1,
            "unit_cost": "2000.00",
            "amount": "2000.00",
            "extended_type": "manual",
            "wbs_code_id": "6000001",
            "tax_code_id": None,
            "position": 1,
            "commitment_line_item_id": None,
            "prime_line_item_id": None,
        },
        o,
    )


def prime_contract(cid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    base = _contract(cid, project_id, {})
    for key in (
        "revised_contract",
        "pending_change_orders",
        "draft_change_orders_amount",
        "vendor",
        "project",
    ):
        base.pop(key)
    base.update(revised_contract_amount="1260000.00", grand_total="1250000.00")
    base.pop("_scope")
    return _rec({"project_id": project_id}, base, o)


def change_event(eid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    return _rec(
        {"project_id": project_id},
        {
            "id": eid,
            "number": 1,
            "alphanumeric_number": "001",
            "title": "Owner request",
            "description": "",
            "status": "open",
            "project_id": project_id,
            "event_type": "owner_change",
            "event_scope": "out_of_scope",
            "origin_id": None,
            "origin_data": None,
            "change_event_line_items": [],
            "created_at": "2024-03-01T10:00:00Z",
            "updated_at": T0,
            "deleted_at": None,
            "currency_configuration": USD,
        },
        o,
    )


def requisition(
    rid: int, project_id: int = PROJECT_ID, commitment_id: int = 4_300_000_001, **o: Any
) -> dict:
    return _rec(
        {"project_id": project_id},
        {
            "id": rid,
            "number": 1,
            "project_id": project_id,
            "commitment_id": commitment_id,
            "commitment_type": "WorkOrderContract",
            "contract_name": "Contract",
            "vendor_id": 5_000_001,
            "vendor_name": "Vendor 5000001",
            "invoice_number": f"INV-{rid % 1000}",
            "period_id": 4_400_000_001,
            "billing_date": "2024-04-30",
            "payment_date": None,
            "requisition_start": "2024-04-01",
            "requisition_end": "2024-04-30",
            "status": "approved",
            "erp_status": None,
            "final": False,
            "percent_complete": "50.0%",
            "total_claimed_amount": "26000.00",
            "origin_id": None,
            "origin_data": None,
            "created_at": "2024-05-01T08:00:00Z",
            "updated_at": T0,
            "currency_configuration": USD,
            "invoice_type": "requisition",
            "previous_requisition_id": None,  # v1.1 only
            "comment": None,  # v1.0 only
            "summary": {
                "original_contract_sum": "50000.00",
                "net_change_by_change_orders": "2000.00",
                "contract_sum_to_date": "52000.00",
                "total_completed_and_stored_to_date": "26000.00",
                "completed_work_retainage_percent": "10.0",
                "completed_work_retainage_amount": "2600.00",
                "stored_materials_retainage_percent": "0.0",
                "stored_materials_retainage_amount": "0.00",
                "total_retainage": "2600.00",
                "total_earned_less_retainage": "23400.00",
                "less_previous_certificates_for_payment": "0.00",
                "current_payment_due": "23400.00",
                "balance_to_finish_including_retainage": "28600.00",
                "tax_applicable_to_this_payment": "0.00",
            },
        },
        o,
    )


def requisition_item(
    iid: int,
    requisition_id: int,
    item_type: str = "contract_item",
    project_id: int = PROJECT_ID,
    **o: Any,
) -> dict:
    return _rec(
        {"project_id": project_id, "requisition_id": requisition_id},
        {
            "id": iid,
            "item_type": item_type,
            "line_item_id": 4_500_000_001,
            "cost_code_id": 9_000_001,
            "description_of_work": "Framing labor",
            "position": 1,
            "scheduled_value": "25000.00",
            "work_completed_from_previous_application": "0.00",
            "work_completed_this_period": "12500.00",
            "materials_presently_stored": "0.00",
            "total_completed_and_stored_to_date": "12500.00",
            "total_completed_and_stored_to_date_percent": "50.0",
            "work_completed_retainage_from_previous_application": "0.00",
            "work_completed_retainage_retained_this_period": "1250.00",
            "work_completed_retainage_percent_this_period": "10.0",
            "work_completed_retainage_released_this_period": "0.00",
            "materials_stored_retainage_currently_retained": "0.00",
            "materials_stored_retainage_percent_this_period": "0.0",
            "materials_stored_retainage_released_this_period": "0.00",
            "materials_moved": "0.00",
            "materials_retainage_retained_moved": "0.00",
            "subcontractor_claimed_amount": "12500.00",
            "ssr_manual_override": False,
            "wbs_code": {"id": 6_000_001, "flat_code": "01-100.L", "description": "GC Labor"},
            "currency_configuration": USD,
        },
        o,
    )


def billing_period(bid: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    return _rec(
        {"project_id": project_id},
        {
            "id": bid,
            "position": 1,
            "project_id": project_id,
            "start_date": "2024-04-01",
            "end_date": "2024-04-30",
            "due_date": "2024-04-25",
            "status": "open",
            "created_at": "2024-03-20T10:00:00Z",
            "updated_at": T0,
        },
        o,
    )


def payment_application(
    aid: int, project_id: int = PROJECT_ID, contract_id: int = 4_600_000_001, **o: Any
) -> dict:
    """Owner invoice; the OAS types its created_at/updated_at as dates."""
    g702 = {
        "original_contract_sum": "1250000.00",
        "net_change_by_change_orders": "10000.00",
        "contract_sum_to_date": "1260000.00",
        "total_retainage": "12600.00",
        "total_completed_and_stored_to_date": "126000.00",
        "current_payment_due": "113400.00",
    }
    return _rec(
        {"project_id": project_id},
        {
            "id": aid,
            "number": 1,
            "invoice_number": f"PA-{aid % 1000}",
            "billing_date": "2024-04-30",
            "period_id": 4_400_000_001,
            "period_start": "2024-04-01",
            "period_end": "2024-04-30",
            "status": "approved",
            "percent_complete": "10.0",
            "total_amount_paid": "0.00",
            "total_amount_accrued_this_period": "126000.00",
            "origin_id": None,
            "origin_data": None,
            "currency_configuration": USD,
            "g702": g702,
            "billing_period": {"start_date": "2024-04-01", "end_date": "2024-04-30"},
            "contract": {"id": contract_id, "type": "PrimeContract", "title": "Prime"},
            "created_at": "2024-05-01",
            "updated_at": "2024-05-01",
            "g703": [
                {
                    "id": aid * 10,
                    "scheduled_value": "1250000.00",
                    "work_completed_this_period": "126000.00",
                    "work_completed_retainage_retained_this_period": "12600.00",
                    "total_retainage_currently_retained": "12600.00",
                }
            ],
        },
        o,
    )


def direct_cost(did: int, project_id: int = PROJECT_ID, **o: Any) -> dict:
    return _rec(
        {"project_id": project_id},
        {
            "id": did,
            "direct_cost_type": "invoice",
            "status": "approved",
            "direct_cost_date": "2024-04-15",
            "invoice_number": f"DC-{did % 1000}",
            "grand_total": "1200.00",
            "amount": "1200.00",
            "vendor_id": 5_000_001,
            "vendor_name": "Vendor 5000001",
            "description": "Dumpster",
            "origin_id": None,
            "origin_data": None,
            "payment_date": None,
            "received_date": "2024-04-16",
            "terms": None,
            "created_at": "2024-04-16T10:00:00Z",
            "updated_at": T0,
            "deleted_at": None,
            "currency_configuration": USD,
        },
        o,
    )


def records_by_resource(records: Iterable[tuple[str, dict]]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for resource, record in records:
        out.setdefault(resource, []).append(record)
    return out


def write_scenario(
    root: Path,
    data: Mapping[str, list[dict]],
    *,
    company_id: int = COMPANY_ID,
    name: str = "emulator-test",
) -> Path:
    """A scenario directory (scenario.toml, procore/*.json, empty sage/) for `data`."""
    (root / "procore").mkdir(parents=True, exist_ok=True)
    (root / "sage").mkdir(exist_ok=True)
    (root / "scenario.toml").write_text(
        f'name = "{name}"\ndescription = "built by tests/emulator/factories.py"\n'
        f'as_of = "2024-05-31"\n\n[procore]\ncompany_id = {company_id}\n'
        f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
    )
    for resource, rows in data.items():
        (root / "procore" / f"{resource}.json").write_text(json.dumps(rows, indent=1))
    return root


def base_company(*projects: int) -> dict[str, list[dict]]:
    """me + companies + the given projects (default one) in COMPANY_ID, plus one project of
    another company (for 403 tests)."""
    ids = projects or (PROJECT_ID,)
    return {
        "me": [me()],
        "companies": [company()],
        "projects": [project(pid) for pid in ids]
        + [project(PROJECT_ID + 999, company_id=OTHER_COMPANY_ID)],
    }
