"""Bring a control store's schema to the newest revision: run on every open.

Migrations live in `migrations/versions/` (Alembic, hand-written). `upgrade()` reads the
store's revision first and returns at once when it is current, so opening the store costs
one query; otherwise it migrates inside one transaction that also holds a lock (SQLite's
write lock, a PostgreSQL advisory lock), so two processes opening a new store at the same
moment migrate it once.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, Engine

from writers.control.engine import WRITE, describe
from writers.control.errors import ControlStoreError

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "control_schema_version"  # not `alembic_version`: the database may be shared
_PG_LOCK_KEY = 0x7469656F7574  # "tieout": the advisory lock held while migrating


def alembic_config(url: URL | str | None = None) -> Config:
    """An Alembic config for this store (for `command.revision`, `command.history`, …)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        rendered = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head() -> str:
    """The newest revision this code knows."""
    revision = _scripts().get_current_head()
    assert revision is not None, "no migrations found"
    return revision


def current_revision(engine: Engine) -> str | None:
    """The store's revision (None: a new, empty store)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the store to `revision` (default: the newest); a no-op when it is there."""
    target = head() if revision == "head" else revision
    current = current_revision(engine)
    if current == target:
        return
    _check_known(current, engine)
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)


def _check_known(current: str | None, engine: Engine) -> None:
    if current is None:
        return
    try:
        _scripts().get_revision(current)
    except Exception as exc:  # alembic raises several kinds for an unknown id
        raise ControlStoreError(
            f"the control store {describe(engine.url)} is at schema revision {current!r}, "
            f"which this tieout does not know (newest here: {head()!r}): it was migrated by "
            "a newer tieout; upgrade tieout, or point TIEOUT_CONTROL_URL at another store"
        ) from exc
