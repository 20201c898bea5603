"""Procore's Advanced Forecasting rows (v2.0): a budget line's forecast to complete.

    GET  /rest/v2.0/companies/{company_id}/projects/{project_id}/advanced_forecastings/rows
    POST (same path)  {"forecasting_rows": [{"wbs_code_id", "budget_line_item_id",
                                             "forecast_to_complete", "curve", …}]}

Why this endpoint: it is the only operation in Procore's published OAS whose request
takes a forecast to complete per budget line (operationIds
RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRows{Get,Post}); budget
line item writes (`budget_line_items/sync`, `PATCH …/budget_line_items/{id}`) take only
the original budget. Schemas: tests/fixtures/procore_openapi/sync/ (SOURCE.md there).

What the OAS says: rows carry `budget_line_item_id`/`wbs_code_id` (strings, v2 style),
`start_date`, `end_date`, `curve` (bell | back_loaded | front_loaded | linear | manual),
`forecast_to_complete` (number) and `periods`; a row of the POST requires `wbs_code_id`;
the POST answers 200 `{"data": [rows]}` or 401/403/422; the GET pages at most 100 rows.

Emulator choices (Procore is silent; README "Choices"): one row per budget line item of
the project (the budget detail rows with an id); the forecast lives on the line's budget
detail row as `budget_forecast` (amount = manual_amount = the forecast,
automatically_calculated false, calculation_strategy "manual"), so the regular budget
read sees it; curve and dates are kept privately. A POST is all-or-nothing: any invalid
row → 422 naming every problem, nothing applied (the OAS lists 422 and no per-row
errors). At most 100 rows per POST (the GET's page cap, applied to writes too).
`forecast_to_complete` must be a JSON number (a string is refused: the schema types it
`number`). Writing the value a line already holds changes nothing (no timestamp bump).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sandbox.procore.pagination import link_header, paginate
from sandbox.procore.reads import ReadRequest, ReadResult, resolve_scope, v2_ids
from sandbox.procore.responses import ApiError
from sandbox.procore.store import DELETED_AT, record_key
from sandbox.procore.writes import json_object_with_array

if TYPE_CHECKING:
    from sandbox.procore.state import EmulatorState

GET_OP = "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsGet"
POST_OP = "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsPost"
CURVES = ("bell", "back_loaded", "front_loaded", "linear", "manual")
MAX_ROWS = 100  # the GET's page cap, applied to a POST too
DEFAULT_PER_PAGE = 10  # the OAS default of `per_page`
RESOURCE = "budget_detail_rows"
PRIVATE = "_forecast"  # curve / start_date / end_date of a forecast written here
CENTS = Decimal("0.01")


def handle(state: EmulatorState, req: ReadRequest, raw: bytes) -> ReadResult:
    """GET: the project's forecasting rows (paged); POST: apply rows, answer them."""
    scope = resolve_scope(state, req)
    project_id = scope["project_id"]
    if req.endpoint.method == "POST":
        return ReadResult({"data": write(state, project_id, raw)})
    rows = [row(line) for line in lines(state, project_id)]
    page = paginate(rows, req.arg("page"), req.arg("per_page"), DEFAULT_PER_PAGE, MAX_ROWS)
    headers = {"Total": str(page.total), "Per-Page": str(page.per_page)}
    link = link_header(req.base_url, req.path, req.query, page)
    if link:
        headers["Link"] = link
    return ReadResult({"data": page.items}, headers)


def lines(state: EmulatorState, project_id: str) -> list[dict]:
    """The project's budget line items: detail rows with an id, one per id."""
    seen: dict[str, dict] = {}
    for record in state.store.query(RESOURCE, {"project_id": project_id}):
        if record.get("id") is None or record.get(DELETED_AT):
            continue
        seen.setdefault(record_key(record["id"]), record)
    return list(seen.values())


def row(line: Mapping[str, Any]) -> dict:
    """One budget line as an Advanced Forecasting row (v2: ids as strings)."""
    private = line.get(PRIVATE) or {}
    forecast = line.get("budget_forecast") or {}
    amount = forecast.get("amount") if isinstance(forecast, Mapping) else None
    return v2_ids(
        {
            "budget_line_item_id": line["id"],
            "wbs_code_id": line.get("wbs_code_id"),
            "start_date": private.get("start_date"),
            "end_date": private.get("end_date"),
            "curve": private.get("curve"),
            "forecast_to_complete": None if amount is None else Decimal(str(amount)),
            "periods": [],
        }
    )


def write(state: EmulatorState, project_id: str, raw: bytes) -> list[dict]:
    """Validate every row, then apply them all (422 and nothing applied on any problem)."""
    items = json_object_with_array(raw, "forecasting_rows")["forecasting_rows"]
    if len(items) > MAX_ROWS:
        raise ApiError(422, f"Too many rows: {len(items)} given, at most {MAX_ROWS}")
    with state.store.lock:
        by_id = {record_key(r["id"]): r for r in lines(state, project_id)}
        by_wbs: dict[str, list[dict]] = {}
        for line in by_id.values():
            if line.get("wbs_code_id") is not None:
                by_wbs.setdefault(record_key(line["wbs_code_id"]), []).append(line)
        problems: list[str] = []
        targets: list[tuple[dict, Mapping[str, Any]]] = []
        for n, item in enumerate(items, start=1):
            target, problem = _target(item, by_id, by_wbs)
            if problem:
                problems.append(f"row {n}: {problem}")
            else:
                assert target is not None
                targets.append((target, item))
        if problems:
            raise ApiError(422, "; ".join(problems))
        return [row(_apply(state, target, item)) for target, item in targets]


def _target(
    item: Any, by_id: Mapping[str, dict], by_wbs: Mapping[str, list[dict]]
) -> tuple[dict | None, str | None]:
    """The budget line a row names, or what is wrong with the row."""
    if not isinstance(item, dict):
        return None, "must be an object"
    wbs = item.get("wbs_code_id")
    if wbs is None or str(wbs).strip() == "":
        return None, "wbs_code_id is missing"
    line_id = item.get("budget_line_item_id")
    if line_id is not None:
        line = by_id.get(record_key(line_id).strip())
        if line is None:
            return None, f"budget line item {line_id} not found in this project"
        if record_key(line.get("wbs_code_id")) != record_key(wbs).strip():
            return None, f"wbs_code_id {wbs} is not the WBS code of budget line item {line_id}"
    else:
        found = by_wbs.get(record_key(wbs).strip(), [])
        if len(found) != 1:
            return None, f"wbs_code_id {wbs} names {len(found)} budget line items"
        line = found[0]
    curve = item.get("curve")
    if curve is not None and curve not in CURVES:
        return None, f"curve {curve!r} is not one of {', '.join(CURVES)}"
    ftc = item.get("forecast_to_complete")
    if ftc is not None and (
        isinstance(ftc, bool) or not isinstance(ftc, (int, Decimal)) or not Decimal(ftc).is_finite()
    ):
        return None, "forecast_to_complete must be a number"
    for name in ("start_date", "end_date"):
        if item.get(name) is not None and not isinstance(item[name], str):
            return None, f"{name} must be a date string"
    return line, None


def _apply(state: EmulatorState, line: dict, item: Mapping[str, Any]) -> dict:
    changes: dict[str, Any] = {}
    private = dict(line.get(PRIVATE) or {})
    for name in ("curve", "start_date", "end_date"):
        if name in item and item[name] != private.get(name):
            private[name] = item[name]
    if private != (line.get(PRIVATE) or {}):
        changes[PRIVATE] = private
    if item.get("forecast_to_complete") is not None:
        amount = str(Decimal(item["forecast_to_complete"]).quantize(CENTS))
        old = dict(line.get("budget_forecast") or {})
        new = {
            **old,
            "id": old.get("id", line["id"]),
            "manual_amount": amount,
            "amount": amount,
            "automatically_calculated": False,
            "calculation_strategy": "manual",
        }
        if new != old:
            changes["budget_forecast"] = new
    if not changes:
        return line
    return state.store.update(RESOURCE, line["id"], changes)
