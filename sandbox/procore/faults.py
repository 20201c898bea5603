"""Runtime state of the fault switches: counters, deadlines and one seeded RNG.

`FaultInjector` answers, per request, "should this one fail / wait / be corrupted?" and
consumes the `next_requests` budgets as it goes. A fault whose budget reaches zero
switches itself off. The RNG is seeded from the settings so a test that sets a 30 %
error rate sees the same sequence of failures on every run.
"""

from __future__ import annotations

import copy
import random
import threading
from collections import Counter
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.procore.clock import Clock
from sandbox.procore.settings import FaultConfig, PageShift, SchemaDrift


class FaultInjector:
    def __init__(self, config: FaultConfig, seed: int, clock: Clock) -> None:
        self._clock = clock
        self._seed = seed
        self._lock = threading.Lock()
        self.fired: Counter[str] = Counter()
        self.configure(config)

    # --- configuration ---------------------------------------------------------------
    def configure(self, config: FaultConfig, *, reseed: bool = True) -> None:
        """Replace every switch (budgets restart; the RNG restarts from the seed)."""
        with self._lock:
            self._config = config.model_copy(deep=True)
            if reseed:
                self._rng = random.Random(self._seed)
            storm = self._config.rate_limit_storm
            self._storm_until = (
                self._clock.now() + storm.seconds
                if storm is not None and storm.seconds is not None
                else None
            )
            self._shift_left = [s.times for s in self._config.page_shift]

    def patch(self, changes: dict[str, Any]) -> FaultConfig:
        """Replace only the kinds named in `changes` (`null` switches one off)."""
        with self._lock:
            merged = {**self._config.model_dump(), **changes}
            storm_until, shift_left = self._storm_until, list(self._shift_left)
        config = FaultConfig.model_validate(merged)
        self.configure(config, reseed=False)
        with self._lock:  # kinds not named keep their running deadline / budgets
            if "rate_limit_storm" not in changes:
                self._storm_until = storm_until
            if "page_shift" not in changes:
                self._shift_left = shift_left
        return config

    @property
    def config(self) -> FaultConfig:
        with self._lock:
            return self._config.model_copy(deep=True)

    def reset_counts(self) -> None:
        with self._lock:
            self.fired.clear()

    # --- per-request decisions -------------------------------------------------------
    def latency(self, operation: str, *, named_only: bool = False) -> float:
        with self._lock:
            fault = self._config.latency
            if fault is None or not _applies(fault.operation, operation, named_only):
                return 0.0
            if not self._spend(fault, "latency"):
                return 0.0
            delay = fault.seconds + (self._rng.uniform(0, fault.jitter) if fault.jitter else 0.0)
            self.fired["latency"] += 1
            return delay

    def storm(self, operation: str, *, named_only: bool = False) -> int | None:
        """Retry-After seconds when a 429 storm covers this request, else None."""
        with self._lock:
            fault = self._config.rate_limit_storm
            if fault is None or not _applies(fault.operation, operation, named_only):
                return None
            if self._storm_until is not None and self._clock.now() >= self._storm_until:
                self._config.rate_limit_storm = None
                return None
            if fault.next_requests is not None and not self._spend(fault, "rate_limit_storm"):
                return None
            self.fired["rate_limit_storm"] += 1
            return fault.retry_after

    def server_error(
        self, operation: str, *, named_only: bool = False
    ) -> tuple[int, int | None] | None:
        """(status, Retry-After or None) when this request should fail with a 5xx."""
        with self._lock:
            fault = self._config.server_errors
            if fault is None or not _applies(fault.operation, operation, named_only):
                return None
            if not self._spend(fault, "server_errors"):
                return None
            if self._rng.random() >= fault.rate:
                return None
            status = self._rng.choice(fault.statuses)
            self.fired[f"server_error_{status}"] += 1
            return status, (fault.retry_after if status == 503 else None)

    def corrupt(self, operation: str, body: bytes, *, named_only: bool = False) -> bytes | None:
        """A broken version of a successful body, or None to send it intact."""
        with self._lock:
            fault = self._config.body_corruption
            if fault is None or not _applies(fault.operation, operation, named_only):
                return None
            if not self._spend(fault, "body_corruption"):
                return None
            self.fired[f"body_{fault.mode}"] += 1
            if fault.mode == "truncate":
                return body[: max(1, len(body) // 2)]
            broken = body.replace(b",", b"", 1) if b"," in body else body + b"}"
            return broken if broken != body else b"{" + body

    def drifts(self, resource: str) -> list[SchemaDrift]:
        with self._lock:
            return [d for d in self._config.schema_drift if d.resource == resource]

    def take_page_shift(self, resource: str) -> PageShift | None:
        """The page-shift fault to fire for this resource now (consumes one `times`)."""
        with self._lock:
            for i, shift in enumerate(self._config.page_shift):
                if shift.resource == resource and self._shift_left[i] > 0:
                    self._shift_left[i] -= 1
                    self.fired[f"page_shift_{shift.mode}"] += 1
                    return shift
            return None

    # --- helpers ---------------------------------------------------------------------
    def _spend(self, fault: Any, kind: str) -> bool:
        """Use one request of a `next_requests` budget; switch the fault off at zero."""
        if fault.next_requests is None:
            return True
        if fault.next_requests <= 0:
            setattr(self._config, kind, None)
            return False
        fault.next_requests -= 1
        if fault.next_requests == 0:
            setattr(self._config, kind, None)
        return True


def _applies(target: str | None, operation: str, named_only: bool = False) -> bool:
    """A fault without `operation` hits every /rest call; OAuth calls (`named_only`) are
    hit only by a fault that names their operationId."""
    if named_only:
        return target == operation
    return target is None or target == operation


def apply_drift(record: dict, drifts: list[SchemaDrift]) -> dict:
    """A copy of `record` with each drift applied (missing fields are left alone)."""
    if not drifts:
        return record
    out = copy.copy(record)
    for drift in drifts:
        if drift.field not in out:
            continue
        value = out[drift.field]
        if drift.to_type is not None:
            value = _convert(value, drift.to_type)
        if drift.rename_to:
            del out[drift.field]
            out[drift.rename_to] = value
        else:
            out[drift.field] = value
    return out


def _convert(value: Any, to_type: str) -> Any:
    if to_type == "null":
        return None
    if to_type == "string":
        return value if isinstance(value, str) else ("" if value is None else str(value))
    if to_type == "boolean":
        return bool(value) and value not in ("0", "false")
    try:
        number = Decimal(str(value).rstrip("%"))
    except (InvalidOperation, ValueError):
        return value
    return int(number) if to_type == "integer" else number
