"""Render the model as Procore API records (procore/<resource>.json).

Field names and JSON types follow the list operation's schema in
tests/fixtures/procore_openapi (and the show schema where the list schema is
empty): money and percents are strings, ids integers (strings in v2 line items),
dates `YYYY-MM-DD`, timestamps `YYYY-MM-DDTHH:MM:SSZ`. Every record carries
`_scope` with the keys of sandbox/procore/resources.RESOURCE_SCOPE.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sandbox.generate.coding import CATEGORIES, CATEGORY_BY_CODE, DIVISION_BY_NUMBER
from sandbox.generate.company import Company
from sandbox.generate.model import (
    BudgetLine,
    ChangeOrder,
    Commitment,
    CommitmentLine,
    CostCode,
    ParentCode,
    Project,
    Requisition,
    RequisitionItem,
)
from sandbox.generate.money import HUNDRED, ZERO, add_days, fmt

Record = tuple[str, dict]
USD = {"currency_iso_code": "USD"}
STAGE = {"id": 1_104, "name": "Course of Construction"}


def _pct(part: Decimal, whole: Decimal) -> str:
    """Procore's percent-complete format, e.g. "96.36%"."""
    value = (part / whole * HUNDRED) if whole else ZERO
    return f"{value:.2f}%"


def _date(day) -> str | None:
    return day.isoformat() if day else None


def lump_sum_amounts(amount: Decimal) -> dict:
    """The amount fields of a lump-sum v1 SOV line (commitment or prime contract)."""
    text = fmt(amount)
    return {
        "amount": text,
        "quantity": "1.0",
        "unit_cost": text,
        "uom": "LS",
        "total_amount": text,
        "extended_amount": text,
        "extended_type": "manual",
        "tax_code_id": None,
    }


def _user(company: Company) -> dict:
    uid, login, name = company.user
    return {"id": uid, "name": name, "login": login}


# --------------------------------------------------------------------------- company
def company_records(c: Company) -> Iterator[Record]:
    """Company directory: me, companies, line item types, vendors."""
    uid, login, name = c.user
    yield "me", {"id": uid, "login": login, "name": name, "_scope": {}}
    yield (
        "companies",
        {
            "id": c.company_id,
            "name": c.name,
            "is_active": True,
            "logo_url": None,
            "pcn_business_experience": False,
            "my_company": True,
            "_scope": {},
        },
    )
    scope = {"company_id": c.company_id}
    for cat in CATEGORIES:
        yield (
            "line_item_types",
            {
                "id": c.line_item_types[cat.code],
                "name": cat.procore_name,
                "code": cat.code,
                "base_type": cat.base_type,
                "origin_id": cat.code,
                "origin_data": None,
                "_scope": scope,
            },
        )
    for v in c.procore_vendors:
        sv = v.sage
        city = sv.city if sv else ("Sacramento", "CA", "958")
        yield (
            "vendors",
            {
                "id": v.id,
                "name": v.name,
                "abbreviated_name": v.name.split(",")[0][:20],
                "address": sv.street if sv else None,
                "city": city[0],
                "state_code": city[1],
                "zip": f"{city[2]}{v.id % 100:02d}",
                "country_code": "US",
                "business_phone": sv.phone if sv else None,
                "email_address": sv.email if sv else None,
                "is_active": True,
                "origin_id": v.origin_id,
                "origin_code": v.origin_id,
                "origin_data": None,
                "synced_to_erp": v.origin_id is not None,
                "company": v.name,
                "legal_name": v.name,
                "trade_name": None,
                "vendor_group": None,
                "created_at": v.created_at,
                "updated_at": v.created_at,
                "_scope": scope,
            },
        )


# --------------------------------------------------------------------------- project
def project_records(c: Company, p: Project) -> Iterator[Record]:
    """Every Procore record of one project, resource by resource."""
    if not p.in_procore:
        return
    yield "projects", _project(c, p)
    if not p.budget and not p.cost_codes:
        return
    r = _Renderer(c, p)
    yield from r.setup()
    yield from r.commitments()
    yield from r.prime()
    yield from r.billing()
    yield from r.direct_costs()
    yield from r.change_events()


def _project(c: Company, p: Project) -> dict:
    total = ZERO
    if p.prime:
        total = p.prime.original + p.prime.approved_changes
    end = add_days(p.start, 540)
    return {
        "id": p.id,
        "name": p.name,
        "display_name": f"{p.project_number} - {p.name}",
        "project_number": p.project_number,
        "address": p.street,
        "city": p.city[0],
        "state_code": p.city[1],
        "country_code": "US",
        "zip": f"{p.city[2]}{p.index % 90 + 10}",
        "county": None,
        "time_zone": "US/Pacific",
        "phone": None,
        "stage": STAGE["name"],
        "project_stage": dict(STAGE),
        "active": True,
        "is_demo": False,
        "origin_id": p.origin_id,
        "origin_code": p.origin_id,
        "origin_data": None,
        "accounting_project_number": p.origin_id,
        "is_erp_integrated": p.origin_id is not None,
        "total_value": fmt(total),
        "estimated_value": fmt(total),
        "start_date": p.start.isoformat(),
        "completion_date": end.isoformat(),
        "projected_finish_date": end.isoformat(),
        "company": {"id": c.company_id, "name": c.name},
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "_scope": {"company_id": c.company_id},
    }


class _Renderer:
    def __init__(self, c: Company, p: Project):
        self.c, self.p = c, p
        self.scope = {"project_id": p.id}
        self.budgeted = {b.cost_code.id for b in p.budget}

    # ----------------------------------------------------------------- references
    def lit(self, code: str) -> dict:
        cat = CATEGORY_BY_CODE[code]
        return {
            "id": self.c.line_item_types[code],
            "name": cat.procore_name,
            "code": code,
            "base_type": cat.base_type,
            "origin_id": code,
            "origin_data": None,
        }

    def code_ref(self, cc: CostCode) -> dict:
        return {
            "id": cc.id,
            "biller": cc.biller.name,
            "biller_id": cc.biller.id,
            "biller_type": cc.biller.kind,
            "budgeted": cc.id in self.budgeted,
            "code": cc.code,
            "full_code": cc.full_code,
            "name": cc.name,
            "origin_id": None,
            "origin_data": None,
            "parent": {"id": cc.parent.id} if cc.parent else None,
            "position": cc.position,
            "sortable_code": cc.full_code,
            "standard_cost_code_id": None,
            "created_at": cc.created_at,
            "updated_at": cc.created_at,
            "deleted_at": None,
        }

    @staticmethod
    def flat_code(b: BudgetLine) -> str:
        biller = b.cost_code.biller
        prefix = f"{biller.code}." if biller.kind == "SubJob" else ""
        return f"{prefix}{b.cost_code.full_code}.{b.category}"

    def wbs(self, b: BudgetLine) -> dict:
        return {
            "id": b.wbs_id,
            "flat_code": self.flat_code(b),
            "description": f"{b.cost_code.name}.{CATEGORY_BY_CODE[b.category].procore_name}",
        }

    def project_ref(self) -> dict:
        return {"id": self.p.id, "name": self.p.name}

    # ----------------------------------------------------------------- setup
    def setup(self) -> Iterator[Record]:
        p = self.p
        for b in p.extras:
            yield (
                "sub_jobs",
                {
                    "id": b.id,
                    "code": b.code,
                    "name": b.name,
                    "origin_id": None,
                    "origin_data": None,
                    "created_at": b.created_at,
                    "updated_at": b.created_at,
                    "_scope": self.scope,
                },
            )
        for pc in p.parents:
            yield "cost_codes", self._parent(pc)
        for cc in p.cost_codes:
            yield (
                "cost_codes",
                {
                    **self.code_ref(cc),
                    "biller_origin_id": None,
                    "standard_cost_code_list_id": None,
                    "line_item_types": [],
                    "_scope": self.scope,
                },
            )
        view = p.budget_view_id
        yield (
            "budget_views",
            {
                "id": view,
                "name": "Procore Standard Budget",
                "description": "Original budget, approved budget changes, revised budget",
                "created_at": p.created_at,
                "created_by": _user(self.c),
                "updated_at": p.updated_at,
                "role": "standard",
                "links": {
                    "detail_rows": f"/rest/v1.0/budget_views/{view}/detail_rows?project_id={p.id}",
                    "summary_rows": f"/rest/v1.0/budget_views/{view}/summary_rows?project_id="
                    f"{p.id}",
                },
                "_scope": self.scope,
            },
        )
        for b in p.budget:
            yield "budget_detail_rows", self._budget_row(b)

    def _parent(self, pc: ParentCode) -> dict:
        return {
            "id": pc.id,
            "biller": pc.biller.name,
            "biller_id": pc.biller.id,
            "biller_type": pc.biller.kind,
            "biller_origin_id": None,
            "budgeted": False,
            "code": pc.code,
            "full_code": pc.code,
            "name": pc.name,
            "origin_id": None,
            "origin_data": None,
            "parent": None,
            "position": 0,
            "sortable_code": pc.code,
            "standard_cost_code_id": None,
            "standard_cost_code_list_id": None,
            "created_at": pc.created_at,
            "updated_at": pc.created_at,
            "deleted_at": None,
            "line_item_types": [],
            "_scope": self.scope,
        }

    def _budget_row(self, b: BudgetLine) -> dict:
        cc = b.cost_code
        root = cc.parent
        root_label = f"{root.code} - {root.name}" if root else f"{cc.full_code} - {cc.name}"
        revised = b.revised
        return {
            "id": b.id,
            "deletable": False,
            "company_id": self.c.company_id,
            "company": self.c.name,
            "project_id": self.p.id,
            "project": self.p.name,
            "wbs_code_id": b.wbs_id,
            "biller_id": cc.biller.id,
            "biller": cc.biller.name,
            "biller_type": cc.biller.kind,
            "root_cost_code_id": root.id if root else cc.id,
            "root_cost_code": root_label,
            "cost_code_id": cc.id,
            "cost_code": f"{cc.full_code} - {cc.name}",
            "cost_code_origin_id": None,
            "category_id": self.c.line_item_types[b.category],
            "category": CATEGORY_BY_CODE[b.category].procore_name,
            "original_budget_amount": fmt(b.original),
            "budget_modifications": fmt(b.modifications),
            "revised_budget": fmt(revised),
            "budget_forecast": {
                "id": b.id,
                "manual_amount": "0.00",
                "automatic_amount": fmt(revised),
                "amount": fmt(revised),
                "automatically_calculated": True,
                "calculation_strategy": "automatic",
                "notes": None,
            },
            "currency_configuration": dict(USD),
            "unbudgeted_reason": None,
            "_scope": {"project_id": self.p.id, "budget_view_id": self.p.budget_view_id},
        }

    # ----------------------------------------------------------------- commitments
    def commitments(self) -> Iterator[Record]:
        for cm in self.p.commitments:
            if not cm.in_procore:
                continue
            woc = cm.kind == "WOC"
            resource = "work_order_contracts" if woc else "purchase_order_contracts"
            yield resource, self._commitment(cm)
            parent_key = "work_order_contract_id" if woc else "purchase_order_contract_id"
            for ln in cm.lines:
                yield f"{resource[:-1]}_line_items", self._line(cm, ln, parent_key)
        for cm in self.p.commitments:
            if not cm.in_procore:
                continue
            for co in cm.change_orders:
                yield "commitment_change_orders", self._cco(cm, co)
                for ln in co.lines:
                    yield (
                        "commitment_change_order_line_items",
                        {
                            "id": str(ln.id),
                            "prime_line_item_id": None,
                            "commitment_line_item_id": str(ln.amends.id) if ln.amends else None,
                            "description": ln.description,
                            "uom": "LS",
                            "quantity": 1.0,
                            "unit_cost": fmt(ln.amount),
                            "amount": fmt(ln.amount),
                            "extended_type": "manual",
                            "wbs_code_id": str(ln.budget.wbs_id),
                            "tax_code_id": None,
                            "position": ln.position,
                            "wbs_code": {**self.wbs(ln.budget), "id": str(ln.budget.wbs_id)},
                            "_scope": {
                                "project_id": self.p.id,
                                "commitment_change_order_id": co.id,
                            },
                        },
                    )

    def _commitment(self, cm: Commitment) -> dict:
        approved = [r for r in cm.requisitions if r.approved]
        paid = [r for r in approved if r.month.index < self.c.last_month]
        billed = approved[-1].completed_to_date if approved else ZERO
        payments = paid[-1].earned_less_retainage if paid else ZERO
        revised = cm.original + cm.approved_changes
        origin = cm.number if cm.linked else None
        rec = {
            "id": cm.id,
            "number": cm.number,
            "title": cm.title,
            "status": cm.status,
            "executed": cm.deleted_at is None,
            "accounting_method": "amount",
            "retainage_percent": fmt(cm.retainage_pct),
            "grand_total": fmt(cm.original),
            "approved_change_orders": fmt(cm.approved_changes),
            "pending_change_orders": fmt(cm.pending_changes),
            "pending_revised_contract": fmt(revised + cm.pending_changes),
            "draft_change_orders_amount": "0.00",
            "revised_contract": fmt(revised),
            "total_requisitions_amount": fmt(billed),
            "total_draw_requests_amount": "0.00",
            "total_payments": fmt(payments),
            "remaining_balance_outstanding": fmt(revised - payments),
            "percentage_paid": _pct(payments, revised).rstrip("%"),
            "contract_date": cm.contract_date.isoformat(),
            "execution_date": cm.contract_date.isoformat(),
            "issued_on_date": cm.contract_date.isoformat(),
            "signed_contract_received_date": cm.contract_date.isoformat(),
            "letter_of_intent_date": None,
            "returned_date": None,
            "approval_letter_date": None,
            "description": f"{cm.title}. Scope per plans and specifications.",
            "private": False,
            "show_line_items_to_non_admins": True,
            "requisitions_are_enabled": True,
            "vendor": {
                "id": cm.vendor.id,
                "company": cm.vendor.name,
                "origin_id": cm.vendor.origin_id,
                "origin_data": None,
            },
            "project": self.project_ref(),
            "origin_id": origin,
            "origin_code": origin,
            "origin_data": None,
            "created_at": cm.created_at,
            "updated_at": cm.updated_at,
            "deleted_at": cm.deleted_at,
            "currency_configuration": dict(USD),
        }
        if cm.kind == "WOC":  # (purchase orders have no inclusions/exclusions in Procore)
            rec |= {
                "inclusions": None,
                "exclusions": None,
                "contract_start_date": cm.contract_date.isoformat(),
                "contract_estimated_completion_date": _date(add_days(cm.contract_date, 200)),
                "actual_completion_date": (
                    cm.requisitions[-1].month.end.isoformat()
                    if cm.requisitions and cm.requisitions[-1].final
                    else None
                ),
            }
        else:
            rec |= {
                "delivery_date": _date(add_days(cm.contract_date, 30)),
                "ship_to_address": f"{self.p.street}, {self.p.city[0]} {self.p.city[1]}",
                "bill_to_address": None,
                "ship_via": "Supplier truck",
                "payment_terms": "Net 30",
                "billing_schedule_of_values_status": "approved",
            }
        rec["_scope"] = self.scope
        return rec

    def _line(self, cm: Commitment, ln: CommitmentLine, parent_key: str) -> dict:
        return {
            "id": ln.id,
            "position": ln.position,
            "description": ln.description,
            **lump_sum_amounts(ln.amount),
            "cost_code": self.code_ref(ln.budget.cost_code),
            "line_item_type": self.lit(ln.budget.category),
            "wbs_code": self.wbs(ln.budget),
            "holder": {
                "id": cm.id,
                "holder_type": "WorkOrderContract" if cm.kind == "WOC" else "PurchaseOrderContract",
            },
            "project": self.project_ref(),
            "origin_id": None,
            "origin_data": None,
            "change_event_line_item": None,
            "created_at": ln.created_at,
            "updated_at": ln.created_at,
            "currency_configuration": dict(USD),
            "_scope": {"project_id": self.p.id, parent_key: cm.id},
        }

    def _cco(self, cm: Commitment, co: ChangeOrder) -> dict:
        reviewed = None
        if co.approved_on:
            reviewed = f"{co.approved_on.isoformat()}T{co.updated_at[11:]}"
        return {
            "id": co.id,
            "contract_id": cm.id,
            "batch_id": None,
            "legacy_package_id": None,
            "legacy_request_id": None,
            "location_id": None,
            "number": co.number,
            "title": co.title,
            "description": co.title,
            "status": co.status,
            "revision": 0,
            "executed": co.approved,
            "paid": False,
            "signature_required": False,
            "private": False,
            "field_change": False,
            "grand_total": fmt(co.amount),
            "schedule_impact_amount": 0,
            "type": "CommitmentChangeOrder",
            "reference": None,
            "due_date": None,
            "invoiced_date": None,
            "revised_substantial_completion_date": None,
            "signed_change_order_received_date": _date(co.approved_on),
            "reviewed_at": reviewed,
            "created_at": co.created_at,
            "updated_at": co.updated_at,
            "created_by": _user(self.c),
            "currency_configuration": dict(USD),
            "_scope": self.scope,
        }

    # ----------------------------------------------------------------- owner side
    def prime(self) -> Iterator[Record]:
        pc = self.p.prime
        if pc is None:
            return
        approved = [a for a in pc.pay_apps if a.status == "approved"]
        billed = approved[-1].completed_to_date if approved else ZERO
        revised = pc.original + pc.approved_changes
        pending = sum((co.amount for co in pc.change_orders if co.status == "pending"), ZERO)
        yield (
            "prime_contracts",
            {
                "id": pc.id,
                "number": pc.number,
                "title": pc.title,
                "status": "Approved",
                "executed": True,
                "accounting_method": "amount",
                "retainage_percent": fmt(pc.retainage_pct),
                "grand_total": fmt(pc.original),
                "approved_change_orders": fmt(pc.approved_changes),
                "revised_contract_amount": fmt(revised),
                "pending_change_orders_amount": fmt(pending),
                "pending_revised_contract_amount": fmt(revised + pending),
                "draft_change_orders_amount": "0.00",
                "owner_invoices_amount": fmt(billed),
                "contract_date": pc.contract_date.isoformat(),
                "execution_date": pc.contract_date.isoformat(),
                "contract_start_date": self.p.start.isoformat(),
                "contract_estimated_completion_date": _date(add_days(self.p.start, 540)),
                "actual_completion_date": None,
                "contract_termination_date": None,
                "approval_letter_date": None,
                "letter_of_intent_date": None,
                "issued_on_date": pc.contract_date.isoformat(),
                "returned_date": None,
                "signed_contract_received_date": pc.contract_date.isoformat(),
                "description": f"Owner contract with {pc.customer.name}",
                "inclusions": None,
                "exclusions": None,
                "private": False,
                "show_line_items_to_non_admins": True,
                "origin_id": pc.contract if self.p.origin_id else None,
                "origin_code": pc.contract if self.p.origin_id else None,
                "origin_data": None,
                "created_at": pc.created_at,
                "updated_at": pc.updated_at,
                "deleted_at": None,
                "currency_configuration": dict(USD),
                "_scope": self.scope,
            },
        )
        for ln in pc.lines:
            yield (
                "prime_contract_line_items",
                {
                    "id": ln.id,
                    "position": ln.position,
                    "description": ln.description,
                    **lump_sum_amounts(ln.amount),
                    "cost_code": self.code_ref(ln.cost_code),
                    "line_item_type": None,
                    "wbs_code": None,
                    "holder": {"id": pc.id, "holder_type": "PrimeContract"},
                    "project": self.project_ref(),
                    "company": {"id": self.c.company_id, "name": self.c.name},
                    "origin_id": None,
                    "origin_data": None,
                    "change_event_line_item": None,
                    "created_at": pc.created_at,
                    "updated_at": pc.created_at,
                    "currency_configuration": dict(USD),
                    "_scope": {"project_id": self.p.id, "prime_contract_id": pc.id},
                },
            )
        for co in pc.change_orders:
            reviewed = f"{co.approved_on.isoformat()}T16:00:00Z" if co.approved_on else None
            yield (
                "prime_change_orders",
                {
                    "id": co.id,
                    "contract_id": pc.id,
                    "batch_id": None,
                    "legacy_package_id": None,
                    "legacy_request_id": None,
                    "location_id": None,
                    "number": co.number,
                    "title": co.title,
                    "description": co.title,
                    "status": co.status,
                    "revision": 0,
                    "executed": co.status == "approved",
                    "paid": False,
                    "signature_required": False,
                    "private": False,
                    "field_change": False,
                    "grand_total": fmt(co.amount),
                    "schedule_impact_amount": 0,
                    "type": "PrimeChangeOrder",
                    "reference": None,
                    "due_date": None,
                    "invoiced_date": None,
                    "paid_date": None,
                    "revised_substantial_completion_date": None,
                    "signed_change_order_received_date": _date(co.approved_on),
                    "reviewed_at": reviewed,
                    "created_at": f"{co.created_on.isoformat()}T15:00:00Z",
                    "updated_at": f"{(co.approved_on or co.created_on).isoformat()}T16:00:00Z",
                    "created_by": _user(self.c),
                    "currency_configuration": dict(USD),
                    "_scope": self.scope,
                },
            )
            for pos, (lid, line, amount) in enumerate(co.lines, start=1):
                yield (
                    "prime_change_order_line_items",
                    {
                        "id": str(lid),
                        "prime_line_item_id": str(line.id),
                        "description": f"{co.title} - {line.description}",
                        "uom": "LS",
                        "quantity": 1.0,
                        "unit_cost": fmt(amount),
                        "amount": fmt(amount),
                        "extended_type": "manual",
                        "wbs_code_id": None,
                        "tax_code_id": None,
                        "position": pos,
                        "wbs_code": None,
                        "_scope": {"project_id": self.p.id, "prime_change_order_id": co.id},
                    },
                )
        for app in pc.pay_apps:
            yield "payment_applications", self._pay_app(pc, app)

    def _pay_app(self, pc, app) -> dict:
        contract_sum = app.original_sum + app.net_change
        earned = app.earned_less_retainage
        g703 = []
        for n, ln in enumerate(app.lines, start=1):
            g703.append(
                {
                    "id": ln.id,
                    "item_number": n,
                    "description_of_work": ln.line.description,
                    "description_override": None,
                    "scheduled_value": fmt(ln.line.amount),
                    "work_completed_from_previous_application": fmt(ln.work_prev),
                    "work_completed_this_period": fmt(ln.work_this),
                    "materials_presently_stored": "0.00",
                    "total_completed_and_stored_to_date": fmt(ln.to_date),
                    "total_completed_and_stored_to_date_percent": _pct(ln.to_date, ln.line.amount),
                    "balance_to_finish": fmt(ln.line.amount - ln.to_date),
                    "work_completed_retainage_from_previous_application": fmt(ln.ret_prev),
                    "work_completed_retainage_retained_this_period": fmt(ln.ret_this),
                    "work_completed_retainage_percent_this_period": fmt(app.retainage_pct),
                    "work_completed_retainage_released_this_period": "0.00",
                    "work_completed_retainage_currently_retained": fmt(ln.ret_balance),
                    "materials_stored_retainage_currently_retained": "0.00",
                    "materials_stored_retainage_from_previous_application": "0.00",
                    "materials_stored_retainage_released_this_period": "0.00",
                    "materials_stored_retainage_retained_this_period": "0.00",
                    "materials_stored_retainage_percent_this_period": fmt(app.retainage_pct),
                    "total_retainage_currently_retained": fmt(ln.ret_balance),
                    "total_retainage_from_previous_application": fmt(ln.ret_prev),
                    "cost_code": {
                        "id": ln.line.cost_code.id,
                        "code": ln.line.cost_code.code,
                        "full_code": ln.line.cost_code.full_code,
                        "name": ln.line.cost_code.name,
                    },
                    "wbs_code": None,
                    "type": "PaymentApplicationContractItem",
                    "currency_configuration": dict(USD),
                }
            )
        m = app.month
        return {
            "id": app.id,
            "number": app.number,
            "invoice_number": app.invoice_number,
            "billing_date": m.end.isoformat(),
            "period_id": self._period_id(m.index),
            "period_start": m.start.isoformat(),
            "period_end": m.end.isoformat(),
            "status": app.status,
            "percent_complete": _pct(app.completed_to_date, contract_sum),
            "total_amount_paid": "0.00",
            "total_amount_accrued_this_period": fmt(app.gross_this),
            "formatted_contract_company": pc.customer.name,
            "description_type": "automatic",
            "origin_id": None,
            "origin_data": None,
            "currency_configuration": dict(USD),
            "g702": {
                "original_contract_sum": fmt(app.original_sum),
                "net_change_by_change_orders": fmt(app.net_change),
                "contract_sum_to_date": fmt(contract_sum),
                "total_completed_and_stored_to_date": fmt(app.completed_to_date),
                "completed_work_retainage_percent": fmt(app.retainage_pct),
                "completed_work_retainage_amount": fmt(app.total_retainage),
                "stored_materials_retainage_percent": fmt(app.retainage_pct),
                "stored_materials_retainage_amount": "0.00",
                "total_retainage": fmt(app.total_retainage),
                "total_earned_less_retainage": fmt(earned),
                "less_previous_certificates_for_payment": fmt(app.previous_earned),
                "current_payment_due": fmt(earned - app.previous_earned),
                "balance_to_finish_including_retainage": fmt(contract_sum - earned),
                "tax_applicable_to_this_payment": "0.00",
                "formatted_period": f"{m.start:%m/%d/%y} - {m.end:%m/%d/%y}",
                "positive_change_order_item_total": fmt(max(app.net_change, ZERO)),
                "negative_change_order_item_total": "0.00",
                "positive_previous_change_order_item_total": "0.00",
                "negative_previous_change_order_item_total": "0.00",
                "positive_new_change_order_item_total": "0.00",
                "negative_new_change_order_item_total": "0.00",
            },
            "billing_period": {
                "id": self._period_id(m.index),
                "start_date": m.start.isoformat(),
                "end_date": m.end.isoformat(),
            },
            "contract": {"id": pc.id, "type": "PrimeContract", "title": pc.title},
            "created_at": app.created_at,
            "updated_at": app.updated_at,
            "attachments": [],
            "g703": g703,
            "_scope": self.scope,
        }

    # ----------------------------------------------------------------- billing
    def _period_id(self, month_index: int) -> int | None:
        for pid, m in self.p.billing_periods:
            if m.index == month_index:
                return pid
        return None

    def billing(self) -> Iterator[Record]:
        last = self.c.last_month
        for pos, (pid, m) in enumerate(self.p.billing_periods, start=1):
            yield (
                "billing_periods",
                {
                    "id": pid,
                    "position": pos,
                    "start_date": m.start.isoformat(),
                    "end_date": m.end.isoformat(),
                    "due_date": add_days(m.end, -5).isoformat(),
                    "status": "open" if m.index == last else "closed",
                    "project_id": self.p.id,
                    "created_at": f"{add_days(m.start, -3).isoformat()}T12:00:00Z",
                    "updated_at": f"{min(add_days(m.end, 1), self.c.as_of).isoformat()}T12:00:00Z",
                    "_scope": self.scope,
                },
            )
        for cm in self.p.commitments:
            if not cm.in_procore:
                continue
            prev: Requisition | None = None
            for req in cm.requisitions:
                yield "requisitions", self._requisition(cm, req, prev)
                for pos, item in enumerate(req.items, start=1):
                    yield "requisition_items", self._item(req, item, pos)
                prev = req

    def _requisition(self, cm: Commitment, req: Requisition, prev: Requisition | None) -> dict:
        m = req.month
        earned = req.earned_less_retainage
        prev_change = prev.net_change if prev else ZERO
        pct = cm.retainage_pct
        return {
            "id": req.id,
            "project_id": self.p.id,
            "number": req.number,
            "commitment_id": cm.id,
            "commitment_type": "WorkOrderContract" if cm.kind == "WOC" else "PurchaseOrderContract",
            "contract_name": cm.title,
            "vendor_name": cm.vendor.name,
            "vendor_id": cm.vendor.id,
            "invoice_number": req.invoice_number,
            "invoice_type": "requisition",
            "period_id": self._period_id(m.index),
            "billing_date": m.end.isoformat(),
            "payment_date": add_days(m.end, 30).isoformat(),
            "requisition_start": m.start.isoformat(),
            "requisition_end": m.end.isoformat(),
            "status": req.status,
            "erp_status": "synced" if req.in_sage and req.approved else None,
            "final": req.final,
            "percent_complete": _pct(req.completed_to_date, req.contract_sum),
            "total_claimed_amount": fmt(req.gross_this),
            "origin_id": None,
            "origin_data": None,
            "comment": None,
            "deletable": False,
            "submitted_at": req.created_at[:10],
            "electronic_signature_id": None,
            "previous_requisition_id": prev.id if prev else None,
            "created_at": req.created_at,
            "updated_at": req.updated_at,
            "created_by": {
                "id": self.c.user[0],
                "name": self.c.user[2],
                "login": self.c.user[1],
                "company_name": cm.vendor.name,
            },
            "summary": {
                "original_contract_sum": fmt(req.original_sum),
                "net_change_by_change_orders": fmt(req.net_change),
                "contract_sum_to_date": fmt(req.contract_sum),
                "total_completed_and_stored_to_date": fmt(req.completed_to_date),
                "completed_work_retainage_percent": fmt(pct),
                "completed_work_retainage_amount": fmt(req.work_retainage),
                "stored_materials_retainage_percent": fmt(pct),
                "stored_materials_retainage_amount": fmt(req.materials_retainage),
                "total_retainage": fmt(req.total_retainage),
                "total_earned_less_retainage": fmt(earned),
                "less_previous_certificates_for_payment": fmt(req.previous_earned),
                "current_payment_due": fmt(earned - req.previous_earned),
                "balance_to_finish_including_retainage": fmt(req.contract_sum - earned),
                "tax_applicable_to_this_payment": "0.00",
                "formatted_period": f"{m.start:%m/%d/%y} - {m.end:%m/%d/%y}",
                "positive_change_order_item_total": fmt(req.net_change),
                "negative_change_order_item_total": "0.00",
                "positive_previous_change_order_item_total": fmt(prev_change),
                "negative_previous_change_order_item_total": "0.00",
                "positive_new_change_order_item_total": fmt(req.net_change - prev_change),
                "negative_new_change_order_item_total": "0.00",
            },
            "currency_configuration": dict(USD),
            "attachments": [],
            "_scope": self.scope,
        }

    def _item(self, req: Requisition, it: RequisitionItem, position: int) -> dict:
        budget = it.line.budget
        final_pct = "0.00" if req.final else fmt(it.retainage_pct)
        rec = {
            "id": it.id,
            "item_type": it.item_type,
            "line_item_id": it.line.id,
            "cost_code_id": budget.cost_code.id,
            "description_of_work": it.line.description,
            "position": position,
            "scheduled_value": fmt(it.scheduled_value),
            "work_completed_from_previous_application": fmt(it.work_prev),
            "work_completed_this_period": fmt(it.work_this),
            "materials_presently_stored": fmt(it.stored),
            "total_completed_and_stored_to_date": fmt(it.to_date),
            "total_completed_and_stored_to_date_percent": _pct(it.to_date, it.scheduled_value),
            "work_completed_retainage_from_previous_application": fmt(it.ret_work_prev),
            "work_completed_retainage_retained_this_period": fmt(it.ret_work_this),
            "work_completed_retainage_percent_this_period": final_pct,
            "work_completed_retainage_released_this_period": fmt(it.ret_work_released),
            "materials_stored_retainage_currently_retained": fmt(it.ret_mat),
            "materials_stored_retainage_percent_this_period": final_pct,
            "materials_stored_retainage_released_this_period": "0.00",
            "materials_moved": fmt(it.materials_moved),
            "materials_retainage_retained_moved": fmt(it.ret_mat_moved),
            "subcontractor_claimed_amount": fmt(it.gross_this),
            "wbs_code": self.wbs(budget),
            "currency_configuration": dict(USD),
        }
        if it.item_type == "change_order_item":
            amends = it.line.amends  # type: ignore[union-attr]
            rec |= {
                "commitment_line_item_id": amends.id if amends else None,
                "commitment_line_item_origin_id": None,
                "change_order_package_id": it.change_order.id if it.change_order else None,
            }
        elif it.item_type == "contract_detail_item":  # billed on the subcontractor SOV
            rec["detail_line_item_id"] = it.line.sov_detail_id  # type: ignore[union-attr]
        else:  # contract items only (the change-order and detail schemas have none of these)
            rec |= {
                "comment": None,
                "status": "approved" if req.approved else "under_review",
                "ssr_manual_override": False,
            }
        rec["_scope"] = {"project_id": self.p.id, "requisition_id": req.id}
        return rec

    # ----------------------------------------------------------------- direct costs
    def direct_costs(self) -> Iterator[Record]:
        for dc in self.p.direct_costs:
            total: object = fmt(dc.amount)
            if dc.drift == "number":
                total = float(dc.amount)
            elif dc.drift == "unparseable":
                total = f"USD {dc.amount:,.2f}"
            yield (
                "direct_costs",
                {
                    "id": dc.id,
                    "direct_cost_type": "invoice",
                    "status": dc.status,
                    "direct_cost_date": dc.day.isoformat(),
                    "invoice_number": dc.invoice_number,
                    "description": dc.description,
                    "amount": fmt(dc.amount),
                    "grand_total": total,
                    "terms": "Net 30",
                    "payment_date": add_days(dc.day, 30).isoformat(),
                    "received_date": dc.day.isoformat(),
                    "vendor": dc.vendor.name,
                    "vendor_id": dc.vendor.id,
                    "vendor_name": dc.vendor.name,
                    "employee": None,
                    "origin_id": None,
                    "origin_data": None,
                    "created_at": dc.created_at,
                    "updated_at": dc.updated_at,
                    "deleted_at": None,
                    "currency_configuration": dict(USD),
                    # the show schema has vendor as an object; the emulator serves `_show` there
                    "_show": {"vendor": {"id": dc.vendor.id, "name": dc.vendor.name}},
                    "_scope": self.scope,
                },
            )
        for dc in self.p.direct_costs:
            for pos, ln in enumerate(dc.lines, start=1):
                cc = ln.budget.cost_code
                yield (
                    "direct_cost_line_items",
                    {
                        "id": ln.id,
                        "amount": fmt(ln.amount),
                        "description": ln.description,
                        "quantity": "1.0",
                        "unit_cost": fmt(ln.amount),
                        "uom": "EA",
                        "total_amount": fmt(ln.amount),
                        "extended_amount": fmt(ln.amount),
                        "extended_type": "manual",
                        "tax_code_id": None,
                        "cost_code": {
                            "id": cc.id,
                            "full_code": cc.full_code,
                            "name": cc.name,
                            "origin_id": None,
                        },
                        "line_item_type": self.lit(ln.budget.category),
                        "wbs_code": self.wbs(ln.budget),
                        "holder": {"id": dc.id, "holder_type": "DirectCost"},
                        "project": self.project_ref(),
                        "origin_id": None,
                        "position": pos,
                        "created_at": dc.created_at,
                        "updated_at": dc.updated_at,
                        "currency_configuration": dict(USD),
                        "_scope": {"project_id": self.p.id, "direct_cost_id": dc.id},
                    },
                )

    # ----------------------------------------------------------------- change events
    def change_events(self) -> Iterator[Record]:
        for ce in self.p.change_events:
            lines = []
            for n, (lid, b, amount, desc) in enumerate(ce.lines, start=1):
                lines.append(
                    {
                        "id": lid,
                        "number": f"{n:03d}",
                        "description": desc,
                        "cost_code_id": b.cost_code.id,
                        "line_item_type_id": self.c.line_item_types[b.category],
                        "estimated_cost_amount": fmt(amount),
                        "event_id": ce.id,
                        "uom": "LS",
                        "status": ce.status,
                        "created_at": ce.created_at,
                        "updated_at": ce.updated_at,
                    }
                )
            yield (
                "change_events",
                {
                    "id": ce.id,
                    "number": ce.number,
                    "alphanumeric_number": str(ce.number),
                    "origin_id": None,
                    "origin_data": None,
                    "title": ce.title,
                    "description": f"{ce.title} ({DIVISION_BY_NUMBER['01'].name})",
                    "status": ce.status,
                    "project_id": self.p.id,
                    "created_at": ce.created_at,
                    "updated_at": ce.updated_at,
                    "deleted_at": None,
                    "event_type": "owner_change",
                    "event_scope": "out_of_scope",
                    "change_event_origin_id": None,
                    "change_event_origin_type": None,
                    "rfi": None,
                    "change_event_line_items": lines,
                    "change_order_change_reason": None,
                    "created_by": _user(self.c),
                    "attachments": [],
                    "rfqs": [],
                    "currency_configuration": dict(USD),
                    "_scope": self.scope,
                },
            )
