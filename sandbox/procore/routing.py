"""Match a request path to a registry endpoint and pull out its path parameters."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sandbox.procore.resources import Endpoint

_PARAM = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Route:
    endpoint: Endpoint
    pattern: re.Pattern[str]
    method: str = "GET"

    @property
    def literal_segments(self) -> int:
        return sum(1 for part in self.endpoint.path.split("/") if part and "{" not in part)


class Router:
    """Templates compile to regexes; ids are digits, so `/direct_costs/line_items` can
    never be read as `/direct_costs/{id}`. More literal templates are tried first."""

    def __init__(self, endpoints: Iterable[Endpoint]) -> None:
        routes = [Route(e, _compile(e.path), e.method) for e in endpoints]
        self._routes = sorted(routes, key=lambda r: -r.literal_segments)

    def match(self, method: str, path: str) -> tuple[Endpoint, dict[str, str]] | str | None:
        """(endpoint, params); or "method" when the path exists for another method only."""
        path = path.rstrip("/") or "/"
        other_method = False
        for route in self._routes:
            m = route.pattern.match(path)
            if not m:
                continue
            if route.method != method.upper():
                other_method = True
                continue
            return route.endpoint, m.groupdict()
        return "method" if other_method else None


def _compile(template: str) -> re.Pattern[str]:
    regex = _PARAM.sub(
        lambda m: f"(?P<{m.group(1)}>[0-9]+)",
        re.escape(template).replace(r"\{", "{").replace(r"\}", "}"),
    )
    return re.compile(f"^{regex}$")
