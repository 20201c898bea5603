"""Control store → `raw_control`: a snapshot of the mapping and resolution tables.

dbt reads the controller's mappings and exception resolutions from the warehouse schema
`raw_control`; `run_control_sync()` copies them there from the control store (SQLite or
PostgreSQL), replacing the previous copy. See README.md for why it is a copy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import dlt
from dlt.extract import DltResource

from pipelines.control.settings import CONTROL_TABLES, PRIMARY_KEYS, column_hints

SCHEMA_NAME = "control"


def _rows(table: str, rows: list[Mapping[str, Any]]) -> Iterator[Any]:
    # The marker makes dlt create the table (typed by the hints) even with no rows.
    yield dlt.mark.materialize_table_schema()
    columns = list(CONTROL_TABLES[table])
    if rows:
        yield [{c: row.get(c) for c in columns} for row in rows]


def table_resource(table: str, rows: list[Mapping[str, Any]]) -> DltResource:
    """One control table as a dlt resource that replaces its warehouse copy."""
    return dlt.resource(
        _rows(table, rows),
        name=table,
        write_disposition="replace",
        primary_key=PRIMARY_KEYS[table],
        columns=column_hints(table),
    )


@dlt.source(name=SCHEMA_NAME, max_table_nesting=0)
def control_source(tables: Mapping[str, list[Mapping[str, Any]]]) -> Iterator[DltResource]:
    """Every control table dbt reads, from rows already read from the store
    (`ControlStore.snapshot()`: one transaction, so the tables agree with each other)."""
    missing = [t for t in CONTROL_TABLES if t not in tables]
    if missing:
        raise ValueError(f"control_source needs rows for {', '.join(missing)}")
    for table in CONTROL_TABLES:
        yield table_resource(table, list(tables[table]))


from pipelines.control.pipeline import run_control_sync  # noqa: E402  (needs the source)

__all__ = ["CONTROL_TABLES", "control_source", "run_control_sync", "table_resource"]
