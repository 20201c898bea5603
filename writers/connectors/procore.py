"""Procore write-back through the same outbox: a `Connector` over Procore's sync actions.

    connector = ProcoreConnector.from_settings(overrides, resolve=outbox_records)
    connector.submit(batch)      # PATCH …/sync, ≤ 1000 updates per call
    connector.lookup(keys)       # which keys Procore already holds (crash recovery)

Object types (marts.outbound_procore_*):

- `procore_vendors`: Sage vendors Procore lacks → `PATCH /rest/v1.0/vendors/sync`; a new
  company vendor, or an existing one (matched by name, unambiguously) linked by its id.
- `procore_commitment_links`: paired commitments whose ERP link is missing →
  `PATCH /rest/v1.0/{work_order,purchase_order}_contracts/sync` by commitment id.
- `procore_direct_costs`: Sage job-to-date cost Procore lacks →
  `PATCH /rest/v1.0/projects/{id}/direct_costs/sync` (expense direct costs with lines).
- `procore_cost_to_complete`: Sage's cost to complete per budget line (WIP read back) →
  `POST /rest/v2.0/companies/{company_id}/projects/{project_id}/advanced_forecastings/rows`
  (Advanced Forecasting: `forecast_to_complete` per budget line; the budget line item
  writes take no forecast). ≤ 100 rows per call (the GET's page cap; an emulator choice).

Identity (documented choice): `origin_id` is the **Sage key** (vendor code, commitment, or
`JC|job|cost code|category|period` for a cost) — the ERP link Procore and our own dbt
linkage read, unique per object type in a company as Procore requires. The idempotency
key goes into `origin_data` (`{"tieout_key": …}` plus the row's context), so `lookup` can
tell our write from someone else's link: a record counts as written when its origin_id is
there AND its origin_data names our key. Sync by origin_id is an upsert, so a submit
whose answer was lost and is sent again updates the record it created instead of
creating a second one; the writer still asks `lookup` first. Forecasting rows have no
origin fields: a cost to complete counts as written when the line's forecast_to_complete
equals the value the row sends (setting a value is idempotent by nature; a PM's later
change gets a new key from the mart, whose key hashes Procore's current forecast too).

Transport is the sync pipeline's own `ProcoreClient` (dlt RESTClient + OAuth client
credentials, pacing on X-Rate-Limit-*, retries of 429/5xx/timeouts); what still fails
after its retries becomes `TransientConnectorError`. Per-entity sync errors become
`Rejection`s in plain words. Secrets stay in the client; nothing here logs them.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pipelines.procore.client import Label, ProcoreClient, ProcoreError
from pipelines.procore.settings import Endpoint, ProcoreSettings
from writers.connector import OutboundRecord, Receipt, Rejection, TransientConnectorError

log = logging.getLogger(__name__)

MAX_UPDATES = 1000  # Procore's limit per sync call
KEY_FIELD = "tieout_key"  # where the idempotency key lives in origin_data
VENDORS, LINKS, DIRECT_COSTS = "procore_vendors", "procore_commitment_links", "procore_direct_costs"
COST_TO_COMPLETE = "procore_cost_to_complete"
OBJECT_TYPES = (VENDORS, LINKS, DIRECT_COSTS, COST_TO_COMPLETE)
COMMITMENT_PATHS = {
    "work_order_contract": "/rest/v1.0/work_order_contracts",
    "purchase_order_contract": "/rest/v1.0/purchase_order_contracts",
}
COMMITMENT_OPS = {
    "work_order_contract": "RestV10WorkOrderContracts",
    "purchase_order_contract": "RestV10PurchaseOrderContracts",
}
VENDOR_LIST = Endpoint("RestV10VendorsGet", "/rest/v1.0/vendors", query=("company_id",))
DC_LIST_PATH = "/rest/v1.0/projects/{project_id}/direct_costs"
FORECAST_PATH = "/rest/v2.0/companies/{company_id}/projects/{project_id}/advanced_forecastings/rows"
FORECAST_OP = "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRows"
FORECAST_LIST = Endpoint(
    f"{FORECAST_OP}Get", FORECAST_PATH, query=(), per_page=100, envelope="data"
)
MAX_FORECAST_ROWS = 100
CENTS = Decimal("0.01")
# Fields of a vendor row the sync may set (names as Procore's request schema spells them).
VENDOR_FIELDS = (
    "name",
    "abbreviated_name",
    "address",
    "city",
    "state_code",
    "zip",
    "country_code",
    "business_phone",
    "email_address",
    "is_active",
    "origin_code",
)

Resolver = Callable[[Sequence[str]], Mapping[str, OutboundRecord]]


class ProcoreConnector:
    """Writes approved outbound rows to one Procore company through its sync actions."""

    name = "procore"

    def __init__(self, client: ProcoreClient, *, resolve: Resolver | None = None) -> None:
        self.client = client
        self.company_id = client.company_id
        self.resolve = resolve  # idempotency key → the record (lookup needs its origin_id)

    @classmethod
    def from_settings(
        cls,
        overrides: Mapping[str, Any] | None = None,
        *,
        resolve: Resolver | None = None,
        settings: ProcoreSettings | None = None,
    ) -> ProcoreConnector:
        """Connect with the sync's Procore settings (dlt config/secrets `sources.procore`,
        then `overrides`: base_url, login_url, client_id, client_secret, company_id)."""
        from pipelines.procore import default_login_url
        from pipelines.procore.pipeline import resolve_connection

        given = dict(overrides or {})
        values = resolve_connection(
            base_url=given.get("base_url"),
            login_url=given.get("login_url"),
            client_id=given.get("client_id"),
            client_secret=given.get("client_secret"),
            company_id=given.get("company_id"),
        )
        client = ProcoreClient(
            base_url=values["base_url"],
            login_url=values["login_url"] or default_login_url(values["base_url"]),
            client_id=values["client_id"],
            client_secret=values["client_secret"],
            company_id=values["company_id"],
            settings=settings or ProcoreSettings.from_config(),
        )
        return cls(client, resolve=resolve)

    # --- Connector protocol ------------------------------------------------------------
    def validate(self, batch: Sequence[OutboundRecord]) -> list[Rejection]:
        """The rules Procore applies that can be checked before writing."""
        return self._validate(batch, self._state(batch))

    def submit(self, batch: Sequence[OutboundRecord]) -> tuple[list[Receipt], list[Rejection]]:
        """Validate, receipt what Procore already holds, sync the rest (≤1000 per call)."""
        state = self._state(batch)
        rejections = self._validate(batch, state)
        refused = {r.idempotency_key for r in rejections}
        receipts: list[Receipt] = []
        todo: list[OutboundRecord] = []
        for record in batch:
            if record.idempotency_key in refused:
                continue
            held = state.held(record)
            if held is not None:
                receipts.append(_receipt(record, held))
            else:
                todo.append(record)
        forecasts = [r for r in todo if r.object_type == COST_TO_COMPLETE]
        todo = [r for r in todo if r.object_type != COST_TO_COMPLETE]
        by_project: dict[int, list[OutboundRecord]] = {}
        for record in forecasts:
            by_project.setdefault(int(record.header["project_id"]), []).append(record)
        for project_id, records in sorted(by_project.items()):
            for start in range(0, len(records), MAX_FORECAST_ROWS):
                got, refused_now = self._forecast(
                    project_id, records[start : start + MAX_FORECAST_ROWS]
                )
                receipts += got
                rejections += refused_now
        for (path, op, scope), records in _groups(todo, self.company_id).items():
            for start in range(0, len(records), MAX_UPDATES):
                chunk = records[start : start + MAX_UPDATES]
                got, refused_now = self._sync(path, op, dict(scope), chunk)
                receipts += got
                rejections += refused_now
        return receipts, rejections

    def lookup(self, idempotency_keys: Sequence[str]) -> dict[str, Receipt]:
        """The keys whose record Procore holds with our key in origin_data."""
        if not idempotency_keys:
            return {}
        records = dict(self.resolve(idempotency_keys)) if self.resolve else {}
        found: dict[str, Receipt] = {}
        state = self._state(records.values())
        for key in idempotency_keys:
            record = records.get(key)
            if record is None:
                continue
            held = state.held(record)
            if held is not None:
                found[key] = _receipt(record, held)
        missing = [k for k in idempotency_keys if k not in records]
        if missing:  # no record to name an origin_id: scan the company's vendors
            for vendor in self._fetch_vendors():
                key = _key_of(vendor)
                if key in missing:
                    found[key] = Receipt(key, str(vendor.get("origin_id") or ""), _detail(vendor))
        return found

    # --- reading Procore's state -------------------------------------------------------
    def _state(self, records: Iterable[OutboundRecord]) -> _State:
        """What Procore holds for these records: fetched once per batch."""
        records = list(records)
        state = _State()
        try:
            if any(r.object_type == VENDORS for r in records):
                state.add_vendors(self._fetch_vendors())
            projects: dict[tuple[str, int], None] = {}
            for r in records:
                if r.object_type == LINKS:
                    projects[(str(r.header["source_object"]), int(r.header["project_id"]))] = None
            for kind, project_id in projects:
                state.add_commitments(kind, self._fetch_commitments(kind, project_id))
            dc_projects = {
                int(r.header["project_id"]) for r in records if r.object_type == DIRECT_COSTS
            }
            for project_id in sorted(dc_projects):
                state.add_direct_costs(project_id, self._fetch_direct_costs(project_id))
            ftc_projects = {
                int(r.header["project_id"])
                for r in records
                if r.object_type == COST_TO_COMPLETE and r.header.get("project_id") is not None
            }
            for project_id in sorted(ftc_projects):
                state.add_forecasts(project_id, self._fetch_forecasts(project_id))
        except ProcoreError as exc:
            raise TransientConnectorError(f"reading Procore failed: {exc}") from exc
        return state

    def _fetch_vendors(self) -> list[dict]:
        return self.client.fetch("vendors", VENDOR_LIST, {})

    def _fetch_commitments(self, kind: str, project_id: int) -> list[dict]:
        endpoint = Endpoint(f"{COMMITMENT_OPS[kind]}Get", COMMITMENT_PATHS[kind])
        return self.client.fetch(kind + "s", endpoint, {"project_id": project_id})

    def _fetch_direct_costs(self, project_id: int) -> list[dict]:
        endpoint = Endpoint("RestV10ProjectsProjectIdDirectCostsGet", DC_LIST_PATH, query=())
        return self.client.fetch("direct_costs", endpoint, {"project_id": project_id})

    def _fetch_forecasts(self, project_id: int) -> list[dict]:
        rows = self.client.fetch("forecasting_rows", FORECAST_LIST, {"project_id": project_id})
        return [r for r in rows if isinstance(r, dict)]

    # --- validation --------------------------------------------------------------------
    def _validate(self, batch: Sequence[OutboundRecord], state: _State) -> list[Rejection]:
        out: list[Rejection] = []
        seen: dict[tuple[str, str], str] = {}
        for record in batch:
            key = record.idempotency_key
            h = record.header

            def reject(rule: str, reason: str, field: str | None = None, _key: str = key) -> None:
                out.append(Rejection(_key, rule, reason, field))

            if record.object_type not in OBJECT_TYPES:
                reject("unknown_object_type", f"Procore does not take {record.object_type}")
                continue
            origin = _text(h.get("origin_id"))
            if not origin:
                reject("origin_id_missing", "The record has no ERP link (origin_id) to write")
                continue
            domain = (record.object_type, origin)
            if record.object_type == COST_TO_COMPLETE:  # one forecast per budget line
                domain = (
                    record.object_type,
                    f"{h.get('project_id')}:{h.get('budget_line_item_id')}",
                )
            if domain in seen and seen[domain] != key and record.object_type == COST_TO_COMPLETE:
                reject(
                    "budget_line_duplicate_in_batch",
                    "Two records in this batch set the forecast of budget line "
                    + _line_name(record),
                    "budget_line_item_id",
                )
                continue
            if domain in seen and seen[domain] != key:
                reject(
                    "origin_id_duplicate_in_batch",
                    f"Two records in this batch would both take origin_id {origin}",
                    "origin_id",
                )
                continue
            seen[domain] = key
            if record.object_type == COST_TO_COMPLETE:
                problem = _forecast_problem(h, state)
                if problem:
                    reject(problem[0], problem[2], problem[1])
                continue
            holder = state.holder(record.object_type, origin)
            mine = holder is not None and _key_of(holder) == key
            if record.object_type == VENDORS:
                target = h.get("procore_vendor_id")
                if target is None and not _text(h.get("name")):
                    reject("name_missing", "A new Procore vendor needs a name", "name")
                elif target is not None and int(target) not in state.vendors:
                    reject(
                        "vendor_gone",
                        f"Procore vendor {target} (matched by name) no longer exists",
                        "procore_vendor_id",
                    )
                elif (
                    holder is not None
                    and not mine
                    and (target is None or holder["id"] != int(target))
                ):
                    reject(
                        "origin_id_taken",
                        f"Sage vendor {origin} is already linked to Procore vendor "
                        f"{holder['id']} ({holder.get('name')}); link or merge them in Procore",
                        "origin_id",
                    )
            elif record.object_type == LINKS:
                cid = int(h["procore_commitment_id"])
                current = state.commitments.get((str(h["source_object"]), cid))
                if current is None:
                    reject(
                        "commitment_gone",
                        f"Procore commitment {cid} no longer exists (deleted or moved)",
                        "procore_commitment_id",
                    )
                elif holder is not None and holder["id"] != cid:
                    reject(
                        "origin_id_taken",
                        f"Sage commitment {origin} is already the ERP link of Procore "
                        f"commitment {holder['id']} ({holder.get('number')})",
                        "origin_id",
                    )
            else:
                problem = _direct_cost_problem(h, record.lines)
                if problem:
                    reject("direct_cost_invalid", problem[1], problem[0])
                elif holder is not None and not mine:
                    reject(
                        "direct_cost_locked",
                        f"Procore direct cost {holder['id']} already carries origin_id {origin} "
                        "and is locked because it has been synced with ERP",
                        "origin_id",
                    )
        return out

    # --- writing -----------------------------------------------------------------------
    def _sync(
        self, path: str, op: str, scope: Mapping[str, int], records: list[OutboundRecord]
    ) -> tuple[list[Receipt], list[Rejection]]:
        body = {**scope, "updates": [_update(r) for r in records]}
        label = Label(records[0].object_type, op, path)
        try:
            with self.client.session.labelled(label):
                response = self.client.rest.request(path, method="PATCH", json=body)
        except ProcoreError as exc:
            text = str(exc)
            if any(f"HTTP {s}" in text for s in (400, 404, 422)):
                return [], [Rejection(r.idempotency_key, "procore_refused", text) for r in records]
            raise TransientConnectorError(f"Procore sync failed after retries: {text}") from exc
        answer = getattr(response, "_tieout_json", None)
        if not isinstance(answer, dict):
            raise TransientConnectorError(f"{op}: Procore answered without a sync body")
        by_origin = {_text(r.header.get("origin_id")): r for r in records}
        by_id = {_target_id(r): r for r in records if _target_id(r) is not None}
        receipts: list[Receipt] = []
        rejections: list[Rejection] = []
        for entity in answer.get("entities") or []:
            record = by_origin.get(_text(entity.get("origin_id"))) or by_id.get(entity.get("id"))
            if record is not None:
                receipts.append(_receipt(record, entity))
        for error in answer.get("errors") or []:
            record = by_id.get(error.get("id")) or by_origin.get(_text(error.get("origin_id")))
            if record is not None:
                rule, reason, field = _plain(record, error.get("errors") or {})
                rejections.append(Rejection(record.idempotency_key, rule, reason, field))
        return receipts, rejections

    def _forecast(
        self, project_id: int, records: list[OutboundRecord]
    ) -> tuple[list[Receipt], list[Rejection]]:
        """POST one chunk of forecasting rows. Procore refuses a whole request (422) for
        one bad row, so a refused chunk is sent again row by row to name the bad ones."""
        path = FORECAST_PATH.format(company_id=self.company_id, project_id=project_id)
        body = {"forecasting_rows": [_forecast_row(r) for r in records]}
        label = Label(COST_TO_COMPLETE, f"{FORECAST_OP}Post", FORECAST_PATH)
        try:
            with self.client.session.labelled(label):
                response = self.client.rest.request(
                    path,
                    method="POST",
                    data=_json_bytes(body),
                    headers={"Content-Type": "application/json"},
                )
        except ProcoreError as exc:
            text = str(exc)
            if not any(f"HTTP {s}" in text for s in (400, 404, 422)):
                raise TransientConnectorError(f"Procore forecasting failed: {text}") from exc
            if len(records) > 1:
                receipts: list[Receipt] = []
                rejections: list[Rejection] = []
                for record in records:
                    got, refused = self._forecast(project_id, [record])
                    receipts += got
                    rejections += refused
                return receipts, rejections
            record = records[0]
            reason = f"Procore refused the forecast of budget line {_line_name(record)}: {text}"
            return [], [Rejection(record.idempotency_key, "procore_refused", reason)]
        answer = getattr(response, "_tieout_json", None)
        if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
            raise TransientConnectorError(f"{FORECAST_OP}Post: Procore answered without rows")
        by_line = {_text(r.header.get("budget_line_item_id")): r for r in records}
        receipts = []
        for row in answer["data"]:
            record = by_line.pop(_text(row.get("budget_line_item_id")), None)
            if record is not None:
                receipts.append(_receipt(record, row))
        rejections = [
            Rejection(
                r.idempotency_key,
                "procore_not_applied",
                f"Procore answered without budget line {_line_name(r)}; it is sent again next run",
                transient=True,
            )
            for r in by_line.values()
        ]
        return receipts, rejections


# --- Procore's state of one batch --------------------------------------------------------
class _State:
    def __init__(self) -> None:
        self.vendors: dict[int, dict] = {}
        self.commitments: dict[tuple[str, int], dict] = {}
        self.direct_costs: dict[int, dict] = {}
        self.origins: dict[tuple[str, str], dict] = {}
        self.forecasts: dict[tuple[int, str], dict] = {}  # (project, budget line) → row

    def add_vendors(self, rows: Iterable[dict]) -> None:
        for row in rows:
            self.vendors[int(row["id"])] = row
            if _text(row.get("origin_id")):
                self.origins[(VENDORS, _text(row["origin_id"]))] = row  # type: ignore[index]

    def add_commitments(self, kind: str, rows: Iterable[dict]) -> None:
        for row in rows:
            self.commitments[(kind, int(row["id"]))] = row
            if _text(row.get("origin_id")):
                self.origins[(LINKS, _text(row["origin_id"]))] = row  # type: ignore[index]

    def add_direct_costs(self, project_id: int, rows: Iterable[dict]) -> None:
        for row in rows:
            self.direct_costs[int(row["id"])] = row
            if _text(row.get("origin_id")):
                self.origins[(DIRECT_COSTS, _text(row["origin_id"]))] = row  # type: ignore[index]

    def add_forecasts(self, project_id: int, rows: Iterable[dict]) -> None:
        for row in rows:
            line = _text(row.get("budget_line_item_id"))
            if line is not None:
                self.forecasts[(project_id, line)] = row

    def forecast(self, header: Mapping[str, Any]) -> dict | None:
        """The Advanced Forecasting row of the record's budget line, if Procore has it."""
        if header.get("project_id") is None:
            return None
        line = _text(header.get("budget_line_item_id")) or ""
        return self.forecasts.get((int(header["project_id"]), line))

    def holder(self, object_type: str, origin: str) -> dict | None:
        return self.origins.get((object_type, origin))

    def held(self, record: OutboundRecord) -> dict | None:
        """The Procore record that already is this write (our key in its origin_data;
        for a forecast: the line already holds the value)."""
        if record.object_type == COST_TO_COMPLETE:
            row = self.forecast(record.header)
            if row is None:
                return None
            have = _cents(row.get("forecast_to_complete"))
            want = _cents(record.header.get("forecast_to_complete"))
            return row if have is not None and have == want else None
        row = self.holder(record.object_type, _text(record.header.get("origin_id")) or "")
        return row if row is not None and _key_of(row) == record.idempotency_key else None


# --- helpers -----------------------------------------------------------------------------
def _groups(
    records: Iterable[OutboundRecord], company_id: int
) -> dict[tuple[str, str, tuple[tuple[str, int], ...]], list[OutboundRecord]]:
    """One sync call per endpoint and scope (path, operationId, body scope pairs)."""
    out: dict[tuple[str, str, tuple[tuple[str, int], ...]], list[OutboundRecord]] = {}
    for r in records:
        h = r.header
        if r.object_type == VENDORS:
            group = (
                "/rest/v1.0/vendors/sync",
                "RestV10VendorsSyncPatch",
                (("company_id", company_id),),
            )
        elif r.object_type == LINKS:
            kind = str(h["source_object"])
            group = (
                COMMITMENT_PATHS[kind] + "/sync",
                f"{COMMITMENT_OPS[kind]}SyncPatch",
                (("project_id", int(h["project_id"])),),
            )
        else:
            group = (
                f"/rest/v1.0/projects/{int(h['project_id'])}/direct_costs/sync",
                "RestV10ProjectsProjectIdDirectCostsSyncPatch",
                (),
            )
        out.setdefault(group, []).append(r)
    return out


def _update(record: OutboundRecord) -> dict[str, Any]:
    """The sync item for one record (money as strings, dates ISO)."""
    h = record.header
    origin_data = _origin_data(record)
    if record.object_type == VENDORS:
        item: dict[str, Any] = {
            k: _plain_value(h.get(k)) for k in VENDOR_FIELDS if h.get(k) is not None
        }
        if h.get("procore_vendor_id") is not None:
            item["id"] = int(h["procore_vendor_id"])
    elif record.object_type == LINKS:
        item = {"id": int(h["procore_commitment_id"])}
        if h.get("origin_code"):
            item["origin_code"] = str(h["origin_code"])
    else:
        item = {
            "direct_cost_type": str(h.get("direct_cost_type") or "expense"),
            "status": str(h.get("status") or "approved"),
            "direct_cost_date": _plain_value(h["direct_cost_date"]),
            "description": _plain_value(h.get("description")),
            "line_items": [
                {
                    "amount": _money_text(line["amount"]),
                    "cost_code_id": int(line["cost_code_id"]),
                    "line_item_type_id": int(line["line_item_type_id"]),
                    "description": _plain_value(line.get("description")),
                }
                for line in record.lines
            ],
        }
    item["origin_id"] = _text(h["origin_id"])
    item["origin_data"] = origin_data
    return item


def _origin_data(record: OutboundRecord) -> str:
    """The row's origin_data context with our idempotency key added (compact JSON)."""
    base: dict[str, Any] = {}
    raw = record.header.get("origin_data")
    if raw:
        try:
            parsed = json.loads(str(raw))
        except ValueError:
            parsed = {"note": str(raw)}
        base = parsed if isinstance(parsed, dict) else {"note": parsed}
    base[KEY_FIELD] = record.idempotency_key
    return json.dumps(base, separators=(",", ":"), sort_keys=True)


def _key_of(row: Mapping[str, Any]) -> str | None:
    raw = row.get("origin_data")
    if not raw:
        return None
    try:
        parsed = json.loads(str(raw))
    except ValueError:
        return None
    return parsed.get(KEY_FIELD) if isinstance(parsed, dict) else None


def _target_id(record: OutboundRecord) -> int | None:
    h = record.header
    value = (
        h.get("procore_commitment_id")
        if record.object_type == LINKS
        else h.get("procore_vendor_id")
    )
    return int(value) if value is not None else None


def _receipt(record: OutboundRecord, entity: Mapping[str, Any]) -> Receipt:
    return Receipt(record.idempotency_key, record.sage_key, _detail(entity))


def _detail(entity: Mapping[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "origin_id",
        "name",
        "number",
        "grand_total",
        "updated_at",
        "budget_line_item_id",
        "wbs_code_id",
        "forecast_to_complete",
    )
    return {
        k: str(entity[k]) if isinstance(entity[k], Decimal) else entity[k]
        for k in keep
        if k in entity
    }


def _plain(record: OutboundRecord, errors: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """Procore's `{field: [message]}` as (rule, plain words, field)."""
    field = next(iter(errors), None)
    messages = "; ".join(
        f"{name} {msg}" if name != "base" else str(msg)
        for name, msgs in errors.items()
        for msg in (msgs if isinstance(msgs, list) else [msgs])
    )
    what = {
        COST_TO_COMPLETE: f"budget line {_line_name(record)}",
        VENDORS: f"vendor {record.sage_key}",
        LINKS: f"commitment {record.sage_key}",
        DIRECT_COSTS: f"direct cost {record.sage_key}",
    }.get(record.object_type, record.sage_key)
    rule = "origin_id_taken" if field == "origin_id" else f"procore_{field or 'error'}"
    return rule, f"Procore refused {what}: {messages}", None if field == "base" else field


def _direct_cost_problem(
    h: Mapping[str, Any], lines: Sequence[Mapping[str, Any]]
) -> tuple[str, str] | None:
    if h.get("project_id") is None:
        return "project_id", "The direct cost has no Procore project"
    if h.get("direct_cost_date") is None:
        return "direct_cost_date", "The direct cost has no date"
    if not lines:
        return "line_items", "The direct cost has no lines"
    for n, line in enumerate(lines, start=1):
        if line.get("cost_code_id") is None or line.get("line_item_type_id") is None:
            return "line_items", f"Line {n} has no Procore cost code or cost type"
        try:
            Decimal(str(line.get("amount")))
        except InvalidOperation:
            return "line_items", f"Line {n} has no amount"
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _plain_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _money_text(value: Any) -> str:
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _forecast_row(record: OutboundRecord) -> dict[str, Any]:
    """One Advanced Forecasting row: ids as strings (v2), the amount a JSON number."""
    h = record.header
    return {
        "wbs_code_id": str(int(h["wbs_code_id"])),
        "budget_line_item_id": str(int(h["budget_line_item_id"])),
        "forecast_to_complete": Decimal(str(h["forecast_to_complete"])).quantize(CENTS),
    }


def _forecast_problem(h: Mapping[str, Any], state: _State) -> tuple[str, str, str] | None:
    """(rule, field, plain words) for a cost to complete Procore would refuse."""
    if h.get("project_id") is None:
        return "project_id_missing", "project_id", "The budget line has no Procore project"
    if h.get("budget_line_item_id") is None:
        return "budget_line_missing", "budget_line_item_id", "The row names no budget line"
    if h.get("wbs_code_id") is None:
        return "wbs_code_missing", "wbs_code_id", "Procore needs the budget line's WBS code"
    amount = _cents(h.get("forecast_to_complete"))
    if amount is None or amount < 0:
        return (
            "forecast_invalid",
            "forecast_to_complete",
            "The cost to complete is not an amount of zero or more",
        )
    row = state.forecast(h)
    line = h.get("budget_line_item_id")
    if row is None:
        return (
            "budget_line_gone",
            "budget_line_item_id",
            f"Procore budget line {line} is not in project {h.get('project_id')} any more",
        )
    if _text(row.get("wbs_code_id")) != str(int(h["wbs_code_id"])):
        return (
            "wbs_code_changed",
            "wbs_code_id",
            f"Procore budget line {line} now has WBS code {row.get('wbs_code_id')}, "
            f"not {h.get('wbs_code_id')}; the next sync re-reads it",
        )
    return None


def _line_name(record: OutboundRecord) -> str:
    h = record.header
    code = " ".join(str(h[k]) for k in ("full_code", "line_item_type_code") if h.get(k))
    line = h.get("budget_line_item_id")
    return f"{line} ({code})" if code else str(line)


def _cents(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount.quantize(CENTS) if amount.is_finite() else None


def _json_bytes(body: Any) -> bytes:
    """Compact JSON with Decimals written as JSON numbers, digit for digit (never float)."""
    numbers: dict[str, str] = {}

    def default(value: Any) -> str:
        if isinstance(value, Decimal):
            token = f"@@tieout-number-{len(numbers)}@@"
            numbers[token] = format(value, "f")
            return token
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    text = json.dumps(body, default=default, separators=(",", ":"))
    for token, digits in numbers.items():
        text = text.replace(f'"{token}"', digits)
    return text.encode("utf-8")
