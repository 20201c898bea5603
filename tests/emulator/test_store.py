"""The in-memory store on its own: scope index, id-less rows, bump formats, threads."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from sandbox.procore.clock import Clock
from sandbox.procore.store import Store, StoreError

from . import factories as f


@pytest.fixture
def store(tmp_path) -> Store:
    data = {
        "requisition_items": [f.requisition_item(10 + i, 5 if i < 3 else 6) for i in range(5)],
        "payment_applications": [f.payment_application(1)],
        "budget_detail_rows": [
            f.budget_detail_row(None, 3),
            f.budget_detail_row(None, 3),
            f.budget_detail_row(99, 3),
        ],
        "tax_like": [{"id": 1, "rate1": 8.250, "_scope": {}}],
    }
    root = f.write_scenario(tmp_path / "s", data)
    clock = Clock()
    clock.set(1_750_000_000)
    return Store.from_dir(root / "procore", clock)


def test_query_by_full_and_partial_scope_sorted_by_id(store: Store) -> None:
    assert [r["id"] for r in store.query("requisition_items", {"requisition_id": 5})] == [
        10,
        11,
        12,
    ]
    assert len(store.query("requisition_items", {"project_id": f.PROJECT_ID})) == 5
    assert store.query("requisition_items", {"requisition_id": "6", "project_id": 1}) == []
    assert store.query("nothing_here") == []


def test_id_less_rows_are_kept_and_sorted_last(store: Store) -> None:
    rows = store.query("budget_detail_rows", {"budget_view_id": 3})
    assert [r["id"] for r in rows] == [99, None, None]


def test_numbers_keep_their_digits(store: Store) -> None:
    assert store.get("tax_like", 1)["rate1"] == Decimal("8.250")


def test_bumps_use_the_clock_and_keep_date_only_fields_date_only(store: Store) -> None:
    touched = store.touch("payment_applications", [1])[0]
    assert touched["updated_at"] == "2025-06-15"
    item = store.touch("requisition_items", [10])[0]
    assert "updated_at" not in item  # requisition items carry no updated_at: none is invented
    store.clock.advance(60)
    upserted = store.upsert(
        "payment_applications", {**store.get("payment_applications", 1), "status": "draft"}
    )
    assert upserted["updated_at"] == "2025-06-15" and upserted["status"] == "draft"


def test_soft_delete_sets_deleted_at_and_hard_delete_cleans_the_index(store: Store) -> None:
    deleted = store.soft_delete("requisition_items", [10])[0]
    assert deleted["deleted_at"] == "2025-06-15T15:06:40Z"
    assert store.hard_delete("requisition_items", [10, 11, 404]) == 2
    assert [r["id"] for r in store.query("requisition_items", {"requisition_id": 5})] == [12]
    with pytest.raises(KeyError):
        store.touch("requisition_items", [10])


def test_scope_change_moves_the_record_in_the_index(store: Store) -> None:
    record = store.get("requisition_items", 12)
    store.upsert(
        "requisition_items", {**record, "_scope": {"project_id": f.PROJECT_ID, "requisition_id": 6}}
    )
    assert 12 in [r["id"] for r in store.query("requisition_items", {"requisition_id": 6})]
    assert 12 not in [r["id"] for r in store.query("requisition_items", {"requisition_id": 5})]


def test_new_records_need_a_scope_and_get_an_id(store: Store) -> None:
    with pytest.raises(StoreError):
        store.upsert("requisition_items", {"id": 500, "item_type": "contract_item"})
    created = store.upsert(
        "requisition_items", {"item_type": "contract_item", "_scope": {"requisition_id": 7}}
    )
    assert created["id"] == 15


def test_reload_restores_the_scenario(store: Store) -> None:
    store.hard_delete("requisition_items", [10, 11, 12])
    store.reload()
    assert len(store.query("requisition_items")) == 5


def test_concurrent_writers_and_readers(store: Store) -> None:
    errors: list[BaseException] = []

    def writer(offset: int) -> None:
        try:
            for i in range(200):
                store.upsert(
                    "requisition_items",
                    {"id": 1000 + offset * 1000 + i, "_scope": {"requisition_id": 5}},
                )
                store.touch("requisition_items", [10])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(200):
                rows = store.query("requisition_items", {"requisition_id": 5})
                assert rows == sorted(rows, key=lambda r: r["id"])
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(store.query("requisition_items", {"requisition_id": 5})) == 3 + 800


def test_records_missing_their_scope_are_refused_at_load(tmp_path) -> None:
    bad = {k: v for k, v in f.requisition(1).items() if k != "_scope"}
    root = f.write_scenario(tmp_path / "bad", {"requisitions": [bad]})
    with pytest.raises(StoreError, match=r"requisitions.json.*project_id"):
        Store.from_dir(root / "procore")


def test_query_results_are_cached_until_the_resource_changes(store: Store) -> None:
    first = store.query("requisition_items", {"requisition_id": 5})
    assert store.query("requisition_items", {"requisition_id": 5}) is first
    store.touch("requisition_items", [10])
    again = store.query("requisition_items", {"requisition_id": 5})
    assert again is not first and again[0]["id"] == 10
