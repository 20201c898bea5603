"""Every served operation's records validate against Procore's published 200 schema.

Schemas: tests/fixtures/procore_openapi/<operationId>.json, or the supplement derived
from the python SDK's model docs where the catalogue lost the properties (see
supplements/SOURCE.md). The converter lives in tests/procore_schema.py.

Validation is strict about top-level keys (`additional=False`): an operation serves only
the fields its schema declares, although the stored record holds every view's fields.
"""

from __future__ import annotations

import copy

import pytest
from procore_schema import missing_key_fields, operation_file, schema_for, validate_records

from sandbox.procore.resources import ENDPOINTS, Endpoint, response_fields

from . import factories as f
from .dataset import DC1, P1, REQ1, request_for


def _records(body: object) -> list:
    if isinstance(body, dict) and set(body) == {"data"}:
        body = body["data"]
    return body if isinstance(body, list) else [body]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_served_records_match_the_published_schema(api, endpoint: Endpoint) -> None:
    schema = schema_for(endpoint.operation_id)
    assert schema.get("properties"), f"{operation_file(endpoint.operation_id)} has no properties"
    path, params = request_for(endpoint)
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    records = _records(body)
    assert records, f"{endpoint.operation_id}: the test scenario serves no records"
    strict = not endpoint.dynamic_fields
    assert validate_records(endpoint.operation_id, body, additional=not strict) == []
    assert missing_key_fields(endpoint.operation_id, endpoint.resource, body) == []
    assert set(response_fields(endpoint.operation_id)) == set(schema["properties"])
    if endpoint.envelope == "data":
        assert all(isinstance(r["id"], str) for r in records)


def test_budget_detail_rows_keep_only_their_view_columns_beyond_the_schema(api) -> None:
    """The one dynamic-field operation: Procore adds a key per visible budget view column."""
    from .dataset import BUDGET_VIEW

    op = "RestV10BudgetViewsBudgetViewIdDetailRowsGet"
    rows = api.get(
        f"/rest/v1.0/budget_views/{BUDGET_VIEW}/detail_rows", params={"project_id": P1}
    ).json()
    declared = set(schema_for(op)["properties"])
    assert {k for r in rows for k in r} - declared == {"Revised Budget"}


@pytest.mark.parametrize(
    ("path", "op", "absent"),
    [
        (
            "/rest/v1.0/requisitions",
            "RestV10RequisitionsGet",
            {"vendor_id", "previous_requisition_id", "invoice_type"},
        ),
        (
            f"/rest/v1.0/requisitions/{REQ1}",
            "RestV10RequisitionsIdGet",
            {"vendor_id", "previous_requisition_id", "invoice_type"},
        ),
        ("/rest/v1.1/requisitions", "RestV11RequisitionsGet", {"comment"}),
        ("/rest/v1.0/projects", "RestV10ProjectsGet", {"is_erp_integrated"}),
        ("/rest/v1.1/projects", "RestV11ProjectsGet", {"is_erp_integrated", "stage"}),
        ("/rest/v1.0/prime_contracts", "RestV10PrimeContractsGet", {"revised_contract_amount"}),
        (
            "/rest/v1.0/payment_applications/4650000001",
            "RestV10PaymentApplicationsIdGet",
            {"created_at", "updated_at"},
        ),
        (
            f"/rest/v1.0/projects/{P1}/direct_costs/{DC1}",
            "RestV10ProjectsProjectIdDirectCostsIdGet",
            {"amount"},
        ),
        ("/rest/v1.0/work_order_contracts", "RestV10WorkOrderContractsGet", {"line_items"}),
        ("/rest/v1.0/payment_applications", "RestV10PaymentApplicationsGet", {"g703"}),
    ],
)
def test_each_view_serves_only_its_own_fields(api, path: str, op: str, absent: set) -> None:
    """The store holds the union of list/show/version fields; each view projects it."""
    params = {"company_id": f.COMPANY_ID} if "projects" in path else {"project_id": P1}
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    records = _records(response.json())
    assert records
    assert not absent & set(schema_for(op)["properties"])
    assert all(not absent & set(r) for r in records)
    assert validate_records(op, records, additional=False) == []


def test_show_only_and_version_only_fields_appear_where_declared(api) -> None:
    v11 = {r["id"]: r for r in api.get("/rest/v1.1/requisitions", params={"project_id": P1}).json()}
    assert v11[REQ1]["vendor_id"] == 5_000_001
    assert v11[REQ1]["invoice_type"] == "requisition"
    project = api.get(f"/rest/v1.0/projects/{P1}", params={"company_id": f.COMPANY_ID}).json()
    assert project["is_erp_integrated"] is False
    pay_app = api.get(
        "/rest/v1.0/payment_applications/4650000001", params={"project_id": P1}
    ).json()
    assert "created_at" not in pay_app and "updated_at" not in pay_app
    listed = api.get("/rest/v1.0/payment_applications", params={"project_id": P1}).json()
    assert all(r["updated_at"] for r in listed)


def test_show_embeds_children_that_also_conform(api) -> None:
    from .dataset import WOC1

    body = api.get(f"/rest/v1.0/work_order_contracts/{WOC1}", params={"project_id": P1}).json()
    assert [li["id"] for li in body["line_items"]] == [4_500_000_001, 4_500_000_002]
    assert validate_records("RestV10WorkOrderContractsIdGet", body, additional=False) == []
    listed = api.get("/rest/v1.0/work_order_contracts", params={"project_id": P1}).json()
    assert all("line_items" not in r for r in listed)


def test_fields_file_is_current() -> None:
    """`sandbox/procore/fields.json` is what `build_fields` derives from the fixtures."""
    from sandbox.procore import build_fields

    assert build_fields.main(["--check"]) == 0, "run python -m sandbox.procore.build_fields"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_embedded_keys_are_declared_fields(endpoint: Endpoint) -> None:
    """Show `embed` and list `view=` keys are fields Procore declares on that operation."""
    declared = response_fields(endpoint.operation_id)
    assert declared, f"{endpoint.operation_id}: no fields in fields.json"
    keys = set(endpoint.embed) | {k for view in endpoint.views.values() for k in view}
    assert keys <= set(declared)


def test_money_as_a_number_fails_validation() -> None:
    """The check can fail: a money string sent as a JSON number is a type error."""
    good = {k: v for k, v in f.requisition(1).items() if k != "_scope"}
    assert validate_records("RestV10RequisitionsGet", [good]) == []
    bad = copy.deepcopy(good)
    bad["total_claimed_amount"] = 26000.0
    bad["summary"]["total_retainage"] = 2600
    errors = validate_records("RestV10RequisitionsGet", [bad])
    assert any("total_claimed_amount" in e for e in errors)
    assert any("summary.total_retainage" in e for e in errors)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("billing_date", "2024-04-30T00:00:00Z"),
        ("billing_date", "04/30/2024"),
        ("created_at", "2024-05-01"),
        ("created_at", "2024-05-01 08:00:00"),
        ("status", "paid"),
        ("number", "1"),
    ],
)
def test_formats_enums_and_types_are_enforced(field: str, value: object) -> None:
    record = {k: v for k, v in f.requisition(1).items() if k != "_scope"}
    record[field] = value
    assert validate_records("RestV10RequisitionsGet", [record])


def test_nulls_offsets_and_decimal_strings_are_accepted() -> None:
    record = {k: v for k, v in f.requisition(1).items() if k != "_scope"}
    record.update(
        status=None,
        billing_date=None,
        created_at="2024-05-01T08:00:00.123456-05:00",
        origin_id=None,
        summary=None,
    )
    assert validate_records("RestV10RequisitionsGet", [record]) == []
    line = {k: v for k, v in f.line_item(1, "prime_contract_id", 2).items() if k != "_scope"}
    assert validate_records("RestV10PrimeContractsPrimeContractIdLineItemsGet", [line]) == []
    line["quantity"] = "one"
    assert validate_records("RestV10PrimeContractsPrimeContractIdLineItemsGet", [line])


def test_supplements_cover_the_operations_with_empty_schemas() -> None:
    """A supplement-backed operation validates types too (money string vs number)."""
    woc = {k: v for k, v in f.work_order_contract(1).items() if k != "_scope"}
    assert "supplements" in str(operation_file("RestV10WorkOrderContractsGet"))
    assert validate_records("RestV10WorkOrderContractsGet", [woc]) == []
    woc["grand_total"] = 50000
    assert validate_records("RestV10WorkOrderContractsGet", [woc])


def test_unknown_top_level_keys_can_be_reported() -> None:
    record = {"id": 1, "login": "a@b.c", "name": "x", "nmae": "typo"}
    assert validate_records("RestV10MeGet", record) == []
    assert validate_records("RestV10MeGet", record, additional=False)
