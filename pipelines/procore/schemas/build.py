"""Rebuild `fields.json` (the typed fields of each Procore table) from the OpenAPI files.

The pipeline must not read `tests/`, so the per-operation schemas it needs are reduced
here, at development time, to one small package-data file. Run after changing a table's
`schema_ops` in `settings.py` or refreshing the OpenAPI copy:

    .venv/bin/python -m pipelines.procore.schemas.build tests/fixtures/procore_openapi

For each table: the top-level fields and the scalar fields of nested objects (one level,
dotted `parent.child`) of every operation in `schema_ops`, first operation winning on a
conflict, each as a kind: integer, number, boolean, text, date, timestamp, decimal
(a string with format float/decimal), object, array. Where an operation's own file lost
its properties, its `supplements/<operationId>.json` is used (see that folder's SOURCE.md).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "fields.json"
NESTED = "(nested object)"


def kind_of(schema: dict[str, Any]) -> str | None:
    """The tieout kind of one OpenAPI property, or None when the schema says nothing."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    fmt = schema.get("format")
    if kind == "string":
        return {
            "date": "date",
            "date-time": "timestamp",
            "float": "decimal",
            "decimal": "decimal",
        }.get(fmt or "", "text")
    return {
        "integer": "integer",
        "number": "number",
        "boolean": "boolean",
        "object": "object",
        "array": "array",
    }.get(kind or "")


def record_schema(openapi_dir: Path, operation_id: str) -> dict[str, Any]:
    """The schema of one record of the operation's 200 response."""
    supplement = openapi_dir / "supplements" / f"{operation_id}.json"
    path = supplement if supplement.is_file() else openapi_dir / f"{operation_id}.json"
    doc = json.loads(path.read_text())
    schema = doc.get("responses", {}).get("200", {}).get("schema") or {}
    if schema.get("type") == "array":
        return schema.get("items") or {}
    data = (schema.get("properties") or {}).get("data")
    if data is not None:
        return data.get("items", data) if data.get("type") == "array" else data
    return schema


def table_fields(openapi_dir: Path, operations: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for operation_id in operations:
        props = record_schema(openapi_dir, operation_id).get("properties") or {}
        for name, prop in props.items():
            kind = kind_of(prop)
            if kind is None:
                continue
            out.setdefault(name, kind)
            if kind == "object" and prop.get("description") != NESTED:
                for sub, sub_prop in (prop.get("properties") or {}).items():
                    sub_kind = kind_of(sub_prop)
                    if sub_kind not in (None, "object", "array"):
                        out.setdefault(f"{name}.{sub}", sub_kind)
    return dict(sorted(out.items()))


def build(openapi_dir: Path) -> dict[str, Any]:
    from pipelines.procore.settings import TABLES

    return {
        name: {
            "operations": list(table.schema_ops),
            "fields": table_fields(openapi_dir, table.schema_ops),
        }
        for name, table in sorted(TABLES.items())
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    OUT.write_text(json.dumps(build(Path(argv[0])), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
