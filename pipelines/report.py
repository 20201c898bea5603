"""What one sync run did, per resource: the summary `tieout sync` prints and stores.

Both sources return a `SyncReport`; the CLI prints it, exits non-zero when any resource
failed, and the run's figures are stored in the warehouse (`<dataset>._tieout_sync_runs`)
so benchmarks and the Dagster UI can read them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class ResourceResult:
    resource: str
    rows: int = 0  # rows loaded (inserted or merged) this run
    requests: int = 0  # HTTP requests (Procore) or queries (Sage) spent
    seconds: float = 0.0
    status: str = "ok"  # ok | failed | skipped
    mode: str = ""  # incremental | full | snapshot
    error: str = ""  # what failed and what to do, when status == failed
    throttled: int = 0  # 429 responses received
    retries: int = 0


@dataclass
class SyncReport:
    source: str  # "procore" | "sage"
    run_id: str
    started_at: str
    seconds: float = 0.0
    resources: list[ResourceResult] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)  # schema drift and similar findings

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.resources)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.resources)

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.resources)

    def as_rows(self) -> list[dict]:
        """Flat rows for the `_tieout_sync_runs` table."""
        return [
            {
                "source": self.source,
                "run_id": self.run_id,
                "started_at": self.started_at,
                **asdict(r),
            }
            for r in self.resources
        ]


_DLT_TYPES = {"str": "text", "int": "bigint", "float": "double"}


def sync_run_columns(
    result_type: type[ResourceResult] = ResourceResult,
) -> dict[str, dict[str, Any]]:
    """dlt column hints for `as_rows()` output, derived from the result dataclass.

    A fresh dict per call: dlt writes the column name into each hint.
    """
    columns = {"source": "text", "run_id": "text", "started_at": "timestamp"}
    columns |= {
        f.name: _DLT_TYPES[getattr(f.type, "__name__", f.type)] for f in fields(result_type)
    }
    return {name: {"data_type": data_type} for name, data_type in columns.items()}
