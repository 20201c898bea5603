"""Fault cases against the running emulator: each ends with the warehouse a clean run
builds (same rows, no duplicates), after at most one more run that resumes from state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from procore_sync_support import (
    DATASET,
    counts,
    drift_rows,
    duplicate_keys,
    load_records,
    no_change_requests,
    query,
    snapshot,
    stats,
    sync,
)

from pipelines.procore.settings import ProcoreSettings
from sandbox.procore.settings import EmulatorSettings


def assert_clean(home: Path, clean_sync) -> None:
    assert duplicate_keys(home) == {}
    assert snapshot(home) == clean_sync.snapshot


def test_429_storm_waits_for_retry_after_and_completes(srv, tiny_scenario, home, clean_sync):
    srv.set_faults(rate_limit_storm={"next_requests": 6, "retry_after": 3})
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        srv.state.clock.advance(seconds)

    report = sync(srv, tiny_scenario, home, sleep=sleep)
    assert report.ok
    assert sum(r.throttled for r in report.resources) == 6
    assert stats(srv)["rate_limited"] == 6
    assert waits.count(3.0) == 6  # Retry-After honoured, on the injected clock
    assert_clean(home, clean_sync)


def test_pacing_keeps_a_normal_run_under_the_limits(srv, tiny_scenario, home, clean_sync):
    srv.state.apply_settings(EmulatorSettings(spike_limit=12, spike_window=10, hourly_limit=3600))
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        srv.state.clock.advance(seconds)

    report = sync(srv, tiny_scenario, home, sleep=sleep)
    assert report.ok
    counters = stats(srv)
    assert counters["rate_limited"] == 0, counters["by_status"]
    assert counters["total"] > 12 * 5 and len(waits) >= 5  # it had to wait for windows
    assert_clean(home, clean_sync)


def test_5xx_bursts_are_retried_with_backoff(srv, tiny_scenario, home, clean_sync):
    srv.set_faults(server_errors={"rate": 0.3, "statuses": [500, 502, 503]})
    report = sync(srv, tiny_scenario, home)
    assert report.ok, [r.error for r in report.resources if r.error]
    counters = stats(srv)
    failed = sum(v for k, v in counters["by_status"].items() if k.startswith("5"))
    assert failed > 10
    assert sum(r.retries for r in report.resources) == failed
    assert_clean(home, clean_sync)


def test_a_failing_endpoint_fails_its_resource_loudly_and_the_next_run_resumes(
    srv, tiny_scenario, home, clean_sync
):
    srv.set_faults(server_errors={"operation": "RestV10PrimeContractsGet", "statuses": [502]})
    report = sync(srv, tiny_scenario, home)
    assert not report.ok
    status = {r.resource: r for r in report.resources}
    assert status["prime_contracts"].status == "failed"
    assert "502" in status["prime_contracts"].error
    assert status["prime_contract_line_items"].status == "failed"
    assert {r.resource for r in report.resources if r.status == "failed"} == {
        "prime_contracts",
        "prime_contract_line_items",
    }
    assert counts(home)["requisitions"] > 0  # the others went on
    stored = query(
        home, f"SELECT status FROM {DATASET}._tieout_sync_runs WHERE resource = 'prime_contracts'"
    )
    assert stored == [("failed",)]

    srv.set_faults(server_errors=None)  # Procore recovers
    stats(srv)
    again = sync(srv, tiny_scenario, home)
    assert again.ok, [r.error for r in again.resources if r.error]
    ops = stats(srv)["by_operation"]
    assert ops["RestV10PrimeContractsGet"] == 4
    assert ops["RestV10PrimeContractsPrimeContractIdLineItemsGet"] == 3
    assert "RestV10WorkOrderContractsWorkOrderContractIdLineItemsGet" not in ops
    assert_clean(home, clean_sync)


def test_malformed_and_truncated_bodies_are_retried(srv, tiny_scenario, home, clean_sync):
    srv.set_faults(body_corruption={"mode": "truncate", "next_requests": 3})
    report = sync(srv, tiny_scenario, home)
    assert report.ok
    assert sum(r.retries for r in report.resources) == 3
    assert_clean(home, clean_sync)


def test_a_body_that_stays_malformed_fails_the_resource(srv, tiny_scenario, home, clean_sync):
    srv.set_faults(
        body_corruption={
            "mode": "malformed",
            "next_requests": 100,
            "operation": "RestV10ProjectsProjectIdBillingPeriodsGet",
        }
    )
    report = sync(srv, tiny_scenario, home)
    failed = {r.resource: r.error for r in report.resources if r.status == "failed"}
    assert set(failed) == {"billing_periods"}
    assert "malformed JSON" in failed["billing_periods"]
    srv.set_faults(body_corruption=None)
    assert sync(srv, tiny_scenario, home).ok
    assert_clean(home, clean_sync)


def test_schema_drift_fault_is_reported_and_kept_out(srv, tiny_scenario, home, clean_sync):
    srv.set_faults(
        schema_drift=[
            {"resource": "requisitions", "field": "total_claimed_amount", "to_type": "number"}
        ]
    )
    report = sync(srv, tiny_scenario, home)
    assert report.ok  # drift is an exception to resolve, not a failed run
    requisitions = load_records(tiny_scenario)["requisitions"]
    found = [r for r in drift_rows(home) if r[0] == "requisitions"]
    assert {r[1] for r in found} == {str(r["id"]) for r in requisitions}
    assert {(r[2], r[3], r[4]) for r in found} == {
        ("total_claimed_amount", "decimal string", "number")
    }
    assert len([i for i in report.issues if i["resource"] == "requisitions"]) == len(requisitions)
    assert counts(home)["requisitions"] == 0 and counts(home)["requisition_items"] == 0

    srv.set_faults(schema_drift=[])
    assert sync(srv, tiny_scenario, home).ok  # held back, so read again
    assert_clean(home, clean_sync)


def test_drift_keeps_the_last_good_version(srv, tiny_scenario, synced_home, clean_sync):
    vendor = load_records(tiny_scenario)["vendors"][0]
    srv.state.store.update("vendors", vendor["id"], {"name": "Renamed Co"})
    srv.set_faults(
        schema_drift=[{"resource": "vendors", "field": "name", "rename_to": "vendor_name"}]
    )
    report = sync(srv, tiny_scenario, synced_home)
    assert report.ok
    assert ("vendors", str(vendor["id"]), "name", "present", "missing") in drift_rows(synced_home)
    names = query(synced_home, f"SELECT name FROM {DATASET}.vendors WHERE id = ?", [vendor["id"]])
    assert names == [(vendor["name"],)]  # not NULL, not the drifted record
    srv.set_faults(schema_drift=[])
    assert sync(srv, tiny_scenario, synced_home).ok
    assert query(
        synced_home, f"SELECT name FROM {DATASET}.vendors WHERE id = ?", [vendor["id"]]
    ) == [("Renamed Co",)]


def test_token_expiring_mid_run_is_renewed_after_401(srv, tiny_scenario, home, clean_sync):
    fired = []

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage == "work_order_contracts" and done == 1 and not fired:
            fired.append(srv.state.clock.advance(5401))  # Procore's clock: token is dead

    report = sync(srv, tiny_scenario, home, real_clock=True, progress=progress)
    assert fired and report.ok
    counters = stats(srv)
    assert counters["by_operation"]["OauthTokenPost"] == 2
    assert counters["by_status"].get("401") == 1
    assert_clean(home, clean_sync)


def test_token_is_refreshed_before_it_expires(srv, tiny_scenario, home, clean_sync):
    fired = []

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage == "work_order_contracts" and done == 1 and not fired:
            fired.append(srv.state.clock.advance(5400 - 120))  # inside the refresh margin

    report = sync(srv, tiny_scenario, home, progress=progress)
    assert fired and report.ok
    counters = stats(srv)
    assert counters["by_operation"]["OauthTokenPost"] == 2
    assert "401" not in counters["by_status"]
    assert_clean(home, clean_sync)


def test_pages_that_shift_mid_walk_are_walked_again(srv, tiny_scenario, home, tmp_path):
    srv.state.apply_settings(EmulatorSettings(spike_limit=0, max_per_page=4))
    srv.set_faults(
        page_shift=[
            {"resource": "requisitions", "mode": "insert_front"},
            {"resource": "vendors", "mode": "delete_front"},
        ]
    )
    report = sync(srv, tiny_scenario, home)
    assert report.ok, [r.error for r in report.resources if r.error]
    assert stats(srv)["faults"].get("page_shift_insert_front") == 1
    # a clean run over the data as it now is must give the same warehouse
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert sync(srv, tiny_scenario, fresh).ok
    assert duplicate_keys(home) == {}
    assert snapshot(home) == snapshot(fresh)


@pytest.mark.slow
def test_crash_mid_run_then_rerun(srv, tiny_scenario, home, clean_sync):
    srv.set_faults(latency={"seconds": 0.03})
    env = {
        **os.environ,
        "TIEOUT_HOME": str(home),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "SOURCES__PROCORE__BASE_URL": srv.url,
        "SOURCES__PROCORE__CLIENT_ID": tiny_scenario.procore.client_id,
        "SOURCES__PROCORE__CLIENT_SECRET": tiny_scenario.procore.client_secret,
        "SOURCES__PROCORE__COMPANY_ID": str(tiny_scenario.procore.company_id),
    }
    env.pop("TIEOUT_WAREHOUSE", None)
    code = (
        "from pathlib import Path; import sys; from pipelines.procore import "
        "run_procore_sync; run_procore_sync(home=Path(sys.argv[1]))"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(home)],
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            total = httpx.get(f"{srv.url}/_admin/stats", timeout=5).json()["total"]
            if total >= 50 or child.poll() is not None:
                break
            time.sleep(0.05)
        assert child.poll() is None, "the sync finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    srv.set_faults(latency=None)
    report = sync(srv, tiny_scenario, home)
    assert report.ok, [r.error for r in report.resources if r.error]
    assert_clean(home, clean_sync)


def test_timeouts_are_retried(srv, tiny_scenario, home, clean_sync):
    # a timeout well above a normal answer's time (a 0.2 s one also cut off an ordinary
    # request on a busy machine: 3 retries), the latency well above the timeout
    srv.set_faults(latency={"seconds": 2.5, "next_requests": 2})
    report = sync(srv, tiny_scenario, home, settings=ProcoreSettings(read_timeout=1.0))
    assert report.ok, [r.error for r in report.resources if r.error]
    assert sum(r.retries for r in report.resources) == 2
    assert_clean(home, clean_sync)


def test_a_run_stopped_before_loading_is_finished_by_the_next(srv, tiny_scenario, home, clean_sync):
    """Killed after extract+normalize: the next run loads that package first, then finds
    nothing new to read (its cursors were saved with the package)."""
    from pipelines.procore import procore_source
    from pipelines.procore.helpers import SyncRun
    from pipelines.warehouse import PROCORE_DATASET, make_pipeline

    clock = srv.state.clock
    pipeline = make_pipeline("procore", PROCORE_DATASET, home)
    source = procore_source(
        base_url=srv.url,
        client_id=tiny_scenario.procore.client_id,
        client_secret=tiny_scenario.procore.client_secret,
        company_id=tiny_scenario.procore.company_id,
        run=SyncRun(run_id="interrupted", clock=clock.now, sleep=clock.advance),
    )
    pipeline.extract(source)
    pipeline.normalize()
    assert pipeline.has_pending_data
    stats(srv)
    report = sync(srv, tiny_scenario, home)
    assert report.ok, [r.error for r in report.resources if r.error]
    projects = [p for p in load_records(tiny_scenario)["projects"] if p.get("active", True)]
    assert stats(srv)["by_operation"] == no_change_requests(len(projects))
    assert_clean(home, clean_sync)
