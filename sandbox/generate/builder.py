"""Build one project's model (cost codes, budget, commitments, billing, owner side)
from its own RNG, including the discrepancies planted in it.

Order matters only within a project: codes → budget lines → commitments (each with
its change orders and requisitions) → planted objects → budget amounts → direct
costs → prime contract → change events.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sandbox.generate import names
from sandbox.generate.coding import (
    DIVISION_BY_NUMBER,
    IRREGULAR_CODES,
    IRREGULAR_JOB_SPECIFIC,
    StandardCode,
)
from sandbox.generate.company import (
    DELETED_COMMITMENT,
    DETAIL_SOV,
    JOB_SPECIFIC_MAP,
    MIXED,
    NEW_CODE_CO,
    SUBJOBS,
    VOID_CCO,
    VOID_INVOICE,
    Company,
    ProjectSpec,
)
from sandbox.generate.discrepancies import AnswerRow
from sandbox.generate.ids import ProjectIds
from sandbox.generate.model import (
    Biller,
    BudgetLine,
    ChangeEvent,
    ChangeOrder,
    ChangeOrderLine,
    Commitment,
    CommitmentLine,
    CostCode,
    DirectCost,
    DirectCostLine,
    G703Line,
    Month,
    ParentCode,
    PaymentApplication,
    PrimeChangeOrder,
    PrimeContract,
    PrimeLine,
    ProcoreVendor,
    Project,
    Requisition,
    RequisitionItem,
)
from sandbox.generate.money import (
    ZERO,
    add_days,
    money,
    pct_of,
    rand_money,
    stamp,
    sub_rng,
)
from sandbox.generate.plants import PlantsMixin

TEN, FIVE = Decimal("10.00"), Decimal("5.00")


class ProjectBuilder(PlantsMixin):
    """Builds one `Project` and the answer-key rows of the plants it hosts."""

    def __init__(self, company: Company, spec: ProjectSpec):
        self.c = company
        self.s = spec
        self.rng = sub_rng(company.seed, "project", spec.index)
        self.ids = ProjectIds(spec.index)
        self.answers: list[AnswerRow] = []
        self.months = company.months
        self.last = company.last_month
        self._commitment_seq = 0
        self._dc_seq = 0
        self._used_sage: set[tuple[str, str]] = set()  # (extra, sage code) on this job
        self._zero_original: set[int] = set()  # budget line ids whose original is 0
        self._planted_budget: set[int] = set()

    # ------------------------------------------------------------------ entry point
    def build(self) -> Project:
        s, rng = self.s, self.rng
        city = rng.choice(names.CITIES)
        kind_name = rng.choice(names.PROJECT_KINDS)
        start = self.months[s.start_month].start
        created = add_days(start, -rng.randint(20, 60))
        p = Project(
            index=s.index,
            id=s.id,
            job=s.job,
            name=f"{city[0]} {kind_name}",
            project_number=s.project_number,
            origin_id=s.origin_id,
            city=city,
            street=f"{rng.randint(100, 9999)} {rng.choice(names.STREETS)}",
            start=start,
            created_at=stamp(created, rng),
            customer=self.c.customers[s.index % len(self.c.customers)],
            retainage_pct=rng.choice((FIVE, TEN)),
            coding=s.coding,
        )
        p.updated_at = stamp(self.months[self.last].end, rng)
        self.p = p
        if s.kind == "job_missing":
            p.in_sage = False
            p.created_at = stamp(add_days(self.c.as_of, -rng.randint(3, 20)), rng)
            return p
        if s.kind in ("sage_only", "closed"):
            p.in_procore = False
            p.sage_status = "Closed" if s.kind == "closed" else "In Progress"
        self._billers()
        self._cost_codes()
        self._budget_lines()
        p.budget_view_id = self.ids("budget_view")
        p.billing_periods = [
            (self.ids("billing_period"), m) for m in self.months if m.index >= s.start_month
        ]
        if s.kind == "regular":
            for _ in range(rng.randint(*self.c.size.commitments)):
                self._clean_commitment()
            self._features()
            for name, ordinal in s.plants:
                getattr(self, f"_plant_{name}")(ordinal)
        self._budget_amounts()
        if s.kind == "regular":
            self._direct_costs()
            self._prime_contract()
            self._change_events()
        return p

    # ------------------------------------------------------------------ structure
    def _billers(self) -> None:
        p = self.p
        p.billers.append(Biller("Project", p.id, p.name, "", created_at=p.created_at))
        if SUBJOBS in self.s.features:
            for n, label in ((1, "Building A"), (2, "Building B")):
                p.billers.append(
                    Biller(
                        "SubJob",
                        self.ids("sub_job"),
                        label,
                        f"{n:02d}",
                        code=f"{n:02d}",
                        created_at=p.created_at,
                    )
                )

    def _pick_std_codes(self) -> list[StandardCode]:
        rng = self.rng
        leaves = [sc for sc in self.c.std_codes if not sc.group]
        by_div: dict[str, list[StandardCode]] = {}
        for sc in leaves:
            by_div.setdefault(sc.division, []).append(sc)
        target = rng.randint(*self.c.size.leaf_codes)
        chosen: list[StandardCode] = []
        general = [
            sc
            for sc in by_div["01"]
            if sc.digits not in {d for _, _, d in IRREGULAR_CODES} | {IRREGULAR_JOB_SPECIFIC[1]}
        ]
        chosen += rng.sample(general, 2)
        divisions = [d for d in by_div if d != "01"]
        rng.shuffle(divisions)
        # concrete always (it carries L/M/S lines); then as many divisions as fit
        divisions.remove("03")
        divisions.insert(0, "03")
        for d in divisions:
            if len(chosen) >= target:
                break
            pool = by_div[d]
            chosen += rng.sample(pool, min(len(pool), rng.randint(1, 3), target - len(chosen)))
        return chosen

    def _cost_codes(self) -> None:
        p, s, rng, mask = self.p, self.s, self.rng, self.c.mask
        chosen = self._pick_std_codes()
        subjobs = p.extras
        placements: list[tuple[StandardCode, Biller]] = []
        for sc in chosen:
            if subjobs and sc.division != "01":
                k = int(sc.division) % len(subjobs)
                placements.append((sc, subjobs[k]))
                if rng.random() < 0.4:
                    placements.append((sc, subjobs[1 - k]))
            else:
                placements.append((sc, p.billers[0]))
        irregular: list[tuple[str, str, StandardCode]] = []
        if s.coding == "standard" and s.kind == "regular":
            by_digits = self.c.std_by_digits
            picks = rng.sample(IRREGULAR_CODES, 2)
            if JOB_SPECIFIC_MAP in s.features:
                picks = [c for c in picks if c[0] != IRREGULAR_JOB_SPECIFIC[0]][:1]
                irregular.append(
                    (
                        IRREGULAR_JOB_SPECIFIC[0],
                        "Project Manager",
                        by_digits[IRREGULAR_JOB_SPECIFIC[1]],
                    )
                )
            irregular += [(code, name, by_digits[d]) for code, name, d in picks]
        mixed_left = 3 if MIXED in s.features else 0
        legacy_n = 0
        for sc, biller in placements:
            if (biller.extra, sc.code) in self._used_sage:
                continue
            style = s.coding
            if style == "standard" and mixed_left and rng.random() < 0.5:
                style, mixed_left = "mixed", mixed_left - 1
            legacy_n += 1
            self._add_code(sc, biller, style, legacy_n=legacy_n)
        standard = [c for c in p.cost_codes if c.style == "standard"]
        if MIXED in s.features and standard and not any(c.style == "mixed" for c in p.cost_codes):
            cc = standard[0]  # guarantee at least one mixed-delimiter code
            cc.full_code, cc.code = _mixed(cc.full_code, mask), _mixed(cc.code, mask)
            cc.style = "mixed"
        for code, name, sc in irregular:
            if (p.billers[0].extra, sc.code) in self._used_sage:
                continue
            cc = self._add_code(sc, p.billers[0], "irregular")
            cc.code = cc.full_code = code
            cc.name = name
            cc.parent = None

    def _parent(self, division: str, biller: Biller) -> ParentCode:
        for pc in self.p.parents:
            if (
                pc.biller is biller
                and pc.code == self.c.mask.cut(division).split(self.c.mask.separator)[0]
            ):
                return pc
        seg = self.c.mask.cut(division).split(self.c.mask.separator)[0]
        pc = ParentCode(
            self.ids("cost_code"), seg, DIVISION_BY_NUMBER[division].name, biller, self.p.created_at
        )
        self.p.parents.append(pc)
        return pc

    def _add_code(
        self,
        sc: StandardCode,
        biller: Biller,
        style: str,
        *,
        legacy_n: int = 0,
        created_at: str | None = None,
        in_sage: bool = True,
    ) -> CostCode:
        """One Procore leaf code for standard code `sc` under `biller`, in `style`."""
        mask = self.c.mask
        sep = mask.separator
        tail = sc.code.partition(sep)[2]
        parent = None
        if style in ("standard", "mixed", "planted"):
            parent = self._parent(sc.division, biller)
            code, full = tail, sc.code
            if style == "mixed":
                code, full = _mixed(tail, mask), _mixed(sc.code, mask)
        elif style == "flat":
            code = full = sc.code.replace(sep, "")
        elif style == "legacy":
            letter = "ABCDEFGHJKMNPQRSTUVWXYZ"[int(sc.division) % 23]
            code = full = f"{letter}{100 + legacy_n * 10}"
            self.p.overrides.append((full, sc.code))
        else:  # irregular: caller sets the code
            code = full = sc.code
        cc = CostCode(
            id=self.ids("cost_code"),
            code=code,
            full_code=full,
            name=sc.description,
            biller=biller,
            parent=parent,
            sage_code=sc.code,
            division=sc.division,
            created_at=created_at or self.p.created_at,
            style=style,
            in_sage=in_sage,
            position=len(self.p.cost_codes) + 1,
        )
        self.p.cost_codes.append(cc)
        if in_sage:
            self._used_sage.add((biller.extra, sc.code))
        return cc

    def _budget_lines(self) -> None:
        rng = self.rng
        has = {"L": False, "R": False}
        for cc in list(self.p.cost_codes):
            div = DIVISION_BY_NUMBER[cc.division]
            if cc.style == "irregular":
                cats = ["O"] if cc.full_code == "PERMITS" else ["L"]
            else:
                cats = [div.categories[0]]
                extra = [c for c in div.categories[1:]]
                rng.shuffle(extra)
                cats += extra[: rng.randint(0, len(extra))]
            for cat in cats:
                self._add_budget(cc, cat)
                if cat in has:
                    has[cat] = True
        general = [
            cc for cc in self.p.cost_codes if cc.division == "01" and cc.style != "irregular"
        ]
        for cat in ("L", "R"):
            if not has[cat] and general:
                target = general[0] if cat == "L" else general[-1]
                if not any(b.cost_code is target and b.category == cat for b in self.p.budget):
                    self._add_budget(target, cat)

    def _add_budget(
        self, cc: CostCode, category: str, *, in_sage: bool = True, created_at: str | None = None
    ) -> BudgetLine:
        b = BudgetLine(
            self.ids("budget_row"),
            self.ids("wbs_code"),
            cc,
            category,
            in_sage=in_sage,
            created_at=created_at or cc.created_at,
        )
        self.p.budget.append(b)
        return b

    def _lines_of(self, category: str, division: str | None = None) -> list[BudgetLine]:
        return [
            b
            for b in self.p.budget
            if b.category == category
            and b.in_sage
            and b.cost_code.in_sage
            and b.id not in self._zero_original  # scope added by a change order only
            and (division is None or b.cost_code.division == division)
        ]

    def _add_category_lines(self, category: str) -> list[BudgetLine]:
        """Give the job a budget line of `category` (both systems) when it has none, so
        a planted or clean commitment of that kind always has somewhere to post."""
        clean = [cc for cc in self.p.cost_codes if cc.in_sage and cc.style != "irregular"]
        allowed = [cc for cc in clean if category in DIVISION_BY_NUMBER[cc.division].categories]
        pool = allowed or clean
        if not pool:
            return []
        self._add_budget(pool[0], category)
        return self._lines_of(category)

    # ------------------------------------------------------------------ commitments
    def _vendor(self, trade: str) -> ProcoreVendor:
        pool = [v for v in self.c.pool.get(trade) or self.c.pool["general"] if not v.exclusive]
        return self.rng.choice(pool)

    def _next_number(self) -> str:
        self._commitment_seq += 1
        return f"{self.p.job_compact}-{self._commitment_seq:03d}"

    def _new_commitment(
        self,
        kind: str,
        *,
        lines: list[BudgetLine] | None = None,
        vendor: ProcoreVendor | None = None,
        late: bool = False,
        retainage: Decimal | None = None,
        months: list[int] | None = None,
        complete: bool | None = None,
        plant: str = "",
    ) -> Commitment | None:
        """A commitment with lines, change orders and requisitions (unless `late`)."""
        rng, last = self.rng, self.last
        category = "S" if kind == "WOC" else "M"
        if lines is None:
            candidates = self._lines_of(category) or self._add_category_lines(category)
            if not candidates:
                return None
            first = rng.choice(candidates)
            same_div = [
                b
                for b in candidates
                if b.cost_code.division == first.cost_code.division
                and b is not first
                and b.cost_code.biller is first.cost_code.biller
            ]
            rng.shuffle(same_div)
            lines = [first, *same_div[: rng.randint(0, 2)]]
        trade = DIVISION_BY_NUMBER[lines[0].cost_code.division].trade
        if vendor is None:
            vendor = self._vendor(trade if kind == "WOC" else rng.choice(("supply", trade)))
        if retainage is None:
            retainage = ZERO if kind == "POC" else (TEN if rng.random() < 0.7 else FIVE)
        start = self.s.start_month
        if late:
            s_month, billing = last, []
        elif months is not None:
            s_month, billing = months[0], months
        else:
            s_month = start + int((last - start) * rng.random() ** 1.6)
            dur = rng.randint(1, 6)
            billing = list(range(s_month, min(s_month + dur - 1, last) + 1))
            if complete is None:
                complete = s_month + dur - 1 <= last
        if complete is None:
            complete = False
        month = self.months[s_month]
        contract_day = add_days(month.start, rng.randint(0, 9))
        if late:
            contract_day = add_days(month.start, rng.randint(2, 20))
        number = self._next_number()
        cm = Commitment(
            id=self.ids("commitment"),
            kind=kind,
            number=number,
            title=f"{DIVISION_BY_NUMBER[lines[0].cost_code.division].name} - "
            f"{vendor.name.split(',')[0]}"[:60],
            vendor=vendor,
            linked=rng.random() >= 0.2,
            retainage_pct=retainage,
            contract_date=contract_day,
            status="Approved",
            billing_months=billing,
            created_at=stamp(add_days(contract_day, -rng.randint(3, 15)), rng),
            sage_vendor=vendor.sage_code or "",
            plant=plant,
        )
        for pos, b in enumerate(lines, start=1):
            amount = (
                rand_money(rng, 4_000, 380_000) if kind == "WOC" else rand_money(rng, 1_500, 90_000)
            )
            cm.lines.append(
                CommitmentLine(
                    self.ids("commitment_line"),
                    pos,
                    b,
                    f"{b.cost_code.name} - {b.category}"[:60],
                    amount,
                    created_at=cm.created_at,
                )
            )
        if not late and billing:
            self._change_orders(cm)
            if kind == "WOC" and len(billing) >= 3 and rng.random() < 0.2:
                choices = billing[: len(billing) - (2 if complete else 1)]
                cm.stored_month = rng.choice(choices) if choices else None
            self._requisitions(cm, complete=complete)
        cm.updated_at = stamp(self._last_touch(cm), rng)
        self.p.commitments.append(cm)
        return cm

    def _clean_commitment(self) -> Commitment | None:
        kind = "WOC" if self.rng.random() < 0.78 else "POC"
        cm = self._new_commitment(kind)
        if cm is None:
            cm = self._new_commitment("POC" if kind == "WOC" else "WOC")
        return cm

    def _last_touch(self, cm: Commitment) -> dt.date:
        days = (
            [cm.contract_date]
            + [r.month.end for r in cm.requisitions]
            + [co.approved_on or co.created_on for co in cm.change_orders]
        )
        return min(max(days), self.c.as_of)

    def _change_orders(self, cm: Commitment, count: int | None = None) -> None:
        rng = self.rng
        if count is None:
            r = rng.random()
            count = 0 if r < 0.5 else (1 if r < 0.85 else 2)
        for _ in range(count):
            month_i = rng.choice(cm.billing_months)
            m = self.months[month_i]
            created = add_days(m.start, rng.randint(0, 12))
            pending = month_i >= self.last - 1 and rng.random() < 0.3
            co = self._co(
                cm,
                "pending" if pending else "approved",
                created,
                None if pending else add_days(created, rng.randint(2, 12)),
            )
            for ln in rng.sample(cm.lines, min(len(cm.lines), rng.randint(1, 2))):
                amt = money(ln.amount * Decimal(rng.randint(2, 15)) / 100)
                self._co_line(co, ln.budget, amt, amends=ln)

    def _co(
        self, cm: Commitment, status: str, created: dt.date, approved: dt.date | None
    ) -> ChangeOrder:
        approved = min(approved, self.c.as_of) if approved else None
        co = ChangeOrder(
            self.ids("cco"), f"{len(cm.change_orders) + 1:03d}", "", status, created, approved
        )
        co.title = f"CO {co.number} - {cm.title}"[:60]
        co.created_at = stamp(created, self.rng)
        co.updated_at = stamp(approved or created, self.rng)
        cm.change_orders.append(co)
        return co

    def _co_line(
        self,
        co: ChangeOrder,
        budget: BudgetLine,
        amount: Decimal,
        *,
        amends: CommitmentLine | None,
        sage_item: int = 0,
    ) -> ChangeOrderLine:
        line = ChangeOrderLine(
            self.ids("cco_line"),
            len(co.lines) + 1,
            budget,
            f"CO {co.number} - {budget.cost_code.name}"[:60],
            amount,
            amends,
            sage_item=amends.position if amends else sage_item,
        )
        co.lines.append(line)
        return line

    # ------------------------------------------------------------------ billing
    def _requisitions(self, cm: Commitment, *, complete: bool) -> None:
        """Monthly G702/G703 for `cm`; the last one is final when `complete`."""
        rng = self.rng
        months = cm.billing_months
        n = len(months)
        planned = n if complete else n + rng.randint(1, 4)
        state: dict[int, dict[str, Decimal]] = {}  # sov line id → running totals
        prev_earned = ZERO
        frac = Decimal(0)
        for k, mi in enumerate(months):
            month = self.months[mi]
            final = complete and k == n - 1
            if final:
                frac = Decimal(1)
            else:
                step = Decimal(k + 1) / Decimal(planned)
                jitter = Decimal(rng.randint(-4, 4)) / 100
                frac = max(frac + Decimal("0.02"), min(Decimal("0.95"), step + jitter))
                frac = min(frac, Decimal("0.95"))
            contract_type = "contract_detail_item" if cm.detail_sov else "contract_item"
            sov: list[tuple[str, CommitmentLine | ChangeOrderLine, ChangeOrder | None]] = [
                (contract_type, ln, None) for ln in cm.lines
            ]
            net_change = ZERO
            for co in cm.change_orders:
                if co.approved and co.approved_on and co.approved_on < month.start:
                    net_change += co.amount
                    sov += [("change_order_item", ln, co) for ln in co.lines]
            items: list[RequisitionItem] = []
            for item_type, ln, co in sov:
                st = state.setdefault(
                    ln.id, {"work": ZERO, "stored": ZERO, "ret": ZERO, "retmat": ZERO}
                )
                sv = ln.amount
                work_to_date = sv if final else money(sv * frac)
                stored = ZERO
                moved = ZERO
                if st["stored"] and not final:
                    moved = st["stored"]
                work_to_date = max(work_to_date, st["work"] + moved)
                if (
                    cm.stored_month == mi
                    and isinstance(ln, CommitmentLine)
                    and ln.position == 1
                    and not final
                ):
                    stored = min(money(sv * Decimal("0.06")), sv - work_to_date)
                    stored = max(stored, ZERO)
                work_this = work_to_date - st["work"]
                pct = cm.retainage_pct
                ret_this = ZERO if final else pct_of(work_this, pct)
                released = st["ret"] if final else ZERO
                ret_mat = pct_of(stored, pct)
                item = RequisitionItem(
                    id=self.ids("requisition_item"),
                    item_type=item_type,
                    line=ln,
                    change_order=co,
                    scheduled_value=sv,
                    work_prev=st["work"],
                    work_this=work_this,
                    stored=stored,
                    stored_prev=st["stored"],
                    ret_work_prev=st["ret"],
                    ret_work_this=ret_this,
                    ret_work_released=released,
                    ret_mat=ret_mat,
                    ret_mat_prev=st["retmat"],
                    materials_moved=moved,
                    ret_mat_moved=st["retmat"] if moved else ZERO,
                    retainage_pct=pct,
                )
                items.append(item)
                st.update(
                    work=work_to_date, stored=stored, ret=item.ret_work_balance, retmat=ret_mat
                )
            status = "approved"
            if mi == self.last and not final and rng.random() < 0.3:
                status = "under_review"
            req = Requisition(
                id=self.ids("requisition"),
                number=k + 1,
                month=month,
                status=status,
                invoice_number=f"{cm.number}-{k + 1:02d}",
                items=items,
                final=final,
                original_sum=cm.original,
                net_change=net_change,
                previous_earned=prev_earned,
            )
            req.created_at = stamp(add_days(month.end, -rng.randint(4, 8)), rng)
            req.updated_at = stamp(add_days(month.end, -rng.randint(0, 3)), rng)
            cm.requisitions.append(req)
            prev_earned = req.earned_less_retainage

    # ------------------------------------------------------------------ features
    def _features(self) -> None:
        f, rng = self.s.features, self.rng
        woc = [c for c in self.p.commitments if c.kind == "WOC" and not c.plant]
        if self.s.near_duplicate is not None and self.p.commitments:
            first = self.p.commitments[0]
            first.vendor = self.s.near_duplicate
            first.sage_vendor = self.s.near_duplicate.sage_code or ""
            first.title = f"{first.title.split(' - ')[0]} - {first.vendor.name}"[:60]
        if NEW_CODE_CO in f and woc:
            long_running = [c for c in woc if len(c.billing_months) >= 3]
            self._new_code_change_order((long_running or woc)[0])
        if DELETED_COMMITMENT in f:
            cm = self._new_commitment("WOC", late=True)
            if cm:
                cm.status = "Void"
                cm.in_sage = False
                cm.deleted_at = stamp(add_days(self.c.as_of, -rng.randint(1, 10)), rng)
                cm.updated_at = cm.deleted_at
        if VOID_CCO in f:
            host = next(
                (
                    c
                    for c in self.p.commitments
                    if c.billing_months and not c.plant and c.kind == "WOC"
                ),
                None,
            )
            if host:
                m = self.months[host.billing_months[-1]]
                co = self._co(host, "void", add_days(m.start, 3), None)
                co.in_sage = False
                self._co_line(
                    co, host.lines[0].budget, rand_money(rng, 2_000, 9_000), amends=host.lines[0]
                )
        if DETAIL_SOV in f:
            host = next((c for c in woc if c.requisitions and not c.deleted_at), None)
            if host:
                self._detail_sov(host)
        if VOID_INVOICE in f:
            for cm in self.p.commitments:
                reqs = [r for r in cm.requisitions if r.approved and r.gross_this]
                if reqs and not cm.plant:
                    cm.void_invoice_of = reqs[0]
                    break

    def _detail_sov(self, cm: Commitment) -> None:
        """The subcontractor bills on a detailed SOV: one detail line per contract line, and
        its invoices carry `contract_detail_item` rows instead of `contract_item` rows
        (same amounts, so nothing else about the commitment changes)."""
        cm.detail_sov = True
        for ln in cm.lines:
            ln.sov_detail_id = self.ids("sov_detail_line")
        for req in cm.requisitions:
            for item in req.items:
                if item.item_type == "contract_item":
                    item.item_type = "contract_detail_item"

    def _new_code_change_order(self, cm: Commitment) -> None:
        """A change order that adds scope on a cost code the job did not have before."""
        rng = self.rng
        biller = cm.lines[0].budget.cost_code.biller
        div = cm.lines[0].budget.cost_code.division
        used = {(c.biller.extra, c.sage_code) for c in self.p.cost_codes}
        fresh = [
            sc
            for sc in self.c.std_codes
            if not sc.group and sc.division == div and (biller.extra, sc.code) not in used
        ]
        if not fresh or not cm.billing_months:
            return
        # approved mid-way, so later requisitions bill the new scope
        mi = cm.billing_months[(len(cm.billing_months) - 1) // 2]
        m = self.months[mi]
        created = add_days(m.start, rng.randint(1, 8))
        style = "standard" if self.p.coding == "standard" else self.p.coding
        cc = self._add_code(
            fresh[0],
            biller,
            style,
            legacy_n=len(self.p.cost_codes) + 1,
            created_at=stamp(created, rng),
        )
        b = self._add_budget(cc, "S", created_at=cc.created_at)
        self._zero_original.add(b.id)
        co = self._co(cm, "approved", created, add_days(created, 5))
        self._co_line(
            co, b, rand_money(rng, 8_000, 40_000), amends=None, sage_item=len(cm.lines) + 1
        )
        # re-bill so the new scope shows up on later requisitions
        complete = bool(cm.requisitions) and cm.requisitions[-1].final
        cm.requisitions.clear()
        self._requisitions(cm, complete=complete)

    # ------------------------------------------------------------------ budget amounts
    def _budget_amounts(self) -> None:
        rng = self.rng
        committed: dict[int, Decimal] = {}
        changes: dict[int, Decimal] = {}
        for cm in self.p.commitments:
            if cm.deleted_at or not cm.in_procore:
                continue
            for ln in cm.lines:
                committed[ln.budget.id] = committed.get(ln.budget.id, ZERO) + ln.amount
            for co in cm.change_orders:
                if co.approved:
                    for col in co.lines:
                        changes[col.budget.id] = changes.get(col.budget.id, ZERO) + col.amount
        for b in self.p.budget:
            b.modifications = changes.get(b.id, ZERO)
            if b.id in self._zero_original:
                b.original = ZERO
            elif b.id in committed:
                b.original = money(committed[b.id] * Decimal(rng.randint(102, 118)) / 100)
            elif b.category in ("L", "E"):
                b.original = rand_money(rng, 60_000, 420_000)
            else:
                b.original = rand_money(rng, 5_000, 150_000)

    # ------------------------------------------------------------------ direct costs
    def _direct_cost(self, month: Month, status: str) -> DirectCost | None:
        rng = self.rng
        lines = [
            b
            for b in self.p.budget
            if b.category in ("M", "R", "O") and b.in_sage and b.cost_code.in_sage
        ]
        if not lines:
            return None
        picked = rng.sample(lines, min(len(lines), rng.randint(1, 3)))
        rental = any(b.category == "R" for b in picked)
        vendor = self._vendor("rental" if rental else "supply")
        day = add_days(month.start, rng.randint(0, (month.end - month.start).days))
        day = min(day, self.c.as_of)
        self._dc_seq += 1
        dc = DirectCost(
            self.ids("direct_cost"),
            vendor,
            f"{self.p.job_compact}-D{self._dc_seq:04d}",
            day,
            status,
            "Rental" if rental else "Materials",
            [],
        )
        for b in picked:
            dc.lines.append(
                DirectCostLine(
                    self.ids("direct_cost_line"),
                    b,
                    f"{b.cost_code.name}"[:60],
                    rand_money(rng, 150, 12_000),
                )
            )
        dc.created_at = stamp(day, rng)
        dc.updated_at = stamp(min(add_days(day, rng.randint(1, 6)), self.c.as_of), rng)
        self.p.direct_costs.append(dc)
        return dc

    def _direct_costs(self) -> None:
        rng = self.rng
        for m in self.months[self.s.start_month :]:
            for _ in range(max(0, self.c.size.direct_costs_per_month + rng.randint(-1, 1))):
                status = "pending" if m.index == self.last and rng.random() < 0.2 else "approved"
                self._direct_cost(m, status)

    # ------------------------------------------------------------------ owner side
    def _prime_contract(self) -> None:
        rng, p = self.rng, self.p
        by_div: dict[str, list[BudgetLine]] = {}
        for b in p.budget:
            if b.in_sage and b.cost_code.in_sage:
                by_div.setdefault(b.cost_code.division, []).append(b)
        fee = Decimal(rng.randint(106, 112)) / 100
        start = self.months[self.s.start_month]
        pc = PrimeContract(
            id=self.ids("prime_contract"),
            number="1",
            contract=p.job,
            title=f"{p.name} - Prime Contract"[:60],
            customer=p.customer,
            retainage_pct=p.retainage_pct,
            contract_date=add_days(start.start, -10),
        )
        for pos, (div, lines) in enumerate(sorted(by_div.items()), start=1):
            amount = money(sum((b.original for b in lines), ZERO) * fee)
            pc.lines.append(
                PrimeLine(
                    self.ids("prime_line"),
                    pos,
                    lines[0].cost_code,
                    DIVISION_BY_NUMBER[div].name[:30],
                    amount,
                )
            )
        pc.created_at = stamp(add_days(start.start, -12), rng)
        for k in range(rng.randint(1, 3)):
            m = self.months[rng.randint(self.s.start_month, self.last)]
            created = add_days(m.start, rng.randint(0, 10))
            pending = m.index == self.last and rng.random() < 0.5
            pco = PrimeChangeOrder(
                self.ids("pco"),
                f"{k + 1:03d}",
                f"PCO {k + 1:03d}",
                "pending" if pending else "approved",
                None if pending else min(add_days(created, 7), self.c.as_of),
                created,
            )
            for line in rng.sample(pc.lines, min(len(pc.lines), rng.randint(1, 2))):
                pco.lines.append((self.ids("pco_line"), line, rand_money(rng, 4_000, 85_000)))
            pc.change_orders.append(pco)
        active = self.last - self.s.start_month + 1
        duration = rng.randint(active + 2, active + 14)
        prev_earned = ZERO
        to_date: dict[int, Decimal] = {}
        ret: dict[int, Decimal] = {}
        for k, m in enumerate(self.months[self.s.start_month :]):
            frac = min(Decimal(1), Decimal(k + 1) / Decimal(duration))
            g703 = []
            for line in pc.lines:
                now = money(line.amount * frac)
                this = now - to_date.get(line.id, ZERO)
                ret_this = pct_of(this, pc.retainage_pct)
                g703.append(
                    G703Line(
                        self.ids("g703_line"),
                        line,
                        to_date.get(line.id, ZERO),
                        this,
                        ret.get(line.id, ZERO),
                        ret_this,
                    )
                )
                to_date[line.id] = now
                ret[line.id] = ret.get(line.id, ZERO) + ret_this
            net = sum(
                (
                    co.amount
                    for co in pc.change_orders
                    if co.status == "approved" and co.approved_on and co.approved_on <= m.end
                ),
                ZERO,
            )
            status = "under_review" if m.index == self.last and rng.random() < 0.4 else "approved"
            app = PaymentApplication(
                self.ids("payment_application"),
                k + 1,
                m,
                status,
                f"AR{p.job_compact}-{k + 1:02d}",
                g703,
                pc.original,
                net,
                prev_earned,
                pc.retainage_pct,
            )
            app.created_at = m.end.isoformat()
            app.updated_at = min(add_days(m.end, 0), self.c.as_of).isoformat()
            pc.pay_apps.append(app)
            prev_earned = app.earned_less_retainage
        pc.updated_at = stamp(self.months[self.last].end, rng)
        p.prime = pc

    def _change_events(self) -> None:
        rng, p = self.rng, self.p
        lines = [b for b in p.budget if b.in_sage and b.cost_code.in_sage]
        for n in range(1, rng.randint(1, 3) + 1):
            m = self.months[rng.randint(self.s.start_month, self.last)]
            day = add_days(m.start, rng.randint(0, 20))
            ce = ChangeEvent(
                self.ids("change_event"),
                n,
                f"Owner request {n}",
                rng.choice(("open", "closed")),
                stamp(day, rng),
                stamp(min(add_days(day, 9), self.c.as_of), rng),
            )
            for b in rng.sample(lines, min(len(lines), rng.randint(1, 3))):
                ce.lines.append(
                    (
                        self.ids("change_event_line"),
                        b,
                        rand_money(rng, 1_000, 40_000),
                        f"{b.cost_code.name}"[:60],
                    )
                )
            p.change_events.append(ce)


def _mixed(code: str, mask) -> str:
    """Swap the last separator for the other delimiter (`01-20-05` → `01-20.05`)."""
    sep = mask.separator
    other = "." if sep == "-" else "-"
    head, s, tail = code.rpartition(sep)
    return f"{head}{other}{tail}" if s else code
