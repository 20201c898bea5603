"""Where the control store lives and how to connect to it.

Default: `sqlite:///$TIEOUT_HOME/control.sqlite` in WAL mode (readers never wait for the
writer) with foreign keys on. `TIEOUT_CONTROL_URL` points it elsewhere, typically
PostgreSQL in production; a missing PostgreSQL database is created on first open.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError

from writers.control.errors import ControlStoreError

URL_ENV = "TIEOUT_CONTROL_URL"
SQLITE_FILE = "control.sqlite"
SQLITE_BUSY_SECONDS = 30  # how long a writer waits for another writer's transaction
WRITE = "tieout_write"  # connection execution option: take SQLite's write lock at BEGIN


def default_url(home: Path | None = None) -> str:
    from orchestration.home import tieout_home

    return f"sqlite:///{(home or tieout_home()) / SQLITE_FILE}"


def resolve_url(url: str | URL | None = None, home: Path | None = None) -> URL:
    """`url`, else TIEOUT_CONTROL_URL, else the SQLite file under TIEOUT_HOME; normalised.

    SQLAlchemy 2.1 maps a bare `postgresql://` to psycopg 3, which tieout does not ship,
    so bare PostgreSQL URLs (and Heroku-style `postgres://`) get the psycopg2 driver.
    """
    raw = url or os.environ.get(URL_ENV) or default_url(home)
    try:
        parsed = sa.make_url(raw)
    except ArgumentError as exc:
        raise ControlStoreError(
            f"cannot parse the control store URL {_mask(str(raw))!r}: use "
            "sqlite:///path/control.sqlite or postgresql://user@host:5432/database "
            f"(set {URL_ENV})"
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg2")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ControlStoreError(
            f"unsupported control store {describe(parsed)}: {URL_ENV} must be a sqlite:/// "
            "or postgresql:// URL"
        )
    if parsed.get_backend_name() == "postgresql" and not parsed.database:
        raise ControlStoreError(
            f"the control store URL {describe(parsed)} names no database: add one, e.g. "
            "postgresql://postgres@127.0.0.1:5432/tieout_control"
        )
    return parsed


def describe(url: URL) -> str:
    """The URL as it may be shown: password masked."""
    return url.render_as_string(hide_password=True)


def _mask(raw: str) -> str:
    try:
        return describe(sa.make_url(raw))
    except ArgumentError:
        return raw.split("@")[-1]


def make_engine(url: URL) -> Engine:
    """An engine with the store's connection settings; nothing is connected yet."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Take transaction control from the sqlite3 driver (it skips BEGIN before DDL and
        # SELECT): SQLAlchemy's `begin` below emits it, so migrations are transactional.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # A write transaction reads (validation, the row's `before`) and then writes. With
        # a deferred BEGIN, two such writers can deadlock on the lock upgrade and SQLite
        # fails one at once instead of waiting; IMMEDIATE makes the second one wait.
        write = conn.get_execution_options().get(WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _use_wal(cursor) -> None:
    """Switch a new database file to WAL (a persistent setting: later connections find it
    on). The switch needs the file to itself, and SQLite answers "database is locked" at
    once rather than waiting when several processes open a brand-new store together, so
    it is retried for a while."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
            return
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def ensure_database(url: URL) -> bool:
    """Create the PostgreSQL database `url` names when it does not exist (True if created)."""
    if url.get_backend_name() != "postgresql":
        return False
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if exists:
                return False
            quoted = admin.dialect.identifier_preparer.quote(url.database)
            try:
                conn.exec_driver_sql(f"CREATE DATABASE {quoted}")
            except DBAPIError as exc:
                # created meanwhile by another process: duplicate_database, or the catalog's
                # unique index when both CREATEs ran at the same moment
                if getattr(exc.orig, "pgcode", None) in ("42P04", "23505"):
                    return False
                raise ControlStoreError(
                    f"cannot create the control store database {url.database!r} on "
                    f"{describe(url)}: {first_line(exc)}; create it yourself or grant "
                    "CREATEDB to that user"
                ) from exc
            return True
    except DBAPIError as exc:
        raise ControlStoreError(
            f"cannot reach PostgreSQL for the control store {describe(url)}: "
            f"{first_line(exc)}; check that the server runs and {URL_ENV}"
        ) from exc
    finally:
        admin.dispose()


def first_line(exc: BaseException) -> str:
    """The driver's message, one line, without SQLAlchemy's SQL and background link."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return text[0] if text else type(orig).__name__


def missing_database(exc: DBAPIError) -> bool:
    """True when PostgreSQL refused the connection because the database does not exist."""
    message = str(exc.orig or exc)
    return "does not exist" in message and "database" in message
