"""Pagination exactly per the reference §5/§13.4: page/per_page, Total, Per-Page, Link."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from . import factories as f
from .dataset import CCO1, P1, P2, P3, P4, REQ1

SUB_JOBS = "/rest/v1.0/sub_jobs"


def _link(base: str, page: int, **params: object) -> str:
    query = "&".join(f"{k}={v}" for k, v in sorted({**params, "page": page}.items()))
    return f"<{base}{SUB_JOBS}?{query}>"


@pytest.mark.parametrize(("project", "count"), [(P4, 0), (P1, 1), (P2, 3)])
def test_single_page_results_have_no_link(api, project: int, count: int) -> None:
    response = api.get(SUB_JOBS, params={"project_id": project, "per_page": 3})
    assert response.status_code == 200
    assert len(response.json()) == count
    assert response.headers["Total"] == str(count)
    assert response.headers["Per-Page"] == "3"
    assert "Link" not in response.headers


def test_per_page_plus_one_spans_two_pages_with_exact_links(api, srv) -> None:
    params = {"project_id": P3, "per_page": 3}
    first = api.get(SUB_JOBS, params=params)
    assert [r["id"] for r in first.json()] == [3_000_300, 3_000_301, 3_000_302]
    assert first.headers["Total"] == "4" and first.headers["Per-Page"] == "3"
    assert first.headers["Link"] == (
        f'{_link(srv.url, 2, per_page=3, project_id=P3)}; rel="last", '
        f'{_link(srv.url, 2, per_page=3, project_id=P3)}; rel="next"'
    )
    second = api.get(SUB_JOBS, params={**params, "page": 2})
    assert [r["id"] for r in second.json()] == [3_000_303]
    assert second.headers["Link"] == (
        f'{_link(srv.url, 1, per_page=3, project_id=P3)}; rel="first", '
        f'{_link(srv.url, 1, per_page=3, project_id=P3)}; rel="prev"'
    )
    assert second.headers["Total"] == "4"


def test_middle_page_has_all_four_rels_in_order(api, srv) -> None:
    response = api.get(SUB_JOBS, params={"project_id": P3, "per_page": 1, "page": 2})
    rels = [part.split("; ")[1] for part in response.headers["Link"].split(", ")]
    assert rels == ['rel="first"', 'rel="prev"', 'rel="last"', 'rel="next"']
    assert response.links["next"]["url"].endswith("page=3&per_page=1&project_id=" + str(P3))
    assert response.links["last"]["url"].endswith("page=4&per_page=1&project_id=" + str(P3))
    assert response.links["first"]["url"].startswith(f"{srv.url}{SUB_JOBS}?page=1&")


def test_page_past_the_end_is_empty(api) -> None:
    response = api.get(SUB_JOBS, params={"project_id": P3, "per_page": 3, "page": 9})
    assert response.json() == []
    assert response.headers["Total"] == "4"
    assert 'rel="next"' not in response.headers["Link"]
    assert 'rel="prev"' in response.headers["Link"]


def test_links_keep_every_param_sorted_and_encoded(api) -> None:
    response = api.get(
        "/rest/v1.0/requisitions",
        params=[
            ("project_id", P1),
            ("per_page", 1),
            ("filters[id][]", REQ1),
            ("filters[id][]", REQ1 + 1),
            ("filters[updated_at]", "2024-01-01...2025-01-01"),
        ],
    )
    assert response.headers["Total"] == "2"
    url = response.links["next"]["url"]
    assert (
        "?filters%5Bid%5D%5B%5D="
        + str(REQ1)
        + "&filters%5Bid%5D%5B%5D="
        + str(REQ1 + 1)
        + "&filters%5Bupdated_at%5D=2024-01-01...2025-01-01&page=2&per_page=1&project_id="
        in url
    )
    following = api.get(url)
    assert [r["id"] for r in following.json()] == [REQ1 + 1]
    assert "next" not in following.links


def test_following_next_visits_every_record_once(api) -> None:
    seen, url, params = [], "/rest/v1.0/sub_jobs", {"project_id": P3, "per_page": 1}
    while url:
        response = api.get(url, params=params)
        seen += [r["id"] for r in response.json()]
        url, params = response.links.get("next", {}).get("url"), None
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 4


def test_default_and_clamped_page_sizes(api, admin) -> None:
    assert api.get(SUB_JOBS, params={"project_id": P3}).headers["Per-Page"] == "100"
    assert api.get("/rest/v1.1/requisitions", params={"project_id": P1}).headers["Per-Page"] == "30"
    clamped = api.get("/rest/v1.1/projects", params={"company_id": f.COMPANY_ID, "per_page": 5000})
    assert clamped.headers["Per-Page"] == "300"
    assert (
        api.get(SUB_JOBS, params={"project_id": P3, "per_page": 999999}).headers["Per-Page"]
        == "2000"
    )
    for junk in ("0", "-4", "abc"):
        assert (
            api.get(SUB_JOBS, params={"project_id": P3, "per_page": junk}).headers["Per-Page"]
            == "100"
        )
    assert api.get(SUB_JOBS, params={"project_id": P3, "page": "x"}).json()[0]["id"] == 3_000_300
    admin.patch("/settings", json={"default_per_page": 2, "max_per_page": 3})
    assert api.get(SUB_JOBS, params={"project_id": P3}).headers["Per-Page"] == "2"
    assert api.get(SUB_JOBS, params={"project_id": P3, "per_page": 10}).headers["Per-Page"] == "3"


def test_v2_envelope_string_ids_and_v2_default_page_size(api) -> None:
    response = api.get(
        f"/rest/v2.0/companies/{f.COMPANY_ID}/projects/{P1}"
        f"/commitment_change_orders/{CCO1}/line_items"
    )
    body = response.json()
    assert set(body) == {"data"}
    assert [r["id"] for r in body["data"]] == ["4520000001", "4520000002"]
    assert body["data"][0]["wbs_code_id"] == "6000001"
    assert response.headers["Per-Page"] == "10" and response.headers["Total"] == "2"
    paged = api.get(
        f"/rest/v2.0/companies/{f.COMPANY_ID}/projects/{P1}"
        f"/commitment_change_orders/{CCO1}/line_items",
        params={"per_page": 1},
    )
    assert len(paged.json()["data"]) == 1 and "next" in paged.links


def test_integer_ids_stored_for_v2_are_served_as_strings(api) -> None:
    from .dataset import PCO1

    body = api.get(
        f"/rest/v2.0/companies/{f.COMPANY_ID}/projects/{P1}/prime_change_orders/{PCO1}/line_items"
    ).json()
    assert body["data"][0]["id"] == "4630000001"


def test_non_paginated_lists_return_everything_without_headers(api) -> None:
    response = api.get(
        f"/rest/v1.0/projects/{P1}/commitment_change_orders", params={"per_page": 1, "page": 2}
    )
    assert [r["id"] for r in response.json()] == [CCO1, CCO1 + 1]
    assert "Link" not in response.headers and "Total" not in response.headers


def test_link_urls_round_trip_through_parse(api) -> None:
    response = api.get(SUB_JOBS, params={"project_id": P3, "per_page": 2})
    parts = urlsplit(response.links["next"]["url"])
    assert dict(parse_qsl(parts.query)) == {"page": "2", "per_page": "2", "project_id": str(P3)}
