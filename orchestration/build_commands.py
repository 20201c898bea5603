"""What `tieout build` does: snapshot the control store, (for PostgreSQL) copy the raw
schemas over, run `dbt build`, and show finance which reconciliation checks warned or failed.

dbt runs in this process (`dbtRunner`), so progress comes from dbt's own events and the
results are dbt's `RunResult`s, not parsed log text. The warehouse dbt writes is the one
`tieout sync` filled: TIEOUT_HOME (or TIEOUT_WAREHOUSE) is passed to the dbt profile.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestration.progress import progress_bars
from pipelines.report import SyncReport

if TYPE_CHECKING:
    from pipelines.replicate import ReplicationReport

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
PROFILES_DIR = REPO_ROOT  # profiles.yml lives at the repository root
TARGETS = ("duckdb", "postgres")
# One dbt project, two warehouses: separate artifacts, so a PostgreSQL build never
# overwrites the manifest Dagster loads from `target/`.
TARGET_PATHS = {"duckdb": "target", "postgres": "target_pg"}
FAILED = ("error", "fail")  # a node that errored, or a test of severity error that failed
# how a dbt status reads in the summary (models say success, tests pass)
STATUS_COLUMNS = {
    "success": "pass",
    "pass": "pass",
    "warn": "warn",
    "fail": "fail",
    "error": "error",
    "skipped": "skip",
}
KINDS = {
    "model": "models",
    "test": "tests",
    "unit_test": "unit tests",
    "seed": "seeds",
    "snapshot": "snapshots",
}


class BuildError(Exception):
    """The build cannot run or did not succeed; the message says what to fix."""


@dataclass
class NodeOutcome:
    unique_id: str
    name: str
    resource_type: str  # model | test | unit_test | seed | snapshot
    status: str  # success | pass | warn | fail | error | skipped
    failures: int | None = None  # rows a data test returned
    message: str = ""
    relation: str | None = None  # where a test with store_failures keeps its rows
    attached_to: str | None = None  # the model (or source) a data test checks
    seconds: float = 0.0


@dataclass
class BuildResult:
    target: str
    select: str | None = None
    outcomes: list[NodeOutcome] = field(default_factory=list)
    seconds: float = 0.0
    control: SyncReport | None = None  # None when the control store is not installed
    replication: ReplicationReport | None = None  # the raw copy (postgres target only)

    @property
    def failed(self) -> list[NodeOutcome]:
        return [o for o in self.outcomes if o.status in FAILED]

    @property
    def skipped(self) -> list[NodeOutcome]:
        return [o for o in self.outcomes if o.status == "skipped"]

    @property
    def flagged_tests(self) -> list[NodeOutcome]:
        """Data and unit tests that warned or failed: finance's findings, worst first."""
        tests = [
            o
            for o in self.outcomes
            if o.resource_type in ("test", "unit_test") and o.status in ("warn", *FAILED)
        ]
        return sorted(tests, key=lambda o: (o.status == "warn", -(o.failures or 0), o.name))

    @property
    def ok(self) -> bool:
        return not self.failed


def default_target() -> str:
    """`--target` default: DBT_TARGET (as profiles.yml reads it), else duckdb."""
    return os.environ.get("DBT_TARGET") or "duckdb"


def check_target(target: str) -> str:
    if target not in TARGETS:
        raise BuildError(f"unknown target {target!r}: choose {' or '.join(TARGETS)}")
    return target


@contextmanager
def dbt_environment(home: Path) -> Iterator[None]:
    """The environment dbt and profiles.yml read, for a dbt run; restored after.

    TIEOUT_HOME is made absolute so the duckdb target opens the warehouse `tieout sync`
    wrote whatever the working directory. A partial build (`--select`, a Dagster subset)
    runs a test only when every model it reads is built or upstream (`buildable`), not
    dbt's default `eager`, which also runs tests of unselected models that may not exist
    yet; DBT_INDIRECT_SELECTION set by the user wins.
    """
    wanted = {
        "TIEOUT_HOME": str(Path(home).resolve()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_INDIRECT_SELECTION": os.environ.get("DBT_INDIRECT_SELECTION") or "buildable",
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def dbt_args(
    command: str,
    target: str,
    *,
    home: Path,
    select: str | None = None,
    project_dir: Path = DBT_PROJECT_DIR,
    unit_tests: bool = True,
) -> list[str]:
    args = [
        command,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(PROFILES_DIR),
        "--target",
        target,
        "--target-path",
        TARGET_PATHS[target],
        "--log-path",
        str(Path(home) / "logs"),
        "--log-level",
        "none",  # the console shows our progress and tables; the full log is in the file
    ]
    if select:
        args += ["--select", *select.split()]
    if not unit_tests:
        # dbt's advice: unit tests belong to development and CI, not every scheduled build
        args += ["--exclude-resource-type", "unit_test"]
    return args


def snapshot_control(home: Path, console: Console) -> SyncReport | None:
    """Copy the control store into `raw_control`; None (with a note) when not installed."""
    try:
        from pipelines.control import run_control_sync
    except ModuleNotFoundError as exc:
        if exc.name not in ("pipelines.control", "writers.control"):
            raise
        console.print("[yellow]control store not installed: raw_control left as it is[/]")
        return None
    from orchestration.sync_commands import summary_table

    console.print("[bold]snapshot control store[/]")
    report = run_control_sync(home)
    console.print(summary_table(report))
    if not report.ok:
        errors = sorted({r.error for r in report.resources if r.error})
        raise BuildError(
            "the control store snapshot failed: "
            + "; ".join(errors)
            + "; fix it and rerun `tieout build` (raw_control keeps the previous snapshot)"
        )
    return report


def replicate(home: Path, console: Console) -> ReplicationReport:
    """Copy raw_procore, raw_sage and raw_control into the PostgreSQL warehouse."""
    from pipelines.replicate import PgSettings, ReplicationError, replicate_raw

    try:
        settings = PgSettings.from_env()
        console.print(f"[bold]copy raw schemas → PostgreSQL[/] {escape(settings.describe())}")
        with progress_bars(console) as progress:
            report = replicate_raw(home, settings=settings, progress=progress)
    except ReplicationError as exc:
        raise BuildError(str(exc)) from exc
    created = " (database created)" if report.created_database else ""
    console.print(
        f"copied {len(report.tables)} tables, {report.rows:,} rows in {report.seconds:.1f} s"
        f"{created}"
    )
    for dataset in report.missing_datasets:
        console.print(f"[yellow]{dataset} is not in the DuckDB warehouse: nothing copied[/]")
    return report


def _node_outcome(result) -> NodeOutcome:
    node = result.node
    # a data test names its model; a unit test names it as a run node or as a definition
    attached = getattr(node, "attached_node", None) or getattr(node, "tested_node_unique_id", None)
    if attached is None and getattr(node, "model", None):
        attached = f"model.{node.package_name}.{node.model}"
    return NodeOutcome(
        unique_id=node.unique_id,
        name=node.name,
        resource_type=str(node.resource_type),
        status=str(result.status),
        failures=result.failures,
        message=(result.message or "").strip(),
        relation=getattr(node, "relation_name", None),
        attached_to=attached.split(".")[-1] if attached else None,
        seconds=round(result.execution_time or 0.0, 3),
    )


def run_dbt(
    target: str,
    *,
    home: Path,
    select: str | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
    project_dir: Path = DBT_PROJECT_DIR,
    unit_tests: bool = True,
) -> list[NodeOutcome]:
    """`dbt build` in this process; one outcome per node. Raises `BuildError` when dbt
    itself cannot run (profile, parse or compilation errors), not for failing nodes."""
    from dbt.cli.main import dbtRunner

    done = 0
    total: int | None = None

    def on_event(event) -> None:
        nonlocal done, total
        name = event.info.name
        if name == "LogStartLine" and total is None:
            total = int(event.data.total) or None
        elif name == "NodeFinished":
            done += 1
        else:
            return
        if progress:
            progress("dbt build", done, total)

    args = dbt_args(
        "build", target, home=home, select=select, project_dir=project_dir, unit_tests=unit_tests
    )
    with dbt_environment(home):
        result = dbtRunner(callbacks=[on_event]).invoke(args)
    outcomes = [_node_outcome(r) for r in getattr(result.result, "results", None) or ()]
    if result.exception is not None or (not result.success and not outcomes):
        raise BuildError(_dbt_error(result.exception, home))
    return outcomes


def _dbt_error(exc: BaseException | None, home: Path) -> str:
    text = " ".join(str(exc or "dbt build failed").split())
    hint = f"see {Path(home) / 'logs' / 'dbt.log'}"
    if "Could not set lock" in text:
        hint = "another process (a sync, Dagster) is using the warehouse; wait for it, then rerun"
    return f"dbt could not run: {text} ({hint})"


def build(
    target: str,
    *,
    home: Path,
    select: str | None = None,
    console: Console,
    project_dir: Path = DBT_PROJECT_DIR,
    unit_tests: bool = False,
) -> BuildResult:
    """The whole of `tieout build`: control snapshot, copy (postgres), dbt build.

    dbt's unit tests (every rule's planted and clean case) run when `unit_tests` is set
    (`tieout build --unit-tests`, and the test suite); scheduled builds skip them."""
    from pipelines.warehouse import warehouse_path

    check_target(target)
    started = time.perf_counter()
    warehouse = warehouse_path(home)
    if not warehouse.is_file():
        raise BuildError(
            f"no warehouse at {warehouse}: run `tieout sync` (or `tieout run`) first, or point "
            "TIEOUT_HOME / TIEOUT_WAREHOUSE at an existing one"
        )
    result = BuildResult(target=target, select=select)
    result.control = snapshot_control(home, console)
    if target == "postgres":
        result.replication = replicate(home, console)
    console.print(f"[bold]dbt build[/] on {target}" + (f" --select {select}" if select else ""))
    with progress_bars(console) as progress:
        result.outcomes = run_dbt(
            target,
            home=home,
            select=select,
            progress=progress,
            project_dir=project_dir,
            unit_tests=unit_tests,
        )
    result.seconds = round(time.perf_counter() - started, 1)
    if not result.outcomes:
        if select:
            raise BuildError(
                f"--select {select!r} matched no models, tests or seeds; check the names "
                "(dbt selection syntax, e.g. `stg_sage__jobs+` or `marts.recon_commitments`)"
            )
        console.print("[yellow]the dbt project has no models yet: nothing was built[/]")
    return result


def summary_table(result: BuildResult) -> Table:
    """Nodes per kind and outcome."""
    counts: dict[str, Counter[str]] = {}
    for o in result.outcomes:
        kind = KINDS.get(o.resource_type, o.resource_type)
        counts.setdefault(kind, Counter())[STATUS_COLUMNS.get(o.status, o.status)] += 1
    columns = ("pass", "warn", "fail", "error", "skip")
    table = Table(title=f"dbt build on {result.target}")
    table.add_column("")
    for column in (*columns, "total"):
        table.add_column(column, justify="right")
    style = {"warn": "yellow", "fail": "red", "error": "red", "skip": "yellow"}
    order = [k for k in KINDS.values() if k in counts] + sorted(set(counts) - set(KINDS.values()))
    for kind in order:
        cells = []
        for column in columns:
            n = counts[kind][column]
            cells.append(f"[{style[column]}]{n}[/]" if n and column in style else str(n))
        table.add_row(kind, *cells, str(sum(counts[kind].values())))
    table.caption = f"{len(result.outcomes)} nodes in {result.seconds:.1f} s"
    return table


def findings_table(result: BuildResult) -> Table | None:
    """Every test that warned or failed, with its failure count and where its rows are."""
    flagged = result.flagged_tests
    if not flagged:
        return None
    table = Table(title="reconciliation checks that warned or failed")
    for column, justify in (
        ("test", "left"),
        ("checks", "left"),
        ("status", "left"),
        ("failures", "right"),
        ("rows stored in / message", "left"),
    ):
        table.add_column(column, justify=justify, overflow="fold")
    for o in flagged:
        colour = "yellow" if o.status == "warn" else "red"
        where = o.relation if o.relation and o.status != "error" else o.message
        table.add_row(
            escape(o.name),
            escape(o.attached_to or ""),
            f"[{colour}]{o.status}[/]",
            "" if o.failures is None else f"{o.failures:,}",
            escape(where or ""),
        )
    return table


def failed_nodes_table(result: BuildResult) -> Table | None:
    """Models, seeds and snapshots that errored (failed tests are in the findings table)."""
    broken = [o for o in result.failed if o.resource_type not in ("test", "unit_test")]
    if not broken:
        return None
    table = Table(title="nodes that failed")
    table.add_column("node")
    table.add_column("error", overflow="fold")
    for o in broken:
        table.add_row(escape(o.unique_id), escape(o.message))
    return table


def print_result(result: BuildResult, console: Console) -> None:
    console.print(summary_table(result))
    for table in (findings_table(result), failed_nodes_table(result)):
        if table is not None:
            console.print(table)


def failure_message(result: BuildResult, home: Path) -> str:
    """The one-line reason `tieout build` exits 1: which nodes failed, what to do next."""
    names = [o.name for o in result.failed]
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    skipped = f"; {len(result.skipped)} downstream node(s) skipped" if result.skipped else ""
    return (
        f"dbt build on {result.target} failed: {len(names)} node(s) failed: {shown}{skipped}; "
        f"fix them (details above and in {Path(home) / 'logs' / 'dbt.log'}) and rerun "
        "`tieout build`"
    )
