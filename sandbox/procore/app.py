"""`create_app(scenario, settings)`: the Procore emulator as one Starlette app.

    /oauth/token, /oauth/token/info, /oauth/revoke    Procore's login host
    /rest/...                                        Procore's API (GET, per registry)
    /_admin/...                                      the sandbox control plane

Starlette rather than FastAPI: every REST route comes from one table
(`resources.ENDPOINTS`) through one handler, and headers/bodies must be byte-exact.
The app's shared state is `app.state.emulator` (`EmulatorState`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.procore import admin, oauth, responses, rest
from sandbox.procore.settings import EmulatorSettings
from sandbox.procore.state import EmulatorState
from sandbox.scenario import Scenario

REST_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 (outside /rest) as JSON, like every other answer."""
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    headers = getattr(exc, "headers", None) or {}
    return responses.json(status, {"errors": getattr(exc, "detail", "Not found")}, headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    return responses.json(500, {"errors": f"emulator error: {type(exc).__name__}: {exc}"})


def create_app(scenario: Scenario, settings: EmulatorSettings | None = None) -> Starlette:
    """The emulator app serving `scenario` (its procore/*.json loaded into memory)."""
    state = EmulatorState.create(scenario, settings)
    app = Starlette(
        routes=[
            Route("/oauth/token", oauth.token, methods=["POST"]),
            Route("/oauth/token/info", oauth.token_info, methods=["GET"]),
            Route("/oauth/revoke", oauth.revoke, methods=["POST"]),
            Route("/rest/{path:path}", rest.handle, methods=REST_METHODS),
            *admin.ROUTES,
        ],
        exception_handlers={HTTPException: _http_error, 500: _server_error},
    )
    app.state.emulator = state
    return app
