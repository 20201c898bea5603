"""The control plane: health, stats, clock, settings, reset and record mutation."""

from __future__ import annotations

from datetime import datetime

from . import factories as f
from .dataset import P1, REQ1, REQ2, REQ3, REQ4, WOC1, WOC2

REQS = "/rest/v1.0/requisitions"


def test_health_and_resources(admin) -> None:
    health = admin.get("/health").json()
    assert health["status"] == "ok" and health["company_id"] == f.COMPANY_ID
    counts = admin.get("/resources").json()
    assert counts["requisitions"] == 4 and counts["sub_jobs"] == 8


def test_stats_count_per_operation_and_status_and_reset(api, admin, http) -> None:
    api.get(REQS, params={"project_id": P1})
    api.get(REQS, params={"project_id": P1})
    api.get(REQS)  # 400
    api.get("/rest/v1.0/nowhere")  # 404, unknown operation
    http.get(REQS, params={"project_id": P1})  # 401
    admin.get("/health")  # the control plane is not counted
    stats = admin.get("/stats").json()
    assert stats["by_operation"]["RestV10RequisitionsGet"] == 4
    assert stats["by_operation_status"]["RestV10RequisitionsGet"] == {"200": 2, "400": 1, "401": 1}
    assert stats["by_operation"]["unknown"] == 1
    assert stats["by_operation"]["OauthTokenPost"] == 1  # the api fixture's token
    assert stats["total"] == 6 and stats["by_status"]["200"] == 3
    assert stats["rate_limited"] == 0
    reset = admin.post("/stats/reset").json()
    assert reset["total"] == 0 and reset["by_operation"] == {}


def test_clock_advance_set_and_reset(admin) -> None:
    before = admin.get("/clock").json()
    moved = admin.post("/clock", json={"advance": 3600}).json()
    assert 3599 <= moved["now"] - before["now"] <= 3602
    fixed = admin.post("/clock", json={"set": "2030-01-01T00:00:00Z"}).json()
    assert fixed["iso"].startswith("2030-01-01T00:00:0")
    assert admin.post("/clock", json={"reset": True}).json()["offset"] == 0
    assert admin.post("/clock", json={"set": "tomorrow"}).status_code == 400


def test_touch_bumps_updated_at_and_surfaces_in_an_incremental_read(api, admin) -> None:
    admin.post("/clock", json={"set": "2025-01-01T00:00:00Z"})
    touched = admin.post("/records/requisitions/touch", json={"ids": [REQ2, REQ4]}).json()
    assert {r["updated_at"][:16] for r in touched} == {"2025-01-01T00:00"}
    changed = api.get(
        REQS,
        params={
            "project_id": P1,
            "filters[updated_at]": "2024-12-31T00:00:00Z...2025-01-02T00:00:00Z",
        },
    )
    assert [r["id"] for r in changed.json()] == [REQ2, REQ4]


def test_touch_count_picks_the_first_n_live_records(admin) -> None:
    touched = admin.post("/records/requisitions/touch", json={"count": 2}).json()
    assert [r["id"] for r in touched] == [REQ1, REQ2]


def test_patch_changes_fields_and_bumps_updated_at(api, admin) -> None:
    patched = admin.patch(
        f"/records/requisitions/{REQ1}", json={"total_claimed_amount": "27500.10"}
    ).json()
    assert patched["total_claimed_amount"] == "27500.10"
    bumped = datetime.fromisoformat(patched["updated_at"].replace("Z", "+00:00")).timestamp()
    assert abs(bumped - admin.get("/clock").json()["now"]) < 5
    served = api.get(f"{REQS}/{REQ1}", params={"project_id": P1}).json()
    assert served["total_claimed_amount"] == "27500.10"
    assert served["updated_at"] == patched["updated_at"]


def test_an_explicit_updated_at_is_respected(admin) -> None:
    patched = admin.patch(
        f"/records/requisitions/{REQ1}",
        json={"status": "draft", "updated_at": "2024-07-01T00:00:00Z"},
    ).json()
    assert patched["updated_at"] == "2024-07-01T00:00:00Z"


def test_soft_delete_restore_and_hard_delete(api, admin) -> None:
    path = "/rest/v1.0/work_order_contracts"
    deleted = admin.post("/records/work_order_contracts/soft_delete", json={"ids": [WOC2]}).json()
    assert deleted[0]["deleted_at"] and deleted[0]["updated_at"] == deleted[0]["deleted_at"]
    live = api.get(path, params={"project_id": P1}).json()
    assert [r["id"] for r in live] == [WOC1]
    only = api.get(path, params={"project_id": P1, "filters[include_deleted]": "only"}).json()
    assert WOC2 in [r["id"] for r in only]
    admin.post("/records/work_order_contracts/restore", json={"ids": [WOC2]})
    assert [r["id"] for r in api.get(path, params={"project_id": P1}).json()] == [WOC1, WOC2]
    assert admin.delete(f"/records/requisitions/{REQ3}").json() == {"deleted": 1}
    remaining = [r["id"] for r in api.get(REQS, params={"project_id": P1}).json()]
    assert remaining == [REQ1, REQ2, REQ4]
    assert admin.delete(f"/records/requisitions/{REQ3}").status_code == 404
    gone = admin.post("/records/requisitions/hard_delete", json={"ids": [REQ1]}).json()
    assert gone["deleted"] == 1


def test_upsert_a_new_record_and_replace_one(api, admin) -> None:
    new = {k: v for k, v in f.requisition(REQ4 + 10, P1).items()}
    created = admin.post("/records/requisitions", json=new).json()[0]
    assert created["created_at"] == new["created_at"]  # given fields are kept
    assert created["updated_at"] != new["updated_at"]  # but the change bumps updated_at
    ids = [r["id"] for r in api.get(REQS, params={"project_id": P1}).json()]
    assert ids[-1] == REQ4 + 10
    stripped = {k: v for k, v in f.requisition(REQ1, P1).items() if k != "_scope"}
    replaced = admin.post(
        "/records/requisitions", json={"records": [{**stripped, "status": "revise_and_resubmit"}]}
    ).json()[0]
    assert replaced["_scope"] == {"project_id": P1}
    missing_scope = {k: v for k, v in f.requisition(1, P1).items() if k != "_scope"}
    assert admin.post("/records/requisitions", json=missing_scope).status_code == 400


def test_records_list_get_and_unknown_resource(admin) -> None:
    rows = admin.get("/records/requisitions", params={"project_id": P1}).json()
    assert len(rows) == 4 and rows[0]["_scope"] == {"project_id": P1}
    assert admin.get(f"/records/requisitions/{REQ1}").json()["id"] == REQ1
    assert admin.get("/records/requisitions/1").status_code == 404
    assert admin.get("/records/nope").status_code == 404
    assert admin.post("/records/requisitions/explode", json={"ids": [1]}).status_code == 404


def test_reset_restores_data_settings_clock_and_tokens(api, admin, http) -> None:
    admin.post("/records/requisitions/hard_delete", json={"ids": [REQ1, REQ2]})
    admin.patch("/settings", json={"spike_limit": 1})
    admin.post("/clock", json={"advance": 99999})
    admin.post("/reset")
    assert admin.get("/settings").json()["spike_limit"] == 100
    assert abs(admin.get("/clock").json()["offset"]) < 1
    assert admin.get("/resources").json()["requisitions"] == 4
    assert api.get(REQS, params={"project_id": P1}).status_code == 401  # tokens dropped


def test_settings_validation(admin) -> None:
    assert admin.patch("/settings", json={"spike_limit": -1}).status_code == 422
    assert admin.patch("/settings", json={"no_such_setting": 1}).status_code == 422
