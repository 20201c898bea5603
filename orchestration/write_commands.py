"""`tieout write …`: the writer stage (approval gate, outbox, Connector) from the shell.

    tieout write [--dry-run] [--object-type T]   plan, then send approved batches
    tieout write batches [--status S]            the write batches
    tieout write approve BATCH_ID [--actor A]    a controller approves a proposed batch
    tieout write mode supervised|auto            how new rows are approved
    tieout write rules [--object-type T --enable/--disable --max-amount N]

Writes go to the Sage test company under TIEOUT_HOME (`--company` for another file);
the procore_* types go to Procore through its sync actions (writers/connectors/procore.py)
with the sync's Procore settings (sources.procore.*), one send per target system.
Tables go to stdout, messages to stderr. Exit codes: 0 success, 1 failure with a message
saying what to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from orchestration.control_commands import (
    ActorOpt,
    CommandError,
    _fail,
    _say,
    out,
    resolve_actor,
)
from orchestration.home import sage_company_path, tieout_home
from writers.connectors.records import PROCORE_TYPES, SAGE_TYPES

if TYPE_CHECKING:
    from writers.control import ControlStore

write_app = typer.Typer(
    help="Write approved outbound rows to Sage through the Connector (outbox, idempotency, "
    "audit). A new company is supervised: nothing is written until a controller approves "
    "the batch (`tieout write approve`).",
    invoke_without_command=True,
)

ObjectTypeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--object-type",
        help=f"Only this object type (repeatable): {', '.join(SAGE_TYPES)} (to Sage); "
        f"{', '.join(PROCORE_TYPES)} (to Procore; by default only when sources.procore is "
        "configured).",
    ),
]


@contextmanager
def _store() -> Iterator[ControlStore]:
    from writers.control import ControlStore, ControlStoreError

    try:
        store = ControlStore.open(home=tieout_home())
    except ControlStoreError as exc:
        _fail(str(exc))
    try:
        yield store
    except ControlStoreError as exc:
        _fail(str(exc))
    finally:
        store.close()


CONNECTORS = ("test-company", "import-files")


def _connector(company: Path | None, kind: str = "test-company", out: Path | None = None):
    """test-company: post into the Sage test company. import-files: write Sage import files
    into `out` (default <TIEOUT_HOME>/sage_import), validated against the company read-only."""
    if kind not in CONNECTORS:
        raise CommandError(f"unknown connector {kind!r}: choose {' or '.join(CONNECTORS)}")
    path = company or sage_company_path(tieout_home())
    if not path.is_file():
        raise CommandError(
            f"no Sage test company at {path}: run `tieout sandbox serve --scenario DIR` or "
            "`tieout run` first, or pass --company"
        )
    if kind == "import-files":
        from writers.connectors.import_files import ImportFileConnector

        return ImportFileConnector(path, out or tieout_home() / "sage_import")
    from writers.connectors.test_company import TestCompanyConnector

    return TestCompanyConnector(path)


def procore_configured() -> bool:
    """Whether a Procore connection is set up (sources.procore in dlt config/secrets or
    SOURCES__PROCORE__* variables): Procore write-back is opt-in."""
    from pipelines.procore.pipeline import ProcoreConfigError, resolve_connection

    try:
        resolve_connection(
            base_url=None, login_url=None, client_id=None, client_secret=None, company_id=None
        )
    except ProcoreConfigError:
        return False
    return True


def _object_types(chosen: list[str] | None) -> list[str] | None:
    """The object types a `tieout write` covers: the ones named; else the Sage types, plus
    the Procore write-back types when a Procore connection is configured."""
    if chosen:
        return chosen
    from writers.connectors.records import PROCORE_TYPES, SAGE_TYPES

    return [*SAGE_TYPES, *(PROCORE_TYPES if procore_configured() else ())]


def _procore_connector(store: ControlStore):
    """The Procore connector on the sync's Procore settings; its lookup reads the records
    of in-flight keys from the outbox (their origin_id names them in Procore)."""
    from pipelines.procore.pipeline import ProcoreConfigError
    from writers.connectors.procore import ProcoreConnector
    from writers.control.outbox_store import WriterStore
    from writers.outbox import decode_record

    ws = WriterStore(store)

    def resolve(keys):
        wanted = set(keys)
        return {
            r["idempotency_key"]: decode_record(r)
            for r in ws.outbox()
            if r["idempotency_key"] in wanted
        }

    try:
        return ProcoreConnector.from_settings(resolve=resolve)
    except ProcoreConfigError as exc:
        raise CommandError(str(exc)) from exc


def _send_by_target(
    store: ControlStore, types: list[str], pending: set[str], sage_connector, *, actor: str
):
    """One `send` per target system: Sage types through the Sage connector, Procore types
    through the Procore connector (each made only when it has rows to send or recover)."""
    from writers.connectors.records import PROCORE_TYPES
    from writers.writer import SendReport, send

    report = SendReport()
    for wanted, make in (
        ([t for t in types if t not in PROCORE_TYPES], sage_connector),
        ([t for t in types if t in PROCORE_TYPES], lambda: _procore_connector(store)),
    ):
        if pending.intersection(wanted):
            report.merge(send(store, make(), actor=actor, object_types=wanted))
    return report


def _pending_types(store: ControlStore, types: list[str]) -> set[str]:
    """The chosen object types with rows to send: approved and due, or in flight (left by
    a writer that stopped: `send` recovers them even when nothing new was approved)."""
    from writers.control.outbox_store import WriterStore

    ws = WriterStore(store)
    return {r["object_type"] for r in (*ws.due(), *ws.in_flight())} & set(types)


@write_app.callback()
def write(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Show exactly what would be written; write nothing."),
    ] = False,
    object_type: ObjectTypeOpt = None,
    company: Annotated[
        Path | None,
        typer.Option("--company", help="The Sage test company file (default: under TIEOUT_HOME)."),
    ] = None,
    connector: Annotated[
        str,
        typer.Option(
            "--connector",
            help="test-company (post into the test company) or import-files (write Sage import "
            "files for Sage's Tools → Import; validation reads the company read-only).",
        ),
    ] = "test-company",
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="import-files: the import folder (default <TIEOUT_HOME>/sage_import)."
        ),
    ] = None,
    actor: ActorOpt = None,
) -> None:
    """Plan the outbound rows into the outbox, then send the approved batches."""
    if ctx.invoked_subcommand is not None:
        return
    from pipelines.warehouse import warehouse_path
    from writers.control import ControlStoreError
    from writers.outbox import WarehouseError, check_object_types
    from writers.writer import plan

    home = tieout_home()
    try:
        who = resolve_actor(actor)
        with _store() as store:
            types = _object_types(object_type)
            result = plan(
                warehouse_path(home), store, actor=who, object_types=types, dry_run=dry_run
            )
            if dry_run:
                _print_dry_run(result)
                _print_forecast(
                    [*result.would_write, *result.awaiting_approval],
                    lambda: _connector(company, connector, out_dir),
                )
                return
            print_plan(result)
            chosen = check_object_types(types)
            pending = _pending_types(store, chosen)
            if not pending:
                _say("nothing approved to write")
                return
            report = _send_by_target(
                store, chosen, pending, lambda: _connector(company, connector, out_dir), actor=who
            )
    except (CommandError, WarehouseError, ControlStoreError) as exc:
        _fail(str(exc))
    _say(
        f"written {len(report.written)}, rejected {len(report.rejected)}, "
        f"retries {report.retries}, recovered after a stop {report.recovered}"
    )
    for rejection in report.rejected:
        _say(f"rejected {rejection.idempotency_key[:12]}: {rejection.reason}")
    if report.rejected:
        _say(
            "rejected rows wait for a fix in the source: they show as write_rejected in the "
            "exception queue after the next `tieout build`"
        )
    if not report.ok:
        _fail(
            "; ".join(report.errors)
            or f"{len(report.deferred)} row(s) could not be sent (Sage unavailable): rerun "
            "`tieout write` later"
        )


def _print_forecast(records: list, make_connector) -> None:
    """A dry run's forecast: what Sage's validation would refuse now, through the Sage
    connector's `validate` (read-only; nothing is written). Procore records are not
    checked here: that would spend API requests on a dry run."""
    from writers.connectors.records import PROCORE_TYPES
    from writers.writer import predict_rejections

    sage = [r for r in records if r.object_type not in PROCORE_TYPES]
    if not sage:
        return
    try:
        rejections = predict_rejections(sage, make_connector())
    except CommandError as exc:
        _say(f"no forecast of Sage's validation: {exc}")
        return
    if not rejections:
        _say(f"forecast: Sage's validation accepts all {len(sage)} Sage record(s) as they stand")
        return
    keys = {r.idempotency_key: r for r in sage}
    _say(
        f"forecast: Sage's validation would refuse {len({r.idempotency_key for r in rejections})}"
        f" of {len(sage)} Sage record(s) as they stand:"
    )
    for rejection in rejections:
        record = keys.get(rejection.idempotency_key)
        where = f"{record.object_type} {record.sage_key}" if record else rejection.idempotency_key
        _say(f"  {where}: {rejection.reason} [{rejection.rule}]")


def print_plan(result: Any) -> None:
    for tp in result.types.values():
        if tp.proposed_batch:
            _say(
                f"{tp.object_type}: batch {tp.proposed_batch} proposed ({len(tp.proposed)} "
                f"row(s)); approve it with `tieout write approve {tp.proposed_batch}`"
            )
        if tp.approved_batch:
            _say(
                f"{tp.object_type}: batch {tp.approved_batch} auto-approved "
                f"({len(tp.auto_approved)} row(s))"
            )
        if tp.withdrawn:
            _say(f"{tp.object_type}: {len(tp.withdrawn)} row(s) withdrawn (now blocked)")


def _print_dry_run(result: Any) -> None:
    records = result.would_write
    _say(f"dry run ({result.mode} mode): {len(records)} record(s) would be written")
    for record in records:
        table = Table(
            title=f"{record.object_type} {record.sage_key} (key {record.idempotency_key})",
            title_justify="left",
        )
        table.add_column("field")
        table.add_column("value")
        for name, value in record.header.items():
            table.add_row(name, "" if value is None else str(value))
        out.print(table)
        for number, line in enumerate(record.lines, 1):
            lines = Table(title=f"  line {number}", title_justify="left")
            lines.add_column("field")
            lines.add_column("value")
            for name, value in line.items():
                lines.add_row(name, "" if value is None else str(value))
            out.print(lines)
    waiting = result.awaiting_approval
    if waiting:
        _say(
            f"{len(waiting)} record(s) would be proposed for approval (not written): "
            + ", ".join(f"{r.object_type} {r.sage_key}" for r in waiting)
        )


@write_app.command("batches")
def batches(
    status: Annotated[
        str | None, typer.Option("--status", help="proposed, approved, sending, done, failed.")
    ] = None,
) -> None:
    """List the write batches."""
    from writers.control.outbox_store import WriterStore

    with _store() as store:
        ws = WriterStore(store)
        rows = ws.batches(status=status)
        mode = ws.write_mode()
    table = Table(title=f"write batches ({mode} mode)", title_justify="left")
    for column in ("id", "object_type", "status", "rows", "total", "created", "approved_by"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["object_type"],
            row["status"],
            str(row["row_count"]),
            row["total_amount"] or "",
            f"{row['created_at']:%Y-%m-%d %H:%M}",
            row["approved_by"] or "",
        )
    out.print(table)


@write_app.command("approve")
def approve(
    batch_id: Annotated[int, typer.Argument(help="The batch id (see `tieout write batches`).")],
    actor: ActorOpt = None,
) -> None:
    """Approve a proposed batch: the next `tieout write` sends it."""
    from writers.control import ControlStoreError
    from writers.writer import approve_batch

    try:
        who = resolve_actor(actor)
        with _store() as store:
            batch = approve_batch(store, batch_id, actor=who)
    except (CommandError, ControlStoreError) as exc:
        _fail(str(exc))
    _say(
        f"batch {batch_id} ({batch['object_type']}, {batch['row_count']} row(s)) approved by "
        f"{who}; run `tieout write` to send it"
    )


@write_app.command("mode")
def mode(
    value: Annotated[str, typer.Argument(help="supervised (default) or auto.")],
    actor: ActorOpt = None,
) -> None:
    """Set how new rows are approved: supervised (a controller approves every batch) or
    auto (the rules approve what they allow, the rest is proposed)."""
    from writers.control import ControlStoreError
    from writers.control.outbox_store import WriterStore

    try:
        who = resolve_actor(actor)
        with _store() as store:
            WriterStore(store).set_write_mode(value, actor=who)
    except (CommandError, ControlStoreError) as exc:
        _fail(str(exc))
    _say(f"write mode: {value}")


@write_app.command("rules")
def rules(
    object_type: Annotated[
        str | None, typer.Option("--object-type", help="The rule to set (omit to list).")
    ] = None,
    enable: Annotated[
        bool, typer.Option("--enable/--disable", help="Auto-approve this object type.")
    ] = True,
    max_amount: Annotated[
        str | None, typer.Option("--max-amount", help="Only rows up to this amount.")
    ] = None,
    actor: ActorOpt = None,
) -> None:
    """List the auto-approval rules, or set one (used in auto mode only)."""
    from writers.control import ControlStoreError
    from writers.control.outbox_store import WriterStore
    from writers.outbox import OBJECT_TYPES

    try:
        with _store() as store:
            ws = WriterStore(store)
            if object_type is not None:
                if object_type not in OBJECT_TYPES:
                    raise CommandError(
                        f"unknown object type {object_type!r}: choose from "
                        f"{', '.join(OBJECT_TYPES)}"
                    )
                ws.set_rule(
                    object_type,
                    enabled=enable,
                    max_amount=max_amount,
                    actor=resolve_actor(actor),
                )
            found = ws.rules()
            mode_now = ws.write_mode()
    except (CommandError, ControlStoreError) as exc:
        _fail(str(exc))
    table = Table(title=f"auto-approval rules ({mode_now} mode)", title_justify="left")
    for column in ("object_type", "enabled", "max_amount", "updated_by"):
        table.add_column(column)
    for row in found.values():
        table.add_row(
            row["object_type"],
            "yes" if row["enabled"] else "no",
            row["max_amount"] or "any",
            row["updated_by"],
        )
    out.print(table)
