"""The Dagster code location loads, and both extraction assets materialise in-process
against the tiny scenario (emulator over HTTP, Sage test company over ODBC)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import defs, procore_raw, report_result, sage_raw
from pipelines.report import ResourceResult, SyncReport


def test_defs_load():
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("sync_all")
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} == {
        "procore_raw",
        "sage_raw",
    }
    schedule = defs.resolve_schedule_def("sync_all_hourly")
    assert schedule.cron_schedule == "0 * * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    for asset in (procore_raw, sage_raw):
        spec = next(iter(asset.specs))
        assert spec.group_name == "extraction"
        assert asset.op.pool == "duckdb"


def test_failed_resource_raises_failure_with_the_table():
    report = SyncReport(
        source="sage",
        run_id="r1",
        started_at="2026-01-01T00:00:00+00:00",
        resources=[
            ResourceResult("jobs", rows=3, requests=1),
            ResourceResult("vendors", status="failed", error="ODBC | timeout"),
        ],
    )
    with pytest.raises(dg.Failure) as caught:
        report_result(report)
    assert "vendors: ODBC | timeout" in caught.value.description
    table = caught.value.metadata["resources"].value
    assert "| vendors |" in table and "ODBC \\| timeout" in table
    assert caught.value.metadata["failed_resources"].value == 1


@pytest.mark.slow
def test_materialize_both_assets(
    tiny_scenario, tiny_emulator, tiny_sage_db, tmp_path: Path, monkeypatch
):
    from sandbox.sage.odbc import connection_string

    creds = tiny_scenario.procore
    monkeypatch.setenv("TIEOUT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("TIEOUT_WAREHOUSE", raising=False)
    monkeypatch.setenv("SOURCES__PROCORE__BASE_URL", tiny_emulator.url)
    monkeypatch.setenv("SOURCES__PROCORE__LOGIN_URL", tiny_emulator.url)
    monkeypatch.setenv("SOURCES__PROCORE__CLIENT_ID", creds.client_id)
    monkeypatch.setenv("SOURCES__PROCORE__CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("SOURCES__PROCORE__COMPANY_ID", str(creds.company_id))
    monkeypatch.setenv("SOURCES__SAGE__CONNECTION_STRING", connection_string(tiny_sage_db))

    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([procore_raw, sage_raw], instance=instance)
        assert result.success
        for key in ("procore_raw", "sage_raw"):
            events = result.asset_materializations_for_node(key)
            assert len(events) == 1
            metadata = {name: value.value for name, value in events[0].metadata.items()}
            assert metadata["requests"] > 0, key
            assert metadata["throttled_429s"] == 0, key
            assert metadata["rows"] > 0, key
            assert metadata["failed_resources"] == 0, key
            assert "| resource |" in metadata["resources"], key
            assert isinstance(metadata["schema_drift"], int), key
