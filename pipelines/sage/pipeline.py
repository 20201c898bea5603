"""`run_sage_sync`: extract Sage into `raw_sage`, all or nothing, and report what it did.

One sync is one dlt load package: every table is extracted first, and only when every
table was read completely is the package normalized and loaded. A failure while reading
(driver, login, missing table, lock, a bad value) stops the sync before anything is
loaded, so the warehouse keeps the previous sync's complete state; the next sync starts
over from the warehouse (change detection and high-water marks are read from it).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter
from typing import Any

import dlt
from dlt.extract import DltResource

from pipelines.report import ResourceResult, SyncReport, sync_run_columns
from pipelines.sage.helpers import SageSyncError, SyncObserver, connection_string_from
from pipelines.sage.settings import STRATEGIES
from pipelines.warehouse import SAGE_DATASET, make_pipeline

log = logging.getLogger(__name__)

SYNC_RUNS_TABLE = "_tieout_sync_runs"


@dataclass
class SageResourceResult(ResourceResult):
    """A `ResourceResult` with the Sage split: `rows` = inserted + updated + deleted."""

    read: int = 0  # rows read from Sage (a snapshot reads the whole table)
    inserted: int = 0
    updated: int = 0
    deleted: int = 0


def run_sage_sync(
    *,
    home: Path | None = None,
    connection_string: str | None = None,
    full: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> SyncReport:
    """Sync every Sage table into `raw_sage` of the warehouse under `home` (TIEOUT_HOME).

    The connection is `connection_string`, else `sources.sage.connection_string` /
    `sources.sage.dsn` from dlt config, else the test company at
    `<home>/sage/company.sqlite`. `full=True` replaces every table (a clean reload).
    `progress(table, rows_read, total)` is called per batch (`total=None`) and once per
    table with `total` set. Never raises for Sage or load failures: they are reported per
    table (`status` failed / skipped, `error`), and the report rows are appended to
    `raw_sage._tieout_sync_runs`.
    """
    started = perf_counter()
    report = SyncReport(
        source="sage",
        run_id=f"sage-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    observer = SyncObserver(progress)
    excluded = set(_config("exclude_tables", expected=list) or ())
    names = [s for s in STRATEGIES if s not in excluded]
    pipeline = make_pipeline("sage", SAGE_DATASET, home)
    _pipeline_defaults(pipeline.pipeline_name)
    failure: str | None = None
    try:
        conn_str = resolve_connection(connection_string, home)
        _finish_pending(pipeline)
        from pipelines.sage import sage_source

        source = sage_source(connection_string=conn_str, full=full, observer=observer)
        names = list(source.resources.keys())
        pipeline.extract(source, loader_file_format=_file_format(pipeline))
        observer.close()  # release Sage and the destination view before the load
        pipeline.normalize()
        pipeline.load()
    except Exception as exc:  # reported per table; the CLI exits 1 on a failed report
        failure = _root_message(exc)
        log.debug("sage sync failed", exc_info=True)
    finally:
        observer.close()
    report.resources = _results(names, observer, failure)
    report.seconds = round(perf_counter() - started, 3)
    _store_report(pipeline, report)
    return report


def _pipeline_defaults(pipeline_name: str) -> None:
    """dlt settings scoped to this pipeline (config or env can still override them).

    - drain tables one after another (`fifo`): one ODBC connection, one open result set
      at a time, and per-table seconds that mean something;
    - delete a package's data files once loaded, so TIEOUT_HOME/dlt does not keep a copy
      of every sync (a full reload of a gc60 company is ~2M JCT rows);
    - without pyarrow (no parquet), cap insert_values files at 1,000 rows and load 4 at a
      time: DuckDB parses one INSERT per file, and one 50,000-row statement takes ~6 GB
      and a minute (measured on the `small` scenario).
    """
    prefix = pipeline_name.upper()
    os.environ.setdefault(f"{prefix}__EXTRACT__NEXT_ITEM_MODE", "fifo")
    os.environ.setdefault(f"{prefix}__LOAD__DELETE_COMPLETED_JOBS", "true")
    if not _has_pyarrow():
        os.environ.setdefault(f"{prefix}__NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS", "1000")
        os.environ.setdefault(f"{prefix}__LOAD__WORKERS", "4")


def _has_pyarrow() -> bool:
    return importlib.util.find_spec("pyarrow") is not None


def _file_format(pipeline: dlt.Pipeline) -> str | None:
    """parquet when pyarrow is installed and the destination takes it (typed, ~20x faster
    into DuckDB than insert_values); otherwise the destination's default."""
    if not _has_pyarrow():
        return None
    formats = pipeline.destination.capabilities().supported_loader_file_formats
    return "parquet" if "parquet" in formats else None


def resolve_connection(connection_string: str | None, home: Path | None) -> str:
    """Explicit string, else dlt config (`sources.sage.*`), else the local test company."""
    if connection_string:
        return connection_string
    configured = _config("connection_string", secret=True)
    dsn = _config("dsn")
    if configured or dsn:
        return connection_string_from(configured, dsn)
    from orchestration.home import sage_company_path

    company = sage_company_path(home)
    if company.is_file():
        from sandbox.sage.odbc import connection_string as test_company_string

        return test_company_string(company, read_only=True)
    raise SageSyncError(
        "no Sage connection configured and no test company at "
        f"{company}: set sources.sage.connection_string (env SOURCES__SAGE__CONNECTION_STRING) "
        "or sources.sage.dsn, or build the test company with "
        "`tieout sandbox serve --scenario DIR`."
    )


def _config(key: str, *, secret: bool = False, expected: type | None = None) -> Any:
    name = f"sources.sage.{key}"
    value = dlt.secrets.get(name, expected) if secret else None
    return value if value is not None else dlt.config.get(name, expected)


def _finish_pending(pipeline: dlt.Pipeline) -> None:
    """Load a package a crashed or failed sync extracted completely but did not load."""
    if pipeline.has_pending_data:
        log.info("loading the pending package of an earlier sage sync first")
        pipeline.normalize()
        pipeline.load()


def _root_message(exc: BaseException) -> str:
    """The innermost cause of a dlt step failure, as one readable line."""
    seen: list[BaseException] = [exc]
    while True:
        inner = getattr(seen[-1], "exception", None) or seen[-1].__cause__
        if inner is None or inner in seen:
            break
        seen.append(inner)
    for candidate in reversed(seen):
        if isinstance(candidate, SageSyncError):
            return str(candidate)
    root = seen[-1]
    return f"{type(root).__name__}: {root}"


def _results(names: list[str], observer: SyncObserver, failure: str | None) -> list[ResourceResult]:
    results: list[ResourceResult] = []
    failed_table = observer.failure[0] if observer.failure else None
    for name in names:
        stats = observer.tables.get(name)
        result = SageResourceResult(resource=name)
        if stats is not None:
            result.mode, result.requests = stats.mode, stats.queries
            result.seconds, result.read = round(stats.seconds, 3), stats.read
        if failure is None:
            assert stats is not None
            result.inserted, result.updated, result.deleted = (
                stats.inserted,
                stats.updated,
                stats.deleted,
            )
            result.rows = stats.changed
        elif failed_table is not None:
            if name == failed_table:
                result.status, result.error = "failed", observer.failure[1]  # type: ignore[index]
            else:
                result.status = "skipped"
                result.error = (
                    f"not loaded: the sync stopped at {failed_table}; nothing "
                    "from this run was committed"
                )
        else:  # a failure outside any table (configuration, pending load, load)
            result.status, result.error = "failed", failure
        results.append(result)
    return results


_RUN_COLUMNS = sync_run_columns(SageResourceResult)


def _sync_runs_source(rows: list[dict]) -> Any:
    from pipelines.sage import sage_schema

    @dlt.source(schema=sage_schema(), max_table_nesting=0)
    def sage_sync_runs() -> Iterator[DltResource]:
        yield dlt.resource(
            rows, name=SYNC_RUNS_TABLE, write_disposition="append", columns=_RUN_COLUMNS
        )

    return sage_sync_runs()


def _store_report(pipeline: dlt.Pipeline, report: SyncReport) -> None:
    """Append the report rows to `raw_sage._tieout_sync_runs` (its own small load)."""
    if pipeline.has_pending_data:  # a failed load is still pending: do not retry it here
        report.issues.append(
            {
                "type": "report_not_stored",
                "message": "an unfinished load is pending; the next sync loads it",
            }
        )
        return
    try:
        pipeline.extract(_sync_runs_source(report.as_rows()))
        pipeline.normalize()
        pipeline.load()
    except Exception as exc:
        log.warning("could not store the sage sync report: %s", exc)
        report.issues.append({"type": "report_not_stored", "message": _root_message(exc)})
