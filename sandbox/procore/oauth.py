"""Procore's login host: `POST /oauth/token`, `GET /oauth/token/info`, `POST /oauth/revoke`.

Only the client-credentials grant issues tokens (service accounts; no refresh token, as
documented). `refresh_token` / `authorization_code` are recognised grant types that
cannot succeed here (no refresh tokens or codes exist) → 400 `invalid_grant`; anything
else → 400 `unsupported_grant_type`; wrong client id/secret → 401 `invalid_client`.
The login host is not rate limited; faults reach it only when a fault names one of its
operationIds (`OauthTokenPost`, `OauthTokenInfoGet`, `OauthRevokePost`).
"""

from __future__ import annotations

import asyncio
import hmac

from starlette.requests import Request
from starlette.responses import Response

from sandbox.procore import jsonio, responses
from sandbox.procore.auth import bearer, parse_token_request
from sandbox.procore.state import EmulatorState

TOKEN, INFO, REVOKE = "OauthTokenPost", "OauthTokenInfoGet", "OauthRevokePost"
GRANTS_WITHOUT_TOKENS = frozenset({"refresh_token", "authorization_code"})
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _state(request: Request) -> EmulatorState:
    return request.app.state.emulator


async def _faulted(state: EmulatorState, operation: str) -> Response | None:
    delay = state.faults.latency(operation, named_only=True)
    if delay:
        await asyncio.sleep(delay)
    retry = state.faults.storm(operation, named_only=True)
    if retry is not None:
        return responses.json(
            429,
            {"error": "rate_limited", "error_description": responses.RATE_LIMIT_MESSAGE},
            {"Retry-After": str(retry)},
        )
    failure = state.faults.server_error(operation, named_only=True)
    if failure is not None:
        status, retry_after = failure
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return responses.json(
            status, {"error": "server_error", "error_description": f"HTTP {status}"}, headers
        )
    return None


async def _finish(state: EmulatorState, operation: str, response: Response) -> Response:
    state.stats.record(operation, response.status_code)
    return response


async def token(request: Request) -> Response:
    state = _state(request)
    faulted = await _faulted(state, TOKEN)
    if faulted is not None:
        return await _finish(state, TOKEN, faulted)
    params = parse_token_request(
        request.headers.get("content-type", ""),
        await request.body(),
        request.headers.get("authorization"),
    )
    return await _finish(state, TOKEN, _grant(state, params))


def _grant(state: EmulatorState, params: dict[str, str]) -> Response:
    grant = params.get("grant_type", "").strip()
    if not grant:
        return responses.oauth_error(
            400, "invalid_request", "The request is missing a required parameter: grant_type."
        )
    if grant != "client_credentials" and grant not in GRANTS_WITHOUT_TOKENS:
        return responses.oauth_error(
            400,
            "unsupported_grant_type",
            "The authorization grant type is not supported by the authorization server.",
        )
    creds = state.scenario.procore
    if not (
        hmac.compare_digest(params.get("client_id", ""), creds.client_id)
        and hmac.compare_digest(params.get("client_secret", ""), creds.client_secret)
    ):
        return responses.oauth_error(
            401,
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication "
            "included, or unsupported authentication method.",
        )
    if grant in GRANTS_WITHOUT_TOKENS:
        return responses.oauth_error(
            400,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match "
            "the redirection URI used in the authorization request, or was issued to another "
            "client.",
        )
    issued = state.tokens.issue(creds.client_id, state.settings.token_lifetime)
    return responses.json(
        200,
        {
            "access_token": issued.value,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
            "created_at": issued.created_at,
        },
        NO_STORE,
    )


async def token_info(request: Request) -> Response:
    state = _state(request)
    faulted = await _faulted(state, INFO)
    if faulted is not None:
        return await _finish(state, INFO, faulted)
    found = state.tokens.valid(bearer(request.headers.get("authorization")))
    if found is None:
        return await _finish(
            state, INFO, responses.oauth_error(401, "invalid_token", responses.INVALID_TOKEN)
        )
    me = state.store.query("me")
    return await _finish(
        state,
        INFO,
        responses.json(
            200,
            {
                "resource_owner_id": me[0].get("id") if me else None,
                "scopes": [],
                "expires_in_seconds": found.seconds_left(state.clock.now()),
                "application": {"uid": found.client_id},
                "created_at": found.created_at,
            },
        ),
    )


async def revoke(request: Request) -> Response:
    """200 `{}` whether or not the token existed (RFC 7009; Procore documents the same)."""
    state = _state(request)
    faulted = await _faulted(state, REVOKE)
    if faulted is not None:
        return await _finish(state, REVOKE, faulted)
    params = parse_token_request(
        request.headers.get("content-type", ""), await request.body(), None
    )
    value = params.get("token") or bearer(request.headers.get("authorization"))
    if value:
        state.tokens.revoke(value)
    return await _finish(state, REVOKE, responses.raw(200, jsonio.dumps({}).encode()))
