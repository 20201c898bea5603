"""Sage 300 CRE import-file record layouts (shared/reference/sage300cre.md §5).

One `RecordLayout` per record type; the writer (`formats.py`) renders lines with
`format_line`, the sandbox's import stand-in parses them back with `parse_line`, so both
sides agree on one definition, as Sage and its Import Format settings do.

Encoding rules (§5 "comma-delimited, quoted" [S27]; the `.jce` example of §5.2 [S10]):
the record id is bare; text is double-quoted (a quote inside doubled); an empty field is
empty (no quotes); numbers and dates are bare. Text longer than its field, an amount
with more integer digits than its field (`-9.2` = signed, 9 digits, 2 decimals), or more
decimals than the field holds is refused before any file is written — Sage would
truncate or reject it.

Dates use one setting, `date_format` (strftime), default `%m%d%Y`: the only format the
reference documents (§5.2, category record "date mmddyyyy" [S25]). Sage's AP import
reads dates in Tools → Options → Date Format (§5.1 [S20]); set `date_format` to match
that company setting when it differs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

DEFAULT_DATE_FORMAT = "%m%d%Y"
# Sage's ODBC/import code page (§1 connection keys, `CODEPAGE=1252`); files are written in
# it with Windows line ends, as Sage's Windows import expects.
ENCODING = "cp1252"
NEWLINE = "\r\n"

Kind = Literal["text", "money", "number", "int", "date"]


class LayoutError(ValueError):
    """A value does not fit its import field (width, digits, decimals, type). `rule` is
    the Rejection rule code: field_too_long, bad_value or not_in_layout."""

    def __init__(self, field: str, message: str, rule: str = "bad_value"):
        super().__init__(message)
        self.field = field
        self.rule = rule


@dataclass(frozen=True)
class Field:
    """One import field. `key`: the outbound record's column (None: always empty).
    `width`: text characters, or integer digits for money/number/int."""

    label: str
    key: str | None
    kind: Kind = "text"
    width: int | None = None
    decimals: int = 2


@dataclass(frozen=True)
class RecordLayout:
    record_id: str
    fields: tuple[Field, ...]
    source: str  # where the reference documents it

    @property
    def labels(self) -> list[str]:
        return ["Record ID", *(f.label for f in self.fields)]


def _text_field(label: str, key: str | None, width: int | None = None) -> Field:
    return Field(label, key, "text", width)


# -- AP invoices, Variable layout (§5.1): API header + APD distributions. The variable
# layout changes with AP Settings; these defaults are the fields §5.1 lists (tax tracked,
# no discount/misc deduction values sent). Compare with AP → Tools → Import Invoices →
# Import Format and pass a different layout to the connector if the company differs.
API = RecordLayout(
    "API",
    (
        _text_field("Vendor", "vendor", 10),
        _text_field("Invoice", "invoice", 15),
        _text_field("Description", "description", 30),
        Field("Amount", "amount", "money", 9),
        Field("Tax", "tax", "money", 7),
        Field("Discount Offered", None, "money", 9),
        Field("Misc Deduction", None, "money", 9),
        Field("Invoice Date", "invoice_date", "date"),
        Field("Payment Date", "payment_date", "date"),
        Field("Accounting Date", "accounting_date", "date"),
    ),
    "§5.1 API [S20][S27]",
)
APD = RecordLayout(
    "APD",
    (
        _text_field("Commitment", "commitment", 12),
        Field("Commitment Line Item", "commitment_line_item", "int", 5),
        _text_field("Job", "job", 10),
        _text_field("Extra", "extra", 10),
        _text_field("Cost Code", "cost_code", 12),
        _text_field("Category", "category", 3),
        _text_field("Expense Account", "expense_account", 25),
        Field("Amount", "amount", "money", 9),
        Field("Retainage", "retainage", "money", 9),
        _text_field("Description", "description", 30),
    ),
    "§5.1 APD [S20][S27][S31a]",
)

# -- JC commitments `.jcc` (§5.3 [S10]). C: header; CI: item; CCO / CCOI: change order.
_ADDRESS = tuple(
    _text_field(label, None, width)
    for label, width in (
        ("To Address 1", 30),
        ("To Address 2", 30),
        ("To City", 20),
        ("To State", 4),
        ("To ZIP", 10),
        ("Ship To Address 1", 30),
        ("Ship To Address 2", 30),
        ("Ship To City", 20),
        ("Ship To State", 4),
        ("Ship To ZIP", 10),
    )
)
C_COMMITMENT = RecordLayout(
    "C",
    (
        _text_field("Commitment", "commitment", 12),
        Field("Commitment Type", "commitment_type_code", "int", 1),  # 1 Subcontract, 2 PO
        _text_field("Description", "description", 30),
        _text_field("Vendor", "vendor", 10),
        Field("Date", "date", "date"),
        Field("Retainage Percent", "retainage_percent", "number", 3),
        Field("Committed to JC", "committed", "int", 1),
        Field("Closed", "closed_flag", "int", 1),
        Field("Printed", "printed", "int", 1),
        *_ADDRESS,
    ),
    "§5.3 C [S10]",
)
# Purchase orders (type 2) carry four more fields after the addresses (§5.3).
C_PO_EXTRA = (
    _text_field("Ordered By", None, 15),
    _text_field("Terms", None, 15),
    _text_field("Ship Via", None, 15),
    _text_field("FOB", None, 15),
)
CI = RecordLayout(
    "CI",
    (
        _text_field("Commitment", "commitment", 12),
        Field("Item Number", "item_number", "int", 5),
        _text_field("Description", "description", 30),
        Field("Retainage Percent", "retainage_percent", "number", 3),
        Field("Delivery Date", None, "date"),
        _text_field("Scope of Work", None, 30),
        _text_field("Job", "job", 10),
        _text_field("Extra", "extra", 10),
        _text_field("Cost Code", "cost_code", 12),
        _text_field("Category", "category", 3),
        _text_field("Tax Group", "tax_group", 6),
        Field("Tax", "tax", "money", 9),
        Field("Units", "units", "number", 8, 4),  # INFERRED: 4 places for unit prices
        Field("Unit Cost", "unit_cost", "money", 9, 4),
        _text_field("Unit Description", "unit_description", 6),
        Field("Amount", "amount", "money", 9),
    ),
    "§5.3 CI [S10]",
)
CCO = RecordLayout(
    "CCO",
    (
        _text_field("Commitment", "commitment", 12),
        _text_field("Commitment CO", "commitment_co", 10),
        _text_field("Description", "description", 30),
        Field("Printed", "printed", "int", 1),
        Field("Date", "date", "date"),
        _text_field("Type", None, 10),
        _text_field("Scope", None, 30),
        Field("Status", "status_code", "int", 1),  # 5 = approved, as the exporter writes
    ),
    "§5.3 CCO [S10]",
)
# CCOI "line number": the commitment item the change applies to (INFERRED — the record
# has no job/cost code/category, so it can only amend an existing item).
CCOI = RecordLayout(
    "CCOI",
    (
        _text_field("Commitment", "commitment", 12),
        _text_field("Commitment CO", "commitment_co", 10),
        Field("Line Number", "item_number", "int", 5),
        _text_field("Description", "description", 30),
        Field("Units", "units", "number", 8),
        Field("Amount", "amount", "money", 9),
    ),
    "§5.3 CCOI [S10]",
)
APPROVED_CO_STATUS = 5

# -- JC estimates `.jce` (§5.2 [S10][S25]): * job header, E extra header, C category line
# `C,"<Cost code>",,"<Category>",<mmddyyyy>,<units>,,<amount>,,,,,"<Extra>"`.
JCE_JOB = RecordLayout(
    "*",
    (_text_field("Job", "job", 10), _text_field("Job Description", "job_description", 30)),
    "§5.2 * [S10]",
)
JCE_EXTRA = RecordLayout("E", (_text_field("Extra", "extra", 10),), "§5.2 E [S10]")
JCE_CATEGORY = RecordLayout(
    "C",
    (
        _text_field("Cost Code", "cost_code", 15),
        _text_field("Description", None, 30),
        _text_field("Category", "category", 3),
        Field("Date", "date", "date"),
        Field("Quantity", None, "number", 8),
        _text_field("Unit Description", None, 4),
        Field("Amount", "amount", "money", 8),
        _text_field("Field 9", None),
        _text_field("Field 10", None),
        _text_field("Field 11", None),
        _text_field("Field 12", None),
        _text_field("Extra", "extra", 10),
    ),
    "§5.2 C [S10][S25]",
)

# -- Vendors: no Sage import layout exists (§5.5, NOT FOUND). A set-up worksheet (plain
# CSV with a header row) for a person to enter in AP → Vendors.
VENDOR_WORKSHEET = (
    ("Vendor", "vendor"),
    ("Name", "name"),
    ("Type", "type"),
    ("Address 1", "address_1"),
    ("City", "city"),
    ("State", "state"),
    ("ZIP", "zip"),
    ("Telephone", "telephone"),
    ("E-mail", "contact_1_email_address"),
    ("Procore name", "procore_name"),
    ("Similar Sage vendors", "similar_sage_vendors"),
    ("Note", "note"),
)


# ---------------------------------------------------------------------------- encoding
def _decimal(field: Field, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool | float):
        raise LayoutError(
            field.key or field.label, f"{field.label}: {value!r} must be an exact number"
        )
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise LayoutError(
            field.key or field.label, f"{field.label}: {value!r} is not a number"
        ) from exc
    places = 0 if field.kind == "int" else field.decimals
    exact = number.quantize(Decimal(1).scaleb(-places))
    if exact != number:
        raise LayoutError(
            field.key or field.label, f"{field.label} {value} has more than {places} decimal places"
        )
    if field.width is not None and abs(exact) >= Decimal(10) ** field.width:
        raise LayoutError(
            field.key or field.label,
            f"{field.label} {value} has more than {field.width} digits before the point",
            "field_too_long",
        )
    return exact


def encode(field: Field, value: Any, date_format: str) -> str:
    """One field as it appears in the file (see module doc)."""
    if field.kind == "text":
        text = "" if value is None else str(value).rstrip()
        if any(ch in text for ch in "\r\n\x00"):
            raise LayoutError(
                field.key or field.label, f"{field.label} {text!r} contains a line break"
            )
        try:
            text.encode(ENCODING)
        except UnicodeEncodeError as exc:
            raise LayoutError(
                field.key or field.label,
                f"{field.label} {text!r} has a character Sage's code page lacks",
            ) from exc
        if field.width is not None and len(text) > field.width:
            raise LayoutError(
                field.key or field.label,
                f"{field.label} {text!r} is {len(text)} characters; the import field holds "
                f"{field.width}",
                "field_too_long",
            )
        return '"' + text.replace('"', '""') + '"' if text else ""
    if field.kind == "date":
        if value is None or value == "":
            return ""
        try:
            day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
        except ValueError as exc:
            raise LayoutError(
                field.key or field.label, f"{field.label} {value!r} is not a date"
            ) from exc
        return day.strftime(date_format)
    number = _decimal(field, value)
    if number is None:
        return ""
    if field.kind != "int" and number == number.quantize(Decimal("0.01")):
        number = number.quantize(Decimal("0.01"))  # 2 places unless more are needed
    return str(number.normalize() if number.as_tuple().exponent < -2 else number)


def format_line(
    layout: RecordLayout,
    values: Mapping[str, Any],
    date_format: str,
    extra_fields: Sequence[Field] = (),
) -> str:
    """A whole record line (no line break)."""
    cells = [layout.record_id]
    for field in (*layout.fields, *extra_fields):
        cells.append(encode(field, values.get(field.key) if field.key else None, date_format))
    return ",".join(cells)


def decode(field: Field, cell: str, date_format: str) -> Any:
    """The value of one parsed cell (csv module output): text, Decimal, int, date or None."""
    if field.kind == "text":
        return cell
    if cell == "":
        return None
    if field.kind == "date":
        try:
            return dt.datetime.strptime(cell, date_format).date()
        except ValueError as exc:
            raise LayoutError(field.key or field.label, f"{field.label} {cell!r}: {exc}") from exc
    try:
        number = Decimal(cell)
    except InvalidOperation as exc:
        raise LayoutError(
            field.key or field.label, f"{field.label} {cell!r} is not a number"
        ) from exc
    return int(number) if field.kind == "int" else number


def parse_line(
    layout: RecordLayout,
    cells: Sequence[str],
    date_format: str,
    extra_fields: Sequence[Field] = (),
) -> dict[str, Any]:
    """The keyed values of one parsed record (cells[0] is the record id). Missing
    trailing cells read as empty, like Sage's import; extra cells are an error."""
    fields = (*layout.fields, *extra_fields)
    values = list(cells[1:])
    if len(values) > len(fields):
        raise LayoutError(
            layout.record_id,
            f"{layout.record_id} record has {len(values)} fields; the layout has {len(fields)}",
        )
    values += [""] * (len(fields) - len(values))
    return {
        f.key: decode(f, cell, date_format)
        for f, cell in zip(fields, values, strict=True)
        if f.key is not None
    }
