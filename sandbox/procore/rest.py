"""The `/rest/...` request pipeline, in Procore's order of refusals.

(sync actions: `writes.sync` instead of the data step, same refusals before it;
Advanced Forecasting rows: `forecasting.handle`)
latency fault → bearer token (401) → rate limit (429, counted per token client +
company header) → injected 429 storm → injected 5xx → route (404/405) →
Procore-Company-Id (400/403) → scope and parameters (400/403/404) → data →
body corruption fault. Every answer carries the X-Rate-Limit-* headers; `stats`
counts each by operationId and status.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from sandbox.procore import forecasting, jsonio, responses
from sandbox.procore.auth import bearer
from sandbox.procore.ratelimit import Decision
from sandbox.procore.reads import COMPANY_EXEMPT, ReadRequest, read
from sandbox.procore.responses import ApiError
from sandbox.procore.state import EmulatorState
from sandbox.procore.writes import sync

UNKNOWN = "unknown"
_5XX_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


async def handle(request: Request) -> Response:
    state: EmulatorState = request.app.state.emulator
    matched = state.router.match(request.method, request.url.path)
    operation = matched[0].operation_id if isinstance(matched, tuple) else UNKNOWN
    response = await _pipeline(state, request, matched, operation)
    state.stats.record(operation, response.status_code)
    return response


async def _pipeline(state: EmulatorState, request: Request, matched, operation: str) -> Response:
    raw = await request.body() if request.method in ("PATCH", "POST", "PUT") else b""
    delay = state.faults.latency(operation)
    if delay:
        await asyncio.sleep(delay)
    v2 = request.url.path.startswith("/rest/v2")
    company_header = (request.headers.get("procore-company-id") or "").strip()
    token = state.tokens.valid(bearer(request.headers.get("authorization")))
    key = (token.client_id if token else "unauthenticated", company_header)
    decision = state.limiter.hit(key)
    limits = decision.headers()
    if token is None:
        return responses.json(
            401,
            {"error": "invalid_token", "error_description": responses.INVALID_TOKEN},
            {
                **limits,
                "WWW-Authenticate": 'Bearer realm="Procore", error="invalid_token", '
                f'error_description="{responses.INVALID_TOKEN}"',
            },
        )
    if not decision.allowed:
        return _too_many(state, decision)
    storm = state.faults.storm(operation)
    if storm is not None:
        peek = state.limiter.peek(key)
        return _too_many(state, Decision(False, peek.limit, 0, peek.reset, storm))
    failure = state.faults.server_error(operation)
    if failure is not None:
        status, retry_after = failure
        extra = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return responses.json(
            status, responses.error_body(status, _5XX_TEXT[status], v2=v2), {**limits, **extra}
        )
    try:
        if matched is None:
            raise ApiError(404, "Not found")
        if matched == "method":
            path = request.url.path.rstrip("/")
            allowed = "PATCH" if path.endswith("/sync") else "GET"
            if path.endswith("/advanced_forecastings/rows"):
                allowed = "GET, POST"
            raise ApiError(405, "Method not allowed", {"Allow": allowed})
        endpoint, params = matched
        _check_company(state, endpoint.operation_id, company_header)
        if endpoint.kind == "sync":
            answer = sync(state, endpoint, params, request.query_params.multi_items(), raw)
            written = jsonio.dumps(answer).encode("utf-8")
            broken = state.faults.corrupt(operation, written)  # applied after the write
            return responses.raw(200, broken if broken is not None else written, limits)
        req = ReadRequest(
            endpoint=endpoint,
            params=params,
            query=request.query_params.multi_items(),
            base_url=f"{request.url.scheme}://{request.url.netloc}",
            path=request.url.path,
        )
        if endpoint.kind == "forecast_rows":  # Advanced Forecasting rows (GET and POST)
            result = forecasting.handle(state, req, raw)
        else:
            result = read(state, req)
    except ApiError as exc:
        return responses.json(
            exc.status,
            responses.error_body(exc.status, exc.message, v2=v2),
            {**limits, **exc.headers},
        )
    body = jsonio.dumps(result.body).encode("utf-8")
    broken = state.faults.corrupt(operation, body)
    return responses.raw(200, broken if broken is not None else body, {**limits, **result.headers})


def _check_company(state: EmulatorState, operation: str, header: str) -> None:
    """Procore-Company-Id: required (except /me and /companies unless strict), and ours."""
    if not header:
        if operation in COMPANY_EXEMPT and not state.settings.strict_company_header:
            return
        raise ApiError(state.settings.missing_company_header_status, responses.MISSING_COMPANY)
    if header != str(state.company_id):
        raise ApiError(403, "App is not connected to this company")


def _too_many(state: EmulatorState, decision: Decision) -> Response:
    headers = decision.headers()
    if state.settings.rate_limit_body == "json":
        return responses.json(429, {"errors": responses.RATE_LIMIT_MESSAGE}, headers)
    return responses.raw(
        429, responses.RATE_LIMIT_MESSAGE.encode(), headers, media_type=responses.TEXT_TYPE
    )
