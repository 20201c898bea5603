"""OAuth on the emulator's login host: grants, encodings, errors, expiry, info, revoke."""

from __future__ import annotations

import httpx
import pytest

from . import factories as f
from .conftest import get_token

GOOD = {
    "grant_type": "client_credentials",
    "client_id": f.CLIENT_ID,
    "client_secret": f.CLIENT_SECRET,
}


def _me(http: httpx.Client, token: str) -> httpx.Response:
    return http.get("/rest/v1.0/me", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("encoding", ["form", "json", "multipart"])
def test_client_credentials_in_every_encoding(srv, http, encoding: str) -> None:
    kwargs = {
        "form": {"data": GOOD},
        "json": {"json": GOOD},
        "multipart": {"files": {k: (None, v) for k, v in GOOD.items()}},
    }[encoding]
    response = http.post("/oauth/token", **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "created_at"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 5400
    assert isinstance(body["created_at"], int)
    assert _me(http, body["access_token"]).status_code == 200


def test_basic_auth_credentials_are_accepted(srv, http) -> None:
    response = http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(f.CLIENT_ID, f.CLIENT_SECRET),
    )
    assert response.status_code == 200


@pytest.mark.parametrize("field", ["client_id", "client_secret"])
def test_wrong_credentials_are_401_invalid_client(srv, http, field: str) -> None:
    response = http.post("/oauth/token", data={**GOOD, field: "wrong"})
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_client" and body["error_description"]


def test_unsupported_and_missing_grant_are_400(srv, http) -> None:
    bad = http.post("/oauth/token", data={**GOOD, "grant_type": "password"})
    assert bad.status_code == 400 and bad.json()["error"] == "unsupported_grant_type"
    missing = http.post("/oauth/token", data={k: v for k, v in GOOD.items() if k != "grant_type"})
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    refresh = http.post(
        "/oauth/token", data={**GOOD, "grant_type": "refresh_token", "refresh_token": "x"}
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_grant"


def test_token_expires_on_the_emulator_clock(srv, http, admin) -> None:
    token = get_token(http)
    admin.post("/clock", json={"advance": 5390})
    assert _me(http, token).status_code == 200
    admin.post("/clock", json={"advance": 11})
    expired = _me(http, token)
    assert expired.status_code == 401
    assert "The access token is invalid" in expired.text
    assert "X-Rate-Limit-Remaining" in expired.headers
    assert _me(http, get_token(http)).status_code == 200


def test_configured_token_lifetime(srv, http, admin) -> None:
    admin.patch("/settings", json={"token_lifetime": 60})
    body = http.post("/oauth/token", data=GOOD).json()
    assert body["expires_in"] == 60
    admin.post("/clock", json={"advance": 61})
    assert _me(http, body["access_token"]).status_code == 401


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer"])
def test_missing_or_unknown_bearer_is_401(srv, http, header: str | None) -> None:
    headers = {"Procore-Company-Id": str(f.COMPANY_ID)}
    if header:
        headers["Authorization"] = header
    response = http.get("/rest/v1.0/vendors", params={"company_id": f.COMPANY_ID}, headers=headers)
    assert response.status_code == 401
    assert "The access token is invalid" in response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_token_info(srv, http, admin) -> None:
    token = get_token(http)
    admin.post("/clock", json={"advance": 400})
    info = http.get("/oauth/token/info", headers={"Authorization": f"Bearer {token}"})
    assert info.status_code == 200
    body = info.json()
    assert body["application"] == {"uid": f.CLIENT_ID}
    assert 4995 <= body["expires_in_seconds"] <= 5000
    assert body["resource_owner_id"] == 7_000_001
    assert isinstance(body["created_at"], int) and body["scopes"] == []
    bad = http.get("/oauth/token/info", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and "The access token is invalid" in bad.text


def test_revoke_kills_the_token_and_always_answers_200(srv, http) -> None:
    token = get_token(http)
    revoked = http.post(
        "/oauth/revoke",
        data={"token": token, "client_id": f.CLIENT_ID, "client_secret": f.CLIENT_SECRET},
    )
    assert revoked.status_code == 200
    assert _me(http, token).status_code == 401
    unknown = http.post("/oauth/revoke", data={"token": "never-issued"})
    assert unknown.status_code == 200
