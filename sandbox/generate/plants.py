"""Planted discrepancies: one dedicated object per plant, built inside a project.

Each `_plant_<exception type>(ordinal)` creates the object(s) for one plant and records
its answer-key row(s) (README.md "Answer key"). Mixed into `ProjectBuilder`, whose
helpers (`_new_commitment`, `_add_code`, …) it uses, so a plant is built exactly like
clean data and then given its one difference.
"""

from __future__ import annotations

from decimal import Decimal

from sandbox.generate.coding import IRREGULAR_CODES
from sandbox.generate.discrepancies import AnswerRow, sage_key
from sandbox.generate.model import (
    BudgetLine,
    ChangeOrder,
    Commitment,
    CostCode,
    ProcoreVendor,
)
from sandbox.generate.money import ZERO, add_days, rand_money

TEN = Decimal("10.00")


class PlantsMixin:
    """The `_plant_*` methods of `ProjectBuilder`."""

    def _answer(self, kind: str, procore_id: int | None, key: str = "") -> None:
        self.answers.append(AnswerRow(kind, procore_id, key))

    def _coding(self, b: BudgetLine) -> str:
        return sage_key(self.p.job, b.cost_code.biller.extra, b.cost_code.sage_code, b.category)

    def _planted_code(self, procore_code: str, name: str, category: str) -> CostCode:
        """A dedicated Procore leaf code (no Sage twin) with one budget line."""
        biller = self.p.billers[0]
        cc = CostCode(
            self.ids("cost_code"),
            procore_code,
            procore_code,
            name,
            biller,
            None,
            "",
            "01",
            self.p.created_at,
            "planted",
            in_sage=False,
            position=len(self.p.cost_codes) + 1,
        )
        self.p.cost_codes.append(cc)
        self._add_budget(cc, category, in_sage=False)
        return cc

    def _plant_unmapped_cost_code(self, ordinal: int) -> None:
        cc = self._planted_code(f"TEMP-{ordinal + 1:02d}", "Temporary Allowance", "O")
        self._answer("unmapped_cost_code", cc.id)

    def _plant_ambiguous_cost_code(self, ordinal: int) -> None:
        cc = self._planted_code(f"ALLOW-{ordinal + 1:02d}", "Owner Allowance", "O")
        self._answer("ambiguous_cost_code", cc.id)

    def _plant_invalid_sage_target(self, ordinal: int) -> None:
        """A cleanly formatted code the rules map to a target the job does not have:
        even ordinals — the cost code is missing on the job; odd — the category is."""
        biller = self.p.billers[0]
        used = {(c.biller.extra, c.sage_code) for c in self.p.cost_codes}
        fresh = [
            sc
            for sc in self.c.std_codes
            if not sc.group
            and sc.division == "01"
            and (biller.extra, sc.code) not in used
            and sc.digits not in {d for _, _, d in IRREGULAR_CODES}
        ]
        sc = fresh[(ordinal * 3) % len(fresh)]
        style = {"legacy": "standard", "flat": "flat"}.get(self.p.coding, "standard")
        if ordinal % 2 == 0:
            cc = self._add_code(sc, biller, style, in_sage=False)
            self._add_budget(cc, "O", in_sage=False)
            self._answer(
                "invalid_sage_target", cc.id, sage_key(self.p.job, biller.extra, sc.code, "O")
            )
        else:
            cc = self._add_code(sc, biller, style)
            self._add_budget(cc, "L")  # clean line: exists on both sides
            self._add_budget(cc, "E", in_sage=False)
            self._answer(
                "invalid_sage_target", cc.id, sage_key(self.p.job, biller.extra, sc.code, "E")
            )

    def _plant_vendor_mismatch(self, ordinal: int) -> None:
        cm = self._new_commitment("WOC", late=True, plant="vendor_mismatch")
        if cm is None:
            return
        cm.linked = True
        other = [
            v
            for v in self.c.pool[cm.vendor.trade] + self.c.pool["general"]
            if v.sage_code != cm.vendor.sage_code and not v.exclusive
        ]
        cm.sage_vendor = self.rng.choice(other).sage_code or ""
        self._answer("vendor_mismatch", cm.id, cm.number)

    def _plant_commitment_missing_in_sage(self, ordinal: int) -> None:
        cm = self._new_commitment("WOC", late=True, plant="commitment_missing_in_sage")
        if cm:
            cm.in_sage = False
            self._answer("commitment_missing_in_sage", cm.id)

    def _plant_subcontract_missing_in_procore(self, ordinal: int) -> None:
        cm = self._new_commitment("WOC", late=True, plant="subcontract_missing_in_procore")
        if cm:
            cm.in_procore = False
            cm.linked = False
            self._answer("subcontract_missing_in_procore", None, cm.number)

    def _plant_commitment_amount_mismatch(self, ordinal: int) -> None:
        cm = self._new_commitment("WOC", late=True, plant="commitment_amount_mismatch")
        if cm:
            cm.linked = True
            delta = rand_money(self.rng, 250, 9_000)
            cm.lines[0].sage_amount_delta = delta
            self._answer("commitment_amount_mismatch", cm.id, cm.number)
            self._answer("commitment_line_mismatch", cm.id, self._coding(cm.lines[0].budget))

    def _plant_commitment_line_mismatch(self, ordinal: int) -> None:
        pairs = [b for b in self._lines_of("S")]
        first = self.rng.choice(pairs)
        second = next(
            (b for b in pairs if b is not first and self._coding(b) != self._coding(first)), None
        )
        if second is None:
            return
        cm = self._new_commitment(
            "WOC", lines=[first, second], late=True, plant="commitment_line_mismatch"
        )
        if cm:
            cm.linked = True
            delta = min(rand_money(self.rng, 500, 6_000), cm.lines[1].amount - 1)
            cm.lines[0].sage_amount_delta = delta
            cm.lines[1].sage_amount_delta = -delta
            self._answer("commitment_line_mismatch", cm.id, self._coding(first))
            self._answer("commitment_line_mismatch", cm.id, self._coding(second))

    def _late_co_host(self, plant: str) -> tuple[Commitment, ChangeOrder] | None:
        cm = self._new_commitment("WOC", late=True, plant=plant)
        if cm is None:
            return None
        cm.linked = True
        day = add_days(cm.contract_date, 4)
        co = self._co(cm, "approved", day, add_days(day, 3))
        self._co_line(
            co, cm.lines[0].budget, rand_money(self.rng, 3_000, 30_000), amends=cm.lines[0]
        )
        return cm, co

    def _plant_change_order_missing_in_sage(self, ordinal: int) -> None:
        host = self._late_co_host("change_order_missing_in_sage")
        if host:
            host[1].in_sage = False
            self._answer("change_order_missing_in_sage", host[1].id)

    def _plant_change_order_amount_mismatch(self, ordinal: int) -> None:
        host = self._late_co_host("change_order_amount_mismatch")
        if host:
            cm, co = host
            co.sage_amount_delta = rand_money(self.rng, 100, 2_500)
            self._answer("change_order_amount_mismatch", co.id, sage_key(cm.number, co.number))

    def _billed_po(self, plant: str, vendor: ProcoreVendor | None = None) -> Commitment | None:
        """A purchase order (0% retainage) billed through the as-of month."""
        first = max(self.s.start_month, self.last - 2)
        months = list(range(first, self.last + 1))
        cm = self._new_commitment(
            "POC", vendor=vendor, months=months, complete=False, retainage=ZERO, plant=plant
        )
        if cm:
            cm.requisitions[-1].status = "approved"
        return cm

    def _plant_invoice_missing_in_sage(self, ordinal: int) -> None:
        cm = self._billed_po("invoice_missing_in_sage")
        if cm:
            req = cm.requisitions[-1]
            req.in_sage = False
            self._answer("invoice_missing_in_sage", req.id)

    def _plant_invoice_amount_mismatch(self, ordinal: int) -> None:
        cm = self._billed_po("invoice_amount_mismatch")
        if cm:
            req = cm.requisitions[0]
            req.sage_amount_delta = rand_money(self.rng, 40, 1_500)
            self._answer(
                "invoice_amount_mismatch",
                req.id,
                sage_key(cm.vendor.sage_code or "", req.invoice_number),
            )

    def _plant_retainage_mismatch(self, ordinal: int) -> None:
        first = max(self.s.start_month, self.last - 2)
        cm = self._new_commitment(
            "WOC",
            months=list(range(first, self.last + 1)),
            complete=False,
            retainage=TEN,
            plant="retainage_mismatch",
        )
        if cm:
            cm.linked = True
            cm.requisitions[-1].status = "approved"
            cm.sage_retainage_paid_early = True
            self._answer("retainage_mismatch", cm.id, cm.number)

    def _plant_budget_mismatch(self, ordinal: int) -> None:
        clean = [
            b
            for b in self.p.budget
            if b.in_sage
            and b.cost_code.in_sage
            and b.id not in self._planted_budget
            and b.id not in self._zero_original
        ]
        b = self.rng.choice(clean)
        self._planted_budget.add(b.id)
        delta = rand_money(self.rng, 100, 5_000)
        b.sage_original_delta = delta if ordinal % 2 == 0 else -delta
        self._answer("budget_mismatch", b.id, self._coding(b))

    def _plant_schema_drift(self, ordinal: int) -> None:
        dc = self._direct_cost(self.months[self.last], status="approved")
        if dc:
            dc.drift = "number" if ordinal % 2 == 0 else "unparseable"
            self._answer("schema_drift", dc.id)

    def _plant_write_rejected(self, ordinal: int) -> None:
        hold = self.c.hold_vendors[ordinal % len(self.c.hold_vendors)]
        cm = self._billed_po("write_rejected", vendor=hold)
        if cm:
            cm.linked = True
            req = cm.requisitions[-1]
            req.in_sage = False
            self._answer(
                "write_rejected", req.id, sage_key(hold.sage_code or "", req.invoice_number)
            )
            self._answer("invoice_missing_in_sage", req.id)
