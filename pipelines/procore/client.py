"""HTTP to Procore on dlt's REST client: OAuth, pacing, retries and request counts.

- `ProcoreAuth`: dlt's `OAuth2ClientCredentials`, refreshing *before* the token runs out
  (Procore's `expires_in`/`created_at`; no refresh token is issued for client credentials)
  and on a 401 (a token revoked or expired early).
- `Pacer`: reads `X-Rate-Limit-Limit/-Remaining/-Reset` on every answer and waits for the
  window's reset before it would overdraw it, so a normal run never sees a 429.
- `ProcoreSession`: the `requests` session under dlt's `RESTClient`. It retries 429s
  (honouring `Retry-After`, else the reset), 5xx, timeouts and malformed/truncated JSON
  bodies with capped exponential backoff, then raises `ProcoreError` (the resource fails
  loudly; the others go on; the next run resumes from state). It parses bodies with
  `Decimal` so no JSON number ever passes through a float, and counts every request per
  resource and operation (`RequestLedger` → `raw_procore._tieout_requests`).
- `ProcoreClient.fetch`: one whole list (all pages via `Link: rel="next"`, maximum page
  size), re-walked when `Total` moves between pages (records inserted or deleted mid-walk
  shift pages and would otherwise be skipped).

Clock and sleep are injectable so tests drive pacing and token expiry without waiting.
Secrets: the client secret travels only in the token request body and the token only in
the `Authorization` header; neither is logged or put in an error message.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from dlt.common.configuration.specs.base_configuration import NotResolved, configspec
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import OAuth2ClientCredentials
from dlt.sources.helpers.rest_client.paginators import HeaderLinkPaginator, SinglePagePaginator
from requests import PreparedRequest, Response, Session
from requests.exceptions import ChunkedEncodingError, ConnectionError, Timeout
from requests.hooks import default_hooks

from pipelines.procore.settings import OAUTH_TOKEN, Endpoint, ProcoreSettings

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]
TRANSIENT = (ConnectionError, Timeout, ChunkedEncodingError)
ERROR_BODY_CHARS = 300


class ProcoreError(Exception):
    """A request that could not be completed; the message says what and what to do."""


class CredentialsRefused(ProcoreError):
    """The token endpoint refused the client credentials: asking again will not help."""


@dataclass(frozen=True)
class Label:
    """Who spends a request: the warehouse table it feeds and the Procore operation."""

    resource: str
    operation: str
    path: str


TOKEN_LABEL = Label("oauth", OAUTH_TOKEN.operation_id, OAUTH_TOKEN.path)


@dataclass
class Counts:
    requests: int = 0
    throttled: int = 0  # 429 answers
    retries: int = 0  # requests re-sent after a 5xx, timeout, bad body or 401
    failures: int = 0  # requests that never got an answer (timeouts, resets)

    def add(self, other: Counts) -> None:
        self.requests += other.requests
        self.throttled += other.throttled
        self.retries += other.retries
        self.failures += other.failures


class RequestLedger:
    """Requests of one run by (resource, operation)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[Label, Counts] = {}

    def _get(self, label: Label) -> Counts:
        return self._counts.setdefault(label, Counts())

    def sent(self, label: Label, *, failed: bool = False) -> None:
        with self._lock:
            counts = self._get(label)
            counts.requests += 1
            counts.failures += int(failed)

    def throttled(self, label: Label) -> None:
        with self._lock:
            self._get(label).throttled += 1

    def retried(self, label: Label) -> None:
        with self._lock:
            self._get(label).retries += 1

    def for_resource(self, resource: str) -> Counts:
        total = Counts()
        with self._lock:
            for label, counts in self._counts.items():
                if label.resource == resource:
                    total.add(counts)
        return total

    def by_operation(self) -> dict[str, int]:
        """Requests per Procore operationId (comparable with the emulator's stats)."""
        out: dict[str, int] = {}
        with self._lock:
            for label, counts in self._counts.items():
                out[label.operation] = out.get(label.operation, 0) + counts.requests
        return dict(sorted(out.items()))

    def resources(self) -> list[str]:
        with self._lock:
            return sorted({label.resource for label in self._counts})

    def rows(self, run_id: str) -> list[dict]:
        with self._lock:
            return [
                {
                    "run_id": run_id,
                    "resource": label.resource,
                    "operation": label.operation,
                    "path": label.path,
                    "requests": c.requests,
                    "throttled": c.throttled,
                    "retries": c.retries,
                    "failures": c.failures,
                }
                for label, c in sorted(
                    self._counts.items(), key=lambda kv: (kv[0].resource, kv[0].operation)
                )
            ]


class Pacer:
    """Spends Procore's rate-limit windows without overdrawing them.

    Procore reports the window closest to exhaustion (hourly or 10-second spike) in
    `X-Rate-Limit-*`. With `reserve` or fewer requests left, wait for the reset; below
    `spread_fraction` of the limit, spread the rest evenly over the time to the reset.
    """

    def __init__(
        self,
        clock: Clock,
        sleep: Sleep,
        *,
        reserve: int = 1,
        spread_fraction: float = 0.1,
        max_wait: float = 3700.0,
    ) -> None:
        self.clock, self.sleep = clock, sleep
        self.reserve, self.spread_fraction, self.max_wait = reserve, spread_fraction, max_wait
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset: float | None = None
        self.waited = 0.0
        self._lock = threading.Lock()

    def observe(self, headers: Mapping[str, str]) -> None:
        try:
            limit = int(headers["X-Rate-Limit-Limit"])
            remaining = int(headers["X-Rate-Limit-Remaining"])
            reset = float(headers["X-Rate-Limit-Reset"])
        except (KeyError, ValueError):
            return
        with self._lock:
            self.limit, self.remaining, self.reset = limit, remaining, reset

    def before_request(self) -> None:
        with self._lock:
            remaining, limit, reset = self.remaining, self.limit, self.reset
            if remaining is None or reset is None:
                return
            left = reset - self.clock()
            if left <= 0:
                self.remaining = None  # that window is over
                return
            if remaining <= self.reserve:
                wait = left + 0.05
                self.remaining = None  # unknown until the next answer
            elif limit and remaining < limit * self.spread_fraction:
                wait = left / remaining
                self.remaining = remaining - 1
            else:
                self.remaining = remaining - 1
                return
        self.pause(wait)

    def retry_after(self, response: Response, fallback: float) -> float:
        """How long to wait after a 429/503: `Retry-After`, else the reset, else fallback."""
        header = response.headers.get("Retry-After")
        if header is not None:
            try:
                return max(0.0, float(header))
            except ValueError:
                try:
                    return max(0.0, parsedate_to_datetime(header).timestamp() - self.clock())
                except (TypeError, ValueError):
                    pass
        self.observe(response.headers)
        if self.reset is not None:
            return max(0.0, self.reset - self.clock() + 0.05)
        return fallback

    def pause(self, seconds: float) -> None:
        seconds = max(0.0, min(seconds, self.max_wait))
        if seconds:
            self.waited += seconds
            self.sleep(seconds)


@configspec
class ProcoreAuth(OAuth2ClientCredentials):
    """Client-credentials OAuth that refreshes before `expires_in` runs out.

    The expiry is counted from when the token was asked for (or from Procore's
    `created_at` when that is earlier, e.g. a reused token), minus a margin, on the
    injectable clock.
    """

    refresh_margin: int = 300
    clock: Annotated[Any, NotResolved()] = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.clock is None:
            self.clock = time.time
        self.expires_at = 0.0
        self.margin = 0.0
        self.refused: CredentialsRefused | None = None

    def is_token_expired(self) -> bool:
        return self.access_token is None or self.clock() >= self.expires_at - self.margin

    def obtain_token(self) -> None:
        if self.refused is not None:  # once refused, every later ask would be refused too
            raise self.refused
        asked_at = self.clock()
        try:
            response = self.session.post(self.access_token_url, **self.build_access_token_request())
        except CredentialsRefused as exc:
            self.refused = exc
            raise
        data = getattr(response, "_tieout_json", None)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise ProcoreError("the Procore token endpoint answered without an access_token")
        expires_in = float(data.get("expires_in") or self.default_token_expiration)
        created = data.get("created_at")
        start = asked_at
        if isinstance(created, int | float | Decimal) and (
            asked_at - expires_in < created < asked_at
        ):
            start = float(created)  # issued before we asked (a reused token)
        self.access_token = token
        self.expires_at = start + expires_in
        self.margin = min(float(self.refresh_margin), expires_in / 10)

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        if self.is_token_expired():
            self.obtain_token()
        request.headers["Authorization"] = f"Bearer {self.access_token}"
        return request


class ProcoreSession(Session):
    """A `requests` session that paces, retries, parses (Decimal) and counts."""

    def __init__(
        self,
        settings: ProcoreSettings,
        ledger: RequestLedger,
        pacer: Pacer,
        clock: Clock,
        sleep: Sleep,
        token_url: str,
    ) -> None:
        super().__init__()
        self.settings, self.ledger, self.pacer = settings, ledger, pacer
        self.clock, self.sleep = clock, sleep
        self.token_url = token_url
        self.auth_ref: ProcoreAuth | None = None
        self.label: Label | None = None

    @contextmanager
    def labelled(self, label: Label) -> Iterator[None]:
        previous, self.label = self.label, label
        try:
            yield
        finally:
            self.label = previous

    def _backoff(self, attempt: int) -> float:
        return min(
            self.settings.backoff_max_seconds, self.settings.backoff_seconds * (2 ** (attempt - 1))
        )

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        kwargs.setdefault("timeout", (self.settings.connect_timeout, self.settings.read_timeout))
        is_token = (request.url or "").split("?", 1)[0] == self.token_url
        path = urlsplit(request.url or "").path
        label = TOKEN_LABEL if is_token else (self.label or Label("unlabelled", "unknown", path))
        request.hooks = default_hooks()  # errors are ours to handle (no raise_for_status hook)
        attempt = throttles = 0
        refreshed = False
        while True:
            if not is_token:
                self.pacer.before_request()
                if self.auth_ref is not None and self.auth_ref.is_token_expired():
                    self.auth_ref(request)  # refresh before expiry, not after a 401
            problem: str
            try:
                response = super().send(request, **kwargs)
            except TRANSIENT as exc:
                self.ledger.sent(label, failed=True)
                problem, response = f"{type(exc).__name__}", None
            else:
                self.ledger.sent(label)
                if not is_token:
                    self.pacer.observe(response.headers)
                status = response.status_code
                if status == 401 and not is_token and self.auth_ref is not None and not refreshed:
                    refreshed = True
                    self.ledger.retried(label)
                    self.auth_ref.obtain_token()
                    self.auth_ref(request)
                    continue
                if status == 429:
                    throttles += 1
                    self.ledger.throttled(label)
                    if throttles > self.settings.max_throttle_retries:
                        raise ProcoreError(
                            f"{label.operation} {path}: still rate limited (429) after "
                            f"{throttles} waits; lower the request rate or raise the "
                            "company's limit, then re-run (it resumes from state)"
                        )
                    self.pacer.pause(self.pacer.retry_after(response, self._backoff(throttles)))
                    continue
                if status >= 500:
                    problem = f"HTTP {status}"
                elif status >= 400:
                    error = CredentialsRefused if is_token else ProcoreError
                    raise error(_http_error(label, path, response))
                else:
                    try:
                        response._tieout_json = json.loads(  # type: ignore[attr-defined]
                            response.content, parse_float=Decimal
                        )
                    except ValueError:
                        problem = "malformed JSON body"
                    else:
                        return response
            attempt += 1
            if attempt > self.settings.max_retries:
                raise ProcoreError(
                    f"{label.operation} {path}: {problem} on {attempt} attempts; Procore or "
                    "the network is failing - the next sync resumes from the last saved state"
                )
            self.ledger.retried(label)
            wait = self._backoff(attempt)
            if response is not None and response.status_code == 503:
                wait = self.pacer.retry_after(response, wait)
            log.info(
                "retrying %s %s after %s (attempt %d, %.2fs)",
                label.operation,
                path,
                problem,
                attempt + 1,
                wait,
            )
            self.pacer.pause(wait)


def _server_time(response: Response) -> datetime | None:
    """The server's `Date` header: its clock, not ours, dates an empty list's read."""
    try:
        moment = parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _http_error(label: Label, path: str, response: Response) -> str:
    body = (response.text or "")[:ERROR_BODY_CHARS]
    hint = {
        400: "a request parameter was refused",
        401: "the credentials were refused: check sources.procore.client_id/client_secret",
        403: "the service account may not see this company/project (Procore-Company-Id, "
        "permitted projects)",
        404: "the record or its parent is gone or not visible",
    }.get(response.status_code, "Procore refused the request")
    return f"{label.operation} {path}: HTTP {response.status_code} ({hint}): {body}"


class _RESTClient(RESTClient):
    """dlt's REST client reading the body the session already parsed (with Decimal)."""

    def extract_response(self, response: Response, data_selector: Any) -> list[Any]:
        body = getattr(response, "_tieout_json", None)
        if body is None:
            body = json.loads(response.content, parse_float=Decimal)
        if data_selector == "data" and isinstance(body, dict):
            body = body.get("data")
        if body is None:
            return []
        return body if isinstance(body, list) else [body]


class ProcorePaginator(HeaderLinkPaginator):
    """Procore's `Link: rel="next"`, stopping at an empty page, watching `Total`.

    The next page must be on the API host: the bearer token goes wherever it points.
    """

    def __init__(self, host: str) -> None:
        super().__init__()
        self.host = host
        self.totals: set[str] = set()

    def update_state(self, response: Response, data: list[Any] | None = None) -> None:
        super().update_state(response, data)
        total = response.headers.get("Total")
        if total is not None:
            self.totals.add(total)
        if not data:
            self._next_reference = None
        following = self._next_reference
        if following and urlsplit(following).netloc not in ("", self.host):
            raise ProcoreError(
                f"{urlsplit(response.url).path}: the Link header points to another host "
                f"({urlsplit(following).netloc}); not following it with the token"
            )

    @property
    def disturbed(self) -> bool:
        """The list grew or shrank while it was walked (pages may have shifted)."""
        return len(self.totals) > 1


class ProcoreClient:
    """Authenticated, paced, counted access to one Procore company."""

    def __init__(
        self,
        *,
        base_url: str,
        login_url: str,
        client_id: str,
        client_secret: str,
        company_id: int,
        settings: ProcoreSettings | None = None,
        clock: Clock | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self.settings = settings or ProcoreSettings()
        self.company_id = int(company_id)
        self.clock: Clock = clock or time.time
        self.sleep: Sleep = sleep or time.sleep
        self.ledger = RequestLedger()
        self.pacer = Pacer(
            self.clock,
            self.sleep,
            reserve=self.settings.rate_reserve,
            spread_fraction=self.settings.rate_spread_fraction,
            max_wait=self.settings.max_wait_seconds,
        )
        token_url = login_url.rstrip("/") + OAUTH_TOKEN.path
        self.session = ProcoreSession(
            self.settings, self.ledger, self.pacer, self.clock, self.sleep, token_url
        )
        self.auth = ProcoreAuth(
            access_token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            session=self.session,
            refresh_margin=self.settings.token_refresh_margin,
            clock=self.clock,
        )
        self.session.auth_ref = self.auth
        self.last_read_at: datetime | None = None  # Procore's clock when the last list began
        self.host = urlsplit(base_url).netloc
        self.rest = _RESTClient(
            base_url=base_url.rstrip("/"),
            headers={"Procore-Company-Id": str(self.company_id), "Accept": "application/json"},
            auth=self.auth,
            session=self.session,
        )

    def fetch(
        self,
        resource: str,
        endpoint: Endpoint,
        scope: Mapping[str, Any],
        params: Mapping[str, Any] | None = None,
    ) -> list[dict]:
        """Every record of one list (all pages), de-duplicated by id (last wins).

        `scope` fills the path and the scope query parameters (`project_id`, a parent id).
        """
        values = {"company_id": self.company_id, **scope}
        path = endpoint.path.format(**values)
        query: dict[str, Any] = {k: values[k] for k in endpoint.query}
        query.update(endpoint.params)
        query.update(params or {})
        if endpoint.paginated:
            query["per_page"] = endpoint.per_page
        label = Label(resource, endpoint.operation_id, endpoint.path)
        selector = endpoint.envelope or "$"
        self.last_read_at = None
        for _walk in range(self.settings.max_walk_restarts + 1):
            paginator = ProcorePaginator(self.host) if endpoint.paginated else SinglePagePaginator()
            records: list[Any] = []
            with self.session.labelled(label):
                for page in self.rest.paginate(
                    path, params=dict(query), paginator=paginator, data_selector=selector
                ):
                    if not records and self.last_read_at is None:
                        self.last_read_at = _server_time(page.response)
                    records.extend(page)
            if not getattr(paginator, "disturbed", False):
                break
            log.info("%s %s changed while paging; walking it again", label.operation, path)
        else:
            raise ProcoreError(
                f"{endpoint.operation_id} {path}: the list kept changing while it was paged "
                f"({self.settings.max_walk_restarts + 1} walks); the next sync retries it"
            )
        unique: dict[Any, Any] = {}
        for n, record in enumerate(records):
            key = record.get("id") if isinstance(record, dict) else None
            unique[("id", str(key)) if key is not None else ("n", n)] = record
        return list(unique.values())

    def token(self) -> str | None:
        """The current access token (tests check it never leaks into logs)."""
        return self.auth.access_token
