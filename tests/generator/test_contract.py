"""The scenario directory contract: files, headers, scopes, schemas, formats, toml."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from procore_schema import missing_key_fields, validate_records

from sandbox.procore.reads import project
from sandbox.procore.resources import ENDPOINTS, RESOURCE_SCOPE, RESOURCES, endpoint_fields
from sandbox.sage.catalogue import TABLES

from .conftest import tree_digest

MONEY = re.compile(r"^-?\d+\.\d{2}$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def test_same_seed_is_byte_identical(tiny_scenario_dir: Path, tiny_again: Path) -> None:
    assert tree_digest(tiny_scenario_dir) == tree_digest(tiny_again)


def test_same_seed_is_byte_identical_across_processes_and_hash_seeds(
    tmp_path: Path, tiny_scenario_dir: Path, tiny_seed: int
) -> None:
    """Two fresh interpreters with different PYTHONHASHSEED (set/dict-of-str iteration
    order differs) write the same bytes as this process did."""
    script = (
        "import sys; from sandbox.generate import generate; "
        "generate('tiny', int(sys.argv[1]), sys.argv[2])"
    )
    root = Path(__file__).resolve().parents[2]
    runs = {}
    for hash_seed in ("0", "4242"):
        out = tmp_path / f"hash{hash_seed}"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        runs[hash_seed] = (
            out,
            subprocess.Popen(
                [sys.executable, "-c", script, str(tiny_seed), str(out)],
                cwd=root,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            ),
        )
    for _out, proc in runs.values():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
    digests = {tree_digest(out) for out, _ in runs.values()}
    assert digests == {tree_digest(tiny_scenario_dir)}


def test_another_seed_differs(tiny_scenario_dir: Path, tiny_other_seed: Path) -> None:
    assert tree_digest(tiny_scenario_dir) != tree_digest(tiny_other_seed)


def test_every_contract_file_exists(tiny_scenario_dir: Path) -> None:
    for resource in RESOURCES:
        data = json.loads((tiny_scenario_dir / "procore" / f"{resource}.json").read_text())
        assert isinstance(data, list), resource
        assert data, f"{resource}.json is empty: the tiny scenario should exercise it"
    for table in TABLES:
        assert (tiny_scenario_dir / "sage" / f"{table.name}.csv").is_file(), table.name
    for name in ("cost_code_overrides", "cost_code_map", "job_prefix_rules", "vendor_map"):
        assert (tiny_scenario_dir / "control" / f"{name}.csv").is_file(), name
    assert (tiny_scenario_dir / "expected" / "exceptions.csv").is_file()
    extra = {p.stem for p in (tiny_scenario_dir / "procore").iterdir()} - set(RESOURCES)
    assert not extra, f"files for unknown resources: {extra}"


def test_csv_headers_equal_the_catalogue(tiny_scenario_dir: Path) -> None:
    for table in TABLES:
        with (tiny_scenario_dir / "sage" / f"{table.name}.csv").open(newline="") as fh:
            assert tuple(next(csv.reader(fh))) == table.column_names, table.name


def test_csv_values_follow_the_column_formats(tiny_scenario_dir: Path) -> None:
    """Money has exactly two decimals, dates are ISO, flags 0/1, text fits its width."""
    for table in TABLES:
        with (tiny_scenario_dir / "sage" / f"{table.name}.csv").open(newline="") as fh:
            rows = list(csv.DictReader(fh))
        for row in rows:
            for col in table.columns:
                value = row[col.name]
                where = f"{table.name}.{col.name}={value!r}"
                if col.type == "money":
                    assert MONEY.match(value), where
                elif col.type == "date" and value:
                    assert DATE.match(value), where
                elif col.type == "flag":
                    assert value in ("0", "1"), where
                elif col.type == "text" and col.length:
                    assert len(value) <= col.length, where


def test_primary_job_extra_is_an_empty_string(tiny: object) -> None:
    extras = {r["Extra"] for r in tiny.sage["JCM_MASTER__CATEGORY"]}
    assert "" in extras and "01" in extras


def test_every_record_carries_exactly_its_scope(tiny_scenario_dir: Path) -> None:
    for resource in RESOURCES:
        for rec in json.loads((tiny_scenario_dir / "procore" / f"{resource}.json").read_text()):
            assert set(rec["_scope"]) == set(RESOURCE_SCOPE[resource]), (resource, rec["id"])
            assert all(rec["_scope"][k] is not None for k in RESOURCE_SCOPE[resource])


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.operation_id)
def test_records_validate_against_the_openapi_schema(
    tiny_scenario_dir: Path, tiny, endpoint
) -> None:
    """Every record (planted schema drift excepted) validates for every operation that
    serves it, seen as the emulator serves it: projected onto the operation's declared
    fields (no undeclared key), shows with `_show` overrides; key fields are not null."""
    drift = {int(pid) for t, pid, _ in _answer_rows(tiny_scenario_dir) if t == "schema_drift"}
    records = tiny.procore[endpoint.resource]
    if endpoint.item_types:
        records = [r for r in records if r["item_type"] in endpoint.item_types]
    fields = endpoint_fields(endpoint)
    served = [
        project(rec, fields, show=endpoint.kind == "show")
        for rec in records
        if not (isinstance(rec.get("id"), int) and rec["id"] in drift)
    ]
    assert served, f"{endpoint.operation_id}: the tiny scenario serves no records"
    strict = not endpoint.dynamic_fields
    assert validate_records(endpoint.operation_id, served, additional=not strict) == []
    assert missing_key_fields(endpoint.operation_id, endpoint.resource, served) == []


def test_every_stored_field_is_served_by_some_operation(tiny) -> None:
    """The store holds the union of the views' fields, nothing no operation returns (budget
    detail rows excepted: their view columns are dynamic)."""
    for resource, records in tiny.procore.items():
        ops = [e for e in ENDPOINTS if e.resource == resource]
        if any(e.dynamic_fields for e in ops):
            continue
        served = {f for e in ops for f in (endpoint_fields(e) or ())}
        served |= {k for e in ops for k in (*e.embed, *(k for v in e.views.values() for k in v))}
        stored = {k for r in records for k in r if not k.startswith("_")}
        assert stored <= served, (resource, sorted(stored - served))


def test_a_detail_sov_subcontract_bills_contract_detail_items(tiny) -> None:
    """One subcontract's invoices carry `contract_detail_item` rows, each SOV line billed
    through one stable detail line; its other invoices' items are all detail items."""
    items = tiny.procore["requisition_items"]
    detail = [i for i in items if i["item_type"] == "contract_detail_item"]
    assert detail
    by_line: dict[int, set[int]] = {}
    for item in detail:
        by_line.setdefault(item["line_item_id"], set()).add(item["detail_line_item_id"])
    assert all(len(ids) == 1 for ids in by_line.values())
    assert len({i for ids in by_line.values() for i in ids}) == len(by_line)
    reqs = {i["_scope"]["requisition_id"] for i in detail}
    assert not [
        i
        for i in items
        if i["_scope"]["requisition_id"] in reqs and i["item_type"] == "contract_item"
    ]


def test_schema_drift_records_fail_validation(tiny_scenario_dir: Path, tiny) -> None:
    drift = {int(pid) for t, pid, _ in _answer_rows(tiny_scenario_dir) if t == "schema_drift"}
    assert drift
    bad = [
        {k: v for k, v in r.items() if not k.startswith("_")}
        for r in tiny.procore["direct_costs"]
        if r["id"] in drift
    ]
    assert len(bad) == len(drift)
    assert validate_records("RestV10ProjectsProjectIdDirectCostsGet", bad)


def test_value_formats(tiny) -> None:
    """Ids are integers (strings in v2 line items), some above 2^31; timestamps and dates
    are ISO; money is a string."""
    ids = [r["id"] for recs in tiny.procore.values() for r in recs if isinstance(r["id"], int)]
    assert max(ids) > 2**31 and min(ids) < 2**31
    for res in ("commitment_change_order_line_items", "prime_change_order_line_items"):
        assert all(isinstance(r["id"], str) for r in tiny.procore[res])
    stamp = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
    for res in ("projects", "work_order_contracts", "requisitions", "cost_codes"):
        for r in tiny.procore[res]:
            assert stamp.match(r["created_at"]) and stamp.match(r["updated_at"]), res
    assert all(r["origin_id"] is None for r in tiny.procore["requisitions"])
    for r in tiny.procore["requisitions"]:
        assert re.match(r"^\d+\.\d{2}%$", r["percent_complete"])


def test_scenario_toml(tiny_scenario, tiny_scenario_dir: Path) -> None:
    assert tiny_scenario.as_of == "2026-10-31"
    assert tiny_scenario.procore.company_id > 2**31
    assert tiny_scenario.procore.client_id and tiny_scenario.procore.client_secret
    meta = tiny_scenario.meta
    assert meta["sage"]["cost_code_mask"] == "xx-xxx"
    assert meta["sage"]["job_mask"] == "xx-xxx"
    assert meta["generator"]["size"] == "tiny"
    stats = meta["stats"]
    for resource in RESOURCES:
        records = json.loads((tiny_scenario_dir / "procore" / f"{resource}.json").read_text())
        assert stats["procore"][resource] == len(records)
    with (tiny_scenario_dir / "sage" / "JCT_CURRENT__TRANSACTION.csv").open() as fh:
        assert stats["sage"]["JCT_CURRENT__TRANSACTION"] == sum(1 for _ in fh) - 1
    assert stats["bytes"] > 0


def test_mask_rows_describe_the_masks(tiny, tiny_dotted: Path) -> None:
    from .reference_recon import Scenario, cost_code_mask

    rows = tiny.sage["TS_CTL_RECORD_3"]
    job = [(r["Section"], r["CSLEN"], r["CNPUNCT"]) for r in rows if r["FLDCODE"] == "16"]
    assert job == [("1", "2", "-"), ("2", "3", "")]
    assert cost_code_mask(tiny) == ((2, 3), "-")
    dotted = Scenario.load(tiny_dotted)
    assert cost_code_mask(dotted) == ((3, 2), ".")
    codes = {r["Cost_Code"] for r in dotted.sage["JCM_MASTER__COST_CODE"]}
    assert codes and all(re.match(r"^\d{3}\.\d{2}$", c) for c in codes)


def test_generate_refuses_a_non_empty_directory(tmp_path: Path) -> None:
    from sandbox.generate import generate

    (tmp_path / "keep.txt").write_text("x")
    with pytest.raises(FileExistsError):
        generate("tiny", 1, tmp_path)


def test_progress_is_reported(tmp_path: Path) -> None:
    from sandbox.generate import generate

    calls: list[tuple] = []
    summary = generate("tiny", 2, tmp_path / "p", progress=lambda *a: calls.append(a))
    stages = {c[0] for c in calls}
    assert {"projects", "JC transactions"} <= stages
    done = [c for c in calls if c[0] == "projects"][-1]
    assert done[1] == done[2]
    assert "tiny seed 2" in str(summary) and summary.sage_rows > 0


def _answer_rows(root: Path) -> list[tuple[str, str, str]]:
    with (root / "expected" / "exceptions.csv").open(newline="") as fh:
        return [(r["exception_type"], r["procore_id"], r["sage_key"]) for r in csv.DictReader(fh)]
