"""Copy the raw schemas from the DuckDB warehouse into the PostgreSQL warehouse.

`tieout build --target postgres` runs the same dbt project on PostgreSQL, so the tables dbt
reads (`raw_procore`, `raw_sage`, `raw_control`) must exist there exactly as in DuckDB:

- **names**: dlt's `direct` naming convention for every dataset, so Sage's
  `JCM_MASTER__JOB.Original_Estimate` stays `"JCM_MASTER__JOB"."Original_Estimate"`
  (the default `snake_case` would lower-case it and the dbt sources would not find it);
- **types**: rows travel as Arrow batches read from DuckDB, so DECIMAL(18,2) money lands as
  `numeric(18,2)`, never float, and timestamps keep their zone;
- **values**: loaded with `insert_values`, not CSV `COPY`: dlt's COPY turns every empty
  string into NULL (`FORCE_NULL`), and Sage uses `''` as a key (the primary job's `Extra`);
- **which tables**: every table of each schema except dlt's bookkeeping (`_dlt_*`, which
  the PostgreSQL pipeline writes for itself); tieout's own `_tieout_*` tables are data and
  are copied. Each table is replaced (`write_disposition="replace"`).

After loading, every copied table is checked in PostgreSQL's information_schema (same
column names) and by row count; a difference raises `ReplicationError`.

Connection: PG* environment variables (`PGHOST` 127.0.0.1, `PGPORT` 5432, `PGUSER`
postgres, `PGPASSWORD`), database `TIEOUT_PG_DATABASE` (default `tieout`, created when
missing) — the same variables the dbt `postgres` target in profiles.yml reads.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import dlt

from pipelines.warehouse import (
    CONTROL_DATASET,
    PROCORE_DATASET,
    SAGE_DATASET,
    pipelines_dir,
    warehouse_path,
)

RAW_DATASETS = (PROCORE_DATASET, SAGE_DATASET, CONTROL_DATASET)
BATCH_ROWS = 50_000
# dlt's postgres destination refuses credentials without a password, even under trust
# auth; the server ignores it then.
PLACEHOLDER_PASSWORD = "unused"

Progress = Callable[[str, int, "int | None"], None]


class ReplicationError(Exception):
    """The copy cannot run or did not arrive intact; the message says what to fix."""


@dataclass(frozen=True)
class PgSettings:
    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_env(cls, database: str | None = None) -> PgSettings:
        try:
            port = int(os.environ.get("PGPORT") or 5432)
        except ValueError as exc:
            raise ReplicationError(f"PGPORT={os.environ['PGPORT']!r} is not a port number") from exc
        return cls(
            host=os.environ.get("PGHOST") or "127.0.0.1",
            port=port,
            user=os.environ.get("PGUSER") or "postgres",
            password=os.environ.get("PGPASSWORD") or "",
            database=database or os.environ.get("TIEOUT_PG_DATABASE") or "tieout",
        )

    def describe(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.database}"

    def dlt_credentials(self) -> str:
        password = quote(self.password or PLACEHOLDER_PASSWORD, safe="")
        return (
            f"postgresql://{quote(self.user, safe='')}:{password}@{self.host}:{self.port}/"
            f"{quote(self.database, safe='')}"
        )

    def connect(self, database: str | None = None):
        """A psycopg2 connection (autocommit), or `ReplicationError` saying how to fix it."""
        import psycopg2

        try:
            conn = psycopg2.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password or None,
                dbname=database or self.database,
                connect_timeout=10,
            )
        except psycopg2.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ReplicationError(
                f"cannot connect to PostgreSQL at {self.host}:{self.port} as {self.user} "
                f"({reason}); start the server or set PGHOST, PGPORT, PGUSER, PGPASSWORD"
            ) from exc
        conn.autocommit = True
        return conn


@dataclass
class TableCopy:
    dataset: str
    table: str
    rows: int
    columns: dict[str, str] = field(default_factory=dict)  # name → DuckDB type


@dataclass
class ReplicationReport:
    database: str
    created_database: bool = False
    tables: list[TableCopy] = field(default_factory=list)
    missing_datasets: list[str] = field(default_factory=list)  # not in DuckDB: nothing copied
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def ensure_database(settings: PgSettings) -> bool:
    """Create the warehouse database when it does not exist; True when it was created."""
    from psycopg2 import sql

    conn = settings.connect("postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (settings.database,))
            if cur.fetchone():
                return False
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(settings.database)))
            return True
    finally:
        conn.close()


def raw_tables(con, dataset: str) -> list[str]:
    """The tables of `dataset` worth copying: all but dlt's bookkeeping (`_dlt_*`)."""
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = ? order by table_name",
        [dataset],
    ).fetchall()
    return [name for (name,) in rows if not name.startswith("_dlt_")]


def _arrow_resource(con, dataset: str, table: str, on_done: Callable[[], None]):
    """One DuckDB table as Arrow batches (its own cursor: dlt interleaves resources)."""

    def batches() -> Iterator:
        cursor = con.cursor()
        try:
            reader = cursor.sql(f'select * from "{dataset}"."{table}"').to_arrow_reader(BATCH_ROWS)
            sent = False
            for batch in reader:
                if batch.num_rows:
                    sent = True
                    yield batch
            if not sent:  # an empty table must still be created (and emptied) in PostgreSQL
                yield reader.schema.empty_table()
        finally:
            cursor.close()
        on_done()

    return dlt.resource(batches(), name=table, write_disposition="replace")


def _not_slow_writer_warning(record: logging.LogRecord) -> bool:
    return "ArrowToInsertValuesWriter" not in record.getMessage()


@contextmanager
def _quiet_dlt() -> Iterator[None]:
    """dlt warns per table that Arrow → insert_values is slower than COPY; that is the
    choice made above (COPY loses empty strings), so keep the warning out of the CLI."""
    logger = logging.getLogger("dlt")
    logger.addFilter(_not_slow_writer_warning)
    try:
        yield
    finally:
        logger.removeFilter(_not_slow_writer_warning)


def replicate_raw(
    home: Path | None = None,
    *,
    settings: PgSettings | None = None,
    datasets: tuple[str, ...] = RAW_DATASETS,
    progress: Progress | None = None,
) -> ReplicationReport:
    """Replace the PostgreSQL copies of `datasets` with the DuckDB warehouse's tables."""
    import duckdb

    started = time.perf_counter()
    settings = settings or PgSettings.from_env()
    source = warehouse_path(home)
    if not source.is_file():
        raise ReplicationError(
            f"no DuckDB warehouse at {source}: run `tieout sync` first (or point "
            "TIEOUT_HOME / TIEOUT_WAREHOUSE at it)"
        )
    report = ReplicationReport(database=settings.database)
    report.created_database = ensure_database(settings)
    destination = dlt.destinations.postgres(
        credentials=settings.dlt_credentials(), naming_convention="direct"
    )
    try:
        con = duckdb.connect(str(source), read_only=True)
    except duckdb.Error as exc:
        raise ReplicationError(
            f"cannot read the warehouse {source}: {exc}; if another process (a sync, "
            "Dagster) is writing it, wait for it to finish"
        ) from exc
    try:
        with (
            _quiet_dlt(),
            tempfile.TemporaryDirectory(prefix="replicate-", dir=pipelines_dir(home)) as state,
        ):
            for dataset in datasets:
                tables = raw_tables(con, dataset)
                if not tables:
                    report.missing_datasets.append(dataset)
                    continue
                _load_dataset(con, dataset, tables, destination, Path(state), progress)
                for table in tables:
                    report.tables.append(_describe(con, dataset, table))
    finally:
        con.close()
    verify(settings, report)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _describe(con, dataset: str, table: str) -> TableCopy:
    (count,) = con.execute(f'select count(*) from "{dataset}"."{table}"').fetchone()
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [dataset, table],
    ).fetchall()
    return TableCopy(dataset, table, count, dict(columns))


def _load_dataset(con, dataset, tables, destination, state: Path, progress) -> None:
    stage = f"copy {dataset} → PostgreSQL"
    done = 0

    def table_done() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(stage, done, len(tables))

    if progress:
        progress(stage, 0, len(tables))
    pipeline = dlt.pipeline(
        pipeline_name=f"tieout_replicate_{dataset}",
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=str(state),
    )
    try:
        pipeline.run(
            [_arrow_resource(con, dataset, t, table_done) for t in tables],
            loader_file_format="insert_values",
        )
    except Exception as exc:  # dlt wraps the cause; show the root, not the traceback
        cause = exc
        while cause.__cause__ is not None:
            cause = cause.__cause__
        raise ReplicationError(
            f"copying {dataset} to PostgreSQL failed: {str(cause).strip().splitlines()[0]}"
        ) from exc


def verify(settings: PgSettings, report: ReplicationReport) -> None:
    """Every copied table has, in PostgreSQL, the same row count and column names (exact
    case), and each DECIMAL(p,s) column is `numeric(p,s)` there (money never turns float)."""
    conn = settings.connect()
    problems: list[str] = []
    try:
        with conn.cursor() as cur:
            cur.execute(
                "select table_schema, table_name, column_name, data_type, numeric_precision, "
                "numeric_scale from information_schema.columns where table_schema = any(%s)",
                (sorted({t.dataset for t in report.tables}),),
            )
            pg_columns: dict[tuple[str, str], dict[str, str]] = {}
            for schema, table, column, data_type, precision, scale in cur.fetchall():
                if data_type == "numeric":
                    data_type = f"DECIMAL({precision},{scale})"
                pg_columns.setdefault((schema, table), {})[column] = data_type
            for copy in report.tables:
                key = (copy.dataset, copy.table)
                if key not in pg_columns:
                    problems.append(f"{copy.dataset}.{copy.table} is missing")
                    continue
                cur.execute(f'select count(*) from "{copy.dataset}"."{copy.table}"')
                (count,) = cur.fetchone()
                if count != copy.rows:
                    problems.append(
                        f"{copy.dataset}.{copy.table}: {count} rows, expected {copy.rows}"
                    )
                have = pg_columns[key]
                missing = [c for c in copy.columns if c not in have]
                if missing:
                    problems.append(f"{copy.dataset}.{copy.table} lacks {', '.join(missing)}")
                for column, duck_type in copy.columns.items():
                    if duck_type.startswith("DECIMAL") and have.get(column, duck_type) != duck_type:
                        problems.append(
                            f"{copy.dataset}.{copy.table}.{column} is {have[column]}, "
                            f"expected {duck_type}"
                        )
    finally:
        conn.close()
    if problems:
        raise ReplicationError(
            "the PostgreSQL copy differs from DuckDB: "
            + "; ".join(problems[:10])
            + ("; …" if len(problems) > 10 else "")
        )
