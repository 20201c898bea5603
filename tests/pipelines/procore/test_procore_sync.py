"""Done-when of the Procore source: first sync, no-change sync, incremental changes."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from procore_sync_support import (
    DATASET,
    counts,
    drift_rows,
    duplicate_keys,
    expected_counts,
    first_sync_requests,
    load_records,
    no_change_requests,
    planted_drift,
    query,
    snapshot,
    stats,
    sync,
    tables,
)

from pipelines.procore.settings import TABLES, ProcoreSettings


def test_first_sync_loads_every_resource(clean_sync, tiny_scenario):
    records = load_records(tiny_scenario)
    drifted = planted_drift(tiny_scenario)
    expected = expected_counts(records, drifted)
    assert all(expected[name] for name in ("projects", "requisition_items", "vendors"))
    assert counts(clean_sync.home) == expected
    assert duplicate_keys(clean_sync.home) == {}
    report = clean_sync.report
    assert report.ok
    assert {r.resource for r in report.resources} == {*TABLES, "oauth"}
    assert sum(r.rows for r in report.resources if r.resource in TABLES) >= sum(expected.values())


def test_first_sync_spends_exactly_the_expected_requests(clean_sync, tiny_scenario):
    records = load_records(tiny_scenario)
    expected = first_sync_requests(records, planted_drift(tiny_scenario))
    assert clean_sync.stats["by_operation"] == expected
    assert clean_sync.stats["rate_limited"] == 0
    assert clean_sync.report.requests == clean_sync.stats["total"]
    # the run's own counts (stored per operation) agree with the server's
    stored = dict(
        query(
            clean_sync.home,
            f"SELECT operation, sum(requests) FROM {DATASET}._tieout_requests GROUP BY 1",
        )
    )
    assert stored == expected


def test_planted_schema_drift_is_found_and_kept_out(clean_sync, tiny_scenario):
    planted = planted_drift(tiny_scenario)
    found = drift_rows(clean_sync.home)
    assert {row[1] for row in found} == planted
    assert [(r[0], r[2], r[4]) for r in found] == [("direct_costs", "grand_total", "number")]
    (record_id,) = planted
    assert query(
        clean_sync.home,
        f"SELECT count(*) FROM {DATASET}.direct_costs WHERE id = ?",
        [int(record_id)],
    ) == [(0,)]
    assert clean_sync.report.issues and clean_sync.report.issues[0]["record_id"] == record_id


def test_money_is_decimal_and_timestamps_are_utc(clean_sync, tiny_scenario):
    home = clean_sync.home
    types = dict(
        query(
            home,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = 'requisitions'",
            [DATASET],
        )
    )
    assert types["total_claimed_amount"].startswith("DECIMAL")
    assert types["summary__total_retainage"].startswith("DECIMAL")
    assert types["percent_complete"].startswith("DECIMAL")
    assert types["updated_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["billing_date"] == "DATE"
    source = {r["id"]: r for r in load_records(tiny_scenario)["requisitions"]}
    for rid, claimed, percent, retainage in query(
        home,
        f"SELECT id, total_claimed_amount, percent_complete, "
        f"summary__total_retainage FROM {DATASET}.requisitions",
    ):
        raw = source[rid]
        assert claimed == Decimal(raw["total_claimed_amount"])
        assert percent == Decimal(raw["percent_complete"].rstrip("%"))
        assert retainage == Decimal(raw["summary"]["total_retainage"])
    (offset,) = query(
        home, f"SELECT DISTINCT extract('timezone' FROM updated_at) FROM {DATASET}.projects"
    )
    assert offset == (0,)


def test_empty_tables_exist_for_the_models(clean_sync):
    present = set(tables(clean_sync.home))
    assert set(TABLES) <= present
    assert {"_tieout_requests", "_tieout_sync_runs", "_tieout_schema_drift"} <= present
    runs = query(clean_sync.home, f"SELECT resource, status FROM {DATASET}._tieout_sync_runs")
    assert {r[0] for r in runs} == {*TABLES, "oauth"}


def test_second_sync_without_changes_makes_only_unavoidable_requests(
    srv, tiny_scenario, synced_home
):
    report = sync(srv, tiny_scenario, synced_home)
    assert report.ok
    projects = [p for p in load_records(tiny_scenario)["projects"] if p.get("active", True)]
    assert stats(srv)["by_operation"] == no_change_requests(len(projects))
    assert sum(r.rows for r in report.resources) == 0
    skipped = {r.resource for r in report.resources if r.status == "skipped"}
    assert skipped == {
        "line_item_types",
        "cost_codes",
        "sub_jobs",
        "budget_views",
        "budget_detail_rows",  # a child is read only under a parent that was read
        "payment_applications",
    }


def test_state_survives_loss_of_the_local_dlt_folder(srv, tiny_scenario, synced_home, clean_sync):
    shutil.rmtree(synced_home / "dlt")
    report = sync(srv, tiny_scenario, synced_home)
    assert report.ok
    projects = [p for p in load_records(tiny_scenario)["projects"] if p.get("active", True)]
    assert stats(srv)["by_operation"] == no_change_requests(len(projects))
    assert snapshot(synced_home) == clean_sync.snapshot


def test_incremental_sync_loads_exactly_the_changes(srv, tiny_scenario, synced_home):
    store = srv.state.store
    records = load_records(tiny_scenario)
    woc = [r for r in records["work_order_contracts"] if not r.get("deleted_at")]
    touched_req = [r["id"] for r in records["requisitions"][:2]]
    touched_vendor = records["vendors"][0]["id"]
    soft_deleted = woc[0]["id"]
    changed_woc = woc[1]
    woc_lines = [
        r
        for r in records["work_order_contract_line_items"]
        if r["_scope"]["work_order_contract_id"] == changed_woc["id"]
    ]
    gone_code = records["cost_codes"][-1]
    store.touch("requisitions", touched_req)
    store.touch("vendors", [touched_vendor])
    store.soft_delete("work_order_contracts", [soft_deleted])
    store.hard_delete("work_order_contract_line_items", [woc_lines[0]["id"]])
    store.touch("work_order_contracts", [changed_woc["id"]])  # its lines changed
    store.hard_delete("cost_codes", [gone_code["id"]])
    new_change_order = dict(records["commitment_change_orders"][0])
    new_change_order.pop("id")
    new_change_order["number"] = "999"
    added = store.upsert("commitment_change_orders", new_change_order)
    stats(srv)

    # 25 hours later: the full-pull resources are due (that is when hard deletes show)
    srv.state.clock.advance(25 * 3600)
    report = sync(srv, tiny_scenario, synced_home)
    assert report.ok, [r.error for r in report.resources if r.error]
    by_table = {r.resource: r for r in report.resources}
    (last_load,) = query(
        synced_home,
        f"SELECT max(load_id) FROM {DATASET}._dlt_loads "
        f"WHERE schema_name = 'procore' AND load_id IN "
        f"(SELECT _dlt_load_id FROM {DATASET}.requisitions)",
    )

    def loaded(table: str) -> set[int]:
        return {
            r[0]
            for r in query(
                synced_home,
                f"SELECT id FROM {DATASET}.{table} WHERE _dlt_load_id = ?",
                [last_load[0]],
            )
        }

    assert loaded("requisitions") == set(touched_req)
    assert loaded("vendors") == {touched_vendor}
    assert loaded("work_order_contracts") == {soft_deleted, changed_woc["id"]}
    assert loaded("commitment_change_orders") == {added["id"]}
    assert loaded("purchase_order_contracts") == set()
    assert by_table["requisitions"].rows == 2 and by_table["vendors"].rows == 1
    # soft delete: the row stays with deleted_at, its lines go
    assert query(
        synced_home,
        f"SELECT deleted_at IS NOT NULL FROM {DATASET}.work_order_contracts WHERE id = ?",
        [soft_deleted],
    ) == [(True,)]
    lines_left = query(
        synced_home,
        f"SELECT count(*) FROM {DATASET}.work_order_contract_line_"
        "items WHERE work_order_contract_id = ?",
        [soft_deleted],
    )
    assert lines_left == [(0,)]
    # the changed contract's lines were re-read: the deleted line is gone, the rest stay
    kept = {
        r[0]
        for r in query(
            synced_home,
            f"SELECT id FROM {DATASET}.work_order_contract_"
            "line_items WHERE work_order_contract_id = ?",
            [changed_woc["id"]],
        )
    }
    assert kept == {r["id"] for r in woc_lines[1:]}
    # hard delete of a full-pull resource, found by the diff
    assert query(
        synced_home, f"SELECT count(*) FROM {DATASET}.cost_codes WHERE id = ?", [gone_code["id"]]
    ) == [(0,)]
    # the new change order came with its (re-read) lines
    assert query(
        synced_home,
        f"SELECT count(*) FROM {DATASET}.commitment_change_order_line_"
        "items WHERE commitment_change_order_id = ?",
        [added["id"]],
    ) == [(0,)]
    assert duplicate_keys(synced_home) == {}
    ops = stats(srv)["by_operation"]
    assert ops["RestV10WorkOrderContractsWorkOrderContractIdLineItemsGet"] == 1
    assert (
        ops[
            "RestV20CompaniesCompanyIdProjectsProjectIdCommitmentChangeOrders"
            "CommitmentChangeOrderIdLineItemsGet"
        ]
        == 1
    )
    assert "RestV10PurchaseOrderContractsPurchaseOrderContractIdLineItemsGet" not in ops


def test_full_sync_rereads_everything_and_matches(srv, tiny_scenario, synced_home, clean_sync):
    report = sync(srv, tiny_scenario, synced_home, full=True)
    assert report.ok
    assert stats(srv)["by_operation"] == clean_sync.stats["by_operation"]
    assert snapshot(synced_home) == clean_sync.snapshot


def test_project_ids_limit_the_fan_out(srv, tiny_scenario, home: Path):
    project = load_records(tiny_scenario)["projects"][0]["id"]
    report = sync(srv, tiny_scenario, home, project_ids=[project])
    assert report.ok
    ops = stats(srv)["by_operation"]
    assert ops["RestV11RequisitionsGet"] == 1
    assert {
        r[0] for r in query(home, f"SELECT DISTINCT project_id FROM {DATASET}.requisitions")
    } == {project}


def test_cadence_setting_controls_full_pulls(srv, tiny_scenario, synced_home):
    report = sync(srv, tiny_scenario, synced_home, settings=ProcoreSettings(full_pull_hours=0))
    assert report.ok
    ops = stats(srv)["by_operation"]
    assert ops["RestV10CostCodesGet"] == 4 and ops["RestV10LineItemTypesGet"] == 1
    assert {r.resource: r.status for r in report.resources}["cost_codes"] == "ok"


def test_a_lost_warehouse_is_rebuilt_even_when_dlt_state_survived(
    srv, tiny_scenario, synced_home, clean_sync
):
    (synced_home / "warehouse.duckdb").unlink()
    report = sync(srv, tiny_scenario, synced_home)
    assert report.ok, [r.error for r in report.resources if r.error]
    assert snapshot(synced_home) == clean_sync.snapshot
