"""A stand-in for Sage 300 CRE's own Tools → Import + Post Entries, for the test company.

`import_files(database, out_dir)` does what Sage (driven by a macro or a person) does with
the import folder the import-file connector (writers/connectors/import_files) fills: it
**parses the files** — never tieout's outbox or manifests — validates every record with
the test company's Sage rules, posts the accepted ones through the test-company
connector's posting code (unstamped, as Sage's import leaves Ref_1 empty), writes the
refused records to a reject file in the same layout (`rejected/<file>`, correctable and
re-importable, reference §5 "General mechanics"), and moves each processed file to
`imported/`. That the test company ends up holding the records proves the files carry
everything Sage needs.

One transaction per file: a failure leaves the company and the file as they were. Files
are taken oldest batch first (the stem is a timestamp) and, within a batch, vendors,
commitments, change orders, AP invoices, then estimates. Hidden folders (a connector's
uncommitted staging), `*.tmp` and manifests are never read.

Vendors: Sage has no vendor import (§5.5). The worksheet waits for a person, and is left
in place, unless `enter_vendor_worksheets=True` plays that person: each row is checked
with the vendor rules and entered into APM_MASTER__VENDOR.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from writers.connector import OutboundRecord, Rejection
from writers.connectors.import_files import layouts as L
from writers.connectors.test_company import TestCompanyConnector

ZERO = Decimal("0.00")

# file-name ending → (what the import is, the object type its records are)
KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("_vendors_worksheet.csv", "vendor_worksheet", ("vendors",)),
    ("_commitments.jcc", "jcc", ("commitments", "commitment_change_orders")),
    ("_change_orders.jcc", "jcc", ("commitments", "commitment_change_orders")),
    (".jcc", "jcc", ("commitments", "commitment_change_orders")),
    ("_ap_invoices.txt", "ap", ("ap_invoices",)),
    ("_estimate_changes.jce", "jce_approved_change", ("jc_estimates",)),
    (".jce", "jce", ("jc_estimates",)),
)
_ORDER = [k for _, k, _ in KINDS]


@dataclass(frozen=True)
class RejectedRecord:
    first_line: int
    last_line: int
    rule: str
    reason: str


@dataclass
class FileReport:
    name: str
    kind: str
    imported: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)
    reject_file: str | None = None
    waiting: bool = False  # a vendor worksheet left for a person


@dataclass
class ImportReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(f.imported for f in self.files)

    @property
    def rejected(self) -> list[RejectedRecord]:
        return [r for f in self.files for r in f.rejected]


@dataclass
class _Parsed:
    """One record read from a file: its lines and the record the posting code takes."""

    first_line: int
    last_line: int
    raw: list[str]  # the lines a reject file repeats (with the headers it needs)
    record: OutboundRecord | None = None
    error: Rejection | None = None


def _kind(name: str) -> tuple[str, tuple[str, ...]] | None:
    if name.startswith(".") or name.endswith(".tmp"):
        return None
    for suffix, kind, types in KINDS:
        if name.endswith(suffix):
            return kind, types
    return None


def _cells(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _sum(lines: Sequence[dict[str, Any]], key: str) -> Decimal:
    return sum((Decimal(str(x.get(key) or 0)) for x in lines), ZERO)


# ----------------------------------------------------------------------------- parsers
def _groups(
    lines: Sequence[str], heads: set[str], child: dict[str, str]
) -> list[tuple[int, list[tuple[int, list[str]]]]]:
    """Header records with their child records: [(first line, [(line no, cells)…])]."""
    groups: list[tuple[int, list[tuple[int, list[str]]]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cells = _cells(line)
        rid = cells[0] if cells else ""
        if rid in heads or not groups or rid not in child.values():
            groups.append((number, [(number, cells)]))
        else:
            groups[-1][1].append((number, cells))
    return groups


def _bad(key: str, number: int, last: int, lines: Sequence[str], message: str) -> _Parsed:
    return _Parsed(
        number, last, list(lines[number - 1 : last]), error=Rejection(key, "bad_format", message)
    )


def _parse_ap(name: str, lines: Sequence[str], fmt: str, sage: Any) -> list[_Parsed]:
    out = []
    for first, group in _groups(lines, {"API"}, {"API": "APD"}):
        last = group[-1][0]
        key = f"{name}:{first}"
        try:
            if group[0][1][0] != "API" or any(c[0] != "APD" for _, c in group[1:]):
                raise L.LayoutError("record", "an API record followed by its APD records")
            header = L.parse_line(L.API, group[0][1], fmt)
            dists = []
            for seq, (_, cells) in enumerate(group[1:], start=1):
                d = L.parse_line(L.APD, cells, fmt)
                d.update(dist_seq=seq, vendor=header["vendor"], invoice=header["invoice"])
                dists.append(d)
        except L.LayoutError as exc:
            out.append(_bad(key, first, last, lines, f"line {first}: {exc}"))
            continue
        header["retainage"] = _sum(dists, "retainage")
        header["tax"] = header.get("tax") or ZERO
        rec = OutboundRecord(
            "ap_invoices", key, f"{header['vendor']}|{header['invoice']}", header, tuple(dists)
        )
        out.append(_Parsed(first, last, list(lines[first - 1 : last]), rec))
    return out


def _parse_jcc(name: str, lines: Sequence[str], fmt: str, sage: Any) -> list[_Parsed]:
    out = []
    for first, group in _groups(lines, {"C", "CCO"}, {"C": "CI", "CCO": "CCOI"}):
        last = group[-1][0]
        key = f"{name}:{first}"
        head = group[0][1]
        try:
            if head[0] == "C":
                extra = L.C_PO_EXTRA if len(head) > 2 and head[2].strip() == "2" else ()
                h = L.parse_line(L.C_COMMITMENT, head, fmt, extra)
                if any(c[0] != "CI" for _, c in group[1:]):
                    raise L.LayoutError("record", "a C record is followed by CI records only")
                items = [L.parse_line(L.CI, c, fmt) for _, c in group[1:]]
                code = h.pop("commitment_type_code")
                h.update(
                    commitment_type={1: "Subcontract", 2: "Purchase order"}.get(code, str(code)),
                    job=items[0]["job"] if items else "",
                    closed=bool(h.pop("closed_flag") or 0),
                    original_commitment=_sum(items, "amount"),
                )
                rec = OutboundRecord("commitments", key, h["commitment"], h, tuple(items))
            elif head[0] == "CCO":
                h = L.parse_line(L.CCO, head, fmt)
                if any(c[0] != "CCOI" for _, c in group[1:]):
                    raise L.LayoutError("record", "a CCO record is followed by CCOI records only")
                co_lines = []
                for n, (_, cells) in enumerate(group[1:], start=1):
                    ln = L.parse_line(L.CCOI, cells, fmt)
                    item = sage.one(
                        "JCM_MASTER__COMMITMENT_ITEM",
                        Commitment=ln["commitment"],
                        Item_Number=ln["item_number"],
                    )
                    coding = {
                        c.lower(): ("" if item is None else str(item[c] or "").rstrip())
                        for c in ("Job", "Extra", "Cost_Code", "Category")
                    }
                    co_lines.append({**ln, **coding, "line_number": n, "is_new_item": False})
                status = h.pop("status_code")
                h.update(
                    status="Approved" if status == L.APPROVED_CO_STATUS else f"status {status}",
                    amount=_sum(co_lines, "amount"),
                )
                rec = OutboundRecord(
                    "commitment_change_orders",
                    key,
                    f"{h['commitment']}|{h['commitment_co']}",
                    h,
                    tuple(co_lines),
                )
            else:
                raise L.LayoutError("record", f"unknown .jcc record {head[0]!r}")
        except (L.LayoutError, IndexError) as exc:
            out.append(_bad(key, first, last, lines, f"line {first}: {exc}"))
            continue
        out.append(_Parsed(first, last, list(lines[first - 1 : last]), rec))
    return out


def _parse_jce(
    name: str, lines: Sequence[str], fmt: str, sage: Any, *, approved_change: bool
) -> list[_Parsed]:
    out = []
    job_line = extra_line = ""
    job = extra = ""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        cells = _cells(line)
        key = f"{name}:{number}"
        try:
            if cells[0] == "*":
                job = L.parse_line(L.JCE_JOB, cells, fmt)["job"]
                job_line, extra_line, extra = line, "", ""
                continue
            if cells[0] == "E":
                extra = L.parse_line(L.JCE_EXTRA, cells, fmt)["extra"]
                extra_line = line
                continue
            if cells[0] != "C":
                raise L.LayoutError("record", f"unknown .jce record {cells[0]!r}")
            c = L.parse_line(L.JCE_CATEGORY, cells, fmt)
        except (L.LayoutError, IndexError) as exc:
            out.append(_bad(key, number, number, lines, f"line {number}: {exc}"))
            continue
        raw = [x for x in (job_line, extra_line) if x] + [line]
        code, cat = c["cost_code"], c["category"]
        line_extra = c.get("extra") or extra
        row = sage.one(
            "JCM_MASTER__CATEGORY", Job=job, Extra=line_extra, Cost_Code=code, Category=cat
        )
        now_o = Decimal(str(row["Original_Estimate"] or 0)).quantize(ZERO) if row else ZERO
        now_a = Decimal(str(row["Approved_Estimate_Changes"] or 0)).quantize(ZERO) if row else ZERO
        change = c.get("amount") or ZERO
        o_change, a_change = (ZERO, change) if approved_change else (change, ZERO)
        h = {
            "job": job,
            "extra": line_extra,
            "cost_code": code,
            "category": cat,
            "original_estimate": now_o + o_change,
            "approved_estimate_changes": now_a + a_change,
            "total_estimate": now_o + o_change + now_a + a_change,
            "sage_original_estimate": now_o,
            "sage_approved_estimate_changes": now_a,
            "original_estimate_change": o_change,
            "approved_estimate_change": a_change,
        }
        rec = OutboundRecord("jc_estimates", key, f"{job}|{line_extra}|{code}|{cat}", h)
        out.append(_Parsed(number, number, raw, rec))
    return out


def _parse_vendors(name: str, lines: Sequence[str], fmt: str, sage: Any) -> list[_Parsed]:
    labels = {label: key for label, key in L.VENDOR_WORKSHEET}
    rows = list(csv.reader(lines))
    if not rows:
        return []
    header = [labels.get(cell, cell) for cell in rows[0]]
    out = []
    for number, cells in enumerate(rows[1:], start=2):
        values = {k: (v or None) for k, v in zip(header, cells, strict=False)}
        key = f"{name}:{number}"
        rec = OutboundRecord("vendors", key, str(values.get("vendor") or ""), values)
        out.append(_Parsed(number, number, [lines[0], lines[number - 1]], rec))
    return out


def _enter_vendors(sage: Any, records: Sequence[OutboundRecord]) -> None:
    """A person typing the worksheet rows into AP → Vendors."""
    columns = {
        "Vendor": "vendor",
        "Name": "name",
        "Type": "type",
        "Address_1": "address_1",
        "City": "city",
        "State": "state",
        "ZIP": "zip",
        "Telephone": "telephone",
        "Contact_1_Email_Address": "contact_1_email_address",
    }
    for rec in records:
        row = {col: rec.header.get(key) or None for col, key in columns.items()}
        sage.insert("APM_MASTER__VENDOR", {**row, "On_Hold": 0, "Status": "Active"})


PARSERS: dict[str, Callable[..., list[_Parsed]]] = {
    "ap": _parse_ap,
    "jcc": _parse_jcc,
    "jce": lambda *a: _parse_jce(*a, approved_change=False),
    "jce_approved_change": lambda *a: _parse_jce(*a, approved_change=True),
    "vendor_worksheet": _parse_vendors,
}


# ----------------------------------------------------------------------------- import
def pending_files(out_dir: Path) -> list[Path]:
    """The import files waiting in `out_dir`, in the order Sage is run on them."""
    if not Path(out_dir).is_dir():
        return []
    found = [(p, _kind(p.name)) for p in Path(out_dir).iterdir() if p.is_file()]
    found = [(p, k) for p, k in found if k is not None]
    return [
        p
        for p, k in sorted(found, key=lambda pk: (pk[0].name.split("_")[0], _ORDER.index(pk[1][0])))
    ]


def import_files(
    database: Path,
    out_dir: Path,
    *,
    today: dt.date | None = None,
    date_format: str = L.DEFAULT_DATE_FORMAT,
    enter_vendor_worksheets: bool = False,
) -> ImportReport:
    """Import and post every waiting file in `out_dir` into the test company (module doc)."""
    out_dir = Path(out_dir)
    report = ImportReport()
    connector = TestCompanyConnector(Path(database), today=today)
    for path in pending_files(out_dir):
        kind, types = _kind(path.name) or ("", ())
        fr = FileReport(path.name, kind)
        report.files.append(fr)
        if kind == "vendor_worksheet" and not enter_vendor_worksheets:
            fr.waiting = True
            continue
        text = path.read_bytes().decode(L.ENCODING)
        lines = text.splitlines()
        with connector.session(read_only=False) as sage:
            try:
                parsed = PARSERS[kind](path.name, lines, date_format, sage)
                records = [p.record for p in parsed if p.record is not None]
                rejected, accepted = connector.check(sage, records, supported=types)
                if kind == "vendor_worksheet":
                    _enter_vendors(sage, accepted)
                else:
                    # commitments before their change orders when one file holds both
                    accepted.sort(key=lambda r: r.object_type != "commitments")
                    connector.post(sage, accepted, stamp=False)
                sage.conn.commit()
            except BaseException:
                with contextlib.suppress(Exception):
                    sage.conn.rollback()
                raise
        fr.imported = len(accepted)
        refused = []
        for p in parsed:
            errors = [p.error] if p.error else rejected.get(p.record.idempotency_key, [])
            if errors:
                refused.append(p)
                fr.rejected += [
                    RejectedRecord(p.first_line, p.last_line, e.rule, e.reason) for e in errors
                ]
        if refused:
            fr.reject_file = _write_rejects(out_dir, path.name, kind, lines, refused)
        (out_dir / "imported").mkdir(exist_ok=True)
        os.replace(path, out_dir / "imported" / path.name)
    return report


def _write_rejects(
    out_dir: Path, name: str, kind: str, lines: Sequence[str], refused: Sequence[_Parsed]
) -> str:
    """The refused records in the file's own layout (re-importable once corrected)."""
    folder = out_dir / "rejected"
    folder.mkdir(exist_ok=True)
    body: list[str] = []
    if kind == "vendor_worksheet" and lines:
        body.append(lines[0])
        body += [p.raw[-1] for p in refused]
    else:
        for p in refused:
            body += [x for x in p.raw if not (body and x == body[-1] and x[:1] in "*E")]
    target = folder / name
    tmp = folder / (name + ".tmp")
    tmp.write_bytes("".join(line + L.NEWLINE for line in body).encode(L.ENCODING))
    os.replace(tmp, target)
    return str(target.relative_to(out_dir))
