"""`filters[...]`: ranges (inclusive, dates, offsets, quotes), ids, equality, deleted rows,
and silence about filters an endpoint does not support."""

from __future__ import annotations

import pytest

from . import factories as f
from .dataset import DC1, DC2, P1, P2, REQ1, REQ2, REQ3, REQ4, VENDORS, WOC1, WOC2, WOC3

REQS = "/rest/v1.0/requisitions"


def _ids(api, path: str, **params: object) -> list[int]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T00:00:00Z...2024-05-01T12:00:00Z", [REQ1, REQ2]),  # inclusive ends
        ("2024-05-01T00:00:01Z...2024-05-01T11:59:59Z", []),
        ("2024-05-01...2024-05-01", [REQ1, REQ2]),  # whole UTC day
        ("2024-04-30...2024-05-01", [REQ1, REQ2, REQ4]),
        ("2024-05-01T07:00:00-05:00...2024-05-01T19:00:00-05:00", [REQ2, REQ3]),  # offsets
        ("2024-05-01T14:00:00+02:00...2024-05-01T14:00:00+02:00", [REQ2]),
        ('"2024-05-01T00:00:00Z...2024-05-01T12:00:00Z"', [REQ1, REQ2]),  # quoted
        ('"2024-05-01T00:00:00Z"..."2024-05-01T12:00:00Z"', [REQ1, REQ2]),
        ("2024-05-01T12:00:00Z...", [REQ2, REQ3]),  # open-ended
        ("...2024-04-30T23:59:59Z", [REQ4]),
        ("2024-05-02", [REQ3]),  # single day
    ],
)
def test_updated_at_ranges(api, value: str, expected: list[int]) -> None:
    assert _ids(api, REQS, project_id=P1, **{"filters[updated_at]": value}) == expected


@pytest.mark.parametrize(
    "value",
    [
        "yesterday...today",
        "2024-05-01T00:00...2024-05-02",
        "...",
        "2024-05-01T00:00:00 05:00...2024-05-02",
    ],
)
def test_malformed_range_is_400(api, value: str) -> None:
    response = api.get(REQS, params={"project_id": P1, "filters[updated_at]": value})
    assert response.status_code == 400
    assert "filters[updated_at]" in response.json()["errors"]


def test_created_at_range(api) -> None:
    assert _ids(api, REQS, project_id=P1, **{"filters[created_at]": "2024-05-01...2024-05-01"}) == [
        REQ1,
        REQ2,
        REQ3,
        REQ4,
    ]
    assert (
        _ids(api, REQS, project_id=P1, **{"filters[created_at]": "2024-06-01...2024-06-02"}) == []
    )


def test_id_filters_single_array_and_comma(api) -> None:
    assert _ids(api, REQS, project_id=P1, **{"filters[id]": REQ3}) == [REQ3]
    assert _ids(api, REQS, project_id=P1, **{"filters[id]": f"{REQ1},{REQ4}"}) == [REQ1, REQ4]
    response = api.get(
        REQS, params=[("project_id", P1), ("filters[id][]", REQ2), ("filters[id][]", REQ3)]
    )
    assert [r["id"] for r in response.json()] == [REQ2, REQ3]


def test_equality_filters_combine_with_and(api) -> None:
    assert _ids(api, REQS, project_id=P1, **{"filters[status]": "draft"}) == [REQ2]
    assert _ids(api, REQS, project_id=P1, **{"filters[commitment_id]": WOC2}) == [REQ2]
    assert _ids(
        api, REQS, project_id=P1, **{"filters[commitment_id]": WOC1, "filters[status]": "approved"}
    ) == [REQ1, REQ3]


def test_filters_on_nested_ids_and_scope_keys(api) -> None:
    path = f"/rest/v1.0/projects/{P1}/direct_costs/line_items"
    assert _ids(api, path, **{"filters[direct_cost_id]": DC2}) == [4_910_000_003]
    assert _ids(api, path, **{"filters[cost_code_id]": 9_000_003}) == [4_910_000_003]
    assert _ids(api, path, **{"filters[direct_cost_id]": DC1}) == [4_910_000_001, 4_910_000_002]


def test_is_last_keeps_the_latest_invoice_per_commitment(api) -> None:
    ids = _ids(api, "/rest/v1.1/requisitions", project_id=P1, **{"filters[is_last]": "true"})
    assert ids == [REQ2, REQ3]


def test_unsupported_filters_are_ignored(api) -> None:
    everything = _ids(api, "/rest/v1.0/sub_jobs", project_id=P2)
    assert (
        _ids(
            api,
            "/rest/v1.0/sub_jobs",
            project_id=P2,
            **{"filters[updated_at]": "1999-01-01...1999-01-02", "filters[id]": 1},
        )
        == everything
    )
    # v1.0 requisitions have no vendor_id filter (v1.1 does not either in the registry)
    assert _ids(api, REQS, project_id=P1, **{"filters[vendor_id]": 1}) == [REQ1, REQ2, REQ3, REQ4]
    # an unsupported filter with a malformed value is ignored too, not a 400
    assert (
        _ids(api, "/rest/v1.0/sub_jobs", project_id=P2, **{"filters[created_at]": "garbage"})
        == everything
    )


def test_include_deleted_only_and_with(api) -> None:
    path = "/rest/v1.0/work_order_contracts"
    assert _ids(api, path, project_id=P1) == [WOC1, WOC2]
    assert _ids(api, path, project_id=P1, **{"filters[include_deleted]": "with"}) == [
        WOC1,
        WOC2,
        WOC3,
    ]
    only = api.get(path, params={"project_id": P1, "filters[include_deleted]": "only"}).json()
    assert [r["id"] for r in only] == [WOC3] and only[0]["deleted_at"]


def test_soft_deleted_rows_are_absent_where_include_deleted_is_unsupported(api) -> None:
    vendors = _ids(
        api, "/rest/v1.0/vendors", company_id=f.COMPANY_ID, **{"filters[include_deleted]": "with"}
    )
    assert vendors == VENDORS[:4]


def test_text_and_status_filters_on_company_lists(api, admin) -> None:
    admin.patch(f"/records/projects/{P2}", json={"active": False, "name": "Warehouse B"})
    names = api.get(
        "/rest/v1.0/projects", params={"company_id": f.COMPANY_ID, "filters[name]": "warehouse"}
    ).json()
    assert [p["id"] for p in names] == [P2]
    active = _ids(
        api, "/rest/v1.0/projects", company_id=f.COMPANY_ID, **{"filters[by_status]": "active"}
    )
    assert P2 not in active and P1 in active
    assert _ids(
        api, "/rest/v1.0/vendors", company_id=f.COMPANY_ID, **{"filters[origin_id]": "SAGE-3"}
    ) == [VENDORS[2]]
