"""Emulator fixtures: one server per session over a small hand-built scenario, reset
before every test, talked to over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.procore.server import EmulatorServer
from sandbox.procore.settings import EmulatorSettings
from sandbox.scenario import load_scenario

from . import factories as f
from .dataset import full_data


@pytest.fixture(scope="session")
def scenario_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return f.write_scenario(tmp_path_factory.mktemp("emulator") / "full", full_data())


@pytest.fixture(scope="session")
def _server(scenario_dir: Path) -> Iterator[EmulatorServer]:
    with EmulatorServer(load_scenario(scenario_dir), EmulatorSettings(), port=0) as server:
        yield server


@pytest.fixture(scope="session")
def http(_server: EmulatorServer) -> Iterator[httpx.Client]:
    """A plain client on the server's base URL (one per session: creating an httpx client
    costs tens of milliseconds)."""
    with httpx.Client(base_url=_server.url, timeout=10) as client:
        yield client


@pytest.fixture
def srv(_server: EmulatorServer, http: httpx.Client) -> EmulatorServer:
    """The session's server, reset to just-started before this test."""
    http.post("/_admin/reset").raise_for_status()
    return _server


@pytest.fixture(scope="session")
def _admin(_server: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{_server.url}/_admin", timeout=10) as client:
        yield client


@pytest.fixture
def admin(srv: EmulatorServer, _admin: httpx.Client) -> httpx.Client:
    return _admin


def get_token(http: httpx.Client) -> str:
    response = http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": f.CLIENT_ID,
            "client_secret": f.CLIENT_SECRET,
        },
    )
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture(scope="session")
def _api(_server: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=_server.url, timeout=10) as client:
        yield client


@pytest.fixture
def api(srv: EmulatorServer, _api: httpx.Client, http: httpx.Client) -> httpx.Client:
    """An authenticated client with the company header set (fresh token per test)."""
    _api.headers.update(
        {"Authorization": f"Bearer {get_token(http)}", "Procore-Company-Id": str(f.COMPANY_ID)}
    )
    return _api


def settings(admin: httpx.Client, **changes: object) -> dict:
    """Change emulator settings at runtime through the control plane."""
    response = admin.patch("/settings", json=changes)
    assert response.status_code == 200, response.text
    return response.json()


def faults(admin: httpx.Client, **kinds: object) -> dict:
    response = admin.patch("/faults", json=kinds)
    assert response.status_code == 200, response.text
    return response.json()
