"""`run_control_sync` copies the control store into `raw_control` of a real DuckDB
warehouse (and, given a pipeline, into PostgreSQL): exact tables, columns and types."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import dlt
import duckdb
import pytest
import sqlalchemy as sa

from pipelines.control import run_control_sync
from pipelines.warehouse import CONTROL_DATASET, warehouse_path
from writers.control import ControlStore

EXPECTED = {
    "cost_code_overrides": [
        ("id", "BIGINT"),
        ("job", "VARCHAR"),
        ("procore_cost_code", "VARCHAR"),
        ("sage_cost_code", "VARCHAR"),
        ("updated_at", "TIMESTAMP WITH TIME ZONE"),
    ],
    "cost_code_map": [
        ("id", "BIGINT"),
        ("procore_cost_code", "VARCHAR"),
        ("job", "VARCHAR"),
        ("line_item_type", "VARCHAR"),
        ("sage_cost_code", "VARCHAR"),
        ("sage_category", "VARCHAR"),
        ("updated_at", "TIMESTAMP WITH TIME ZONE"),
    ],
    "job_prefix_rules": [
        ("id", "BIGINT"),
        ("procore_prefix", "VARCHAR"),
        ("sage_prefix", "VARCHAR"),
        ("updated_at", "TIMESTAMP WITH TIME ZONE"),
    ],
    "vendor_map": [
        ("id", "BIGINT"),
        ("procore_vendor_id", "BIGINT"),
        ("sage_vendor", "VARCHAR"),
        ("updated_at", "TIMESTAMP WITH TIME ZONE"),
    ],
    "exception_resolutions": [
        ("exception_id", "VARCHAR"),
        ("status", "VARCHAR"),
        ("value_fingerprint", "VARCHAR"),
        ("note", "VARCHAR"),
        ("resolved_by", "VARCHAR"),
        ("resolved_at", "TIMESTAMP WITH TIME ZONE"),
    ],
    "write_rejections": [
        ("id", "BIGINT"),
        ("idempotency_key", "VARCHAR"),
        ("object_type", "VARCHAR"),
        ("source_object", "VARCHAR"),
        ("source_id", "BIGINT"),
        ("sage_key", "VARCHAR"),
        ("rule", "VARCHAR"),
        ("reason", "VARCHAR"),
        ("field", "VARCHAR"),
        ("rejected_at", "TIMESTAMP WITH TIME ZONE"),
        ("superseded_by", "VARCHAR"),
        ("project_id", "BIGINT"),
        ("job", "VARCHAR"),
    ],
    "write_ledger": [
        ("idempotency_key", "VARCHAR"),
        ("connector", "VARCHAR"),
        ("object_type", "VARCHAR"),
        ("source_object", "VARCHAR"),
        ("source_id", "BIGINT"),
        ("sage_key", "VARCHAR"),
        ("project_id", "BIGINT"),
        ("job", "VARCHAR"),
        ("receipt", "VARCHAR"),
        ("written_at", "TIMESTAMP WITH TIME ZONE"),
    ],
}
DLT_COLUMNS = [("_dlt_load_id", "VARCHAR"), ("_dlt_id", "VARCHAR")]
DLT_TABLES = {"_dlt_loads", "_dlt_pipeline_state", "_dlt_version"}


def _columns(conn: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str]]]:
    rows = conn.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? ORDER BY table_name, ordinal_position",
        [CONTROL_DATASET],
    ).fetchall()
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, []).append((column, data_type))
    return tables


def _warehouse(home: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse_path(home)), read_only=True)


def test_empty_store_gives_every_table_typed_and_empty(tmp_path: Path) -> None:
    report = run_control_sync(tmp_path)
    assert report.ok, [r.error for r in report.resources]
    assert report.source == "control"
    assert [(r.resource, r.rows, r.mode) for r in report.resources] == [
        (t, 0, "snapshot") for t in EXPECTED
    ]
    assert (tmp_path / "control.sqlite").is_file()  # the default store was created
    with _warehouse(tmp_path) as conn:
        tables = _columns(conn)
        assert set(tables) == set(EXPECTED) | DLT_TABLES
        for table, columns in EXPECTED.items():
            assert tables[table] == columns + DLT_COLUMNS, table
            assert conn.execute(f"SELECT count(*) FROM raw_control.{table}").fetchone() == (0,)


def test_sync_copies_rows_keeps_nulls_and_replaces(tmp_path: Path, control_dir: Path) -> None:
    with ControlStore.open(home=tmp_path) as store:
        store.seed_from_scenario(control_dir, actor="seed")
        store.resolve_exception("exc-1", "ignored", "fp-1", actor="alice")
    report = run_control_sync(tmp_path)
    assert report.ok, [r.error for r in report.resources]
    assert {r.resource: r.rows for r in report.resources} == {
        "cost_code_overrides": 2,
        "cost_code_map": 5,
        "job_prefix_rules": 1,
        "vendor_map": 2,
        "exception_resolutions": 1,
        "write_rejections": 0,
        "write_ledger": 0,
    }
    with _warehouse(tmp_path) as conn:
        assert conn.execute(
            "SELECT procore_cost_code, job, line_item_type, sage_cost_code, sage_category "
            "FROM raw_control.cost_code_map ORDER BY id"
        ).fetchall() == [
            ("ALLOW-01", None, None, "01-50-00", None),
            ("ALLOW-01", None, None, "01-52-00", None),
            ("GC-PM", None, None, "01-31-20", None),
            ("GC-PM", "25-001", None, "01-31-30", None),
            ("GC-EQ", None, "E", "01-54-00", "R"),
        ]
        assert conn.execute("SELECT sage_prefix FROM raw_control.job_prefix_rules").fetchall() == [
            ("",)
        ]
        assert conn.execute(
            "SELECT min(procore_vendor_id) FROM raw_control.vendor_map"
        ).fetchone() == (3900000007,)
        status, fingerprint, note, by, tz_name = conn.execute(
            "SELECT status, value_fingerprint, note, resolved_by, typeof(resolved_at) "
            "FROM raw_control.exception_resolutions"
        ).fetchone()
        assert (status, fingerprint, note, by) == ("ignored", "fp-1", None, "alice")
        assert tz_name == "TIMESTAMP WITH TIME ZONE"

    with ControlStore.open(home=tmp_path) as store:
        for row in store.list_mappings("cost_code_map"):
            if row["procore_cost_code"] == "ALLOW-01":
                store.remove_mapping("cost_code_map", row["id"], actor="alice")
        store.reopen_exception("exc-1", actor="alice")
    assert run_control_sync(tmp_path).ok
    with _warehouse(tmp_path) as conn:
        assert conn.execute("SELECT count(*) FROM raw_control.cost_code_map").fetchone() == (3,)
        assert conn.execute(
            "SELECT count(*) FROM raw_control.exception_resolutions"
        ).fetchone() == (0,)


def test_write_ledger_joins_each_written_key_to_its_outbox_row(tmp_path: Path) -> None:
    """The ledger row says where Sage should hold the record; the outbox row of the same key
    says which Procore object it came from and (in its payload) the project and job."""
    from datetime import date
    from decimal import Decimal

    from writers.connector import OutboundRecord
    from writers.control.outbox_store import Entry, WriterStore
    from writers.outbox import encode_payload

    record = OutboundRecord(
        object_type="ap_invoices",
        idempotency_key="k-written",
        sage_key="SIERRA02|26004-008-03",
        header={
            "project_id": 562949953421312,
            "job": "26-004",
            "amount": Decimal("1200.50"),
            "invoice_date": date(2026, 1, 15),
        },
    )
    entry = Entry(
        idempotency_key="k-written",
        object_type="ap_invoices",
        sage_key="SIERRA02|26004-008-03",
        source_object="requisition",
        source_id=70,
        amount=Decimal("1200.50"),
        needs_approval_reason=None,
        payload=encode_payload(record),
    )
    with ControlStore.open(home=tmp_path) as store:
        ws = WriterStore(store)
        ws.enqueue("ap_invoices", [entry], actor="carla", approve=True)
        receipt = {"run": 3, "sequence": 1, "batch": "AP2601", "table": "APM_MASTER__INVOICE"}
        ws.record_receipts(
            [
                {
                    "idempotency_key": "k-written",
                    "sage_key": "SIERRA02|26004-008-03",
                    "detail": receipt,
                },
                # a key with no outbox row (recorded by hand): object and source stay NULL
                {"idempotency_key": "k-orphan", "sage_key": "SC-9", "detail": {}},
            ],
            connector="test-company",
            actor="writer",
        )
    report = run_control_sync(tmp_path)
    assert report.ok, [r.error for r in report.resources]
    assert {r.resource: r.rows for r in report.resources}["write_ledger"] == 2
    with _warehouse(tmp_path) as conn:
        rows = conn.execute(
            "SELECT idempotency_key, connector, object_type, source_object, source_id, "
            "sage_key, project_id, job, receipt, written_at IS NOT NULL "
            "FROM raw_control.write_ledger ORDER BY idempotency_key"
        ).fetchall()
    assert rows == [
        ("k-orphan", "test-company", None, None, None, "SC-9", None, None, None, True),
        (
            "k-written",
            "test-company",
            "ap_invoices",
            "requisition",
            70,
            "SIERRA02|26004-008-03",
            562949953421312,
            "26-004",
            "batch AP2601, run 3, sequence 1",
            True,
        ),
    ]


def test_unreachable_store_is_reported_not_raised(tmp_path: Path) -> None:
    report = run_control_sync(tmp_path, control_url="postgresql://postgres@127.0.0.1:1/x")
    assert not report.ok
    assert {r.status for r in report.resources} == {"failed"}
    assert all("cannot open the control store" in r.error for r in report.resources)
    assert not warehouse_path(tmp_path).exists()


def test_locked_warehouse_fails_then_the_next_sync_loads(tmp_path: Path) -> None:
    assert run_control_sync(tmp_path).ok
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); "
            "sys.stdin.read()",
            str(warehouse_path(tmp_path)),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with ControlStore.open(home=tmp_path) as store:
            store.add_vendor(7, "CANYON02", actor="alice")
        locked = run_control_sync(tmp_path)
        assert not locked.ok and "in use by another process" in locked.resources[0].error
    finally:
        holder.communicate("", timeout=30)
    report = run_control_sync(tmp_path)
    assert report.ok, [r.error for r in report.resources]
    with _warehouse(tmp_path) as conn:
        assert conn.execute("SELECT sage_vendor FROM raw_control.vendor_map").fetchall() == [
            ("CANYON02",)
        ]


@pytest.mark.postgres
def test_postgres_store_into_a_postgres_warehouse_pipeline(
    tmp_path: Path, pg_database: Callable[[], str], control_dir: Path
) -> None:
    """The store on PostgreSQL, and a caller's dlt pipeline into a PostgreSQL warehouse."""
    control_url, warehouse_url = pg_database(), pg_database()
    with ControlStore.open(control_url) as store:
        store.seed_from_scenario(control_dir, actor="seed")
    ControlStore.open(warehouse_url).close()  # creates the database (its tables are unused)
    pipeline = dlt.pipeline(
        pipeline_name="tieout_control_pg_test",
        # dlt insists on a password; the test server trusts local connections and ignores it
        destination=dlt.destinations.postgres(
            sa.make_url(warehouse_url)
            .set(drivername="postgresql", password="unused")
            .render_as_string(hide_password=False)
        ),
        dataset_name=CONTROL_DATASET,
        pipelines_dir=str(tmp_path / "dlt"),
    )
    report = run_control_sync(tmp_path, control_url=control_url, pipeline=pipeline)
    assert report.ok, [r.error for r in report.resources]
    engine = sa.create_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            types = dict(
                conn.execute(
                    sa.text(
                        "SELECT table_name || '.' || column_name, data_type "
                        "FROM information_schema.columns WHERE table_schema = 'raw_control'"
                    )
                ).all()
            )
            rows = conn.execute(sa.text("SELECT count(*) FROM raw_control.cost_code_map"))
            assert rows.scalar() == 5
            empty = conn.execute(sa.text("SELECT count(*) FROM raw_control.exception_resolutions"))
            assert empty.scalar() == 0
    finally:
        engine.dispose()
    assert types["vendor_map.procore_vendor_id"] == "bigint"
    assert types["exception_resolutions.resolved_at"] == "timestamp with time zone"
    assert types["cost_code_map.job"] == "character varying"
    assert not warehouse_path(tmp_path).exists()  # nothing went to DuckDB
