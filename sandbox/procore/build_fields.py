"""Rebuild `fields.json`: the top-level response fields of every served operation.

Each served operation answers only the top-level fields its Procore 200 schema declares
(list, show and API versions differ), so a stored record may hold the union of every view's
fields and each view projects it (`reads.project`). The emulator ships the field lists as
package data and never reads `tests/`; this script derives them from the per-operation
schemas in `tests/fixtures/procore_openapi/` (a `supplements/<operationId>.json` wins where
the main file's 200 schema lost its properties — the same rule as `tests/procore_schema.py`).

    .venv/bin/python -m sandbox.procore.build_fields           # rewrite fields.json
    .venv/bin/python -m sandbox.procore.build_fields --check   # exit 1 when out of date

Shape: `{operationId: [field, …]}` in schema order; for v2 envelopes (`{"data": …}`) the
fields of one `data` item. An operation whose schema has no properties is absent (the
emulator then serves records unprojected). Rerun after changing `resources.ENDPOINTS` or
the fixture schemas; `tests/emulator/test_openapi_conformance.py` fails when the file
is stale.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "procore_openapi"
OUTPUT = HERE / "fields.json"


def schema_file(fixtures: Path, operation_id: str) -> Path:
    supplement = fixtures / "supplements" / f"{operation_id}.json"
    return supplement if supplement.is_file() else fixtures / f"{operation_id}.json"


def record_schema(schema: dict) -> dict:
    """The schema of one record: array items, the v2 `data` item, or the object itself."""
    if schema.get("type") == "array":
        return schema.get("items") or {}
    props = schema.get("properties") or {}
    if "data" in props:
        data = props["data"]
        return (data.get("items") or {}) if data.get("type") == "array" else data
    return schema


def fields_of(fixtures: Path, operation_id: str) -> list[str]:
    doc = json.loads(schema_file(fixtures, operation_id).read_text())
    schema = (doc.get("responses") or {}).get("200", {}).get("schema") or {}
    return list(record_schema(schema).get("properties") or {})


def build(fixtures: Path = FIXTURES) -> dict[str, list[str]]:
    from sandbox.procore.resources import ENDPOINTS

    out: dict[str, list[str]] = {}
    for endpoint in ENDPOINTS:
        names = fields_of(fixtures, endpoint.operation_id)
        if names:
            out[endpoint.operation_id] = names
    return out


def render(fields: dict[str, list[str]]) -> str:
    lines = ["{"]
    items = list(fields.items())
    for i, (operation, names) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"  {json.dumps(operation)}: {json.dumps(names)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if fields.json is stale")
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    args = parser.parse_args(argv)
    text = render(build(args.fixtures))
    if args.check:
        if OUTPUT.read_text() != text:
            print(f"{OUTPUT.name} is out of date: rerun python -m sandbox.procore.build_fields")
            return 1
        return 0
    OUTPUT.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
