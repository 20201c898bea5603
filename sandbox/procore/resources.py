"""Every Procore operation the emulator serves, in one table.

This registry is the contract between the generator (which writes
`procore/<resource>.json` in a scenario) and the emulator (which routes, scopes,
paginates and filters those records). Facts come from
`tests/fixtures/procore_openapi/` (Procore's published per-operation schemas) and
the team's Procore reference (§5 pagination, §8 filter support, §10 resources).

Scenario records carry one extra key, `_scope`, holding the ids of the path/query
scope the record lives under (e.g. `{"project_id": 12, "requisition_id": 55}`).
Procore does not return it; the emulator routes by it and strips it from every
response. Everything else in a record is a field Procore returns on at least one of the
resource's operations: a record holds the union of its list, show and API-version fields,
and each operation answers only the top-level fields its 200 schema declares
(`response_fields`, shipped as `fields.json`; rebuild with
`python -m sandbox.procore.build_fields`). (Optional: a record may also carry `_show`, an
object of field overrides used only by show views, for fields Procore shapes differently
in list and show; the emulator strips every `_` key.)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources as _package_data

# Procore documents no v1 default page size; 100 is what integrators assume and the
# emulator's choice (configurable). The documented maximum is "keep at or below 2,000".
V1_DEFAULT_PER_PAGE = 100
V1_MAX_PER_PAGE = 2000

UPDATED_AT = "updated_at"
CREATED_AT = "created_at"


@dataclass(frozen=True)
class Endpoint:
    """One served GET operation.

    `scope` maps each scope key of the stored records to where the request supplies
    it: "query" (e.g. `?project_id=`) or "path" (e.g. `/projects/{project_id}/…`).
    `filters` lists the `filters[...]` names Procore supports on this operation;
    any other filter is ignored, exactly as Procore ignores it.
    """

    operation_id: str
    path: str
    resource: str
    kind: str  # "list" | "show"
    scope: dict[str, str] = field(default_factory=dict)
    paginated: bool = True
    default_per_page: int = V1_DEFAULT_PER_PAGE
    max_per_page: int = V1_MAX_PER_PAGE
    filters: frozenset[str] = frozenset()
    include_deleted: bool = False  # supports filters[include_deleted]=only|with
    envelope: str | None = None  # "data" for v2 ({"data": [...]}, string ids)
    embed: dict[str, str] = field(default_factory=dict)  # key -> child resource embedded in show
    item_types: tuple[str, ...] = ()  # requisition item endpoints: which item_type values
    company_scoped_also: bool = False  # company-level records served under a project query too
    # `view=<name>` embeds children: view -> {key: child resource} (v1.1 requisitions `items`)
    views: dict[str, dict[str, str]] = field(default_factory=dict)
    # path params that select records by a field instead of `_scope`: param -> dotted field
    # (e.g. prime contract pay apps: `prime_contract_id` -> `contract.id`)
    match: dict[str, str] = field(default_factory=dict)
    # Procore adds keys its schema cannot name (budget detail rows: one key per visible
    # column of the budget view): undeclared top-level keys of a record are kept
    dynamic_fields: bool = False
    method: str = "GET"  # sync actions are PATCH (see SYNC_ENDPOINTS)
    show_operation: str | None = None  # sync: the GET-show whose shape entities take


P = "project_id"
C = "company_id"
Q = "query"
PATH = "path"
ID_FILTERS = frozenset({"id"})
TS_FILTERS = frozenset({CREATED_AT, UPDATED_AT})
LINE_FILTERS = frozenset({"id", CREATED_AT, UPDATED_AT, "cost_code_id", "line_item_type_id"})
CO_FILTERS = frozenset(
    {
        "id",
        "batch_id",
        "legacy_package_id",
        "contract_id",
        "vendor_id",
        "signature_required",
        "executed",
        "status",
        UPDATED_AT,
    }
)

ENDPOINTS: tuple[Endpoint, ...] = (
    # --- company directory -------------------------------------------------------------
    Endpoint("RestV10MeGet", "/rest/v1.0/me", "me", "show", paginated=False),
    Endpoint("RestV10CompaniesGet", "/rest/v1.0/companies", "companies", "list"),
    Endpoint(
        "RestV10ProjectsGet",
        "/rest/v1.0/projects",
        "projects",
        "list",
        scope={C: Q},
        filters=frozenset({"by_status", "name", CREATED_AT, UPDATED_AT, "origin_id", "id"}),
    ),
    Endpoint(
        "RestV11ProjectsGet",
        "/rest/v1.1/projects",
        "projects",
        "list",
        scope={C: Q},
        default_per_page=100,
        max_per_page=300,
        filters=frozenset(
            {"by_status", "name", "project_number", CREATED_AT, UPDATED_AT, "origin_id", "id"}
        ),
    ),
    Endpoint("RestV10ProjectsIdGet", "/rest/v1.0/projects/{id}", "projects", "show", scope={C: Q}),
    Endpoint(
        "RestV10VendorsGet",
        "/rest/v1.0/vendors",
        "vendors",
        "list",
        scope={C: Q},
        filters=frozenset({"origin_id", "search", CREATED_AT, UPDATED_AT, "id"}),
    ),
    Endpoint("RestV10VendorsIdGet", "/rest/v1.0/vendors/{id}", "vendors", "show", scope={C: Q}),
    Endpoint(
        "RestV10LineItemTypesGet",
        "/rest/v1.0/line_item_types",
        "line_item_types",
        "list",
        scope={C: Q},
        filters=frozenset({"origin_id"}),
        company_scoped_also=True,
    ),
    # --- project setup -----------------------------------------------------------------
    Endpoint(
        "RestV10CostCodesGet",
        "/rest/v1.0/cost_codes",
        "cost_codes",
        "list",
        scope={P: Q},
        filters=frozenset({"id", "origin_id"}),
    ),
    Endpoint(
        "RestV10CostCodesIdGet", "/rest/v1.0/cost_codes/{id}", "cost_codes", "show", scope={P: Q}
    ),
    Endpoint("RestV10SubJobsGet", "/rest/v1.0/sub_jobs", "sub_jobs", "list", scope={P: Q}),
    Endpoint(
        "RestV10BudgetViewsGet", "/rest/v1.0/budget_views", "budget_views", "list", scope={P: Q}
    ),
    Endpoint(
        "RestV10BudgetViewsBudgetViewIdDetailRowsGet",
        "/rest/v1.0/budget_views/{budget_view_id}/detail_rows",
        "budget_detail_rows",
        "list",
        scope={P: Q, "budget_view_id": PATH},
        dynamic_fields=True,
    ),
    # --- commitments -------------------------------------------------------------------
    Endpoint(
        "RestV10WorkOrderContractsGet",
        "/rest/v1.0/work_order_contracts",
        "work_order_contracts",
        "list",
        scope={P: Q},
        filters=frozenset({"id", "status", CREATED_AT, UPDATED_AT, "origin_id"}),
        include_deleted=True,
    ),
    Endpoint(
        "RestV10WorkOrderContractsIdGet",
        "/rest/v1.0/work_order_contracts/{id}",
        "work_order_contracts",
        "show",
        scope={P: Q},
        embed={"line_items": "work_order_contract_line_items"},
    ),
    Endpoint(
        "RestV10WorkOrderContractsWorkOrderContractIdLineItemsGet",
        "/rest/v1.0/work_order_contracts/{work_order_contract_id}/line_items",
        "work_order_contract_line_items",
        "list",
        scope={P: Q, "work_order_contract_id": PATH},
        filters=LINE_FILTERS,
    ),
    Endpoint(
        "RestV10WorkOrderContractsWorkOrderContractIdLineItemsIdGet",
        "/rest/v1.0/work_order_contracts/{work_order_contract_id}/line_items/{id}",
        "work_order_contract_line_items",
        "show",
        scope={P: Q, "work_order_contract_id": PATH},
    ),
    Endpoint(
        "RestV10PurchaseOrderContractsGet",
        "/rest/v1.0/purchase_order_contracts",
        "purchase_order_contracts",
        "list",
        scope={P: Q},
        filters=frozenset({"id", "status", CREATED_AT, UPDATED_AT, "origin_id"}),
        include_deleted=True,
    ),
    Endpoint(
        "RestV10PurchaseOrderContractsIdGet",
        "/rest/v1.0/purchase_order_contracts/{id}",
        "purchase_order_contracts",
        "show",
        scope={P: Q},
        embed={"line_items": "purchase_order_contract_line_items"},
    ),
    Endpoint(
        "RestV10PurchaseOrderContractsPurchaseOrderContractIdLineItemsGet",
        "/rest/v1.0/purchase_order_contracts/{purchase_order_contract_id}/line_items",
        "purchase_order_contract_line_items",
        "list",
        scope={P: Q, "purchase_order_contract_id": PATH},
        filters=LINE_FILTERS,
    ),
    Endpoint(
        "RestV10PurchaseOrderContractsPurchaseOrderContractIdLineItemsIdGet",
        "/rest/v1.0/purchase_order_contracts/{purchase_order_contract_id}/line_items/{id}",
        "purchase_order_contract_line_items",
        "show",
        scope={P: Q, "purchase_order_contract_id": PATH},
    ),
    Endpoint(
        "RestV10ProjectsProjectIdCommitmentChangeOrdersGet",
        "/rest/v1.0/projects/{project_id}/commitment_change_orders",
        "commitment_change_orders",
        "list",
        scope={P: PATH},
        paginated=False,
        filters=CO_FILTERS,
    ),
    Endpoint(
        "RestV10ProjectsProjectIdCommitmentChangeOrdersIdGet",
        "/rest/v1.0/projects/{project_id}/commitment_change_orders/{id}",
        "commitment_change_orders",
        "show",
        scope={P: PATH},
    ),
    Endpoint(
        "RestV20CompaniesCompanyIdProjectsProjectIdCommitmentChangeOrdersCommitmentChangeOrderIdLineItemsGet",
        "/rest/v2.0/companies/{company_id}/projects/{project_id}/commitment_change_orders/"
        "{commitment_change_order_id}/line_items",
        "commitment_change_order_line_items",
        "list",
        scope={P: PATH, "commitment_change_order_id": PATH},
        envelope="data",
        default_per_page=10,
        max_per_page=100,
    ),
    # --- prime contract side -----------------------------------------------------------
    Endpoint(
        "RestV10PrimeContractsGet",
        "/rest/v1.0/prime_contracts",
        "prime_contracts",
        "list",
        scope={P: Q},
        filters=frozenset({"id", UPDATED_AT}),
    ),
    Endpoint(
        "RestV10PrimeContractIdGet",
        "/rest/v1.0/prime_contract/{id}",
        "prime_contracts",
        "show",
        scope={P: Q},
        embed={"line_items": "prime_contract_line_items"},
    ),
    Endpoint(
        "RestV10PrimeContractsPrimeContractIdLineItemsGet",
        "/rest/v1.0/prime_contracts/{prime_contract_id}/line_items",
        "prime_contract_line_items",
        "list",
        scope={P: Q, "prime_contract_id": PATH},
        filters=LINE_FILTERS,
    ),
    Endpoint(
        "RestV10ProjectsProjectIdPrimeChangeOrdersGet",
        "/rest/v1.0/projects/{project_id}/prime_change_orders",
        "prime_change_orders",
        "list",
        scope={P: PATH},
        paginated=False,
        filters=CO_FILTERS,
    ),
    Endpoint(
        "RestV10ProjectsProjectIdPrimeChangeOrdersIdGet",
        "/rest/v1.0/projects/{project_id}/prime_change_orders/{id}",
        "prime_change_orders",
        "show",
        scope={P: PATH},
    ),
    Endpoint(
        "RestV20CompaniesCompanyIdProjectsProjectIdPrimeChangeOrdersPrimeChangeOrderIdLineItemsGet",
        "/rest/v2.0/companies/{company_id}/projects/{project_id}/prime_change_orders/"
        "{prime_change_order_id}/line_items",
        "prime_change_order_line_items",
        "list",
        scope={P: PATH, "prime_change_order_id": PATH},
        envelope="data",
        default_per_page=10,
        max_per_page=100,
    ),
    Endpoint(
        "RestV10ChangeEventsGet",
        "/rest/v1.0/change_events",
        "change_events",
        "list",
        scope={P: Q},
        filters=frozenset({"id", CREATED_AT, UPDATED_AT}),
        include_deleted=True,
    ),
    Endpoint(
        "RestV10ChangeEventsIdGet",
        "/rest/v1.0/change_events/{id}",
        "change_events",
        "show",
        scope={P: Q},
    ),
    # --- billing -----------------------------------------------------------------------
    Endpoint(
        "RestV10RequisitionsGet",
        "/rest/v1.0/requisitions",
        "requisitions",
        "list",
        scope={P: Q},
        filters=frozenset(
            {"id", "commitment_id", "period_id", "status", CREATED_AT, UPDATED_AT, "origin_id"}
        ),
    ),
    Endpoint(
        "RestV11RequisitionsGet",
        "/rest/v1.1/requisitions",
        "requisitions",
        "list",
        scope={P: Q},
        default_per_page=30,
        filters=frozenset(
            {
                "id",
                "commitment_id",
                "period_id",
                "status",
                CREATED_AT,
                UPDATED_AT,
                "origin_id",
                "is_last",
            }
        ),
        views={"items": {"items": "requisition_items"}},
    ),
    Endpoint(
        "RestV10RequisitionsIdGet",
        "/rest/v1.0/requisitions/{id}",
        "requisitions",
        "show",
        scope={P: Q},
    ),
    Endpoint(
        "RestV10RequisitionsRequisitionIdContractItemsGet",
        "/rest/v1.0/requisitions/{requisition_id}/contract_items",
        "requisition_items",
        "list",
        scope={P: Q, "requisition_id": PATH},
        item_types=("contract_item",),
    ),
    Endpoint(
        "RestV10RequisitionsRequisitionIdChangeOrderItemsGet",
        "/rest/v1.0/requisitions/{requisition_id}/change_order_items",
        "requisition_items",
        "list",
        scope={P: Q, "requisition_id": PATH},
        item_types=("change_order_item", "whole_change_order_item"),
        filters=frozenset({"change_order_id"}),
    ),
    Endpoint(
        "RestV10RequisitionsRequisitionIdContractDetailItemsGet",
        "/rest/v1.0/requisitions/{requisition_id}/contract_detail_items",
        "requisition_items",
        "list",
        scope={P: Q, "requisition_id": PATH},
        item_types=("contract_detail_item",),
    ),
    Endpoint(
        "RestV10ProjectsProjectIdBillingPeriodsGet",
        "/rest/v1.0/projects/{project_id}/billing_periods",
        "billing_periods",
        "list",
        scope={P: PATH},
        filters=frozenset({"id", CREATED_AT, UPDATED_AT, "status"}),
    ),
    Endpoint(
        "RestV10PaymentApplicationsGet",
        "/rest/v1.0/payment_applications",
        "payment_applications",
        "list",
        scope={P: Q},
    ),
    Endpoint(
        "RestV10PaymentApplicationsIdGet",
        "/rest/v1.0/payment_applications/{id}",
        "payment_applications",
        "show",
        scope={P: Q},
    ),
    Endpoint(
        "RestV10PrimeContractsPrimeContractIdPaymentApplicationsGet",
        "/rest/v1.0/prime_contracts/{prime_contract_id}/payment_applications",
        "payment_applications",
        "list",
        scope={P: Q},
        match={"prime_contract_id": "contract.id"},
        filters=frozenset({"id", "is_last"}),
    ),
    Endpoint(
        "RestV10ProjectsProjectIdDirectCostsGet",
        "/rest/v1.0/projects/{project_id}/direct_costs",
        "direct_costs",
        "list",
        scope={P: PATH},
        filters=frozenset(
            {
                "id",
                "origin_id",
                "invoice_number",
                CREATED_AT,
                UPDATED_AT,
                "payment_date",
                "received_date",
            }
        ),
    ),
    Endpoint(
        "RestV10ProjectsProjectIdDirectCostsIdGet",
        "/rest/v1.0/projects/{project_id}/direct_costs/{id}",
        "direct_costs",
        "show",
        scope={P: PATH},
    ),
    Endpoint(
        "RestV10ProjectsProjectIdDirectCostsLineItemsGet",
        "/rest/v1.0/projects/{project_id}/direct_costs/line_items",
        "direct_cost_line_items",
        "list",
        scope={P: PATH},
        filters=frozenset({"direct_cost_id"}) | LINE_FILTERS,
    ),
    Endpoint(
        "RestV10ProjectsProjectIdDirectCostsDirectCostIdLineItemsGet",
        "/rest/v1.0/projects/{project_id}/direct_costs/{direct_cost_id}/line_items",
        "direct_cost_line_items",
        "list",
        scope={P: PATH, "direct_cost_id": PATH},
        filters=LINE_FILTERS,
    ),
)

# Procore's sync actions (reference §11): `PATCH …/sync` with `{"updates": [...]}`, answered
# 200 `{"entities": [...], "errors": [...]}`. Scope "body" = the id comes in the JSON body
# (as the OAS requires; a query parameter is accepted too). Entities are shaped like the
# resource's GET show (`show_operation`). Not part of ENDPOINTS: the GET conformance tests
# and `fields.json` cover reads only. Semantics live in `writes.py`.
BODY = "body"
SYNC_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "RestV10VendorsSyncPatch",
        "/rest/v1.0/vendors/sync",
        "vendors",
        "sync",
        scope={C: BODY},
        paginated=False,
        method="PATCH",
        show_operation="RestV10VendorsIdGet",
    ),
    Endpoint(
        "RestV10WorkOrderContractsSyncPatch",
        "/rest/v1.0/work_order_contracts/sync",
        "work_order_contracts",
        "sync",
        scope={P: BODY},
        paginated=False,
        method="PATCH",
        show_operation="RestV10WorkOrderContractsIdGet",
        embed={"line_items": "work_order_contract_line_items"},
    ),
    Endpoint(
        "RestV10PurchaseOrderContractsSyncPatch",
        "/rest/v1.0/purchase_order_contracts/sync",
        "purchase_order_contracts",
        "sync",
        scope={P: BODY},
        paginated=False,
        method="PATCH",
        show_operation="RestV10PurchaseOrderContractsIdGet",
        embed={"line_items": "purchase_order_contract_line_items"},
    ),
    Endpoint(
        "RestV10ProjectsProjectIdDirectCostsSyncPatch",
        "/rest/v1.0/projects/{project_id}/direct_costs/sync",
        "direct_costs",
        "sync",
        scope={P: PATH},
        paginated=False,
        method="PATCH",
        show_operation="RestV10ProjectsProjectIdDirectCostsIdGet",
    ),
)

# Procore's Advanced Forecasting rows (v2.0): GET and POST on one path, the documented way
# to set a budget line's forecast to complete. Served over the budget detail rows (the
# forecast is stored on the line's row); semantics live in `forecasting.py`. Not part of
# ENDPOINTS, like the sync actions.
FORECAST_ROWS_PATH = (
    "/rest/v2.0/companies/{company_id}/projects/{project_id}/advanced_forecastings/rows"
)
FORECASTING_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsGet",
        FORECAST_ROWS_PATH,
        "budget_detail_rows",
        "forecast_rows",
        scope={C: PATH, P: PATH},
        default_per_page=10,
        max_per_page=100,
        envelope="data",
    ),
    Endpoint(
        "RestV20CompaniesCompanyIdProjectsProjectIdAdvancedForecastingsRowsPost",
        FORECAST_ROWS_PATH,
        "budget_detail_rows",
        "forecast_rows",
        scope={C: PATH, P: PATH},
        paginated=False,
        envelope="data",
        method="POST",
    ),
)

# Scenario files the generator writes, one per resource (procore/<resource>.json).
RESOURCES: tuple[str, ...] = tuple(dict.fromkeys(e.resource for e in ENDPOINTS))

# Scope keys every record of a resource carries in `_scope` (the emulator routes by them).
RESOURCE_SCOPE: dict[str, tuple[str, ...]] = {
    "me": (),
    "companies": (),
    "projects": ("company_id",),
    "vendors": ("company_id",),
    "line_item_types": ("company_id",),
    "cost_codes": ("project_id",),
    "sub_jobs": ("project_id",),
    "budget_views": ("project_id",),
    "budget_detail_rows": ("project_id", "budget_view_id"),
    "work_order_contracts": ("project_id",),
    "work_order_contract_line_items": ("project_id", "work_order_contract_id"),
    "purchase_order_contracts": ("project_id",),
    "purchase_order_contract_line_items": ("project_id", "purchase_order_contract_id"),
    "commitment_change_orders": ("project_id",),
    "commitment_change_order_line_items": ("project_id", "commitment_change_order_id"),
    "prime_contracts": ("project_id",),
    "prime_contract_line_items": ("project_id", "prime_contract_id"),
    "prime_change_orders": ("project_id",),
    "prime_change_order_line_items": ("project_id", "prime_change_order_id"),
    "change_events": ("project_id",),
    "requisitions": ("project_id",),
    "requisition_items": ("project_id", "requisition_id"),
    "billing_periods": ("project_id",),
    "payment_applications": ("project_id",),
    "direct_costs": ("project_id",),
    "direct_cost_line_items": ("project_id", "direct_cost_id"),
}

assert set(RESOURCE_SCOPE) == set(RESOURCES), set(RESOURCE_SCOPE) ^ set(RESOURCES)

# Which resource holds the parent named by a scope key (or a `match` path param): the
# emulator answers 404 when the parent does not exist in the request's project.
SCOPE_PARENT: dict[str, str] = {
    "project_id": "projects",
    "budget_view_id": "budget_views",
    "work_order_contract_id": "work_order_contracts",
    "purchase_order_contract_id": "purchase_order_contracts",
    "commitment_change_order_id": "commitment_change_orders",
    "prime_contract_id": "prime_contracts",
    "prime_change_order_id": "prime_change_orders",
    "requisition_id": "requisitions",
    "direct_cost_id": "direct_costs",
}


def endpoint(operation_id: str) -> Endpoint:
    """Look an endpoint up by its Procore operationId."""
    for e in ENDPOINTS:
        if e.operation_id == operation_id:
            return e
    raise KeyError(operation_id)


FIELDS_FILE = "fields.json"


@cache
def _fields() -> dict[str, tuple[str, ...]]:
    text = _package_data.files(__package__).joinpath(FIELDS_FILE).read_text(encoding="utf-8")
    return {op: tuple(names) for op, names in json.loads(text).items()}


def response_fields(operation_id: str) -> tuple[str, ...] | None:
    """The top-level fields the operation's 200 schema declares, in schema order (for v2
    envelopes: one `data` item's); None when the schema names none (served unprojected)."""
    return _fields().get(operation_id)


def endpoint_fields(endpoint: Endpoint) -> tuple[str, ...] | None:
    """What `endpoint` projects records onto: its declared fields, or None (every key
    kept) for dynamic-field endpoints and operations whose schema names no fields."""
    return None if endpoint.dynamic_fields else response_fields(endpoint.operation_id)
