"""The Dagster code location: extraction assets, the `sync_all` job and its hourly schedule.

Thin on purpose: each asset calls a source's `run_*_sync` and turns its `SyncReport` into
Dagster metadata (totals, a per-resource table, schema-drift count), or into a `Failure`
that carries the same table when any resource failed. Connection settings come from dlt
config / env (`SOURCES__PROCORE__*`, `SOURCES__SAGE__CONNECTION_STRING`) and local state
from TIEOUT_HOME, both read when the asset runs, not at import.

Both assets write the one DuckDB warehouse, so they share `pool="duckdb"`; give that pool a
single slot on the instance (`concurrency: {pools: {default_limit: 1}}` or
`dagster instance concurrency set duckdb 1`) so they never write concurrently.

Run locally: `dagster dev -m orchestration.definitions`.

No `from __future__ import annotations` here: Dagster reads the `config` annotations at
definition time and cannot resolve them as strings.
"""

from collections.abc import Callable

import dagster as dg

from orchestration.home import tieout_home
from pipelines.report import SyncReport

GROUP = "extraction"
POOL = "duckdb"


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


sync_all = dg.define_asset_job(
    "sync_all",
    selection=dg.AssetSelection.groups(GROUP),
    description="Extract Procore and Sage into the warehouse.",
)

sync_all_hourly = dg.ScheduleDefinition(
    name="sync_all_hourly",
    job=sync_all,
    cron_schedule="0 * * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

defs = dg.Definitions(
    assets=[procore_raw, sage_raw],
    jobs=[sync_all],
    schedules=[sync_all_hourly],
)
