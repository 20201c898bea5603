"""`run_control_sync`: copy the control store's tables into `raw_control`, and report it.

The store is read in one transaction, then loaded as one dlt package; each table is
replaced. A failure (store unreachable, warehouse locked) leaves the previous copy in
place and is reported per table; the next sync copies everything again.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from time import perf_counter

import dlt

from pipelines.control.settings import CONTROL_TABLES
from pipelines.report import ResourceResult, SyncReport
from pipelines.warehouse import CONTROL_DATASET, make_pipeline

log = logging.getLogger(__name__)


def run_control_sync(
    home: Path | None = None,
    *,
    control_url: str | None = None,
    pipeline: dlt.Pipeline | None = None,
) -> SyncReport:
    """Replace every `raw_control` table with the control store's current rows.

    The store is `control_url`, else TIEOUT_CONTROL_URL, else `<home>/control.sqlite`
    (created and migrated if new: an empty store gives empty, typed tables). `pipeline`
    overrides the destination (e.g. a dlt pipeline into the PostgreSQL warehouse; its
    dataset should be `raw_control`); default: the DuckDB warehouse under `home`.
    Never raises for store or load problems: every table is reported failed with the
    reason, and the warehouse keeps the previous copy.
    """
    from writers.control import ControlStore

    started = perf_counter()
    report = SyncReport(
        source="control",
        run_id=f"control-{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    results = {t: ResourceResult(resource=t, mode="snapshot") for t in CONTROL_TABLES}
    report.resources = list(results.values())
    try:
        with ControlStore.open(control_url, home=home) as store:
            read_started = perf_counter()
            tables = store.snapshot(list(CONTROL_TABLES))
            read_seconds = perf_counter() - read_started
        if pipeline is None:
            pipeline = make_pipeline("control", CONTROL_DATASET, home)
        _pipeline_defaults(pipeline.pipeline_name)
        if pipeline.has_pending_data:  # an older snapshot is never worth loading
            pipeline.abort_packages()
        from pipelines.control import control_source

        load_started = perf_counter()
        pipeline.extract(control_source(tables), loader_file_format=_file_format(pipeline))
        pipeline.normalize()
        pipeline.load()
        load_seconds = perf_counter() - load_started
        per_table = round((read_seconds + load_seconds) / len(tables), 3)  # one read, one load
        for table, rows in tables.items():
            results[table].rows, results[table].requests = len(rows), 1
            results[table].seconds = per_table
    except Exception as exc:  # reported; callers exit non-zero on a failed report
        log.debug("control sync failed", exc_info=True)
        message = _root_message(exc)
        for result in results.values():
            result.status, result.error = "failed", message
    report.seconds = round(perf_counter() - started, 3)
    return report


def _pipeline_defaults(pipeline_name: str) -> None:
    """Do not keep each snapshot's load files under TIEOUT_HOME/dlt (config can override)."""
    os.environ.setdefault(f"{pipeline_name.upper()}__LOAD__DELETE_COMPLETED_JOBS", "true")


def _file_format(pipeline: dlt.Pipeline) -> str | None:
    """parquet into DuckDB when pyarrow is installed (typed, fast); elsewhere the
    destination's default (PostgreSQL takes parquet only through the optional ADBC driver)."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return None
    return "parquet" if pipeline.destination.destination_type.endswith(".duckdb") else None


def _root_message(exc: BaseException) -> str:
    """The innermost cause of a store or dlt step failure, as one readable line."""
    from writers.control import ControlStoreError

    seen: list[BaseException] = [exc]
    while True:
        inner = getattr(seen[-1], "exception", None) or seen[-1].__cause__
        if inner is None or inner in seen:
            break
        seen.append(inner)
    for candidate in seen:
        if isinstance(candidate, ControlStoreError):
            return str(candidate)
    root = seen[-1]
    lines = str(root).strip().splitlines()
    text = lines[0] if lines else ""
    # dlt wraps the driver's error in advice about credentials; keep the driver's words
    reason = text.split("The actual reason given is:", 1)[-1].strip()
    if "Could not set lock" in reason:
        return f"the warehouse is in use by another process: {reason} Rerun when it finishes."
    if reason != text:
        return reason
    return f"{type(root).__name__}: {text}".rstrip(": ")
