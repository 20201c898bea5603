"""What tieout reads from Procore, and the knobs of a sync.

`FAMILIES` is the resource table: for each warehouse table, the Procore list operation
(path, where the project/company scope goes, page size), how it is kept current
(`incremental` = `filters[updated_at]` cursor, `full` = Procore cannot filter it so it is
re-read whole on a slower cadence and diffed, `snapshot` = re-read whole every run because
one page is all it costs), its primary key, and its children (re-read only for parents
that changed). Facts come from the team's Procore reference (§5 pagination, §8 which lists
filter by `updated_at` and which take `include_deleted`, §10 resources) and from Procore's
per-operation OpenAPI schemas (operationIds below, copied in `schemas/`).

Table names are Procore's resource names and every Procore field keeps its name. tieout
adds only scope columns Procore leaves implicit (`project_id`, `company_id` and the parent
id of child rows, named as Procore names that id in its paths), `_tieout_key` where
Procore has no usable id (budget detail rows), and `_tieout_deleted` (dlt's hard-delete
flag: a row carrying it is deleted from the warehouse, never stored).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

# Procore documents no v1 maximum beyond "keep per_page at or below 2,000" (reference §5);
# v2 lists allow 100. Bigger pages = fewer requests, the scarce resource.
V1_PER_PAGE = 2000
V2_PER_PAGE = 100

COMPANY = "company_id"
PROJECT = "project_id"
UPDATED_AT = "updated_at"
DELETED_FLAG = "_tieout_deleted"
ROW_KEY = "_tieout_key"

Mode = Literal["snapshot", "incremental", "full"]


@dataclass(frozen=True)
class Endpoint:
    """One Procore GET list operation.

    `path` may hold `{company_id}`, `{project_id}` and a parent id named like the child's
    `parent_key` (`{work_order_contract_id}`); `query` names the scope
    values sent as query parameters (Procore wants `project_id` in the query on most v1
    lists, in the path on others).
    """

    operation_id: str
    path: str
    query: tuple[str, ...] = (PROJECT,)
    paginated: bool = True
    per_page: int = V1_PER_PAGE
    envelope: str | None = None  # "data": v2 bodies are {"data": [...]}
    params: tuple[tuple[str, str], ...] = ()  # fixed query parameters (e.g. view=items)


@dataclass(frozen=True)
class Table:
    """One warehouse table and what a valid record of it looks like.

    `schema_ops`: the OpenAPI operations whose 200 schema types this table's fields
    (`schemas/fields.json`). `money`/`percent`: decimal strings the schema leaves untyped
    (Procore sends money as strings; percents sometimes with a `%`). `required`: keys whose
    absence is schema drift (the fields the reconciliation models read).
    """

    name: str
    schema_ops: tuple[str, ...]
    partition: str = PROJECT  # column grouping rows for the deletion diff
    primary_key: str = "id"
    required: tuple[str, ...] = ("id",)
    money: tuple[str, ...] = ()
    percent: tuple[str, ...] = ()
    v2: bool = False  # v2 sends ids as strings; tieout stores them as integers like v1


@dataclass(frozen=True)
class Child:
    """Rows that belong to one parent record, re-read only when the parent changed.

    Exactly one way to read them: `embedded` (a key of the parent record, e.g. v1.1
    requisitions `view=items`), or `endpoint` (one list per parent, the parent id in the
    path), optionally with `batch` (one project-wide list, used when more than
    `batch_threshold` parents changed; the rows of changed parents are kept).
    """

    table: Table
    parent_key: str  # column holding the parent id (added to each row)
    endpoint: Endpoint | None = None
    embedded: str | None = None
    batch: Endpoint | None = None
    batch_parent: str | None = None  # dotted path to the parent id in a batch row


@dataclass(frozen=True)
class Family:
    """A parent table, how it is read and kept current, and its children."""

    table: Table
    endpoint: Endpoint
    level: Literal["company", "project"] = "project"
    mode: Mode = "incremental"
    include_deleted: bool = False  # filters[include_deleted]=with: soft deletes arrive
    children: tuple[Child, ...] = ()

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def tables(self) -> tuple[Table, ...]:
        return (self.table, *(c.table for c in self.children))


# --- hand-kept field facts the OpenAPI schemas leave out -----------------------------
LINE_MONEY = ("amount", "quantity", "unit_cost", "total_amount", "extended_amount")
COMMITMENT_MONEY = (
    "grand_total",
    "approved_change_orders",
    "pending_change_orders",
    "pending_revised_contract",
    "draft_change_orders_amount",
    "revised_contract",
    "total_requisitions_amount",
    "total_draw_requests_amount",
    "total_payments",
    "remaining_balance_outstanding",
)
COMMITMENT_PERCENT = ("retainage_percent", "percentage_paid")
G702_MONEY = (
    "original_contract_sum",
    "net_change_by_change_orders",
    "contract_sum_to_date",
    "total_completed_and_stored_to_date",
    "completed_work_retainage_amount",
    "stored_materials_retainage_amount",
    "total_retainage",
    "total_earned_less_retainage",
    "less_previous_certificates_for_payment",
    "current_payment_due",
    "balance_to_finish_including_retainage",
    "tax_applicable_to_this_payment",
    "positive_change_order_item_total",
    "negative_change_order_item_total",
    "positive_previous_change_order_item_total",
    "negative_previous_change_order_item_total",
    "positive_new_change_order_item_total",
    "negative_new_change_order_item_total",
)
G702_PERCENT = ("completed_work_retainage_percent", "stored_materials_retainage_percent")
REQUISITION_ITEM_MONEY = (
    "scheduled_value",
    "work_completed_from_previous_application",
    "work_completed_this_period",
    "materials_presently_stored",
    "total_completed_and_stored_to_date",
    "work_completed_retainage_from_previous_application",
    "work_completed_retainage_retained_this_period",
    "work_completed_retainage_released_this_period",
    "materials_stored_retainage_currently_retained",
    "materials_stored_retainage_released_this_period",
    "materials_moved",
    "materials_retainage_retained_moved",
    "subcontractor_claimed_amount",
    "scheduled_quantity",
    "scheduled_unit_price",
    "work_completed_this_period_quantity",
    "work_completed_from_previous_application_quantity",
)
REQUISITION_ITEM_PERCENT = (
    "total_completed_and_stored_to_date_percent",
    "work_completed_retainage_percent_this_period",
    "materials_stored_retainage_percent_this_period",
)


def _line_table(name: str, ops: tuple[str, ...], *, v2: bool = False) -> Table:
    money = ("amount", "unit_cost") if v2 else LINE_MONEY  # v2 `quantity` is a JSON number
    return Table(name, ops, required=("id", "amount"), money=money, v2=v2)


WOC_LINES = "RestV10WorkOrderContractsWorkOrderContractIdLineItemsGet"
POC_LINES = "RestV10PurchaseOrderContractsPurchaseOrderContractIdLineItemsGet"
COMMITMENT_REQUIRED = (
    "id",
    "number",
    "status",
    "vendor",
    "grand_total",
    "revised_contract",
    "retainage_percent",
    UPDATED_AT,
)
CO_REQUIRED = ("id", "contract_id", "number", "status", "grand_total", UPDATED_AT)


def _project_list(operation_id: str, path: str, **kw: Any) -> Endpoint:
    return Endpoint(operation_id, path, **kw)


def _in_path(operation_id: str, path: str, **kw: Any) -> Endpoint:
    return Endpoint(operation_id, path, query=(), **kw)


FAMILIES: tuple[Family, ...] = (
    # --- company directory -----------------------------------------------------------
    Family(
        Table(
            "projects",
            ("RestV10ProjectsGet",),
            partition=COMPANY,
            required=("id", "name", "project_number", "active", UPDATED_AT),
            money=("total_value", "estimated_value"),
        ),
        Endpoint("RestV10ProjectsGet", "/rest/v1.0/projects", query=(COMPANY,)),
        level="company",
        mode="snapshot",
    ),
    Family(
        Table(
            "vendors",
            ("RestV10VendorsGet",),
            partition=COMPANY,
            required=("id", "name", "origin_id", "is_active", UPDATED_AT),
        ),
        Endpoint("RestV10VendorsGet", "/rest/v1.0/vendors", query=(COMPANY,)),
        level="company",
    ),
    Family(
        Table(
            "line_item_types",
            ("RestV10LineItemTypesGet",),
            partition=COMPANY,
            required=("id", "code", "name", "base_type"),
        ),
        Endpoint("RestV10LineItemTypesGet", "/rest/v1.0/line_item_types", query=(COMPANY,)),
        level="company",
        mode="full",
    ),
    # --- project setup (Procore cannot filter these by updated_at) ------------------------
    Family(
        Table(
            "cost_codes",
            ("RestV10CostCodesGet",),
            required=("id", "full_code", "name", "biller_id", "biller_type"),
        ),
        _project_list("RestV10CostCodesGet", "/rest/v1.0/cost_codes"),
        mode="full",
    ),
    Family(
        Table("sub_jobs", ("RestV10SubJobsGet",), required=("id", "code", "name")),
        _project_list("RestV10SubJobsGet", "/rest/v1.0/sub_jobs"),
        mode="full",
    ),
    Family(
        Table("budget_views", ("RestV10BudgetViewsGet",), required=("id", "name")),
        _project_list("RestV10BudgetViewsGet", "/rest/v1.0/budget_views"),
        mode="full",
        children=(
            Child(
                Table(
                    "budget_detail_rows",
                    ("RestV10BudgetViewsBudgetViewIdDetailRowsGet",),
                    primary_key=ROW_KEY,
                    required=("cost_code_id", "category_id", "original_budget_amount"),
                    money=(
                        "original_budget_amount",
                        "budget_modifications",
                        "revised_budget",
                        "budget_forecast.amount",
                        "budget_forecast.automatic_amount",
                        "budget_forecast.manual_amount",
                    ),
                ),
                parent_key="budget_view_id",
                endpoint=_project_list(
                    "RestV10BudgetViewsBudgetViewIdDetailRowsGet",
                    "/rest/v1.0/budget_views/{budget_view_id}/detail_rows",
                ),
            ),
        ),
    ),
    # --- commitments --------------------------------------------------------------------
    Family(
        Table(
            "work_order_contracts",
            ("RestV10WorkOrderContractsGet",),
            required=COMMITMENT_REQUIRED,
            money=COMMITMENT_MONEY,
            percent=COMMITMENT_PERCENT,
        ),
        _project_list("RestV10WorkOrderContractsGet", "/rest/v1.0/work_order_contracts"),
        include_deleted=True,
        children=(
            Child(
                _line_table("work_order_contract_line_items", (WOC_LINES,)),
                parent_key="work_order_contract_id",
                endpoint=_project_list(
                    WOC_LINES, "/rest/v1.0/work_order_contracts/{work_order_contract_id}/line_items"
                ),
            ),
        ),
    ),
    Family(
        Table(
            "purchase_order_contracts",
            ("RestV10PurchaseOrderContractsGet",),
            required=COMMITMENT_REQUIRED,
            money=COMMITMENT_MONEY,
            percent=COMMITMENT_PERCENT,
        ),
        _project_list("RestV10PurchaseOrderContractsGet", "/rest/v1.0/purchase_order_contracts"),
        include_deleted=True,
        children=(
            Child(
                _line_table("purchase_order_contract_line_items", (POC_LINES,)),
                parent_key="purchase_order_contract_id",
                endpoint=_project_list(
                    POC_LINES,
                    "/rest/v1.0/purchase_order_contracts/{purchase_order_contract_id}/line_items",
                ),
            ),
        ),
    ),
    Family(
        Table(
            "commitment_change_orders",
            ("RestV10ProjectsProjectIdCommitmentChangeOrdersGet",),
            required=CO_REQUIRED,
            money=("grand_total",),
        ),
        _in_path(
            "RestV10ProjectsProjectIdCommitmentChangeOrdersGet",
            "/rest/v1.0/projects/{project_id}/commitment_change_orders",
            paginated=False,
        ),
        children=(
            Child(
                _line_table(
                    "commitment_change_order_line_items",
                    (
                        "RestV20CompaniesCompanyIdProjectsProjectIdCommitmentChangeOrders"
                        "CommitmentChangeOrderIdLineItemsGet",
                    ),
                    v2=True,
                ),
                parent_key="commitment_change_order_id",
                endpoint=_in_path(
                    "RestV20CompaniesCompanyIdProjectsProjectIdCommitmentChangeOrders"
                    "CommitmentChangeOrderIdLineItemsGet",
                    "/rest/v2.0/companies/{company_id}/projects/{project_id}"
                    "/commitment_change_orders/{commitment_change_order_id}/line_items",
                    per_page=V2_PER_PAGE,
                    envelope="data",
                ),
            ),
        ),
    ),
    # --- owner side ---------------------------------------------------------------------
    Family(
        Table(
            "prime_contracts",
            ("RestV10PrimeContractsGet",),
            required=("id", "number", "status", "grand_total", UPDATED_AT),
            money=("grand_total", "approved_change_orders"),
            percent=("retainage_percent",),
        ),
        _project_list("RestV10PrimeContractsGet", "/rest/v1.0/prime_contracts"),
        children=(
            Child(
                _line_table(
                    "prime_contract_line_items",
                    ("RestV10PrimeContractsPrimeContractIdLineItemsGet",),
                ),
                parent_key="prime_contract_id",
                endpoint=_project_list(
                    "RestV10PrimeContractsPrimeContractIdLineItemsGet",
                    "/rest/v1.0/prime_contracts/{prime_contract_id}/line_items",
                ),
            ),
        ),
    ),
    Family(
        Table(
            "prime_change_orders",
            ("RestV10ProjectsProjectIdPrimeChangeOrdersGet",),
            required=CO_REQUIRED,
            money=("grand_total",),
        ),
        _in_path(
            "RestV10ProjectsProjectIdPrimeChangeOrdersGet",
            "/rest/v1.0/projects/{project_id}/prime_change_orders",
            paginated=False,
        ),
        children=(
            Child(
                _line_table(
                    "prime_change_order_line_items",
                    (
                        "RestV20CompaniesCompanyIdProjectsProjectIdPrimeChangeOrders"
                        "PrimeChangeOrderIdLineItemsGet",
                    ),
                    v2=True,
                ),
                parent_key="prime_change_order_id",
                endpoint=_in_path(
                    "RestV20CompaniesCompanyIdProjectsProjectIdPrimeChangeOrders"
                    "PrimeChangeOrderIdLineItemsGet",
                    "/rest/v2.0/companies/{company_id}/projects/{project_id}"
                    "/prime_change_orders/{prime_change_order_id}/line_items",
                    per_page=V2_PER_PAGE,
                    envelope="data",
                ),
            ),
        ),
    ),
    Family(
        Table(
            "change_events",
            ("RestV10ChangeEventsGet",),
            required=("id", "number", "status", UPDATED_AT),
            money=("change_event_line_items[].estimated_cost_amount",),
        ),
        _project_list("RestV10ChangeEventsGet", "/rest/v1.0/change_events"),
        include_deleted=True,
    ),
    # --- billing ------------------------------------------------------------------------
    Family(
        Table(
            "requisitions",
            ("RestV11RequisitionsGet", "RestV10RequisitionsGet"),
            required=("id", "commitment_id", "number", "status", "summary", UPDATED_AT),
            money=("total_claimed_amount", *(f"summary.{f}" for f in G702_MONEY)),
            percent=("percent_complete", *(f"summary.{f}" for f in G702_PERCENT)),
        ),
        # v1.1 `view=items` embeds each invoice's items: no request per requisition.
        _project_list(
            "RestV11RequisitionsGet", "/rest/v1.1/requisitions", params=(("view", "items"),)
        ),
        children=(
            Child(
                Table(
                    "requisition_items",
                    (
                        "RestV10RequisitionsRequisitionIdContractItemsGet",
                        "RestV10RequisitionsRequisitionIdChangeOrderItemsGet",
                        "RestV10RequisitionsRequisitionIdContractDetailItemsGet",
                    ),
                    required=("id", "item_type", "scheduled_value"),
                    money=REQUISITION_ITEM_MONEY,
                    percent=REQUISITION_ITEM_PERCENT,
                ),
                parent_key="requisition_id",
                embedded="items",
            ),
        ),
    ),
    Family(
        Table(
            "billing_periods",
            ("RestV10ProjectsProjectIdBillingPeriodsGet",),
            required=("id", "start_date", "end_date", UPDATED_AT),
        ),
        _in_path(
            "RestV10ProjectsProjectIdBillingPeriodsGet",
            "/rest/v1.0/projects/{project_id}/billing_periods",
        ),
    ),
    Family(
        Table(
            "payment_applications",
            ("RestV10PaymentApplicationsGet",),
            required=("id", "number", "contract", "g702"),
            money=(
                "total_amount_accrued_this_period",
                "total_amount_paid",
                *(f"g702.{f}" for f in G702_MONEY),
            ),
            percent=("percent_complete", *(f"g702.{f}" for f in G702_PERCENT)),
        ),
        _project_list("RestV10PaymentApplicationsGet", "/rest/v1.0/payment_applications"),
        mode="full",
    ),
    Family(
        Table(
            "direct_costs",
            ("RestV10ProjectsProjectIdDirectCostsGet",),
            required=("id", "direct_cost_type", "status", "grand_total", UPDATED_AT),
            money=("amount", "grand_total"),
        ),
        _in_path(
            "RestV10ProjectsProjectIdDirectCostsGet",
            "/rest/v1.0/projects/{project_id}/direct_costs",
        ),
        children=(
            Child(
                _line_table(
                    "direct_cost_line_items",
                    (
                        "RestV10ProjectsProjectIdDirectCostsLineItemsGet",
                        "RestV10ProjectsProjectIdDirectCostsDirectCostIdLineItemsGet",
                    ),
                ),
                parent_key="direct_cost_id",
                endpoint=_in_path(
                    "RestV10ProjectsProjectIdDirectCostsDirectCostIdLineItemsGet",
                    "/rest/v1.0/projects/{project_id}/direct_costs/{direct_cost_id}/line_items",
                ),
                batch=_in_path(
                    "RestV10ProjectsProjectIdDirectCostsLineItemsGet",
                    "/rest/v1.0/projects/{project_id}/direct_costs/line_items",
                ),
                batch_parent="holder.id",
            ),
        ),
    ),
)

FAMILY_BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}
TABLES: dict[str, Table] = {t.name: t for f in FAMILIES for t in f.tables}
OAUTH_TOKEN = Endpoint("OauthTokenPost", "/oauth/token", query=(), paginated=False)

# Real Procore serves OAuth on a separate login host (reference §1); the emulator on one.
LOGIN_HOSTS: Mapping[str, str] = {
    "https://api.procore.com": "https://login.procore.com",
    "https://sandbox.procore.com": "https://login-sandbox.procore.com",
    "https://api-monthly.procore.com": "https://login-sandbox-monthly.procore.com",
}


@dataclass(frozen=True)
class ProcoreSettings:
    """Tunables of a sync; defaults suit a 20-60 project company on the real API.

    Each can be set in dlt config as `sources.procore.<name>` (env
    `SOURCES__PROCORE__<NAME>`), see `from_config`.
    """

    # incremental reads
    overlap_seconds: int = 600  # re-read this much before the cursor (clock skew, slow commits)
    future_seconds: int = 86_400  # upper bound of the range: now + this (server clock ahead)
    full_pull_hours: float = 24.0  # unfilterable resources re-read at most this often
    sweep_hours: float = 24.0  # filtered resources re-listed whole (hard deletes) this often
    batch_threshold: int = 1  # more changed parents than this → one project-wide child list
    include_inactive_projects: bool = False  # fan out to inactive projects too
    # rate limits (X-Rate-Limit-* headers)
    rate_reserve: int = 1  # keep this many requests of a window unspent
    rate_spread_fraction: float = 0.1  # below this share left, spread requests to the reset
    max_wait_seconds: float = 3700.0  # longest pause for a window or Retry-After
    # retries
    max_retries: int = 5  # 5xx, timeouts, connection errors, malformed bodies (per request)
    max_throttle_retries: int = 30  # 429s per request before the resource fails
    backoff_seconds: float = 0.5  # first backoff; doubles per retry
    backoff_max_seconds: float = 30.0
    max_walk_restarts: int = 2  # re-walk a list whose `Total` moved between pages
    # auth and transport
    token_refresh_margin: int = 300  # refresh this long before `expires_in` runs out
    connect_timeout: float = 10.0
    read_timeout: float = 120.0

    @classmethod
    def from_config(cls, overrides: Mapping[str, Any] | None = None) -> ProcoreSettings:
        """Defaults, then `sources.procore.<field>` from dlt config, then `overrides`."""
        import dlt

        values: dict[str, Any] = {}
        defaults = cls()
        for f in fields(cls):
            found = dlt.config.get(f"sources.procore.{f.name}")
            if found is not None:
                values[f.name] = _coerce(found, getattr(defaults, f.name))
        return replace(cls(**values), **dict(overrides or {}))


def _coerce(value: Any, like: Any) -> Any:
    """A config value (often a string from the environment) as the default's type."""
    if isinstance(like, bool):
        return (
            value
            if isinstance(value, bool)
            else str(value).strip().lower() in ("1", "true", "yes", "on")
        )
    return type(like)(value)
