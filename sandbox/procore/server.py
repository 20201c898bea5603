"""Run the emulator with uvicorn: in a background thread (tests, `tieout run`) or blocking.

    with EmulatorServer(scenario, EmulatorSettings(spike_limit=5), port=0) as srv:
        httpx.get(f"{srv.url}/_admin/health")
        srv.state.store.touch("requisitions", [55])     # in-process control
        srv.set_faults(server_errors={"next_requests": 2})

The socket is bound before uvicorn starts, so `port=0` picks a free port and `url` is
known at once; `start()` returns only after `/_admin/health` answers.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Self

import httpx
import uvicorn

from sandbox.procore.app import create_app
from sandbox.procore.settings import EmulatorSettings, FaultConfig
from sandbox.procore.state import EmulatorState
from sandbox.scenario import Scenario


class EmulatorServer:
    """One emulator on `host:port` (127.0.0.1 and a free port by default)."""

    def __init__(
        self,
        scenario: Scenario,
        settings: EmulatorSettings | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        startup_timeout: float = 15.0,
    ) -> None:
        self.scenario = scenario
        self.settings = settings or EmulatorSettings()
        self.app = create_app(scenario, self.settings)
        self.host = host
        self._requested_port = port
        self._log_level = log_level
        self._startup_timeout = startup_timeout
        self._socket: socket.socket | None = None
        self._port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # --- what callers use --------------------------------------------------------------
    @property
    def state(self) -> EmulatorState:
        return self.app.state.emulator

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def set_faults(self, config: FaultConfig | None = None, **kinds: Any) -> FaultConfig:
        """Replace all faults with `config`, or only the kinds given as keywords."""
        if config is not None:
            self.state.faults.configure(config)
            return config
        return self.state.faults.patch(kinds)

    def reset(self) -> None:
        """Scenario data, tokens, counters, clock and faults back to just-started."""
        self.state.reset()

    # --- lifecycle -----------------------------------------------------------------------
    def _bind(self) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        self._socket = sock
        self._port = sock.getsockname()[1]

    def _make_server(self) -> uvicorn.Server:
        config = uvicorn.Config(
            self.app,
            log_level=self._log_level,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        return uvicorn.Server(config)

    def start(self) -> Self:
        """Serve in a daemon thread; return once the health endpoint answers."""
        if self._thread is not None:
            return self
        self._bind()
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._run, name=f"procore-emulator:{self.port}", daemon=True
        )
        self._thread.start()
        self._wait_healthy()
        return self

    def _run(self) -> None:
        try:
            assert self._server is not None and self._socket is not None
            self._server.run(sockets=[self._socket])
        except BaseException as exc:  # surfaced by _wait_healthy
            self._error = exc

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._error is not None or (self._thread and not self._thread.is_alive()):
                self.stop()
                raise RuntimeError(f"the Procore emulator failed to start: {self._error!r}")
            if self._server is not None and self._server.started:
                try:
                    if httpx.get(f"{self.url}/_admin/health", timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(
            f"the Procore emulator did not answer within "
            f"{self._startup_timeout:.0f} s on {self.url}"
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._thread = self._server = self._socket = None

    def serve_forever(self) -> None:
        """Block in this thread until interrupted (Ctrl-C / SIGTERM handled by uvicorn)."""
        self._bind()
        self._server = self._make_server()
        try:
            self._server.run(sockets=[self._socket])
        finally:
            if self._socket is not None:
                self._socket.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve(
    scenario: Scenario,
    settings: EmulatorSettings | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
) -> None:
    """Blocking: serve `scenario` until interrupted."""
    EmulatorServer(scenario, settings, host=host, port=port, log_level="info").serve_forever()
