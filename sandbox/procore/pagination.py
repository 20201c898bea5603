"""Page slicing and the `Total` / `Per-Page` / `Link` headers.

Mirrors the Rails api-pagination gem Procore's headers match (reference §5):
`page` is 1-based; the `Link` header is one string of `<absolute-url>; rel="x"` parts
joined by `", "` in the order first, prev, last, next; page 1 has no first/prev, the last
page (and any page past it) has no last/next, an empty result has no Link at all. Each
URL carries every original query parameter, sorted by name and URL-encoded, with `page`
replaced. Choices where Procore is silent: `per_page` above the endpoint's maximum is
clamped and `Per-Page` reports the clamped (actually used) size; a non-numeric or
non-positive `page`/`per_page` falls back to 1 / the default.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus

from sandbox.procore.resources import Endpoint


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int
    total: int
    items: list

    @property
    def last(self) -> int:
        return math.ceil(self.total / self.per_page) if self.total else 0

    @property
    def has_next(self) -> bool:
        return self.number < self.last

    def rels(self) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        if self.number > 1:
            out += [("first", 1), ("prev", self.number - 1)]
        if self.number < self.last:
            out += [("last", self.last), ("next", self.number + 1)]
        return out


def sizes(
    endpoint: Endpoint, default_override: int | None, max_override: int | None
) -> tuple[int, int]:
    """(default, max) page size for an endpoint after settings overrides."""
    maximum = max_override or endpoint.max_per_page
    default = min(default_override or endpoint.default_per_page, maximum)
    return default, maximum


def _positive(raw: str | None) -> int | None:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def paginate(
    records: Sequence, page_raw: str | None, per_page_raw: str | None, default: int, maximum: int
) -> Page:
    number = _positive(page_raw) or 1
    per_page = min(_positive(per_page_raw) or default, maximum)
    start = (number - 1) * per_page
    return Page(number, per_page, len(records), list(records[start : start + per_page]))


def link_header(
    base_url: str, path: str, query: Sequence[tuple[str, str]], page: Page
) -> str | None:
    """The single `Link` header value, or None when there is no other page to name."""
    rels = page.rels()
    if not rels:
        return None
    kept = sorted(((k, v) for k, v in query if k != "page"), key=lambda kv: kv[0])
    parts = []
    for rel, number in rels:
        params = sorted([*kept, ("page", str(number))], key=lambda kv: kv[0])
        qs = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in params)
        parts.append(f'<{base_url}{path}?{qs}>; rel="{rel}"')
    return ", ".join(parts)


def _enc(text: str) -> str:
    """Rails `to_query` (CGI.escape): brackets escaped, space as `+`."""
    return quote_plus(text, safe="-._~")
