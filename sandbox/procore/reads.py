"""The data side of a GET: scope checks, list/show, filters, pages and presentation.

Transport concerns (auth, rate limits, faults on the wire, stats) live in `rest.py`;
this module turns a matched endpoint + parameters into a body and pagination headers,
or raises `ApiError` with the status Procore would answer.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.procore import filters as flt
from sandbox.procore.faults import apply_drift
from sandbox.procore.pagination import Page, link_header, paginate, sizes
from sandbox.procore.resources import RESOURCE_SCOPE, SCOPE_PARENT, Endpoint, endpoint_fields
from sandbox.procore.responses import ApiError
from sandbox.procore.state import EmulatorState
from sandbox.procore.store import DELETED_AT, SCOPE, record_key

ME, COMPANIES = "RestV10MeGet", "RestV10CompaniesGet"
SHOW = "_show"  # optional per-record overrides for show views (fields shaped differently)
COMPANY_EXEMPT = frozenset({ME, COMPANIES})
_GONE = "Not found"


@dataclass
class ReadRequest:
    endpoint: Endpoint
    params: dict[str, str]
    query: list[tuple[str, str]]
    base_url: str = ""
    path: str = ""

    def arg(self, name: str) -> str | None:
        """The last value of a query parameter, stripped; None when absent or blank."""
        values = [v for k, v in self.query if k == name]
        return values[-1].strip() or None if values else None


@dataclass
class ReadResult:
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def read(state: EmulatorState, req: ReadRequest) -> ReadResult:
    endpoint = req.endpoint
    scope = resolve_scope(state, req)
    if endpoint.kind == "show":
        return ReadResult(_wrap(endpoint, _show(state, req, scope)))
    return _list(state, req, scope)


# --- scope ---------------------------------------------------------------------------
def resolve_scope(state: EmulatorState, req: ReadRequest) -> dict[str, str]:
    """The `_scope` values this request selects, after Procore's 400/403/404 checks."""
    endpoint = req.endpoint
    company = state.company_id
    for name, value in [*req.params.items(), *((k, v) for k, v in req.query if k == "company_id")]:
        if name == "company_id" and value.strip() and value.strip() != str(company):
            raise ApiError(403, "App is not connected to this company")
    scope: dict[str, str] = {}
    for key, where in endpoint.scope.items():
        value = req.params.get(key) if where == "path" else req.arg(key)
        if value is None and key == "company_id" and endpoint.company_scoped_also:
            project = req.arg("project_id")
            if project is not None:
                _check_project(state, _int_param("project_id", project))
                value = str(company)
        if value is None:
            raise ApiError(400, f"Missing required parameter: {key}")
        scope[key] = _int_param(key, value)
    if "project_id" in scope:
        _check_project(state, scope["project_id"])
    for key, value in scope.items():
        if key not in ("project_id", "company_id"):
            _check_parent(state, key, value, scope)
    for key in endpoint.match:
        _check_parent(state, key, _int_param(key, req.params[key]), scope)
    return scope


def _int_param(name: str, value: str) -> str:
    text = value.strip()
    if not text.isdigit():
        raise ApiError(400, f"Invalid parameter {name}: {value!r} is not an integer id")
    return str(int(text))


def _check_project(state: EmulatorState, project_id: str) -> None:
    """404 when no such project can be seen at all (unknown or deleted: Procore answers 404,
    not 403, for resources the caller cannot see); 403 when it belongs to another company."""
    project = state.store.get("projects", project_id)
    if project is None or project.get(DELETED_AT):
        raise ApiError(404, _GONE)
    if record_key((project.get(SCOPE) or {}).get("company_id")) != str(state.company_id):
        raise ApiError(403, f"You do not have access to project {project_id} in this company")


def _check_parent(state: EmulatorState, key: str, value: str, scope: Mapping[str, str]) -> None:
    resource = SCOPE_PARENT.get(key)
    if resource is None:
        return
    parent = state.store.get(resource, value)
    if parent is None or parent.get(DELETED_AT) or not _in_scope(parent, scope, resource):
        raise ApiError(404, _GONE)


def _in_scope(record: Mapping[str, Any], scope: Mapping[str, str], resource: str) -> bool:
    """The record lives under this request's scope (only keys the resource has)."""
    own = record.get(SCOPE) or {}
    return all(
        record_key(own.get(k)) == v
        for k, v in scope.items()
        if k in RESOURCE_SCOPE.get(resource, ())
    )


# --- show ----------------------------------------------------------------------------
def _show(state: EmulatorState, req: ReadRequest, scope: dict[str, str]) -> dict:
    endpoint = req.endpoint
    if endpoint.operation_id == ME:
        rows = state.store.query("me")
        if not rows:
            raise ApiError(404, _GONE)
        return present(state, "me", rows[0], endpoint_fields(endpoint))
    record_id = _int_param("id", req.params["id"])
    record = state.store.get(endpoint.resource, record_id)
    if record is None or record.get(DELETED_AT) or not _in_scope(record, scope, endpoint.resource):
        raise ApiError(404, _GONE)
    out = present(state, endpoint.resource, record, endpoint_fields(endpoint), show=True)
    _embed(state, endpoint.resource, record, endpoint.embed, scope, out)
    return out


# --- list ----------------------------------------------------------------------------
def _list(state: EmulatorState, req: ReadRequest, scope: dict[str, str]) -> ReadResult:
    endpoint = req.endpoint
    rows = state.store.query(endpoint.resource, scope)
    for key, path in endpoint.match.items():
        rows = [r for r in rows if record_key(flt.dotted(r, path)) == scope_value(req, key)]
    if endpoint.item_types:
        rows = [r for r in rows if r.get("item_type") in endpoint.item_types]
    filters = flt.parse(req.query)
    mode = flt.deleted_mode(filters, endpoint)
    if mode == "hide":
        rows = [r for r in rows if not r.get(DELETED_AT)]
    elif mode == "only":
        rows = [r for r in rows if r.get(DELETED_AT)]
    try:
        rows = flt.apply(rows, filters, endpoint)
    except flt.FilterError as exc:
        raise ApiError(400, str(exc)) from exc

    headers: dict[str, str] = {}
    if endpoint.paginated:
        default, maximum = sizes(
            endpoint, state.settings.default_per_page, state.settings.max_per_page
        )
        page = paginate(rows, req.arg("page"), req.arg("per_page"), default, maximum)
        headers = {"Total": str(page.total), "Per-Page": str(page.per_page)}
        link = link_header(req.base_url, req.path, req.query, page)
        if link:
            headers["Link"] = link
        chosen = page.items
    else:
        page, chosen = None, rows

    view = endpoint.views.get(req.arg("view") or "", {})
    fields = endpoint_fields(endpoint)
    body = []
    for record in chosen:
        out = present(state, endpoint.resource, record, fields)
        _embed(state, endpoint.resource, record, view, scope, out)
        body.append(out)
    if page is not None:
        _shift_pages(state, endpoint.resource, rows, page)
    return ReadResult(_wrap(endpoint, body), headers)


def scope_value(req: ReadRequest, key: str) -> str:
    return str(int(req.params[key]))


# --- presentation --------------------------------------------------------------------
def present(
    state: EmulatorState,
    resource: str,
    record: Mapping[str, Any],
    fields: tuple[str, ...] | None = None,
    *,
    show: bool = False,
) -> dict:
    """The record as one operation returns it (`project`), then drift faults (which may
    rename or retype a served field)."""
    return apply_drift(project(record, fields, show=show), state.faults.drifts(resource))


def project(
    record: Mapping[str, Any], fields: tuple[str, ...] | None, *, show: bool = False
) -> dict:
    """A stored record seen through one operation: no private `_…` keys (`_scope`,
    `_show`), show-view overrides from `_show`, then only the operation's top-level
    `fields` in schema order (None keeps every key). Values are not copied."""
    out = {k: v for k, v in record.items() if not k.startswith("_")}
    if show and isinstance(record.get(SHOW), Mapping):
        out.update(copy.deepcopy(dict(record[SHOW])))
    if fields is not None:
        out = {k: out[k] for k in fields if k in out}
    return out


def _embed(
    state: EmulatorState,
    resource: str,
    record: Mapping[str, Any],
    children: Mapping[str, str],
    scope: Mapping[str, str],
    out: dict,
) -> None:
    """Attach child records (show `embed`, list `view=`) under their keys."""
    for key, child in children.items():
        parent_keys = [k for k in RESOURCE_SCOPE[child] if k not in RESOURCE_SCOPE[resource]]
        child_scope = {k: v for k, v in scope.items() if k in RESOURCE_SCOPE[child]}
        child_scope[parent_keys[0]] = record_key(record["id"])
        rows = [r for r in state.store.query(child, child_scope) if not r.get(DELETED_AT)]
        out[key] = [present(state, child, r) for r in rows]


def _wrap(endpoint: Endpoint, body: Any) -> Any:
    if endpoint.envelope == "data":
        return {"data": v2_ids(body)}
    return body


def v2_ids(value: Any) -> Any:
    """v2 returns every id as a string: `id` and `*_id` integers become strings."""
    if isinstance(value, list):
        return [v2_ids(v) for v in value]
    if isinstance(value, dict):
        return {
            k: (
                str(v)
                if (k == "id" or k.endswith("_id"))
                and isinstance(v, int)
                and not isinstance(v, bool)
                else v2_ids(v)
            )
            for k, v in value.items()
        }
    return value


# --- page-shift fault ----------------------------------------------------------------
def _shift_pages(state: EmulatorState, resource: str, rows: list[dict], page: Page) -> None:
    """After page 1 of a multi-page walk, disturb the data the later pages will read."""
    if page.number != 1 or not page.has_next or not rows:
        return
    shift = state.faults.take_page_shift(resource)
    if shift is None:
        return
    store = state.store
    if shift.mode == "touch":
        store.touch(resource, [rows[-1]["id"]])
    elif shift.mode == "delete_front":
        store.hard_delete(resource, [rows[0]["id"]])
    else:
        clone = copy.deepcopy(rows[0])
        new_id = int(str(rows[0]["id"])) - 1
        while new_id > 1 and store.get(resource, new_id) is not None:
            new_id -= 1
        clone["id"] = new_id
        for key in ("origin_id", DELETED_AT):
            if key in clone:
                clone[key] = None
        # keeps the original's timestamps so it passes the same updated_at filter
        store.load(resource, [clone])
