"""Company-level facts decided before any project: calendar, masks, categories,
standard codes, vendors, owners, the project list and where each plant goes.

Everything here comes from the company RNG; each project then gets its own RNG
(money.sub_rng(seed, "project", index)), so projects can be built and written one
at a time in any process without changing a byte.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sandbox.generate import names
from sandbox.generate.coding import (
    CATEGORIES,
    DIVISIONS,
    JOB_MASK,
    Mask,
    StandardCode,
    standard_codes,
)
from sandbox.generate.discrepancies import AnswerRow, assign_to_projects
from sandbox.generate.ids import BASES, CompanyIds
from sandbox.generate.model import Customer, Month, ProcoreVendor, SageVendor
from sandbox.generate.money import add_days, derive_seed, month_end, stamp, sub_rng
from sandbox.generate.sizes import SizeSpec

AS_OF = dt.date(2026, 10, 31)
GENERATOR_VERSION = "1"

# Feature flags a project can carry (README.md "Realistic mess").
MIXED = "mixed_delimiters"
SUBJOBS = "sub_jobs"
NEW_CODE_CO = "new_code_by_change_order"
DELETED_COMMITMENT = "deleted_commitment"
VOID_CCO = "void_change_order"
VOID_INVOICE = "void_ap_invoice"
JOB_SPECIFIC_MAP = "job_specific_map_row"
NEAR_DUPLICATE_USER = "near_duplicate_vendor"
DETAIL_SOV = "subcontractor_sov"


@dataclass
class ProjectSpec:
    """What the company decided about one project before building it."""

    index: int
    id: int
    job: str
    project_number: str
    origin_id: str | None
    start_month: int
    coding: str  # standard | flat | legacy
    features: tuple[str, ...]
    plants: list[tuple[str, int]]
    kind: str = "regular"  # regular | job_missing | sage_only | closed
    near_duplicate: ProcoreVendor | None = None


@dataclass
class Company:
    seed: int
    size: SizeSpec
    mask: Mask
    as_of: dt.date
    months: list[Month]
    company_id: int
    name: str
    sage_name: str
    user: tuple[int, str, str]
    line_item_types: dict[str, int]
    std_codes: list[StandardCode]
    sage_vendors: list[SageVendor]
    procore_vendors: list[ProcoreVendor]
    pool: dict[str, list[ProcoreVendor]]
    customers: list[Customer]
    specs: list[ProjectSpec] = field(default_factory=list)
    plant_counts: dict[str, int] = field(default_factory=dict)
    answers: list[AnswerRow] = field(default_factory=list)
    hold_vendors: list[ProcoreVendor] = field(default_factory=list)
    payroll_rows_per_day: int = 10
    created_at: str = ""

    @property
    def last_month(self) -> int:
        return len(self.months) - 1

    @property
    def std_by_digits(self) -> dict[str, StandardCode]:
        return {s.digits: s for s in self.std_codes}


def build_months(as_of: dt.date, count: int) -> list[Month]:
    out = []
    y, m = as_of.year, as_of.month
    for _ in range(count):
        out.append((y, m))
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return [Month(i, dt.date(y, m, 1), month_end(y, m)) for i, (y, m) in enumerate(reversed(out))]


def _phone(rng) -> str:
    return f"({rng.randint(200, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"


def _vendor_name(stem: str, noun: str, suffix: str) -> str:
    return (
        f"{stem} {noun}, {suffix}"
        if suffix in ("Inc.", "LLC", "Ltd.")
        else f"{stem} {noun} {suffix}"
    )


def _near_duplicate(name: str) -> str:
    """ "Apex Concrete, Inc." → "Apex Concrete Inc": how a second directory entry looks."""
    return name.replace(",", "").replace(".", "")


def _vendor_code(name: str, taken: set[str]) -> str:
    letters = "".join(ch for ch in name.upper() if ch.isalpha())[:6]
    n = 1
    while f"{letters}{n:02d}" in taken:
        n += 1
    code = f"{letters}{n:02d}"
    taken.add(code)
    return code


def build_vendors(
    size: SizeSpec, rng, ids: CompanyIds, created: dt.date
) -> tuple[list[SageVendor], list[ProcoreVendor]]:
    """Trade vendors: each a Sage vendor plus its Procore directory entry (ERP-linked by
    origin_id, or linked through control/vendor_map.csv for ~15%)."""
    trades = list(names.TRADE_NOUNS)
    per_trade = max(2, size.vendors // len(trades))
    sage: list[SageVendor] = []
    procore: list[ProcoreVendor] = []
    used_names: set[str] = set()
    codes: set[str] = set()
    stems = list(names.STEMS)
    for trade in trades:
        for _ in range(per_trade):
            for _attempt in range(50):
                name = _vendor_name(
                    rng.choice(stems),
                    rng.choice(names.TRADE_NOUNS[trade]),
                    rng.choice(names.SUFFIXES),
                )
                if name not in used_names and _near_duplicate(name) not in used_names:
                    break
            used_names.add(name)
            code = _vendor_code(name, codes)
            city = rng.choice(names.CITIES)
            sv = SageVendor(
                code,
                name[:30],
                trade,
                city,
                f"{rng.randint(100, 9999)} {rng.choice(names.STREETS)}",
                _phone(rng),
                f"ap@{''.join(c for c in name.lower() if c.isalpha())[:16]}.com",
            )
            sage.append(sv)
            linked = rng.random() >= 0.15
            procore.append(
                ProcoreVendor(
                    id=ids("vendor"),
                    name=name,
                    trade=trade,
                    sage_code=code,
                    origin_id=code if linked else None,
                    in_vendor_map=not linked,
                    created_at=stamp(add_days(created, rng.randint(0, 200)), rng),
                    sage=sv,
                )
            )
    return sage, procore


def plan_company(seed: int, size: SizeSpec, mask: Mask, plant_counts: dict[str, int]) -> Company:
    """Decide the company: calendar, vendors, owners and the project list."""
    rng = sub_rng(seed, "company")
    ids = CompanyIds()
    months = build_months(AS_OF, size.months)
    company_created = dt.date(2019, 3, 1)
    stem = rng.choice(names.STEMS)
    name = f"{stem} Builders"
    company_id = 2**32 + derive_seed(seed, "company-id") % 900_000_000
    user = (ids("user"), "tieout.integration@example.com", "tieout Integration")
    lits = {c.code: ids("line_item_type") for c in CATEGORIES}
    sage_vendors, procore_vendors = build_vendors(size, rng, ids, company_created)
    for i, extra in enumerate(names.SAGE_ONLY_VENDORS):
        sage_vendors.append(
            SageVendor(
                f"ZZ{i + 1:02d}{extra.split()[0].upper()[:4]}",
                extra[:30],
                "sage-only",
                rng.choice(names.CITIES),
                "1 Civic Center",
                _phone(rng),
                "billing@example.gov",
            )
        )
    pool: dict[str, list[ProcoreVendor]] = {}
    for v in procore_vendors:
        pool.setdefault(v.trade, []).append(v)
    customers = []
    cust_codes: set[str] = set()
    for _ in range(size.projects + 2):
        city = rng.choice(names.CITIES)
        owner = rng.choice(names.OWNERS)
        cname = f"{owner} {city[0]}" if owner.endswith("of") else f"{city[0]} {owner}"
        code = _vendor_code(cname, cust_codes)
        customers.append(
            Customer(
                code,
                cname[:30],
                _phone(rng),
                f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}",
            )
        )
    company = Company(
        seed=seed,
        size=size,
        mask=mask,
        as_of=AS_OF,
        months=months,
        company_id=company_id,
        name=name,
        sage_name=f"{name} (Sage 300 CRE)",
        user=user,
        line_item_types=lits,
        std_codes=standard_codes(mask),
        sage_vendors=sage_vendors,
        procore_vendors=procore_vendors,
        pool=pool,
        customers=customers,
        plant_counts=dict(plant_counts),
        created_at=stamp(company_created, rng),
    )
    _plan_projects(company, rng, ids)
    return company


def _features(i: int, n: int) -> tuple[list[str], str]:
    """Which mess each regular project carries (every feature appears at every size)."""
    feats: list[str] = []
    coding = "standard"
    if i == 0:
        feats += [MIXED, NEW_CODE_CO, DELETED_COMMITMENT, JOB_SPECIFIC_MAP, NEAR_DUPLICATE_USER]
    if i == 1 % n:
        feats += [SUBJOBS, VOID_CCO, NEAR_DUPLICATE_USER]
        coding = "flat"
    if i == 2 % n and n >= 3:
        feats += [VOID_INVOICE, DETAIL_SOV]
        coding = "legacy"
    if n > 3 and i >= 3 and i % 9 == 6:
        feats.append(DETAIL_SOV)
    if n > 3 and i >= 3 and i % 7 == 3:
        feats.append(MIXED)
    if n > 3 and i >= 3 and i % 11 == 5:
        feats.append(SUBJOBS)
    if n > 3 and i >= 3 and i % 13 == 4:
        coding = "flat"
    return sorted(set(feats)), coding


def _plan_projects(company: Company, rng, ids: CompanyIds) -> None:
    size = company.size
    n = size.projects
    counts = company.plant_counts
    plans = assign_to_projects(counts, n, sub_rng(company.seed, "plants"))
    last = company.last_month
    used_jobs: set[str] = set()
    seq = 0
    duplicates = [v for v in company.procore_vendors if v.origin_id][:2]
    for i in range(n):
        start = 0 if i < 3 or last < 3 else rng.randint(0, max(0, last // 3))
        yy = str(company.months[start].start.year - 2000 - rng.choice((0, 0, 1)))
        seq += rng.randint(1, 3)
        job = JOB_MASK.cut(f"{yy}{seq:03d}")
        used_jobs.add(job)
        feats, coding = _features(i, n)
        # project 1 is unlinked: no origin_id; its number carries a prefix rule (P-)
        unlinked = i == 1 % n
        spec = ProjectSpec(
            index=i,
            id=BASES["project"] + 1 + i * 17,
            job=job,
            project_number=f"P-{job}" if unlinked else job,
            origin_id=None if unlinked else job,
            start_month=start,
            coding=coding,
            features=tuple(feats),
            plants=plans.get(i, []),
        )
        if NEAR_DUPLICATE_USER in feats and duplicates:
            spec.near_duplicate = _add_near_duplicate(company, duplicates.pop(0), ids, rng)
        company.specs.append(spec)
    # company-level plants: projects missing in Sage, jobs missing in Procore, vendors
    index = n
    for k in range(counts.get("job_missing_in_sage", 0)):
        job = JOB_MASK.cut(f"26{900 + k:03d}")
        company.specs.append(
            ProjectSpec(
                index=index,
                id=BASES["project"] + 1 + index * 17,
                job=job,
                project_number=job,
                origin_id=None,
                start_month=last,
                coding="standard",
                features=(),
                plants=[],
                kind="job_missing",
            )
        )
        company.answers.append(AnswerRow("job_missing_in_sage", company.specs[-1].id))
        index += 1
    for k in range(counts.get("project_missing_in_procore", 0)):
        job = JOB_MASK.cut(f"26{800 + k:03d}")
        company.specs.append(
            ProjectSpec(
                index=index,
                id=0,
                job=job,
                project_number=job,
                origin_id=None,
                start_month=max(0, last - 1),
                coding="standard",
                features=(),
                plants=[],
                kind="sage_only",
            )
        )
        company.answers.append(AnswerRow("project_missing_in_procore", None, job))
        index += 1
    for k in range(size.closed_jobs):
        job = JOB_MASK.cut(f"{21 + k % 3}{700 + k:03d}")
        company.specs.append(
            ProjectSpec(
                index=index,
                id=0,
                job=job,
                project_number=job,
                origin_id=None,
                start_month=0,
                coding="standard",
                features=(),
                plants=[],
                kind="closed",
            )
        )
        index += 1
    bases = [v for v in company.procore_vendors if v.origin_id and not v.exclusive][2:]
    for k in range(counts.get("unmapped_vendor", 0)):
        base = bases[(k * 7 + 3) % len(bases)]
        v = ProcoreVendor(
            id=ids("vendor"),
            name=_near_duplicate(base.name),
            trade=base.trade,
            sage_code=None,
            origin_id=None,
            in_vendor_map=False,
            created_at=stamp(add_days(company.as_of, -rng.randint(5, 40)), rng),
            exclusive=True,
        )
        if v.name == base.name:
            v.name = base.name + " (2)"
        company.procore_vendors.append(v)
        company.answers.append(AnswerRow("unmapped_vendor", v.id))
    for k in range(counts.get("write_rejected", 0)):
        code_taken = {s.code for s in company.sage_vendors}
        vname = _vendor_name(names.STEMS[(k * 5 + 11) % len(names.STEMS)], "Supply Depot", "Inc.")
        code = _vendor_code(vname, code_taken)
        sv = SageVendor(
            code,
            vname[:30],
            "supply",
            rng.choice(names.CITIES),
            "9 Yard Rd",
            _phone(rng),
            "ar@supplydepot.com",
            on_hold=True,
        )
        company.sage_vendors.append(sv)
        pv = ProcoreVendor(
            id=ids("vendor"),
            name=vname,
            trade="supply",
            sage_code=code,
            origin_id=code,
            in_vendor_map=False,
            created_at=stamp(add_days(company.as_of, -300), rng),
            sage=sv,
            exclusive=True,
        )
        company.procore_vendors.append(pv)
        company.hold_vendors.append(pv)
    # payroll volume: spread the JC transaction target over active project-days
    active_days = sum(
        max(1, (last - s.start_month + 1)) * 21 for s in company.specs if s.kind == "regular"
    )
    company.payroll_rows_per_day = max(2, round(size.jct_target * 0.97 / max(1, active_days)))


def _add_near_duplicate(
    company: Company, original: ProcoreVendor, ids: CompanyIds, rng
) -> ProcoreVendor:
    """A second directory entry for the same company, linked via vendor_map.csv."""
    dup = ProcoreVendor(
        id=ids("vendor"),
        name=_near_duplicate(original.name),
        trade=original.trade,
        sage_code=original.sage_code,
        origin_id=None,
        in_vendor_map=True,
        created_at=stamp(add_days(company.as_of, -rng.randint(60, 200)), rng),
        sage=original.sage,
        exclusive=True,
    )
    company.procore_vendors.append(dup)
    return dup


__all__ = ["AS_OF", "DIVISIONS", "GENERATOR_VERSION", "Company", "ProjectSpec", "plan_company"]
