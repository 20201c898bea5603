"""Bulk-load one `sage/<TABLE>.csv` into an open SQLite connection: the company's restore.

This is the only code that writes the test company's tables without going through
ODBC; it plays "restore from backup", not a pipeline. Speed matters (gc60 has ~2M JCT
rows), so Python only streams the CSV: SQLite converts each cell by column affinity,
NULLIF turns empty cells into NULL, and the CHECK constraints from `ddl` reject bad
values. When SQLite refuses a row, the loader knows which row it was (the last one it
handed over) and turns SQLite's message into one naming file, line, column and value.
"""

from __future__ import annotations

import csv
import difflib
import re
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from sandbox.sage import ddl
from sandbox.sage.catalogue import BY_NAME, Column, Table
from sandbox.sage.errors import CompanyBuildError

BATCH_ROWS = 50_000

# progress(stage, done, total): the CLI's rich adapter has this shape; total is None
# while a table loads (the row count is unknown until the CSV ends).
Progress = Callable[[str, int, int | None], None]

_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")
_INTEGER = re.compile(r"\s*[+-]?\d+(\.0*)?\s*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def table_for_csv(path: Path) -> Table:
    """The catalogue table a CSV file is named after, or a clear error."""
    name = path.stem
    if name in BY_NAME:
        return BY_NAME[name]
    hint = difflib.get_close_matches(name.upper(), list(BY_NAME), n=1)
    did_you_mean = f" Did you mean {hint[0]}.csv?" if hint else ""
    raise CompanyBuildError(
        f"{path}: {name} is not a table of the Sage catalogue (sandbox/sage/catalogue.py)."
        f"{did_you_mean} Name the file after the Sage ODBC table, or add the table to "
        "the catalogue first."
    )


def read_header(path: Path, table: Table) -> list[str]:
    """Read and check a CSV header against the catalogue; return its column names."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as exc:
        raise CompanyBuildError(f"{path}: not UTF-8 text ({exc}); write the CSV as UTF-8") from exc
    if not header:
        raise CompanyBuildError(
            f"{path}: empty file; the first row must name the columns "
            f"({', '.join(table.column_names)})"
        )
    known = set(table.column_names)
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise CompanyBuildError(f"{path}: column {name!r} appears twice in the header")
        seen.add(name)
        if name not in known:
            hint = difflib.get_close_matches(name, list(known), n=1)
            did_you_mean = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise CompanyBuildError(
                f"{path}: unknown column {name!r} for {table.name}{did_you_mean}. "
                f"The header must use the catalogue's Sage ODBC names: "
                f"{', '.join(table.column_names)}"
            )
    missing = [k for k in table.key if k not in seen]
    if missing:
        raise CompanyBuildError(
            f"{path}: key column(s) {', '.join(missing)} missing from the header; "
            f"{table.name} is keyed by ({', '.join(table.key)})"
        )
    return header


class _Rows:
    """Iterate CSV records, remembering the last one handed to SQLite and its line."""

    def __init__(self, reader: Iterator[list[str]]):
        self._reader = reader
        self.last: list[str] | None = None
        self.line = 1
        self.count = 0

    def __iter__(self) -> Iterator[list[str]]:
        reader = self._reader
        for row in reader:
            if not row:
                continue  # a blank line, not a record
            self.last = row
            self.line = reader.line_num  # type: ignore[attr-defined]
            self.count += 1
            yield row


def load_csv(
    con: sqlite3.Connection,
    table: Table,
    path: Path,
    *,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> int:
    """Insert every record of `path` into `table`; return the row count."""
    header = read_header(path, table)
    sql = ddl.insert_sql(table, header)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = _Rows(reader)
        stream = iter(rows)
        try:
            while True:
                before = rows.count
                con.executemany(sql, islice(stream, batch_rows))
                if rows.count == before:
                    break
                if progress:
                    progress(table.name, rows.count, None)
        except (sqlite3.Error, csv.Error, UnicodeDecodeError) as exc:
            raise CompanyBuildError(
                describe_failure(path, table, header, rows.line, rows.last, exc)
            ) from exc
    if progress:
        progress(table.name, rows.count, rows.count)
    return rows.count


def describe_failure(
    path: Path,
    table: Table,
    header: Sequence[str],
    line: int,
    row: Sequence[str] | None,
    exc: Exception,
) -> str:
    """Turn SQLite's refusal of one row into a message a data author can act on."""
    where = f"{path} line {line}"
    message = str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return f"{path} after line {line}: not UTF-8 text ({exc}); write the CSV as UTF-8"
    if isinstance(exc, csv.Error):
        return f"{path} after line {line}: malformed CSV ({exc})"
    if row is None:
        return f"{path}: {message}"
    values = dict(zip(header, row, strict=False))
    if len(row) != len(header):
        return (
            f"{where}: {len(row)} fields, but the header names {len(header)} columns; "
            "quote values that contain commas"
        )
    m = re.search(r"CHECK constraint failed: ck_(\w+)", message)
    if m and m.group(1) in values:
        column = next(c for c in table.columns if c.name == m.group(1))
        return f"{where}: {value_problem(column, values[column.name])}"
    m = re.search(r"NOT NULL constraint failed: \w+\.(\w+)", message)
    if m:
        return (
            f"{where}: {m.group(1)} is empty, but it is part of {table.name}'s key "
            f"({', '.join(table.key)})"
        )
    if "UNIQUE constraint failed" in message:
        key = "|".join(values.get(k, "") for k in table.key)
        return (
            f"{where}: duplicate key {key!r} — {table.name} allows one row per "
            f"({', '.join(table.key)})"
        )
    return f"{where}: SQLite refused the row ({message})"


def value_problem(column: Column, value: str) -> str:
    """Say what is wrong with one cell, in terms of the Sage column type."""
    name, shown = column.name, repr(value)
    if column.type == "text" and column.length and len(value) > column.length:
        return f"{name} value {shown} is {len(value)} characters; Sage allows {column.length}"
    if column.type in ("money", "number") and not _NUMBER.fullmatch(value):
        return f"{name} value {shown} is not a number (write plain decimals, e.g. 1234.56)"
    if column.type == "int" and not _INTEGER.fullmatch(value):
        return f"{name} value {shown} is not a whole number"
    if column.type == "flag" and value.strip() not in ("0", "1"):
        return f"{name} value {shown} is not a flag; write 0 or 1"
    if column.type == "date":
        if _ISO_DATE.fullmatch(value):
            return f"{name} value {shown} is not a calendar date"
        return f"{name} value {shown} is not a date written YYYY-MM-DD"
    return f"{name} value {shown} does not fit the {column.type} column"
