"""ODBC reading, type conversion, change detection and error messages for the Sage source.

Everything here talks to Sage the way any ODBC source with the catalogue's tables can be
talked to: `SELECT "col", … FROM "TABLE" [WHERE "col" >= ?]`, `?` parameters, quoted
identifiers, no catalog calls, streaming with `fetchmany`. Columns are probed with
`SELECT * FROM "TABLE" WHERE 1 = 0`, because a misspelt quoted column is silently read as
a string literal by SQLite (and nothing guarantees another driver fails loudly either).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from hashlib import blake2b
from time import perf_counter
from typing import Any

import dlt
import pyodbc

from pipelines.sage.settings import (
    DELETED,
    INCREMENTAL,
    MONEY_PRECISION,
    MONEY_SCALE,
    REPLACE,
    ROW_HASH,
    SNAPSHOT,
    TableStrategy,
)
from sandbox.sage.catalogue import Column, Table
from sandbox.sage.errors import SageOdbcError

LOGIN_TIMEOUT = 15  # seconds; Sage's driver is slow to connect over a network share
ProgressCallback = Callable[[str, int, "int | None"], None]


class SageSyncError(SageOdbcError):
    """Reading Sage failed; the message names the connection and table and says what to fix."""


# ---------------------------------------------------------------- connection strings


def describe(conn_str: str) -> str:
    """A connection string fit for messages and logs: passwords masked."""
    return re.sub(r"(?i)\b(PWD|PASSWORD)=(\{[^}]*\}|[^;]*)", r"\1=***", conn_str)


def connection_string_from(connection_string: str | None, dsn: str | None) -> str:
    """The ODBC connection string from `sources.sage.connection_string` or `sources.sage.dsn`."""
    if connection_string:
        return str(connection_string)
    if dsn:
        return f"DSN={dsn}"
    raise SageSyncError(
        "no Sage connection configured: set sources.sage.connection_string (env "
        "SOURCES__SAGE__CONNECTION_STRING, or .dlt/secrets.toml [sources.sage]) or "
        "sources.sage.dsn. Sage 300 CRE: 'Driver={Timberline Data};DBQ=\\\\server\\data\\"
        "Company\\;UID=…;PWD=…;StandardMode=1;MaxColSupport=1536;DatabaseType=1'."
    )


# ---------------------------------------------------------------- ODBC errors


def odbc_error(exc: BaseException, *, connection: str, table: str | None = None) -> SageSyncError:
    """Turn a driver error into a message naming the connection and table and the fix."""
    args = getattr(exc, "args", ())
    state = args[0] if len(args) > 1 and isinstance(args[0], str) else ""
    text = str(args[1] if len(args) > 1 else exc)
    low = text.lower()
    on = f"on {connection}" + (f" (reading {table})" if table else "")
    is_dsn = bool(re.match(r"(?i)\s*DSN=", connection))
    if "can't open lib" in low or state == "IM003" or (state == "IM002" and not is_dsn):
        drivers = ", ".join(pyodbc.drivers()) or "none"
        return SageSyncError(
            f"ODBC driver not found {on}: {text}. Registered drivers: {drivers}. Fix: use a "
            "driver listed by `odbcinst -q -d` in Driver={…} — Sage 300 CRE's is "
            "{Timberline Data} (32-bit Python on the Sage server); the test company's is "
            "{SQLite3} (`make venv` installs it)."
        )
    if state == "IM002" or "data source name not found" in low:
        return SageSyncError(
            f"ODBC data source (DSN) not found {on}: {text}. Fix: create the DSN (32-bit ODBC "
            "administrator for Sage; an odbc.ini named by ODBCINI on unixODBC) or set "
            "sources.sage.connection_string instead."
        )
    if state.startswith("28") or re.search(r"login|password|not authori[sz]ed|invalid user", low):
        return SageSyncError(
            f"Sage login failed {on}: {text}. Fix: UID/PWD must be a Sage user (Security "
            "Administration, case-sensitive) whose role has ODBC read access to the tables."
        )
    if "unable to open database" in low or "connect failed" in low or "cannot open" in low:
        return SageSyncError(
            f"cannot open the Sage company database {on}: {text}. The file or data folder is "
            "missing or not readable. Fix: point Database= (test company) or DBQ= (Sage, the "
            "company data folder with a trailing backslash) at an existing company."
        )
    if "no such table" in low or state == "42S02" or "table or view not found" in low:
        return SageSyncError(
            f"Table or view not found: {table or text} {on}. On Sage this means a wrong "
            "DatabaseType, a missing DBQ, no ODBC read access for the user or an unlicensed "
            "module; list tables the company does not license in sources.sage.exclude_tables."
        )
    if "no such column" in low or state == "42S22" or "column not found" in low:
        return SageSyncError(
            f"Column not found {on}: {text}. Read with StandardMode=1;MaxColSupport=1536 so the "
            "catalogue's column names (sandbox/sage/catalogue.py) exist."
        )
    if "locked" in low or "busy" in low or state in ("HYT00", "HYT01", "40001"):
        return SageSyncError(
            f"{table or 'the Sage company'} is locked {on}: {text}. Another user or a posting "
            "holds it; rerun when it finishes (nothing from this sync was loaded)."
        )
    return SageSyncError(f"ODBC error {on}: [{state or type(exc).__name__}] {text}")


# ---------------------------------------------------------------- connections


class ConnectionPool:
    """ODBC connections to one Sage company, opened lazily and reused.

    dlt is told to drain resources one after another (`next_item_mode = fifo`), so a sync
    uses one connection; if resources are interleaved, a busy connection is never shared
    (Sage's driver need not support several open result sets per connection).
    """

    def __init__(
        self, conn_str: str, *, login_timeout: int = LOGIN_TIMEOUT, keep_idle: bool = True
    ) -> None:
        """`keep_idle=False` closes each connection when its table is done (no owner who
        would call `close()`)."""
        self.conn_str = conn_str
        self.keep_idle = keep_idle
        self.label = describe(conn_str)
        self.login_timeout = login_timeout
        self._idle: list[pyodbc.Connection] = []
        self._open: list[pyodbc.Connection] = []

    @contextmanager
    def connection(self, table: str) -> Iterator[pyodbc.Connection]:
        conn = self._idle.pop() if self._idle else self._connect(table)
        try:
            yield conn
        finally:
            if self.keep_idle:
                self._idle.append(conn)
            else:
                self._open.remove(conn)
                with suppress(pyodbc.Error):
                    conn.close()

    def _connect(self, table: str) -> pyodbc.Connection:
        try:
            conn = pyodbc.connect(self.conn_str, autocommit=True, timeout=self.login_timeout)
        except pyodbc.Error as exc:
            raise odbc_error(exc, connection=self.label, table=table) from exc
        self._open.append(conn)
        return conn

    def close(self) -> None:
        for conn in self._open:
            with suppress(pyodbc.Error):
                conn.close()
        self._open.clear()
        self._idle.clear()


def quote(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"not a Sage table or column name: {name!r}")
    return f'"{name}"'


def select_sql(table: str, columns: Sequence[str] | None, where: str | None = None) -> str:
    """`SELECT "a", "b" FROM "T" [WHERE …]`: the one statement shape sent to Sage."""
    cols = ", ".join(quote(c) for c in columns) if columns else "*"
    sql = f"SELECT {cols} FROM {quote(table)}"
    return f"{sql} WHERE {where}" if where else sql


def read_batches(
    pool: ConnectionPool,
    conn: pyodbc.Connection,
    table: Table,
    *,
    where: str | None = None,
    params: Sequence[Any] = (),
    batch_size: int,
    stats: TableStats,
) -> Iterator[list[pyodbc.Row]]:
    """Stream `table`'s catalogue columns in `fetchmany` batches (never the whole table)."""
    columns = table.column_names
    cursor = conn.cursor()
    try:
        stats.queries += 1
        cursor.execute(select_sql(table.name, None, "1 = 0"))
        present = {d[0].lower() for d in cursor.description}
        missing = [c for c in columns if c.lower() not in present]
        if missing:
            raise SageSyncError(
                f"Column not found: {', '.join(missing)} in {table.name} on {pool.label}. "
                "Read with StandardMode=1;MaxColSupport=1536 so the catalogue's column names "
                "(sandbox/sage/catalogue.py) exist."
            )
        stats.queries += 1
        sql = select_sql(table.name, columns, where)
        cursor.execute(sql, *params) if params else cursor.execute(sql)
        while True:
            rows = cursor.fetchmany(batch_size)
            if not rows:
                return
            yield rows
    except pyodbc.Error as exc:
        raise odbc_error(exc, connection=pool.label, table=table.name) from exc
    finally:
        with suppress(pyodbc.Error):
            cursor.close()


# ---------------------------------------------------------------- types


_CENT = Decimal(1).scaleb(-MONEY_SCALE)


def to_money(value: Any) -> Decimal | None:
    """Sage money is a double: round it to cents through its shortest decimal repr.

    `Decimal(str(1234.56))` is exactly 1234.56 (never 1234.5599999999999454…), then
    `quantize(0.01, ROUND_HALF_UP)` drops float noise such as 1234.5600000000002.
    """
    if value is None:
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"money value {value!r} is not a number")
        value = Decimal(repr(value))
    elif not isinstance(value, Decimal):
        try:
            value = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"money value {value!r} is not a number") from exc
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def to_date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    text = str(value).strip()
    return date.fromisoformat(text[:10]) if text else None


def _to_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _to_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _to_text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": _to_text,
    "money": to_money,
    "number": _to_float,
    "int": _to_int,
    "date": to_date,
    "flag": _to_int,  # Sage flags stay 0/1 integers, as Sage returns them
}

_HINTS: dict[str, dict[str, Any]] = {
    "text": {"data_type": "text"},
    "money": {"data_type": "decimal", "precision": MONEY_PRECISION, "scale": MONEY_SCALE},
    "number": {"data_type": "double"},
    "int": {"data_type": "bigint"},
    "date": {"data_type": "date"},
    "flag": {"data_type": "bigint"},
}


def column_hints(strategy: TableStrategy, *, replace: bool = False) -> dict[str, dict[str, Any]]:
    """dlt column hints: every catalogue column typed (so all-NULL columns exist too).

    Snapshot tables add the row hash and the `hard_delete` marker column; the marker is a
    delete instruction only under merge (dlt warns about the hint under replace).
    """
    key = set(strategy.key)
    hints: dict[str, dict[str, Any]] = {
        c.name: {**_HINTS[c.type], "nullable": c.name not in key} for c in strategy.table.columns
    }
    if strategy.strategy in (SNAPSHOT, REPLACE):
        hints[ROW_HASH] = {"data_type": "bigint", "nullable": True}
    if strategy.strategy == SNAPSHOT:
        hints[DELETED] = {"data_type": "bool", "nullable": True, "hard_delete": not replace}
    return hints


def row_converter(columns: Sequence[Column]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    funcs = [CONVERTERS[c.type] for c in columns]

    def convert(row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(f(v) for f, v in zip(funcs, row, strict=True))

    return convert


def _canonical(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def row_hash(values: Sequence[Any]) -> int:
    """Signed 64-bit BLAKE2b of the converted values (catalogue order)."""
    digest = blake2b("\x1f".join(map(_canonical, values)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# ---------------------------------------------------------------- the warehouse side


class Warehouse:
    """What the destination already holds: row hashes, keys, high-water marks.

    The warehouse is the single source of truth for change detection and the high-water
    mark: there is no separate cursor state that could drift from the data, so a lost
    dlt folder, a restored warehouse or a crashed sync cannot make a sync skip rows —
    each table is compared with what is actually loaded. Without an active pipeline or
    destination every lookup is empty, i.e. a full snapshot.
    """

    def __init__(self, pipeline: dlt.Pipeline | None) -> None:
        self.pipeline = pipeline
        self._client: Any = None
        self._stack = ExitStack()

    @classmethod
    def current(cls) -> Warehouse:
        try:
            return cls(dlt.current.pipeline())
        except Exception:  # no active pipeline: a standalone extract
            return cls(None)

    def _sql_client(self) -> Any:
        """One destination connection for the whole extract (opening one costs ~40 ms)."""
        if self._client is None:
            self._client = self._stack.enter_context(self.pipeline.sql_client())
        return self._client

    def close(self) -> None:
        self._client = None
        self._stack.close()

    def _query(
        self, table: str, select: str, where: str = "", params: Sequence[Any] = ()
    ) -> Iterator[tuple[Any, ...]]:
        """Rows of `SELECT <select> FROM <dataset>.<table> <where>`; none if no such table.

        `select` and `where` may use `{name}` placeholders for escaped column names.
        """
        from dlt.destinations.exceptions import DatabaseUndefinedRelation

        if self.pipeline is None or self.pipeline.destination is None:
            return
        client = self._sql_client()
        esc = _Escaper(client.escape_column_name)
        sql = (
            f"SELECT {select.format_map(esc)} FROM "
            f"{client.make_qualified_table_name(table)} {where.format_map(esc)}"
        )
        try:
            with client.execute_query(sql, *params) as cursor:
                while rows := cursor.fetchmany(50_000):
                    for row in rows:
                        yield tuple(row)
        except DatabaseUndefinedRelation:
            return

    def columns(self, table: str) -> set[str] | None:
        """The warehouse table's column names; None when it does not exist (yet)."""
        from dlt.destinations.exceptions import DatabaseUndefinedRelation

        if self.pipeline is None or self.pipeline.destination is None:
            return None
        client = self._sql_client()
        try:
            name = client.make_qualified_table_name(table)
            with client.execute_query(f"SELECT * FROM {name} WHERE 1 = 0") as cursor:
                return {d[0] for d in cursor.description}
        except DatabaseUndefinedRelation:
            return None

    def has_table(self, table: str) -> bool:
        return self.columns(table) is not None

    def hashes(self, table: str, key: Sequence[str]) -> dict[tuple[Any, ...], int]:
        """{key: row hash} of every row the warehouse holds for `table`.

        Empty when the table or its hash column is missing (loaded before hashes
        existed): then every row counts as changed once.
        """
        if ROW_HASH not in (self.columns(table) or ()):
            return {}
        n = len(key)
        select = ", ".join(f"{{{c}}}" for c in (*key, ROW_HASH))
        return {row[:n]: row[n] for row in self._query(table, select)}

    def hash_counts(self, table: str) -> Counter[int]:
        """The multiset of row hashes of a keyless table (empty if unknown)."""
        if ROW_HASH not in (self.columns(table) or ()):
            return Counter()
        return Counter(h for (h,) in self._query(table, f"{{{ROW_HASH}}}"))

    def keys_from(
        self, table: str, key: Sequence[str], column: str, low: Any
    ) -> set[tuple[Any, ...]]:
        """Keys of the rows whose `column` >= `low` (the incremental overlap)."""
        select = ", ".join(f"{{{c}}}" for c in key)
        return set(self._query(table, select, f"WHERE {{{column}}} >= %s", (low,)))

    def max_value(self, table: str, column: str) -> Any:
        """The high-water mark: max(`column`), None when the table is absent or empty."""
        for (value,) in self._query(table, f"max({{{column}}})"):
            return value
        return None


class _Escaper(dict):
    def __init__(self, escape: Callable[[str], str]) -> None:
        super().__init__()
        self._escape = escape

    def __missing__(self, name: str) -> str:
        return self._escape(name)


# ---------------------------------------------------------------- run bookkeeping


@dataclass
class TableStats:
    table: str
    mode: str = ""
    status: str = "pending"  # pending | ok | failed | skipped
    read: int = 0  # rows read from Sage
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    queries: int = 0
    seconds: float = 0.0
    error: str = ""

    @property
    def changed(self) -> int:
        return self.inserted + self.updated + self.deleted


class SyncObserver:
    """Collects per-table figures while dlt extracts; `run_sage_sync` turns them into a report."""

    def __init__(self, progress: ProgressCallback | None = None, *, owned: bool = True) -> None:
        """`owned`: the caller calls `close()` after the extract, so connections (ODBC and
        the destination view) stay open from table to table; otherwise each table opens
        and closes its own (a standalone `pipeline.run(sage_source())`, where dlt may
        interleave tables)."""
        self.progress = progress
        self.owned = owned
        self.tables: dict[str, TableStats] = {}
        self.failure: tuple[str, str] | None = None  # (table, message)
        self.pools: list[ConnectionPool] = []
        self._warehouse: Warehouse | None = None

    @property
    def warehouse(self) -> Warehouse:
        """The destination view all tables of this extract share (opened on first use)."""
        if self._warehouse is None:
            self._warehouse = Warehouse.current()
        return self._warehouse

    def start(self, table: str, mode: str) -> TableStats:
        stats = self.tables[table] = TableStats(table, mode=mode, status="running")
        return stats

    def read(self, stats: TableStats, rows: int, done: bool = False) -> None:
        stats.read += rows
        if self.progress is not None:
            self.progress(stats.table, stats.read, stats.read if done else None)

    def fail(self, stats: TableStats, exc: BaseException) -> None:
        message = (
            str(exc)
            if isinstance(exc, SageOdbcError)
            else (f"{stats.table}: {type(exc).__name__}: {exc}")
        )
        stats.status, stats.error = "failed", message
        if self.failure is None:
            self.failure = (stats.table, message)

    def close(self) -> None:
        """Close the ODBC connections and the destination view (idempotent)."""
        for pool in self.pools:
            pool.close()
        if self._warehouse is not None:
            self._warehouse.close()
            self._warehouse = None


# ---------------------------------------------------------------- the row generators


def extract_table(
    strategy: TableStrategy,
    pool: ConnectionPool,
    observer: SyncObserver,
    *,
    full: bool,
    batch_size: int | None,
) -> Iterator[Any]:
    """The body of one table's dlt resource: read Sage, compare, yield changes."""
    table = strategy.table
    mode = "full" if full or strategy.strategy == REPLACE else strategy.strategy
    stats = observer.start(table.name, mode)
    size = batch_size or strategy.batch_size
    started = perf_counter()
    # owned: one destination view for the whole extract; else one per table, closed below
    warehouse = observer.warehouse if observer.owned else Warehouse.current()
    try:
        with pool.connection(table.name) as conn:
            if full:
                body = _replace(strategy, pool, conn, stats, observer, size)
            elif strategy.strategy == REPLACE:
                body = _replace_counting(strategy, pool, conn, stats, observer, size, warehouse)
            elif strategy.strategy == INCREMENTAL:
                body = _incremental(strategy, pool, conn, stats, observer, size, warehouse)
            else:
                body = _snapshot(strategy, pool, conn, stats, observer, size, warehouse)
            yielded = False
            for item in body:
                yielded = True
                yield item
            replace = full or strategy.strategy == REPLACE
            if not yielded and (replace or not warehouse.has_table(table.name)):
                # an empty Sage table still gets its (empty) warehouse table, and a
                # replace of a table Sage emptied truncates it
                yield dlt.mark.materialize_table_schema()
        stats.status = "ok"
        observer.read(stats, 0, done=True)
    except Exception as exc:
        observer.fail(stats, exc)
        raise
    finally:
        stats.seconds += perf_counter() - started
        if not observer.owned:
            warehouse.close()


def _replace(strategy, pool, conn, stats, observer, size) -> Iterator[list[dict]]:
    table = strategy.table
    names = table.column_names
    convert = row_converter(table.columns)
    hashed = strategy.strategy in (SNAPSHOT, REPLACE)
    for batch in read_batches(pool, conn, table, batch_size=size, stats=stats):
        out = []
        for raw in batch:
            values = convert(raw)
            record = dict(zip(names, values, strict=True))
            if hashed:
                record[ROW_HASH] = row_hash(values)
            out.append(record)
        stats.inserted += len(out)
        observer.read(stats, len(batch))
        yield out


def _replace_counting(strategy, pool, conn, stats, observer, size, warehouse) -> Iterator[Any]:
    """Keyless tables: rewrite the whole table, report only what differs.

    dlt truncates a `replace` table even when its resource yields nothing, so the table is
    always rewritten (they are one-row settings tables); `inserted`/`deleted` count the
    rows whose hash is new / gone, so an unchanged table reports 0 changes.
    """
    stored = warehouse.hash_counts(strategy.name)
    current: Counter[int] = Counter()
    for batch in _replace(strategy, pool, conn, stats, observer, size):
        current.update(record[ROW_HASH] for record in batch)
        yield batch
    stats.inserted = sum((current - stored).values())
    stats.deleted = sum((stored - current).values())


def _snapshot(strategy, pool, conn, stats, observer, size, warehouse) -> Iterator[list[dict]]:
    table = strategy.table
    names = table.column_names
    convert = row_converter(table.columns)
    key_at = [names.index(k) for k in table.key]
    known = warehouse.hashes(table.name, table.key)
    for batch in read_batches(pool, conn, table, batch_size=size, stats=stats):
        out = []
        for raw in batch:
            values = convert(raw)
            digest = row_hash(values)
            old = known.pop(tuple(values[i] for i in key_at), None)
            if old == digest:
                continue
            if old is None:
                stats.inserted += 1
            else:
                stats.updated += 1
            record = dict(zip(names, values, strict=True))
            record[ROW_HASH] = digest
            out.append(record)
        observer.read(stats, len(batch))
        if out:
            yield out
    # keys the warehouse has and Sage no longer has: delete markers (dlt hard_delete)
    gone = list(known)
    stats.deleted = len(gone)
    for start in range(0, len(gone), size):
        yield [
            {**dict(zip(table.key, key, strict=True)), DELETED: True}
            for key in gone[start : start + size]
        ]


def _incremental(strategy, pool, conn, stats, observer, size, warehouse) -> Iterator[list[dict]]:
    table = strategy.table
    names = table.column_names
    convert = row_converter(table.columns)
    key_at = [names.index(k) for k in table.key]
    cursor = strategy.cursor
    assert cursor is not None
    high = warehouse.max_value(table.name, cursor)
    if high is None:
        stats.mode = "full"
        where, params, known = None, (), set()
    else:
        where, params = f"{quote(cursor)} >= ?", (high,)
        known = warehouse.keys_from(table.name, table.key, cursor, high)
    for batch in read_batches(
        pool, conn, table, where=where, params=params, batch_size=size, stats=stats
    ):
        out = []
        for raw in batch:
            values = convert(raw)
            if tuple(values[i] for i in key_at) in known:
                continue
            out.append(dict(zip(names, values, strict=True)))
        stats.inserted += len(out)
        observer.read(stats, len(batch))
        if out:
            yield out
