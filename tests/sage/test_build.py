"""materialise: inputs it accepts, what it refuses (and how it says so), atomic rebuilds."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sandbox.sage.catalogue import BY_NAME
from sandbox.sage.company import materialise
from sandbox.sage.errors import CompanyBuildError
from sandbox.sage.odbc import connect
from sandbox.scenario import load_scenario

from . import factories as f

JCT = "JCT_CURRENT__TRANSACTION"


def _count(db: Path, table: str) -> int:
    conn = connect(db)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def _jct_dir(tmp_path: Path, rows: list[list[str]], header=None) -> Path:
    sage = tmp_path / "sage"
    f.write_csv(sage / f"{JCT}.csv", header or BY_NAME[JCT].column_names, rows)
    return sage


def _build_error(tmp_path: Path, sage: Path) -> str:
    with pytest.raises(CompanyBuildError) as err:
        materialise(sage, tmp_path / "c.sqlite")
    assert not (tmp_path / "c.sqlite").exists()
    assert not list(tmp_path.glob("c.sqlite.tmp*"))
    return str(err.value)


def test_accepts_scenario_object_scenario_dir_and_sage_dir(tmp_path: Path) -> None:
    root = f.write_scenario(tmp_path / "scn")
    for source in (load_scenario(root), root, root / "sage"):
        info = materialise(source, tmp_path / "c.sqlite")
        assert info.source_dir == (root / "sage").resolve()
        assert info.row_counts[JCT] == 2
        # WAL mode, checkpointed: the file alone is the whole company
        assert sorted(p.name for p in tmp_path.glob("c.sqlite*")) == ["c.sqlite", "c.sqlite.lock"]
        con = sqlite3.connect(info.db_path)
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.close()


def test_tables_without_csv_exist_empty_and_missing_columns_take_defaults(tmp_path: Path) -> None:
    sage = _jct_dir(tmp_path, [["1", "1", "24-001"]], header=["Run", "Sequence", "Job"])
    info = materialise(sage, tmp_path / "c.sqlite")
    assert info.row_counts[JCT] == 1 and info.row_counts["APM_MASTER__VENDOR"] == 0
    conn = connect(info.db_path)
    row = conn.execute(f'SELECT "Extra", "Cost_Code", "Amount", "Vendor" FROM {JCT}').fetchone()
    assert tuple(row) == ("", "", None, None)
    assert _count(info.db_path, "APM_MASTER__VENDOR") == 0


def test_progress_reports_rows_per_table(tmp_path: Path) -> None:
    sage = _jct_dir(tmp_path, list(f.jct_rows(25)))
    calls: list[tuple[str, int, int | None]] = []
    materialise(sage, tmp_path / "c.sqlite", progress=lambda *a: calls.append(a), batch_rows=10)
    assert calls == [(JCT, 10, None), (JCT, 20, None), (JCT, 25, None), (JCT, 25, 25)]


def test_failed_rebuild_keeps_the_old_company(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    sage = _jct_dir(tmp_path, list(f.jct_rows(30)))
    materialise(sage, db)
    conn = connect(db)  # a reader may hold the old company open meanwhile
    f.write_csv(sage / f"{JCT}.csv", BY_NAME[JCT].column_names, f.jct_rows(100))

    def crash(table: str, done: int, total: int | None) -> None:
        if done >= 20:
            raise RuntimeError("power cut mid-load")

    with pytest.raises(RuntimeError, match="power cut"):
        materialise(sage, db, progress=crash, batch_rows=10)
    assert int(conn.execute(f"SELECT COUNT(*) FROM {JCT}").fetchone()[0]) == 30
    conn.close()
    assert _count(db, JCT) == 30
    assert not list(tmp_path.glob("*.tmp*"))  # the half-built file is gone
    # a bad row late in the file fails the same way
    rows = list(f.jct_rows(100))
    rows[-1][2] = "24-0001-LONG"
    f.write_csv(sage / f"{JCT}.csv", BY_NAME[JCT].column_names, rows)
    with pytest.raises(CompanyBuildError):
        materialise(sage, db, batch_rows=10)
    assert _count(db, JCT) == 30
    # and a good rebuild replaces it
    f.write_csv(sage / f"{JCT}.csv", BY_NAME[JCT].column_names, f.jct_rows(100))
    assert materialise(sage, db).row_counts[JCT] == 100
    assert _count(db, JCT) == 100


def test_rebuild_refused_while_a_writer_holds_the_wal(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    sage = _jct_dir(tmp_path, list(f.jct_rows(3)))
    materialise(sage, db)
    writer = sqlite3.connect(db)
    writer.execute(f'DELETE FROM {JCT} WHERE "Sequence" = 1')
    writer.commit()
    try:
        with pytest.raises(CompanyBuildError, match="open in another process"):
            materialise(sage, db)
    finally:
        writer.close()
    assert _count(db, JCT) == 2
    assert materialise(sage, db).row_counts[JCT] == 3


def test_unlicensed_tables_are_absent(tmp_path: Path) -> None:
    sage = f.write_sage_dir(tmp_path / "sage")
    info = materialise(sage, tmp_path / "c.sqlite", unlicensed=["CNC_ACTIVE__CONTRACT"])
    assert "CNC_ACTIVE__CONTRACT" not in info.row_counts
    assert info.unlicensed == ("CNC_ACTIVE__CONTRACT",)


def test_unknown_column_names_file_and_column(tmp_path: Path) -> None:
    sage = _jct_dir(tmp_path, [["1", "1", "x"]], header=["Run", "Sequence", "CostCode"])
    message = _build_error(tmp_path, sage)
    assert f"{JCT}.csv" in message and "'CostCode'" in message
    assert "did you mean 'Cost_Code'" in message


def test_missing_key_column(tmp_path: Path) -> None:
    sage = _jct_dir(tmp_path, [["1", "24-001"]], header=["Run", "Job"])
    assert "key column(s) Sequence missing" in _build_error(tmp_path, sage)


def test_duplicate_header_and_empty_file(tmp_path: Path) -> None:
    sage = _jct_dir(tmp_path, [], header=["Run", "Sequence", "Run"])
    assert "'Run' appears twice" in _build_error(tmp_path, sage)
    (sage / f"{JCT}.csv").write_text("")
    assert "empty file" in _build_error(tmp_path, sage)


def test_unknown_table_file(tmp_path: Path) -> None:
    sage = tmp_path / "sage"
    f.write_csv(sage / "JCM_MASTER_JOB.csv", ["Job"], [["1"]])
    message = _build_error(tmp_path, sage)
    assert "JCM_MASTER_JOB is not a table" in message and "JCM_MASTER__JOB.csv" in message


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CompanyBuildError, match="no such folder"):
        materialise(tmp_path / "nope", tmp_path / "c.sqlite")


@pytest.mark.parametrize(
    ("column", "value", "needle"),
    [
        ("Job", "24-0001-LONG", "Job value '24-0001-LONG' is 12 characters; Sage allows 10"),
        ("Description", "x" * 31, "is 31 characters; Sage allows 30"),
        ("Amount", "12,50", "Amount value '12,50' is not a number"),
        ("Sequence", "2.5", "Sequence value '2.5' is not a whole number"),
        ("Accounting_Date", "01/15/2024", "is not a date written YYYY-MM-DD"),
        ("Accounting_Date", "2023-02-29", "'2023-02-29' is not a calendar date"),
        ("Run", "", "Run is empty, but it is part of JCT_CURRENT__TRANSACTION's key"),
    ],
)
def test_bad_value_names_file_line_column(
    tmp_path: Path, column: str, value: str, needle: str
) -> None:
    rows = list(f.jct_rows(5))
    rows[3][BY_NAME[JCT].column_names.index(column)] = value
    message = _build_error(tmp_path, _jct_dir(tmp_path, rows))
    assert f"{JCT}.csv line 5: " in message
    assert needle in message


def test_bad_flag_and_duplicate_key(tmp_path: Path) -> None:
    sage = tmp_path / "sage"
    rows = f.table_rows(BY_NAME["APM_MASTER__VENDOR"])
    rows[1]["On_Hold"] = "yes"
    f.write_table(sage, "APM_MASTER__VENDOR", rows)
    assert "On_Hold value 'yes' is not a flag; write 0 or 1" in _build_error(tmp_path, sage)
    rows[1].update(On_Hold="0", Vendor=rows[0]["Vendor"])
    f.write_table(sage, "APM_MASTER__VENDOR", rows)
    message = _build_error(tmp_path, sage)
    assert "line 3: duplicate key 'Ven0é'" in message


def test_ragged_row(tmp_path: Path) -> None:
    rows: list[list[str]] = [list(r) for r in f.jct_rows(3)]
    rows[1] = rows[1][:-2]
    message = _build_error(tmp_path, _jct_dir(tmp_path, rows))
    assert "line 3: 25 fields, but the header names 27 columns" in message
