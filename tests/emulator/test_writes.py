"""The emulator's sync actions (`PATCH …/sync`): Procore's matching rules, errors,
origin_id uniqueness, the 1000-item limit, auth/rate limits/faults on writes, and every
returned entity valid against the resource's GET-show schema.

Request bodies are checked against the OAS request schemas copied into
tests/fixtures/procore_openapi/sync/ (see SOURCE.md there).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

import httpx
import pytest
from jsonschema import Draft202012Validator
from procore_schema import FIXTURES, nullable, validate_records

from . import factories as f
from .conftest import faults, get_token, settings
from .dataset import BUDGET_VIEW, DC1, P1, POC1, VENDORS, WOC1, WOC2, WOC3

SYNC_SCHEMAS = FIXTURES / "sync"
VENDORS_SYNC = "/rest/v1.0/vendors/sync"
WOC_SYNC = "/rest/v1.0/work_order_contracts/sync"
POC_SYNC = "/rest/v1.0/purchase_order_contracts/sync"
DC_SYNC = f"/rest/v1.0/projects/{P1}/direct_costs/sync"


@cache
def _request_validator(operation_id: str) -> Draft202012Validator:
    doc = json.loads((SYNC_SCHEMAS / f"{operation_id}.json").read_text())
    return Draft202012Validator(nullable(doc["requestBody"]["schema"]))


def request_errors(operation_id: str, body: dict) -> list[str]:
    """Schema violations of a sync request body (unknown fields of an update item too,
    except the documented emulator extension `line_items` on direct costs, and `id`, which
    the sync tutorial documents for every sync action but the POC catalogue entry omits)."""
    validator = _request_validator(operation_id)
    errors = [e.message for e in validator.iter_errors(body)]
    props = validator.schema["properties"]["updates"]["items"]["properties"]
    for item in body.get("updates", []):
        extra = set(item) - set(props) - {"line_items", "id"}
        if extra:
            errors.append(f"unknown update fields {sorted(extra)}")
    return errors


def sync(
    api: httpx.Client, path: str, operation_id: str, updates: list, **scope: object
) -> httpx.Response:
    body = {**scope, "updates": updates}
    assert request_errors(operation_id, body) == []
    return api.patch(path, json=body)


def vendor_sync(api: httpx.Client, updates: list) -> dict:
    response = sync(api, VENDORS_SYNC, "RestV10VendorsSyncPatch", updates, company_id=f.COMPANY_ID)
    assert response.status_code == 200, response.text
    body = response.json()
    assert validate_records("RestV10VendorsIdGet", body["entities"], additional=False) == []
    return body


# --- vendors ---------------------------------------------------------------------------


def test_vendor_sync_creates_by_new_origin_id_and_the_list_sees_it(api: httpx.Client) -> None:
    body = vendor_sync(
        api, [{"name": "Sierra Concrete", "origin_id": "SIERRA01", "origin_data": "{}"}]
    )
    assert body["errors"] == []
    (created,) = body["entities"]
    assert created["origin_id"] == "SIERRA01" and created["synced_to_erp"] is True
    assert created["id"] > max(VENDORS)
    listed = api.get(
        "/rest/v1.0/vendors",
        params={"company_id": f.COMPANY_ID, "filters[origin_id]": "SIERRA01"},
    )
    assert [v["id"] for v in listed.json()] == [created["id"]]
    assert validate_records("RestV10VendorsGet", listed.json(), additional=False) == []
    show = api.get(f"/rest/v1.0/vendors/{created['id']}", params={"company_id": f.COMPANY_ID})
    assert show.json()["name"] == "Sierra Concrete"


def test_vendor_sync_updates_by_origin_id_and_bumps_updated_at(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.post("/clock", json={"set": "2030-01-01T00:00:00Z"}).raise_for_status()
    api.headers["Authorization"] = f"Bearer {get_token(api)}"  # the old one expired
    origin = f.vendor(VENDORS[0])["origin_id"]
    body = vendor_sync(api, [{"origin_id": origin, "business_phone": "512-555-0199"}])
    (updated,) = body["entities"]
    assert updated["id"] == VENDORS[0] and updated["business_phone"] == "512-555-0199"
    assert updated["updated_at"].startswith("2030-01-01")
    window = api.get(
        "/rest/v1.0/vendors",
        params={
            "company_id": f.COMPANY_ID,
            "filters[updated_at]": "2029-12-31T00:00:00Z...2030-01-02T00:00:00Z",
        },
    )
    assert [v["id"] for v in window.json()] == [VENDORS[0]]


def test_vendor_sync_by_id_changes_origin_id_and_unknown_id_is_an_error(
    api: httpx.Client,
) -> None:
    body = vendor_sync(
        api,
        [
            {"id": VENDORS[1], "origin_id": "NEW-1"},
            {"id": 1, "name": "Nobody"},
            {"id": VENDORS[4], "name": "Deleted one"},  # soft-deleted: not found
        ],
    )
    assert [e["id"] for e in body["entities"]] == [VENDORS[1]]
    assert body["entities"][0]["origin_id"] == "NEW-1"
    assert [(e["id"], e["errors"]) for e in body["errors"]] == [
        (1, {"id": ["Entity with this ID not found"]}),
        (VENDORS[4], {"id": ["Entity with this ID not found"]}),
    ]
    assert body["errors"][0]["name"] == "Nobody"  # the input comes back with the errors


def test_vendor_origin_id_is_unique_within_the_company(api: httpx.Client) -> None:
    taken = f.vendor(VENDORS[0])["origin_id"]
    body = vendor_sync(
        api,
        [
            {"id": VENDORS[1], "origin_id": taken},
            {"name": "Twice", "origin_id": "TWICE"},
            {"name": "Twice again", "origin_id": "TWICE"},  # same batch: found → update
        ],
    )
    assert body["errors"] == [
        {"id": VENDORS[1], "origin_id": taken, "errors": {"origin_id": ["has already been taken"]}}
    ]
    assert [e["name"] for e in body["entities"]] == ["Twice", "Twice again"]
    assert body["entities"][0]["id"] == body["entities"][1]["id"]


def test_vendor_create_needs_a_name(api: httpx.Client) -> None:
    body = vendor_sync(api, [{"origin_id": "NONAME"}])
    assert body["entities"] == []
    assert body["errors"][0]["errors"] == {"name": ["can't be blank"]}


def test_a_repeated_sync_changes_nothing(api: httpx.Client) -> None:
    update = {"name": "Same Co", "origin_id": "SAME"}
    first = vendor_sync(api, [update])["entities"][0]
    second = vendor_sync(api, [update])["entities"][0]
    assert second == first  # no second record, no updated_at bump


def test_at_most_1000_updates_per_request(api: httpx.Client) -> None:
    many = [{"name": f"V{i}", "origin_id": f"BULK-{i}"} for i in range(1001)]
    response = api.patch(VENDORS_SYNC, json={"company_id": f.COMPANY_ID, "updates": many})
    assert response.status_code == 400
    assert "at most 1000" in response.json()["errors"]
    body = vendor_sync(api, many[:1000])
    assert len(body["entities"]) == 1000 and body["errors"] == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"updates": []}, 400),  # no company_id
        ({"company_id": f.OTHER_COMPANY_ID, "updates": []}, 403),
        ({"company_id": f.COMPANY_ID}, 400),  # no updates
        ({"company_id": f.COMPANY_ID, "updates": "x"}, 400),
    ],
)
def test_request_level_refusals(api: httpx.Client, body: dict, status: int) -> None:
    response = api.patch(VENDORS_SYNC, json=body)
    assert response.status_code == status, response.text
    assert "errors" in response.json()


def test_malformed_json_and_wrong_method(api: httpx.Client) -> None:
    bad = api.patch(
        VENDORS_SYNC, content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 400
    get = api.get(VENDORS_SYNC)
    assert get.status_code == 405 and get.headers["Allow"] == "PATCH"


# --- transport rules apply to writes ---------------------------------------------------


def test_writes_need_a_token_and_the_company_header(http: httpx.Client, srv) -> None:
    body = {"company_id": f.COMPANY_ID, "updates": [{"name": "X", "origin_id": "X"}]}
    assert http.patch(VENDORS_SYNC, json=body).status_code == 401
    headers = {"Authorization": f"Bearer {get_token(http)}"}
    assert http.patch(VENDORS_SYNC, json=body, headers=headers).status_code == 400


def test_writes_are_rate_limited_and_faulted(api: httpx.Client, admin: httpx.Client) -> None:
    body = {"company_id": f.COMPANY_ID, "updates": [{"name": "R", "origin_id": "R"}]}
    settings(admin, spike_limit=1, hourly_limit=0)
    first = api.patch(VENDORS_SYNC, json=body)
    assert first.status_code == 200 and "X-Rate-Limit-Remaining" in first.headers
    limited = api.patch(VENDORS_SYNC, json=body)
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    settings(admin, spike_limit=0)
    faults(admin, server_errors={"next_requests": 1, "statuses": [503], "retry_after": 1})
    assert api.patch(VENDORS_SYNC, json=body).status_code == 503
    assert api.patch(VENDORS_SYNC, json=body).status_code == 200
    stats = admin.get("/stats").json()
    assert stats["by_operation"]["RestV10VendorsSyncPatch"] == 4


# --- commitments -----------------------------------------------------------------------


def test_commitment_sync_sets_the_erp_link_by_id(api: httpx.Client) -> None:
    link = {
        "id": WOC1,
        "origin_id": "1001-SC-001",
        "origin_data": '{"job":"1001","vendor":"SIERRA01"}',
        "origin_code": "SC-001",
    }
    response = sync(api, WOC_SYNC, "RestV10WorkOrderContractsSyncPatch", [link], project_id=P1)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["errors"] == []
    (woc,) = body["entities"]
    assert (woc["origin_id"], woc["origin_code"]) == ("1001-SC-001", "SC-001")
    assert woc["line_items"], "the show shape embeds the SOV lines"
    assert validate_records("RestV10WorkOrderContractsIdGet", woc, additional=False) == []
    listed = api.get(
        "/rest/v1.0/work_order_contracts",
        params={"project_id": P1, "filters[origin_id]": "1001-SC-001"},
    ).json()
    assert [r["id"] for r in listed] == [WOC1]
    assert validate_records("RestV10WorkOrderContractsGet", listed, additional=False) == []


def test_an_approved_commitment_keeps_its_contract_fields(api: httpx.Client) -> None:
    response = sync(
        api,
        WOC_SYNC,
        "RestV10WorkOrderContractsSyncPatch",
        [{"id": WOC1, "title": "Renamed"}, {"id": WOC2, "title": "Draft may change"}],
        project_id=P1,
    )
    body = response.json()
    assert [e["id"] for e in body["entities"]] == [WOC2]
    assert "Approved" in body["errors"][0]["errors"]["base"][0]


def test_commitment_origin_id_unique_and_deleted_ones_not_found(api: httpx.Client) -> None:
    first = sync(
        api,
        WOC_SYNC,
        "RestV10WorkOrderContractsSyncPatch",
        [{"id": WOC1, "origin_id": "DUP"}, {"id": WOC2, "origin_id": "DUP"}, {"id": WOC3}],
        project_id=P1,
    ).json()
    assert [e["id"] for e in first["entities"]] == [WOC1]
    assert first["errors"][0]["errors"] == {"origin_id": ["has already been taken"]}
    assert first["errors"][1]["errors"] == {"id": ["Entity with this ID not found"]}


def test_purchase_order_sync_and_project_checks(api: httpx.Client) -> None:
    ok = sync(
        api,
        POC_SYNC,
        "RestV10PurchaseOrderContractsSyncPatch",
        [{"id": POC1, "origin_id": "PO-1"}],
        project_id=P1,
    ).json()
    assert ok["errors"] == []
    op = "RestV10PurchaseOrderContractsIdGet"
    assert validate_records(op, ok["entities"], additional=False) == []
    listed = api.get("/rest/v1.0/purchase_order_contracts", params={"project_id": P1}).json()
    assert "PO-1" in {r["origin_id"] for r in listed}
    op = "RestV10PurchaseOrderContractsGet"
    assert validate_records(op, listed, additional=False) == []
    missing = api.patch(POC_SYNC, json={"project_id": 1, "updates": []})
    assert missing.status_code == 404
    # a WOC id is not a POC: not found in this resource
    wrong = api.patch(POC_SYNC, json={"project_id": P1, "updates": [{"id": WOC1}]}).json()
    assert wrong["errors"][0]["errors"] == {"id": ["Entity with this ID not found"]}


# --- direct costs ----------------------------------------------------------------------


def _dc(origin: str, *amounts: str, **extra: object) -> dict:
    return {
        "direct_cost_type": "expense",
        "status": "approved",
        "direct_cost_date": "2024-05-31",
        "description": "Sage job cost 2024-05",
        "origin_id": origin,
        "origin_data": '{"job":"1001"}',
        "line_items": [
            {"amount": a, "cost_code_id": 9_000_001, "line_item_type_id": 8_000_001}
            for a in amounts
        ],
        **extra,
    }


def test_direct_cost_sync_creates_with_lines_and_totals(api: httpx.Client) -> None:
    response = sync(
        api,
        DC_SYNC,
        "RestV10ProjectsProjectIdDirectCostsSyncPatch",
        [_dc("JC-1001-2024-05", "1200.50", "99.50")],
    )
    body = response.json()
    assert body["errors"] == []
    (dc,) = body["entities"]
    assert dc["grand_total"] == "1300.00" and dc["line_items_count"] == 2
    op = "RestV10ProjectsProjectIdDirectCostsIdGet"
    assert validate_records(op, dc, additional=False) == []
    lines = api.get(f"/rest/v1.0/projects/{P1}/direct_costs/{dc['id']}/line_items").json()
    assert [line["amount"] for line in lines] == ["1200.50", "99.50"]
    assert lines[0]["cost_code"]["id"] == 9_000_001
    op = "RestV10ProjectsProjectIdDirectCostsDirectCostIdLineItemsGet"
    assert validate_records(op, lines, additional=False) == []
    listed = api.get(f"/rest/v1.0/projects/{P1}/direct_costs").json()
    assert (
        validate_records("RestV10ProjectsProjectIdDirectCostsGet", listed, additional=False) == []
    )


def test_a_synced_direct_cost_is_locked_but_a_retry_is_harmless(api: httpx.Client) -> None:
    op = "RestV10ProjectsProjectIdDirectCostsSyncPatch"
    first = sync(api, DC_SYNC, op, [_dc("JC-LOCK", "10.00")]).json()["entities"][0]
    again = sync(api, DC_SYNC, op, [_dc("JC-LOCK", "10.00")]).json()
    assert again["errors"] == [] and again["entities"][0] == first
    changed = sync(api, DC_SYNC, op, [_dc("JC-LOCK", "11.00")]).json()
    assert changed["entities"] == []
    assert "synced with ERP" in changed["errors"][0]["errors"]["base"][0]


def test_direct_cost_rules(api: httpx.Client) -> None:
    op = "RestV10ProjectsProjectIdDirectCostsSyncPatch"
    body = sync(
        api,
        DC_SYNC,
        op,
        [
            {"origin_id": "NO-TYPE", "direct_cost_date": "2024-05-31"},
            {**_dc("INV", "1.00"), "direct_cost_type": "invoice"},
            _dc("BAD-DATE", "1.00", direct_cost_date="05/31/2024"),
            {"id": DC1, "direct_cost_type": "payroll"},
        ],
    ).json()
    assert body["entities"] == []
    found = [e["errors"] for e in body["errors"]]
    assert found[0] == {"direct_cost_type": ["can't be blank"]}
    assert set(found[1]) == {"invoice_number", "vendor_id"}
    assert set(found[2]) == {"direct_cost_date"}
    assert set(found[3]) == {"direct_cost_type"}


def test_connector_shaped_requests_conform_to_the_published_request_schemas() -> None:
    """The helper itself: an unknown update field is reported (keeps the tests honest)."""
    assert request_errors("RestV10VendorsSyncPatch", {"company_id": 1, "updates": [{"x": 1}]})
    assert Path(SYNC_SCHEMAS / "SOURCE.md").is_file()


# --- Advanced Forecasting rows (Sage cost to complete → Procore) ------------------------
FORECAST_POST = "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsPost"
FORECAST_GET = "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsGet"
FORECAST_ROWS = f"/rest/v2.0/companies/{f.COMPANY_ID}/projects/{P1}/advanced_forecastings/rows"
LINE = 4_710_000_001
WBS = 4_720_000_001


@cache
def _forecast_row_validator() -> Draft202012Validator:
    """The GET's row schema (kept in sync/, see SOURCE.md), unknown keys refused."""
    doc = json.loads((SYNC_SCHEMAS / f"{FORECAST_GET}.json").read_text())
    item = doc["responses"]["200"]["schema"]["properties"]["data"]["items"]
    return Draft202012Validator({**nullable(item), "additionalProperties": False})


def forecast_errors(rows: list) -> list[str]:
    """Schema violations of forecasting rows as Procore's GET shapes them."""
    return [e.message for row in rows for e in _forecast_row_validator().iter_errors(row)]


def forecast_post(api: httpx.Client, rows: list) -> httpx.Response:
    body = {"forecasting_rows": rows}
    assert [e.message for e in _request_validator(FORECAST_POST).iter_errors(body)] == []
    return api.post(FORECAST_ROWS, json=body)


def _decimal_body(response: httpx.Response) -> dict:
    return json.loads(response.text, parse_float=Decimal)


@pytest.fixture
def wbs_line(admin: httpx.Client) -> int:
    """The dataset's budget line with a WBS code (the POST requires one)."""
    admin.patch(f"/records/budget_detail_rows/{LINE}", json={"wbs_code_id": WBS}).raise_for_status()
    return LINE


def test_forecast_rows_post_sets_forecast_to_complete_and_later_reads_show_it(
    api: httpx.Client, wbs_line: int
) -> None:
    row = {"wbs_code_id": str(WBS), "budget_line_item_id": str(wbs_line)}
    answer = forecast_post(api, [{**row, "forecast_to_complete": 600.25}])
    assert answer.status_code == 200, answer.text
    (written,) = _decimal_body(answer)["data"]
    assert forecast_errors([written]) == []
    assert written["budget_line_item_id"] == str(wbs_line)
    assert written["forecast_to_complete"] == Decimal("600.25")
    listed = api.get(FORECAST_ROWS)
    assert listed.status_code == 200
    rows = _decimal_body(listed)["data"]
    assert forecast_errors(rows) == []
    assert [r["forecast_to_complete"] for r in rows if r["budget_line_item_id"] == str(LINE)] == [
        Decimal("600.25")
    ]
    detail = api.get(
        f"/rest/v1.0/budget_views/{BUDGET_VIEW}/detail_rows", params={"project_id": P1}
    ).json()
    (line,) = [d for d in detail if d["id"] == LINE]
    assert line["budget_forecast"]["amount"] == "600.25"
    assert line["budget_forecast"]["automatically_calculated"] is False


def test_forecast_rows_post_is_all_or_nothing_with_422(api: httpx.Client, wbs_line: int) -> None:
    good = {"wbs_code_id": str(WBS), "budget_line_item_id": str(wbs_line)}
    answer = api.post(  # row 4 breaks the request schema on purpose (curve enum)
        FORECAST_ROWS,
        json={
            "forecasting_rows": [
                {**good, "forecast_to_complete": 5},
                {"budget_line_item_id": str(wbs_line), "wbs_code_id": "999"},
                {"wbs_code_id": str(WBS), "budget_line_item_id": "123", "forecast_to_complete": 1},
                {**good, "curve": "sideways"},
            ]
        },
    )
    assert answer.status_code == 422
    text = answer.text
    assert "row 2" in text and "row 3" in text and "row 4" in text and "row 1" not in text
    rows = _decimal_body(api.get(FORECAST_ROWS))["data"]
    assert [r["forecast_to_complete"] for r in rows if r["budget_line_item_id"] == str(LINE)] == [
        None
    ]
    as_string = api.post(
        FORECAST_ROWS, json={"forecasting_rows": [{**good, "forecast_to_complete": "5.00"}]}
    )
    assert as_string.status_code == 422  # the schema types it `number`


def test_forecast_rows_refuse_another_company(api: httpx.Client) -> None:
    other = FORECAST_ROWS.replace(str(f.COMPANY_ID), str(f.OTHER_COMPANY_ID))
    assert api.get(other).status_code == 403
    assert api.post(other, json={"forecasting_rows": []}).status_code == 403
    wrong = api.patch(FORECAST_ROWS, json={})
    assert wrong.status_code == 405 and wrong.headers["Allow"] == "GET, POST"
