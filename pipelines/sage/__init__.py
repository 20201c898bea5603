"""Sage 300 CRE → `raw_sage`: one dlt resource per catalogue table, read over ODBC.

`sage_source()` is the dlt source (config section `sources.sage`); `run_sage_sync()` runs
it into the warehouse under TIEOUT_HOME and returns a `SyncReport`. Strategies per table
are in `settings.py`, reading and change detection in `helpers.py`; see README.md.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
from dlt.extract import DltResource

from pipelines.sage.helpers import (
    ConnectionPool,
    SageSyncError,
    SyncObserver,
    column_hints,
    connection_string_from,
    extract_table,
)
from pipelines.sage.settings import REPLACE, STRATEGIES, TableStrategy

SCHEMA_NAME = "sage"


def sage_schema() -> dlt.Schema:
    """The `sage` schema with dlt's `direct` naming: Sage names land unchanged.

    dlt's default `snake_case` would turn `Cost_Code` into `cost_code` and
    `JCM_MASTER__JOB` into `jcm_master__job`; `sql_cs_v1` keeps case but folds `__` into
    `_`. `direct` keeps every Sage table and column name exactly, so dbt models quote
    the names finance sees in Sage (`"Cost_Code"`). The naming is stored in the schema, so
    every later run (and `dlt pipeline` commands) keep it.
    """
    return dlt.Schema(SCHEMA_NAME, normalizers={"names": "direct"})


def table_resource(
    strategy: TableStrategy,
    pool: ConnectionPool,
    observer: SyncObserver,
    *,
    full: bool = False,
    batch_size: int | None = None,
) -> DltResource:
    """The dlt resource for one Sage table (merge on the catalogue key, or replace)."""
    replace = full or strategy.strategy == REPLACE
    return dlt.resource(
        extract_table(strategy, pool, observer, full=full, batch_size=batch_size),
        name=strategy.name,
        write_disposition="replace"
        if replace
        else {"disposition": "merge", "strategy": "delete-insert"},
        primary_key=list(strategy.key) or None,
        columns=column_hints(strategy, replace=replace),
    )


@dlt.source(section="sage", schema=sage_schema(), max_table_nesting=0)
def sage_source(
    connection_string: dlt.TSecretStrValue | None = None,
    dsn: str | None = None,
    batch_size: int | None = None,
    exclude_tables: list[str] | None = None,
    full: bool = False,
    observer: SyncObserver | None = None,
) -> Iterator[DltResource]:
    """Every Sage table of the catalogue as a dlt resource named after the table.

    Config (`sources.sage.*`, e.g. env SOURCES__SAGE__CONNECTION_STRING):
    `connection_string` (a secret: it may carry PWD) or `dsn`; `batch_size` (rows per
    fetchmany); `exclude_tables` (modules the company does not license). `full=True`
    replaces every table instead of merging changes. `observer` collects per-table
    figures (rows, queries, seconds, errors) for `run_sage_sync`.
    """
    conn_str = connection_string_from(connection_string, dsn)
    excluded = set(exclude_tables or ())
    unknown = sorted(excluded - STRATEGIES.keys())
    if unknown:
        raise SageSyncError(
            f"sources.sage.exclude_tables names tables the catalogue does not have: "
            f"{', '.join(unknown)} (known: {', '.join(STRATEGIES)})"
        )
    observer = observer if observer is not None else SyncObserver(owned=False)
    pool = ConnectionPool(conn_str, keep_idle=observer.owned)
    observer.pools.append(pool)
    for strategy in STRATEGIES.values():
        if strategy.name not in excluded:
            yield table_resource(strategy, pool, observer, full=full, batch_size=batch_size)


from pipelines.sage.pipeline import run_sage_sync  # noqa: E402  (needs sage_source above)

__all__ = [
    "STRATEGIES",
    "SageSyncError",
    "SyncObserver",
    "run_sage_sync",
    "sage_schema",
    "sage_source",
    "table_resource",
]
