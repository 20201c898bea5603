"""A controller's resolution survives rebuilds, reopens when the values move, and an
exception fixed at the source closes by itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from tests.dbt.conftest import BuiltScenario, build

QUEUE = "+exception_queue"  # the queue and everything it is computed from


@pytest.fixture()
def scratch(tiny_built: BuiltScenario, tmp_path: Path) -> BuiltScenario:
    """A private copy of the built tiny warehouse and control store."""
    home = tmp_path / "home"
    shutil.copytree(tiny_built.home, home, ignore=shutil.ignore_patterns("dlt", "sage"))
    return BuiltScenario(tiny_built.scenario_dir, home)


def status_of(built: BuiltScenario, exception_id: str) -> tuple[str, str | None]:
    (row,) = built.query(
        "select status, resolved_by from marts.exception_queue where exception_id = ?",
        [exception_id],
    )
    return row


def one(built: BuiltScenario, kind: str) -> tuple[str, str, str]:
    return built.query(
        """select exception_id, value_fingerprint, sage_key from marts.exception_queue
           where exception_type = ? and status = 'open' order by exception_id limit 1""",
        [kind],
    )[0]


def test_ids_are_stable_across_rebuilds(scratch: BuiltScenario) -> None:
    before = scratch.query("select exception_id, first_seen_at from marts.exception_queue")
    build(scratch.home, select=QUEUE)
    after = scratch.query("select exception_id, first_seen_at from marts.exception_queue")
    assert sorted(before) == sorted(after)


def test_resolution_holds_until_values_move(scratch: BuiltScenario) -> None:
    from writers.control import ControlStore

    exception_id, fingerprint, commitment = one(scratch, "commitment_amount_mismatch")
    store = ControlStore.open(home=scratch.home)
    try:
        store.resolve_exception(
            exception_id, "resolved", fingerprint, actor="controller", note="agreed with PM"
        )
    finally:
        store.close()
    build(scratch.home, select=QUEUE)
    assert status_of(scratch, exception_id) == ("resolved", "controller")

    # Sage's amount moves again: the same exception (same id) is open again.
    with duckdb.connect(str(scratch.warehouse)) as con:
        con.execute(
            'update raw_sage."JCM_MASTER__COMMITMENT" set "Original_Commitment" = '
            '"Original_Commitment" + 1 where "Commitment" = ?',
            [commitment],
        )
    build(scratch.home, select=QUEUE)
    assert status_of(scratch, exception_id) == ("open", None)


def test_fixed_at_source_closes_itself(scratch: BuiltScenario) -> None:
    exception_id, _, commitment = one(scratch, "commitment_amount_mismatch")
    with duckdb.connect(str(scratch.warehouse)) as con:
        procore_total = con.execute(
            """select grand_total from raw_procore.work_order_contracts where id = (
                   select procore_id from marts.exception_queue where exception_id = ?)""",
            [exception_id],
        ).fetchone()[0]
        con.execute(
            'update raw_sage."JCM_MASTER__COMMITMENT" set "Original_Commitment" = ? '
            'where "Commitment" = ?',
            [procore_total, commitment],
        )
    build(scratch.home, select=QUEUE)
    assert status_of(scratch, exception_id) == ("resolved", "source")
