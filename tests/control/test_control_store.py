"""The store API on SQLite and PostgreSQL: seeding, CRUD with history and audit,
validation messages, exception resolutions."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from control_support import CONTROL_FILES, count, write_control

from writers.control import (
    MAPPINGS,
    ControlNotFoundError,
    ControlStore,
    ControlStoreError,
    ControlValidationError,
)
from writers.control import engine as engine_module
from writers.control.schema import cost_code_map

# --- seeding ------------------------------------------------------------------------------


def test_seed_loads_every_file_with_nulls_for_empty_cells(
    store: ControlStore, control_dir: Path
) -> None:
    report = store.seed_from_scenario(control_dir, actor="alice")
    assert {t: r.inserted for t, r in report.tables.items()} == {
        "cost_code_overrides": 2,
        "cost_code_map": 5,
        "job_prefix_rules": 1,
        "vendor_map": 2,
    }
    codes = store.list_mappings("cost_code_map")
    assert [
        (r["procore_cost_code"], r["job"], r["line_item_type"], r["sage_category"]) for r in codes
    ] == [
        ("ALLOW-01", None, None, None),
        ("ALLOW-01", None, None, None),
        ("GC-PM", None, None, None),
        ("GC-PM", "25-001", None, None),
        ("GC-EQ", None, "E", "R"),
    ]
    assert store.list_mappings("job_prefix_rules")[0]["sage_prefix"] == ""
    assert store.list_mappings("vendor_map")[0]["procore_vendor_id"] == 3900000007
    assert {r["created_by"] for t in MAPPINGS for r in store.list_mappings(t)} == {"seed"}
    assert count(store, "mapping_history") == 10
    mapping_audit = store.audit(limit=None, object_type="cost_code_map")
    assert {(a["actor"], a["action"], a["result"]) for a in mapping_audit} == {
        ("seed", "mapping.insert", "ok")
    }
    (summary,) = store.audit(limit=None, object_type="control_dir")
    assert summary["actor"] == "alice" and summary["action"] == "mapping.seed"


def test_reseeding_the_same_files_changes_nothing(store: ControlStore, control_dir: Path) -> None:
    store.seed_from_scenario(control_dir, actor="alice")
    before = {t: store.list_mappings(t) for t in MAPPINGS}
    history, audit = count(store, "mapping_history"), count(store, "audit_log")

    again = store.seed_from_scenario(control_dir, actor="bob")
    assert again.inserted == 0 and again.conflicts == []
    assert sum(r.unchanged for r in again.tables.values()) == 10
    assert {t: store.list_mappings(t) for t in MAPPINGS} == before
    assert (count(store, "mapping_history"), count(store, "audit_log")) == (history, audit)


def test_seeding_never_undoes_a_controllers_change(store: ControlStore, control_dir: Path) -> None:
    store.seed_from_scenario(control_dir, actor="seed")
    override = store.list_mappings("cost_code_overrides")[0]
    store.update_mapping(
        "cost_code_overrides", override["id"], {"sage_cost_code": "23-31-99"}, actor="carol"
    )
    report = store.seed_from_scenario(control_dir, actor="seed")
    assert report.inserted == 0
    (conflict,) = report.conflicts
    assert "cost_code_overrides.csv:2" in conflict and "kept it" in conflict
    kept = store.get_mapping("cost_code_overrides", override["id"])
    assert kept["sage_cost_code"] == "23-31-99"


def test_seed_from_a_generated_scenario(store: ControlStore, tiny_scenario_dir: Path) -> None:
    report = store.seed_from_scenario(tiny_scenario_dir / "control", actor="seed")
    for table in MAPPINGS:
        lines = (tiny_scenario_dir / "control" / f"{table}.csv").read_text().splitlines()
        assert report.tables[table].inserted == len(lines) - 1
        assert len(store.list_mappings(table)) == len(lines) - 1


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        (
            {"vendor_map": "procore_vendor_id,vendor\n1,X\n"},
            "expected procore_vendor_id,sage_vendor",
        ),
        ({"vendor_map": "procore_vendor_id,sage_vendor\n1,A\nabc,B\n"}, "vendor_map.csv:3"),
        (
            {"cost_code_overrides": "job,procore_cost_code,sage_cost_code\n25-1,,01-02\n"},
            "procore_cost_code is empty",
        ),
        ({"job_prefix_rules": "procore_prefix,sage_prefix\nP-\n"}, "expected 2 fields"),
    ],
)
def test_bad_seed_files_say_where_and_write_nothing(
    store: ControlStore, tmp_path: Path, files: dict[str, str], needle: str
) -> None:
    control = write_control(tmp_path / "c", {**CONTROL_FILES, **files})
    with pytest.raises(ControlValidationError, match=needle):
        store.seed_from_scenario(control, actor="alice")
    assert all(store.list_mappings(t) == [] for t in MAPPINGS)
    assert count(store, "audit_log") == 0


def test_seed_without_control_files_is_refused(store: ControlStore, tmp_path: Path) -> None:
    with pytest.raises(ControlValidationError, match="no control files in"):
        store.seed_from_scenario(tmp_path, actor="alice")


# --- CRUD, history, audit -----------------------------------------------------------------

ROWS = {
    "cost_code_map": (
        {"procore_cost_code": "GC-PM", "job": "25-001", "sage_cost_code": "01-31-30"},
        {"sage_category": "L", "note": "PM labour"},
    ),
    "cost_code_overrides": (
        {"job": "25-007", "procore_cost_code": "A360", "sage_cost_code": "23-31-10"},
        {"sage_cost_code": "23-31-20"},
    ),
    "job_prefix_rules": ({"procore_prefix": "P-", "sage_prefix": ""}, {"sage_prefix": "J"}),
    "vendor_map": (
        {"procore_vendor_id": 3900000007, "sage_vendor": "CANYON02"},
        {"sage_vendor": "CANYON03"},
    ),
}


@pytest.mark.parametrize("table", list(ROWS))
def test_add_update_remove_write_history_and_audit(store: ControlStore, table: str) -> None:
    values, changes = ROWS[table]
    added = store.add_mapping(table, values, actor="alice")
    assert store.list_mappings(table) == [added]
    assert (added["created_by"], added["updated_by"]) == ("alice", "alice")

    updated = store.update_mapping(table, added["id"], changes, actor="bob")
    assert all(updated[c] == v for c, v in changes.items())
    assert updated["created_by"] == "alice" and updated["updated_by"] == "bob"
    assert updated["updated_at"] >= added["updated_at"]

    removed = store.remove_mapping(table, added["id"], actor="carol")
    assert removed == updated and store.list_mappings(table) == []

    history = store.history(table=table)
    assert [(h["action"], h["changed_by"], h["row_id"]) for h in history] == [
        ("delete", "carol", added["id"]),
        ("update", "bob", added["id"]),
        ("insert", "alice", added["id"]),
    ]
    delete, update, insert = history
    assert insert["before"] is None and insert["after"]["id"] == added["id"]
    assert update["before"] == insert["after"]
    assert all(update["after"][c] == v for c, v in changes.items())
    assert delete["before"] == update["after"] and delete["after"] is None

    audit = store.audit(object_type=table)
    assert [(a["action"], a["actor"], a["object_key"]) for a in audit] == [
        (f"mapping.{h['action']}", h["changed_by"], str(added["id"])) for h in history
    ]
    assert [a["before"] for a in audit] == [h["before"] for h in history]


def test_typed_shortcuts_trim_and_store_empty_as_null(store: ControlStore) -> None:
    row = store.add_code_mapping(
        " GC-PM ", "01-31-30", actor=" alice ", job="", line_item_type="  ", sage_category=None
    )
    assert (row["procore_cost_code"], row["job"], row["line_item_type"]) == ("GC-PM", None, None)
    assert row["created_by"] == "alice"
    assert store.add_override("25-007", "A360", "23-31-10", actor="a")["job"] == "25-007"
    assert store.add_prefix_rule("P-", "", actor="a")["sage_prefix"] == ""
    assert store.add_vendor("3900000007", "CANYON02", actor="a")["procore_vendor_id"] == 3900000007


def test_update_without_a_change_writes_nothing(store: ControlStore) -> None:
    row = store.add_vendor(7, "CANYON02", actor="alice")
    again = store.update_mapping("vendor_map", row["id"], {"sage_vendor": " CANYON02 "}, actor="b")
    assert again == row
    assert count(store, "mapping_history") == 1 and count(store, "audit_log") == 1


def test_contradictory_code_rows_are_allowed_exact_duplicates_are_not(
    store: ControlStore,
) -> None:
    store.add_code_mapping("ALLOW-01", "01-50-00", actor="a")
    store.add_code_mapping("ALLOW-01", "01-52-00", actor="a")  # ambiguous on purpose
    store.add_code_mapping("ALLOW-01", "01-50-00", actor="a", job="25-001")  # narrower scope
    with pytest.raises(ControlValidationError, match="duplicate cost code mapping: row 1"):
        store.add_code_mapping("ALLOW-01", "01-50-00", actor="a", note="again")
    assert len(store.list_mappings("cost_code_map")) == 3


def test_the_database_refuses_exact_duplicates_too(store: ControlStore) -> None:
    """The unique index treats NULL as "any": a writer that skips the API is stopped."""
    row = store.add_code_mapping("ALLOW-01", "01-50-00", actor="a")
    values = {k: v for k, v in row.items() if k != "id"}
    with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
        conn.execute(cost_code_map.insert().values(**values))


@pytest.mark.parametrize(
    ("table", "values", "needle"),
    [
        (
            "cost_code_overrides",
            ROWS["cost_code_overrides"][0],
            "duplicate per-job cost code override: row 1",
        ),
        (
            "job_prefix_rules",
            {"procore_prefix": "P-", "sage_prefix": "X"},
            "duplicate job prefix rule",
        ),
        (
            "vendor_map",
            {"procore_vendor_id": "3900000007", "sage_vendor": "OTHER"},
            "update or remove row 1",
        ),
    ],
)
def test_duplicate_keys_are_refused(
    store: ControlStore, table: str, values: dict, needle: str
) -> None:
    store.add_mapping(table, ROWS[table][0], actor="a")
    with pytest.raises(ControlValidationError, match=needle):
        store.add_mapping(table, values, actor="a")


def test_update_into_a_duplicate_is_refused(store: ControlStore) -> None:
    store.add_override("25-007", "A360", "23-31-10", actor="a")
    other = store.add_override("25-007", "A370", "23-31-30", actor="a")
    with pytest.raises(ControlValidationError, match="duplicate"):
        store.update_mapping(
            "cost_code_overrides", other["id"], {"procore_cost_code": "A360"}, actor="a"
        )


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda s: s.add_mapping("codes", {}, actor="a"), "unknown mapping table 'codes'"),
        (lambda s: s.add_code_mapping("", "01-02", actor="a"), "procore_cost_code is empty"),
        (lambda s: s.add_code_mapping("X", " ", actor="a"), "sage_cost_code is empty"),
        (lambda s: s.add_override("", "A1", "01", actor="a"), "job is empty"),
        (lambda s: s.add_prefix_rule("", "", actor="a"), "procore_prefix is empty"),
        (lambda s: s.add_vendor("V-12", "X", actor="a"), "is not a number"),
        (lambda s: s.add_vendor(-4, "X", actor="a"), "must be a positive id"),
        (lambda s: s.add_vendor(4, "", actor="a"), "sage_vendor is empty"),
        (lambda s: s.add_vendor(4, "X", actor=" "), "no actor"),
        (lambda s: s.add_mapping("vendor_map", {"vendor": 1}, actor="a"), "has no column vendor"),
        (lambda s: s.history(table="nope"), "unknown mapping table"),
    ],
)
def test_validation_errors_say_what_to_fix(store: ControlStore, call, needle: str) -> None:
    with pytest.raises(ControlValidationError, match=needle):
        call(store)
    assert count(store, "audit_log") == 0


def test_missing_rows_are_named(store: ControlStore) -> None:
    with pytest.raises(ControlNotFoundError, match="no vendor_map row with id 42"):
        store.remove_mapping("vendor_map", 42, actor="a")
    with pytest.raises(ControlNotFoundError, match="tieout mapping list --table cost_code_map"):
        store.update_mapping("cost_code_map", 42, {"note": "x"}, actor="a")


# --- exception resolutions ----------------------------------------------------------------


def test_resolution_round_trip(store: ControlStore) -> None:
    first = store.resolve_exception(
        "exc-1", "resolved", "fp-1", actor="alice", note="fixed in Sage"
    )
    assert store.get_resolution("exc-1") == first
    assert (first.status, first.value_fingerprint, first.resolved_by) == (
        "resolved",
        "fp-1",
        "alice",
    )
    assert first.resolved_at.tzinfo is not None

    same = store.resolve_exception("exc-1", "resolved", "fp-1", actor="bob", note="fixed in Sage")
    assert same == first  # nothing new to record
    changed = store.resolve_exception("exc-1", "ignored", "fp-2", actor="bob")
    assert (changed.status, changed.value_fingerprint, changed.resolved_by) == (
        "ignored",
        "fp-2",
        "bob",
    )
    store.resolve_exception("exc-2", "ignored", "fp-9", actor="bob")
    assert [r.exception_id for r in store.list_resolutions()] == ["exc-1", "exc-2"]

    withdrawn = store.reopen_exception("exc-1", actor="carol", note="values wrong again")
    assert withdrawn == changed and store.get_resolution("exc-1") is None
    with pytest.raises(ControlNotFoundError, match="no resolution to reopen"):
        store.reopen_exception("exc-1", actor="carol")

    audit = store.audit(object_type="exception_resolutions")
    assert [(a["action"], a["actor"], a["object_key"]) for a in audit] == [
        ("exception.reopen", "carol", "exc-1"),
        ("exception.resolve", "bob", "exc-2"),
        ("exception.resolve", "bob", "exc-1"),
        ("exception.resolve", "alice", "exc-1"),
    ]
    reopen, _, change, resolve = audit
    assert resolve["before"] is None and resolve["after"]["value_fingerprint"] == "fp-1"
    assert change["before"]["status"] == "resolved" and change["after"]["status"] == "ignored"
    assert reopen["before"]["status"] == "ignored" and reopen["after"] == {
        "note": "values wrong again"
    }


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("exc-1", "closed", "fp"), "choose resolved or ignored"),
        (("exc-1", "resolved", ""), "value_fingerprint is empty"),
        (("", "resolved", "fp"), "exception_id is empty"),
    ],
)
def test_resolution_validation(store: ControlStore, args: tuple, needle: str) -> None:
    with pytest.raises(ControlValidationError, match=needle):
        store.resolve_exception(*args, actor="alice")


def test_snapshot_reads_every_table_dbt_needs(store: ControlStore, control_dir: Path) -> None:
    store.seed_from_scenario(control_dir, actor="seed")
    store.resolve_exception("exc-1", "resolved", "fp", actor="alice")
    snapshot = store.snapshot()
    assert {t: len(rows) for t, rows in snapshot.items()} == {
        "cost_code_map": 5,
        "cost_code_overrides": 2,
        "job_prefix_rules": 1,
        "vendor_map": 2,
        "exception_resolutions": 1,
    }
    with pytest.raises(ControlValidationError, match="unknown control table"):
        store.snapshot(["no_such_table"])


# --- SQLite concurrency ---------------------------------------------------------------


def test_sqlite_writers_queue_instead_of_failing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    errors: list[BaseException] = []

    def add(worker: int) -> None:
        try:
            with ControlStore.open(url) as store:
                for n in range(10):
                    store.add_vendor(worker * 100 + n + 1, f"V{worker}-{n}", actor=f"w{worker}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with ControlStore.open(url) as store:
        assert len(store.list_mappings("vendor_map")) == 40
        assert count(store, "mapping_history") == count(store, "audit_log") == 40


def test_a_held_sqlite_lock_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_SECONDS", 0.2)
    path = tmp_path / "c.sqlite"
    with ControlStore.open(f"sqlite:///{path}") as store:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(ControlStoreError, match="held the write lock too long"):
                store.add_vendor(7, "CANYON02", actor="alice")
            assert store.list_mappings("vendor_map") == []  # readers are not blocked (WAL)
        finally:
            holder.rollback()
            holder.close()
        store.add_vendor(7, "CANYON02", actor="alice")
