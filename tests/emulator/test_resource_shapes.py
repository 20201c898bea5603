"""Resource-specific routing: requisition item types, view=items, embeds, pay apps by
prime contract, `me`, id-less budget rows, list-view omissions."""

from __future__ import annotations

from .dataset import BUDGET_VIEW, P1, PRIME1, REQ1, REQ2, REQ3


def _ids(response) -> list:
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()]


def test_requisition_items_split_by_item_type(api) -> None:
    base = f"/rest/v1.0/requisitions/{REQ1}"
    assert _ids(api.get(f"{base}/contract_items", params={"project_id": P1})) == [
        4_810_000_001,
        4_810_000_002,
    ]
    assert _ids(api.get(f"{base}/change_order_items", params={"project_id": P1})) == [4_810_000_003]
    assert _ids(api.get(f"{base}/contract_detail_items", params={"project_id": P1})) == [
        4_810_000_004
    ]


def test_v11_requisitions_embed_items_only_with_view_items(api) -> None:
    plain = api.get("/rest/v1.1/requisitions", params={"project_id": P1}).json()
    assert all("items" not in r for r in plain)
    viewed = api.get("/rest/v1.1/requisitions", params={"project_id": P1, "view": "items"})
    by_id = {r["id"]: r for r in viewed.json()}
    assert [i["id"] for i in by_id[REQ1]["items"]] == [4_810_000_001 + i for i in range(4)]
    assert [i["id"] for i in by_id[REQ2]["items"]] == [4_810_000_005]
    assert by_id[REQ3]["items"] == []


def test_payment_applications_by_prime_contract(api) -> None:
    path = f"/rest/v1.0/prime_contracts/{PRIME1}/payment_applications"
    listed = api.get(path, params={"project_id": P1})
    assert _ids(listed) == [4_650_000_001, 4_650_000_002]
    assert all("g703" not in r for r in listed.json())
    show = api.get("/rest/v1.0/payment_applications/4650000001", params={"project_id": P1})
    assert show.json()["g703"][0]["total_retainage_currently_retained"] == "12600.00"
    assert (
        api.get(
            "/rest/v1.0/prime_contracts/1/payment_applications", params={"project_id": P1}
        ).status_code
        == 404
    )
    assert _ids(api.get(path, params={"project_id": P1, "filters[is_last]": "true"})) == [
        4_650_000_002
    ]


def test_prime_contract_show_embeds_its_line_items(api) -> None:
    body = api.get(f"/rest/v1.0/prime_contract/{PRIME1}", params={"project_id": P1}).json()
    assert [li["id"] for li in body["line_items"]] == [4_620_000_001, 4_620_000_002]


def test_embedded_children_follow_store_changes(api, admin) -> None:
    admin.post("/records/prime_contract_line_items/soft_delete", json={"ids": [4_620_000_002]})
    body = api.get(f"/rest/v1.0/prime_contract/{PRIME1}", params={"project_id": P1}).json()
    assert [li["id"] for li in body["line_items"]] == [4_620_000_001]


def test_me_and_budget_detail_rows_without_ids(api) -> None:
    assert api.get("/rest/v1.0/me").json()["id"] == 7_000_001
    rows = api.get(
        f"/rest/v1.0/budget_views/{BUDGET_VIEW}/detail_rows", params={"project_id": P1}
    ).json()
    assert [r["id"] for r in rows] == [4_710_000_001, None]
    assert rows[0]["Revised Budget"] == "10000.00"  # per-view dynamic column kept


def test_money_strings_leave_exactly_as_stored(api) -> None:
    response = api.get("/rest/v1.0/requisitions", params={"project_id": P1})
    assert '"total_claimed_amount":"26000.00"' in response.text
    assert '"percent_complete":"50.0%"' in response.text
    projects = api.get("/rest/v1.0/projects", params={"company_id": 4_100_000_001})
    assert '"estimated_budget":1250000.5' in projects.text


def test_readme_lists_every_served_endpoint() -> None:
    from pathlib import Path

    from sandbox.procore.resources import ENDPOINTS

    readme = (Path(__file__).parents[2] / "sandbox" / "procore" / "README.md").read_text()
    missing = [e.operation_id for e in ENDPOINTS if f"| {e.operation_id} |" not in readme]
    assert missing == [], "regenerate the endpoint table in sandbox/procore/README.md"


def test_show_overrides_for_fields_shaped_differently_in_show(api, admin) -> None:
    """Direct cost `vendor` is a string in the list schema, an object in the show schema:
    a record's private `_show` object overrides fields in show views only."""
    from procore_schema import validate_records

    from .dataset import DC1

    admin.patch(
        f"/records/direct_costs/{DC1}",
        json={"vendor": "Vendor 5000001", "_show": {"vendor": {"id": 5_000_001, "name": "Vendor"}}},
    )
    listed = api.get(f"/rest/v1.0/projects/{P1}/direct_costs").json()
    assert listed[0]["vendor"] == "Vendor 5000001" and "_show" not in listed[0]
    shown = api.get(f"/rest/v1.0/projects/{P1}/direct_costs/{DC1}").json()
    assert shown["vendor"] == {"id": 5_000_001, "name": "Vendor"} and "_show" not in shown
    assert validate_records("RestV10ProjectsProjectIdDirectCostsGet", listed) == []
    assert validate_records("RestV10ProjectsProjectIdDirectCostsIdGet", shown) == []
