"""Request counters behind `GET /_admin/stats` (the control plane is not counted)."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from typing import Any


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_op: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def reset(self) -> None:
        with self._lock:
            self._by_op.clear()

    def record(self, operation: str, status: int) -> None:
        with self._lock:
            self._by_op[operation][str(status)] += 1

    def snapshot(self, faults: Counter[str] | None = None) -> dict[str, Any]:
        """Totals, 429s, counts per operationId, per status and per both; faults fired."""
        with self._lock:
            by_status: Counter[str] = Counter()
            for statuses in self._by_op.values():
                by_status.update(statuses)
            return {
                "total": sum(by_status.values()),
                "rate_limited": by_status.get("429", 0),
                "by_operation": {op: sum(c.values()) for op, c in sorted(self._by_op.items())},
                "by_status": dict(sorted(by_status.items())),
                "by_operation_status": {
                    op: dict(sorted(c.items())) for op, c in sorted(self._by_op.items())
                },
                "faults": dict(sorted((faults or Counter()).items())),
            }
