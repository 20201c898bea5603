"""`tieout mapping …` and `tieout exceptions …`: the controller's side of the control store.

Changes go through `writers.control.ControlStore` (validated, with history and audit);
every change names its actor: `--actor`, else TIEOUT_ACTOR, else the OS user name.
Tables go to stdout, confirmations and errors to stderr. Exit codes: 0 success, 1 failure
with a message saying what to fix.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from orchestration.home import tieout_home

if TYPE_CHECKING:
    from writers.control import ControlStore

console = Console(stderr=True)  # messages, like the rest of the CLI
out = Console()  # tables: stdout, so they can be piped

ACTOR_ENV = "TIEOUT_ACTOR"
TABLES = ("cost_code_map", "cost_code_overrides", "job_prefix_rules", "vendor_map")

mapping_app = typer.Typer(
    help="The controller's mappings in the control store: cost codes, per-job overrides, "
    "job prefixes, vendors (with history). dbt reads them at the next `tieout build`.",
    no_args_is_help=True,
)
exceptions_app = typer.Typer(
    help="Decisions on exceptions of marts.exception_queue: resolve, ignore, reopen.",
    no_args_is_help=True,
)

ActorOpt = Annotated[
    str | None,
    typer.Option(
        "--actor", help=f"Who makes the change (default: ${ACTOR_ENV}, else your OS user name)."
    ),
]


class CommandError(Exception):
    """A command failed for a reason the user can fix; the message says how."""


def _fail(message: str) -> NoReturn:
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True, highlight=False)
    raise typer.Exit(1)


def _say(message: str) -> None:
    console.print(escape(message), soft_wrap=True, highlight=False)


def resolve_actor(actor: str | None) -> str:
    """`--actor`, else TIEOUT_ACTOR, else the OS user name."""
    for candidate in (actor, os.environ.get(ACTOR_ENV)):
        if candidate and candidate.strip():
            return candidate.strip()
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        raise CommandError(
            f"cannot tell who you are: pass --actor NAME or set {ACTOR_ENV}"
        ) from None


@contextmanager
def _store() -> Iterator[ControlStore]:
    """The control store under TIEOUT_HOME (or TIEOUT_CONTROL_URL); store and command
    errors end the command with their message."""
    from writers.control import ControlStore, ControlStoreError

    try:
        with ControlStore.open(home=tieout_home()) as store:
            yield store
    except (ControlStoreError, CommandError) as exc:
        _fail(str(exc))


# --- tieout mapping ------------------------------------------------------------------


@mapping_app.command("list")
def mapping_list(
    table: Annotated[
        str | None,
        typer.Option("--table", help=f"Only this table: {', '.join(TABLES)} (default: all)."),
    ] = None,
) -> None:
    """Show the mappings, one table each."""
    if table is not None and table not in TABLES:
        _fail(f"unknown mapping table {table!r}: choose one of {', '.join(TABLES)}")
    with _store() as store:
        for name in [table] if table else TABLES:
            out.print(mapping_table(name, store.list_mappings(name)))


@mapping_app.command("add-code")
def mapping_add_code(
    procore_code: Annotated[
        str, typer.Option("--procore-code", help="Procore cost code (full_code).")
    ],
    sage_code: Annotated[str, typer.Option("--sage-code", help="Sage cost code, e.g. 01-31-20.")],
    job: Annotated[
        str | None, typer.Option("--job", help="Only on this Sage job (default: any job).")
    ] = None,
    line_item_type: Annotated[
        str | None,
        typer.Option("--type", help="Only for this line item type code, e.g. L (default: any)."),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option("--category", help="Sage category (default: the line item type code)."),
    ] = None,
    note: Annotated[str | None, typer.Option("--note", help="Why (shown in the list).")] = None,
    actor: ActorOpt = None,
) -> None:
    """Map a Procore cost code to a Sage cost code (company-wide, or per job / type)."""
    with _store() as store:
        row = store.add_code_mapping(
            procore_code,
            sage_code,
            actor=resolve_actor(actor),
            job=job,
            line_item_type=line_item_type,
            sage_category=category,
            note=note,
        )
        _say(f"added cost_code_map row {row['id']}: {describe_row('cost_code_map', row)}")
        others = [
            r
            for r in store.list_mappings("cost_code_map")
            if r["procore_cost_code"] == row["procore_cost_code"]
            and (r["job"], r["line_item_type"]) == (row["job"], row["line_item_type"])
            and r["id"] != row["id"]
        ]
        if others:
            ids = ", ".join(str(r["id"]) for r in others)
            rows = f"rows {ids} map" if len(others) > 1 else f"row {ids} maps"
            _say(
                f"note: {rows} the same code and scope to another target; until one of "
                "them is removed, dbt reports the code as ambiguous_cost_code"
            )


@mapping_app.command("remove-code")
def mapping_remove_code(
    row_id: Annotated[int, typer.Argument(help="cost_code_map id (see `tieout mapping list`).")],
    actor: ActorOpt = None,
) -> None:
    """Remove a cost code mapping."""
    _remove("cost_code_map", row_id, actor)


@mapping_app.command("add-override")
def mapping_add_override(
    job: Annotated[str, typer.Option("--job", help="Sage job the override applies to.")],
    procore_code: Annotated[
        str, typer.Option("--procore-code", help="Procore cost code (full_code).")
    ],
    sage_code: Annotated[str, typer.Option("--sage-code", help="Sage cost code on that job.")],
    actor: ActorOpt = None,
) -> None:
    """Translate one Procore cost code on one job (wins over every other rule)."""
    with _store() as store:
        row = store.add_override(job, procore_code, sage_code, actor=resolve_actor(actor))
        _say(
            f"added cost_code_overrides row {row['id']}: {describe_row('cost_code_overrides', row)}"
        )


@mapping_app.command("remove-override")
def mapping_remove_override(
    row_id: Annotated[int, typer.Argument(help="cost_code_overrides id.")],
    actor: ActorOpt = None,
) -> None:
    """Remove a per-job cost code override."""
    _remove("cost_code_overrides", row_id, actor)


@mapping_app.command("add-prefix")
def mapping_add_prefix(
    procore_prefix: Annotated[
        str, typer.Option("--procore-prefix", help="Start of the Procore project number, e.g. P-.")
    ],
    sage_prefix: Annotated[
        str, typer.Option("--sage-prefix", help="What replaces it in the Sage job ('' = drop it).")
    ] = "",
    actor: ActorOpt = None,
) -> None:
    """Add a job prefix rule (P-24-017 → 24-017 with --procore-prefix P-)."""
    with _store() as store:
        row = store.add_prefix_rule(procore_prefix, sage_prefix, actor=resolve_actor(actor))
        _say(f"added job_prefix_rules row {row['id']}: {describe_row('job_prefix_rules', row)}")


@mapping_app.command("remove-prefix")
def mapping_remove_prefix(
    row_id: Annotated[int, typer.Argument(help="job_prefix_rules id.")],
    actor: ActorOpt = None,
) -> None:
    """Remove a job prefix rule."""
    _remove("job_prefix_rules", row_id, actor)


@mapping_app.command("add-vendor")
def mapping_add_vendor(
    procore_vendor_id: Annotated[
        str, typer.Option("--procore-vendor-id", help="Procore vendor (directory company) id.")
    ],
    sage_vendor: Annotated[str, typer.Option("--sage-vendor", help="Sage vendor code.")],
    actor: ActorOpt = None,
) -> None:
    """Map a Procore vendor to a Sage vendor."""
    with _store() as store:
        row = store.add_vendor(procore_vendor_id, sage_vendor, actor=resolve_actor(actor))
        _say(f"added vendor_map row {row['id']}: {describe_row('vendor_map', row)}")


@mapping_app.command("remove-vendor")
def mapping_remove_vendor(
    row_id: Annotated[int, typer.Argument(help="vendor_map id.")],
    actor: ActorOpt = None,
) -> None:
    """Remove a vendor mapping."""
    _remove("vendor_map", row_id, actor)


@mapping_app.command("history")
def mapping_history(
    limit: Annotated[int, typer.Option("--limit", help="How many changes, newest first.")] = 50,
    table: Annotated[str | None, typer.Option("--table", help="Only this table.")] = None,
) -> None:
    """Who changed which mapping, when, from what to what."""
    if limit < 1:
        _fail("--limit must be 1 or more")
    with _store() as store:
        out.print(history_table(store.history(limit=limit, table=table)))


@mapping_app.command("seed")
def mapping_seed(
    scenario: Annotated[
        Path, typer.Option("--scenario", help="Scenario directory (its control/*.csv are read).")
    ],
    actor: ActorOpt = None,
) -> None:
    """Load a scenario's starting mappings; rows the store has are kept as they are."""
    control_dir = scenario / "control"
    if not scenario.is_dir():
        _fail(f"no scenario directory at {scenario}: generate one with `tieout sandbox generate`")
    if not control_dir.is_dir():
        _fail(f"scenario {scenario} has no control/ directory: nothing to seed")
    with _store() as store:
        report = store.seed_from_scenario(control_dir, actor=resolve_actor(actor))
        table = Table(title=f"seeded from {control_dir}")
        for column, justify in (("table", "left"), ("inserted", "right"), ("kept", "right")):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        for name, result in report.tables.items():
            table.add_row(name, str(result.inserted), str(result.unchanged + len(result.conflicts)))
        console.print(table)
        for conflict in report.conflicts:
            _say(f"kept: {conflict}")


def _remove(table: str, row_id: int, actor: str | None) -> None:
    with _store() as store:
        row = store.remove_mapping(table, row_id, actor=resolve_actor(actor))
        _say(f"removed {table} row {row_id}: {describe_row(table, row)}")


# --- tieout exceptions ---------------------------------------------------------------


@exceptions_app.command("resolve")
def exceptions_resolve(
    exception_id: Annotated[str, typer.Argument(help="exception_id from marts.exception_queue.")],
    status: Annotated[
        str, typer.Option("--status", help="resolved (fixed at the source) or ignored.")
    ],
    note: Annotated[str | None, typer.Option("--note", help="Why (kept in the audit log).")] = None,
    actor: ActorOpt = None,
) -> None:
    """Close an exception while its values stay as they are now.

    Reads the exception's current value_fingerprint from the warehouse; when the values
    change (a new sync), dbt shows it open again.
    """
    from writers.control import RESOLUTION_STATUSES

    if status not in RESOLUTION_STATUSES:
        _fail(f"--status {status!r}: choose resolved or ignored")
    try:
        who = resolve_actor(actor)
        fingerprint = current_fingerprint(_warehouse(), exception_id)
    except CommandError as exc:
        _fail(str(exc))
    with _store() as store:
        resolution = store.resolve_exception(
            exception_id, status, fingerprint, actor=who, note=note
        )
    _say(
        f"{resolution.status} {exception_id} (values {fingerprint[:12]}) as {who}: it shows "
        f"{resolution.status} from the next `tieout build` while its values stay the same"
    )


@exceptions_app.command("reopen")
def exceptions_reopen(
    exception_id: Annotated[str, typer.Argument(help="exception_id to reopen.")],
    note: Annotated[str | None, typer.Option("--note", help="Why (kept in the audit log).")] = None,
    actor: ActorOpt = None,
) -> None:
    """Withdraw the decision on an exception: it shows open from the next build."""
    with _store() as store:
        before = store.reopen_exception(exception_id, actor=resolve_actor(actor), note=note)
    _say(f"reopened {exception_id} (was {before.status} by {before.resolved_by})")


@exceptions_app.command("resolutions")
def exceptions_resolutions() -> None:
    """The decisions in the control store."""
    with _store() as store:
        rows = store.list_resolutions()
    table = Table(title=f"exception_resolutions ({len(rows)})")
    for column in ("exception_id", "status", "fingerprint", "by", "at (UTC)", "note"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r.exception_id,
            r.status,
            r.value_fingerprint[:12],
            r.resolved_by,
            _when(r.resolved_at),
            r.note or "",
        )
    out.print(table)


def _warehouse() -> Path:
    from pipelines.warehouse import warehouse_path

    return warehouse_path(tieout_home())


def current_fingerprint(warehouse: Path, exception_id: str) -> str:
    """The exception's value_fingerprint in `marts.exception_queue` (read-only connection)."""
    import duckdb

    build_first = "run `tieout build` first"
    if not warehouse.is_file():
        raise CommandError(f"no warehouse at {warehouse}: {build_first}")
    try:
        conn = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise CommandError(
            f"cannot read the warehouse {warehouse}: {_first_line(exc)} (a sync or build may "
            "be writing it; retry when it finishes)"
        ) from exc
    try:
        row = conn.execute(
            "SELECT value_fingerprint FROM marts.exception_queue WHERE exception_id = ?",
            [exception_id],
        ).fetchone()
    except duckdb.CatalogException as exc:
        raise CommandError(f"marts.exception_queue is not in {warehouse}: {build_first}") from exc
    except duckdb.BinderException as exc:
        raise CommandError(
            f"marts.exception_queue in {warehouse} has no value_fingerprint column: "
            f"{build_first} (with this version's dbt project)"
        ) from exc
    finally:
        conn.close()
    if row is None:
        raise CommandError(
            f"no exception {exception_id!r} in marts.exception_queue: check the id, or "
            f"{build_first} if it is new"
        )
    if not row[0]:
        raise CommandError(f"exception {exception_id!r} has no value_fingerprint: {build_first}")
    return str(row[0])


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


# --- rendering -------------------------------------------------------------------------

_COLUMNS = {
    "cost_code_map": (
        "procore_cost_code",
        "job",
        "line_item_type",
        "sage_cost_code",
        "sage_category",
        "note",
    ),
    "cost_code_overrides": ("job", "procore_cost_code", "sage_cost_code"),
    "job_prefix_rules": ("procore_prefix", "sage_prefix"),
    "vendor_map": ("procore_vendor_id", "sage_vendor"),
}
_EMPTY = {"job": "any", "line_item_type": "any", "sage_category": "(type code)", "note": ""}


def _cell(column: str, value: Any) -> str:
    if value is None:
        return _EMPTY.get(column, "")
    if value == "" and column == "sage_prefix":
        return "(drop)"
    return str(value)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""


def mapping_table(name: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"{name} ({len(rows)})")
    table.add_column("id", justify="right")
    for column in _COLUMNS[name]:
        table.add_column(column)
    table.add_column("updated (UTC)")
    for row in rows:
        table.add_row(
            str(row["id"]),
            *(_cell(c, row[c]) for c in _COLUMNS[name]),
            f"{_when(row['updated_at'])} {row['updated_by']}",
        )
    return table


def describe_row(name: str, row: dict[str, Any]) -> str:
    return ", ".join(f"{c}={_cell(c, row.get(c))}" for c in _COLUMNS[name] if c != "note")


def history_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title=f"mapping history (newest {len(rows)})")
    for column in ("at (UTC)", "by", "table", "row", "action", "change"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            _when(row["changed_at"]),
            row["changed_by"],
            row["table_name"],
            str(row["row_id"]),
            row["action"],
            _change(row["table_name"], row["before"], row["after"]),
        )
    return table


def _change(name: str, before: dict | None, after: dict | None) -> str:
    columns = _COLUMNS.get(name, ())
    if before is None and after is not None:
        return describe_row(name, after) if columns else ""
    if after is None and before is not None:
        return describe_row(name, before) if columns else ""
    assert before is not None and after is not None
    return ", ".join(
        f"{c}: {_cell(c, before.get(c))} → {_cell(c, after.get(c))}"
        for c in columns
        if before.get(c) != after.get(c)
    )
