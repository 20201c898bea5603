"""The answer key: every type present, ids real, counts honoured, and an independent
reconciliation of the files finds exactly the planted rows — nothing more."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from sandbox.generate import DETECTED_BY, EXCEPTION_TYPES, expected_row_counts

from .reference_recon import Recon, Scenario, answer_key

# The team's shared docs sit beside the repository when they are checked out (CI has them);
# the repo keeps its own copy of the exception types (`EXCEPTION_TYPES`), so the comparison
# with ARCHITECTURE.md is an extra check, never a precondition.
REPO = Path(__file__).resolve().parents[2]
ARCHITECTURE = REPO / ".." / "shared" / "ARCHITECTURE.md"

# exception type → (Procore resources its procore_id lives in, Sage key kind)
SIDES: dict[str, tuple[tuple[str, ...], str]] = {
    "unmapped_cost_code": (("cost_codes",), ""),
    "ambiguous_cost_code": (("cost_codes",), ""),
    "invalid_sage_target": (("cost_codes",), "target"),
    "unmapped_vendor": (("vendors",), ""),
    "vendor_mismatch": (("work_order_contracts", "purchase_order_contracts"), "commitment"),
    "job_missing_in_sage": (("projects",), ""),
    "project_missing_in_procore": ((), "job"),
    "commitment_missing_in_sage": (("work_order_contracts", "purchase_order_contracts"), ""),
    "subcontract_missing_in_procore": ((), "commitment"),
    "commitment_amount_mismatch": (
        ("work_order_contracts", "purchase_order_contracts"),
        "commitment",
    ),
    "commitment_line_mismatch": (("work_order_contracts", "purchase_order_contracts"), "coding"),
    "change_order_missing_in_sage": (("commitment_change_orders",), ""),
    "change_order_amount_mismatch": (("commitment_change_orders",), "change_order"),
    "invoice_missing_in_sage": (("requisitions",), ""),
    "invoice_amount_mismatch": (("requisitions",), "invoice"),
    "retainage_mismatch": (("work_order_contracts", "purchase_order_contracts"), "commitment"),
    "budget_mismatch": (("budget_detail_rows",), "coding"),
    "schema_drift": (("direct_costs",), ""),
    "write_rejected": (("requisitions",), "held_invoice"),
}


def _rows(root: Path) -> list[dict]:
    with (root / "expected" / "exceptions.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_exception_types_are_one_list_in_the_repo() -> None:
    assert len(EXCEPTION_TYPES) == len(set(EXCEPTION_TYPES)) == 19
    assert set(SIDES) == set(EXCEPTION_TYPES) == set(DETECTED_BY)


def test_exception_types_match_architecture() -> None:
    """Only where the shared docs are checked out beside the repo (`../shared`)."""
    if not ARCHITECTURE.is_file():
        pytest.skip("../shared/ARCHITECTURE.md is not beside the repository")
    text = ARCHITECTURE.read_text()
    listed = text.split("Exception types:", 1)[1].split("New types are added here first")[0]
    names = {n.strip().rstrip(".") for n in re.split(r"[,\s]+", listed) if n.strip(" .")}
    assert names == set(EXCEPTION_TYPES)


def test_every_exception_type_is_planted(tiny_scenario_dir: Path) -> None:
    rows = _rows(tiny_scenario_dir)
    assert {r["exception_type"] for r in rows} == set(EXCEPTION_TYPES)
    assert {r["detected_by"] for r in rows} == {"build", "sync", "write"}
    for r in rows:
        assert r["detected_by"] == DETECTED_BY[r["exception_type"]]


def test_answer_key_is_sorted_and_unique(tiny_scenario_dir: Path) -> None:
    rows = _rows(tiny_scenario_dir)
    keys = [(r["exception_type"], int(r["procore_id"] or -1), r["sage_key"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    with (tiny_scenario_dir / "expected" / "exceptions.csv").open() as fh:
        assert fh.readline().strip() == "exception_type,procore_id,sage_key,detected_by"


def test_answer_key_ids_exist_on_the_named_side(tiny_scenario_dir: Path, tiny) -> None:
    s = tiny
    ids = {res: {r["id"] for r in recs} for res, recs in s.procore.items()}
    jobs = {r["Job"] for r in s.sage["JCM_MASTER__JOB"]}
    categories = {
        "|".join((r["Job"], r["Extra"], r["Cost_Code"], r["Category"]))
        for r in s.sage["JCM_MASTER__CATEGORY"]
    }
    commitments = {r["Commitment"] for r in s.sage["JCM_MASTER__COMMITMENT"]}
    cos = {f"{r['Commitment']}|{r['Commitment_CO']}" for r in s.sage["JCM_MASTER__COMMITMENT_CO"]}
    invoices = {f"{r['Vendor']}|{r['Invoice']}" for r in s.sage["APM_MASTER__INVOICE"]}
    held = {r["Vendor"] for r in s.sage["APM_MASTER__VENDOR"] if r["On_Hold"] == "1"}
    for row in _rows(tiny_scenario_dir):
        kind, pid, key = row["exception_type"], row["procore_id"], row["sage_key"]
        resources, sage_kind = SIDES[kind]
        if resources:
            assert pid and any(int(pid) in ids[r] for r in resources), row
        else:
            assert pid == "", row
        if not sage_kind:
            assert key == "", row
        elif sage_kind == "job":
            assert key in jobs, row
        elif sage_kind == "coding":
            assert key in categories, row
        elif sage_kind == "target":  # the 4-part target the job does NOT have
            assert key.split("|")[0] in jobs and key not in categories, row
        elif sage_kind == "commitment":
            assert key in commitments, row
        elif sage_kind == "change_order":
            assert key in cos, row
        elif sage_kind == "invoice":
            assert key in invoices, row
        elif sage_kind == "held_invoice":  # the attempted write: vendor on hold, no invoice
            assert key.split("|")[0] in held and key not in invoices, row


def test_planting_counts_are_honoured(tiny_planted: Path) -> None:
    plant = {
        "budget_mismatch": 3,
        "commitment_line_mismatch": 2,
        "write_rejected": 2,
        "schema_drift": 2,
        "invalid_sage_target": 2,
    }
    counts = {t: 1 for t in EXCEPTION_TYPES} | plant
    want = expected_row_counts(counts)
    got = {t: 0 for t in EXCEPTION_TYPES}
    for r in _rows(tiny_planted):
        got[r["exception_type"]] += 1
    assert got == want
    assert got["budget_mismatch"] == 3


@pytest.mark.parametrize("fixture", ["tiny_scenario_dir", "tiny_planted", "tiny_dotted"])
def test_reference_reconciliation_finds_exactly_the_answer_key(fixture: str, request) -> None:
    root = request.getfixturevalue(fixture)
    found = Recon(Scenario.load(root)).run()
    expected = answer_key(root)
    assert found - expected == set(), "discrepancies the answer key does not list"
    assert expected - found == set(), "planted discrepancies the files do not show"


def test_a_scenario_without_plants_reconciles_clean(tiny_clean: Path) -> None:
    assert _rows(tiny_clean) == []
    assert Recon(Scenario.load(tiny_clean)).run() == set()


def test_small_reconciles_exactly(small_dir: Path, small) -> None:
    assert Recon(small).run() == answer_key(small_dir)
    counts = {}
    for r in _rows(small_dir):
        counts[r["exception_type"]] = counts.get(r["exception_type"], 0) + 1
    assert counts == {
        t: n for t, n in expected_row_counts({t: 2 for t in EXCEPTION_TYPES}).items() if n
    }
