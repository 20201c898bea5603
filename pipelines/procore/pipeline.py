"""`run_procore_sync`: one Procore extraction into `raw_procore`, and what it did.

Besides the Procore tables the run stores, in the same dataset (append-only, one set of
rows per run):

- `_tieout_sync_runs`: the `SyncReport`, one row per table (rows, requests, seconds, mode,
  status, error, 429s, retries) - what `tieout sync` prints;
- `_tieout_requests`: requests per table and Procore operation (429s, retries, failures);
- `_tieout_schema_drift`: every drifted field found (the `schema_drift` exceptions).
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt

from pipelines.procore.client import Clock, Sleep
from pipelines.procore.helpers import ProgressFn, SyncRun, iso, new_run_id
from pipelines.procore.settings import FAMILIES, ProcoreSettings
from pipelines.report import ResourceResult, SyncReport, sync_run_columns
from pipelines.warehouse import PROCORE_DATASET, make_pipeline

log = logging.getLogger(__name__)

REQUESTS_TABLE = "_tieout_requests"
RUNS_TABLE = "_tieout_sync_runs"
DRIFT_TABLE = "_tieout_schema_drift"
ERROR_CHARS = 500


def _col(data_type: str) -> dict[str, Any]:
    return {"data_type": data_type, "nullable": True}


def _meta_columns(**types: str) -> dict[str, dict[str, Any]]:
    """Column hints (a fresh dict per column: dlt writes the name into each)."""
    return {name: _col(data_type) for name, data_type in types.items()}


META_COLUMNS: dict[str, dict[str, dict[str, Any]]] = {
    REQUESTS_TABLE: _meta_columns(
        run_id="text",
        started_at="timestamp",
        resource="text",
        operation="text",
        path="text",
        requests="bigint",
        throttled="bigint",
        retries="bigint",
        failures="bigint",
    ),
    RUNS_TABLE: sync_run_columns(),
    DRIFT_TABLE: _meta_columns(
        run_id="text",
        resource="text",
        record_id="text",
        project_id="bigint",
        field="text",
        expected="text",
        found="text",
        sample_value="text",
        detected_at="timestamp",
    ),
}


class ProcoreConfigError(ValueError):
    """A required setting is missing; the message names it and where to set it."""


def _setting(name: str, given: Any, *, secret: bool = False) -> Any:
    if given is not None:
        return given
    key = f"sources.procore.{name}"
    value = dlt.secrets.get(key) if secret else None
    if value is None:
        value = dlt.config.get(key)
    if value is None and secret is False:
        value = dlt.secrets.get(key)
    return value


def resolve_connection(
    *,
    base_url: str | None,
    login_url: str | None,
    client_id: str | None,
    client_secret: str | None,
    company_id: int | None,
) -> dict[str, Any]:
    """Explicit values, else dlt config/secrets; a clear error naming what is missing."""
    values = {
        "base_url": _setting("base_url", base_url),
        "login_url": _setting("login_url", login_url),
        "client_id": _setting("client_id", client_id, secret=True),
        "client_secret": _setting("client_secret", client_secret, secret=True),
        "company_id": _setting("company_id", company_id),
    }
    missing = [k for k, v in values.items() if v in (None, "") and k != "login_url"]
    if missing:
        env = ", ".join(f"SOURCES__PROCORE__{k.upper()}" for k in missing)
        raise ProcoreConfigError(
            f"Procore connection settings missing: {', '.join(missing)}. Set them in "
            f".dlt/config.toml / .dlt/secrets.toml under [sources.procore] or as {env}."
        )
    try:
        values["company_id"] = int(values["company_id"])
    except (TypeError, ValueError):
        raise ProcoreConfigError(
            f"sources.procore.company_id must be an integer, got {values['company_id']!r}"
        ) from None
    return values


def run_procore_sync(
    *,
    home: Path | None = None,
    base_url: str | None = None,
    login_url: str | None = None,
    client_id: str | None = None,
    client_secret: str | None = None,
    company_id: int | None = None,
    full: bool = False,
    project_ids: list[int] | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    settings: ProcoreSettings | None = None,
    clock: Clock | None = None,
    sleep: Sleep | None = None,
) -> SyncReport:
    """Extract Procore into `raw_procore` under `home` (TIEOUT_HOME) and report per table.

    `full=True` re-reads everything (every list whole, every child, deletions applied);
    otherwise lists are read from their cursors and unfilterable resources only when
    `settings.full_pull_hours` have passed. `clock`/`sleep` are for tests (pacing, token
    expiry) and default to the real ones.
    """
    connection = resolve_connection(
        base_url=base_url,
        login_url=login_url,
        client_id=client_id,
        client_secret=client_secret,
        company_id=company_id,
    )
    clock = clock or time.time
    run = SyncRun(
        run_id=new_run_id(clock),
        settings=settings or ProcoreSettings.from_config(),
        full=full,
        project_ids=project_ids,
        progress=_safe(progress),
        clock=clock,
        sleep=sleep or time.sleep,
    )
    started = time.perf_counter()
    started_at = datetime.fromtimestamp(clock(), UTC)
    report = SyncReport(source="procore", run_id=run.run_id, started_at=iso(started_at))
    pipeline = make_pipeline("procore", PROCORE_DATASET, home)

    from pipelines.procore import procore_source

    try:
        if pipeline.has_pending_data:  # a run killed after extract: finish loading it first
            log.info("procore: loading the pending package of an interrupted run")
            pipeline.normalize()
            pipeline.load()
        source = procore_source(
            base_url=connection["base_url"],
            login_url=connection["login_url"],
            client_id=connection["client_id"],
            client_secret=connection["client_secret"],
            company_id=connection["company_id"],
            run=run,
        )
        pipeline.run(source)
    except Exception as exc:
        message = _short(exc)
        log.error("procore sync failed to load: %s", message)
        for family in FAMILIES:
            for table in family.tables:
                result = run.result(table.name)
                if result.status != "failed":
                    result.status = "failed"
                    result.error = f"not loaded: {message}"
    report.resources = _results(run)
    report.issues = [
        {
            "type": "schema_drift",
            **{
                k: row[k]
                for k in (
                    "resource",
                    "record_id",
                    "project_id",
                    "field",
                    "expected",
                    "found",
                    "sample_value",
                )
            },
        }
        for row in run.findings
    ]
    report.seconds = time.perf_counter() - started
    _store_meta(pipeline, run, report, started_at)
    return report


def _results(run: SyncRun) -> list[ResourceResult]:
    assert run.client is not None or not run.results
    out: list[ResourceResult] = []
    ledger = run.client.ledger if run.client is not None else None
    for family in FAMILIES:
        for table in family.tables:
            result = run.result(table.name, family.mode)
            if ledger is not None:
                counts = ledger.for_resource(table.name)
                result.requests, result.throttled = counts.requests, counts.throttled
                result.retries = counts.retries
            out.append(result)
    if ledger is not None:
        counts = ledger.for_resource("oauth")
        out.append(
            ResourceResult(
                resource="oauth",
                requests=counts.requests,
                mode="auth",
                throttled=counts.throttled,
                retries=counts.retries,
            )
        )
    return out


def _store_meta(
    pipeline: dlt.Pipeline, run: SyncRun, report: SyncReport, started_at: datetime
) -> None:
    """Append this run's report, request counts and drift findings (best effort)."""
    requests = run.client.ledger.rows(run.run_id) if run.client is not None else []
    for row in requests:
        row["started_at"] = started_at
    runs = [{**row, "started_at": started_at} for row in report.as_rows()]
    tables = {REQUESTS_TABLE: requests, RUNS_TABLE: runs, DRIFT_TABLE: run.findings}
    resources = [
        dlt.resource(
            _rows(rows),
            name=name,
            table_name=name,
            write_disposition="append",
            columns=copy.deepcopy(META_COLUMNS[name]),
        )
        for name, rows in tables.items()
    ]
    try:
        pipeline.run(resources)
    except Exception as exc:  # the data is loaded; losing the figures must not fail the run
        log.error("procore: could not store the run figures: %s", _short(exc))
        report.issues.append({"type": "meta_not_stored", "message": _short(exc)})


def _rows(rows: list[dict]) -> Iterator[Any]:
    yield dlt.mark.materialize_table_schema()
    if rows:
        yield rows


def _safe(progress: ProgressFn | None) -> ProgressFn | None:
    """A progress callback that cannot break the sync."""
    if progress is None:
        return None

    def call(stage: str, done: int, total: int | None) -> None:
        try:
            progress(stage, done, total)
        except Exception:  # a display problem is not a sync problem
            log.debug("procore progress callback failed", exc_info=True)

    return call


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= ERROR_CHARS else text[:ERROR_CHARS] + "…"
