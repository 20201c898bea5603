"""The company model: one truth both systems are rendered from.

Every object carries what Procore shows and what Sage shows. Clean objects render
identically on both sides (after the documented translation); a planted
discrepancy is a field here that makes one side differ (`in_sage=False`,
`sage_amount_delta`, …), so the answer key and the data cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.generate.money import ZERO


@dataclass
class Month:
    index: int
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m")


@dataclass
class SageVendor:
    code: str
    name: str
    trade: str
    city: tuple[str, str, str]
    street: str
    phone: str
    email: str
    on_hold: bool = False


@dataclass
class ProcoreVendor:
    id: int
    name: str
    trade: str
    sage_code: str | None  # the Sage vendor this record really is (None: planted, unmapped)
    origin_id: str | None  # ERP link; None → linked by control/vendor_map.csv or not at all
    in_vendor_map: bool
    created_at: str
    sage: SageVendor | None = None
    exclusive: bool = False  # reserved for one planted object; never drawn for clean data


@dataclass
class Customer:
    code: str
    name: str
    phone: str
    contact: str


@dataclass
class Biller:
    """The Procore budget holder: the project itself or a sub job (= Sage extra)."""

    kind: str  # "Project" | "SubJob"
    id: int
    name: str
    extra: str  # Sage Extra ('' for the primary job)
    code: str = ""  # sub job code (= Extra)
    created_at: str = ""


@dataclass
class ParentCode:
    """A Procore division (parent) cost code: structure only, never posted to."""

    id: int
    code: str
    name: str
    biller: Biller
    created_at: str


@dataclass
class CostCode:
    """A Procore leaf cost code and the Sage job cost code it really is."""

    id: int
    code: str  # Procore `code` (no parent prefix)
    full_code: str  # Procore `full_code`: what translation reads
    name: str
    biller: Biller
    parent: ParentCode | None
    sage_code: str  # the Sage Cost_Code it denotes
    division: str
    created_at: str
    style: str  # standard | mixed | flat | legacy | irregular | planted
    in_sage: bool = True  # JCM_MASTER__COST_CODE row exists on the job+extra
    position: int = 0


@dataclass
class BudgetLine:
    """One budget row (Procore) = one JCM_MASTER__CATEGORY row (Sage)."""

    id: int
    wbs_id: int
    cost_code: CostCode
    category: str
    original: Decimal = ZERO
    modifications: Decimal = ZERO
    in_sage: bool = True
    sage_original_delta: Decimal = ZERO  # planted budget_mismatch
    created_at: str = ""

    @property
    def revised(self) -> Decimal:
        return self.original + self.modifications


@dataclass
class CommitmentLine:
    id: int
    position: int  # = Sage Item_Number
    budget: BudgetLine
    description: str
    amount: Decimal
    sage_amount_delta: Decimal = ZERO  # planted line/amount mismatch
    created_at: str = ""
    sov_detail_id: int | None = None  # the subcontractor SOV line detailing it (detail SOV)


@dataclass
class ChangeOrderLine:
    id: int
    position: int
    budget: BudgetLine
    description: str
    amount: Decimal
    amends: CommitmentLine | None  # the SOV line it changes; None = new scope line
    sage_item: int = 0  # Sage Item_Number it posts to


@dataclass
class ChangeOrder:
    id: int
    number: str  # = Sage Commitment_CO
    title: str
    status: str  # approved | pending | void
    created_on: dt.date
    approved_on: dt.date | None
    lines: list[ChangeOrderLine] = field(default_factory=list)
    in_sage: bool = True
    sage_amount_delta: Decimal = ZERO  # planted change_order_amount_mismatch
    created_at: str = ""
    updated_at: str = ""

    @property
    def amount(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass
class RequisitionItem:
    """One G703 line. Amounts are per line; see README for the Sage mapping."""

    id: int
    item_type: str  # contract_item | contract_detail_item | change_order_item
    line: CommitmentLine | ChangeOrderLine
    change_order: ChangeOrder | None
    scheduled_value: Decimal
    work_prev: Decimal
    work_this: Decimal
    stored: Decimal  # materials presently stored (balance, not in work)
    stored_prev: Decimal
    ret_work_prev: Decimal  # work retainage balance before this period
    ret_work_this: Decimal
    ret_work_released: Decimal
    ret_mat: Decimal  # materials retainage balance now
    ret_mat_prev: Decimal
    materials_moved: Decimal
    ret_mat_moved: Decimal
    retainage_pct: Decimal

    @property
    def to_date(self) -> Decimal:
        return self.work_prev + self.work_this + self.stored

    @property
    def gross_this(self) -> Decimal:
        """Sage distribution Amount: change in completed-and-stored to date."""
        return self.work_this + self.stored - self.stored_prev

    @property
    def ret_work_balance(self) -> Decimal:
        return self.ret_work_prev + self.ret_work_this - self.ret_work_released

    @property
    def retained_this(self) -> Decimal:
        """Sage distribution Retainage: retainage newly held this period."""
        return self.ret_work_this + self.ret_mat - self.ret_mat_prev

    @property
    def released_this(self) -> Decimal:
        return self.ret_work_released

    @property
    def sage_item(self) -> int:
        return self.line.position if isinstance(self.line, CommitmentLine) else self.line.sage_item


@dataclass
class Requisition:
    id: int
    number: int
    month: Month
    status: str  # approved | under_review
    invoice_number: str  # = Sage Invoice
    items: list[RequisitionItem]
    final: bool
    original_sum: Decimal
    net_change: Decimal
    previous_earned: Decimal  # less previous certificates for payment
    created_at: str = ""
    updated_at: str = ""
    in_sage: bool = True
    sage_amount_delta: Decimal = ZERO  # planted invoice_amount_mismatch
    sage_run: int = 0
    sage_seq: int = 0

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def gross_this(self) -> Decimal:
        return sum((i.gross_this for i in self.items), ZERO)

    @property
    def retained_this(self) -> Decimal:
        return sum((i.retained_this for i in self.items), ZERO)

    @property
    def released_this(self) -> Decimal:
        return sum((i.released_this for i in self.items), ZERO)

    @property
    def completed_to_date(self) -> Decimal:
        return sum((i.to_date for i in self.items), ZERO)

    @property
    def work_retainage(self) -> Decimal:
        return sum((i.ret_work_balance for i in self.items), ZERO)

    @property
    def materials_retainage(self) -> Decimal:
        return sum((i.ret_mat for i in self.items), ZERO)

    @property
    def total_retainage(self) -> Decimal:
        return self.work_retainage + self.materials_retainage

    @property
    def earned_less_retainage(self) -> Decimal:
        return self.completed_to_date - self.total_retainage

    @property
    def contract_sum(self) -> Decimal:
        return self.original_sum + self.net_change


@dataclass
class Commitment:
    id: int
    kind: str  # "WOC" (subcontract) | "POC" (purchase order)
    number: str  # Procore number = Sage Commitment
    title: str
    vendor: ProcoreVendor
    linked: bool  # origin_id = Sage Commitment
    retainage_pct: Decimal
    contract_date: dt.date
    status: str
    lines: list[CommitmentLine] = field(default_factory=list)
    change_orders: list[ChangeOrder] = field(default_factory=list)
    requisitions: list[Requisition] = field(default_factory=list)
    billing_months: list[int] = field(default_factory=list)
    created_at: str = ""
    updated_at: str = ""
    deleted_at: str | None = None
    in_sage: bool = True
    in_procore: bool = True
    sage_vendor: str = ""  # Sage Vendor on the Sage commitment (≠ mapped vendor if planted)
    sage_retainage_paid_early: bool = False  # planted retainage_mismatch
    void_invoice_of: Requisition | None = None  # clean mess: a voided duplicate AP invoice
    stored_month: int | None = None  # month index with materials stored on line 1
    plant: str = ""  # the exception type this dedicated commitment was built for
    detail_sov: bool = False  # billed on the subcontractor SOV: contract_detail_item rows

    @property
    def sage_type(self) -> str:
        return "Subcontract" if self.kind == "WOC" else "Purchase order"

    @property
    def original(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def approved_changes(self) -> Decimal:
        return sum((co.amount for co in self.change_orders if co.approved), ZERO)

    @property
    def pending_changes(self) -> Decimal:
        return sum((co.amount for co in self.change_orders if co.status == "pending"), ZERO)


@dataclass
class PrimeLine:
    id: int
    position: int  # = Sage Contract_Item
    cost_code: CostCode
    description: str
    amount: Decimal


@dataclass
class PrimeChangeOrder:
    id: int
    number: str  # = Sage Change_Order
    title: str
    status: str
    approved_on: dt.date | None
    created_on: dt.date
    lines: list[tuple[int, PrimeLine, Decimal]] = field(default_factory=list)  # (id, line, amt)

    @property
    def amount(self) -> Decimal:
        return sum((a for _, _, a in self.lines), ZERO)


@dataclass
class G703Line:
    id: int
    line: PrimeLine
    work_prev: Decimal
    work_this: Decimal
    ret_prev: Decimal
    ret_this: Decimal

    @property
    def to_date(self) -> Decimal:
        return self.work_prev + self.work_this

    @property
    def ret_balance(self) -> Decimal:
        return self.ret_prev + self.ret_this


@dataclass
class PaymentApplication:
    id: int
    number: int
    month: Month
    status: str
    invoice_number: str
    lines: list[G703Line]
    original_sum: Decimal
    net_change: Decimal
    previous_earned: Decimal
    retainage_pct: Decimal
    created_at: str = ""
    updated_at: str = ""

    @property
    def gross_this(self) -> Decimal:
        return sum((ln.work_this for ln in self.lines), ZERO)

    @property
    def retained_this(self) -> Decimal:
        return sum((ln.ret_this for ln in self.lines), ZERO)

    @property
    def completed_to_date(self) -> Decimal:
        return sum((ln.to_date for ln in self.lines), ZERO)

    @property
    def total_retainage(self) -> Decimal:
        return sum((ln.ret_balance for ln in self.lines), ZERO)

    @property
    def earned_less_retainage(self) -> Decimal:
        return self.completed_to_date - self.total_retainage


@dataclass
class PrimeContract:
    id: int
    number: str
    contract: str  # Sage Contract
    title: str
    customer: Customer
    retainage_pct: Decimal
    contract_date: dt.date
    lines: list[PrimeLine] = field(default_factory=list)
    change_orders: list[PrimeChangeOrder] = field(default_factory=list)
    pay_apps: list[PaymentApplication] = field(default_factory=list)
    created_at: str = ""
    updated_at: str = ""

    @property
    def original(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)

    @property
    def approved_changes(self) -> Decimal:
        return sum((co.amount for co in self.change_orders if co.status == "approved"), ZERO)


@dataclass
class DirectCostLine:
    id: int
    budget: BudgetLine
    description: str
    amount: Decimal


@dataclass
class DirectCost:
    id: int
    vendor: ProcoreVendor
    invoice_number: str
    day: dt.date
    status: str
    description: str
    lines: list[DirectCostLine]
    created_at: str = ""
    updated_at: str = ""
    drift: str = ""  # planted schema_drift: "number" | "unparseable"

    @property
    def amount(self) -> Decimal:
        return sum((ln.amount for ln in self.lines), ZERO)


@dataclass
class ChangeEvent:
    id: int
    number: int
    title: str
    status: str
    created_at: str
    updated_at: str
    lines: list[tuple[int, BudgetLine, Decimal, str]] = field(default_factory=list)


@dataclass
class Project:
    """One Procore project and its Sage job (either side may be absent)."""

    index: int
    id: int
    job: str  # the Sage Job
    name: str
    project_number: str  # Procore project_number
    origin_id: str | None
    city: tuple[str, str, str]
    street: str
    start: dt.date
    created_at: str
    customer: Customer
    retainage_pct: Decimal  # owner retainage
    coding: str  # standard | flat | legacy
    billers: list[Biller] = field(default_factory=list)
    parents: list[ParentCode] = field(default_factory=list)
    cost_codes: list[CostCode] = field(default_factory=list)
    budget: list[BudgetLine] = field(default_factory=list)
    budget_view_id: int = 0
    commitments: list[Commitment] = field(default_factory=list)
    prime: PrimeContract | None = None
    direct_costs: list[DirectCost] = field(default_factory=list)
    change_events: list[ChangeEvent] = field(default_factory=list)
    billing_periods: list[tuple[int, Month]] = field(default_factory=list)
    in_procore: bool = True
    in_sage: bool = True
    sage_status: str = "In Progress"
    overrides: list[tuple[str, str]] = field(default_factory=list)  # (procore code, sage code)
    updated_at: str = ""

    @property
    def extras(self) -> list[Biller]:
        return [b for b in self.billers if b.kind == "SubJob"]

    @property
    def job_compact(self) -> str:
        return self.job.replace("-", "")
