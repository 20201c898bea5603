"""`ControlStore`: the typed API over the control store (mappings, resolutions, audit).

Every change names its actor, runs in one transaction and writes, in that transaction,
the change itself, one `mapping_history` row (mapping tables) and one `audit_log` row.
Validation happens before anything is written, and its errors say what to fix. Mapping
changes and exception decisions ask `users.check` for the actor's permission in the same
transaction (nothing is enforced until an active admin exists; seeding is exempt).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from writers.control import schema
from writers.control.engine import (
    URL_ENV,
    WRITE,
    describe,
    ensure_database,
    first_line,
    make_engine,
    missing_database,
    resolve_url,
)
from writers.control.errors import (
    ControlNotFoundError,
    ControlStoreError,
    ControlValidationError,
)
from writers.control.migrate import upgrade

Row = dict[str, Any]

SEED_ACTOR = "seed"
RESOLUTION_STATUSES = ("resolved", "ignored")


# --- what each mapping table holds and how its values are checked ---------------------


def _required(name: str, what: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = "" if value is None else str(value).strip()
        if not text:
            raise ControlValidationError(f"{name} is empty: give {what}")
        return text

    return check


def _optional(value: Any) -> str | None:
    """Empty means NULL (for the mapping columns: "any")."""
    text = "" if value is None else str(value).strip()
    return text or None


def _may_be_empty(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _vendor_id(value: Any) -> int:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ControlValidationError(
            "procore_vendor_id is empty: give the Procore vendor's numeric id"
        )
    try:
        number = int(text)
    except ValueError:
        raise ControlValidationError(
            f"procore_vendor_id {text!r} is not a number: give the Procore vendor's numeric "
            "id (Directory → Companies, or /rest/v1.0/vendors)"
        ) from None
    if number <= 0:
        raise ControlValidationError(f"procore_vendor_id {number} must be a positive id")
    return number


@dataclass(frozen=True)
class MappingSpec:
    """One mapping table: its editable columns (with their checks) and unique key."""

    table: sa.Table
    columns: dict[str, Callable[[Any], Any]]
    key: tuple[str, ...]  # no two rows may share these values (NULL equals NULL)
    what: str  # a row in words, for messages

    @property
    def name(self) -> str:
        return self.table.name

    def clean(self, values: Mapping[str, Any]) -> Row:
        unknown = sorted(set(values) - set(self.columns))
        if unknown:
            raise ControlValidationError(
                f"{self.name} has no column {', '.join(unknown)}: use {', '.join(self.columns)}"
            )
        return {column: check(values.get(column)) for column, check in self.columns.items()}

    def describe_key(self, row: Mapping[str, Any]) -> str:
        return ", ".join(f"{c}={_show(row.get(c))}" for c in self.key)


MAPPINGS: dict[str, MappingSpec] = {
    spec.name: spec
    for spec in (
        MappingSpec(
            schema.cost_code_map,
            {
                "procore_cost_code": _required("procore_cost_code", "the Procore cost code"),
                "job": _optional,
                "line_item_type": _optional,
                "sage_cost_code": _required("sage_cost_code", "the Sage cost code"),
                "sage_category": _optional,
                "note": _optional,
            },
            key=("procore_cost_code", "job", "line_item_type", "sage_cost_code", "sage_category"),
            what="cost code mapping",
        ),
        MappingSpec(
            schema.cost_code_overrides,
            {
                "job": _required("job", "the Sage job the override applies to"),
                "procore_cost_code": _required("procore_cost_code", "the Procore cost code"),
                "sage_cost_code": _required("sage_cost_code", "the Sage cost code"),
            },
            key=("job", "procore_cost_code"),
            what="per-job cost code override",
        ),
        MappingSpec(
            schema.job_prefix_rules,
            {
                "procore_prefix": _required(
                    "procore_prefix", "the start of the Procore project number, e.g. P-"
                ),
                "sage_prefix": _may_be_empty,
            },
            key=("procore_prefix",),
            what="job prefix rule",
        ),
        MappingSpec(
            schema.vendor_map,
            {
                "procore_vendor_id": _vendor_id,
                "sage_vendor": _required("sage_vendor", "the Sage vendor code"),
            },
            key=("procore_vendor_id",),
            what="vendor mapping",
        ),
    )
}

# The scenario files (`control/<table>.csv`) and their columns, in seeding order.
SEED_FILES: dict[str, tuple[str, ...]] = {
    "cost_code_overrides": ("job", "procore_cost_code", "sage_cost_code"),
    "cost_code_map": (
        "procore_cost_code",
        "job",
        "line_item_type",
        "sage_cost_code",
        "sage_category",
    ),
    "job_prefix_rules": ("procore_prefix", "sage_prefix"),
    "vendor_map": ("procore_vendor_id", "sage_vendor"),
}


def spec_for(table: str) -> MappingSpec:
    try:
        return MAPPINGS[table]
    except KeyError:
        raise ControlValidationError(
            f"unknown mapping table {table!r}: choose one of {', '.join(MAPPINGS)}"
        ) from None


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """A controller's decision on one exception of `marts.exception_queue`."""

    exception_id: str
    status: str  # resolved | ignored
    value_fingerprint: str  # closed only while the exception's fingerprint equals this
    note: str | None
    resolved_by: str
    resolved_at: datetime


@dataclass
class SeedTableResult:
    inserted: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # rows kept as the store has them


@dataclass
class SeedReport:
    control_dir: Path
    tables: dict[str, SeedTableResult] = field(default_factory=dict)

    @property
    def inserted(self) -> int:
        return sum(t.inserted for t in self.tables.values())

    @property
    def conflicts(self) -> list[str]:
        return [c for t in self.tables.values() for c in t.conflicts]


# --- the store ----------------------------------------------------------------------------


class ControlStore:
    """The control store: open it with `ControlStore.open()` (migrates to the newest schema)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str | URL | None = None, *, home: Path | None = None) -> Self:
        """Connect to `url` (else TIEOUT_CONTROL_URL, else `<home>/control.sqlite`) and
        upgrade its schema to the newest revision; a missing PostgreSQL database is created."""
        resolved = resolve_url(url, home)
        engine = make_engine(resolved)
        try:
            try:
                upgrade(engine)
            except DBAPIError as exc:
                if not (resolved.get_backend_name() == "postgresql" and missing_database(exc)):
                    raise
                engine.dispose()
                ensure_database(resolved)
                upgrade(engine)
        except DBAPIError as exc:
            engine.dispose()
            raise ControlStoreError(
                f"cannot open the control store {describe(resolved)}: {first_line(exc)}; "
                f"check {URL_ENV} (default: control.sqlite under TIEOUT_HOME) and that "
                "the database server runs"
            ) from exc
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    @property
    def url(self) -> str:
        """Where the store is (password masked)."""
        return describe(self.engine.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- transactions

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._database_errors(), self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._database_errors(), self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # one snapshot for every statement of the read (SQLite's BEGIN gives that)
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def _database_errors(self) -> Iterator[None]:
        """Driver errors become one-line store errors (the transaction is rolled back)."""
        try:
            yield
        except IntegrityError as exc:
            raise ControlValidationError(
                f"the control store refused the change: {first_line(exc)} (another change "
                "may have written the same row meanwhile; look again and retry)"
            ) from exc
        except DBAPIError as exc:
            hint = (
                "another process held the write lock too long; retry"
                if "locked" in str(exc.orig)
                else f"check that it is reachable ({URL_ENV}) and retry"
            )
            raise ControlStoreError(
                f"the control store {self.url} failed: {first_line(exc)}; {hint}"
            ) from exc

    # -- mappings: generic

    def list_mappings(self, table: str) -> list[Row]:
        """Every row of a mapping table, in id order."""
        spec = spec_for(table)
        with self._read() as conn:
            return _rows(conn, spec.table)

    def get_mapping(self, table: str, row_id: int) -> Row:
        spec = spec_for(table)
        with self._read() as conn:
            return self._get(conn, spec, row_id)

    def add_mapping(self, table: str, values: Mapping[str, Any], *, actor: str) -> Row:
        """Insert one mapping row; refused when a row with the same key exists."""
        actor = _actor(actor)
        spec = spec_for(table)
        clean = spec.clean(values)
        with self._write() as conn:
            _authorize(conn, actor, "mapping.change")
            existing = _find(conn, spec, clean)
            if existing is not None:
                raise ControlValidationError(_duplicate(spec, clean, existing))
            return _insert(conn, spec, clean, actor)

    def update_mapping(
        self, table: str, row_id: int, changes: Mapping[str, Any], *, actor: str
    ) -> Row:
        """Change columns of one mapping row; unchanged values write nothing."""
        actor = _actor(actor)
        spec = spec_for(table)
        with self._write() as conn:
            _authorize(conn, actor, "mapping.change")
            before = self._get(conn, spec, row_id)
            clean = spec.clean({c: before[c] for c in spec.columns} | dict(changes))
            if all(before[c] == v for c, v in clean.items()):
                return before
            clash = _find(conn, spec, clean)
            if clash is not None and clash["id"] != row_id:
                raise ControlValidationError(_duplicate(spec, clean, clash))
            now = _now()
            try:
                conn.execute(
                    spec.table.update()
                    .where(spec.table.c.id == row_id)
                    .values(**clean, updated_at=now, updated_by=actor)
                )
            except IntegrityError as exc:
                raise ControlValidationError(_integrity(spec, clean, exc)) from exc
            after = self._get(conn, spec, row_id)
            _record(conn, spec, "update", before, after, actor, now)
            return after

    def remove_mapping(self, table: str, row_id: int, *, actor: str) -> Row:
        """Delete one mapping row; returns it as it was."""
        actor = _actor(actor)
        spec = spec_for(table)
        with self._write() as conn:
            _authorize(conn, actor, "mapping.change")
            before = self._get(conn, spec, row_id)
            conn.execute(spec.table.delete().where(spec.table.c.id == row_id))
            _record(conn, spec, "delete", before, None, actor, _now())
            return before

    def _get(self, conn: Connection, spec: MappingSpec, row_id: int) -> Row:
        row = (
            conn.execute(sa.select(spec.table).where(spec.table.c.id == row_id)).mappings().first()
        )
        if row is None:
            raise ControlNotFoundError(
                f"no {spec.name} row with id {row_id}: see `tieout mapping list --table "
                f"{spec.name}` for the ids"
            )
        return dict(row)

    # -- mappings: typed shortcuts

    def add_code_mapping(
        self,
        procore_cost_code: str,
        sage_cost_code: str,
        *,
        actor: str,
        job: str | None = None,
        line_item_type: str | None = None,
        sage_category: str | None = None,
        note: str | None = None,
    ) -> Row:
        """Map a Procore cost code (on one job / line item type, or any) to a Sage code."""
        return self.add_mapping(
            "cost_code_map",
            {
                "procore_cost_code": procore_cost_code,
                "job": job,
                "line_item_type": line_item_type,
                "sage_cost_code": sage_cost_code,
                "sage_category": sage_category,
                "note": note,
            },
            actor=actor,
        )

    def add_override(
        self, job: str, procore_cost_code: str, sage_cost_code: str, *, actor: str
    ) -> Row:
        """Translate one Procore cost code on one job (wins over every other rule)."""
        return self.add_mapping(
            "cost_code_overrides",
            {"job": job, "procore_cost_code": procore_cost_code, "sage_cost_code": sage_cost_code},
            actor=actor,
        )

    def add_prefix_rule(self, procore_prefix: str, sage_prefix: str, *, actor: str) -> Row:
        """Replace `procore_prefix` at the start of a project number by `sage_prefix`."""
        return self.add_mapping(
            "job_prefix_rules",
            {"procore_prefix": procore_prefix, "sage_prefix": sage_prefix},
            actor=actor,
        )

    def add_vendor(self, procore_vendor_id: int | str, sage_vendor: str, *, actor: str) -> Row:
        """Map a Procore vendor (directory company id) to a Sage vendor code."""
        return self.add_mapping(
            "vendor_map",
            {"procore_vendor_id": procore_vendor_id, "sage_vendor": sage_vendor},
            actor=actor,
        )

    # -- history and audit

    def history(self, *, limit: int | None = 50, table: str | None = None) -> list[Row]:
        """Mapping changes, newest first (`before` / `after` decoded)."""
        h = schema.mapping_history
        query = sa.select(h).order_by(h.c.id.desc()).limit(limit)
        if table is not None:
            query = query.where(h.c.table_name == spec_for(table).name)
        with self._read() as conn:
            return [_decoded(r) for r in conn.execute(query).mappings()]

    def audit(self, *, limit: int | None = 50, object_type: str | None = None) -> list[Row]:
        """Audit rows, newest first (`before` / `after` decoded)."""
        a = schema.audit_log
        query = sa.select(a).order_by(a.c.id.desc()).limit(limit)
        if object_type is not None:
            query = query.where(a.c.object_type == object_type)
        with self._read() as conn:
            return [_decoded(r) for r in conn.execute(query).mappings()]

    # -- exception resolutions

    def resolve_exception(
        self,
        exception_id: str,
        status: str,
        fingerprint: str,
        actor: str,
        note: str | None = None,
    ) -> Resolution:
        """Close an exception as `resolved` or `ignored` while its values stay `fingerprint`.

        Deciding again replaces the earlier decision (both are in the audit log); the same
        decision again writes nothing.
        """
        actor = _actor(actor)
        exception_id = _required("exception_id", "the exception_id from the queue")(exception_id)
        if status not in RESOLUTION_STATUSES:
            raise ControlValidationError(
                f"unknown resolution status {status!r}: choose resolved or ignored"
            )
        fingerprint = _required(
            "value_fingerprint", "the exception's value_fingerprint from marts.exception_queue"
        )(fingerprint)
        note = _optional(note)
        r = schema.exception_resolutions
        with self._write() as conn:
            _authorize(conn, actor, "exception.resolve")
            before = _resolution_row(conn, exception_id)
            if before is not None and (
                before["status"],
                before["value_fingerprint"],
                before["note"],
            ) == (status, fingerprint, note):
                return Resolution(**before)
            after = {
                "exception_id": exception_id,
                "status": status,
                "value_fingerprint": fingerprint,
                "note": note,
                "resolved_by": actor,
                "resolved_at": _now(),
            }
            if before is None:
                conn.execute(r.insert().values(**after))
            else:
                conn.execute(r.update().where(r.c.exception_id == exception_id).values(**after))
            _audit(conn, actor, "exception.resolve", r.name, exception_id, before, after)
            return Resolution(**after)

    def reopen_exception(
        self, exception_id: str, actor: str, note: str | None = None
    ) -> Resolution:
        """Withdraw the decision on an exception: dbt shows it open again. Returns the
        decision that was withdrawn."""
        actor = _actor(actor)
        r = schema.exception_resolutions
        with self._write() as conn:
            _authorize(conn, actor, "exception.resolve")
            before = _resolution_row(conn, exception_id)
            if before is None:
                raise ControlNotFoundError(
                    f"exception {exception_id!r} has no resolution to reopen: see "
                    "`tieout exceptions resolutions`"
                )
            conn.execute(r.delete().where(r.c.exception_id == exception_id))
            after = {"note": _optional(note)} if _optional(note) else None
            _audit(conn, actor, "exception.reopen", r.name, exception_id, before, after)
            return Resolution(**before)

    def get_resolution(self, exception_id: str) -> Resolution | None:
        with self._read() as conn:
            row = _resolution_row(conn, exception_id)
        return Resolution(**row) if row else None

    def list_resolutions(self) -> list[Resolution]:
        r = schema.exception_resolutions
        with self._read() as conn:
            rows = conn.execute(sa.select(r).order_by(r.c.exception_id)).mappings()
            return [Resolution(**row) for row in rows]

    # -- snapshot and seed

    def snapshot(self, tables: list[str] | None = None) -> dict[str, list[Row]]:
        """Every row of the named tables (default: mappings and resolutions), read in one
        transaction so they are consistent with each other. Besides the store's tables,
        `write_ledger` (DERIVED: the idempotency ledger with each key's outbox row) can be
        named, so dbt sees what was written and where it came from in one copy;
        `write_rejections` comes with the project and job of the refused row."""
        names = tables or [*MAPPINGS, schema.exception_resolutions.name]
        known: dict[str, Any] = {t.name: t for t in schema.metadata.sorted_tables}
        known.update(DERIVED)
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ControlValidationError(
                f"unknown control table {', '.join(unknown)}: choose from {', '.join(known)}"
            )
        with self._read() as conn:
            return {
                name: known[name](conn) if name in DERIVED else _rows(conn, known[name])
                for name in names
            }

    def seed_from_scenario(self, control_dir: Path, actor: str) -> SeedReport:
        """Load a scenario's `control/*.csv` into the store, in one transaction.

        Rows the store lacks are inserted as actor "seed" (history and audit included);
        rows it has are left alone — a key the store maps differently is reported as a
        conflict and the store's value kept, so seeding never undoes a controller's
        change. Seeding the same files again writes nothing.

        A system action: no permission is asked (writers/control/users.py), since it only
        fills gaps and never changes a row a person decided.
        """
        actor = _actor(actor)
        control_dir = Path(control_dir)
        files = {t: control_dir / f"{t}.csv" for t in SEED_FILES}
        if not control_dir.is_dir() or not any(p.is_file() for p in files.values()):
            raise ControlValidationError(
                f"no control files in {control_dir}: expected one or more of "
                f"{', '.join(p.name for p in files.values())} (a scenario's control/ folder)"
            )
        parsed = {t: _read_csv(path, SEED_FILES[t]) for t, path in files.items() if path.is_file()}
        report = SeedReport(control_dir)
        with self._write() as conn:
            for table, rows in parsed.items():
                spec = MAPPINGS[table]
                result = report.tables.setdefault(table, SeedTableResult())
                for where, values in rows:
                    try:
                        clean = spec.clean(values)
                    except ControlValidationError as exc:
                        raise ControlValidationError(f"{where}: {exc}") from None
                    existing = _find(conn, spec, clean)
                    if existing is None:
                        _insert(conn, spec, clean, SEED_ACTOR)
                        result.inserted += 1
                    elif all(existing[c] == v for c, v in clean.items() if c in values):
                        result.unchanged += 1
                    else:
                        result.conflicts.append(
                            f"{where}: the store already has a {spec.what} for "
                            f"{spec.describe_key(clean)} (id {existing['id']}); kept it"
                        )
            if report.inserted:
                _audit(
                    conn,
                    actor,
                    "mapping.seed",
                    "control_dir",
                    str(control_dir),
                    None,
                    {t: r.inserted for t, r in report.tables.items()},
                )
        return report


# --- helpers --------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _actor(actor: str) -> str:
    text = (actor or "").strip()
    if not text:
        raise ControlValidationError(
            "no actor: say who makes the change (--actor, TIEOUT_ACTOR, or the OS user)"
        )
    return text


def _authorize(conn: Connection, actor: str, permission: str) -> None:
    """Refuse the change unless `actor` holds `permission` (users.py; nothing is enforced
    until an active admin exists), in the change's own transaction."""
    from writers.control.users import check  # users.py imports this module

    check(conn, actor, permission)


def _show(value: Any) -> str:
    return "(any)" if value is None else repr(value)


def _rows(conn: Connection, table: sa.Table) -> list[Row]:
    order = table.c.id if "id" in table.c else next(iter(table.primary_key.columns))
    return [dict(r) for r in conn.execute(sa.select(table).order_by(order)).mappings()]


def _write_ledger(conn: Connection) -> list[Row]:
    """The idempotency ledger with each key's outbox row (object, source) and the job it
    was for, so dbt can check every written record against the next Sage sync. A ledger
    key with no outbox row (written by hand, or by an older writer) keeps NULLs there."""
    ledger, o = schema.idempotency_ledger, schema.outbox
    query = (
        sa.select(
            ledger.c.idempotency_key,
            ledger.c.connector,
            o.c.object_type,
            o.c.source_object,
            o.c.source_id,
            sa.func.coalesce(ledger.c.sage_key, o.c.sage_key).label("sage_key"),
            o.c.payload,
            ledger.c.receipt,
            ledger.c.written_at,
        )
        .select_from(ledger.outerjoin(o, o.c.idempotency_key == ledger.c.idempotency_key))
        .order_by(ledger.c.written_at, ledger.c.idempotency_key)
    )
    rows = []
    for r in conn.execute(query).mappings():
        row = dict(r)
        row.update(_payload_scope(row.pop("payload")))
        row["receipt"] = _receipt_text(row["receipt"])
        rows.append(row)
    return rows


def _write_rejections(conn: Connection) -> list[Row]:
    """Sage's refusals with the project and job of the row Sage refused (from its approved
    payload), so the exception queue can file a write_rejected under its job."""
    r, o = schema.write_rejections, schema.outbox
    query = (
        sa.select(r, o.c.payload)
        .select_from(r.outerjoin(o, o.c.idempotency_key == r.c.idempotency_key))
        .order_by(r.c.id)
    )
    rows = []
    for found in conn.execute(query).mappings():
        row = dict(found)
        row.update(_payload_scope(row.pop("payload")))
        rows.append(row)
    return rows


def _payload_scope(payload: str | None) -> dict[str, Any]:
    """The project id and Sage job an outbox payload's header names (NULL when it has none)."""
    header = _json_object(payload).get("header") or {}
    project_id, job = header.get("project_id"), header.get("job")
    return {
        "project_id": project_id if isinstance(project_id, int) else None,
        "job": job if isinstance(job, str) and job else None,
    }


def _json_object(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _receipt_text(text: str | None) -> str | None:
    """The connector's receipt in words a controller can look up in Sage (batch AP2601,
    run 3, sequence 1), without the bookkeeping the ledger row already says."""
    detail = _json_object(text).get("detail") or {}
    if not isinstance(detail, dict):
        return None
    skip = {"object_type", "table", "stamp_field"}
    words = [
        k.replace("_", " ") if v is True else f"{k.replace('_', ' ')} {v}"
        for k, v in detail.items()
        if k not in skip
    ]
    return ", ".join(words) or None


# Tables `snapshot` derives from several store tables (name → reader).
DERIVED: dict[str, Callable[[Connection], list[Row]]] = {
    "write_ledger": _write_ledger,
    "write_rejections": _write_rejections,
}


def _find(conn: Connection, spec: MappingSpec, values: Mapping[str, Any]) -> Row | None:
    """The row holding `values`' key, comparing NULL as equal to NULL."""
    t = spec.table
    query = sa.select(t).where(*(t.c[c].is_not_distinct_from(values[c]) for c in spec.key))
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def _duplicate(spec: MappingSpec, values: Mapping[str, Any], existing: Row) -> str:
    if spec.name == "cost_code_map":
        return (
            f"duplicate cost code mapping: row {existing['id']} already maps "
            f"{spec.describe_key(values)}; nothing to add"
        )
    targets = ", ".join(
        f"{c}={_show(existing[c])}" for c in spec.columns if c not in spec.key and c != "note"
    )
    return (
        f"duplicate {spec.what}: row {existing['id']} already has {spec.describe_key(values)} "
        f"({targets}); update or remove row {existing['id']} instead"
    )


def _integrity(spec: MappingSpec, values: Mapping[str, Any], exc: IntegrityError) -> str:
    """A constraint caught what validation let through (e.g. a concurrent insert)."""
    return (
        f"{spec.name} refused {spec.describe_key(values)}: {first_line(exc)} "
        "(another change may have added the same row; list the table and retry)"
    )


def _insert(conn: Connection, spec: MappingSpec, values: Row, actor: str) -> Row:
    now = _now()
    stamped = {
        **values,
        "created_at": now,
        "created_by": actor,
        "updated_at": now,
        "updated_by": actor,
    }
    try:
        row_id = conn.execute(spec.table.insert().values(**stamped)).inserted_primary_key[0]
    except IntegrityError as exc:
        raise ControlValidationError(_integrity(spec, values, exc)) from exc
    after = {"id": row_id, **stamped}
    _record(conn, spec, "insert", None, after, actor, now)
    return after


def _record(
    conn: Connection,
    spec: MappingSpec,
    action: str,
    before: Row | None,
    after: Row | None,
    actor: str,
    at: datetime,
) -> None:
    """One mapping_history row and one audit_log row, in the caller's transaction."""
    row_id = (after or before or {})["id"]
    conn.execute(
        schema.mapping_history.insert().values(
            table_name=spec.name,
            row_id=row_id,
            action=action,
            before=_json(before),
            after=_json(after),
            changed_by=actor,
            changed_at=at,
        )
    )
    _audit(conn, actor, f"mapping.{action}", spec.name, str(row_id), before, after, at=at)


def _audit(
    conn: Connection,
    actor: str,
    action: str,
    object_type: str,
    object_key: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    result: str = "ok",
    at: datetime | None = None,
) -> None:
    conn.execute(
        schema.audit_log.insert().values(
            at=at or _now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_key=object_key,
            before=_json(before),
            after=_json(after),
            result=result,
        )
    )


def _json(row: Mapping[str, Any] | None) -> str | None:
    if row is None:
        return None
    return json.dumps(row, sort_keys=True, default=_json_default)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def _decoded(row: Mapping[str, Any]) -> Row:
    out = dict(row)
    for key in ("before", "after"):
        if out.get(key) is not None:
            out[key] = json.loads(out[key])
    return out


def _resolution_row(conn: Connection, exception_id: str) -> Row | None:
    r = schema.exception_resolutions
    row = conn.execute(sa.select(r).where(r.c.exception_id == exception_id)).mappings().first()
    return dict(row) if row else None


def _read_csv(path: Path, columns: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """(`file:line`, values) per data row; the header must hold exactly `columns`."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            header = tuple(reader.fieldnames or ())
            if sorted(header) != sorted(columns):
                raise ControlValidationError(
                    f"{path}: header is {','.join(header) or '(empty)'}; expected "
                    f"{','.join(columns)}"
                )
            rows = []
            for values in reader:
                if None in values or any(v is None for v in values.values()):
                    raise ControlValidationError(
                        f"{path.name}:{reader.line_num}: expected {len(columns)} fields "
                        f"({','.join(columns)})"
                    )
                if any(v.strip() for v in values.values()):  # skip blank lines
                    rows.append((f"{path.name}:{reader.line_num}", values))
            return rows
    except (OSError, UnicodeDecodeError) as exc:
        raise ControlValidationError(f"cannot read {path}: {exc}") from exc
