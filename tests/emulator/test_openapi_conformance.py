"""Every served operation's records validate against Procore's published 200 schema.

Schemas: tests/fixtures/procore_openapi/<operationId>.json, or the supplement derived
from the python SDK's model docs where the catalogue lost the properties (see
supplements/SOURCE.md). The converter lives in tests/procore_schema.py.
"""

from __future__ import annotations

import copy

import pytest
from procore_schema import operation_file, schema_for, validate_records

from sandbox.procore.resources import ENDPOINTS, Endpoint

from . import factories as f
from .dataset import request_for


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
    assert validate_records(endpoint.operation_id, body) == []
    if endpoint.envelope == "data":
        assert all(isinstance(r["id"], str) for r in records)


def test_show_embeds_children_that_also_conform(api) -> None:
    from .dataset import P1, WOC1

    body = api.get(f"/rest/v1.0/work_order_contracts/{WOC1}", params={"project_id": P1}).json()
    assert [li["id"] for li in body["line_items"]] == [4_500_000_001, 4_500_000_002]
    assert validate_records("RestV10WorkOrderContractsIdGet", body) == []
    listed = api.get("/rest/v1.0/work_order_contracts", params={"project_id": P1}).json()
    assert all("line_items" not in r for r in listed)


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


@pytest.mark.parametrize(("field", "value"), [
    ("billing_date", "2024-04-30T00:00:00Z"),
    ("billing_date", "04/30/2024"),
    ("created_at", "2024-05-01"),
    ("created_at", "2024-05-01 08:00:00"),
    ("status", "paid"),
    ("number", "1"),
])
def test_formats_enums_and_types_are_enforced(field: str, value: object) -> None:
    record = {k: v for k, v in f.requisition(1).items() if k != "_scope"}
    record[field] = value
    assert validate_records("RestV10RequisitionsGet", [record])


def test_nulls_offsets_and_decimal_strings_are_accepted() -> None:
    record = {k: v for k, v in f.requisition(1).items() if k != "_scope"}
    record.update(status=None, billing_date=None, created_at="2024-05-01T08:00:00.123456-05:00",
                  origin_id=None, summary=None)
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
