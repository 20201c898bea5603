"""Alembic environment for the control store.

`writers.control.migrate.upgrade()` runs this with an open connection (already inside the
transaction that holds the migration lock) in `config.attributes["connection"]`. Run
without one (the `alembic` command with a config from `migrate.alembic_config()`), it
connects to `sqlalchemy.url`, else TIEOUT_CONTROL_URL / the default SQLite file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from writers.control.migrate import VERSION_TABLE
from writers.control.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        # SQLite cannot ALTER most things: batch mode copies the table into its new shape,
        # data included, so an upgrade never loses rows.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
elif context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    from writers.control.engine import make_engine, resolve_url

    engine = make_engine(resolve_url(config.get_main_option("sqlalchemy.url") or None))
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()
