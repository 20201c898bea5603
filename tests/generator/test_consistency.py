"""Internal consistency: G702/G703 math, Sage roll-ups, and clean commitments that tie
to the cent on both sides."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from sandbox.procore import store
from sandbox.sage import company

from .reference_recon import APPROVED, Scenario, d

ZERO = Decimal("0")
SCENARIOS = ["tiny", "small"]


def _by(records: list[dict], key: str) -> dict:
    out = defaultdict(list)
    for r in records:
        out[r[key] if key in r else r["_scope"][key]].append(r)
    return out


@pytest.mark.parametrize("name", SCENARIOS)
def test_g702_math_holds_on_every_requisition(name: str, request) -> None:
    s: Scenario = request.getfixturevalue(name)
    items = _by(s.procore["requisition_items"], "requisition_id")
    for reqs in _by(s.procore["requisitions"], "commitment_id").values():
        previous_earned = ZERO
        for r in sorted(reqs, key=lambda r: r["number"]):
            g = {k: d(v) for k, v in r["summary"].items() if k != "formatted_period"}
            assert (
                g["contract_sum_to_date"]
                == g["original_contract_sum"] + g["net_change_by_change_orders"]
            )
            assert (
                g["total_retainage"]
                == g["completed_work_retainage_amount"] + g["stored_materials_retainage_amount"]
            )
            assert (
                g["total_earned_less_retainage"]
                == g["total_completed_and_stored_to_date"] - g["total_retainage"]
            )
            assert (
                g["current_payment_due"]
                == g["total_earned_less_retainage"] - g["less_previous_certificates_for_payment"]
            )
            assert (
                g["balance_to_finish_including_retainage"]
                == g["contract_sum_to_date"] - g["total_earned_less_retainage"]
            )
            assert g["less_previous_certificates_for_payment"] == previous_earned
            previous_earned = g["total_earned_less_retainage"]
            lines = items[r["id"]]
            assert lines
            to_date = work_ret = mat_ret = ZERO
            for it in lines:
                i = {
                    k: d(v)
                    for k, v in it.items()
                    if isinstance(v, str)
                    and k not in ("item_type", "description_of_work", "status")
                    and not k.endswith("percent")
                }
                assert (
                    i["total_completed_and_stored_to_date"]
                    == i["work_completed_from_previous_application"]
                    + i["work_completed_this_period"]
                    + i["materials_presently_stored"]
                )
                to_date += i["total_completed_and_stored_to_date"]
                work_ret += (
                    i["work_completed_retainage_from_previous_application"]
                    + i["work_completed_retainage_retained_this_period"]
                    - i["work_completed_retainage_released_this_period"]
                )
                mat_ret += i["materials_stored_retainage_currently_retained"]
            assert to_date == g["total_completed_and_stored_to_date"]
            assert work_ret == g["completed_work_retainage_amount"]
            assert mat_ret == g["stored_materials_retainage_amount"]
            assert sum(d(x["scheduled_value"]) for x in lines) == g["contract_sum_to_date"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_g702_math_holds_on_every_payment_application(name: str, request) -> None:
    s: Scenario = request.getfixturevalue(name)
    for apps in _by(s.procore["payment_applications"], "project_id").values():
        previous = ZERO
        for app in sorted(apps, key=lambda a: a["number"]):
            g = {k: d(v) for k, v in app["g702"].items() if k != "formatted_period"}
            assert (
                g["total_earned_less_retainage"]
                == g["total_completed_and_stored_to_date"] - g["total_retainage"]
            )
            assert g["current_payment_due"] == g["total_earned_less_retainage"] - previous
            assert g["less_previous_certificates_for_payment"] == previous
            assert (
                g["balance_to_finish_including_retainage"]
                == g["contract_sum_to_date"] - g["total_earned_less_retainage"]
            )
            assert (
                sum(d(x["total_retainage_currently_retained"]) for x in app["g703"])
                == g["total_retainage"]
            )
            assert sum(d(x["work_completed_this_period"]) for x in app["g703"]) == d(
                app["total_amount_accrued_this_period"]
            )
            previous = g["total_earned_less_retainage"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_sage_rollups_tie(name: str, request) -> None:
    s: Scenario = request.getfixturevalue(name)
    jct_job: dict[str, Decimal] = defaultdict(Decimal)
    jct_coding: dict[tuple, Decimal] = defaultdict(Decimal)
    for r in s.sage["JCT_CURRENT__TRANSACTION"]:
        jct_job[r["Job"]] += d(r["Amount"])
        jct_coding[(r["Job"], r["Extra"], r["Cost_Code"], r["Category"])] += d(r["Amount"])
    cats = s.sage["JCM_MASTER__CATEGORY"]
    assert set(jct_coding) <= {(c["Job"], c["Extra"], c["Cost_Code"], c["Category"]) for c in cats}
    by_code: dict[tuple, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for c in cats:
        key = (c["Job"], c["Extra"], c["Cost_Code"], c["Category"])
        assert d(c["Total_Estimate"]) == d(c["Original_Estimate"]) + d(
            c["Approved_Estimate_Changes"]
        )
        assert d(c["Revised_Commitment"]) == d(c["Original_Commitment"]) + d(
            c["Approved_Commitment_Changes"]
        )
        assert d(c["JTD_Cost"]) == jct_coding.get(key, ZERO)
        for k in (
            "Original_Estimate",
            "Approved_Estimate_Changes",
            "Total_Estimate",
            "Original_Commitment",
            "Approved_Commitment_Changes",
            "Revised_Commitment",
            "Commitment_Invoiced",
            "JTD_Cost",
        ):
            by_code[key[:3]][k] += d(c[k])
    by_job: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for cc in s.sage["JCM_MASTER__COST_CODE"]:
        sums = by_code[(cc["Job"], cc["Extra"], cc["Cost_Code"])]
        assert d(cc["Total_Estimate"]) == sums["Total_Estimate"]
        assert d(cc["Original_Estimate"]) == sums["Original_Estimate"]
        assert d(cc["JTD_Aprvd_Estimate_Chgs"]) == sums["Approved_Estimate_Changes"]
        assert d(cc["JTD_Cost"]) == sums["JTD_Cost"]
        for k in (
            "Original_Commitment",
            "Approved_Commitment_Changes",
            "Revised_Commitment",
            "Commitment_Invoiced",
        ):
            assert d(cc[k]) == sums[k], k
        at_comp = max(d(cc["Total_Estimate"]), d(cc["JTD_Cost"]))
        assert d(cc["Cost_At_Comp"]) == at_comp
        assert d(cc["Cost_To_Comp"]) == at_comp - d(cc["JTD_Cost"])
        for k in (
            "Total_Estimate",
            "JTD_Cost",
            "Original_Commitment",
            "Approved_Commitment_Changes",
            "Cost_At_Comp",
            "Cost_To_Comp",
        ):
            by_job[cc["Job"]][k] += d(cc[k])
    for job in s.sage["JCM_MASTER__JOB"]:
        assert d(job["JTD_Cost"]) == jct_job.get(job["Job"], ZERO), job["Job"]
        for k, v in by_job[job["Job"]].items():
            assert d(job[k]) == v, (job["Job"], k)


@pytest.mark.parametrize("name", SCENARIOS)
def test_sage_commitments_and_invoices_tie_internally(name: str, request) -> None:
    s: Scenario = request.getfixturevalue(name)
    items = _by(s.sage["JCM_MASTER__COMMITMENT_ITEM"], "Commitment")
    co_items = _by(s.sage["JCM_MASTER__COMMITMENT_CO_ITEM"], "Commitment")
    cos = _by(s.sage["JCM_MASTER__COMMITMENT_CO"], "Commitment")
    invoices = {(i["Vendor"], i["Invoice"]): i for i in s.sage["APM_MASTER__INVOICE"]}
    dists = defaultdict(list)
    for dist in s.sage["APM_MASTER__DISTRIBUTION"]:
        dists[(dist["Vendor"], dist["Invoice"])].append(dist)
    for key, inv in invoices.items():
        rows = dists[key]
        assert rows, key
        for col in ("Amount", "Retainage", "Amount_Paid", "Retainage_Paid"):
            assert d(inv[col]) == sum(d(r[col]) for r in rows), (key, col)
        assert d(inv["Retainage_Held"]) == d(inv["Retainage"]) - d(inv["Retainage_Paid"])
    live = [
        r
        for r in s.sage["APM_MASTER__DISTRIBUTION"]
        if invoices[(r["Vendor"], r["Invoice"])]["Status"] != "Void"
    ]
    for c in s.sage["JCM_MASTER__COMMITMENT"]:
        n = c["Commitment"]
        assert d(c["Original_Commitment"]) == sum(d(i["Amount"]) for i in items[n])
        assert d(c["Approved_Commitment_Changes"]) == sum(d(x["Amount"]) for x in cos[n])
        assert d(c["Approved_Commitment_Changes"]) == sum(d(x["Amount"]) for x in co_items[n])
        mine = [r for r in live if r["Commitment"] == n]
        assert d(c["Amount_Invoiced"]) == sum(d(r["Amount"]) for r in mine)
        assert d(c["Retainage_Held"]) == sum(
            d(r["Retainage"]) - d(r["Retainage_Paid"]) for r in mine
        )


def test_clean_commitments_tie_to_the_cent(tiny_scenario_dir, tiny: Scenario) -> None:
    """Every linked commitment without a planted discrepancy ties on every field."""
    from .reference_recon import Recon, answer_key

    planted = {pid for _, pid, _ in answer_key(tiny_scenario_dir)}
    recon = Recon(tiny)
    sage = recon.commitments
    reqs = _by(tiny.procore["requisitions"], "commitment_id")
    ccos = _by(tiny.procore["commitment_change_orders"], "contract_id")
    checked = 0
    for res in ("work_order_contracts", "purchase_order_contracts"):
        for cm in tiny.procore[res]:
            if cm["deleted_at"] or str(cm["id"]) in planted:
                continue
            if any(str(r["id"]) in planted for r in reqs[cm["id"]]) or any(
                str(c["id"]) in planted for c in ccos[cm["id"]]
            ):
                continue
            twin = sage[cm["origin_id"] or cm["number"]]
            approved = [
                r
                for r in sorted(reqs[cm["id"]], key=lambda r: r["number"])
                if r["status"] in APPROVED
            ]
            billed = (
                d(approved[-1]["summary"]["total_completed_and_stored_to_date"])
                if approved
                else ZERO
            )
            held = d(approved[-1]["summary"]["total_retainage"]) if approved else ZERO
            assert d(cm["grand_total"]) == d(twin["Original_Commitment"])
            assert d(cm["approved_change_orders"]) == d(twin["Approved_Commitment_Changes"])
            assert d(cm["revised_contract"]) == d(twin["Revised_Commitment"])
            assert d(cm["retainage_percent"]) == d(twin["Retainage_Percent"])
            assert billed == d(twin["Amount_Invoiced"]), cm["number"]
            assert held == d(twin["Retainage_Held"]), cm["number"]
            assert recon.vendor_of(cm["vendor"]["id"], cm["vendor"]["origin_id"]) == twin["Vendor"]
            checked += 1
    assert checked >= 5


@pytest.mark.parametrize("name", SCENARIOS)
def test_sage_invoice_retainage_is_procore_retainage_this_period(name: str, request) -> None:
    """Sage Retainage on an AP invoice = Procore total_retainage − previous + released."""
    s: Scenario = request.getfixturevalue(name)
    invoices = {i["Invoice"]: i for i in s.sage["APM_MASTER__INVOICE"]}
    items = _by(s.procore["requisition_items"], "requisition_id")
    for reqs in _by(s.procore["requisitions"], "commitment_id").values():
        previous = ZERO
        for r in sorted(reqs, key=lambda r: r["number"]):
            total = d(r["summary"]["total_retainage"])
            released = sum(
                d(i["work_completed_retainage_released_this_period"])
                + d(i["materials_stored_retainage_released_this_period"])
                for i in items[r["id"]]
            )
            inv = invoices.get(r["invoice_number"])
            if inv is not None and r["status"] in APPROVED:
                assert d(inv["Retainage"]) == total - previous + released, r["invoice_number"]
            previous = total


def test_sub_jobs_are_extras_and_codes_keep_their_mess(tiny: Scenario) -> None:
    subjobs = {sj["code"] for sj in tiny.procore["sub_jobs"]}
    extras = {(e["Job"], e["Extra"]) for e in tiny.sage["JCM_MASTER__EXTRA"]}
    assert subjobs == {x for _, x in extras}
    codes = [c["full_code"] for c in tiny.procore["cost_codes"]]
    assert any("." in c for c in codes), "a mixed-delimiter code"
    assert any(c.isdigit() and len(c) == 5 for c in codes), "a non-sectioned code"
    assert any(c.startswith("GC-") for c in codes), "a controller-mapped irregular code"
    assert tiny.control["cost_code_overrides"], "a per-job override project"
    assert any(
        p["origin_id"] is None and p["project_number"].startswith("P-")
        for p in tiny.procore["projects"]
    ), "a project linked by prefix rule"
    names = [v["name"] for v in tiny.procore["vendors"]]
    stripped = [n.replace(",", "").replace(".", "") for n in names]
    assert len(set(stripped)) < len(stripped), "near-duplicate vendor names"
    assert any(c["deleted_at"] for c in tiny.procore["work_order_contracts"])
    assert any(c["status"] == "void" for c in tiny.procore["commitment_change_orders"])
    assert any(i["Status"] == "Void" for i in tiny.sage["APM_MASTER__INVOICE"])
    later = [
        c
        for c in tiny.procore["cost_codes"]
        if c["created_at"] > min(p["created_at"] for p in tiny.procore["projects"])
        and c["budgeted"]
    ]
    assert later, "a cost code introduced mid-cycle by a change order"


def test_the_sage_company_and_the_emulator_load_the_scenario(
    tiny_scenario, tiny_scenario_dir
) -> None:
    """Both consumers accept the files (the Sage CSVs pass the test company's CHECKs)."""
    info = company.materialise(tiny_scenario, tiny_scenario_dir.parent / "check.sqlite")
    stats = tiny_scenario.meta["stats"]
    assert info.row_counts == {k: v for k, v in stats["sage"].items()}
    loaded = store.Store.from_dir(tiny_scenario_dir / "procore").resources()
    assert loaded == {k: v for k, v in stats["procore"].items() if v}
