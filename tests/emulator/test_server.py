"""EmulatorServer: free port, health wait, clean stop, start-up settings, in-process control."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from sandbox.procore.clock import iso
from sandbox.procore.server import EmulatorServer
from sandbox.procore.settings import EmulatorSettings, FaultConfig
from sandbox.scenario import load_scenario

from . import factories as f
from .conftest import get_token
from .dataset import P1


@contextmanager
def _client(server: EmulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.headers.update(
            {
                "Authorization": f"Bearer {get_token(client)}",
                "Procore-Company-Id": str(f.COMPANY_ID),
            }
        )
        yield client


def test_two_servers_on_free_ports_then_stopped(scenario_dir) -> None:
    scenario = load_scenario(scenario_dir)
    with EmulatorServer(scenario, port=0) as one, EmulatorServer(scenario) as two:
        assert one.port != two.port and one.url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{one.url}/_admin/health").json()["status"] == "ok"
        assert httpx.get(f"{two.url}/_admin/health").status_code == 200
        url = one.url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_admin/health", timeout=2)


def test_start_up_settings_and_faults(scenario_dir) -> None:
    settings = EmulatorSettings(
        spike_limit=2,
        hourly_limit=0,
        token_lifetime=30,
        faults=FaultConfig.from_specs(
            ["server_errors.next_requests=1", "server_errors.statuses=502"]
        ),
    )
    with EmulatorServer(load_scenario(scenario_dir), settings) as server, _client(server) as client:
        first = client.get("/rest/v1.0/requisitions", params={"project_id": P1})
        assert first.status_code == 502
        assert client.get("/rest/v1.0/requisitions", params={"project_id": P1}).status_code == 200
        assert client.get("/rest/v1.0/requisitions", params={"project_id": P1}).status_code == 429
        server.reset()  # back to the start-up faults and limits
        with _client(server) as again:
            assert again.get("/rest/v1.0/me").status_code == 502


def test_in_process_control(srv, api) -> None:
    now = srv.state.clock.advance(600)
    srv.state.store.touch("requisitions", [4_800_000_001])
    body = api.get("/rest/v1.0/requisitions/4800000001", params={"project_id": P1}).json()
    assert body["updated_at"] in (iso(now), iso(now + 1))
    srv.set_faults(rate_limit_storm={"next_requests": 1})
    assert api.get("/rest/v1.0/me").status_code == 429
    srv.set_faults(FaultConfig())
    assert api.get("/rest/v1.0/me").status_code == 200


def test_a_port_in_use_fails_clearly(srv, scenario_dir) -> None:
    with pytest.raises(OSError):
        EmulatorServer(load_scenario(scenario_dir), port=srv.port).start()
