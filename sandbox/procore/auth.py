"""OAuth 2.0 client-credentials tokens, as Procore's login host issues them.

Tokens are opaque random strings with a lifetime on the emulator clock (5400 s by
default). The token request body is accepted as form-urlencoded, multipart (`curl -F`)
or JSON, with the client credentials in the body or in HTTP Basic auth. Multipart is
parsed with the standard library so the emulator needs no extra package.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qsl

from sandbox.procore.clock import Clock


@dataclass(frozen=True)
class Token:
    value: str
    client_id: str
    created_at: int
    expires_in: int

    def expired(self, now: float) -> bool:
        return now >= self.created_at + self.expires_in

    def seconds_left(self, now: float) -> int:
        return max(0, int(self.created_at + self.expires_in - now))


class TokenStore:
    """Issued access tokens; thread-safe."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def issue(self, client_id: str, lifetime: int) -> Token:
        token = Token(
            "eyJ" + secrets.token_urlsafe(32), client_id, int(self._clock.now()), lifetime
        )
        with self._lock:
            self._tokens[token.value] = token
        return token

    def valid(self, value: str | None) -> Token | None:
        """The token if it exists, is not revoked and has not expired."""
        if not value:
            return None
        with self._lock:
            token = self._tokens.get(value)
        if token is None or token.expired(self._clock.now()):
            return None
        return token

    def revoke(self, value: str) -> None:
        with self._lock:
            self._tokens.pop(value, None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


def bearer(authorization: str | None) -> str | None:
    """The token from an `Authorization: Bearer …` header."""
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def parse_token_request(content_type: str, body: bytes, authorization: str | None) -> dict:
    """The token endpoint's parameters from any accepted body encoding (+ Basic auth)."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    params: dict[str, str] = {}
    if ctype == "application/json":
        try:
            data = json.loads(body or b"{}")
        except ValueError:
            data = {}
        if isinstance(data, dict):
            params = {k: str(v) for k, v in data.items() if v is not None}
    elif ctype == "multipart/form-data":
        params = _multipart(content_type, body)
    else:  # form-urlencoded, or no content type at all
        params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    basic = _basic(authorization)
    if basic:
        params.setdefault("client_id", basic[0])
        params.setdefault("client_secret", basic[1])
    return params


def _multipart(content_type: str, body: bytes) -> dict[str, str]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            payload = part.get_payload(decode=True) or b""
            fields[str(name)] = payload.decode("utf-8", "replace")
    return fields


def _basic(authorization: str | None) -> tuple[str, str] | None:
    if not authorization:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip()).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user, password
