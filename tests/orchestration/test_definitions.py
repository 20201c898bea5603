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


# -- dbt in the code location -----------------------------------------------------------


def _manifest() -> dict:
    """The manifest the dbt assets were built from (not the file, which a build rewrites)."""
    from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets

    from orchestration.definitions import tieout_dbt

    return get_manifest_and_translator_from_dbt_assets([tieout_dbt])[0]


ASSET_NODES = ("model", "seed", "snapshot")  # the dbt nodes that become assets


def test_dbt_assets_sit_downstream_of_extraction_and_control():
    from orchestration.definitions import SOURCE_ASSETS, control_raw, tieout_dbt

    assert tieout_dbt.op.pool == "duckdb"
    assert control_raw.op.pool == "duckdb"
    graph = defs.resolve_asset_graph()
    manifest = _manifest()
    nodes = manifest["nodes"].values()
    models = {n["unique_id"]: n for n in nodes if n["resource_type"] == "model"}
    assert models, "the dbt project has no models"
    assert len(tieout_dbt.keys) == len([n for n in nodes if n["resource_type"] in ASSET_NODES])
    by_name = {key.path[-1]: key for key in tieout_dbt.keys}
    linked = set()
    for model in models.values():
        parents = {k.to_user_string() for k in graph.get(by_name[model["name"]]).parent_keys}
        for upstream in model["depends_on"]["nodes"]:
            if upstream.startswith("source."):
                schema = manifest["sources"][upstream]["schema"]
                assert SOURCE_ASSETS[schema] in parents, (model["name"], schema, parents)
                linked.add(SOURCE_ASSETS[schema])
    assert linked == {"procore_raw", "sage_raw", "control_raw"}
    # the sources are not separate (unmaterialisable) assets: they are the loading assets
    assert not [k for k in graph.get_all_asset_keys() if k.path[0] in SOURCE_ASSETS]


def test_dbt_data_tests_are_asset_checks():
    """Every data test on a model or seed, and every singular test on one model, is a check
    on that asset (source tests and unit tests are not)."""
    from orchestration.definitions import tieout_dbt

    tests = [n for n in _manifest()["nodes"].values() if n["resource_type"] == "test"]
    on_an_asset = {
        t["name"]
        for t in tests
        if (t.get("attached_node") or "").split(".")[0] in ASSET_NODES
        or (
            not t.get("attached_node")
            and len([d for d in t["depends_on"]["nodes"] if d.split(".")[0] in ASSET_NODES]) == 1
            and not [d for d in t["depends_on"]["nodes"] if d.startswith("source.")]
        )
    }
    checks = {c.name for c in tieout_dbt.check_keys}
    assert on_an_asset, "the dbt project has no data tests"
    assert on_an_asset <= checks <= {t["name"] for t in tests}


def test_build_all_job_runs_everything():
    job = defs.resolve_job_def("build_all")
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert {"procore_raw", "sage_raw", "control_raw"} < keys
    assert len(keys) == 3 + len(
        [n for n in _manifest()["nodes"].values() if n["resource_type"] in ASSET_NODES]
    )
    schedule = defs.resolve_schedule_def("build_all_hourly")
    assert schedule.job_name == "build_all"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_manifest_is_parsed_when_missing_or_stale(tmp_path: Path):
    import os
    import shutil

    from dagster_dbt import DbtProject

    from orchestration.dbt_project import (
        DBT_PROJECT_DIR,
        PROFILES_DIR,
        ensure_manifest,
        manifest_is_stale,
    )

    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target*", "logs"))
    project = DbtProject(project_dir=copy, profiles_dir=PROFILES_DIR, target_path=Path("target"))
    assert manifest_is_stale(project)
    manifest = ensure_manifest(project)
    assert manifest.is_file() and not manifest_is_stale(project)
    some_model = next((copy / "models").rglob("*.sql"))
    edited = some_model.stat().st_mtime
    earlier = edited - 10  # as if the model had been edited after the last parse
    os.utime(manifest, (earlier, earlier))
    assert manifest_is_stale(project)
    ensure_manifest(project)
    assert not manifest_is_stale(project)


@pytest.mark.slow
def test_materialize_control_and_dbt_staging(tiny_synced_home: Path, monkeypatch):
    """control_raw, then the dbt staging models and their checks, in-process on the tiny
    warehouse (the whole project is `tieout build`'s test; this one tests the wiring)."""
    from orchestration.definitions import control_raw, tieout_dbt

    monkeypatch.setenv("TIEOUT_HOME", str(tiny_synced_home))
    for name in ("TIEOUT_WAREHOUSE", "TIEOUT_CONTROL_URL", "DBT_TARGET"):
        monkeypatch.delenv(name, raising=False)
    staging = dg.AssetSelection.groups("dbt_staging")
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize(
            [procore_raw, sage_raw, control_raw, tieout_dbt],
            selection=dg.AssetSelection.assets(control_raw) | staging,
            resources=defs.resources,
            instance=instance,
            raise_on_error=False,
        )
        failures = [e.message for e in result.all_events if e.is_step_failure]
        assert result.success, failures
        staged = {k for k in tieout_dbt.keys if k.path[0] == "staging"}
        assert staged, "no dbt staging models"
        materialized = {e.asset_key for e in result.get_asset_materialization_events()}
        assert materialized == {dg.AssetKey("control_raw"), *staged}
        checks = [c for c in tieout_dbt.check_keys if c.asset_key in staged]
        evaluations = result.get_asset_check_evaluations()
        assert checks and len(evaluations) == len(checks)
