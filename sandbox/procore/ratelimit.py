"""Procore's two request limits: an hourly window and a 10-second spike window.

Each key (the token's client id + the Procore-Company-Id it calls with) has both
windows. A window starts with the first request after the previous one ended and resets
`length` seconds later (fixed windows on the emulator clock). The headers describe the
window closest to exhaustion (lowest remaining fraction; the spike window on a tie),
which is "usually the spike limit until near the hourly cap", as Procore documents.
A limit of 0 means unlimited; if both are, the headers report a nominal 10^9 limit.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from sandbox.procore.clock import Clock

UNLIMITED = 1_000_000_000


@dataclass
class _Window:
    limit: int
    length: float
    start: float = 0.0
    count: int = 0

    def roll(self, now: float) -> None:
        if now >= self.start + self.length:
            self.start, self.count = now, 0

    @property
    def reset(self) -> int:
        return math.ceil(self.start + self.length)

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.count)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # epoch seconds when the reported window resets
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        out = {
            "X-Rate-Limit-Limit": str(self.limit),
            "X-Rate-Limit-Remaining": str(self.remaining),
            "X-Rate-Limit-Reset": str(self.reset),
        }
        if self.retry_after is not None:
            out["Retry-After"] = str(self.retry_after)
        return out


class RateLimiter:
    def __init__(
        self,
        clock: Clock,
        hourly_limit: int,
        spike_limit: int,
        hourly_window: float = 3600,
        spike_window: float = 10,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[tuple, tuple[_Window, _Window]] = {}
        self.configure(hourly_limit, spike_limit, hourly_window, spike_window)

    def configure(
        self,
        hourly_limit: int,
        spike_limit: int,
        hourly_window: float = 3600,
        spike_window: float = 10,
    ) -> None:
        """New limits; counters restart."""
        with self._lock:
            self._limits = (hourly_limit, spike_limit, hourly_window, spike_window)
            self._buckets.clear()

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def hit(self, key: tuple) -> Decision:
        """Count one request against `key` unless a window is exhausted (then 429)."""
        return self._decide(key, count=True)

    def peek(self, key: tuple) -> Decision:
        """The current headers for `key` without counting (used for injected 429s)."""
        return self._decide(key, count=False)

    def _decide(self, key: tuple, *, count: bool) -> Decision:
        now = self._clock.now()
        with self._lock:
            windows = self._windows(key, now)
            for w in windows:
                w.roll(now)
            limited = [w for w in windows if w.limit > 0]
            exhausted = [w for w in limited if w.count >= w.limit]
            if exhausted:
                binding = max(exhausted, key=lambda w: w.reset)
                wait = max(1, math.ceil(binding.start + binding.length - now))
                return Decision(False, binding.limit, 0, binding.reset, wait)
            if count:
                for w in windows:
                    w.count += 1
            if not limited:
                hourly = windows[0]
                return Decision(True, UNLIMITED, UNLIMITED - hourly.count, hourly.reset)
            # spike window first so it wins ties
            report = min(reversed(limited), key=lambda w: w.remaining / w.limit)
            return Decision(True, report.limit, report.remaining, report.reset)

    def _windows(self, key: tuple, now: float) -> tuple[_Window, _Window]:
        bucket = self._buckets.get(key)
        if bucket is None:
            hourly_limit, spike_limit, hourly_window, spike_window = self._limits
            bucket = (
                _Window(hourly_limit, hourly_window, now),
                _Window(spike_limit, spike_window, now),
            )
            self._buckets[key] = bucket
        return bucket
