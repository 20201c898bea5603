"""The extraction engine behind the dlt source: one `FamilySync` per parent table.

Per scope (the company, or each project = Procore's per-project fan-out):

1. Read the parent list: `incremental` families with `filters[updated_at]=<cursor -
   overlap>...<now + margin>` (plus `filters[include_deleted]=with` where Procore has it),
   or the whole list on the first run, on a sweep (every `sweep_hours`, to see hard
   deletes) and with `full=True`; `full` families (Procore cannot filter them) only when
   their cadence is due; `snapshot` families (projects) every run - one page either way.
2. Check every record (drift.py). A drifted record is held back: not loaded, its last
   good version stays, a finding is stored, and the cursor stops before it so the next
   run reads it again.
3. Compare with what the warehouse already holds (`updated_at` per id, read from the
   destination, so it survives the loss of the local dlt folder): unchanged records are
   skipped; only changed parents have their children re-read (v1.1 requisitions come
   with their items embedded; direct cost lines come from one project-wide list when more
   than one direct cost changed). A parent and its children load together or not at all.
4. Deletions: soft-deleted parents arrive with `deleted_at` (kept, children removed);
   after a complete list, ids the warehouse holds but Procore no longer lists are deleted
   (a row with `_tieout_deleted`, dlt's hard-delete hint), and so are children that
   vanished from a re-read parent.
5. The cursor (max `updated_at` seen, as Procore stamped it - no client clock involved)
   and the cadence times go to dlt state, committed with the load.

Failures are per scope: a list that cannot be read marks its tables failed (the CLI
exits non-zero) and leaves that scope's state alone, so the next run resumes there.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from pipelines.procore.client import Clock, ProcoreClient, Sleep
from pipelines.procore.drift import Finding, column_hints, parse_timestamp, validator
from pipelines.procore.settings import (
    COMPANY,
    DELETED_FLAG,
    FAMILIES,
    FAMILY_BY_NAME,
    PROJECT,
    ROW_KEY,
    UPDATED_AT,
    Child,
    Family,
    ProcoreSettings,
    Table,
)
from pipelines.report import ResourceResult

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, "int | None"], None]
ERRORS_KEPT = 3


def new_run_id(clock: Clock = time.time) -> str:
    stamp = datetime.fromtimestamp(clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:8]}"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cursor_key(value: Any) -> str | None:
    """One comparable text for an `updated_at` from Procore or from the warehouse."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return cursor_key(parse_timestamp(value)) if len(value) > 10 else value
        except ValueError:
            return value
    return str(value)


def _moment(value: Any) -> datetime | None:
    """An `updated_at` (datetime, date or text) as an aware datetime, if it is one."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            return None
    return None


def _dotted(record: dict, path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


@dataclass
class SyncRun:
    """What one sync run shares across resources: client, knobs, results, findings."""

    run_id: str
    settings: ProcoreSettings = field(default_factory=ProcoreSettings)
    full: bool = False
    project_ids: list[int] | None = None
    progress: ProgressFn | None = None
    clock: Clock = time.time
    sleep: Sleep = time.sleep
    client: ProcoreClient | None = None
    results: dict[str, ResourceResult] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    _projects: list[dict] | None = None
    _projects_error: Exception | None = None
    _known: dict[tuple[str, str], dict] | None = None
    _missing: set[str] = field(default_factory=set)

    def result(self, table: str, mode: str = "") -> ResourceResult:
        if table not in self.results:
            self.results[table] = ResourceResult(resource=table, mode=mode)
        return self.results[table]

    def fail(self, table: str, message: str) -> None:
        result = self.result(table)
        result.status = "failed"
        errors = [e for e in result.error.split(" | ") if e]
        if len(errors) < ERRORS_KEPT:
            errors.append(message)
        elif len(errors) == ERRORS_KEPT:
            errors.append("more failures (see the log)")
        result.error = " | ".join(errors)
        log.error("procore %s: %s", table, message)

    def report_progress(self, stage: str, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def project_records(self) -> list[dict]:
        """The company's project list, read once per run (projects and the fan-out)."""
        if self._projects_error is not None:
            raise self._projects_error
        if self._projects is None:
            assert self.client is not None
            family = FAMILY_BY_NAME["projects"]
            try:
                self._projects = self.client.fetch(
                    family.name, family.endpoint, {COMPANY: self.client.company_id}
                )
            except Exception as exc:
                self._projects_error = exc
                raise
        return self._projects

    def project_scopes(self) -> list[int]:
        """Projects to fan out to: `project_ids`, else every (active) project listed."""
        if self.project_ids:
            return [int(p) for p in self.project_ids]
        out = []
        for record in self.project_records():
            if not isinstance(record, dict) or record.get("id") is None:
                continue
            if record.get("active") is False and not self.settings.include_inactive_projects:
                continue
            out.append(int(record["id"]))
        return out

    def known(self, table: Table, group: str) -> dict[Any, dict[Any, Any]]:
        """What the warehouse held when this run began (read once, all tables at once)."""
        if self._known is None:
            self._known, self._missing = known_keys(known_specs())
        return self._known.get((table.name, group), {})

    def missing(self, table: Table) -> bool:
        """The warehouse lacks this table (first run, or the warehouse was lost)."""
        if self._known is None:
            self._known, self._missing = known_keys(known_specs())
        return table.name in self._missing

    def drifted(self, findings: list[Finding], project_id: int | None) -> None:
        detected_at = datetime.fromtimestamp(self.clock(), UTC)
        self.findings.extend(f.as_row(self.run_id, detected_at, project_id) for f in findings)


def _schema_tables() -> set[str]:
    """Tables the source schema already holds (created by an earlier run)."""
    try:
        return set(dlt.current.source_schema().tables)
    except Exception:
        return set()


def _active_pipeline() -> Any:
    try:
        return dlt.current.pipeline()
    except Exception:
        return None


def known_keys(
    specs: list[tuple[Table, str, str | None]],
) -> tuple[dict[tuple[str, str], dict], set[str]]:
    """For each (table, group column, cursor column): {group: {primary key: cursor key}}
    of the rows the warehouse holds now, read in one connection; and the tables it lacks.

    Read from the destination of the running pipeline, so "what is already loaded"
    survives the loss of the local dlt folder - and a lost warehouse is noticed even when
    dlt state (cursors) survived it.
    """
    out: dict[tuple[str, str], dict] = {(t.name, g): {} for t, g, _ in specs}
    everything = {t.name for t, _, _ in specs}
    pipeline = _active_pipeline()
    if pipeline is None or getattr(pipeline, "destination", None) is None:
        return out, everything
    missing: set[str] = set()
    try:
        with pipeline.sql_client() as client:
            for table, group, cursor in specs:
                columns = [table.primary_key, group, *([cursor] if cursor else [])]
                names = ", ".join(client.escape_column_name(c) for c in columns)
                try:
                    rows = client.execute_sql(
                        f"SELECT {names} FROM {client.make_qualified_table_name(table.name)}"
                    )
                except DatabaseUndefinedRelation:
                    missing.add(table.name)
                    continue
                found = out[(table.name, group)]
                for row in rows or []:
                    found.setdefault(row[1], {})[row[0]] = cursor_key(row[2]) if cursor else None
    except DatabaseUndefinedRelation:
        return out, everything
    except Exception as exc:  # unreadable: reload everything, delete nothing (safe)
        log.warning("procore: cannot read the warehouse (%s); reloading everything", exc)
        return {(t.name, g): {} for t, g, _ in specs}, everything
    return out, missing


def known_specs() -> list[tuple[Table, str, str | None]]:
    """Every (table, group, cursor) the families compare against the warehouse."""
    specs: list[tuple[Table, str, str | None]] = []
    for family in FAMILIES:
        cursor = UPDATED_AT if UPDATED_AT in validator(family.table.name).rules else None
        specs.append((family.table, family.table.partition, cursor))
        specs.extend((c.table, c.parent_key, None) for c in family.children)
    return specs


@dataclass
class Unit:
    """A parent record and its children: they load together or not at all."""

    raw: dict
    record: dict
    key: Any
    stamp: datetime | None
    deleted: bool = False
    held: bool = False
    children: dict[str, list[dict]] = field(default_factory=dict)


def _tombstone(table: Table, key: Any) -> dict:
    return {table.primary_key: key, DELETED_FLAG: True}


def table_hints(table: Table, parent_key: str | None = None) -> Any:
    """dlt hints of one table: merge on its primary key, typed columns, hard deletes."""
    return dlt.mark.make_hints(
        table_name=table.name,
        write_disposition="merge",
        primary_key=table.primary_key,
        columns=column_hints(table, parent_key),
    )


class FamilySync:
    """Reads one family (parent table + children) for every scope, yielding dlt items."""

    def __init__(self, family: Family, run: SyncRun) -> None:
        assert run.client is not None
        self.family, self.run, self.client = family, run, run.client
        self.table = family.table
        self.settings = run.settings
        self.state: dict = dlt.current.resource_state()
        self.has_cursor = UPDATED_AT in validator(self.table.name).rules
        self.modes: set[str] = set()
        self.declared = {
            family.table.name: set(column_hints(family.table)),
            **{c.table.name: set(column_hints(c.table, c.parent_key)) for c in family.children},
        }
        self.child_seconds: dict[str, float] = {}
        run.result(self.table.name)
        for child in family.children:
            run.result(child.table.name, "children")

    # --- the generator dlt iterates ---------------------------------------------------
    def items(self) -> Iterator[Any]:
        # each table's own hints (key, typed columns) for this run; a new table is created
        # even while empty, so the dbt models can rely on it
        existing = _schema_tables()
        for table, parent_key in (
            (self.table, None),
            *((c.table, c.parent_key) for c in self.family.children),
        ):
            first = table.name not in existing
            yield dlt.mark.with_hints(
                dlt.mark.materialize_table_schema() if first else [],
                table_hints(table, parent_key),
                create_table_variant=True,
            )
        try:
            scopes = self.scopes()
        except Exception as exc:
            self.fail_all(f"the project list could not be read: {exc}")
            return
        total = len(scopes)
        for done, scope_id in enumerate(scopes, 1):
            try:
                yield from self.sync_scope(scope_id)
            except Exception as exc:
                where = "company" if self.family.level == "company" else f"project {scope_id}"
                self.fail_all(f"{where}: {exc}")
            self.run.report_progress(self.table.name, done, total)
        result = self.run.result(self.table.name)
        result.mode = "+".join(sorted(self.modes)) or result.mode
        if self.modes == {"skipped"}:
            result.status = "skipped" if result.status != "failed" else result.status
            result.mode = self.family.mode
            # children are read only under a parent that was read: not read either (a
            # child logged ok would tell read-back checks its data is fresh)
            for child in self.family.children:
                child_result = self.run.result(child.table.name)
                if child_result.status != "failed":
                    child_result.status = "skipped"

    def scopes(self) -> list[int]:
        if self.family.level == "company":
            return [self.client.company_id]
        return self.run.project_scopes()

    def fail_all(self, message: str) -> None:
        self.run.fail(self.table.name, message)
        for child in self.family.children:
            self.run.fail(child.table.name, f"not read: {message}")

    def known(self, table: Table, group: str) -> dict:
        return self.run.known(table, group)

    # --- one scope ----------------------------------------------------------------------------
    def plan(self, scope_state: dict, now: float) -> tuple[str, bool, bool, str | None]:
        """(mode, complete list?, reload unchanged?, updated_at filter or None)."""
        settings, family = self.settings, self.family
        if family.mode == "snapshot":
            return "snapshot", True, self.run.full, None
        if any(self.run.missing(t) for t in family.tables):
            return "full", True, True, None  # nothing loaded yet, whatever state says
        if family.mode == "full":
            if not (
                self.run.full or _due(scope_state.get("pulled_at"), now, settings.full_pull_hours)
            ):
                return "skipped", False, False, None
            return "full", True, True, None
        cursor = scope_state.get("cursor")
        if (
            self.run.full
            or cursor is None
            or _due(scope_state.get("swept_at"), now, settings.sweep_hours)
        ):
            return "full", True, self.run.full, None
        low = parse_timestamp(cursor) - timedelta(seconds=settings.overlap_seconds)
        high = datetime.fromtimestamp(now + settings.future_seconds, UTC)
        return "incremental", False, False, f"{iso(low)}...{iso(high)}"

    def read_list(self, scope: dict, updated_filter: str | None) -> list[dict]:
        if self.table.name == "projects":
            return self.run.project_records()
        params: dict[str, Any] = {}
        if self.family.include_deleted:
            params["filters[include_deleted]"] = "with"
        if updated_filter:
            params["filters[updated_at]"] = updated_filter
        return self.client.fetch(self.table.name, self.family.endpoint, scope, params)

    def sync_scope(self, scope_id: int) -> Iterator[Any]:
        family, table, run = self.family, self.table, self.run
        level_key = COMPANY if family.level == "company" else PROJECT
        scope = {level_key: scope_id}
        project_id = scope_id if level_key == PROJECT else None
        scope_state: dict = self.state.setdefault("scopes", {}).setdefault(str(scope_id), {})
        now = run.clock()
        mode, complete, reload_all, updated_filter = self.plan(scope_state, now)
        self.modes.add(mode)
        if mode == "skipped":
            return
        raw_records = self.read_list(scope, updated_filter)
        read_at = None if table.name == "projects" else self.client.last_read_at
        result = run.result(table.name)

        check = validator(table.name)
        known = self.known(table, table.partition).get(scope_id, {})
        seen: set[Any] = set()
        identified = True
        held_stamps: list[datetime | None] = []
        newest: datetime | None = None
        units: list[Unit] = []
        for raw in raw_records:
            record, findings = check.normalize(raw)
            raw_key = raw.get("id") if isinstance(raw, dict) else None
            if raw_key is None and table.primary_key == "id":
                identified = False
            if findings or record is None:
                run.drifted(findings, project_id)
                stamp = _moment(raw.get(UPDATED_AT)) if isinstance(raw, dict) else None
                held_stamps.append(stamp)
                if raw_key is not None:
                    seen.add(_as_key(raw_key, table))
                continue
            key = record[table.primary_key]
            seen.add(key)
            stamp = _moment(record.get(UPDATED_AT))
            if stamp is not None and (newest is None or stamp > newest):
                newest = stamp
            if (
                not reload_all
                and self.has_cursor
                and key in known
                and known[key] == cursor_key(record.get(UPDATED_AT))
            ):
                continue  # unchanged since it was loaded
            record[level_key] = record.get(level_key) or scope_id
            units.append(Unit(raw, record, key, stamp, deleted=bool(record.get("deleted_at"))))

        errors = self.read_children(units, scope, project_id)
        parents: list[dict] = []
        children: dict[str, list[dict]] = {c.table.name: [] for c in family.children}
        for unit in units:
            if unit.held:
                held_stamps.append(unit.stamp)
                continue
            for child in family.children:
                rows = children[child.table.name]
                kept = self.known(child.table, child.parent_key).get(unit.key, {})
                fresh = unit.children.get(child.table.name, [])
                rows.extend(fresh)
                fresh_keys = {row[child.table.primary_key] for row in fresh}
                rows.extend(_tombstone(child.table, k) for k in kept if k not in fresh_keys)
            for child in family.children:
                unit.record.pop(child.embedded or "", None)
            parents.append(unit.record)
        if complete and identified:
            for key in known:
                if key in seen:
                    continue
                parents.append(_tombstone(table, key))
                for child in family.children:
                    kept = self.known(child.table, child.parent_key).get(key, {})
                    children[child.table.name].extend(_tombstone(child.table, k) for k in kept)

        if complete and newest is None:
            newest = read_at  # nothing listed: the next read starts from Procore's "now"
        if parents:
            result.rows += len(parents)
            yield dlt.mark.with_table_name(
                [_prune(row, self.declared[table.name]) for row in parents], table.name
            )
        for child in family.children:
            rows = children[child.table.name]
            if rows:
                run.result(child.table.name).rows += len(rows)
                rows = [_prune(row, self.declared[child.table.name]) for row in rows]
                yield dlt.mark.with_table_name(rows, child.table.name)
        self.save_state(scope_state, mode, complete, now, newest, held_stamps, errors)

    def save_state(
        self,
        scope_state: dict,
        mode: str,
        complete: bool,
        now: float,
        newest: datetime | None,
        held: list[datetime | None],
        errors: bool,
    ) -> None:
        stamp = iso(datetime.fromtimestamp(now, UTC))
        if self.family.mode == "full":
            if not errors:
                scope_state["pulled_at"] = stamp
            return
        if self.family.mode != "incremental":
            return
        old = scope_state.get("cursor")
        cursor = parse_timestamp(old) if old else None
        if newest is not None and (cursor is None or newest > cursor):
            cursor = newest
        if held:
            if any(h is None for h in held):
                cursor = parse_timestamp(old) if old else None  # cannot place it: stay put
            else:
                earliest = min(h for h in held if h is not None)
                cursor = earliest if cursor is None else min(cursor, earliest)
        if cursor is not None:
            scope_state["cursor"] = iso(cursor)
        if complete and not errors:
            scope_state["swept_at"] = stamp

    # --- children -----------------------------------------------------------------------
    def read_children(self, units: list[Unit], scope: dict, project_id: int | None) -> bool:
        """Fill `unit.children`; hold units whose children cannot be read or drifted.

        Returns True when a read failed (the scope is retried next run).
        """
        errors = False
        for child in self.family.children:
            live = [u for u in units if not u.held and not u.deleted]
            if not live:
                continue
            started = time.perf_counter()
            try:
                errors |= self._read_child(child, live, scope, project_id)
            finally:
                elapsed = time.perf_counter() - started
                self.child_seconds[child.table.name] = (
                    self.child_seconds.get(child.table.name, 0.0) + elapsed
                )
        return errors

    def _read_child(
        self, child: Child, live: list[Unit], scope: dict, project_id: int | None
    ) -> bool:
        name = child.table.name
        batch: dict[Any, list[dict]] | None = None
        if child.embedded:
            batch = {}
            for unit in live:
                rows = unit.raw.get(child.embedded)
                if not isinstance(rows, list):
                    self.run.drifted(
                        [
                            Finding(
                                self.table.name,
                                str(unit.key),
                                child.embedded,
                                "array",
                                "missing" if rows is None else type(rows).__name__,
                                "",
                            )
                        ],
                        project_id,
                    )
                    unit.held = True
                    continue
                batch[unit.key] = rows
        elif child.batch is not None and len(live) > self.settings.batch_threshold:
            try:
                rows = self.client.fetch(name, child.batch, scope)
            except Exception as exc:
                self._child_failed(child, live, f"{_where(scope)}: {exc}")
                return True
            batch = {}
            wanted = {u.key for u in live}
            for row in rows:
                parent = _dotted(row, child.batch_parent or "") if isinstance(row, dict) else None
                if parent in wanted:
                    batch.setdefault(parent, []).append(row)
        for n, unit in enumerate(live):
            if unit.held:
                continue
            if batch is not None:
                rows = batch.get(unit.key, [])
            else:
                assert child.endpoint is not None
                try:
                    rows = self.client.fetch(
                        name, child.endpoint, {**scope, child.parent_key: unit.key}
                    )
                except Exception as exc:
                    self._child_failed(child, live[n:], f"{_where(scope)}: {exc}")
                    return True
            typed = self._typed_children(child, unit, rows, project_id)
            if typed is None:
                unit.held = True
            else:
                unit.children[name] = typed
        return False

    def _child_failed(self, child: Child, units: list[Unit], message: str) -> None:
        self.run.fail(child.table.name, message)
        for unit in units:
            unit.held = True

    def _typed_children(
        self, child: Child, unit: Unit, rows: list[Any], project_id: int | None
    ) -> list[dict] | None:
        check = validator(child.table.name)
        typed: list[dict] = []
        findings: list[Finding] = []
        for raw in rows:
            record, problems = check.normalize(raw)
            if problems or record is None:
                findings.extend(problems)
                continue
            record[child.parent_key] = unit.key
            if project_id is not None:
                record.setdefault(PROJECT, project_id)
            if child.table.primary_key == ROW_KEY:
                record[ROW_KEY] = _row_key(unit.key, record)
            typed.append(record)
        if findings:
            self.run.drifted(findings, project_id)
            return None
        return typed


def _prune(row: dict, declared: set[str], prefix: str = "") -> dict:
    """Drop null values of columns the schema does not declare: an all-null undeclared
    column cannot be typed (dlt warns and skips it), and a missing key loads as NULL."""
    out: dict = {}
    for key, value in row.items():
        column = f"{prefix}{key}"
        if value is None and column not in declared:
            continue
        if isinstance(value, dict):
            value = _prune(value, declared, f"{column}__")
        elif isinstance(value, list):
            value = [_prune(v, set()) if isinstance(v, dict) else v for v in value]
        out[key] = value
    return out


def _as_key(value: Any, table: Table) -> Any:
    if table.v2 and isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def _row_key(parent: Any, record: dict) -> str:
    """Budget detail rows: the budget line item id within its view; unbudgeted rows
    (no id) by what identifies a budget line (cost code, category, biller, WBS code)."""
    if record.get("id") is not None:
        return f"{parent}:{record['id']}"
    parts = [
        record.get(k)
        for k in ("cost_code_id", "category_id", "biller_type", "biller_id", "wbs_code_id")
    ]
    return f"{parent}:u:" + ":".join("" if p is None else str(p) for p in parts)


def _where(scope: dict) -> str:
    return f"project {scope[PROJECT]}" if PROJECT in scope else "company"


def _due(last: str | None, now: float, hours: float) -> bool:
    if not last:
        return True
    try:
        then = parse_timestamp(last).timestamp()
    except ValueError:
        return True
    return now - then >= hours * 3600


def family_resource(family: Family, run: SyncRun) -> Any:
    """The dlt resource of one family (parent table + child tables)."""
    table = family.table

    def extract() -> Iterator[Any]:
        sync = FamilySync(family, run)
        result = run.result(table.name)
        items = sync.items()
        while True:
            started = time.perf_counter()
            try:
                item = next(items)
            except StopIteration:
                result.seconds += time.perf_counter() - started
                break
            result.seconds += time.perf_counter() - started
            yield item
        for name, seconds in sync.child_seconds.items():
            run.result(name).seconds += seconds
            result.seconds = max(0.0, result.seconds - seconds)

    # the tables' hints travel with the items (table variants), one set per table
    return dlt.resource(extract, name=family.name, write_disposition="merge")
