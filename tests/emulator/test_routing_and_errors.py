"""Company header, required parameters, 403/404, JSON content type, `_scope` never leaks."""

from __future__ import annotations

import httpx
import pytest

from sandbox.procore.resources import ENDPOINTS

from . import factories as f
from .conftest import get_token
from .dataset import OTHER_PROJECT, P1, REQ1, WOC1, WOC3, request_for

JSON = "application/json; charset=utf-8"


@pytest.fixture
def bare(srv, http: httpx.Client) -> dict[str, str]:
    """Only the bearer header (no company)."""
    return {"Authorization": f"Bearer {get_token(http)}"}


def test_missing_company_header_is_400_with_procore_text(http, bare) -> None:
    response = http.get("/rest/v1.0/requisitions", params={"project_id": P1}, headers=bare)
    assert response.status_code == 400
    assert response.json() == {"errors": "Missing Procore-Company-Id header!"}
    assert response.headers["content-type"] == JSON


def test_missing_company_header_status_is_configurable(http, admin, bare) -> None:
    admin.patch("/settings", json={"missing_company_header_status": 403})
    response = http.get("/rest/v1.0/requisitions", params={"project_id": P1}, headers=bare)
    assert response.status_code == 403
    assert "Missing Procore-Company-Id header!" in response.text


@pytest.mark.parametrize("path", ["/rest/v1.0/me", "/rest/v1.0/companies"])
def test_me_and_companies_need_no_header_unless_strict(http, admin, bare, path: str) -> None:
    assert http.get(path, headers=bare).status_code == 200
    admin.patch("/settings", json={"strict_company_header": True})
    assert http.get(path, headers=bare).status_code == 400


def test_wrong_company_is_403(http, bare) -> None:
    headers = {**bare, "Procore-Company-Id": str(f.OTHER_COMPANY_ID)}
    response = http.get("/rest/v1.0/requisitions", params={"project_id": P1}, headers=headers)
    assert response.status_code == 403
    assert set(response.json()) == {"errors"}
    me = http.get("/rest/v1.0/me", headers=headers)
    assert me.status_code == 403


def test_company_id_query_must_match_the_header(api) -> None:
    response = api.get("/rest/v1.0/vendors", params={"company_id": f.OTHER_COMPANY_ID})
    assert response.status_code == 403


def test_project_of_another_company_is_403(api) -> None:
    response = api.get("/rest/v1.0/requisitions", params={"project_id": OTHER_PROJECT})
    assert response.status_code == 403
    assert "errors" in response.json()
    path = api.get(f"/rest/v1.0/projects/{OTHER_PROJECT}/direct_costs")
    assert path.status_code == 403


def test_unknown_or_deleted_project_is_404(api, admin) -> None:
    """Procore answers 404 (not 403) when the resource cannot be seen at all."""
    unknown = api.get("/rest/v1.0/requisitions", params={"project_id": 1})
    assert unknown.status_code == 404
    assert unknown.json() == {"errors": "Not found"}
    assert api.get("/rest/v1.0/projects/1/direct_costs").status_code == 404
    admin.post("/records/projects/soft_delete", json={"ids": [P1]})
    assert api.get("/rest/v1.0/requisitions", params={"project_id": P1}).status_code == 404


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/rest/v1.0/requisitions", "project_id"),
        ("/rest/v1.0/vendors", "company_id"),
        (f"/rest/v1.0/work_order_contracts/{WOC1}", "project_id"),
        (f"/rest/v1.0/requisitions/{REQ1}/contract_items", "project_id"),
    ],
)
def test_missing_required_query_param_is_400_naming_it(api, path: str, param: str) -> None:
    response = api.get(path)
    assert response.status_code == 400
    assert param in response.json()["errors"]


def test_non_integer_scope_param_is_400(api) -> None:
    response = api.get("/rest/v1.0/requisitions", params={"project_id": "abc"})
    assert response.status_code == 400 and "project_id" in response.text


def test_line_item_types_accept_project_instead_of_company(api) -> None:
    by_company = api.get("/rest/v1.0/line_item_types", params={"company_id": f.COMPANY_ID})
    by_project = api.get("/rest/v1.0/line_item_types", params={"project_id": P1})
    assert by_company.status_code == by_project.status_code == 200
    assert by_company.json() == by_project.json() and len(by_company.json()) == 2


def test_show_of_unknown_deleted_or_foreign_id_is_404(api) -> None:
    ok = api.get(f"/rest/v1.0/work_order_contracts/{WOC1}", params={"project_id": P1})
    assert ok.status_code == 200 and ok.json()["id"] == WOC1
    for record_id in (999, WOC3):
        gone = api.get(f"/rest/v1.0/work_order_contracts/{record_id}", params={"project_id": P1})
        assert gone.status_code == 404, record_id
        assert gone.headers["content-type"] == JSON
        assert "X-Rate-Limit-Limit" in gone.headers


def test_children_of_an_unknown_parent_are_404(api) -> None:
    response = api.get("/rest/v1.0/requisitions/999/contract_items", params={"project_id": P1})
    assert response.status_code == 404


def test_unknown_rest_path_is_404_and_wrong_method_405(api) -> None:
    assert api.get("/rest/v1.0/no_such_thing").status_code == 404
    post = api.post("/rest/v1.0/requisitions", params={"project_id": P1}, json={})
    assert post.status_code == 405


def test_v2_errors_use_the_standard_envelope(api) -> None:
    response = api.get(
        f"/rest/v2.0/companies/{f.COMPANY_ID}/projects/{P1}/commitment_change_orders/1/line_items"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    wrong = api.get(
        f"/rest/v2.0/companies/{f.OTHER_COMPANY_ID}/projects/{P1}"
        "/commitment_change_orders/1/line_items"
    )
    assert wrong.status_code == 403


def _walk(value: object) -> bool:
    """True when `_scope` appears anywhere in a JSON value."""
    if isinstance(value, dict):
        return "_scope" in value or any(_walk(v) for v in value.values())
    if isinstance(value, list):
        return any(_walk(v) for v in value)
    return False


def test_scope_never_leaks_and_every_answer_is_json(api) -> None:
    for endpoint in ENDPOINTS:
        path, params = request_for(endpoint)
        response = api.get(path, params=params)
        assert response.status_code == 200, (endpoint.operation_id, response.text)
        assert response.headers["content-type"] == JSON
        assert '"_scope"' not in response.text
        assert not _walk(response.json())


def test_answers_outside_rest_are_json_too(http) -> None:
    for response in (http.get("/nowhere"), http.get("/oauth/token"), http.put("/_admin/health")):
        assert response.status_code in (404, 405)
        assert response.headers["content-type"] == JSON
        assert "errors" in response.json()
