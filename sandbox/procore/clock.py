"""The emulator's clock: real time plus an adjustable offset.

Token expiry, rate-limit windows and `updated_at` bumps all read this clock, so a test
can jump past a 90-minute token lifetime or an hourly window without sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


class Clock:
    """Wall-clock time shifted by `offset` seconds; thread-safe."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Seconds since the epoch, emulator time."""
        with self._lock:
            return time.time() + self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> float:
        """Move emulator time forward (or back, if negative); returns the new now()."""
        with self._lock:
            self._offset += seconds
        return self.now()

    def set(self, epoch: float) -> None:
        """Make now() read `epoch` from this moment on."""
        with self._lock:
            self._offset = epoch - time.time()

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0

    def iso(self) -> str:
        return iso(self.now())

    def date(self) -> str:
        return iso(self.now())[:10]


def iso(epoch: float) -> str:
    """Procore's timestamp format: `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds)."""
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
