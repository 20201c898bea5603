"""Every fault switch, set through `/_admin/faults` (and from CLI-style specs)."""

from __future__ import annotations

import json
import time

import pytest
from procore_schema import validate_records

from sandbox.procore.settings import FaultConfig

from . import factories as f
from .dataset import P1, P3, REQ1, REQ2, REQ3, REQ4

REQS = "/rest/v1.0/requisitions"


def _get(api, path: str = REQS, **params: object):
    return api.get(path, params={"project_id": P1, **params})


def test_server_errors_for_the_next_n_requests(api, admin) -> None:
    admin.patch("/faults", json={"server_errors": {"next_requests": 3}})
    failed = [_get(api) for _ in range(3)]
    assert all(r.status_code in (500, 502, 503) for r in failed)
    for r in failed:
        assert "X-Rate-Limit-Remaining" in r.headers
        assert r.headers["content-type"] == "application/json; charset=utf-8"
        assert ("Retry-After" in r.headers) == (r.status_code == 503)
    assert _get(api).status_code == 200
    assert admin.get("/faults").json()["server_errors"] is None


def test_503_carries_retry_after(api, admin) -> None:
    admin.patch(
        "/faults", json={"server_errors": {"statuses": [503], "retry_after": 7, "next_requests": 1}}
    )
    response = _get(api)
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"


def test_error_rate_is_deterministic_under_the_seed(api, admin) -> None:
    def run() -> list[int]:
        admin.put("/faults", json={"server_errors": {"rate": 0.4}})
        return [_get(api).status_code for _ in range(25)]

    first, second = run(), run()
    assert first == second
    assert 3 <= sum(s != 200 for s in first) <= 18


def test_faults_limited_to_one_operation(api, admin) -> None:
    admin.patch("/faults", json={"server_errors": {"operation": "RestV10VendorsGet"}})
    assert _get(api).status_code == 200
    vendors = api.get("/rest/v1.0/vendors", params={"company_id": f.COMPANY_ID})
    assert vendors.status_code >= 500


def test_oauth_is_only_faulted_when_named(api, admin, http) -> None:
    creds = {
        "grant_type": "client_credentials",
        "client_id": f.CLIENT_ID,
        "client_secret": f.CLIENT_SECRET,
    }
    admin.patch("/faults", json={"server_errors": {}})
    assert http.post("/oauth/token", data=creds).status_code == 200
    admin.patch(
        "/faults",
        json={
            "server_errors": {"operation": "OauthTokenPost", "statuses": [502], "next_requests": 1}
        },
    )
    assert http.post("/oauth/token", data=creds).status_code == 502
    assert http.post("/oauth/token", data=creds).status_code == 200


def test_latency(api, admin) -> None:
    admin.patch("/faults", json={"latency": {"seconds": 0.3, "next_requests": 1}})
    started = time.perf_counter()
    assert _get(api).status_code == 200
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    _get(api)
    assert time.perf_counter() - started < 0.3


def test_rate_limit_storm_for_n_requests(api, admin) -> None:
    admin.patch("/faults", json={"rate_limit_storm": {"next_requests": 2, "retry_after": 4}})
    for _ in range(2):
        response = _get(api)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "4"
        assert response.headers["X-Rate-Limit-Remaining"] == "0"
        assert "surpassed the max number of requests" in response.text
    assert _get(api).status_code == 200


def test_rate_limit_storm_for_t_seconds(api, admin) -> None:
    admin.patch("/faults", json={"rate_limit_storm": {"seconds": 30}})
    assert [_get(api).status_code for _ in range(3)] == [429, 429, 429]
    admin.post("/clock", json={"advance": 31})
    assert _get(api).status_code == 200


@pytest.mark.parametrize("mode", ["truncate", "malformed"])
def test_body_corruption(api, admin, mode: str) -> None:
    admin.patch("/faults", json={"body_corruption": {"mode": mode, "next_requests": 2}})
    for _ in range(2):
        response = _get(api)
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)
    assert len(_get(api).json()) == 4


def test_schema_drift_changes_type_and_name(api, admin) -> None:
    admin.patch(
        "/faults",
        json={
            "schema_drift": [
                {"resource": "requisitions", "field": "total_claimed_amount", "to_type": "number"},
                {"resource": "requisitions", "field": "invoice_number", "rename_to": "invoice_no"},
            ]
        },
    )
    response = _get(api)
    assert '"total_claimed_amount":26000.00' in response.text  # digits kept, no float noise
    record = response.json()[0]
    assert "invoice_number" not in record and record["invoice_no"] == "INV-1"
    assert any(
        "total_claimed_amount" in e
        for e in validate_records("RestV10RequisitionsGet", response.json())
    )
    show = api.get(f"{REQS}/{REQ1}", params={"project_id": P1}).json()
    assert isinstance(show["total_claimed_amount"], float)
    other = api.get("/rest/v1.0/vendors", params={"company_id": f.COMPANY_ID})
    assert validate_records("RestV10VendorsGet", other.json()) == []


def test_page_shift_touch_moves_a_later_record_out_of_the_window(api, admin) -> None:
    admin.patch("/faults", json={"page_shift": [{"resource": "requisitions", "mode": "touch"}]})
    window = {"filters[updated_at]": "2024-01-01T00:00:00Z...2024-06-01T00:00:00Z", "per_page": 2}
    first = _get(api, **window)
    assert first.headers["Total"] == "4"
    second = api.get(first.links["next"]["url"])
    assert second.headers["Total"] == "3"  # REQ4 (last) was bumped to "now" after page 1
    seen = [r["id"] for r in first.json() + second.json()]
    assert seen == [REQ1, REQ2, REQ3]
    stats = admin.get("/stats").json()
    assert stats["faults"] == {"page_shift_touch": 1}


def test_page_shift_insert_front_duplicates_across_pages(api, admin) -> None:
    admin.patch(
        "/faults", json={"page_shift": [{"resource": "requisitions", "mode": "insert_front"}]}
    )
    first = _get(api, per_page=2)
    second = api.get(first.links["next"]["url"])
    ids = [r["id"] for r in first.json() + second.json()]
    assert ids == [REQ1, REQ2, REQ2, REQ3]  # a new record at the front pushed REQ2 along
    assert second.headers["Total"] == "5"


def test_page_shift_delete_front_skips_a_record(api, admin) -> None:
    admin.patch(
        "/faults",
        json={"page_shift": [{"resource": "sub_jobs", "mode": "delete_front", "times": 1}]},
    )
    first = api.get("/rest/v1.0/sub_jobs", params={"project_id": P3, "per_page": 2})
    second = api.get(first.links["next"]["url"])
    assert [r["id"] for r in first.json()] == [3_000_300, 3_000_301]
    assert [r["id"] for r in second.json()] == [3_000_303]  # 3_000_302 slid onto page 1
    again = api.get("/rest/v1.0/sub_jobs", params={"project_id": P3, "per_page": 2})
    assert again.headers["Total"] == "3"  # fired once only


def test_clearing_and_validating_faults(admin) -> None:
    admin.patch("/faults", json={"latency": {"seconds": 1}})
    assert admin.delete("/faults").json()["latency"] is None
    assert admin.patch("/faults", json={"nonsense": {}}).status_code == 400
    assert admin.patch("/faults", json={"server_errors": {"rate": 7}}).status_code == 422
    bad = admin.patch("/faults", json={"schema_drift": [{"resource": "nope", "field": "x"}]})
    assert bad.status_code == 422


def test_faults_from_cli_style_specs() -> None:
    config = FaultConfig.from_specs(
        [
            "server_errors.rate=0.25",
            "server_errors.statuses=502,503",
            "latency.seconds=0.5",
            "rate_limit_storm.next_requests=3",
            "body_corruption.mode=malformed",
            "schema_drift=requisitions:total_claimed_amount:number",
            "schema_drift=vendors:name:rename=vendor_name",
            "page_shift=requisitions:insert_front",
        ]
    )
    assert config.server_errors.rate == 0.25 and config.server_errors.statuses == [502, 503]
    assert config.latency.seconds == 0.5 and config.rate_limit_storm.next_requests == 3
    assert config.body_corruption.mode == "malformed"
    assert [d.to_type for d in config.schema_drift] == ["number", None]
    assert config.schema_drift[1].rename_to == "vendor_name"
    assert config.page_shift[0].mode == "insert_front"
    with pytest.raises(ValueError):
        FaultConfig.from_specs(["latency=1"])


def test_faults_in_settings_apply_from_the_start(api, admin) -> None:
    admin.patch(
        "/settings", json={"faults": {"server_errors": {"next_requests": 1, "statuses": [500]}}}
    )
    assert _get(api).status_code == 500
    assert _get(api).status_code == 200
    ids = [r["id"] for r in _get(api).json()]
    assert ids == [REQ1, REQ2, REQ3, REQ4]
