"""The source's contract pieces: strategies, conversions, naming, standalone dlt use."""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import dlt
import duckdb
import pytest

from pipelines.sage import sage_schema, sage_source
from pipelines.sage.helpers import describe, row_hash, select_sql, to_date, to_money
from pipelines.sage.settings import INCREMENTAL, REPLACE, SNAPSHOT, STRATEGIES
from sandbox.sage.catalogue import TABLES
from sandbox.sage.odbc import connection_string

README = Path(__file__).resolve().parents[3] / "pipelines" / "sage" / "README.md"


def test_every_catalogue_table_has_a_strategy_and_is_documented():
    assert list(STRATEGIES) == [t.name for t in TABLES]
    readme = README.read_text()
    for name, strategy in STRATEGIES.items():
        expected = (
            INCREMENTAL
            if name == "JCT_CURRENT__TRANSACTION"
            else SNAPSHOT
            if strategy.key
            else REPLACE
        )
        assert strategy.strategy == expected, name
        assert f"`{name}`" in readme, f"{name} missing from README.md"
    assert STRATEGIES["JCT_CURRENT__TRANSACTION"].cursor == "Run"


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (1234.56, "1234.56"),
        (1234.5600000000002, "1234.56"),
        (0.1 + 0.2, "0.30"),
        (-99.995, "-100.00"),
        (2.675, "2.68"),  # 2.675 is 2.67499… as a double; repr is '2.675'
        (0.0, "0.00"),
        (12, "12.00"),
        (Decimal("7.005"), "7.01"),
        ("  3.1 ", "3.10"),
        (9_999_999_999.99, "9999999999.99"),
    ],
)
def test_money_rounds_the_double_to_cents(value, cents):
    money = to_money(value)
    assert isinstance(money, Decimal) and str(money) == cents
    assert to_money(None) is None


def test_money_refuses_non_numbers():
    for bad in (math.nan, math.inf, "abc"):
        with pytest.raises(ValueError):
            to_money(bad)


def test_dates_and_hashes():
    assert to_date(datetime(2026, 8, 31, 13, 5)) == date(2026, 8, 31)
    assert to_date("2026-08-31") == date(2026, 8, 31) == to_date(date(2026, 8, 31))
    assert to_date(None) is None and to_date("") is None
    assert row_hash(("a", None, Decimal("1.00"))) == row_hash(("a", None, Decimal("1.00")))
    assert row_hash(("a", None)) != row_hash(("a", ""))  # NULL is not blank
    assert row_hash(("a", "b")) != row_hash(("ab", ""))


def test_portable_sql_and_masked_passwords():
    assert select_sql("APM_MASTER__VENDOR", ["Vendor", "Name"], '"Run" >= ?') == (
        'SELECT "Vendor", "Name" FROM "APM_MASTER__VENDOR" WHERE "Run" >= ?'
    )
    with pytest.raises(ValueError):
        select_sql("X; DROP TABLE Y", None)
    assert describe("DSN=s;UID=ap;PWD={se;cret};X=1") == "DSN=s;UID=ap;PWD=***;X=1"
    assert describe("Driver=x;Password=abc") == "Driver=x;Password=***"


def test_direct_naming_keeps_sage_names():
    naming = sage_schema().naming
    assert naming.normalize_table_identifier("JCM_MASTER__COST_CODE") == "JCM_MASTER__COST_CODE"
    assert naming.normalize_identifier("Cost_Code") == "Cost_Code"


def test_standalone_source_with_config_from_env(tiny_sage_db, tmp_path, monkeypatch):
    """`pipeline.run(sage_source())` as Dagster or a script would use it: connection from
    SOURCES__SAGE__CONNECTION_STRING, dlt's default (interleaved) extraction, a subset."""
    monkeypatch.setenv("SOURCES__SAGE__CONNECTION_STRING", connection_string(tiny_sage_db))
    path = tmp_path / "w.duckdb"
    pipeline = dlt.pipeline(
        "sage_standalone",
        destination=dlt.destinations.duckdb(str(path)),
        dataset_name="raw_sage",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    tables = ["JCM_MASTER__JOB", "JCT_CURRENT__TRANSACTION"]
    pipeline.run(sage_source().with_resources(*tables))
    second = pipeline.run(sage_source().with_resources(*tables))
    assert second.loads_ids == []  # nothing changed, nothing loaded
    with duckdb.connect(str(path), read_only=True) as con:
        counts = [con.execute(f'SELECT count(*) FROM raw_sage."{t}"').fetchone()[0] for t in tables]
    assert counts[0] > 0 and counts[1] > 1000
