"""The Dagster code location: extraction and control-store assets, the dbt project as
assets (tests as asset checks), the `sync_all` and `build_all` jobs and their schedules.

Thin on purpose: each asset calls a source's `run_*_sync` and turns its `SyncReport` into
Dagster metadata (totals, a per-resource table, schema-drift count), or into a `Failure`
that carries the same table when any resource failed. Connection settings come from dlt
config / env (`SOURCES__PROCORE__*`, `SOURCES__SAGE__CONNECTION_STRING`) and local state
from TIEOUT_HOME, both read when the asset runs, not at import.

Every asset here writes the one DuckDB warehouse, so they share `pool="duckdb"`; give that
pool a single slot on the instance (`concurrency: {pools: {default_limit: 1}}` or
`dagster instance concurrency set duckdb 1`) so they never write concurrently.

The dbt models are one `@dbt_assets` (`tieout_dbt`, pool duckdb too) built from
`dbt_project/target/manifest.json`; importing this module runs `dbt parse` first when that
manifest is missing or stale (`orchestration/dbt_project.py`). The translator keys every
dbt source in `raw_procore`, `raw_sage` and `raw_control` to the asset that loads it
(`procore_raw`, `sage_raw`, `control_raw`), so lineage runs extraction → staging →
intermediate → marts, and every dbt data test is an asset check on its model (finance's
reconciliation checks; severity warn shows as a warning). The dbt target is DBT_TARGET
(default duckdb); with `postgres` the asset first copies the raw schemas into PostgreSQL,
as `tieout build --target postgres` does.

Run locally: `dagster dev -m orchestration.definitions`.

No `from __future__ import annotations` here: Dagster reads the `config` annotations at
definition time and cannot resolve them as strings.
"""

import shutil
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from orchestration.dbt_project import dbt_project, ensure_manifest
from orchestration.home import tieout_home
from pipelines.report import SyncReport

GROUP = "extraction"
CONTROL_GROUP = "control"
POOL = "duckdb"
# dbt source schema → the asset that loads it
SOURCE_ASSETS = {"raw_procore": "procore_raw", "raw_sage": "sage_raw", "raw_control": "control_raw"}


class ProcoreSyncConfig(dg.Config):
    full: bool = False  # re-read everything, apply deletions
    project_ids: list[int] | None = None  # only these projects (default: all)


class SageSyncConfig(dg.Config):
    full: bool = False  # replace every table (a clean reload)


def resources_markdown(report: SyncReport) -> str:
    """One row per resource: what the run read and what it cost."""
    lines = [
        "| resource | mode | rows | requests | 429s | retries | seconds | status |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in report.resources:
        status = r.status if not r.error else f"{r.status}: {_cell(r.error)}"
        lines.append(
            f"| {r.resource} | {r.mode} | {r.rows} | {r.requests} | {r.throttled} "
            f"| {r.retries} | {r.seconds:.2f} | {status} |"
        )
    return "\n".join(lines)


def report_metadata(report: SyncReport) -> dict[str, dg.MetadataValue]:
    return {
        "run_id": dg.MetadataValue.text(report.run_id),
        "rows": dg.MetadataValue.int(report.rows),
        "requests": dg.MetadataValue.int(report.requests),
        "throttled_429s": dg.MetadataValue.int(sum(r.throttled for r in report.resources)),
        "retries": dg.MetadataValue.int(sum(r.retries for r in report.resources)),
        "seconds": dg.MetadataValue.float(round(report.seconds, 3)),
        "failed_resources": dg.MetadataValue.int(
            sum(r.status == "failed" for r in report.resources)
        ),
        "schema_drift": dg.MetadataValue.int(len(report.issues)),
        "resources": dg.MetadataValue.md(resources_markdown(report)),
    }


def report_result(report: SyncReport) -> dg.MaterializeResult:
    """Success: the report as metadata. Any failed resource: a `Failure` carrying it."""
    metadata = report_metadata(report)
    if not report.ok:
        failed = [r for r in report.resources if r.status == "failed"]
        errors = "; ".join(f"{r.resource}: {r.error or 'failed'}" for r in failed)
        raise dg.Failure(
            description=f"{report.source} sync failed for {len(failed)} resource(s): {errors}",
            metadata=metadata,
        )
    return dg.MaterializeResult(metadata=metadata)


def _progress(context: dg.AssetExecutionContext) -> Callable[[str, int, int | None], None]:
    """Log each stage once, when it completes (`done == total`; batch calls carry no total)."""

    def progress(stage: str, done: int, total: int | None) -> None:
        if total is not None and done >= total:
            context.log.info(f"{stage}: {done}/{total}")

    return progress


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


@dg.asset(
    group_name=GROUP,
    pool=POOL,
    kinds={"dlt", "duckdb"},
    description="Procore raw tables (`raw_procore`), extracted by `run_procore_sync`.",
)
def procore_raw(
    context: dg.AssetExecutionContext, config: ProcoreSyncConfig
) -> dg.MaterializeResult:
    from pipelines.procore import run_procore_sync
    from pipelines.procore.pipeline import ProcoreConfigError

    try:
        report = run_procore_sync(
            home=tieout_home(),
            full=config.full,
            project_ids=config.project_ids,
            progress=_progress(context),
        )
    except ProcoreConfigError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc
    return report_result(report)


@dg.asset(
    group_name=GROUP,
    pool=POOL,
    kinds={"dlt", "duckdb"},
    description="Sage 300 CRE raw tables (`raw_sage`), extracted by `run_sage_sync`.",
)
def sage_raw(context: dg.AssetExecutionContext, config: SageSyncConfig) -> dg.MaterializeResult:
    from pipelines.sage import run_sage_sync

    report = run_sage_sync(home=tieout_home(), full=config.full, progress=_progress(context))
    return report_result(report)


@dg.asset(
    group_name=CONTROL_GROUP,
    pool=POOL,
    kinds={"dlt", "duckdb"},
    description="The control store's mappings and exception resolutions (`raw_control`), "
    "snapshotted by `run_control_sync` so dbt reads one consistent copy.",
)
def control_raw(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    try:
        from pipelines.control import run_control_sync
    except ModuleNotFoundError as exc:
        if exc.name not in ("pipelines.control", "writers.control"):
            raise
        context.log.warning("control store not installed: raw_control left as it is")
        return dg.MaterializeResult(metadata={"skipped": "control store not installed"})
    return report_result(run_control_sync(tieout_home()))


class TieoutDbtTranslator(DagsterDbtTranslator):
    """dbt sources → the extraction/control asset that loads them; groups by dbt layer."""

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            loaded_by = SOURCE_ASSETS.get(props.get("schema") or props.get("source_name"))
            return spec.replace_attributes(key=dg.AssetKey(loaded_by)) if loaded_by else spec
        fqn = props.get("fqn") or []
        layer = fqn[1] if len(fqn) > 2 else f"{props['resource_type']}s"  # staging, marts…
        return spec.replace_attributes(group_name=f"dbt_{layer}")


dbt_translator = TieoutDbtTranslator(
    settings=DagsterDbtTranslatorSettings(
        enable_asset_checks=True,
        # many source tables share one loading asset (procore_raw, sage_raw, control_raw)
        enable_duplicate_source_asset_keys=True,
    )
)


@dbt_assets(
    manifest=ensure_manifest(dbt_project),
    project=dbt_project,
    dagster_dbt_translator=dbt_translator,
    pool=POOL,
    name="tieout_dbt",
)
def tieout_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build` of the selected models and their tests, streamed as materializations
    and asset checks. TIEOUT_HOME is passed on so dbt opens the warehouse the sync wrote."""
    from orchestration.build_commands import dbt_environment, default_target

    home = tieout_home()
    if default_target() == "postgres":
        from pipelines.replicate import ReplicationError, replicate_raw

        try:
            report = replicate_raw(home)
        except ReplicationError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        context.log.info(f"copied {len(report.tables)} raw tables to PostgreSQL")
    with dbt_environment(home):
        yield from dbt.cli(["build"], context=context).stream()


def dbt_executable() -> str:
    """The dbt beside this interpreter (a venv need not be on PATH, P8), else PATH's."""
    local = Path(sys.executable).with_name("dbt")
    return str(local) if local.exists() else (shutil.which("dbt") or "dbt")


sync_all = dg.define_asset_job(
    "sync_all",
    selection=dg.AssetSelection.groups(GROUP),
    description="Extract Procore and Sage into the warehouse.",
)

build_all = dg.define_asset_job(
    "build_all",
    selection=dg.AssetSelection.all(),
    description="Extract Procore and Sage, snapshot the control store, then build the dbt "
    "models and run their tests (finance's reconciliation checks).",
)

sync_all_hourly = dg.ScheduleDefinition(
    name="sync_all_hourly",
    job=sync_all,
    cron_schedule="0 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

build_all_hourly = dg.ScheduleDefinition(
    name="build_all_hourly",
    job=build_all,
    cron_schedule="15 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

defs = dg.Definitions(
    assets=[procore_raw, sage_raw, control_raw, tieout_dbt],
    jobs=[sync_all, build_all],
    schedules=[sync_all_hourly, build_all_hourly],
    resources={
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
    },
)
