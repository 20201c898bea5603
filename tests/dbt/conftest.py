"""Warehouses for the dbt tests: a generated scenario served for real (emulator over
HTTP, test company over ODBC), synced by the real pipelines, the control store seeded
from the scenario's control/ files, then built with `tieout build`'s own code."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

Row = tuple[str, str, str]  # (exception_type, procore_id, sage_key)


@dataclass(frozen=True)
class BuiltScenario:
    scenario_dir: Path
    home: Path

    @property
    def warehouse(self) -> Path:
        from pipelines.warehouse import warehouse_path

        return warehouse_path(self.home)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def expected(self, detected_by: tuple[str, ...] = ("build", "sync")) -> set[Row]:
        """The answer key rows a build can find (write-time rejections come later)."""
        with (self.scenario_dir / "expected" / "exceptions.csv").open(newline="") as fh:
            return {
                (r["exception_type"], r["procore_id"], r["sage_key"])
                for r in csv.DictReader(fh)
                if r["detected_by"] in detected_by
            }


def quiet_console() -> Console:
    return Console(quiet=True, width=120)


def sync_scenario(scenario_dir: Path, home: Path) -> None:
    """Materialise the test company, serve the emulator, sync both systems into `home`."""
    from orchestration import sync_commands
    from sandbox.procore.server import EmulatorServer
    from sandbox.procore.settings import EmulatorSettings
    from sandbox.sage.company import materialise
    from sandbox.sage.odbc import connection_string
    from sandbox.scenario import load_scenario

    scenario = load_scenario(scenario_dir)
    db = home / "sage" / "company.sqlite"
    db.parent.mkdir(parents=True, exist_ok=True)
    materialise(scenario, db)
    with EmulatorServer(scenario, EmulatorSettings(), port=0) as server:
        reports = sync_commands.sync(
            "all",
            home=home,
            full=False,
            project_ids=None,
            console=quiet_console(),
            procore_overrides=sync_commands.emulator_procore_settings(scenario, server.url),
            sage_connection_string=connection_string(db),
        )
    failed = [r.source for r in reports if not r.ok]
    assert not failed, f"sync failed for {failed}"


def seed_control(scenario_dir: Path, home: Path) -> None:
    from writers.control import ControlStore

    store = ControlStore.open(home=home)
    try:
        store.seed_from_scenario(scenario_dir / "control", actor="test")
    finally:
        store.close()


def build(
    home: Path, target: str = "duckdb", select: str | None = None, *, unit_tests: bool = False
):
    from orchestration.build_commands import build as run_build

    result = run_build(
        target, home=home, select=select, console=quiet_console(), unit_tests=unit_tests
    )
    failed = [(o.name, o.message) for o in result.failed]
    assert result.ok, f"dbt build failed: {failed}"
    return result


def prepare(scenario_dir: Path, home: Path, *, unit_tests: bool = False) -> BuiltScenario:
    home.mkdir(parents=True, exist_ok=True)
    sync_scenario(scenario_dir, home)
    seed_control(scenario_dir, home)
    build(home, unit_tests=unit_tests)
    return BuiltScenario(scenario_dir, home)


@pytest.fixture(scope="session")
def dotted_built(tmp_path_factory: pytest.TempPathFactory) -> BuiltScenario:
    """Another seed, a dot-separated 2-section mask (xxx.xx) and two of every plant."""
    from sandbox.generate import EXCEPTION_TYPES, generate

    out = tmp_path_factory.mktemp("dotted") / "scenario"
    generate("tiny", 23, out, mask="xxx.xx", plant={t: 2 for t in EXCEPTION_TYPES})
    return prepare(out, tmp_path_factory.mktemp("dotted_built"))
