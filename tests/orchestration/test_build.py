"""`tieout build` as a user runs it (a subprocess per command) on the tiny scenario's
warehouse: dbt on DuckDB, the raw copy + dbt on PostgreSQL, and the failures that must
exit 1 with a message saying what to fix."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from rich.console import Console

from orchestration.build_commands import (
    BuildResult,
    NodeOutcome,
    failure_message,
    findings_table,
    summary_table,
)
from pipelines.replicate import RAW_DATASETS, PgSettings, ReplicationError

TIEOUT = [sys.executable, "-m", "orchestration"]
REPO = Path(__file__).resolve().parents[2]


def tieout(*args: str, home: Path, timeout: int = 600, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("TIEOUT_WAREHOUSE", "TIEOUT_CONTROL_URL", "DBT_TARGET")
    }
    return subprocess.run(
        [*TIEOUT, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        env={**clean, "TIEOUT_HOME": str(home), "COLUMNS": "200", **env},
    )


def raw_tables(con) -> list[tuple[str, str]]:
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() where schema_name in "
        f"({', '.join('?' for _ in RAW_DATASETS)}) and table_name not like '\\_dlt\\_%' escape '\\'"
        " order by 1, 2",
        list(RAW_DATASETS),
    ).fetchall()
    return [(s, t) for s, t in rows]


# -- the summary, without dbt ---------------------------------------------------------------


def _result() -> BuildResult:
    return BuildResult(
        target="duckdb",
        seconds=1.5,
        outcomes=[
            NodeOutcome("model.tieout.a", "a", "model", "success"),
            NodeOutcome("model.tieout.b", "b", "model", "error", message="Binder Error: x"),
            NodeOutcome("model.tieout.c", "c", "model", "skipped"),
            NodeOutcome("test.tieout.t1", "t1", "test", "warn", 3, relation='"w"."audit"."t1"'),
            NodeOutcome("test.tieout.t2", "t2", "test", "fail", 7, attached_to="a"),
            NodeOutcome("test.tieout.t3", "t3", "test", "pass", 0),
            NodeOutcome("unit_test.tieout.a.u", "u", "unit_test", "pass"),
        ],
    )


def render(table) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(table)
    return " ".join(console.file.getvalue().split())


def test_summary_counts_each_kind_and_outcome():
    text = render(summary_table(_result()))
    assert "┃ pass ┃ warn ┃ fail ┃ error ┃ skip ┃ total ┃" in text
    assert "│ models │ 1 │ 0 │ 0 │ 1 │ 1 │ 3 │" in text
    assert "│ tests │ 1 │ 1 │ 1 │ 0 │ 0 │ 3 │" in text
    assert "│ unit tests │ 1 │ 0 │ 0 │ 0 │ 0 │ 1 │" in text


def test_findings_list_failed_then_warned_tests_with_counts():
    result = _result()
    assert [o.name for o in result.flagged_tests] == ["t2", "t1"]
    text = render(findings_table(result))
    assert text.index("│ t2 │ a │ fail │ 7 │") < text.index(
        '│ t1 │ │ warn │ 3 │ "w"."audit"."t1" │'
    )
    assert findings_table(BuildResult(target="duckdb")) is None


def test_failure_message_names_the_failed_nodes():
    message = failure_message(_result(), Path("/h"))
    assert "2 node(s) failed: b, t2" in message
    assert "1 downstream node(s) skipped" in message
    assert "tieout build" in message


# -- the command ----------------------------------------------------------------------------


@pytest.mark.slow
def test_build_duckdb(tiny_synced_home: Path):
    done = tieout("build", "--target", "duckdb", home=tiny_synced_home)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "dbt build on duckdb" in done.stderr
    manifest = json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text())
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    with duckdb.connect(str(tiny_synced_home / "warehouse.duckdb"), read_only=True) as con:
        built = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema not like 'raw\\_%' escape '\\'"
            ).fetchall()
        }
        control = con.execute("select count(*) from raw_control.cost_code_map").fetchone()[0]
    missing = [m["name"] for m in models if m["alias"] not in built]
    assert not missing, f"models not in the warehouse after the build: {missing}"
    assert control > 0, "the control store snapshot (seeded from the scenario) is empty"


def test_build_rejects_an_unknown_target(tmp_path: Path):
    done = tieout("build", "--target", "snowflake", home=tmp_path)
    assert done.returncode == 1
    assert "unknown target 'snowflake': choose duckdb or postgres" in done.stderr


def test_build_target_defaults_from_dbt_target(tmp_path: Path):
    done = tieout("build", home=tmp_path, DBT_TARGET="oracle")
    assert done.returncode == 1
    assert "unknown target 'oracle'" in done.stderr


def test_build_without_a_warehouse_says_to_sync_first(tmp_path: Path):
    done = tieout(
        "build", home=tmp_path, TIEOUT_WAREHOUSE=str(tmp_path / "nowhere" / "warehouse.duckdb")
    )
    assert done.returncode == 1
    assert "no warehouse at" in done.stderr and "tieout sync" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_build_select_matching_nothing_fails(tiny_synced_home: Path):
    done = tieout("build", "--select", "no_such_model_anywhere", home=tiny_synced_home)
    assert done.returncode == 1
    assert "--select 'no_such_model_anywhere' matched no models" in done.stderr


@pytest.mark.slow
def test_a_failing_model_exits_1_naming_it(tiny_synced_home: Path, tmp_path: Path):
    """Break a raw relation dbt reads (a view over a dropped table): every model reading
    it fails, and the command exits 1 naming each of them."""
    home = tmp_path / "home"
    shutil.copytree(tiny_synced_home, home, ignore=shutil.ignore_patterns("logs"))
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute('create table raw_sage.gone as select * from raw_sage."JCM_MASTER__JOB"')
        con.execute('drop table raw_sage."JCM_MASTER__JOB"')
        con.execute('create view raw_sage."JCM_MASTER__JOB" as select * from raw_sage.gone')
        con.execute("drop table raw_sage.gone")
    source = "source.tieout.raw_sage.JCM_MASTER__JOB"
    done = tieout("build", "--select", "source:raw_sage.JCM_MASTER__JOB+1", home=home)
    assert done.returncode == 1, done.stderr[-4000:]
    manifest = json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text())
    readers = [
        n["name"]
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and source in n["depends_on"]["nodes"]
    ]
    assert readers, "no model reads raw_sage.JCM_MASTER__JOB"
    message = " ".join(done.stderr.split())
    assert "nodes that failed" in message and "node(s) failed:" in message
    for name in readers:
        assert name in message.split("node(s) failed:")[1]
    assert "Traceback" not in done.stderr


# -- PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
def pg_database():
    """A throwaway warehouse database name; dropped afterwards. No server: fail, loudly."""
    from psycopg2 import sql

    name = f"tieout_test_{uuid.uuid4().hex[:10]}"
    settings = PgSettings.from_env(name)
    try:
        conn = settings.connect("postgres")
    except ReplicationError as exc:
        pytest.fail(
            f"PostgreSQL is required for the postgres tests and is not reachable: {exc}",
            pytrace=False,
        )
    try:
        yield name
    finally:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )
        conn.close()


@pytest.mark.slow
@pytest.mark.postgres
def test_build_postgres_copies_raw_tables_exactly(
    tiny_synced_home: Path, tiny_scenario_dir: Path, pg_database: str
):
    done = tieout(
        "build", "--target", "postgres", home=tiny_synced_home, TIEOUT_PG_DATABASE=pg_database
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "dbt build on postgres" in done.stderr
    assert (REPO / "dbt_project" / "target_pg" / "run_results.json").is_file()

    pg = PgSettings.from_env(pg_database).connect()
    con = duckdb.connect(str(tiny_synced_home / "warehouse.duckdb"), read_only=True)
    try:
        tables = raw_tables(con)
        assert {s for s, _ in tables} == set(RAW_DATASETS)
        names = {t for _, t in tables}
        assert {"_tieout_sync_runs", "_tieout_schema_drift"} <= names
        with pg.cursor() as cur:
            for schema, table in tables:
                duck_cols = con.execute(
                    "select column_name, data_type from duckdb_columns() "
                    "where schema_name = ? and table_name = ? order by column_index",
                    [schema, table],
                ).fetchall()
                cur.execute(
                    "select column_name, data_type, numeric_precision, numeric_scale "
                    "from information_schema.columns where table_schema = %s and table_name = %s",
                    (schema, table),
                )
                pg_cols = {c: (t, p, s) for c, t, p, s in cur.fetchall()}
                assert pg_cols, f"{schema}.{table} is not in PostgreSQL"
                money = []
                for column, duck_type in duck_cols:
                    assert column in pg_cols, f"{schema}.{table}.{column} (exact name) is missing"
                    if duck_type.startswith("DECIMAL"):
                        pg_type, p, s = pg_cols[column]
                        assert f"DECIMAL({p},{s})" == duck_type and pg_type == "numeric", (
                            f"{schema}.{table}.{column}: {pg_type}({p},{s}) vs {duck_type}"
                        )
                        money.append(column)
                exprs = ["count(*)", *(f'sum("{c}")' for c in money)]
                query = f'select {", ".join(exprs)} from "{schema}"."{table}"'
                expected = con.execute(query).fetchone()
                cur.execute(query)
                got = cur.fetchone()
                assert [Decimal(x or 0) for x in got] == [Decimal(x or 0) for x in expected], (
                    f"{schema}.{table}: count, money sums {got} in PostgreSQL, {expected} in DuckDB"
                )
            # Sage's primary job is Extra '' — an empty string, which must not turn NULL
            query = (
                """select count(*) from raw_sage."JCT_CURRENT__TRANSACTION" where "Extra" = ''"""
            )
            cur.execute(query)
            assert cur.fetchone()[0] == con.execute(query).fetchone()[0] > 0
            # the same reconciliation on PostgreSQL: the queue equals the answer key
            cur.execute(
                "select exception_type, coalesce(cast(procore_id as varchar), ''), "
                "coalesce(sage_key, '') from marts.exception_queue where status = 'open'"
            )
            found = {tuple(r) for r in cur.fetchall()}
        assert found == answer_key(tiny_scenario_dir)
    finally:
        con.close()
        pg.close()


def answer_key(scenario_dir: Path) -> set[tuple[str, str, str]]:
    """The build- and sync-detected rows of the scenario's answer key."""
    import csv

    with (scenario_dir / "expected" / "exceptions.csv").open(newline="") as fh:
        return {
            (r["exception_type"], r["procore_id"], r["sage_key"])
            for r in csv.DictReader(fh)
            if r["detected_by"] != "write"
        }
