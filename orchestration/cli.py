"""The `tieout` command line: one entry point for the sandbox and the pipeline.

Exit codes: 0 success, 1 failure with a message saying what to fix.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from orchestration import sandbox_commands
from orchestration.control_commands import exceptions_app, mapping_app
from orchestration.home import scenarios_dir, tieout_home
from orchestration.users_commands import users_app
from orchestration.write_commands import write_app

console = Console(stderr=True)

app = typer.Typer(
    name="tieout",
    help=(
        "Keep Procore and Sage 300 CRE tied out.\n\n"
        "Start with `tieout run` (generate a scenario, serve the Procore emulator and the Sage "
        "test company, run the pipeline) or `tieout sandbox --help`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
sandbox_app = typer.Typer(
    help="The embedded sandbox: deterministic scenarios, the Procore API emulator and the "
    "Sage 300 CRE test company.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(mapping_app, name="mapping")
app.add_typer(exceptions_app, name="exceptions")
app.add_typer(write_app, name="write")
app.add_typer(users_app, name="users")

SizeOpt = Annotated[
    str, typer.Option("--size", help="Scenario size: tiny (tests), small (demo), gc60 (scale).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed; same seed → same bytes.")]
PortOpt = Annotated[int, typer.Option("--port", help="Emulator port (0 = pick a free one).")]


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(1)


@sandbox_app.command("generate")
def sandbox_generate(
    out: Annotated[Path, typer.Option("--out", help="Scenario directory to write.")],
    size: SizeOpt = "small",
    seed: SeedOpt = 7,
    plant: Annotated[
        list[str] | None,
        typer.Option(
            "--plant",
            help="Planted discrepancies per exception type, e.g. --plant budget_mismatch=3 "
            "(repeatable; default depends on --size).",
        ),
    ] = None,
    mask: Annotated[
        str | None,
        typer.Option(
            "--mask",
            help="Sage cost-code mask, e.g. xx-xxx, xx-xx-xx or xxx.xx "
            "(default: tiny xx-xxx, larger sizes xx-xx-xx).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing directory.")] = False,
) -> None:
    """Write a deterministic scenario directory (Procore JSON, Sage CSV, answer key)."""
    try:
        plants = sandbox_commands.parse_plants(plant or [])
        summary = sandbox_commands.generate(
            size, seed, out, plants, force=force, console=console, mask=mask
        )
    except sandbox_commands.CommandError as exc:
        _fail(str(exc))
    sandbox_commands.print_generation(summary, out, console)


@sandbox_app.command("serve")
def sandbox_serve(
    scenario: Annotated[Path, typer.Option("--scenario", help="Scenario directory to serve.")],
    port: PortOpt = 8765,
    host: Annotated[str, typer.Option("--host", help="Bind address (loopback).")] = "127.0.0.1",
    hourly_limit: Annotated[
        int | None, typer.Option("--hourly-limit", help="Requests per hour (0 = unlimited).")
    ] = None,
    spike_limit: Annotated[
        int | None, typer.Option("--spike-limit", help="Requests per 10 s (0 = unlimited).")
    ] = None,
    token_lifetime: Annotated[
        int | None, typer.Option("--token-lifetime", help="OAuth token seconds (Procore: 5400).")
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            "--fault",
            help="Fault switch KIND.FIELD=VALUE, e.g. server_errors.rate=0.1, "
            "rate_limit_storm.next_requests=20, schema_drift=direct_costs:grand_total:"
            "number (repeatable; see sandbox/procore/README.md).",
        ),
    ] = None,
) -> None:
    """Materialise the Sage test company and serve the Procore emulator until Ctrl-C."""
    try:
        settings = sandbox_commands.emulator_settings(
            hourly_limit=hourly_limit,
            spike_limit=spike_limit,
            token_lifetime=token_lifetime,
            faults=fault or [],
        )
        sandbox_commands.serve(scenario, host=host, port=port, settings=settings, console=console)
    except sandbox_commands.CommandError as exc:
        _fail(str(exc))


@app.command("sync")
def sync(
    system: Annotated[str, typer.Argument(help="What to extract: procore, sage or all.")] = "all",
    full: Annotated[
        bool, typer.Option("--full", help="Ignore incremental state and reload everything.")
    ] = False,
    project: Annotated[
        list[int] | None,
        typer.Option("--project", help="Only this Procore project id (repeatable)."),
    ] = None,
) -> None:
    """Extract Procore (REST) and/or Sage 300 CRE (ODBC) into the DuckDB warehouse.

    Connection settings come from dlt config: `.dlt/config.toml`, `.dlt/secrets.toml` or
    environment variables such as SOURCES__PROCORE__CLIENT_SECRET and
    SOURCES__SAGE__CONNECTION_STRING.
    """
    from orchestration import sync_commands

    if system not in sync_commands.SYSTEMS:
        _fail(f"unknown system {system!r}: choose procore, sage or all")
    try:
        reports = sync_commands.sync(
            system, home=tieout_home(), full=full, project_ids=project or None, console=console
        )
    except sync_commands.SyncConfigError as exc:
        _fail(str(exc))
    if not all(r.ok for r in reports):
        _fail(
            "some resources failed (see the table above); fix the cause and rerun "
            "`tieout sync` — it resumes from the last good state"
        )


@app.command("build")
def build(
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help="Warehouse to build: duckdb or postgres (default: DBT_TARGET, else duckdb).",
        ),
    ] = None,
    select: Annotated[
        str | None,
        typer.Option(
            "--select",
            "-s",
            help="Only these dbt nodes (dbt selection syntax, e.g. 'stg_sage__jobs+').",
        ),
    ] = None,
    unit_tests: Annotated[
        bool,
        typer.Option(
            "--unit-tests/--no-unit-tests",
            help="Also run dbt's unit tests (each rule's planted and clean case).",
        ),
    ] = False,
) -> None:
    """Run the dbt models and finance's reconciliation checks on the warehouse.

    Snapshots the control store into raw_control first; for --target postgres, copies the
    raw schemas from the DuckDB warehouse into PostgreSQL (PG* variables,
    TIEOUT_PG_DATABASE, default tieout). Exits 1 when any model or error-severity test fails.
    """
    from orchestration import build_commands

    home = tieout_home()
    try:
        chosen = build_commands.check_target(target or build_commands.default_target())
        result = build_commands.build(
            chosen, home=home, select=select, console=console, unit_tests=unit_tests
        )
    except build_commands.BuildError as exc:
        _fail(str(exc))
    build_commands.print_result(result, console)
    if not result.ok:
        _fail(build_commands.failure_message(result, home))


@app.command("run")
def run(
    scenario: Annotated[
        Path | None,
        typer.Option("--scenario", help="Serve this scenario (default: generate one)."),
    ] = None,
    size: SizeOpt = "small",
    seed: SeedOpt = 7,
    port: PortOpt = 0,
    fresh: Annotated[
        bool, typer.Option("--fresh/--reuse", help="Start from an empty TIEOUT_HOME state.")
    ] = True,
) -> None:
    """Serve a scenario, then run every pipeline stage that exists, on TIEOUT_HOME."""
    home = tieout_home()
    try:
        if scenario is None:
            scenario = scenarios_dir(home) / f"{size}-seed{seed}"
            if fresh and scenario.exists():
                shutil.rmtree(scenario)
            if not scenario.exists():
                summary = sandbox_commands.generate(
                    size, seed, scenario, {}, force=True, console=console
                )
                sandbox_commands.print_generation(summary, scenario, console)
        sandbox_commands.run_pipeline(scenario, home=home, port=port, fresh=fresh, console=console)
    except sandbox_commands.CommandError as exc:
        _fail(str(exc))


def main() -> None:  # pragma: no cover - console-script shim
    sys.exit(app())
