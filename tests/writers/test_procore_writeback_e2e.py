"""Procore write-back end to end on the built tiny scenario: marts.outbound_procore_* →
outbox → approval → ProcoreConnector → the emulator (over HTTP); `tieout write` routes
Procore types to Procore and survives a kill -9 after submit without writing twice; the
next Procore sync reads the written origin_ids and the rebuilt marts offer nothing more."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from pipelines.procore.settings import ProcoreSettings
from sandbox.procore.server import EmulatorServer
from sandbox.procore.settings import EmulatorSettings
from sandbox.scenario import load_scenario
from writers.connectors.procore import ProcoreConnector
from writers.connectors.records import PROCORE_TYPES
from writers.control import ControlStore
from writers.control.outbox_store import WriterStore
from writers.outbox import decode_record

ROOT = Path(__file__).parents[2]
LINK_TYPES = ["procore_vendors", "procore_commitment_links"]
ALL_TYPES = [*LINK_TYPES, "procore_direct_costs", "procore_cost_to_complete"]
FORECAST_POST = "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsPost"
pytestmark = pytest.mark.slow


@pytest.fixture
def emulator(writer_built) -> Iterator[EmulatorServer]:
    """A private emulator on the tiny scenario (writes must not leak into shared ones)."""
    scenario = load_scenario(writer_built.scenario_dir)
    with EmulatorServer(scenario, EmulatorSettings(), port=0) as server:
        yield server


def _overrides(writer_built, server: EmulatorServer) -> dict:
    from orchestration.sync_commands import emulator_procore_settings

    return emulator_procore_settings(load_scenario(writer_built.scenario_dir), server.url)


def _mart_keys(home: Path, table: str) -> set[str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        return {
            r[0]
            for r in con.execute(
                f"select sage_key from marts.{table} where not is_blocked"
            ).fetchall()
        }


def _mart_count(home: Path, table: str) -> int:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        row = con.execute(f"select count(*) from marts.{table} where not is_blocked").fetchone()
    return int(row[0]) if row else 0


def _linked(server: EmulatorServer, resource: str, origins: set[str]) -> dict[str, int]:
    counts = dict.fromkeys(origins, 0)
    for record in server.state.store.query(resource):
        if record.get("origin_id") in counts and not record.get("deleted_at"):
            counts[record["origin_id"]] += 1
    return counts


def test_plan_approve_send_then_the_next_sync_sees_the_links(
    writer_built, writer_home: Path, emulator: EmulatorServer
) -> None:
    from orchestration import sync_commands
    from tests.dbt.conftest import quiet_console
    from writers.writer import approve_batch, plan, send

    vendors = _mart_keys(writer_home, "outbound_procore_vendors")
    links = _mart_keys(writer_home, "outbound_procore_commitment_links")
    costs = _mart_keys(writer_home, "outbound_procore_direct_costs")
    forecasts = _mart_count(writer_home, "outbound_procore_cost_to_complete")
    assert vendors and links and costs and forecasts, "the tiny scenario offers every type"
    with ControlStore.open(home=writer_home) as store:
        ws = WriterStore(store)
        result = plan(writer_home / "warehouse.duckdb", store, object_types=ALL_TYPES)
        for object_type in ALL_TYPES:
            approve_batch(store, result.types[object_type].proposed_batch, actor="carla")

        def resolve(keys):
            rows = ws.outbox()
            return {
                r["idempotency_key"]: decode_record(r) for r in rows if r["idempotency_key"] in keys
            }

        connector = ProcoreConnector.from_settings(
            _overrides(writer_built, emulator), resolve=resolve, settings=ProcoreSettings()
        )
        report = send(store, connector, object_types=ALL_TYPES)
        assert report.ok and report.rejected == []
        assert len(report.written) == len(vendors) + len(links) + len(costs) + forecasts
        assert {r["status"] for r in ws.outbox()} == {"written"}
        # a second send finds nothing to do and writes nothing
        again = send(store, connector, object_types=ALL_TYPES)
        assert again.written == []
    calls = httpx.get(f"{emulator.url}/_admin/stats").json()["by_operation"]
    # requests spent: one vendor list + one vendor sync for the whole batch; per project
    # one commitment list + one sync per commitment kind, one direct cost list + one sync
    assert calls["RestV10VendorsSyncPatch"] == 1 and calls["RestV10VendorsGet"] == 1
    assert calls.get("RestV10ProjectsProjectIdDirectCostsSyncPatch", 0) <= 3
    assert 1 <= calls.get(FORECAST_POST, 0) <= 3  # one POST per project (≤ 100 rows each)
    assert _linked(emulator, "vendors", vendors) == dict.fromkeys(vendors, 1)
    woc = _linked(emulator, "work_order_contracts", links)
    poc = _linked(emulator, "purchase_order_contracts", links)
    assert {k: woc[k] + poc[k] for k in links} == dict.fromkeys(links, 1)
    assert _linked(emulator, "direct_costs", costs) == dict.fromkeys(costs, 1)

    # the next Procore sync reads the origin_ids; the rebuilt marts offer nothing more
    # (full: the budget, where the forecasts are, is read on its own cadence otherwise)
    reports = sync_commands.sync(
        "procore",
        home=writer_home,
        full=True,
        project_ids=None,
        console=quiet_console(),
        procore_overrides=_overrides(writer_built, emulator),
    )
    assert all(r.ok for r in reports)
    with duckdb.connect(str(writer_home / "warehouse.duckdb"), read_only=True) as con:
        raw = {r[0] for r in con.execute("select origin_id from raw_procore.vendors").fetchall()}
    assert vendors <= raw
    with duckdb.connect(str(writer_home / "warehouse.duckdb"), read_only=True) as con:
        synced = con.execute("select origin_id from raw_procore.direct_costs").fetchall()
    assert costs <= {r[0] for r in synced}
    from orchestration.build_commands import build as run_build

    result = run_build(
        "duckdb",
        home=writer_home,
        select="+outbound_procore_vendors +outbound_procore_commitment_links "
        "+outbound_procore_direct_costs +outbound_procore_direct_cost_lines "
        "+outbound_procore_cost_to_complete +write_confirmations",
        console=quiet_console(),
    )
    assert result.ok, [(o.name, o.message) for o in result.failed]
    for table in ("vendors", "commitment_links", "direct_costs", "cost_to_complete"):
        assert _mart_keys(writer_home, f"outbound_procore_{table}") == set(), table
    # read-back: the sync after the write shows every ERP link it set
    with duckdb.connect(str(writer_home / "warehouse.duckdb"), read_only=True) as con:
        statuses = con.execute(
            "select object_type, status, count(*) from marts.write_confirmations "
            "where target_system = 'Procore' group by all"
        ).fetchall()
    assert {s for _, s, _ in statuses} == {"confirmed"}, statuses
    assert {t for t, _, _ in statuses} == set(ALL_TYPES), statuses


def _tieout(home: Path, env_extra: dict, *args: str, crash_at: str | None = None):
    env = {**os.environ, "TIEOUT_HOME": str(home), "TIEOUT_ACTOR": "carla", **env_extra}
    env.pop("TIEOUT_CONTROL_URL", None)
    env.pop("TIEOUT_WRITER_CRASH_AT", None)
    if crash_at:
        env["TIEOUT_WRITER_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-m", "orchestration", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_tieout_write_routes_procore_types_and_a_kill_after_submit_writes_once(
    writer_built, writer_home: Path, emulator: EmulatorServer
) -> None:
    env = {
        f"SOURCES__PROCORE__{k.upper()}": str(v)
        for k, v in _overrides(writer_built, emulator).items()
    }
    vendors = _mart_keys(writer_home, "outbound_procore_vendors")
    first = _tieout(writer_home, env, "write")
    assert first.returncode == 0, first.stderr
    with ControlStore.open(home=writer_home) as store:
        ws = WriterStore(store)
        proposed = {b["object_type"]: b["id"] for b in ws.batches(status="proposed")}
        assert set(PROCORE_TYPES) - {"procore_direct_costs"} <= set(proposed)
        for object_type in ("procore_vendors", "procore_commitment_links"):
            ws.approve_batch(proposed[object_type], actor="carla")
    args = (
        "write",
        "--object-type",
        "procore_vendors",
        "--object-type",
        "procore_commitment_links",
    )
    killed = _tieout(writer_home, env, *args, crash_at="after_submit")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    rerun = _tieout(writer_home, env, *args)
    assert rerun.returncode == 0, rerun.stderr
    with ControlStore.open(home=writer_home) as store:
        ws = WriterStore(store)
        status = {r["idempotency_key"]: r["status"] for r in ws.outbox()}
        procore_rows = [r for r in ws.outbox() if r["object_type"] in LINK_TYPES]
    assert procore_rows and all(status[r["idempotency_key"]] == "written" for r in procore_rows)
    assert _linked(emulator, "vendors", vendors) == dict.fromkeys(vendors, 1)  # no duplicates
    assert "recovered after a stop" in rerun.stderr
