"""Schema drift: check each Procore record against the fields tieout expects, and type it.

A record passes when every required key is present, every known field has the JSON type
Procore documents (null always allowed), and every money/percent/date/timestamp string
parses. Passing records come back typed for the warehouse: money and percents as
`Decimal` ("96.36%" → 96.36), dates as `date`, timestamps as UTC `datetime`, v2 string
ids as integers. A failing record is not loaded (the warehouse keeps its last good
version); each problem becomes a `Finding`, stored in `raw_procore._tieout_schema_drift`
and reported, so drift is an exception in the queue rather than silently loaded nulls.
New fields are accepted as they come (dlt adds the columns).

Expected types: `schemas/fields.json` (reduced from Procore's OpenAPI files, see
`schemas/SOURCE.md`) plus the hand-kept money/percent/required lists in `settings.py`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

from pipelines.procore.settings import (
    DELETED_FLAG,
    ROW_KEY,
    TABLES,
    Table,
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_V2_ID = re.compile(r"^\d+$")
SAMPLE_CHARS = 200

# tieout kind -> dlt column data type
DLT_TYPES = {
    "integer": "bigint",
    "id": "bigint",
    "number": "decimal",
    "decimal": "decimal",
    "percent": "decimal",
    "boolean": "bool",
    "text": "text",
    "date": "date",
    "timestamp": "timestamp",
}
# what a kind expects on the wire, for the drift row's `expected` column
WIRE = {
    "integer": "integer",
    "id": "integer id (v2: digit string)",
    "number": "number",
    "decimal": "decimal string",
    "percent": "percent string",
    "boolean": "boolean",
    "text": "string",
    "date": "date string YYYY-MM-DD",
    "timestamp": "ISO 8601 timestamp",
    "object": "object",
    "array": "array",
}


@dataclass(frozen=True)
class Finding:
    """One drifted field of one record."""

    resource: str
    record_id: str | None
    field: str
    expected: str
    found: str
    sample_value: str

    def as_row(self, run_id: str, detected_at: datetime, project_id: int | None) -> dict:
        return {
            "run_id": run_id,
            "resource": self.resource,
            "record_id": self.record_id,
            "project_id": project_id,
            "field": self.field,
            "expected": self.expected,
            "found": self.found,
            "sample_value": self.sample_value,
            "detected_at": detected_at,
        }


class Drift(ValueError):
    """A value that does not have the expected type (internal)."""

    def __init__(self, found: str) -> None:
        super().__init__(found)
        self.found = found


@cache
def _schema_fields() -> dict[str, dict[str, str]]:
    text = resources.files("pipelines.procore.schemas").joinpath("fields.json").read_text()
    return {name: spec["fields"] for name, spec in json.loads(text).items()}


@cache
def rules(table_name: str) -> dict[str, str]:
    """Field path → kind for one table (OpenAPI types, then the hand-kept overrides)."""
    table = TABLES[table_name]
    out: dict[str, str] = {}
    for path, kind in _schema_fields().get(table_name, {}).items():
        leaf = path.rsplit(".", 1)[-1]
        if kind == "text" and leaf.endswith("_at"):
            kind = "timestamp"  # Procore timestamps the schema left as plain strings
        if table.v2 and kind == "text" and (leaf == "id" or leaf.endswith("_id")):
            kind = "id"
        out[path] = kind
    for path in table.money:
        out[path] = "decimal"
    for path in table.percent:
        out[path] = "percent"
    return out


def column_hints(table: Table, parent_key: str | None = None) -> dict[str, dict[str, Any]]:
    """dlt column hints: every documented scalar field typed (the column exists even when
    all values are null so the dbt models can rely on it), plus tieout's own columns."""
    cols: dict[str, dict[str, Any]] = {}
    for path, kind in rules(table.name).items():
        if "[]" in path or kind not in DLT_TYPES:
            continue
        cols[path.replace(".", "__")] = {"data_type": DLT_TYPES[kind], "nullable": True}
    for extra in {table.partition, parent_key} - {None}:
        cols[extra] = {"data_type": "bigint", "nullable": True}
    if table.primary_key == ROW_KEY:
        cols[ROW_KEY] = {"data_type": "text", "nullable": False}
    cols.setdefault(table.primary_key, {"data_type": "bigint"})["nullable"] = False
    cols[DELETED_FLAG] = {"data_type": "bool", "nullable": True, "hard_delete": True}
    return cols


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__


def _decimal(text: str) -> Decimal:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise Drift("unparseable") from None
    if not number.is_finite():
        raise Drift("unparseable")
    return number


def parse_timestamp(value: str) -> datetime:
    """Procore ISO 8601 (`Z` or ±HH:MM, or a bare date) → aware UTC datetime."""
    text = value.strip()
    if _DATE.match(text):
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    if not _STAMP.match(text):
        raise Drift("unparseable")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Drift("unparseable") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


# Kinds kept as they arrive, once their JSON type is the expected one.
_PASS_THROUGH = {"boolean": "boolean", "text": "string", "object": "object", "array": "array"}


def convert(kind: str, value: Any) -> Any:
    """`value` typed per `kind`, or `Drift` naming what was found instead."""
    found = _json_type(value)
    if kind == "integer":
        if found != "integer":
            raise Drift(found)
        return value
    if kind == "id":
        if found == "integer":
            return value
        if found == "string" and _V2_ID.match(value):
            return int(value)
        raise Drift(found)
    if kind == "number":
        if found not in ("integer", "number"):
            raise Drift(found)
        return Decimal(value) if found == "integer" else Decimal(str(value))
    if kind in _PASS_THROUGH:
        if found != _PASS_THROUGH[kind]:
            raise Drift(found)
        return value
    if kind in ("decimal", "percent"):
        if found != "string":
            raise Drift(found)
        text = value.strip()
        if kind == "percent" and text.endswith("%"):
            text = text[:-1]
        return _decimal(text)
    if kind == "date":
        if found != "string":
            raise Drift(found)
        if not _DATE.match(value.strip()):
            raise Drift("unparseable")
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise Drift("unparseable") from None
    if kind == "timestamp":
        if found != "string":
            raise Drift(found)
        return parse_timestamp(value)
    return value


def _sample(value: Any) -> str:
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text[:SAMPLE_CHARS]


def _v2_ids(value: Any) -> Any:
    """v2 bodies carry every id as a string; store them as integers like v1."""
    if isinstance(value, list):
        return [_v2_ids(v) for v in value]
    if isinstance(value, dict):
        return {
            k: (
                int(v)
                if (k == "id" or k.endswith("_id")) and isinstance(v, str) and _V2_ID.match(v)
                else _v2_ids(v)
            )
            for k, v in value.items()
        }
    return value


class Validator:
    """Checks and types the records of one table."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.rules = rules(table.name)
        nested: dict[str, dict[str, str]] = {}
        lists: dict[str, dict[str, str]] = {}
        top: dict[str, str] = {}
        for path, kind in self.rules.items():
            if "[]." in path:
                head, _, leaf = path.partition("[].")
                lists.setdefault(head, {})[leaf] = kind
            elif "." in path:
                head, _, leaf = path.partition(".")
                nested.setdefault(head, {})[leaf] = kind
            else:
                top[path] = kind
        self._top, self._nested, self._lists = top, nested, lists

    def record_id(self, record: Any) -> str | None:
        if not isinstance(record, dict):
            return None
        value = record.get("id")
        return None if value is None else str(value)

    def normalize(self, record: Any) -> tuple[dict | None, list[Finding]]:
        """(typed copy, []) for a good record; (None, findings) for a drifted one."""
        name = self.table.name
        if not isinstance(record, dict):
            return None, [
                Finding(name, None, "<record>", "object", _json_type(record), _sample(record))
            ]
        rid = self.record_id(record)
        findings: list[Finding] = []

        def drift(path: str, kind: str, found: str, value: Any) -> None:
            findings.append(Finding(name, rid, path, WIRE.get(kind, kind), found, _sample(value)))

        for key in self.table.required:
            if key not in record:
                drift(key, "present", "missing", None)
        if self.table.primary_key == "id" and record.get("id") is None and "id" in record:
            drift("id", "integer", "null", None)
        out = dict(record)
        for key, kind in self._top.items():
            value = out.get(key)
            if value is None:
                continue
            try:
                out[key] = convert(kind, value)
            except Drift as exc:
                drift(key, kind, exc.found, value)
        for head, leaves in self._nested.items():
            obj = out.get(head)
            if not isinstance(obj, dict):
                continue
            obj = dict(obj)
            for leaf, kind in leaves.items():
                value = obj.get(leaf)
                if value is None:
                    continue
                try:
                    obj[leaf] = convert(kind, value)
                except Drift as exc:
                    drift(f"{head}.{leaf}", kind, exc.found, value)
            out[head] = obj
        for head, leaves in self._lists.items():
            items = out.get(head)
            if not isinstance(items, list):
                continue
            typed = []
            for item in items:
                item = dict(item) if isinstance(item, dict) else item
                if isinstance(item, dict):
                    for leaf, kind in leaves.items():
                        value = item.get(leaf)
                        if value is None:
                            continue
                        try:
                            item[leaf] = convert(kind, value)
                        except Drift as exc:
                            drift(f"{head}[].{leaf}", kind, exc.found, value)
                typed.append(item)
            out[head] = typed
        if findings:
            return None, findings
        if self.table.v2:
            out = _v2_ids(out)
        return out, []


@cache
def validator(table_name: str) -> Validator:
    return Validator(TABLES[table_name])
