"""Render the model as Sage 300 CRE table rows (sage/<TABLE>.csv).

JC transactions are yielded one at a time (gc60 has ~2M) and only their per-coding
sums are kept; the master rows written afterwards carry roll-ups recomputed from
those sums, so category → cost code → job totals tie exactly:
Total_Estimate = Original_Estimate + Approved_Estimate_Changes, JTD_Cost = Σ JCT
Amount, Original/Approved/Revised commitment = Σ commitment items / CO items,
Commitment_Invoiced = Σ AP distributions (void invoices excluded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from sandbox.generate import names
from sandbox.generate.coding import (
    CATEGORIES,
    CATEGORY_BY_CODE,
    COMMITMENT_LENGTH,
    JOB_MASK,
    Mask,
)
from sandbox.generate.company import Company
from sandbox.generate.model import Commitment, Month, Project, Requisition
from sandbox.generate.money import (
    HUNDRED,
    ZERO,
    add_days,
    fmt,
    money,
    month_end,
    row_uuid,
    sub_rng,
    working_days,
)
from sandbox.sage.catalogue import BY_NAME

JCT = "JCT_CURRENT__TRANSACTION"
JCT_COLUMNS = BY_NAME[JCT].column_names
Row = tuple[str, dict]
Coding = tuple[str, str, str]  # (Extra, Cost_Code, Category); the Job is the project's

EXPENSE_ACCOUNT = {"S": "5100", "M": "5200"}
GL_ACCOUNTS = (
    ("1200", "Accounts Receivable", "Asset"),
    ("1250", "Retainage Receivable", "Asset"),
    ("2000", "Accounts Payable", "Liability"),
    ("2010", "Subcontracts Payable", "Liability"),
    ("2020", "Purchase Orders Payable", "Liability"),
    ("2050", "Retainage Payable", "Liability"),
    ("4000", "Contract Revenue", "Revenue"),
    ("5000", "Job Cost - Direct", "Expense"),
    ("5100", "Job Cost - Subcontracts", "Expense"),
    ("5200", "Job Cost - Materials", "Expense"),
)


def _mask_rows(fldcode: int, mask: Mask, labels: tuple[str, ...], caps: bool) -> Iterator[Row]:
    for n, length in enumerate(mask.lengths, start=1):
        last = n == len(mask.lengths)
        yield (
            "TS_CTL_RECORD_3",
            {
                "FLDCODE": fldcode,
                "Section": n,
                "CSLEN": length,
                "CNDESC": labels[n - 1],
                "CNPUNCT": "" if last else mask.separator,
                "CNTCAP": caps,
            },
        )


def company_rows(c: Company) -> Iterator[Row]:
    """Company-level tables: settings, masks, standard lists, vendors, customers."""
    yield "COMPANY_INFORMATION", {"CNAME": c.sage_name}
    yield from _mask_rows(16, JOB_MASK, ("Year", "Job", "Phase"), True)
    yield from _mask_rows(18, c.mask, ("Division", "Section", "Item", "Detail"), False)
    yield (
        "TS_CTL_RECORD_3",
        {
            "FLDCODE": 20,
            "Section": 1,
            "CSLEN": COMMITMENT_LENGTH,
            "CNDESC": "Commitment",
            "CNPUNCT": "",
            "CNTCAP": True,
        },
    )
    for acct, title, kind in GL_ACCOUNTS:
        yield "GLM_MASTER__ACCOUNT", {"Account": acct, "Account_Title": title, "Account_Type": kind}
    yield (
        "APM_MASTER__AP_CONTROLS",
        {
            "AP_Payable_Account": "2000",
            "Commitment_Payable_Acct": "2010",
            "PO_Payable_Account": "2020",
            "Current_Month": c.months[-1].start,
        },
    )
    for sc in c.std_codes:
        yield (
            "JCM_MASTER__STANDARD_COST_CODE",
            {"Cost_Code": sc.code, "Description": sc.description, "Group_Cost_Code": sc.group},
        )
    for cat in CATEGORIES:
        yield (
            "JCM_MASTER__STANDARD_CATEGORY",
            {
                "Category": cat.code,
                "Description": cat.description,
                "Accumulate_As": cat.accumulate_as,
            },
        )
    for v in c.sage_vendors:
        yield (
            "APM_MASTER__VENDOR",
            {
                "Vendor": v.code,
                "Name": v.name,
                "Type": "Supplier" if v.trade in ("supply", "rental", "sage-only") else "Sub",
                "Address_1": v.street,
                "City": v.city[0],
                "State": v.city[1],
                "ZIP": f"{v.city[2]}01",
                "Telephone": v.phone,
                "Contact_1_Email_Address": v.email,
                "On_Hold": v.on_hold,
                "Status": "Active",
            },
        )
    for cust in c.customers:
        yield (
            "ARM_MASTER__CUSTOMER",
            {
                "Customer": cust.code,
                "Name": cust.name,
                "Telephone": cust.phone,
                "Billing_Contact": cust.contact,
            },
        )


class _Totals:
    """Per-coding sums for one job."""

    def __init__(self) -> None:
        self.cost: dict[Coding, Decimal] = {}
        self.commit: dict[Coding, Decimal] = {}
        self.commit_co: dict[Coding, Decimal] = {}
        self.invoiced: dict[Coding, Decimal] = {}

    @staticmethod
    def add(bucket: dict[Coding, Decimal], key: Coding, amount: Decimal) -> None:
        bucket[key] = bucket.get(key, ZERO) + amount


class SageProject:
    """Sage rows of one job: call `transactions()` to exhaustion, then `masters()`."""

    def __init__(self, c: Company, p: Project):
        self.c, self.p = c, p
        self.t = _Totals()
        self.rng = sub_rng(c.seed, "sage", p.index)
        self.last = c.last_month
        self.run_base = (p.index + 1) * 100_000
        self._ap: list[Row] = []  # AP invoice + distribution rows, written with masters
        self._void: set[tuple[str, str]] = set()  # (Vendor, Invoice) of voided invoices

    def coding(self, budget) -> Coding:
        return (budget.cost_code.biller.extra, budget.cost_code.sage_code, budget.category)

    # ----------------------------------------------------------------- JC transactions
    def transactions(self) -> Iterator[list[str]]:
        """Every JCT row of the job (AP cost, PR cost, EQ cost), month by month."""
        if not self.p.in_sage:
            return
        ap_by_month: dict[int, list] = {}
        for cm in self.p.commitments:
            if not cm.in_sage:
                continue
            for req in cm.requisitions:
                if req.approved and req.in_sage:
                    ap_by_month.setdefault(req.month.index, []).append(("req", cm, req))
            if cm.void_invoice_of is not None:
                ap_by_month.setdefault(cm.void_invoice_of.month.index, []).append(
                    ("void", cm, cm.void_invoice_of)
                )
        for dc in self.p.direct_costs:
            if dc.status == "approved":
                month = next(m.index for m in self.c.months if m.start <= dc.day <= m.end)
                ap_by_month.setdefault(month, []).append(("dc", None, dc))
        for month in self.c.months:
            entries = ap_by_month.get(month.index, [])
            if entries:
                yield from self._ap_batch(month, entries)
        yield from self._payroll()

    def _jct(
        self,
        run: int,
        seq: int,
        coding: Coding,
        ttype: str,
        day: dt.date,
        acct_day: dt.date,
        desc: str,
        units: str,
        unit_cost: str,
        amount: Decimal,
        origin: str,
        batch: str,
        source: str,
        vendor: str = "",
        invoice: str = "",
        ctype: str = "",
        commitment: str = "",
        item: int | None = None,
        retainage: Decimal = ZERO,
    ) -> list[str]:
        extra, code, cat = coding
        self.t.add(self.t.cost, coding, amount)
        return [
            str(run),
            str(seq),
            self.p.job,
            extra,
            code,
            cat,
            ttype,
            day.isoformat(),
            acct_day.isoformat(),
            desc[:30],
            units,
            unit_cost,
            fmt(amount),
            origin,
            batch,
            source,
            vendor,
            invoice,
            ctype,
            commitment,
            "" if item is None else str(item),
            "",
            "",
            fmt(retainage),
            "",
            "",
            row_uuid(self.rng),
        ]

    def _ap_batch(self, month, entries) -> Iterator[list[str]]:
        run = self.run_base + 30_000 + month.index
        batch = f"AP{month.start:%y%m}"
        seq = 0
        for inv_seq, (kind, cm, obj) in enumerate(entries, start=1):
            if kind == "dc":
                rows = self._direct_cost_invoice(obj, run, inv_seq)
                vendor, invoice, ctype, number = obj.vendor.sage_code, obj.invoice_number, "", ""
                acct_day = obj.day
            else:
                rows = self._requisition_invoice(cm, obj, run, inv_seq, void=kind == "void")
                vendor = cm.sage_vendor
                invoice = obj.invoice_number + ("V" if kind == "void" else "")
                ctype, number = cm.sage_type, cm.number
                acct_day = month.end
            for dist in rows:
                coding = (dist["Extra"], dist["Cost_Code"], dist["Category"])
                signs = (1, -1) if kind == "void" else (1,)
                for sign in signs:
                    seq += 1
                    desc = ("VOID " if sign < 0 else "") + dist["Description"]
                    yield self._jct(
                        run,
                        seq,
                        coding,
                        "AP cost",
                        acct_day,
                        month.end,
                        desc,
                        "0",
                        "0",
                        dist["Amount"] * sign,
                        "AP",
                        batch,
                        "AP Invoice",
                        vendor,
                        invoice,
                        ctype,
                        number,
                        dist["Commitment_Line_Item"],
                        dist["Retainage"] * sign,
                    )

    def _requisition_invoice(
        self, cm: Commitment, req: Requisition, run: int, inv_seq: int, *, void: bool
    ) -> list[dict]:
        """APM invoice + distributions for an approved requisition (gross Amount, with
        this period's Retainage inside it; released retainage shows as Retainage_Paid)."""
        released = any(r.final and r.approved and r.in_sage for r in cm.requisitions)
        early = cm.sage_retainage_paid_early and req is cm.requisitions[0]
        paid = req.month.index < self.last and not void
        dists: list[dict] = []
        delta = req.sage_amount_delta
        for item in req.items:
            amount, retainage = item.gross_this, item.retained_this
            if not amount and not retainage:
                continue
            amount += delta
            delta = ZERO
            budget = item.line.budget
            extra, code, cat = self.coding(budget)
            ret_paid = retainage if (released or early) and not void else ZERO
            dists.append(
                {
                    "Vendor": cm.sage_vendor,
                    "Invoice": req.invoice_number + ("V" if void else ""),
                    "Dist_Seq": len(dists) + 1,
                    "Job": self.p.job,
                    "Extra": extra,
                    "Cost_Code": code,
                    "Category": cat,
                    "Commitment": cm.number,
                    "Commitment_Line_Item": item.sage_item,
                    "Expense_Account": EXPENSE_ACCOUNT.get(cat, "5000"),
                    "Description": f"{cm.number} #{req.number} {budget.cost_code.name}"[:30],
                    "Amount": amount,
                    "Amount_Paid": amount - retainage if paid else ZERO,
                    "Retainage": retainage,
                    "Retainage_Paid": ret_paid,
                }
            )
            if not void:
                self.t.add(self.t.invoiced, (extra, code, cat), amount)
        total = sum((d["Amount"] for d in dists), ZERO)
        ret = sum((d["Retainage"] for d in dists), ZERO)
        amt_paid = sum((d["Amount_Paid"] for d in dists), ZERO)
        ret_paid = sum((d["Retainage_Paid"] for d in dists), ZERO)
        status = "Void" if void else ("Fully paid" if amt_paid + ret_paid == total else "Open")
        if not dists:
            raise AssertionError(f"{cm.number} #{req.number}: approved requisition bills nothing")
        if void:
            self._void.add((cm.sage_vendor, dists[0]["Invoice"]))
        self._post_ap_invoice(
            dists,
            vendor=cm.sage_vendor,
            invoice=dists[0]["Invoice"],
            description=f"{cm.number} pay app {req.number}",
            status=status,
            amount=total,
            retainage=ret,
            amount_paid=amt_paid,
            retainage_paid=ret_paid,
            day=req.month.end,
            run=run,
            seq=inv_seq,
        )
        return dists

    def _direct_cost_invoice(self, dc, run: int, inv_seq: int) -> list[dict]:
        paid = dc.day < self.c.months[-1].start
        dists = []
        for ln in dc.lines:
            extra, code, cat = self.coding(ln.budget)
            dists.append(
                {
                    "Vendor": dc.vendor.sage_code,
                    "Invoice": dc.invoice_number,
                    "Dist_Seq": len(dists) + 1,
                    "Job": self.p.job,
                    "Extra": extra,
                    "Cost_Code": code,
                    "Category": cat,
                    "Commitment": "",
                    "Commitment_Line_Item": None,
                    "Expense_Account": EXPENSE_ACCOUNT.get(cat, "5000"),
                    "Description": ln.description[:30],
                    "Amount": ln.amount,
                    "Amount_Paid": ln.amount if paid else ZERO,
                    "Retainage": ZERO,
                    "Retainage_Paid": ZERO,
                }
            )
        self._post_ap_invoice(
            dists,
            vendor=dc.vendor.sage_code,
            invoice=dc.invoice_number,
            description=dc.description,
            status="Fully paid" if paid else "Open",
            amount=dc.amount,
            retainage=ZERO,
            amount_paid=dc.amount if paid else ZERO,
            retainage_paid=ZERO,
            day=dc.day,
            run=run,
            seq=inv_seq,
        )
        return dists

    def _post_ap_invoice(
        self,
        dists: list[dict],
        *,
        vendor: str,
        invoice: str,
        description: str,
        status: str,
        amount: Decimal,
        retainage: Decimal,
        amount_paid: Decimal,
        retainage_paid: Decimal,
        day: dt.date,
        run: int,
        seq: int,
    ) -> None:
        """Queue one AP invoice header (dated `day`, due 30 days later) and its distributions."""
        self._ap.append(
            (
                "APM_MASTER__INVOICE",
                {
                    "Vendor": vendor,
                    "Invoice": invoice,
                    "Description": description[:30],
                    "Status": status,
                    "Amount": amount,
                    "Tax": ZERO,
                    "Retainage": retainage,
                    "Amount_Paid": amount_paid,
                    "Retainage_Held": retainage - retainage_paid,
                    "Retainage_Paid": retainage_paid,
                    "Invoice_Date": day,
                    "Payment_Date": add_days(day, 30),
                    "Accounting_Date": day,
                    "Batch": f"AP{day:%y%m}",
                    "Run": run,
                    "Sequence": seq,
                    "Onhold_Status": 0,
                    "Invoice_Code_1": "",
                    "Invoice_Code_2": "",
                },
            )
        )
        self._ap += [("APM_MASTER__DISTRIBUTION", d) for d in dists]

    def _payroll(self) -> Iterator[list[str]]:
        """Self-performed labor (PR cost) and owned equipment (EQ cost), day by day."""
        p, c = self.p, self.c
        rng = sub_rng(c.seed, "payroll", p.index)
        lines = [
            b for b in p.budget if b.category in ("L", "E") and b.in_sage and b.cost_code.in_sage
        ]
        if not lines:
            return
        weights = [3 if b.category == "L" else 1 for b in lines]
        crew = [
            (
                f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}",
                Decimal(rng.randint(3200, 7800)).scaleb(-2),
            )
            for _ in range(rng.randint(12, 40))
        ]
        fleet = [
            (name, Decimal(rng.randint(2500, 14000)).scaleb(-2))
            for name in rng.sample(names.EQUIPMENT, rng.randint(3, 6))
        ]
        hours = [Decimal(h).scaleb(-1) for h in range(5, 105, 5)]  # 0.5 … 10.0
        per_day = c.payroll_rows_per_day
        first = next(m.index for m in c.months if m.start == p.start)
        months = c.months[first:]
        if p.sage_status == "Closed":  # history: one month a year before the window
            start = c.months[0].start
            prior = dt.date(start.year - 1, start.month, 1)
            months = [Month(0, prior, month_end(prior.year, prior.month))]
            per_day = 2
        elif not p.in_procore:
            per_day = max(2, per_day // 3)
        codings = [self.coding(b) for b in lines]
        for month in months:
            days = working_days(month.start, month.end)
            week_run = None
            seq = 0
            for day in days:
                week = day.isocalendar()[1]
                if week != week_run:
                    week_run, seq = week, 0
                run_pr = self.run_base + 10_000 + month.index * 100 + week % 100
                run_eq = self.run_base + 20_000 + month.index * 100 + week % 100
                n = per_day + rng.randint(-per_day // 5, per_day // 5)
                picks = rng.choices(range(len(lines)), weights=weights, k=n)
                for k in picks:
                    seq += 1
                    coding = codings[k]
                    h = rng.choice(hours)
                    if coding[2] == "L":
                        who, rate = rng.choice(crew)
                        amount = money(h * rate)
                        yield self._jct(
                            run_pr,
                            seq,
                            coding,
                            "PR cost",
                            day,
                            month.end,
                            who,
                            str(h),
                            str(rate),
                            amount,
                            "PR",
                            f"PR{day:%y%m%d}",
                            "Payroll",
                        )
                    else:
                        what, rate = rng.choice(fleet)
                        amount = money(h * rate)
                        yield self._jct(
                            run_eq,
                            seq,
                            coding,
                            "EQ cost",
                            day,
                            month.end,
                            what,
                            str(h),
                            str(rate),
                            amount,
                            "EQ",
                            f"EQ{day:%y%m%d}",
                            "Equipment",
                        )

    # ----------------------------------------------------------------- masters
    def masters(self) -> Iterator[Row]:
        """Job, extras, cost codes, categories, commitments, AP, contracts, AR."""
        if not self.p.in_sage:
            return
        commitment_rows = list(self._commitments())
        yield from self._job_cost_masters()
        yield from commitment_rows
        yield from self._ap
        yield from self._contract()

    def _commitments(self) -> Iterator[Row]:
        invoiced_item: dict[tuple[str, int], Decimal] = {}
        held: dict[str, Decimal] = {}
        invoiced: dict[str, Decimal] = {}
        for table, row in self._ap:
            if table == "APM_MASTER__DISTRIBUTION" and row["Commitment"]:
                if (row["Vendor"], row["Invoice"]) in self._void:
                    continue
                key = (row["Commitment"], row["Commitment_Line_Item"])
                invoiced_item[key] = invoiced_item.get(key, ZERO) + row["Amount"]
                invoiced[row["Commitment"]] = invoiced.get(row["Commitment"], ZERO) + row["Amount"]
                held[row["Commitment"]] = (
                    held.get(row["Commitment"], ZERO) + row["Retainage"] - row["Retainage_Paid"]
                )
        for cm in self.p.commitments:
            if not cm.in_sage:
                continue
            items: dict[int, dict] = {}
            for ln in cm.lines:
                extra, code, cat = self.coding(ln.budget)
                amount = ln.amount + ln.sage_amount_delta
                self.t.add(self.t.commit, (extra, code, cat), amount)
                items[ln.position] = {
                    "Commitment": cm.number,
                    "Item_Number": ln.position,
                    "Description": ln.description[:30],
                    "Job": self.p.job,
                    "Extra": extra,
                    "Cost_Code": code,
                    "Category": cat,
                    "Units": "0",
                    "Unit_Cost": "0",
                    "Unit_Description": "LS",
                    "Amount": amount,
                    "Approved_Commitment_CO_Amount": ZERO,
                    "Amount_Invoiced": invoiced_item.get((cm.number, ln.position), ZERO),
                    "Units_Invoiced": "0",
                    "Retainage_Percent": fmt(cm.retainage_pct),
                    "Tax": ZERO,
                    "Tax_Group": "",
                }
            co_rows: list[Row] = []
            approved = ZERO
            for co in cm.change_orders:
                if not (co.approved and co.in_sage):
                    continue
                delta = co.sage_amount_delta
                co_total = ZERO
                co_items: list[Row] = []
                for ln in co.lines:
                    extra, code, cat = self.coding(ln.budget)
                    amount = ln.amount + delta
                    delta = ZERO
                    co_total += amount
                    self.t.add(self.t.commit_co, (extra, code, cat), amount)
                    item = items.setdefault(
                        ln.sage_item,
                        {
                            "Commitment": cm.number,
                            "Item_Number": ln.sage_item,
                            "Description": ln.description[:30],
                            "Job": self.p.job,
                            "Extra": extra,
                            "Cost_Code": code,
                            "Category": cat,
                            "Units": "0",
                            "Unit_Cost": "0",
                            "Unit_Description": "LS",
                            "Amount": ZERO,
                            "Approved_Commitment_CO_Amount": ZERO,
                            "Amount_Invoiced": invoiced_item.get((cm.number, ln.sage_item), ZERO),
                            "Units_Invoiced": "0",
                            "Retainage_Percent": fmt(cm.retainage_pct),
                            "Tax": ZERO,
                            "Tax_Group": "",
                        },
                    )
                    item["Approved_Commitment_CO_Amount"] += amount
                    co_items.append(
                        (
                            "JCM_MASTER__COMMITMENT_CO_ITEM",
                            {
                                "Commitment": cm.number,
                                "Commitment_CO": co.number,
                                "Line_Number": ln.position,
                                "Item_Number": ln.sage_item,
                                "Description": ln.description[:30],
                                "Job": self.p.job,
                                "Extra": extra,
                                "Cost_Code": code,
                                "Category": cat,
                                "Units": "0",
                                "Amount": amount,
                            },
                        )
                    )
                approved += co_total
                co_rows.append(
                    (
                        "JCM_MASTER__COMMITMENT_CO",
                        {
                            "Commitment": cm.number,
                            "Commitment_CO": co.number,
                            "Description": co.title[:30],
                            "Date": co.approved_on,
                            "Status": "Approved",
                            "Amount": co_total,
                        },
                    )
                )
                co_rows += co_items
            original = sum((it["Amount"] for it in items.values()), ZERO)
            yield (
                "JCM_MASTER__COMMITMENT",
                {
                    "Commitment": cm.number,
                    "Commitment_Type": cm.sage_type,
                    "Description": cm.title[:30],
                    "Vendor": cm.sage_vendor,
                    "Job": self.p.job,
                    "Date": cm.contract_date,
                    "Retainage_Percent": fmt(cm.retainage_pct),
                    "Closed": False,
                    "Original_Commitment": original,
                    "Approved_Commitment_Changes": approved,
                    "Revised_Commitment": original + approved,
                    "Amount_Invoiced": invoiced.get(cm.number, ZERO),
                    "Retainage_Held": held.get(cm.number, ZERO),
                },
            )
            for pos in sorted(items):
                yield "JCM_MASTER__COMMITMENT_ITEM", items[pos]
            yield from co_rows

    def _job_cost_masters(self) -> Iterator[Row]:
        p, t = self.p, self.t
        codes: dict[tuple[str, str], dict] = {}
        cats: list[dict] = []
        for b in p.budget:
            if not (b.in_sage and b.cost_code.in_sage):
                continue
            key = self.coding(b)
            extra, code, cat = key
            original = b.original + b.sage_original_delta
            commit, co = t.commit.get(key, ZERO), t.commit_co.get(key, ZERO)
            row = {
                "Job": p.job,
                "Extra": extra,
                "Cost_Code": code,
                "Category": cat,
                "Description": CATEGORY_BY_CODE[cat].description,
                "Status": "Active",
                "Accumulate_As": CATEGORY_BY_CODE[cat].accumulate_as,
                "Original_Estimate": original,
                "Pending_Estimate_Changes": ZERO,
                "Approved_Estimate_Changes": b.modifications,
                "Total_Estimate": original + b.modifications,
                "Original_Commitment": commit,
                "Approved_Commitment_Changes": co,
                "Revised_Commitment": commit + co,
                "Commitment_Invoiced": t.invoiced.get(key, ZERO),
                "JTD_Cost": t.cost.get(key, ZERO),
                "Row_ID": row_uuid(self.rng),
            }
            cats.append(row)
            cc = codes.setdefault(
                (extra, code),
                {
                    "Job": p.job,
                    "Extra": extra,
                    "Cost_Code": code,
                    "Description": self._code_description(code),
                    "Group_Cost_Code": False,
                    "Status": "Active",
                    **{
                        k: ZERO
                        for k in (
                            "Original_Estimate",
                            "JTD_Aprvd_Estimate_Chgs",
                            "Total_Estimate",
                            "Original_Commitment",
                            "Approved_Commitment_Changes",
                            "Revised_Commitment",
                            "Commitment_Invoiced",
                            "JTD_Cost",
                            "JTD_Work_Billed",
                            "JTD_Retainage_Held",
                        )
                    },
                },
            )
            for src, dst in (
                ("Original_Estimate", "Original_Estimate"),
                ("Approved_Estimate_Changes", "JTD_Aprvd_Estimate_Chgs"),
                ("Total_Estimate", "Total_Estimate"),
                ("Original_Commitment", "Original_Commitment"),
                ("Approved_Commitment_Changes", "Approved_Commitment_Changes"),
                ("Revised_Commitment", "Revised_Commitment"),
                ("Commitment_Invoiced", "Commitment_Invoiced"),
                ("JTD_Cost", "JTD_Cost"),
            ):
                cc[dst] += row[src]
        missing = set(t.cost) - {self.coding(b) for b in p.budget if b.in_sage}
        if missing:  # every posting must land on a category that exists
            raise AssertionError(f"{p.job}: JC cost posted to unknown codings {sorted(missing)}")
        for cc in codes.values():
            cc.update(_wip(cc["Total_Estimate"], cc["JTD_Cost"]))
        job_totals = {
            k: sum((cc[k] for cc in codes.values()), ZERO)
            for k in (
                "Total_Estimate",
                "JTD_Cost",
                "Original_Commitment",
                "Approved_Commitment_Changes",
                "Cost_At_Comp",
                "Cost_To_Comp",
            )
        }
        pc = p.prime
        approved_apps = [a for a in pc.pay_apps if a.status == "approved"] if pc else []
        original = pc.original if pc else ZERO
        changes = pc.approved_changes if pc else ZERO
        at_comp = job_totals["Cost_At_Comp"]
        yield (
            "JCM_MASTER__JOB",
            {
                "Job": p.job,
                "Description": p.name[:30],
                "Address_1": p.street[:30],
                "City": p.city[0],
                "State": p.city[1],
                "ZIP_Code": f"{p.city[2]}{p.index % 90 + 10}",
                "Status": p.sage_status,
                "On_Hold": False,
                "Extras": bool(p.extras),
                "Use_PJ_Change_Management": False,
                "Estimated_Start_Date": p.start,
                "Actual_Start_Date": p.start,
                "Actual_Complete_Date": None,
                "AR_Customer": p.customer.code,
                "Customer": p.customer.code,
                "Retainage_Percent": fmt(p.retainage_pct),
                "Contract_Retainage_Percent": fmt(p.retainage_pct),
                "Original_Contract_Amount": original,
                "JTD_Aprvd_Contract_Chgs": changes,
                "Revised_Contract_Amount": original + changes,
                "JTD_Work_Billed": sum((a.gross_this for a in approved_apps), ZERO),
                "JTD_Retainage_Held": sum((a.retained_this for a in approved_apps), ZERO),
                "Cost_Account_Prefix": "",
                "Total_Estimate": job_totals["Total_Estimate"],
                "JTD_Cost": job_totals["JTD_Cost"],
                "Original_Commitment": job_totals["Original_Commitment"],
                "Approved_Commitment_Changes": job_totals["Approved_Commitment_Changes"],
                "Percent_Complete": _percent(job_totals["JTD_Cost"], at_comp),
                "Cost_At_Comp": at_comp,
                "Cost_To_Comp": job_totals["Cost_To_Comp"],
            },
        )
        for b in p.extras:
            yield (
                "JCM_MASTER__EXTRA",
                {
                    "Job": p.job,
                    "Extra": b.extra,
                    "Description": b.name[:30],
                    "Status": p.sage_status,
                },
            )
        for key in sorted(codes):
            yield "JCM_MASTER__COST_CODE", codes[key]
        for row in sorted(cats, key=lambda r: (r["Extra"], r["Cost_Code"], r["Category"])):
            yield "JCM_MASTER__CATEGORY", row

    def _code_description(self, code: str) -> str:
        for sc in self.c.std_codes:
            if sc.code == code:
                return sc.description
        return code

    def _contract(self) -> Iterator[Row]:
        pc, p = self.p.prime, self.p
        if pc is None:
            return
        yield (
            "CNC_ACTIVE__CONTRACT",
            {
                "Contract": pc.contract,
                "Job": p.job,
                "Customer": pc.customer.code,
                "Description": pc.title[:30],
                "Status": "In Progress",
                "Retainage_Percent": fmt(pc.retainage_pct),
                "Original_Contract_Total": pc.original,
            },
        )
        approved_apps = [a for a in pc.pay_apps if a.status == "approved"]
        for ln in pc.lines:
            changes = sum(
                (
                    amt
                    for co in pc.change_orders
                    if co.status == "approved"
                    for _, line, amt in co.lines
                    if line is ln
                ),
                ZERO,
            )
            billed = sum(
                (g.work_this for a in approved_apps for g in a.lines if g.line is ln), ZERO
            )
            retained = sum(
                (g.ret_this for a in approved_apps for g in a.lines if g.line is ln), ZERO
            )
            yield (
                "CNC_ACTIVE__CONTRACT_ITEM",
                {
                    "Contract": pc.contract,
                    "Contract_Item": str(ln.position),
                    "Job": p.job,
                    "Customer": pc.customer.code,
                    "Description": ln.description[:30],
                    "Billing_Type": "Progress",
                    "Retainage_Percent": fmt(pc.retainage_pct),
                    "Original_Contract_Total": ln.amount,
                    "Default_Revenue_Account": "4000",
                },
            )
            yield (
                "CNA_ACTIVE__CONTRACT_ITEM_DERIVED",
                {
                    "Contract": pc.contract,
                    "Contract_Item": str(ln.position),
                    "Revised_Contract": ln.amount + changes,
                    "Approved_Contract_Changes": changes,
                    "Total_Billed": billed,
                    "Retainage_Held": retained,
                    "Retainage_Billed": ZERO,
                },
            )
        for co in pc.change_orders:
            if co.status == "approved":
                yield (
                    "CNC_ACTIVE__CHANGE_ORDER",
                    {
                        "Contract": pc.contract,
                        "Change_Order": co.number,
                        "Job": p.job,
                        "Description": co.title[:30],
                        "Date": co.approved_on,
                        "Status": "Approved",
                        "Amount": co.amount,
                    },
                )
        for app in approved_apps:
            yield (
                "ART_CURRENT__TRANSACTION",
                {
                    "Customer": pc.customer.code,
                    "Invoice": app.invoice_number,
                    "Draw": str(app.number),
                    "Job": p.job,
                    "Contract": pc.contract,
                    "Transaction_Type": "Issued invoice",
                    "Transaction_Date": app.month.end,
                    "Accounting_Date": app.month.end,
                    "Description": f"Pay app {app.number} {p.job}"[:30],
                    "Amount": app.gross_this,
                    "Retainage": app.retained_this,
                    "Actvty_Seq": 1,
                },
            )


def _percent(part: Decimal, whole: Decimal) -> str:
    return fmt(money(part / whole * HUNDRED)) if whole else "0.00"


def _wip(total_estimate: Decimal, jtd: Decimal) -> dict:
    """WIP outputs: projected cost = max(estimate, cost to date) (cost-to-cost %)."""
    at_comp = max(total_estimate, jtd)
    return {
        "Cost_At_Comp": at_comp,
        "Cost_To_Comp": at_comp - jtd,
        "Percent_Complete": _percent(jtd, at_comp),
    }


assert JCT_COLUMNS == (
    "Run",
    "Sequence",
    "Job",
    "Extra",
    "Cost_Code",
    "Category",
    "Transaction_Type",
    "Transaction_Date",
    "Accounting_Date",
    "Description",
    "Units",
    "Unit_Cost",
    "Amount",
    "Application_of_Origin",
    "Batch",
    "Source",
    "Vendor",
    "Invoice",
    "Commitment_Type",
    "Commitment",
    "Commitment_Line_Item",
    "Change_Order",
    "Commitment_CO",
    "Retainage",
    "Draw",
    "Customer",
    "Row_ID",
), "sage_rows._jct must follow the catalogue's JCT column order"
