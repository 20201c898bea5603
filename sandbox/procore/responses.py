"""Response helpers: bodies are JSON with `application/json; charset=utf-8`, except the
429's bare sentence (`text/plain; charset=utf-8`, unless `rate_limit_body="json"`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from sandbox.procore import jsonio

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
INVALID_TOKEN = "The access token is invalid"
RATE_LIMIT_MESSAGE = (
    "You have surpassed the max number of requests for an hour. "
    "Please wait until your limit resets."
)
MISSING_COMPANY = "Missing Procore-Company-Id header!"
STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
}


class ApiError(Exception):
    """An error answer; `status` and a message for the body."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def raw(
    status: int, body: bytes, headers: Mapping[str, str] | None = None, media_type: str = JSON_TYPE
) -> Response:
    return Response(
        content=body, status_code=status, headers=dict(headers or {}), media_type=media_type
    )


def json(status: int, value: Any, headers: Mapping[str, str] | None = None) -> Response:
    return raw(status, jsonio.dumps(value).encode("utf-8"), headers)


def error_body(status: int, message: str, *, v2: bool = False) -> dict:
    """Procore's shapes differ by API generation (reference §7): v1 `{"errors": msg}`,
    v2 the standard envelope `{"error": {"code", "message", "details"}}`."""
    if v2:
        return {
            "error": {
                "code": STATUS_CODES.get(status, str(status)),
                "message": message,
                "details": [],
            }
        }
    return {"errors": message}


def oauth_error(
    status: int, error: str, description: str, headers: Mapping[str, str] | None = None
) -> Response:
    """RFC 6749 §5.2 body (Procore's token-endpoint errors are undocumented)."""
    return json(
        status,
        {"error": error, "error_description": description},
        {"Cache-Control": "no-store", "Pragma": "no-cache", **(headers or {})},
    )
