"""Hourly + spike limits: headers on every answer, 429 with reset/Retry-After, recovery."""

from __future__ import annotations

import time

from .dataset import P1

MESSAGE = (
    "You have surpassed the max number of requests for an hour. "
    "Please wait until your limit resets."
)
REQS = "/rest/v1.0/requisitions"


def _limits(response) -> tuple[int, int, int]:
    h = response.headers
    return (
        int(h["X-Rate-Limit-Limit"]),
        int(h["X-Rate-Limit-Remaining"]),
        int(h["X-Rate-Limit-Reset"]),
    )


def test_defaults_report_the_spike_window(api) -> None:
    limit, remaining, reset = _limits(api.get(REQS, params={"project_id": P1}))
    assert (limit, remaining) == (100, 99)
    assert time.time() < reset <= time.time() + 11


def test_spike_limit_then_429_then_recovery_after_the_window(api, admin) -> None:
    admin.patch("/settings", json={"spike_limit": 3, "hourly_limit": 0})
    seen = [_limits(api.get(REQS, params={"project_id": P1}))[:2] for _ in range(3)]
    assert seen == [(3, 2), (3, 1), (3, 0)]
    blocked = api.get(REQS, params={"project_id": P1})
    assert blocked.status_code == 429
    assert blocked.text == MESSAGE
    assert blocked.headers["content-type"] == "text/plain; charset=utf-8"  # not JSON
    limit, remaining, reset = _limits(blocked)
    assert (limit, remaining) == (3, 0)
    assert 1 <= int(blocked.headers["Retry-After"]) <= 10
    now = admin.get("/clock").json()["now"]
    assert now < reset <= now + 11
    admin.post("/clock", json={"advance": 10.5})
    again = api.get(REQS, params={"project_id": P1})
    assert again.status_code == 200 and _limits(again)[:2] == (3, 2)


def test_hourly_limit_is_reported_when_it_is_closer(api, admin) -> None:
    admin.patch("/settings", json={"spike_limit": 100, "hourly_limit": 5})
    limit, remaining, reset = _limits(api.get(REQS, params={"project_id": P1}))
    assert (limit, remaining) == (5, 4)
    now = admin.get("/clock").json()["now"]
    assert now + 3590 <= reset <= now + 3601
    for _ in range(4):
        api.get(REQS, params={"project_id": P1})
    blocked = api.get(REQS, params={"project_id": P1})
    assert blocked.status_code == 429 and _limits(blocked)[:2] == (5, 0)
    assert int(blocked.headers["Retry-After"]) > 3000
    admin.post("/clock", json={"advance": 3601})
    assert api.get(REQS, params={"project_id": P1}).status_code == 200


def test_every_answer_carries_the_headers(api, http) -> None:
    for response in (
        api.get("/rest/v1.0/no_such_thing"),
        api.get("/rest/v1.0/work_order_contracts/1", params={"project_id": P1}),
        api.get(REQS),
        http.get(REQS, params={"project_id": P1}),  # no token: 401
    ):
        assert response.status_code in (400, 401, 404), response.status_code
        for name in ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"):
            assert name in response.headers


def test_limits_are_per_client_and_company_header(api, admin, http) -> None:
    admin.patch("/settings", json={"spike_limit": 2, "hourly_limit": 0})
    api.get(REQS, params={"project_id": P1})
    api.get(REQS, params={"project_id": P1})
    assert api.get(REQS, params={"project_id": P1}).status_code == 429
    token = api.headers["Authorization"]
    other_bucket = http.get("/rest/v1.0/me", headers={"Authorization": token})
    assert other_bucket.status_code == 200
    assert _limits(other_bucket)[:2] == (2, 1)


def test_json_body_option_and_unlimited(api, admin) -> None:
    admin.patch("/settings", json={"spike_limit": 1, "hourly_limit": 0, "rate_limit_body": "json"})
    api.get(REQS, params={"project_id": P1})
    blocked = api.get(REQS, params={"project_id": P1})
    assert blocked.status_code == 429 and blocked.json() == {"errors": MESSAGE}
    assert blocked.headers["content-type"] == "application/json; charset=utf-8"
    admin.patch("/settings", json={"spike_limit": 0, "hourly_limit": 0})
    for _ in range(5):
        response = api.get("/rest/v1.0/companies")
        assert response.status_code == 200
    assert int(response.headers["X-Rate-Limit-Remaining"]) > 10**8


def test_429s_are_counted_in_stats(api, admin) -> None:
    admin.patch("/settings", json={"spike_limit": 1, "hourly_limit": 0})
    api.get(REQS, params={"project_id": P1})
    api.get(REQS, params={"project_id": P1})
    api.get(REQS, params={"project_id": P1})
    stats = admin.get("/stats").json()
    assert stats["rate_limited"] == 2
    assert stats["by_operation_status"]["RestV10RequisitionsGet"] == {"200": 1, "429": 2}
