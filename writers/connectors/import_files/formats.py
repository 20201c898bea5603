"""Outbound records → the lines of Sage import files, one renderer per object type.

Each renderer returns the `FileContent`s it fills (name suffix, lines) and, per record,
where its lines are (`Location`s), for the manifest. `check(rec)` raises `LayoutError`
for what the layout cannot carry, so the connector refuses it before writing anything.

| object | file (after the batch stem) | layout | Sage takes it with |
|---|---|---|---|
| ap_invoices | `_ap_invoices.txt` | API + APD Variable §5.1 | AP Tools → Import Invoices |
| commitments | `_commitments.jcc` | C + CI §5.3 | JC Tools → Import Commitments |
| commitment_change_orders | `_change_orders.jcc` | CCO + CCOI §5.3 | same |
| jc_estimates | `_estimates.jce` | *, E, C §5.2 | JC Tools → Import Estimates |
| jc_estimates | `_estimate_changes.jce` | *, E, C §5.2 | same, "Import as an Approved
  Estimate Change" checked |
| vendors | `_vendors_worksheet.csv` | none exists §5.5 | a person, AP → Vendors |

Every import is followed by Tasks → Post Entries (§5 general mechanics).

Estimates carry **changes**, not totals: the original-estimate file holds
`original_estimate_change`, the approved-change file `approved_estimate_change` (both
INFERRED additive: Sage's estimate import creates estimate transactions, §5.2 [S23]);
a record whose two changes are zero writes one zero line (it creates the category line).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from writers.connector import OutboundRecord
from writers.connectors.import_files import layouts as L

ZERO = Decimal("0.00")


@dataclass
class FileContent:
    suffix: str  # appended to the batch stem
    format: str
    import_with: str
    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> int:
        """Append a line; its 1-based line number."""
        self.lines.append(line)
        return len(self.lines)


@dataclass(frozen=True)
class Location:
    suffix: str
    first_line: int
    last_line: int


IMPORT_WITH = {
    "ap_invoices": "AP → Tools → Import Invoices (Variable format), then Tasks → Post Entries",
    "commitments": "JC → Tools → Import Commitments, then Tasks → Post Entries",
    "commitment_change_orders": "JC → Tools → Import Commitments, then Tasks → Post Entries",
    "jc_estimates": "JC → Tools → Import Estimates, then Tasks → Post Entries",
    "jc_estimate_changes": "JC → Tools → Import Estimates with 'Import as an Approved "
    "Estimate Change' checked, then Tasks → Post Entries",
    "vendors": "no Sage import exists for vendors (reference §5.5): enter each row by hand "
    "in AP → Vendors",
}


def _type_code(header: Mapping[str, Any]) -> int | None:
    code = header.get("commitment_type_code")
    if code not in (None, ""):
        return int(code)
    return {"Subcontract": 1, "Purchase order": 2}.get(str(header.get("commitment_type") or ""))


def _money(value: Any) -> Decimal:
    return ZERO if value in (None, "") else Decimal(str(value)).quantize(ZERO)


# ------------------------------------------------------------------------ AP invoices
def _ap_lines(rec: OutboundRecord, date_format: str) -> list[str]:
    lines = [L.format_line(L.API, rec.header, date_format)]
    lines += [L.format_line(L.APD, line, date_format) for line in rec.lines]
    return lines


# ------------------------------------------------------------------------ commitments
def _commitment_lines(rec: OutboundRecord, date_format: str) -> list[str]:
    h = rec.header
    code = _type_code(h)
    header = {**h, "commitment_type_code": code, "committed": 1, "closed_flag": 0, "printed": 0}
    extra = L.C_PO_EXTRA if code == 2 else ()
    lines = [L.format_line(L.C_COMMITMENT, header, date_format, extra)]
    for line in rec.lines:
        pct = line.get("retainage_percent")
        values = {
            **line,
            "commitment": h.get("commitment"),
            "retainage_percent": h.get("retainage_percent") if pct in (None, "") else pct,
        }
        lines.append(L.format_line(L.CI, values, date_format))
    return lines


# ------------------------------------------------------------------------ change orders
def _change_order_lines(rec: OutboundRecord, date_format: str) -> list[str]:
    h = rec.header
    items = [line.get("item_number") for line in rec.lines]
    for line in rec.lines:
        if str(line.get("is_new_item")).lower() in ("1", "true", "t", "yes"):
            raise L.LayoutError(
                "item_number",
                f"CO line {line.get('line_number')} adds new commitment item "
                f"{line.get('item_number')}: the .jcc CCOI record (§5.3) carries no job, cost "
                "code or category, so it can only change an existing item. Add the item to "
                "the commitment in Sage first, or send this change order through the "
                "test-company connector.",
                "not_in_layout",
            )
    if len(set(items)) != len(items):
        raise L.LayoutError(
            "item_number",
            "two lines of this change order change the same commitment item; the CCOI "
            "record numbers lines by commitment item, so combine them into one line.",
            "not_in_layout",
        )
    header = {**h, "printed": 0, "status_code": L.APPROVED_CO_STATUS}
    lines = [L.format_line(L.CCO, header, date_format)]
    for line in rec.lines:
        values = {**line, "commitment": h.get("commitment"), "commitment_co": h["commitment_co"]}
        lines.append(L.format_line(L.CCOI, values, date_format))
    return lines


# ------------------------------------------------------------------------ estimates
def _estimate_amounts(rec: OutboundRecord) -> list[tuple[str, Decimal]]:
    """(file kind, change) pairs this estimate writes."""
    h = rec.header
    original = _money(h.get("original_estimate_change"))
    approved = _money(h.get("approved_estimate_change"))
    out = []
    if original or not approved:
        out.append(("jc_estimates", original))
    if approved:
        out.append(("jc_estimate_changes", approved))
    return out


def _estimate_line(rec: OutboundRecord, amount: Decimal, day: dt.date, date_format: str) -> str:
    values = {**rec.header, "amount": amount, "date": day}
    return L.format_line(L.JCE_CATEGORY, values, date_format)


# ------------------------------------------------------------------------ vendors
def _vendor_row(rec: OutboundRecord) -> list[str]:
    note = (
        "Enter by hand in Sage AP > Vendors: Sage has no vendor import layout "
        "(reference §5.5). " + str(rec.header.get("needs_approval_reason") or "")
    ).strip()
    values = {**rec.header, "note": note}
    return ["" if values.get(k) is None else str(values.get(k)) for _, k in L.VENDOR_WORKSHEET]


def _check_vendor_row(rec: OutboundRecord) -> None:
    for (label, key), cell in zip(L.VENDOR_WORKSHEET, _vendor_row(rec), strict=True):
        try:
            cell.encode(L.ENCODING)
        except UnicodeEncodeError as exc:
            raise L.LayoutError(
                key, f"{label} {cell!r} has a character Sage's code page 1252 lacks"
            ) from exc
        if any(ch in cell for ch in "\r\n"):
            raise L.LayoutError(key, f"{label} {cell!r} contains a line break")


def _csv_line(cells: Sequence[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="").writerow(cells)
    return buffer.getvalue()


# ------------------------------------------------------------------------ checks + render
def check(rec: OutboundRecord, date_format: str, day: dt.date) -> None:
    """Raise LayoutError if the record cannot be written in its layout."""
    render_one: dict[str, Callable[[], Any]] = {
        "ap_invoices": lambda: _ap_lines(rec, date_format),
        "commitments": lambda: _commitment_lines(rec, date_format),
        "commitment_change_orders": lambda: _change_order_lines(rec, date_format),
        "jc_estimates": lambda: (
            [_estimate_line(rec, amount, day, date_format) for _, amount in _estimate_amounts(rec)]
            + [L.format_line(L.JCE_JOB, rec.header, date_format)]
            + [L.format_line(L.JCE_EXTRA, rec.header, date_format)]
        ),
        "vendors": lambda: _check_vendor_row(rec),
    }
    render_one[rec.object_type]()


SUFFIX = {
    "ap_invoices": ("_ap_invoices.txt", "API/APD (AP invoice import, Variable layout, §5.1)"),
    "commitments": ("_commitments.jcc", "JC commitment import C/CI (§5.3)"),
    "commitment_change_orders": ("_change_orders.jcc", "JC commitment import CCO/CCOI (§5.3)"),
    "jc_estimates": ("_estimates.jce", "JC estimate import *, E, C — original estimate (§5.2)"),
    "jc_estimate_changes": (
        "_estimate_changes.jce",
        "JC estimate import *, E, C — approved estimate change (§5.2)",
    ),
    "vendors": ("_vendors_worksheet.csv", "vendor set-up worksheet for manual entry (§5.5)"),
}


def _file(kind: str) -> FileContent:
    suffix, fmt = SUFFIX[kind]
    return FileContent(suffix, fmt, IMPORT_WITH[kind])


def render(
    records: Sequence[OutboundRecord],
    *,
    date_format: str,
    day: dt.date,
    job_descriptions: Mapping[str, str] | None = None,
) -> tuple[list[FileContent], dict[str, list[Location]]]:
    """The files of one batch and each record's lines in them (records already checked)."""
    files: dict[str, FileContent] = {}
    where: dict[str, list[Location]] = {}

    def put(kind: str, key: str, lines: Sequence[str]) -> None:
        fc = files.setdefault(kind, _file(kind))
        first = len(fc.lines) + 1
        for line in lines:
            fc.add(line)
        where.setdefault(key, []).append(Location(fc.suffix, first, len(fc.lines)))

    estimates: list[OutboundRecord] = []
    for rec in records:
        key = rec.idempotency_key
        if rec.object_type == "ap_invoices":
            put("ap_invoices", key, _ap_lines(rec, date_format))
        elif rec.object_type == "commitments":
            put("commitments", key, _commitment_lines(rec, date_format))
        elif rec.object_type == "commitment_change_orders":
            put("commitment_change_orders", key, _change_order_lines(rec, date_format))
        elif rec.object_type == "jc_estimates":
            estimates.append(rec)
        elif rec.object_type == "vendors":
            if "vendors" not in files:
                files["vendors"] = _file("vendors")
                files["vendors"].add(_csv_line([label for label, _ in L.VENDOR_WORKSHEET]))
            put("vendors", key, [_csv_line(_vendor_row(rec))])
        else:  # the connector refuses other types before rendering
            raise ValueError(f"no import layout for {rec.object_type}")

    # .jce: records grouped under their job (*) and extra (E) headers
    def text(v: Any) -> str:
        return "" if v is None else str(v).rstrip()

    heads: dict[str, tuple[str, str]] = {}
    for rec in sorted(
        estimates, key=lambda r: (text(r.header.get("job")), text(r.header.get("extra")))
    ):
        job, extra = text(rec.header.get("job")), text(rec.header.get("extra"))
        for kind, amount in _estimate_amounts(rec):
            lines: list[str] = []
            prev = heads.get(kind)
            if prev is None or prev[0] != job:
                desc = (job_descriptions or {}).get(job, "")
                lines.append(L.format_line(L.JCE_JOB, {"job": job, "job_description": desc}, ""))
            if extra and prev != (job, extra):
                lines.append(L.format_line(L.JCE_EXTRA, {"extra": extra}, ""))
            heads[kind] = (job, extra)
            fc = files.setdefault(kind, _file(kind))
            for line in lines:
                fc.add(line)
            put(kind, rec.idempotency_key, [_estimate_line(rec, amount, day, date_format)])
    return list(files.values()), where
