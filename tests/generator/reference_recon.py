"""An independent, plain-Python reconciliation of a scenario directory.

It reads only the scenario's files (procore/*.json, sage/*.csv, control/*.csv) and
applies the rules of sandbox/generate/README.md ("Mapping truth", "Answer key") —
the same rules the dbt models implement. The generator's tests require its output
to equal expected/exceptions.csv exactly: every plant is detectable, and nothing
in the clean data is a discrepancy.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

Row = tuple[str, str, str]  # (exception_type, procore_id, sage_key)
DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
MONEY_KEYS = (
    "amount",
    "grand_total",
    "original_budget_amount",
    "budget_modifications",
    "revised_contract",
    "approved_change_orders",
    "scheduled_value",
    "work_completed_this_period",
    "total_completed_and_stored_to_date",
)
APPROVED = ("approved", "approved_as_noted")
ZERO = Decimal("0")


def d(value: str | None) -> Decimal:
    return Decimal(value) if value not in (None, "") else ZERO


@dataclass
class Scenario:
    root: Path
    procore: dict[str, list[dict]] = field(default_factory=dict)
    sage: dict[str, list[dict]] = field(default_factory=dict)
    control: dict[str, list[dict]] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Scenario:
        s = cls(root)
        for f in sorted((root / "procore").glob("*.json")):
            s.procore[f.stem] = json.loads(f.read_text())
        for f in sorted((root / "sage").glob("*.csv")):
            with f.open(newline="") as fh:
                s.sage[f.stem] = list(csv.DictReader(fh))
        for f in sorted((root / "control").glob("*.csv")):
            with f.open(newline="") as fh:
                s.control[f.stem] = list(csv.DictReader(fh))
        return s


def cost_code_mask(s: Scenario) -> tuple[tuple[int, ...], str]:
    """Section lengths and separator from TS_CTL_RECORD_3 (FLDCODE 18)."""
    rows = sorted(
        (r for r in s.sage["TS_CTL_RECORD_3"] if r["FLDCODE"] == "18"),
        key=lambda r: int(r["Section"]),
    )
    return tuple(int(r["CSLEN"]) for r in rows), rows[0]["CNPUNCT"]


def normalise(code: str, lengths: tuple[int, ...], sep: str) -> str | None:
    swapped = re.sub(r"[-._/ ]", sep, code.strip())
    parts = swapped.split(sep)
    if len(parts) == len(lengths) and all(
        len(p) == n and p.isalnum() for p, n in zip(parts, lengths, strict=True)
    ):
        return swapped
    if code.isdigit() and len(code) == sum(lengths):
        out, pos = [], 0
        for n in lengths:
            out.append(code[pos : pos + n])
            pos += n
        return sep.join(out)
    return None


class Recon:
    """Runs every check; `rows` is the set of exceptions found."""

    def __init__(self, s: Scenario):
        self.s = s
        self.rows: set[Row] = set()
        self.paired: set[str] = set()  # Sage commitments matched to a Procore one
        self.lengths, self.sep = cost_code_mask(s)
        sg = s.sage
        self.jobs = {r["Job"]: r for r in sg["JCM_MASTER__JOB"]}
        self.categories = {
            (r["Job"], r["Extra"], r["Cost_Code"], r["Category"]): r
            for r in sg["JCM_MASTER__CATEGORY"]
        }
        self.vendors = {r["Vendor"]: r for r in sg["APM_MASTER__VENDOR"]}
        self.commitments = {r["Commitment"]: r for r in sg["JCM_MASTER__COMMITMENT"]}
        self.items = defaultdict(list)
        for r in sg["JCM_MASTER__COMMITMENT_ITEM"]:
            self.items[r["Commitment"]].append(r)
        self.cos = {
            (r["Commitment"], r["Commitment_CO"]): r for r in sg["JCM_MASTER__COMMITMENT_CO"]
        }
        self.invoices = {(r["Vendor"], r["Invoice"]): r for r in sg["APM_MASTER__INVOICE"]}
        ctl = s.control
        self.overrides = {
            (r["job"], r["procore_cost_code"]): r["sage_cost_code"]
            for r in ctl["cost_code_overrides"]
        }
        self.code_map = ctl["cost_code_map"]
        self.prefixes = sorted(
            ((r["procore_prefix"], r["sage_prefix"]) for r in ctl["job_prefix_rules"]),
            key=lambda p: -len(p[0]),
        )
        self.vendor_map = {int(r["procore_vendor_id"]): r["sage_vendor"] for r in ctl["vendor_map"]}
        self.lit = {r["id"]: r["code"] for r in s.procore["line_item_types"]}

    def add(self, kind: str, procore_id: int | None, key: str = "") -> None:
        self.rows.add((kind, "" if procore_id is None else str(procore_id), key))

    # ----------------------------------------------------------------- resolution
    def job_of(self, project: dict) -> str:
        if project.get("origin_id"):
            return project["origin_id"]
        number = project["project_number"]
        for prefix, repl in self.prefixes:
            if prefix and number.startswith(prefix):
                return repl + number[len(prefix) :]
        return number

    def vendor_of(self, vendor_id: int, origin_id: str | None) -> str | None:
        if origin_id and origin_id in self.vendors:
            return origin_id
        return self.vendor_map.get(vendor_id)

    def translate(
        self, job: str, extra: str, full_code: str, lit: str
    ) -> tuple[str, tuple[str, str, str, str] | None]:
        """("ok"|"unmapped"|"ambiguous", target). Precedence: per-job override >
        controller map (most specific rows) > SQL rules."""
        code = self.overrides.get((job, full_code))
        category = lit
        if code is None:
            rows = [
                r
                for r in self.code_map
                if r["procore_cost_code"] == full_code
                and r["job"] in ("", job)
                and r["line_item_type"] in ("", lit)
            ]
            if rows:
                best = max((r["job"] != "") * 2 + (r["line_item_type"] != "") for r in rows)
                top = {
                    (r["sage_cost_code"], r["sage_category"] or lit)
                    for r in rows
                    if (r["job"] != "") * 2 + (r["line_item_type"] != "") == best
                }
                if len(top) > 1:
                    return "ambiguous", None
                code, category = next(iter(top))
            else:
                code = normalise(full_code, self.lengths, self.sep)
                if code is None:
                    return "unmapped", None
        return "ok", (job, extra, code, category)

    # ----------------------------------------------------------------- run
    def run(self) -> set[Row]:
        p = self.s.procore
        for v in p["vendors"]:
            if self.vendor_of(v["id"], v.get("origin_id")) is None:
                self.add("unmapped_vendor", v["id"])
        project_jobs: dict[int, str] = {}
        for proj in p["projects"]:
            job = self.job_of(proj)
            if job not in self.jobs:
                self.add("job_missing_in_sage", proj["id"])
            else:
                project_jobs[proj["id"]] = job
        linked_jobs = set(project_jobs.values())
        for job, row in self.jobs.items():
            if row["Status"] != "Closed" and job not in linked_jobs:
                self.add("project_missing_in_procore", None, job)
        for pid, job in project_jobs.items():
            self.project(pid, job)
        for c in self.commitments.values():
            if c["Job"] in linked_jobs and c["Commitment"] not in self.paired:
                self.add("subcontract_missing_in_procore", None, c["Commitment"])
        self.sync_checks()
        return self.rows

    def project(self, pid: int, job: str) -> None:
        p = self.s.procore
        mine = [c for c in p["cost_codes"] if c["_scope"]["project_id"] == pid]
        codes = {c["id"]: c for c in mine}
        subjobs = {
            sj["id"]: sj["code"] for sj in p["sub_jobs"] if sj["_scope"]["project_id"] == pid
        }
        flagged: set[tuple[str, int]] = set()

        def target(cc_id: int, lit: str) -> tuple[str, str, str, str] | None:
            cc = codes[cc_id]
            extra = subjobs[cc["biller_id"]] if cc["biller_type"] == "SubJob" else ""
            status, tgt = self.translate(job, extra, cc["full_code"], lit)
            if status != "ok":
                if (status, cc_id) not in flagged:
                    flagged.add((status, cc_id))
                    self.add(f"{status}_cost_code", cc_id)
                return None
            if tgt not in self.categories:
                self.add("invalid_sage_target", cc_id, "|".join(tgt))
                return None
            return tgt

        budget = {}
        for row in p["budget_detail_rows"]:
            if row["_scope"]["project_id"] != pid:
                continue
            tgt = target(row["cost_code_id"], self.lit[row["category_id"]])
            budget[row["wbs_code_id"]] = (row["cost_code_id"], self.lit[row["category_id"]])
            if tgt is None:
                continue
            cat = self.categories[tgt]
            if d(row["original_budget_amount"]) != d(cat["Original_Estimate"]) or d(
                row["budget_modifications"]
            ) != d(cat["Approved_Estimate_Changes"]):
                self.add("budget_mismatch", row["id"], "|".join(tgt))
        self.commitments_of(pid, job, target, budget)

    def commitments_of(self, pid: int, job: str, target, budget) -> None:
        p = self.s.procore
        lines = defaultdict(list)
        for res in ("work_order_contract_line_items", "purchase_order_contract_line_items"):
            for ln in p[res]:
                if ln["_scope"]["project_id"] == pid:
                    lines[ln["holder"]["id"]].append(ln)
        ccos = defaultdict(list)
        for co in p["commitment_change_orders"]:
            if co["_scope"]["project_id"] == pid:
                ccos[co["contract_id"]].append(co)
        reqs = defaultdict(list)
        for r in p["requisitions"]:
            if r["_scope"]["project_id"] == pid:
                reqs[r["commitment_id"]].append(r)
        for res in ("work_order_contracts", "purchase_order_contracts"):
            for cm in p[res]:
                if cm["_scope"]["project_id"] != pid or cm.get("deleted_at"):
                    continue
                sage = None
                if cm.get("origin_id") in self.commitments:
                    sage = self.commitments[cm["origin_id"]]
                elif (
                    cm["number"] in self.commitments
                    and self.commitments[cm["number"]]["Job"] == job
                ):
                    sage = self.commitments[cm["number"]]
                if sage is None:
                    self.add("commitment_missing_in_sage", cm["id"])
                    continue
                self.paired.add(sage["Commitment"])
                key = sage["Commitment"]
                vendor = self.vendor_of(cm["vendor"]["id"], cm["vendor"].get("origin_id"))
                if vendor is not None and vendor != sage["Vendor"]:
                    self.add("vendor_mismatch", cm["id"], key)
                if d(cm["grand_total"]) != d(sage["Original_Commitment"]):
                    self.add("commitment_amount_mismatch", cm["id"], key)
                ours: dict[tuple, Decimal] = defaultdict(Decimal)
                for ln in lines[cm["id"]]:
                    tgt = target(ln["cost_code"]["id"], ln["line_item_type"]["code"])
                    if tgt:
                        ours[tgt] += d(ln["amount"])
                theirs: dict[tuple, Decimal] = defaultdict(Decimal)
                for it in self.items[key]:
                    theirs[(it["Job"], it["Extra"], it["Cost_Code"], it["Category"])] += d(
                        it["Amount"]
                    )
                for coding in set(ours) | set(theirs):
                    if ours.get(coding, ZERO) != theirs.get(coding, ZERO):
                        self.add("commitment_line_mismatch", cm["id"], "|".join(coding))
                for co in ccos[cm["id"]]:
                    if co["status"] != "approved":
                        continue
                    sco = self.cos.get((key, co["number"]))
                    if sco is None:
                        self.add("change_order_missing_in_sage", co["id"])
                    elif d(co["grand_total"]) != d(sco["Amount"]):
                        self.add("change_order_amount_mismatch", co["id"], f"{key}|{co['number']}")
                approved = [
                    r
                    for r in sorted(reqs[cm["id"]], key=lambda r: r["number"])
                    if r["status"] in APPROVED
                ]
                position = d(approved[-1]["summary"]["total_retainage"]) if approved else ZERO
                if position != d(sage["Retainage_Held"]):
                    self.add("retainage_mismatch", cm["id"], key)
                previous = ZERO
                for r in sorted(reqs[cm["id"]], key=lambda r: r["number"]):
                    to_date = d(r["summary"]["total_completed_and_stored_to_date"])
                    gross, previous = to_date - previous, to_date
                    if r["status"] not in APPROVED:
                        continue
                    inv = self.invoices.get((sage["Vendor"], r["invoice_number"]))
                    if inv is None or inv["Status"] == "Void":
                        self.add("invoice_missing_in_sage", r["id"])
                        if self.vendors[sage["Vendor"]]["On_Hold"] == "1":
                            self.add(
                                "write_rejected", r["id"], f"{sage['Vendor']}|{r['invoice_number']}"
                            )
                    elif d(inv["Amount"]) != gross:
                        self.add(
                            "invoice_amount_mismatch",
                            r["id"],
                            f"{sage['Vendor']}|{r['invoice_number']}",
                        )

    def sync_checks(self) -> None:
        for records in self.s.procore.values():
            for rec in records:
                for k in MONEY_KEYS:
                    v = rec.get(k)
                    if v is not None and not (isinstance(v, str) and DECIMAL.match(v)):
                        self.add("schema_drift", rec.get("id"))


def answer_key(root: Path) -> set[Row]:
    with (root / "expected" / "exceptions.csv").open(newline="") as fh:
        return {(r["exception_type"], r["procore_id"], r["sage_key"]) for r in csv.DictReader(fh)}
