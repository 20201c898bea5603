"""The Sage 300 CRE tables the test company holds, named as Sage's ODBC driver names them.

Names follow the driver's `StandardMode=1` scheme (MODULE_FILE__RECORD) from the
team's Sage reference (§2, §8). Sage publishes no data dictionary, so a few names are
reconstructed; every such table or column is listed in `INFERRED` with the reason,
so a real ODBC catalogue can correct it (see sandbox/sage/README.md).

Column types mirror what the driver returns: text as fixed-width strings, money as
floating double (the pipeline casts to DECIMAL), dates as dates, flags as 0/1.
This catalogue is the contract between the generator (sage/<TABLE>.csv headers) and
the test company (DDL).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "text" | "money" | "number" | "int" | "date" | "flag"
    length: int | None = None  # maximum width for text columns


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _t(name: str, n: int) -> Column:
    return Column(name, "text", n)


def _m(name: str) -> Column:
    return Column(name, "money")


def _d(name: str) -> Column:
    return Column(name, "date")


def _f(name: str) -> Column:
    return Column(name, "flag")


def _n(name: str) -> Column:
    return Column(name, "number")


def _i(name: str) -> Column:
    return Column(name, "int")


JOB, EXTRA, COST_CODE, CATEGORY = (
    _t("Job", 10),
    _t("Extra", 10),
    _t("Cost_Code", 12),
    _t("Category", 3),
)
VENDOR, INVOICE, COMMITMENT = _t("Vendor", 10), _t("Invoice", 15), _t("Commitment", 12)
DESCRIPTION = _t("Description", 30)
# A reference field the import writes and nothing else reads: the connector stamps the
# outbound idempotency key into it (see INFERRED). AP invoices use Invoice_Code_2.
REF_1 = _t("Ref_1", 32)

TABLES: tuple[Table, ...] = (
    # ---------------------------------------------------------------- company set-up
    Table(
        "COMPANY_INFORMATION",
        ("CNAME",),
        (_t("CNAME", 60),),
        "company name (dictionary-mode table)",
    ),
    Table(
        "TS_CTL_RECORD_3",
        ("FLDCODE", "Section"),
        (
            _i("FLDCODE"),
            _i("Section"),
            _i("CSLEN"),
            _t("CNDESC", 20),
            _t("CNPUNCT", 1),
            _f("CNTCAP"),
        ),
        "format control: one row per (field, section); FLDCODE 16 job, 18 cost code, 20 commitment",
    ),
    Table(
        "GLM_MASTER__ACCOUNT",
        ("Account",),
        (_t("Account", 25), _t("Account_Title", 40), _t("Account_Type", 20)),
    ),
    Table(
        "APM_MASTER__AP_CONTROLS",
        (),
        (
            _t("AP_Payable_Account", 25),
            _t("Commitment_Payable_Acct", 25),
            _t("PO_Payable_Account", 25),
            _d("Current_Month"),
        ),
        "AP settings; Current_Month is the open accounting month (INFERRED)",
    ),
    # ---------------------------------------------------------------- job cost masters
    Table(
        "JCM_MASTER__JOB",
        ("Job",),
        (
            JOB,
            DESCRIPTION,
            _t("Address_1", 30),
            _t("City", 20),
            _t("State", 4),
            _t("ZIP_Code", 10),
            _t("Status", 20),
            _f("On_Hold"),
            _f("Extras"),
            _f("Use_PJ_Change_Management"),
            _d("Estimated_Start_Date"),
            _d("Actual_Start_Date"),
            _d("Actual_Complete_Date"),
            _t("AR_Customer", 10),
            _t("Customer", 10),
            _n("Retainage_Percent"),
            _n("Contract_Retainage_Percent"),
            _m("Original_Contract_Amount"),
            _m("JTD_Aprvd_Contract_Chgs"),
            _m("Revised_Contract_Amount"),
            _m("JTD_Work_Billed"),
            _m("JTD_Retainage_Held"),
            _t("Cost_Account_Prefix", 22),
            _m("Total_Estimate"),
            _m("JTD_Cost"),
            _m("Original_Commitment"),
            _m("Approved_Commitment_Changes"),
            _n("Percent_Complete"),
            _m("Cost_At_Comp"),
            _m("Cost_To_Comp"),
        ),
    ),
    Table("JCM_MASTER__EXTRA", ("Job", "Extra"), (JOB, EXTRA, DESCRIPTION, _t("Status", 20))),
    Table(
        "JCM_MASTER__STANDARD_COST_CODE",
        ("Cost_Code",),
        (COST_CODE, DESCRIPTION, _f("Group_Cost_Code")),
    ),
    Table(
        "JCM_MASTER__STANDARD_CATEGORY",
        ("Category",),
        (CATEGORY, DESCRIPTION, _t("Accumulate_As", 20)),
    ),
    Table(
        "JCM_MASTER__COST_CODE",
        ("Job", "Extra", "Cost_Code"),
        (
            JOB,
            EXTRA,
            COST_CODE,
            DESCRIPTION,
            _f("Group_Cost_Code"),
            _t("Status", 20),
            _m("Original_Estimate"),
            _m("JTD_Aprvd_Estimate_Chgs"),
            _m("Total_Estimate"),
            _m("Original_Commitment"),
            _m("Approved_Commitment_Changes"),
            _m("Revised_Commitment"),
            _m("Commitment_Invoiced"),
            _m("JTD_Cost"),
            _m("JTD_Work_Billed"),
            _m("JTD_Retainage_Held"),
            _n("Percent_Complete"),
            _m("Cost_At_Comp"),
            _m("Cost_To_Comp"),
        ),
        "cost codes per job+extra; Percent_Complete/Cost_At_Comp/Cost_To_Comp are WIP outputs",
    ),
    Table(
        "JCM_MASTER__CATEGORY",
        ("Job", "Extra", "Cost_Code", "Category"),
        (
            JOB,
            EXTRA,
            COST_CODE,
            CATEGORY,
            DESCRIPTION,
            _t("Status", 20),
            _t("Accumulate_As", 20),
            _m("Original_Estimate"),
            _m("Pending_Estimate_Changes"),
            _m("Approved_Estimate_Changes"),
            _m("Total_Estimate"),
            _m("Original_Commitment"),
            _m("Approved_Commitment_Changes"),
            _m("Revised_Commitment"),
            _m("Commitment_Invoiced"),
            _m("JTD_Cost"),
            _t("Row_ID", 36),
            REF_1,
        ),
        "the estimate (budget) line",
    ),
    # ---------------------------------------------------------------- commitments
    Table(
        "JCM_MASTER__COMMITMENT",
        ("Commitment",),
        (
            COMMITMENT,
            _t("Commitment_Type", 20),
            DESCRIPTION,
            VENDOR,
            JOB,
            _d("Date"),
            _n("Retainage_Percent"),
            _f("Closed"),
            _m("Original_Commitment"),
            _m("Approved_Commitment_Changes"),
            _m("Revised_Commitment"),
            _m("Amount_Invoiced"),
            _m("Retainage_Held"),
            REF_1,
        ),
        "subcontracts and purchase orders (Commitment_Type 'Subcontract' | 'Purchase order')",
    ),
    Table(
        "JCM_MASTER__COMMITMENT_ITEM",
        ("Commitment", "Item_Number"),
        (
            COMMITMENT,
            _i("Item_Number"),
            DESCRIPTION,
            JOB,
            EXTRA,
            COST_CODE,
            CATEGORY,
            _n("Units"),
            _n("Unit_Cost"),
            _t("Unit_Description", 6),
            _m("Amount"),
            _m("Approved_Commitment_CO_Amount"),
            _m("Amount_Invoiced"),
            _n("Units_Invoiced"),
            _n("Retainage_Percent"),
            _m("Tax"),
            _t("Tax_Group", 6),
        ),
    ),
    Table(
        "JCM_MASTER__COMMITMENT_CO",
        ("Commitment", "Commitment_CO"),
        (
            COMMITMENT,
            _t("Commitment_CO", 10),
            DESCRIPTION,
            _d("Date"),
            _t("Status", 20),
            _m("Amount"),
            REF_1,
        ),
        "subcontract change orders (append-only)",
    ),
    Table(
        "JCM_MASTER__COMMITMENT_CO_ITEM",
        ("Commitment", "Commitment_CO", "Line_Number"),
        (
            COMMITMENT,
            _t("Commitment_CO", 10),
            _i("Line_Number"),
            _i("Item_Number"),
            DESCRIPTION,
            JOB,
            EXTRA,
            COST_CODE,
            CATEGORY,
            _n("Units"),
            _m("Amount"),
        ),
        "change order lines (INFERRED name; import record CCOI)",
    ),
    # ---------------------------------------------------------------- job cost transactions
    Table(
        "JCT_CURRENT__TRANSACTION",
        ("Run", "Sequence"),
        (
            _i("Run"),
            _i("Sequence"),
            JOB,
            EXTRA,
            COST_CODE,
            CATEGORY,
            _t("Transaction_Type", 20),
            _d("Transaction_Date"),
            _d("Accounting_Date"),
            DESCRIPTION,
            _n("Units"),
            _n("Unit_Cost"),
            _m("Amount"),
            _t("Application_of_Origin", 3),
            _t("Batch", 10),
            _t("Source", 20),
            VENDOR,
            INVOICE,
            _t("Commitment_Type", 20),
            COMMITMENT,
            _i("Commitment_Line_Item"),
            _t("Change_Order", 5),
            _t("Commitment_CO", 10),
            _m("Retainage"),
            _t("Draw", 10),
            _t("Customer", 10),
            _t("Row_ID", 36),
        ),
        "every job-cost posting; cost types 'AP cost','JC cost','PR cost','EQ cost'",
    ),
    # ---------------------------------------------------------------- accounts payable
    Table(
        "APM_MASTER__VENDOR",
        ("Vendor",),
        (
            VENDOR,
            _t("Name", 30),
            _t("Type", 10),
            _t("Address_1", 30),
            _t("City", 20),
            _t("State", 4),
            _t("ZIP", 10),
            _t("Telephone", 14),
            _t("Contact_1_Email_Address", 60),
            _f("On_Hold"),
            _t("Status", 10),
        ),
        "vendors; On_Hold and Status are INFERRED (no public hold/inactive column)",
    ),
    Table(
        "APM_MASTER__INVOICE",
        ("Vendor", "Invoice"),
        (
            VENDOR,
            INVOICE,
            DESCRIPTION,
            _t("Status", 20),
            _m("Amount"),
            _m("Tax"),
            _m("Retainage"),
            _m("Amount_Paid"),
            _m("Retainage_Held"),
            _m("Retainage_Paid"),
            _d("Invoice_Date"),
            _d("Payment_Date"),
            _d("Accounting_Date"),
            _t("Batch", 10),
            _i("Run"),
            _i("Sequence"),
            _i("Onhold_Status"),
            _t("Invoice_Code_1", 15),
            _t("Invoice_Code_2", 15),
        ),
        "AP invoices: gross Amount with Retainage held inside it",
    ),
    Table(
        "APM_MASTER__DISTRIBUTION",
        ("Vendor", "Invoice", "Dist_Seq"),
        (
            VENDOR,
            INVOICE,
            _i("Dist_Seq"),
            JOB,
            EXTRA,
            COST_CODE,
            CATEGORY,
            COMMITMENT,
            _i("Commitment_Line_Item"),
            _t("Expense_Account", 25),
            DESCRIPTION,
            _m("Amount"),
            _m("Amount_Paid"),
            _m("Retainage"),
            _m("Retainage_Paid"),
        ),
    ),
    # ---------------------------------------------------------------- AR / contracts
    Table(
        "ARM_MASTER__CUSTOMER",
        ("Customer",),
        (_t("Customer", 10), _t("Name", 30), _t("Telephone", 14), _t("Billing_Contact", 30)),
    ),
    Table(
        "CNC_ACTIVE__CONTRACT",
        ("Contract",),
        (
            _t("Contract", 10),
            JOB,
            _t("Customer", 10),
            DESCRIPTION,
            _t("Status", 20),
            _n("Retainage_Percent"),
            _m("Original_Contract_Total"),
        ),
        "prime (owner) contracts",
    ),
    Table(
        "CNC_ACTIVE__CONTRACT_ITEM",
        ("Contract", "Contract_Item"),
        (
            _t("Contract", 10),
            _t("Contract_Item", 10),
            JOB,
            _t("Customer", 10),
            DESCRIPTION,
            _t("Billing_Type", 20),
            _n("Retainage_Percent"),
            _m("Original_Contract_Total"),
            _t("Default_Revenue_Account", 25),
        ),
    ),
    Table(
        "CNA_ACTIVE__CONTRACT_ITEM_DERIVED",
        ("Contract", "Contract_Item"),
        (
            _t("Contract", 10),
            _t("Contract_Item", 10),
            _m("Revised_Contract"),
            _m("Approved_Contract_Changes"),
            _m("Total_Billed"),
            _m("Retainage_Held"),
            _m("Retainage_Billed"),
        ),
    ),
    Table(
        "CNC_ACTIVE__CHANGE_ORDER",
        ("Contract", "Change_Order"),
        (
            _t("Contract", 10),
            _t("Change_Order", 10),
            JOB,
            DESCRIPTION,
            _d("Date"),
            _t("Status", 20),
            _m("Amount"),
        ),
        "prime contract change orders (INFERRED name)",
    ),
    Table(
        "ART_CURRENT__TRANSACTION",
        ("Customer", "Invoice", "Actvty_Seq"),
        (
            _t("Customer", 10),
            INVOICE,
            _t("Draw", 10),
            JOB,
            _t("Contract", 10),
            _t("Transaction_Type", 20),
            _d("Transaction_Date"),
            _d("Accounting_Date"),
            DESCRIPTION,
            _m("Amount"),
            _m("Retainage"),
            _i("Actvty_Seq"),
        ),
        "AR activity: 'Issued invoice', 'Cash receipt', …",
    ),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}

# Names and columns reconstructed rather than seen in public code (see README.md).
INFERRED: dict[str, str] = {
    "APM_MASTER__AP_CONTROLS.Current_Month": "open accounting month; Sage keeps a current "
    "month per module, its ODBC column is not public",
    "APM_MASTER__VENDOR.On_Hold": "vendor hold flag: NOT FOUND publicly",
    "APM_MASTER__VENDOR.Status": "vendor active/inactive: NOT FOUND publicly",
    "JCM_MASTER__JOB.Extras": "the reference lists it as varchar(20) [S13], values not "
    "public; modelled as a 0/1 'job tracks extras' flag",
    "JCM_MASTER__COMMITMENT.Original_Commitment": "dictionary field samt; standard name "
    "borrowed from the JC cost-code record",
    "JCM_MASTER__COMMITMENT.Approved_Commitment_Changes": "dictionary field sapprco",
    "JCM_MASTER__COMMITMENT.Revised_Commitment": "derived total, named as on JC records",
    "JCM_MASTER__COMMITMENT.Retainage_Held": "retainage held to date on the commitment",
    "JCM_MASTER__COMMITMENT.Retainage_Percent": "import record C field 'retainage percent'",
    "JCM_MASTER__COMMITMENT.Date": "import record C field 'date'",
    "JCM_MASTER__COMMITMENT_ITEM.Approved_Commitment_CO_Amount": "dictionary field iappcoa",
    "JCM_MASTER__COMMITMENT_ITEM.Retainage_Percent": "import record CI 'retainage percent'",
    "JCM_MASTER__COMMITMENT_CO.Date": "import record CCO 'date'",
    "JCM_MASTER__COMMITMENT_CO.Status": "import record CCO 'status'",
    "JCM_MASTER__COMMITMENT_CO.Amount": "sum of the CO's lines",
    "JCM_MASTER__COMMITMENT_CO_ITEM": "table name; import record CCOI",
    "CNC_ACTIVE__CONTRACT.Description": "column not seen publicly",
    "CNC_ACTIVE__CONTRACT.Status": "column not seen publicly",
    "CNC_ACTIVE__CONTRACT.Retainage_Percent": "seen on contract items only",
    "CNC_ACTIVE__CONTRACT.Original_Contract_Total": "seen on contract items only",
    "CNC_ACTIVE__CHANGE_ORDER": "table name for prime contract changes",
    "JCM_MASTER__COMMITMENT.Ref_1": "reference field for the connector's idempotency "
    "stamp (the outbound key); real Sage: a custom field on the commitment. Empty in "
    "generated companies",
    "JCM_MASTER__COMMITMENT_CO.Ref_1": "reference field for the connector's idempotency "
    "stamp; real Sage: a custom field on the change order. Empty in generated companies",
    "JCM_MASTER__CATEGORY.Ref_1": "reference field for the connector's idempotency stamp "
    "of the last estimate import; real Sage: the estimate transaction's reference. Empty "
    "in generated companies",
}
