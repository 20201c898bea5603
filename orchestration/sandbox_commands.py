"""What `tieout sandbox …` and `tieout run` do, kept apart from argument parsing."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from orchestration.home import sage_company_path
from orchestration.progress import progress_bars
from sandbox.scenario import Scenario, ScenarioError, load_scenario

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class CommandError(Exception):
    """A command failed for a reason the user can fix; the message says how."""


def parse_plants(items: list[str]) -> dict[str, int]:
    """`["budget_mismatch=3"]` → `{"budget_mismatch": 3}`, with the valid types checked."""
    from sandbox.generate import EXCEPTION_TYPES

    plants: dict[str, int] = {}
    for item in items:
        name, sep, count = item.partition("=")
        if not sep or not count.strip().isdigit():
            raise CommandError(f"--plant {item!r}: expected TYPE=COUNT, e.g. budget_mismatch=3")
        if name not in EXCEPTION_TYPES:
            raise CommandError(
                f"--plant {item!r}: unknown exception type {name!r}; one of: "
                + ", ".join(sorted(EXCEPTION_TYPES))
            )
        plants[name] = int(count)
    return plants


def generate(
    size: str,
    seed: int,
    out: Path,
    plants: dict[str, int],
    *,
    force: bool,
    console: Console,
    mask: str | None = None,
):
    """Generate a scenario directory with progress shown."""
    from sandbox.generate import SIZES
    from sandbox.generate import generate as run_generator

    if size not in SIZES:
        raise CommandError(f"--size {size!r}: choose one of {', '.join(SIZES)}")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not force:
            raise CommandError(f"{out} exists and is not empty; pass --force to replace it")
        shutil.rmtree(out)
    started = time.perf_counter()
    with progress_bars(console) as progress:
        try:
            summary = run_generator(
                size, seed, out, plant=plants or None, progress=progress, mask=mask
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
    console.print(f"generated [bold]{size}[/] seed {seed} in {time.perf_counter() - started:.1f} s")
    return summary


def print_generation(summary, out: Path, console: Console) -> None:
    console.print(f"scenario: [bold]{Path(out).resolve()}[/]")
    console.print(f"  {summary}")
    console.print(
        f"  serve it with: [bold]tieout sandbox serve --scenario {Path(out)}[/]  (Ctrl-C stops it)"
    )


def _load(scenario_dir: Path) -> Scenario:
    try:
        return load_scenario(scenario_dir)
    except ScenarioError as exc:
        raise CommandError(str(exc)) from exc


def materialise_sage(scenario: Scenario, db_path: Path, console: Console) -> Path:
    """Build the Sage test company from the scenario's CSVs (atomically)."""
    from sandbox.sage.company import materialise
    from sandbox.sage.errors import SageSandboxError

    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with progress_bars(console) as progress:
            info = materialise(scenario, db_path, progress=progress)
    except SageSandboxError as exc:
        raise CommandError(f"Sage test company: {exc}") from exc
    console.print(
        f"Sage test company: {info.total_rows:,} rows in {len(info.row_counts)} "
        f"tables, {info.seconds:.1f} s → {db_path}"
    )
    return db_path


def emulator_settings(
    *,
    hourly_limit: int | None = None,
    spike_limit: int | None = None,
    token_lifetime: int | None = None,
    faults: list[str] = (),
):
    """Emulator settings from CLI options; unset options keep Procore-like defaults."""
    from pydantic import ValidationError

    from sandbox.procore.settings import EmulatorSettings, FaultConfig

    overrides = {
        name: value
        for name, value in (
            ("hourly_limit", hourly_limit),
            ("spike_limit", spike_limit),
            ("token_lifetime", token_lifetime),
        )
        if value is not None
    }
    try:
        return EmulatorSettings(**overrides, faults=FaultConfig.from_specs(faults))
    except (ValueError, ValidationError) as exc:
        raise CommandError(f"emulator settings: {exc}") from exc


@contextmanager
def running_emulator(
    scenario: Scenario, settings, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator:
    """Start the emulator, turning start-up failures into messages that say what to fix."""
    from sandbox.procore.server import EmulatorServer
    from sandbox.procore.store import StoreError

    try:
        server = EmulatorServer(scenario, settings, host=host, port=port)
        server.start()
    except StoreError as exc:
        raise CommandError(
            f"the scenario's Procore data in {scenario.procore_dir} is invalid: {exc}"
        ) from exc
    except OSError as exc:
        raise CommandError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); pass "
            "another --port, or --port 0 to pick a free one"
        ) from exc
    except RuntimeError as exc:
        raise CommandError(str(exc)) from exc
    try:
        yield server
    finally:
        server.stop()


def _print_endpoints(scenario: Scenario, url: str, db_path: Path, console: Console) -> None:
    from sandbox.sage.odbc import connection_string

    table = Table(title=f"sandbox for scenario {scenario.name}", show_header=False)
    table.add_row("Procore API", f"{url}/rest/v1.0/…")
    table.add_row("OAuth token", f"POST {url}/oauth/token (client_credentials)")
    table.add_row("credentials", f"{scenario.root / 'scenario.toml'} [procore]")
    table.add_row("company id", str(scenario.procore.company_id))
    table.add_row("admin/faults", f"{url}/_admin/stats")
    table.add_row("Sage ODBC", connection_string(db_path))
    console.print(table)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def serve(scenario_dir: Path, *, host: str, port: int, settings, console: Console) -> None:
    """Materialise the test company, then serve the emulator in the foreground."""
    if host not in LOOPBACK:
        console.print(
            f"[bold yellow]warning:[/] serving on {host}: the emulator's /_admin "
            "control plane has no authentication; anyone who can reach this "
            "address can change its data and faults"
        )
    scenario = _load(scenario_dir)
    db_path = materialise_sage(scenario, sage_company_path(), console)
    stop = threading.Event()
    # Ctrl-C and SIGTERM only set the event: a KeyboardInterrupt raised at an arbitrary
    # point (while the endpoints print, or inside the server's start) could skip the
    # orderly shutdown and leave the server thread running
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in STOP_SIGNALS}
    try:
        with running_emulator(scenario, settings, host=host, port=port) as server:
            _print_endpoints(scenario, server.url, db_path, console)
            console.print("serving — press [bold]Ctrl-C[/] to stop")
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    console.print("stopped")


def _clear_state(home: Path) -> None:
    """A fresh run starts from an empty warehouse, dlt state, test company and (the default
    SQLite) control store; a control store named by TIEOUT_CONTROL_URL is left alone."""
    from pipelines.warehouse import pipelines_dir, warehouse_path

    paths = [warehouse_path(home), sage_company_path(home)]
    if not os.environ.get("TIEOUT_CONTROL_URL"):
        paths.append(home / "control.sqlite")
    for path in paths:
        for leftover in path.parent.glob(path.name + "*"):  # the file, its WAL, -shm, .lock
            leftover.unlink(missing_ok=True)
    shutil.rmtree(pipelines_dir(home), ignore_errors=True)


def run_pipeline(
    scenario_dir: Path, *, home: Path, port: int, fresh: bool, console: Console
) -> None:
    """Serve the scenario and run every pipeline stage that exists against it."""
    from orchestration import sync_commands
    from orchestration.smoke import smoke_check
    from sandbox.sage.odbc import connection_string

    scenario = _load(scenario_dir)
    if fresh:
        _clear_state(home)
    db_path = sage_company_path(home)
    materialise_sage(scenario, db_path, console)
    with running_emulator(scenario, emulator_settings(), port=port) as server:
        _print_endpoints(scenario, server.url, db_path, console)
        report = smoke_check(scenario, server.url, db_path)
        console.print(report.table())
        if not report.ok:
            raise CommandError("the sandbox smoke check failed: " + "; ".join(report.failures))
        reports = sync_commands.sync(
            "all",
            home=home,
            full=False,
            project_ids=None,
            console=console,
            procore_overrides=sync_commands.emulator_procore_settings(scenario, server.url),
            sage_connection_string=connection_string(db_path),
        )
    failed = [r.source for r in reports if not r.ok]
    if failed:
        raise CommandError(f"sync failed for {', '.join(failed)} (see the tables above)")
    seed_control_store(scenario, home, console)
    build_warehouse(home, console)
    propose_writes(home, console)
    from pipelines.warehouse import warehouse_path

    console.print(f"warehouse: [bold]{warehouse_path(home)}[/]; state is under [bold]{home}[/]")


def seed_control_store(scenario: Scenario, home: Path, console: Console) -> None:
    """Load the scenario's starting mappings (`control/*.csv`) into the control store.

    Seeding never overwrites a controller's change (the store keeps its value and reports
    a conflict), so rerunning `tieout run --reuse` is safe.
    """
    control_dir = scenario.root / "control"
    if not control_dir.is_dir():
        console.print(f"no {control_dir.name}/ in the scenario: the control store starts empty")
        return
    try:
        from writers.control import ControlStore, ControlStoreError
    except ModuleNotFoundError as exc:
        if exc.name != "writers.control":
            raise
        console.print("[yellow]control store not installed: mappings not seeded[/]")
        return
    try:
        with ControlStore.open(home=home) as store:
            report = store.seed_from_scenario(control_dir, actor="tieout run")
            where = store.url
    except ControlStoreError as exc:
        raise CommandError(f"seeding the control store: {exc}") from exc
    console.print(
        f"control store {where}: {report.inserted} mapping row(s) seeded from {control_dir}"
        + (f", {len(report.conflicts)} kept as the store has them" if report.conflicts else "")
    )


def build_warehouse(home: Path, console: Console) -> None:
    """`tieout build` on the DuckDB warehouse: control snapshot, dbt models and checks."""
    from orchestration import build_commands

    try:
        result = build_commands.build("duckdb", home=home, console=console)
    except build_commands.BuildError as exc:
        raise CommandError(str(exc)) from exc
    build_commands.print_result(result, console)
    if not result.ok:
        raise CommandError(build_commands.failure_message(result, home))


def propose_writes(home: Path, console: Console) -> None:
    """The writer's plan in the company's mode (supervised by default: batches are proposed
    for a controller's approval and nothing is written; `tieout write` sends approved ones)."""
    from orchestration import write_commands
    from pipelines.warehouse import warehouse_path
    from writers.control import ControlStore, ControlStoreError
    from writers.outbox import WarehouseError
    from writers.writer import plan

    try:
        with ControlStore.open(home=home) as store:
            result = plan(warehouse_path(home), store, actor="tieout run")
    except (ControlStoreError, WarehouseError) as exc:
        raise CommandError(f"planning the writes: {exc}") from exc
    console.print(f"[bold]writer[/] ({result.mode} mode)")
    write_commands.print_plan(result)
