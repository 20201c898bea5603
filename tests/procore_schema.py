"""Validate records against Procore's per-operation 200 schemas (shared test helper).

    from procore_schema import validate_records, schema_for
    errors = validate_records("RestV10RequisitionsGet", records)   # [] when all conform

Schemas come from `tests/fixtures/procore_openapi/<operationId>.json`, or from
`supplements/<operationId>.json` where the main file's 200 schema lost its properties.
The catalogue generator dropped OAS nullability and capped depth at 3, so the converter:

- allows `null` for every property (and in every enum);
- leaves `{"type": "object", "description": "(nested object)"}` placeholders (depth cap)
  and type-less schemas unconstrained;
- checks formats the way Procore writes values: `date` = `YYYY-MM-DD`; `date-time` =
  `YYYY-MM-DDTHH:MM:SS[.ffffff](Z|±HH:MM)`; `float`/`decimal` strings parse as Decimal
  (a `%` suffix is not allowed there) — numbers pass `float` trivially;
- keeps `type` strictly, so money sent as a JSON number where the schema says string fails.

`validate_records` checks each record of a list, the single record of a show, and the
`data` items of a v2 envelope, depending on the schema's shape. `missing_key_fields`
checks that the fields the pipelines rely on are there and not null.
"""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

FIXTURES = Path(__file__).parent / "fixtures" / "procore_openapi"
SUPPLEMENTS = FIXTURES / "supplements"
NESTED = "(nested object)"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")

UPDATED_AT = "updated_at"

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    from datetime import date

    date.fromisoformat(value)
    return True


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME.match(value):
        return False
    from datetime import datetime

    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@FORMATS.checks("float", raises=(InvalidOperation, ValueError))
@FORMATS.checks("decimal", raises=(InvalidOperation, ValueError))
def _is_decimal(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return Decimal(value).is_finite()


def operation_file(operation_id: str) -> Path:
    """The schema file for an operation: the supplement when one exists, else the main."""
    supplement = SUPPLEMENTS / f"{operation_id}.json"
    return supplement if supplement.is_file() else FIXTURES / f"{operation_id}.json"


@cache
def _raw_schema(operation_id: str) -> dict:
    doc = json.loads(operation_file(operation_id).read_text())
    schema = doc.get("responses", {}).get("200", {}).get("schema")
    if not schema:
        raise KeyError(f"{operation_id}: no 200 schema (and no supplement)")
    return schema


def nullable(schema: Any) -> Any:
    """A copy of an OAS-derived schema with null allowed everywhere a property is."""
    schema = copy.deepcopy(schema)
    return _convert(schema, is_property=False)


def _convert(node: Any, *, is_property: bool) -> Any:
    if not isinstance(node, dict):
        return node
    if node.get("description") == NESTED:
        return {}
    out = dict(node)
    if "properties" in out:
        out["properties"] = {k: _convert(v, is_property=True) for k, v in out["properties"].items()}
    if isinstance(out.get("items"), dict):
        out["items"] = _convert(out["items"], is_property=False)
    if is_property:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        elif isinstance(kind, list) and "null" not in kind:
            out["type"] = [*kind, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def schema_for(operation_id: str) -> dict:
    """The converted JSON schema of ONE record of the operation's 200 response."""
    raw = _raw_schema(operation_id)
    if raw.get("type") == "array":
        item = raw.get("items") or {}
    elif "data" in (raw.get("properties") or {}):
        data = raw["properties"]["data"]
        item = data.get("items", data) if data.get("type") == "array" else data
    else:
        item = raw
    return nullable(item)


def _validator(operation_id: str, additional: bool) -> Draft202012Validator:
    schema = schema_for(operation_id)
    if not additional and "properties" in schema:
        schema = {**schema, "additionalProperties": False}
    return Draft202012Validator(schema, format_checker=FORMATS)


def validate_records(operation_id: str, records: Any, *, additional: bool = True) -> list[str]:
    """Every schema violation of `records` as `"[i] path: message"` strings.

    `records` may be a list of records, one record (show) or a v2 `{"data": …}` body.
    `additional=False` also reports top-level keys the schema does not know.
    """
    if isinstance(records, dict) and set(records) == {"data"}:
        records = records["data"]
    if isinstance(records, dict):
        records = [records]
    validator = _validator(operation_id, additional)
    errors: list[str] = []
    for i, record in enumerate(records):
        for error in sorted(validator.iter_errors(record), key=lambda e: list(e.path)):
            where = ".".join(str(p) for p in error.absolute_path) or "<record>"
            errors.append(f"[{i}] {where}: {error.message}")
    return errors


# Fields tieout's pipelines read per resource (`pipelines/procore/settings.py` `required`,
# copied so these tests do not depend on pipeline code). Checked only on operations whose
# schema declares them; `id` and `updated_at` are key fields wherever declared.
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "me": ("id", "login"),
    "companies": ("id", "name"),
    "projects": ("id", "name", "project_number", "active", "updated_at"),
    "vendors": ("id", "name", "is_active", "updated_at"),
    "line_item_types": ("id", "code", "name", "base_type"),
    "cost_codes": ("id", "full_code", "name", "biller_id", "biller_type"),
    "sub_jobs": ("id", "code", "name"),
    "budget_views": ("id", "name"),
    "budget_detail_rows": ("cost_code_id", "category_id", "original_budget_amount"),
    "work_order_contracts": (
        "id",
        "number",
        "status",
        "vendor",
        "grand_total",
        "revised_contract",
        "retainage_percent",
        "updated_at",
    ),
    "purchase_order_contracts": (
        "id",
        "number",
        "status",
        "vendor",
        "grand_total",
        "revised_contract",
        "retainage_percent",
        "updated_at",
    ),
    "commitment_change_orders": (
        "id",
        "contract_id",
        "number",
        "status",
        "grand_total",
        "updated_at",
    ),
    "prime_contracts": ("id", "number", "status", "grand_total", "updated_at"),
    "prime_change_orders": ("id", "contract_id", "number", "status", "grand_total", "updated_at"),
    "change_events": ("id", "number", "status", "updated_at"),
    "requisitions": ("id", "commitment_id", "number", "status", "summary", "updated_at"),
    "requisition_items": ("id", "item_type", "scheduled_value"),
    "billing_periods": ("id", "start_date", "end_date", "updated_at"),
    "payment_applications": ("id", "number", "contract", "g702"),
    "direct_costs": ("id", "direct_cost_type", "status", "grand_total", "updated_at"),
}
LINE_KEY_FIELDS = ("id", "amount")
# Procore sends `id: null` on budget detail rows without a budget line item.
NULLABLE_KEYS: dict[str, frozenset[str]] = {"budget_detail_rows": frozenset({"id"})}


def key_fields(operation_id: str, resource: str) -> tuple[str, ...]:
    """The key fields of `resource` that `operation_id`'s schema declares."""
    declared = schema_for(operation_id).get("properties") or {}
    wanted = (*KEY_FIELDS.get(resource, LINE_KEY_FIELDS), "id", UPDATED_AT)
    skip = NULLABLE_KEYS.get(resource, frozenset())
    return tuple(f for f in dict.fromkeys(wanted) if f in declared and f not in skip)


def missing_key_fields(operation_id: str, resource: str, records: Any) -> list[str]:
    """`"[i] field"` for every key field absent or null in the served records (a list, one
    record or a v2 body); [] when all are there."""
    if isinstance(records, dict) and set(records) == {"data"}:
        records = records["data"]
    if isinstance(records, dict):
        records = [records]
    names = key_fields(operation_id, resource)
    return [
        f"[{i}] {name}"
        for i, record in enumerate(records)
        for name in names
        if record.get(name) is None
    ]
