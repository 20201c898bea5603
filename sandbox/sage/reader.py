"""Portable reads: the only SQL shapes tieout sends to Sage, so they run on both.

Real Sage queries in the wild use `SELECT TOP n`, `UCASE()`, `LEFT()/MID()/InStr()`;
SQLite has none of them, and the test company is read through the ODBC driver's own
SQLite, where no Python function can be registered. Rather than a translating shim,
tieout keeps to SQL both dialects share: `SELECT "col", … FROM TABLE [WHERE … ?]`,
`?` parameters, double-quoted identifiers (Sage needs them for "Authorization",
"Check"), no catalog calls (enumerating Pervasive metadata hangs), and streaming with
`fetchmany`. Filtering beyond simple predicates happens in Python or the warehouse.

One trap: SQLite reads a double-quoted name that matches no column as a string
literal, so `SELECT "Jobb"` returns the text 'Jobb' instead of failing (and
`WHERE "Jobb" = ?` silently matches nothing). `stream` therefore checks every
column it selects or quotes in `where` against the table's real columns first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

import pyodbc

from sandbox.sage.errors import SageOdbcError
from sandbox.sage.odbc import describe_connection, translate_error

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUOTED = re.compile(r'"([^"]+)"')
DEFAULT_BATCH = 10_000


def _ident(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a Sage table or column name: {name!r}")
    return f'"{name}"'


def select_sql(table: str, columns: Sequence[str] | None = None, where: str | None = None) -> str:
    """`SELECT "a", "b" FROM "T" [WHERE …]` — the shape Sage's driver and SQLite share."""
    cols = ", ".join(_ident(c) for c in columns) if columns else "*"
    sql = f"SELECT {cols} FROM {_ident(table)}"
    return f"{sql} WHERE {where}" if where else sql


def execute(
    conn: pyodbc.Connection, sql: str, params: Sequence[object] = (), *, table: str | None = None
) -> pyodbc.Cursor:
    """Run one statement; driver errors become SageOdbcError naming connection and table."""
    cursor = conn.cursor()
    try:
        return cursor.execute(sql, *params) if params else cursor.execute(sql)
    except pyodbc.Error as exc:
        raise translate_error(exc, source=describe_connection(conn), table=table) from exc


def table_columns(conn: pyodbc.Connection, table: str) -> list[str]:
    """Column names of `table` without reading rows and without catalog calls."""
    cursor = execute(conn, select_sql(table, where="1 = 0"), table=table)
    return [d[0] for d in cursor.description]


def check_columns(conn: pyodbc.Connection, table: str, names: Sequence[str]) -> None:
    """Fail with "Column not found" for names `table` lacks (see the quoting trap above)."""
    if not names:
        return
    known = {c.lower() for c in table_columns(conn, table)}
    unknown = [n for n in names if n.lower() not in known]
    if unknown:
        raise SageOdbcError(
            f"Column not found: {', '.join(unknown)} in {table} on "
            f"{describe_connection(conn)}; use the catalogue's StandardMode=1 column names "
            "(sandbox/sage/catalogue.py)."
        )


def stream(
    conn: pyodbc.Connection,
    table: str,
    columns: Sequence[str] | None = None,
    *,
    where: str | None = None,
    params: Sequence[object] = (),
    batch_size: int = DEFAULT_BATCH,
) -> Iterator[list[pyodbc.Row]]:
    """Yield a table's rows in batches (fetchmany), so 2M JCT rows never sit in memory."""
    check_columns(conn, table, [*(columns or ()), *_QUOTED.findall(where or "")])
    cursor = execute(conn, select_sql(table, columns, where), params, table=table)
    try:
        while True:
            try:
                rows = cursor.fetchmany(batch_size)
            except pyodbc.Error as exc:
                raise translate_error(exc, source=describe_connection(conn), table=table) from exc
            if not rows:
                return
            yield rows
    finally:
        cursor.close()
