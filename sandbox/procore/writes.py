"""Procore's sync actions (`PATCH …/sync`), applied to the emulator's store.

Reference §11 ([sync] "Using Sync Actions"): the body is `{"updates": [...]}` with at most
1000 items; the answer is always 200 `{"entities": [...], "errors": [...]}`, entities
shaped like the resource's GET show, errors the input item plus `"errors": {field:
[message]}`. Each item is matched:

    no id, no origin_id        → create
    id unknown                 → error {"id": ["Entity with this ID not found"]}
    id found                   → update (the only way to change an origin_id)
    origin_id unknown          → create with it
    origin_id found            → update that record
    id and origin_id           → by id

`origin_id` is unique per object type within a company: taking one another record
holds is an error `{"origin_id": ["has already been taken"]}`. Items are applied in
order, so a later item of the same batch sees an earlier one's record.

Writes go through `Store` (copy-on-write, `updated_at` bumped), so later GETs and
`filters[updated_at]` windows see them. Transport rules (auth, rate limits, faults) are
`rest.py`'s and apply to writes exactly as to reads.

Emulator choices (Procore is silent; see README "Choices"): over 1000 updates → 400;
a malformed body → 400; unknown fields are ignored (Rails strong parameters); money in
updates may be a string or a JSON number and is stored as a string with two decimals;
an ERP-synced direct cost (origin_id set) refuses changes with a `base` error but an
item that changes nothing is answered with the entity (a retried sync stays harmless);
direct costs accept `line_items` (the catalogue's request schema lost them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sandbox.procore import jsonio
from sandbox.procore.reads import _check_project, _embed, _int_param, present
from sandbox.procore.resources import BODY, Endpoint, response_fields
from sandbox.procore.responses import ApiError
from sandbox.procore.store import DELETED_AT, SCOPE, record_key

if TYPE_CHECKING:
    from sandbox.procore.state import EmulatorState

MAX_UPDATES = 1000
NOT_FOUND = "Entity with this ID not found"
TAKEN = "has already been taken"
BLANK = "can't be blank"
SYNCED_DC = "The direct cost is not editable because it has been synced with ERP"
ORIGIN = ("origin_id", "origin_data", "origin_code")
CENTS = Decimal("0.01")
USD = {"currency_iso_code": "USD"}

# Fields an update may set, per resource (the OAS request schemas in
# tests/fixtures/procore_openapi/sync/, trimmed to flat fields the emulator can hold).
VENDOR_FIELDS = frozenset(
    {
        "name",
        "abbreviated_name",
        "address",
        "city",
        "zip",
        "business_phone",
        "mobile_phone",
        "fax_number",
        "email_address",
        "is_active",
        "state_code",
        "country_code",
        "authorized_bidder",
        "prequalified",
        "labor_union",
        "license_number",
        "website",
        "union_member",
        "non_union_prevailing_wage",
        "notes",
        "trade_name",
        *ORIGIN,
    }
)
COMMITMENT_FIELDS = frozenset(
    {
        "accounting_method",
        "actual_completion_date",
        "approval_letter_date",
        "contract_date",
        "contract_estimated_completion_date",
        "contract_start_date",
        "delivery_date",
        "description",
        "exclusions",
        "executed",
        "execution_date",
        "inclusions",
        "issued_on_date",
        "letter_of_intent_date",
        "number",
        "payment_terms",
        "private",
        "retainage_percent",
        "returned_date",
        "ship_to_address",
        "ship_via",
        "signed_contract_received_date",
        "status",
        "title",
        *ORIGIN,
    }
)
DIRECT_COST_FIELDS = frozenset(
    {
        "description",
        "direct_cost_date",
        "invoice_number",
        "payment_date",
        "received_date",
        "status",
        "terms",
        "direct_cost_type",
        "origin_id",
        "origin_data",
    }
)
WOC_STATUSES = ("Draft", "Out For Bid", "Out For Signature", "Approved", "Complete")
WOC_STATUSES += ("Terminated", "Void")
POC_STATUSES = ("Draft", "Processing", "Submitted", "Partially Received", "Received")
POC_STATUSES += ("Approved", "Closed")
DC_TYPES = ("invoice", "expense", "payroll", "subcontractor_invoice")
DC_TYPE_LIST = ", ".join(DC_TYPES)
DC_STATUSES = ("draft", "pending", "revise_and_resubmit", "approved")
# Approved/Complete commitments lock their contract fields (reference §11 [fin]); the ERP
# link fields stay writable (that is how an integrator marks a commitment synced).
LOCKED_COMMITMENT = frozenset({"Approved", "Complete", "Closed"})


@dataclass(frozen=True)
class Kind:
    fields: frozenset[str]
    statuses: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    "vendors": Kind(VENDOR_FIELDS),
    "work_order_contracts": Kind(COMMITMENT_FIELDS, WOC_STATUSES),
    "purchase_order_contracts": Kind(COMMITMENT_FIELDS, POC_STATUSES),
    "direct_costs": Kind(DIRECT_COST_FIELDS, DC_STATUSES),
}


class ItemError(Exception):
    """One update refused: `errors` is Procore's `{field: [message]}`."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = dict(errors)


def json_object_with_array(raw: bytes, field: str) -> dict:
    """A write's body: a JSON object whose `field` is an array (400 otherwise, as Procore
    answers a malformed request), parsed with the emulator's exact-decimal JSON."""
    try:
        body = jsonio.loads(raw) if raw.strip() else None
    except ValueError as exc:
        raise ApiError(400, f"Malformed JSON body: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get(field), list):
        article = "an" if field[0] in "aeiou" else "a"
        raise ApiError(400, f"The body must be a JSON object with {article} `{field}` array")
    return body


def sync(
    state: EmulatorState,
    endpoint: Endpoint,
    params: Mapping[str, str],
    query: list[tuple[str, str]],
    raw: bytes,
) -> dict:
    """Apply one sync request; the 200 body. Raises ApiError for request-level refusals."""
    body = json_object_with_array(raw, "updates")
    updates = body["updates"]
    if len(updates) > MAX_UPDATES:
        raise ApiError(
            400, f"Too many updates: {len(updates)} given, at most {MAX_UPDATES} per request"
        )
    scope = _scope(state, endpoint, params, query, body)
    entities: list[dict] = []
    errors: list[dict] = []
    with state.store.lock:  # one batch at a time: origin_id checks see a settled store
        for item in updates:
            if not isinstance(item, dict):
                errors.append({"item": item, "errors": {"base": ["must be an object"]}})
                continue
            try:
                record = _apply(state, endpoint.resource, scope, item)
            except ItemError as exc:
                errors.append({**item, "errors": exc.errors})
                continue
            entities.append(entity(state, endpoint, record, scope))
    return {"entities": entities, "errors": errors}


def entity(
    state: EmulatorState, endpoint: Endpoint, record: Mapping[str, Any], scope: Mapping[str, str]
) -> dict:
    """A record as the resource's GET show answers it (children embedded as the show does)."""
    show = endpoint.show_operation or endpoint.operation_id
    out = present(state, endpoint.resource, record, response_fields(show), show=True)
    _embed(state, endpoint.resource, record, endpoint.embed, scope, out)
    return out


# --- scope -----------------------------------------------------------------------------
def _scope(
    state: EmulatorState,
    endpoint: Endpoint,
    params: Mapping[str, str],
    query: list[tuple[str, str]],
    body: Mapping[str, Any],
) -> dict[str, str]:
    scope: dict[str, str] = {}
    for key, where in endpoint.scope.items():
        value: Any = params.get(key)
        if where == BODY:
            value = body.get(key)
            if value is None:
                found = [v for k, v in query if k == key]
                value = found[-1] if found else None
        if value is None or str(value).strip() == "":
            raise ApiError(400, f"Missing required parameter: {key}")
        scope[key] = _int_param(key, str(value))
    if "company_id" in scope and scope["company_id"] != str(state.company_id):
        raise ApiError(403, "App is not connected to this company")
    if "project_id" in scope:
        _check_project(state, scope["project_id"])
    return scope


# --- one item --------------------------------------------------------------------------
def _apply(
    state: EmulatorState, resource: str, scope: Mapping[str, str], item: Mapping[str, Any]
) -> dict:
    store = state.store
    kind = KINDS[resource]
    changes = {k: item[k] for k in kind.fields if k in item}
    origin = _text(item.get("origin_id"))
    if "origin_id" in item:
        changes["origin_id"] = origin
    target: dict | None = None
    if item.get("id") is not None:
        target = store.get(resource, record_key(item["id"]))
        if target is None or target.get(DELETED_AT) or not _in(state, resource, target, scope):
            raise ItemError({"id": [NOT_FOUND]})
    elif origin is not None:
        target = _by_origin(state, resource, origin)
        if target is not None and not _in(state, resource, target, scope):
            raise ItemError({"origin_id": [TAKEN]})
    if origin is not None:
        holder = _by_origin(state, resource, origin)
        same = target is not None and holder is not None and holder["id"] == target["id"]
        if holder is not None and not same:
            raise ItemError({"origin_id": [TAKEN]})
    _check_values(resource, kind, changes, item, target)
    if target is None:
        return _create(state, resource, scope, changes, item)
    return _update(state, resource, target, changes, item)


def _check_values(
    resource: str,
    kind: Kind,
    changes: Mapping[str, Any],
    item: Mapping[str, Any],
    target: Mapping[str, Any] | None,
) -> None:
    errors: dict[str, list[str]] = {}
    status = changes.get("status")
    if status is not None and kind.statuses and status not in kind.statuses:
        errors["status"] = [f"is not included in the list ({', '.join(kind.statuses)})"]
    if resource == "vendors" and target is None and not _text(changes.get("name")):
        errors["name"] = [BLANK]
    if resource == "direct_costs":
        dc_type = changes.get("direct_cost_type")
        if target is None:
            if dc_type is None:
                errors["direct_cost_type"] = [BLANK]
            elif dc_type not in DC_TYPES:
                errors["direct_cost_type"] = [f"is not included in the list ({DC_TYPE_LIST})"]
            elif dc_type == "invoice":
                if not _text(changes.get("invoice_number")):
                    errors["invoice_number"] = [BLANK]
                if item.get("vendor_id") is None:
                    errors["vendor_id"] = [BLANK]
            if not _text(changes.get("direct_cost_date")):
                errors["direct_cost_date"] = [BLANK]
        elif dc_type is not None and dc_type != target.get("direct_cost_type"):
            errors["direct_cost_type"] = ["can only be set when the direct cost is created"]
        for n, line in enumerate(item.get("line_items") or []):
            if not isinstance(line, dict) or _money(line.get("amount")) is None:
                errors.setdefault("line_items", []).append(f"line {n + 1}: amount is not a number")
    for name in ("direct_cost_date", "payment_date", "received_date", "contract_date"):
        value = changes.get(name)
        if value is not None and not _is_date(value):
            errors[name] = ["must be an ISO 8601 date (YYYY-MM-DD)"]
    if errors:
        raise ItemError(errors)


def _create(
    state: EmulatorState,
    resource: str,
    scope: Mapping[str, str],
    changes: Mapping[str, Any],
    item: Mapping[str, Any],
) -> dict:
    store = state.store
    now = state.clock.iso()
    base: dict[str, Any] = {"id": store.next_id(resource), "created_at": now, "updated_at": now}
    if resource == "vendors":
        base.update(
            {
                "is_active": True,
                "company": changes.get("name"),
                "legal_name": changes.get("name"),
                "vendor_group": None,
                "origin_id": None,
                "origin_code": None,
                "origin_data": None,
            }
        )
    elif resource in ("work_order_contracts", "purchase_order_contracts"):
        base.update(
            {
                "status": "Draft",
                "executed": False,
                "accounting_method": "amount",
                "grand_total": "0.00",
                "revised_contract": "0.00",
                "approved_change_orders": "0.00",
                "pending_change_orders": "0.00",
                "draft_change_orders_amount": "0.00",
                "total_payments": "0.00",
                "deleted_at": None,
                "currency_configuration": dict(USD),
                "project": _project_ref(state, scope["project_id"]),
                "origin_id": None,
                "origin_code": None,
                "origin_data": None,
            }
        )
        base.update(_vendor_ref(state, item.get("vendor_id"), key="company"))
    else:  # direct_costs
        base.update(
            {
                "status": "draft",
                "grand_total": "0.00",
                "amount": "0.00",
                "employee": None,
                "deleted_at": None,
                "origin_id": None,
                "origin_data": None,
                "currency_configuration": dict(USD),
            }
        )
        base.update(_dc_vendor(state, item.get("vendor_id")))
    record = {**base, **changes, SCOPE: dict(scope)}
    if resource == "vendors":
        record["synced_to_erp"] = record.get("origin_id") is not None
    stored = store.upsert(resource, record)
    if resource == "direct_costs" and item.get("line_items"):
        stored = _replace_lines(state, stored, scope, item["line_items"])
    return stored


def _update(
    state: EmulatorState,
    resource: str,
    target: dict,
    changes: dict[str, Any],
    item: Mapping[str, Any],
) -> dict:
    effective = {k: v for k, v in changes.items() if target.get(k) != v}
    if resource in ("work_order_contracts", "purchase_order_contracts"):
        if item.get("vendor_id") is not None:
            ref = _vendor_ref(state, item["vendor_id"], key="company")
            if (target.get("vendor") or {}).get("id") != ref["vendor"]["id"]:
                effective.update(ref)
        locked = [k for k in effective if k not in ORIGIN]
        if locked and target.get("status") in LOCKED_COMMITMENT:
            raise ItemError(
                {
                    "base": [
                        f"The commitment is {target.get('status')} and its "
                        f"{', '.join(sorted(locked))} can no longer be changed"
                    ]
                }
            )
    if resource == "direct_costs":
        lines = item.get("line_items")
        if item.get("vendor_id") is not None and item["vendor_id"] != target.get("vendor_id"):
            effective.update(_dc_vendor(state, item["vendor_id"]))
        changed_lines = bool(lines) and _lines_differ(state, target, lines)
        if target.get("origin_id") and (effective or changed_lines):
            raise ItemError({"base": [SYNCED_DC]})
        if not effective and not changed_lines:
            return target
        stored = state.store.update(resource, target["id"], effective)
        if changed_lines:
            stored = _replace_lines(state, stored, stored[SCOPE], lines)
        return stored
    if not effective:
        return target  # nothing changes: no updated_at bump
    if resource == "vendors" and "origin_id" in effective:
        effective["synced_to_erp"] = effective["origin_id"] is not None
    return state.store.update(resource, target["id"], effective)


# --- direct cost lines -----------------------------------------------------------------
def _replace_lines(
    state: EmulatorState, record: dict, scope: Mapping[str, Any], lines: list
) -> dict:
    """The direct cost's line items become `lines`; grand_total is their sum."""
    store = state.store
    child_scope = {"project_id": record_key(scope["project_id"]), "direct_cost_id": record["id"]}
    old = store.query("direct_cost_line_items", child_scope)
    store.hard_delete("direct_cost_line_items", [r["id"] for r in old])
    total = Decimal("0")
    now = state.clock.iso()
    for pos, line in enumerate(lines, start=1):
        amount = _money(line.get("amount")) or Decimal("0")
        total += amount
        text = str(amount)
        store.upsert(
            "direct_cost_line_items",
            {
                "amount": text,
                "description": line.get("description"),
                "quantity": "1.0",
                "unit_cost": text,
                "uom": line.get("uom") or "LS",
                "total_amount": text,
                "extended_amount": text,
                "extended_type": "manual",
                "tax_code_id": None,
                "cost_code": _ref(state, "cost_codes", line.get("cost_code_id"), "full_code"),
                "line_item_type": _ref(
                    state, "line_item_types", line.get("line_item_type_id"), "code"
                ),
                "wbs_code": None,
                "holder": {"id": record["id"], "holder_type": "DirectCost"},
                "project": _project_ref(state, child_scope["project_id"]),
                "origin_id": _text(line.get("origin_id")),
                "position": pos,
                "created_at": now,
                "updated_at": now,
                "currency_configuration": dict(USD),
                SCOPE: child_scope,
            },
        )
    total_text = str(total.quantize(CENTS))
    return store.update(
        "direct_costs",
        record["id"],
        {"grand_total": total_text, "amount": total_text, "line_items_count": len(lines)},
    )


def _lines_differ(state: EmulatorState, record: Mapping[str, Any], lines: list | None) -> bool:
    if not lines:
        return False
    scope = {"project_id": record[SCOPE]["project_id"], "direct_cost_id": record["id"]}
    have = [_money(r.get("amount")) for r in state.store.query("direct_cost_line_items", scope)]
    want = [_money(x.get("amount")) if isinstance(x, dict) else None for x in lines]
    return have != want


# --- helpers ---------------------------------------------------------------------------
def _by_origin(state: EmulatorState, resource: str, origin: str) -> dict | None:
    """The live record of this company holding `origin` (unique per object type)."""
    for record in state.store.query(resource):
        if (
            record.get("origin_id") == origin
            and not record.get(DELETED_AT)
            and _company(state, resource, record) == str(state.company_id)
        ):
            return record
    return None


def _company(state: EmulatorState, resource: str, record: Mapping[str, Any]) -> str | None:
    own = record.get(SCOPE) or {}
    if "company_id" in own:
        return record_key(own["company_id"])
    project = state.store.get("projects", own.get("project_id"))
    if project is None:
        return None
    return record_key((project.get(SCOPE) or {}).get("company_id"))


def _in(
    state: EmulatorState, resource: str, record: Mapping[str, Any], scope: Mapping[str, str]
) -> bool:
    own = record.get(SCOPE) or {}
    return all(record_key(own.get(k)) == v for k, v in scope.items() if k in own)


def _project_ref(state: EmulatorState, project_id: Any) -> dict:
    project = state.store.get("projects", project_id) or {}
    return {"id": int(record_key(project_id)), "name": project.get("name")}


def _vendor_ref(state: EmulatorState, vendor_id: Any, *, key: str) -> dict:
    if vendor_id is None:
        return {"vendor": None}
    vendor = state.store.get("vendors", vendor_id)
    if vendor is None or vendor.get(DELETED_AT):
        raise ItemError({"vendor_id": ["Vendor not found"]})
    ref = {"id": vendor["id"], key: vendor.get("name"), "origin_id": vendor.get("origin_id")}
    return {"vendor": ref}


def _dc_vendor(state: EmulatorState, vendor_id: Any) -> dict:
    """Direct costs: `vendor` is a name in lists and an object in the show (`_show`)."""
    if vendor_id is None:
        return {"vendor": None, "vendor_id": None, "vendor_name": None, "_show": {"vendor": None}}
    vendor = state.store.get("vendors", vendor_id)
    if vendor is None or vendor.get(DELETED_AT):
        raise ItemError({"vendor_id": ["Vendor not found"]})
    name = vendor.get("name")
    return {
        "vendor": name,
        "vendor_id": vendor["id"],
        "vendor_name": name,
        "_show": {"vendor": {"id": vendor["id"], "name": name}},
    }


def _ref(state: EmulatorState, resource: str, record_id: Any, code_field: str) -> dict | None:
    if record_id is None:
        return None
    found = state.store.get(resource, record_id)
    if found is None:
        raise ItemError({f"{resource[:-1]}_id": [NOT_FOUND]})
    out = {"id": found["id"], code_field: found.get(code_field), "name": found.get("name")}
    if resource == "line_item_types":
        out["base_type"] = found.get("base_type")
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _money(value: Any) -> Decimal | None:
    """A money value sent as a string or a JSON number (Decimal, never float)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return amount.quantize(CENTS) if amount.is_finite() else None


def _is_date(value: Any) -> bool:
    from datetime import date

    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return len(str(value)) == 10
