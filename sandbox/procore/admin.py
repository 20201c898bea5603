"""`/_admin/...`: the sandbox's control plane (not part of Procore's API).

No auth, no rate limit, not counted in stats, never faulted: tests, the CLI and humans
use it to read counters, move the clock, switch faults and change records while an
extractor runs. It binds wherever the emulator binds (127.0.0.1 by default) — never
expose it beyond loopback.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.procore import jsonio, responses
from sandbox.procore.resources import RESOURCES
from sandbox.procore.settings import EmulatorSettings, FaultConfig
from sandbox.procore.state import EmulatorState
from sandbox.procore.store import DELETED_AT, StoreError, record_key

ACTIONS = ("touch", "soft_delete", "restore", "hard_delete")


class AdminError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _state(request: Request) -> EmulatorState:
    return request.app.state.emulator


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return jsonio.loads(raw)
    except ValueError as exc:
        raise AdminError(400, f"body is not JSON: {exc}") from exc


def _admin(handler):
    """JSON in/out; AdminError, pydantic and store errors become 4xx with a message."""

    async def endpoint(request: Request) -> Response:
        try:
            status, value = await handler(request, _state(request))
        except AdminError as exc:
            return responses.json(exc.status, {"errors": str(exc)})
        except ValidationError as exc:
            return responses.json(
                422, {"errors": exc.errors(include_url=False, include_context=False)}
            )
        except (StoreError, KeyError) as exc:
            return responses.json(
                404 if isinstance(exc, KeyError) else 400, {"errors": str(exc).strip("'\"")}
            )
        return responses.json(status, value)

    return endpoint


# --- health, stats, clock, reset -------------------------------------------------------
async def health(request: Request, state: EmulatorState):
    return 200, {
        "status": "ok",
        "scenario": state.scenario.name,
        "company_id": state.company_id,
        "now": state.clock.iso(),
        "records": sum(state.store.resources().values()),
    }


async def stats(request: Request, state: EmulatorState):
    return 200, state.stats.snapshot(state.faults.fired)


async def stats_reset(request: Request, state: EmulatorState):
    state.stats.reset()
    state.faults.reset_counts()
    return 200, state.stats.snapshot(state.faults.fired)


def _clock_view(state: EmulatorState) -> dict:
    return {"now": state.clock.now(), "iso": state.clock.iso(), "offset": state.clock.offset}


async def clock_get(request: Request, state: EmulatorState):
    return 200, _clock_view(state)


async def clock_post(request: Request, state: EmulatorState):
    """`{"advance": seconds}`, `{"set": epoch | "ISO-8601"}` or `{"reset": true}`."""
    body = await _body(request)
    if body.get("reset"):
        state.clock.reset()
    if "set" in body:
        when = body["set"]
        if isinstance(when, str):
            try:
                when = datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp()
            except ValueError as exc:
                raise AdminError(400, f"set: {exc}") from exc
        state.clock.set(float(when))
    if "advance" in body:
        state.clock.advance(float(body["advance"]))
    return 200, _clock_view(state)


async def reset(request: Request, state: EmulatorState):
    state.reset()
    return 200, {"status": "reset", "records": sum(state.store.resources().values())}


# --- faults and settings ---------------------------------------------------------------
async def faults_get(request: Request, state: EmulatorState):
    return 200, state.faults.config.model_dump()


async def faults_put(request: Request, state: EmulatorState):
    config = FaultConfig.model_validate(await _body(request))
    state.faults.configure(config)
    return 200, config.model_dump()


async def faults_patch(request: Request, state: EmulatorState):
    body = await _body(request)
    unknown = set(body) - set(FaultConfig.model_fields)
    if unknown:
        raise AdminError(
            400, f"unknown fault kinds {sorted(unknown)}; one of {list(FaultConfig.model_fields)}"
        )
    return 200, state.faults.patch(body).model_dump()


async def faults_delete(request: Request, state: EmulatorState):
    state.faults.configure(FaultConfig())
    return 200, FaultConfig().model_dump()


async def settings_get(request: Request, state: EmulatorState):
    return 200, state.settings.model_dump()


async def settings_patch(request: Request, state: EmulatorState):
    """Change settings at runtime (faults included only if given); limits restart."""
    body = await _body(request)
    merged = {**state.settings.model_dump(), **body}
    settings = EmulatorSettings.model_validate(merged)
    state.apply_settings(settings)
    if "faults" in body:
        state.faults.configure(settings.faults)
    return 200, settings.model_dump()


# --- records -----------------------------------------------------------------------------
def _resource(request: Request, state: EmulatorState) -> str:
    name = request.path_params["resource"]
    if name not in RESOURCES and name not in state.store.resources():
        raise AdminError(404, f"unknown resource {name!r}; one of {', '.join(RESOURCES)}")
    return name


async def resources(request: Request, state: EmulatorState):
    return 200, {name: state.store.resources().get(name, 0) for name in RESOURCES}


async def records_list(request: Request, state: EmulatorState):
    """Stored records (with `_scope`, deleted ones too); query params filter by scope."""
    name = _resource(request, state)
    scope = dict(request.query_params)
    return 200, state.store.query(name, scope)


async def records_upsert(request: Request, state: EmulatorState):
    """One record, or `{"records": [...]}`; each bumps `updated_at`."""
    name = _resource(request, state)
    body = await _body(request)
    items = body["records"] if isinstance(body, dict) and "records" in body else [body]
    if not all(isinstance(item, dict) for item in items):
        raise AdminError(400, 'expected a record object or {"records": [...]}')
    return 200, [state.store.upsert(name, item) for item in items]


async def record_get(request: Request, state: EmulatorState):
    name = _resource(request, state)
    record = state.store.get(name, request.path_params["id"])
    if record is None:
        raise KeyError(f"{name} {request.path_params['id']} not found")
    return 200, record


async def record_patch(request: Request, state: EmulatorState):
    name = _resource(request, state)
    changes = await _body(request)
    if not isinstance(changes, dict):
        raise AdminError(400, "expected an object of field changes")
    return 200, state.store.update(name, request.path_params["id"], changes)


async def record_delete(request: Request, state: EmulatorState):
    name = _resource(request, state)
    removed = state.store.hard_delete(name, [request.path_params["id"]])
    if not removed:
        raise KeyError(f"{name} {request.path_params['id']} not found")
    return 200, {"deleted": removed}


async def records_action(request: Request, state: EmulatorState):
    """`{"ids": [...]}` or `{"count": N, "scope": {...}}` (the first N live records by id)."""
    name = _resource(request, state)
    action = request.path_params["action"]
    if action not in ACTIONS:
        raise AdminError(404, f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    body = await _body(request)
    if "ids" in body:
        ids = [record_key(i) for i in body["ids"]]
    elif "count" in body:
        live = [
            r
            for r in state.store.query(name, body.get("scope") or {})
            if (action == "restore") == bool(r.get(DELETED_AT))
        ]
        ids = [record_key(r["id"]) for r in live[: int(body["count"])]]
    else:
        raise AdminError(400, 'give {"ids": [...]} or {"count": N}')
    if action == "hard_delete":
        return 200, {"deleted": state.store.hard_delete(name, ids), "ids": ids}
    changed = getattr(state.store, action)(name, ids)
    return 200, changed


ROUTES = [
    Route("/_admin/health", _admin(health), methods=["GET"]),
    Route("/_admin/stats", _admin(stats), methods=["GET"]),
    Route("/_admin/stats/reset", _admin(stats_reset), methods=["POST"]),
    Route("/_admin/clock", _admin(clock_get), methods=["GET"]),
    Route("/_admin/clock", _admin(clock_post), methods=["POST"]),
    Route("/_admin/reset", _admin(reset), methods=["POST"]),
    Route("/_admin/faults", _admin(faults_get), methods=["GET"]),
    Route("/_admin/faults", _admin(faults_put), methods=["PUT"]),
    Route("/_admin/faults", _admin(faults_patch), methods=["PATCH"]),
    Route("/_admin/faults", _admin(faults_delete), methods=["DELETE"]),
    Route("/_admin/settings", _admin(settings_get), methods=["GET"]),
    Route("/_admin/settings", _admin(settings_patch), methods=["PATCH"]),
    Route("/_admin/resources", _admin(resources), methods=["GET"]),
    Route("/_admin/records/{resource}", _admin(records_list), methods=["GET"]),
    Route("/_admin/records/{resource}", _admin(records_upsert), methods=["POST"]),
    Route("/_admin/records/{resource}/{id:int}", _admin(record_get), methods=["GET"]),
    Route("/_admin/records/{resource}/{id:int}", _admin(record_patch), methods=["PATCH"]),
    Route("/_admin/records/{resource}/{id:int}", _admin(record_delete), methods=["DELETE"]),
    Route("/_admin/records/{resource}/{action}", _admin(records_action), methods=["POST"]),
]
