"""Helpers for the Procore source tests: run a sync against an emulator, read the
warehouse back, and work out from the scenario files what it must hold."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import httpx

from pipelines.procore import run_procore_sync
from pipelines.procore.settings import FAMILIES, TABLES, ProcoreSettings
from pipelines.report import SyncReport
from sandbox.procore.resources import RESOURCE_SCOPE, SCOPE_PARENT
from sandbox.procore.server import EmulatorServer
from sandbox.scenario import Scenario

DATASET = "raw_procore"
SKIP_COLUMNS = {"_dlt_load_id", "_dlt_id", "_dlt_root_id", "_dlt_parent_id", "_dlt_list_idx"}
# lists tieout reads from every project (filtered by updated_at) on every run
FILTERED_OPERATIONS = (
    "RestV10WorkOrderContractsGet",
    "RestV10PurchaseOrderContractsGet",
    "RestV10ProjectsProjectIdCommitmentChangeOrdersGet",
    "RestV10PrimeContractsGet",
    "RestV10ProjectsProjectIdPrimeChangeOrdersGet",
    "RestV10ChangeEventsGet",
    "RestV11RequisitionsGet",
    "RestV10ProjectsProjectIdBillingPeriodsGet",
    "RestV10ProjectsProjectIdDirectCostsGet",
)
FULL_PULL_OPERATIONS = (
    "RestV10CostCodesGet",
    "RestV10SubJobsGet",
    "RestV10BudgetViewsGet",
    "RestV10PaymentApplicationsGet",
)


def sync(
    srv: EmulatorServer,
    scenario: Scenario,
    home: Path,
    *,
    real_clock: bool = False,
    settings: ProcoreSettings | None = None,
    **kwargs: Any,
) -> SyncReport:
    """One sync of `scenario` served by `srv` into `home`.

    By default the sync runs on the emulator's clock and "sleeps" by advancing it, so
    rate-limit waits, Retry-After and backoff cost no real time.
    """
    clock = srv.state.clock
    extra: dict[str, Any] = {} if real_clock else {"clock": clock.now, "sleep": clock.advance}
    extra.update(kwargs)
    return run_procore_sync(
        home=home,
        base_url=srv.url,
        client_id=scenario.procore.client_id,
        client_secret=scenario.procore.client_secret,
        company_id=scenario.procore.company_id,
        settings=settings or ProcoreSettings(),
        **extra,
    )


def stats(srv: EmulatorServer, *, reset: bool = True) -> dict:
    """The emulator's request counters (then zeroed, so each sync is counted alone)."""
    data = httpx.get(f"{srv.url}/_admin/stats", timeout=10).json()
    if reset:
        httpx.post(f"{srv.url}/_admin/stats/reset", timeout=10).raise_for_status()
    return data


@contextmanager
def warehouse(home: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        yield con
    finally:
        con.close()


def tables(home: Path) -> list[str]:
    with warehouse(home) as con:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1",
            [DATASET],
        ).fetchall()
    return [r[0] for r in rows]


def query(home: Path, sql: str, params: list | None = None) -> list[tuple]:
    with warehouse(home) as con:
        return con.execute(sql, params or []).fetchall()


def counts(home: Path, *, live_only: bool = True) -> dict[str, int]:
    """Rows per Procore table (soft-deleted rows left out unless `live_only=False`)."""
    out: dict[str, int] = {}
    with warehouse(home) as con:
        for name in TABLES:
            columns = {r[0] for r in con.execute(f"DESCRIBE {DATASET}.{name}").fetchall()}
            where = " WHERE deleted_at IS NULL" if live_only and "deleted_at" in columns else ""
            sql = f"SELECT count(*) FROM {DATASET}.{name}{where}"
            out[name] = con.execute(sql).fetchall()[0][0]
    return out


def snapshot(home: Path) -> dict[str, list[tuple]]:
    """Every Procore table's rows (dlt bookkeeping columns left out), sorted: two
    warehouses with equal snapshots hold the same data."""
    out: dict[str, list[tuple]] = {}
    with warehouse(home) as con:
        for name in tables(home):
            if name.startswith("_"):
                continue
            columns = [
                r[0]
                for r in con.execute(f'DESCRIBE {DATASET}."{name}"').fetchall()
                if r[0] not in SKIP_COLUMNS
            ]
            select = ", ".join(f'"{c}"' for c in sorted(columns))
            rows = con.execute(f'SELECT {select} FROM {DATASET}."{name}"').fetchall()
            out[name] = sorted(rows, key=repr)
    return out


def duplicate_keys(home: Path) -> dict[str, int]:
    """Primary keys held more than once, per table (must be none)."""
    out = {}
    with warehouse(home) as con:
        for name, table in TABLES.items():
            key = table.primary_key
            dupes = con.execute(
                f'SELECT count(*) FROM (SELECT "{key}" FROM {DATASET}.{name} GROUP BY 1 '
                "HAVING count(*) > 1)"
            ).fetchall()[0][0]
            if dupes:
                out[name] = dupes
    return out


def drift_rows(home: Path) -> list[tuple]:
    return query(
        home,
        f"SELECT DISTINCT resource, record_id, field, expected, found FROM "
        f"{DATASET}._tieout_schema_drift ORDER BY 1, 2, 3",
    )


def planted_drift(scenario: Scenario) -> set[str]:
    """Procore ids the scenario's answer key says the sync must flag as schema drift."""
    with scenario.expected_exceptions.open() as f:
        return {
            row["procore_id"]
            for row in csv.DictReader(f)
            if row["exception_type"] == "schema_drift" and row["detected_by"] == "sync"
        }


def load_records(scenario: Scenario) -> dict[str, list[dict]]:
    return {
        name: json.loads((scenario.procore_dir / f"{name}.json").read_text()) for name in TABLES
    }


def expected_counts(records: dict[str, list[dict]], drifted: set[str]) -> dict[str, int]:
    """Live records per table that a sync can reach: not soft-deleted, parent not deleted,
    and not (the child of) a record held back for schema drift."""
    gone: dict[str, set[str]] = {}
    for name, rows in records.items():
        gone[name] = {
            str(r["id"]) for r in rows if r.get("deleted_at") or str(r.get("id")) in drifted
        }
    out: Counter[str] = Counter()
    for name, rows in records.items():
        for row in rows:
            if str(row.get("id")) in gone[name]:
                continue
            scope = row.get("_scope") or {}
            parents = [
                (SCOPE_PARENT[k], str(scope[k]))
                for k in RESOURCE_SCOPE[name]
                if k in SCOPE_PARENT and k != "project_id"
            ]
            if any(pid in gone.get(parent, set()) for parent, pid in parents):
                continue
            out[name] += 1
    return {name: out[name] for name in TABLES}


def first_sync_requests(records: dict[str, list[dict]], drifted: set[str]) -> dict[str, int]:
    """Requests per operation of a first sync: derived from the data, not hard-coded."""
    live = expected_counts(records, drifted)
    projects = [p for p in records["projects"] if p.get("active", True)]
    n = len(projects)
    ops: Counter[str] = Counter(
        {
            "OauthTokenPost": 1,
            "RestV10ProjectsGet": 1,
            "RestV10VendorsGet": 1,
            "RestV10LineItemTypesGet": 1,
        }
    )
    for op in (*FILTERED_OPERATIONS, *FULL_PULL_OPERATIONS):
        ops[op] = n
    ops["RestV10BudgetViewsBudgetViewIdDetailRowsGet"] = live["budget_views"]
    for family in FAMILIES:
        for child in family.children:
            if child.embedded or child.batch is not None:
                continue
            assert child.endpoint is not None
            ops[child.endpoint.operation_id] = (
                live[family.name] if family.name != "budget_views" else live["budget_views"]
            )
    # direct cost lines: one project-wide list where >1 direct cost changed, else per cost
    batch = per_cost = 0
    for project in projects:
        costs = [
            c
            for c in records["direct_costs"]
            if c["_scope"]["project_id"] == project["id"]
            and not c.get("deleted_at")
            and str(c["id"]) not in drifted
        ]
        if len(costs) > 1:
            batch += 1
        else:
            per_cost += len(costs)
    ops["RestV10ProjectsProjectIdDirectCostsLineItemsGet"] = batch
    ops["RestV10ProjectsProjectIdDirectCostsDirectCostIdLineItemsGet"] = per_cost
    return {op: c for op, c in sorted(ops.items()) if c}


def no_change_requests(n_projects: int) -> dict[str, int]:
    """A second sync with nothing changed: the token, the project list, one page of every
    updated_at-filtered list (company vendors + nine per project), nothing else."""
    ops = {"OauthTokenPost": 1, "RestV10ProjectsGet": 1, "RestV10VendorsGet": 1}
    ops.update({op: n_projects for op in FILTERED_OPERATIONS})
    return dict(sorted(ops.items()))
