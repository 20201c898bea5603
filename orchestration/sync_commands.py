"""What `tieout sync` does: run the Procore and/or Sage extraction and show what it did."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestration.progress import progress_bars
from pipelines.report import SyncReport

SYSTEMS = ("procore", "sage", "all")


class SyncConfigError(Exception):
    """A source cannot start: a connection setting is missing or wrong."""


def emulator_procore_settings(scenario, base_url: str) -> dict:
    """The Procore settings that point the sync at a sandbox emulator serving `scenario`
    (its URL for API and login, the scenario's OAuth client and company)."""
    creds = scenario.procore
    return {
        "base_url": base_url,
        "login_url": base_url,
        "client_id": creds.client_id,
        "client_secret": creds.client_secret,
        "company_id": creds.company_id,
    }


def sync(
    system: str,
    *,
    home: Path,
    full: bool,
    project_ids: list[int] | None,
    console: Console,
    procore_overrides: dict | None = None,
    sage_connection_string: str | None = None,
) -> list[SyncReport]:
    """Run the requested sources in order (Procore first: it is the slower, rate-limited one)."""
    runners: list[tuple[str, Callable[..., SyncReport]]] = []
    if system in ("procore", "all"):
        from pipelines.procore import run_procore_sync

        def run_procore(progress):
            return run_procore_sync(
                home=home,
                full=full,
                project_ids=project_ids,
                progress=progress,
                **(procore_overrides or {}),
            )

        runners.append(("procore", run_procore))
    if system in ("sage", "all"):
        from pipelines.sage import run_sage_sync

        def run_sage(progress):
            return run_sage_sync(
                home=home, full=full, progress=progress, connection_string=sage_connection_string
            )

        runners.append(("sage", run_sage))
    reports = []
    from pipelines.procore.pipeline import ProcoreConfigError

    for name, runner in runners:
        console.print(f"[bold]sync {name}[/]")
        try:
            with progress_bars(console) as callback:
                report = runner(callback)
        except ProcoreConfigError as exc:
            raise SyncConfigError(str(exc)) from exc
        console.print(summary_table(report))
        reports.append(report)
    return reports


def summary_table(report: SyncReport) -> Table:
    table = Table(title=f"{report.source} sync {report.run_id}")
    for column, justify in (
        ("resource", "left"),
        ("mode", "left"),
        ("rows", "right"),
        ("requests", "right"),
        ("429s", "right"),
        ("seconds", "right"),
        ("status", "left"),
    ):
        table.add_column(column, justify=justify)
    for r in report.resources:
        status = r.status if r.status != "failed" else f"[red]failed[/]: {escape(r.error)}"
        table.add_row(
            r.resource,
            r.mode,
            f"{r.rows:,}",
            f"{r.requests:,}",
            str(r.throttled),
            f"{r.seconds:.1f}",
            status,
        )
    issues = f"; {len(report.issues)} schema issue(s)" if report.issues else ""
    table.caption = (
        f"{report.rows:,} rows, {report.requests:,} requests, {report.seconds:.1f} s{issues}"
    )
    return table
