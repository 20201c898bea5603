"""`filters[...]` query parameters, applied only where the registry says Procore has them.

Any other filter is ignored, exactly as Procore ignores unknown filters. Choices where
Procore is silent (documented in README.md):

- ranges `A...B` are inclusive at both ends; a date-only bound covers its whole UTC day
  (`2024-05-01...2024-05-01` = that day); either side may be empty (open range); a single
  value without `...` means that instant (or that whole day for a bare date);
- bounds may be wrapped in quotes, and be `YYYY-MM-DD`, `…THH:MM:SS[.fff]Z` or
  `…THH:MM:SS[.fff]±HH:MM`; anything else is a 400;
- `filters[x][]=a&filters[x][]=b` and `filters[id]=1,2` (integer ids) mean "any of";
- equality matches the record field, else `<x without _id>.id` of a nested object, else
  the record's `_scope` value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.procore.resources import Endpoint

RANGE_FILTERS = frozenset(
    {
        "created_at",
        "updated_at",
        "payment_date",
        "received_date",
        "reviewed_at",
        "due_date",
        "invoiced_date",
        "paid_date",
    }
)
BOOL_FILTERS = frozenset({"executed", "signature_required"})
TEXT_FILTERS = frozenset({"name", "search"})
_FILTER = re.compile(r"^filters\[(?P<name>[a-z_]+)\](?P<array>\[\])?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


class FilterError(ValueError):
    """A supported filter with a value Procore would reject (→ 400)."""


def parse(query: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """`filters[name]` / `filters[name][]` values, by name, in request order."""
    out: dict[str, list[str]] = {}
    for key, value in query:
        m = _FILTER.match(key)
        if m:
            out.setdefault(m["name"], []).append(value)
    return out


def deleted_mode(filters: Mapping[str, list[str]], endpoint: Endpoint) -> str:
    """'hide' (default), 'with' or 'only'; only endpoints that support it honour it."""
    if not endpoint.include_deleted:
        return "hide"
    values = filters.get("include_deleted") or []
    value = values[-1].strip().lower() if values else ""
    if value in ("with", "only"):
        return value
    if value in ("true", "1"):
        return "with"
    return "hide"


def apply(
    records: Sequence[dict], filters: Mapping[str, list[str]], endpoint: Endpoint
) -> list[dict]:
    """Records passing every supported filter (AND)."""
    rows = list(records)
    for name, values in filters.items():
        if name not in endpoint.filters or not values:
            continue
        if name == "is_last":
            rows = _is_last(rows, values[-1])
            continue
        test = _predicate(name, values)
        rows = [r for r in rows if test(r)]
    return rows


def _predicate(name: str, values: list[str]):
    if name in RANGE_FILTERS:
        lo, hi = parse_range(values[-1], name)

        def in_range(record: dict) -> bool:
            moment = _moment(record.get(name))
            if moment is None:
                return False
            return (lo is None or moment >= lo) and (hi is None or moment <= hi)

        return in_range
    if name in BOOL_FILTERS:
        wanted = values[-1].strip().lower() in ("true", "1", "yes")
        return lambda record: bool(field_value(record, name)) is wanted
    if name in TEXT_FILTERS:
        needle = values[-1].strip().lower()
        return lambda record: needle in str(record.get("name") or "").lower()
    if name == "by_status":
        status = values[-1].strip().lower()
        if status not in ("active", "inactive"):
            return lambda record: True
        return lambda record: bool(record.get("active", True)) is (status == "active")
    wanted = set(_split(name, values))
    return lambda record: _text(field_value(record, name)) in wanted


def _split(name: str, values: list[str]) -> list[str]:
    if name == "id" or (name.endswith("_id") and name != "origin_id"):
        return [part.strip() for v in values for part in v.split(",") if part.strip()]
    return [v.strip() for v in values]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_value(record: Mapping[str, Any], name: str) -> Any:
    """`name` from the record, its `<base>.id` nested object, or its `_scope`."""
    if name in record:
        return record[name]
    if name.endswith("_id"):
        nested = record.get(name[:-3])
        if isinstance(nested, Mapping) and "id" in nested:
            return nested["id"]
    return (record.get("_scope") or {}).get(name)


def dotted(record: Mapping[str, Any], path: str) -> Any:
    """`contract.id` → record["contract"]["id"] (None when any step is missing)."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _is_last(rows: list[dict], value: str) -> list[dict]:
    """`filters[is_last]=true`: per commitment/contract, only the highest-numbered one."""
    if value.strip().lower() not in ("true", "1"):
        return rows
    best: dict[Any, dict] = {}
    for record in rows:
        parent = record.get("commitment_id") or dotted(record, "contract.id")
        current = best.get(parent)
        if current is None or _order(record) > _order(current):
            best[parent] = record
    keep = {id(r) for r in best.values()}
    return [r for r in rows if id(r) in keep]


def _order(record: dict) -> tuple:
    number = record.get("number")
    return (number if isinstance(number, int) else 0, int(str(record.get("id") or 0)))


def parse_range(raw: str, name: str = "updated_at") -> tuple[datetime | None, datetime | None]:
    """`A...B` → inclusive UTC bounds (None = open)."""
    text = raw.strip().strip("\"'")
    if "..." in text:
        left, _, right = text.partition("...")
        lo = _bound(left.strip().strip("\"'"), name, end=False) if left.strip() else None
        hi = _bound(right.strip().strip("\"'"), name, end=True) if right.strip() else None
        if lo is None and hi is None:
            raise FilterError(f"filters[{name}]: {raw!r} has no bounds")
        return lo, hi
    if not text:
        raise FilterError(f"filters[{name}]: empty value")
    return _bound(text, name, end=False), _bound(text, name, end=True)


def _bound(text: str, name: str, *, end: bool) -> datetime:
    if _DATE.match(text):
        day = datetime.fromisoformat(text).replace(tzinfo=UTC)
        return day + timedelta(days=1, microseconds=-1) if end else day
    if _STAMP.match(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    raise FilterError(
        f"filters[{name}]: {text!r} is not ISO 8601 (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
        "YYYY-MM-DDTHH:MM:SS+HH:MM)"
    )


def _moment(value: Any) -> datetime | None:
    """A record's timestamp or date as an aware UTC datetime (dates = start of day)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        if _DATE.match(value):
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
