"""Stream a scenario to disk: one JSON array per Procore resource, one CSV per Sage
table, both appended record by record so memory stays bounded at any size.

Output is byte-stable: fixed key order (insertion order of the renderers), compact
JSON one record per line, `\\n` line endings, Decimal money with two decimals.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import IO

from sandbox.generate.money import fmt
from sandbox.procore.resources import RESOURCE_SCOPE, RESOURCES
from sandbox.sage.catalogue import TABLES, Column, Table

BUFFER = 1 << 20


class _JsonArray:
    def __init__(self, path: Path, scope: tuple[str, ...]):
        self.path = path
        self.scope = set(scope)
        self.count = 0
        self.fh: IO[str] = path.open("w", encoding="utf-8", newline="\n", buffering=BUFFER)

    def write(self, record: dict) -> None:
        scope = record.get("_scope")
        if not isinstance(scope, dict) or set(scope) != self.scope:
            raise ValueError(
                f"{self.path.name}: record {record.get('id')} has _scope "
                f"{scope!r}; expected keys {sorted(self.scope)}"
            )
        self.fh.write("[\n" if self.count == 0 else ",\n")
        self.fh.write(json.dumps(record, separators=(",", ":"), ensure_ascii=False))
        self.count += 1

    def close(self) -> None:
        self.fh.write("[]\n" if self.count == 0 else "\n]\n")
        self.fh.close()


def cell(column: Column, value: object, table: str) -> str:
    """One CSV cell in the catalogue's format (money 2 decimals, flags 0/1, ISO dates)."""
    if value is None:
        return ""
    if column.type == "money":
        if not isinstance(value, Decimal):
            raise TypeError(f"{table}.{column.name}: money must be Decimal, got {value!r}")
        return fmt(value)
    if column.type == "flag":
        return "1" if value else "0"
    if column.type == "date":
        if not isinstance(value, dt.date):
            raise TypeError(f"{table}.{column.name}: expected a date, got {value!r}")
        return value.isoformat()
    text = str(value)
    if column.type == "text" and column.length and len(text) > column.length:
        raise ValueError(f"{table}.{column.name}: {text!r} is longer than {column.length}")
    return text


class _CsvTable:
    def __init__(self, path: Path, table: Table):
        self.path = path
        self.table = table
        self.count = 0
        self.fh = path.open("w", encoding="utf-8", newline="", buffering=BUFFER)
        self.out = csv.writer(self.fh, lineterminator="\n")
        self.out.writerow(table.column_names)

    def write(self, row: dict) -> None:
        unknown = set(row) - set(self.table.column_names)
        if unknown:
            raise KeyError(f"{self.table.name}: unknown columns {sorted(unknown)}")
        name = self.table.name
        self.out.writerow([cell(c, row.get(c.name), name) for c in self.table.columns])
        self.count += 1

    def write_list(self, values: list[str]) -> None:
        """Fast path for pre-formatted rows (JC transactions)."""
        self.out.writerow(values)
        self.count += 1

    def close(self) -> None:
        self.fh.close()


class ScenarioWriter:
    """Open every contract file of a scenario and append to them as data arrives."""

    def __init__(self, root: Path):
        self.root = root
        for sub in ("procore", "sage", "control", "expected"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.json = {
            r: _JsonArray(root / "procore" / f"{r}.json", RESOURCE_SCOPE[r]) for r in RESOURCES
        }
        self.csv = {t.name: _CsvTable(root / "sage" / f"{t.name}.csv", t) for t in TABLES}

    def procore(self, resource: str, record: dict) -> None:
        self.json[resource].write(record)

    def sage(self, table: str, row: dict) -> None:
        self.csv[table].write(row)

    def sage_list(self, table: str, values: list[str]) -> None:
        self.csv[table].write_list(values)

    def close(self) -> tuple[dict[str, int], dict[str, int]]:
        for f in self.json.values():
            f.close()
        for t in self.csv.values():
            t.close()
        return (
            {r: f.count for r, f in sorted(self.json.items())},
            {t: f.count for t, f in sorted(self.csv.items())},
        )


def write_csv(path: Path, header: tuple[str, ...], rows: list[tuple]) -> None:
    """A small CSV (control tables, answer key) in one go."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)
