"""`ImportFileConnector`: write Sage 300 CRE import files for a real installation.

Sage's ODBC driver is read-only and Windows-only, so production writes go the way Sage
documents (reference §5): files dropped in an import folder, imported by Sage's own
Tools → Import (a macro or a person), which validates, writes a reject file and creates
unposted entries that are then posted. This connector:

- `validate`: exactly the test-company connector's Sage-equivalent rules
  (writers/connectors/test_company.py), read through a **read-only** ODBC connection,
  plus what the file layouts cannot carry (field widths and digits, line breaks, characters
  outside code page 1252, CO lines adding new items: rules field_too_long, bad_value,
  not_in_layout). Vendors get the master-data rules (duplicate_vendor, widths).
- `submit`: keys already in a manifest are receipted, not written again; the accepted
  rest become one file set in `out_dir` (formats.py for the layouts, filesets.py for the
  atomic commit and the manifest). The receipt says which file and lines hold the record
  and that it awaits Sage's import and posting.
- `lookup(keys)`: a key is **found (submitted)** when a committed manifest in `out_dir`
  lists it — that is what makes a crash between submit and the writer's receipt safe.
  Each receipt also says whether Sage holds it yet (`in_sage`, read through ODBC).
- `confirm(keys)`: the read-back on a later sync: True when the manifest lists the key
  and Sage holds the record it describes.
- Another version of a record (new key, same Sage target) is refused with the transient
  rule `awaiting_import` while the earlier file still waits in `out_dir`: both would
  post (estimate files carry changes). Convention: a processed file is moved to
  `out_dir/imported/` (the sandbox stand-in does; the importing macro or person must).
  `lookup` then reports `processed_not_in_sage` for a record Sage's import refused.

What `confirm` compares — import files cannot carry tieout's Ref_1 stamps (no layout of
§5 has a free reference field we could rely on), so each object is matched on its
natural key, which Sage keeps unique, plus the amount the file set:

| object | Sage row (natural key) | must also equal |
|---|---|---|
| ap_invoices | APM_MASTER__INVOICE (Vendor, Invoice) | Amount |
| commitments | JCM_MASTER__COMMITMENT (Commitment) | Vendor, Original_Commitment |
| commitment_change_orders | JCM_MASTER__COMMITMENT_CO (Commitment, Commitment_CO) | Amount |
| jc_estimates | JCM_MASTER__CATEGORY (Job, Extra, Cost_Code, Category) | Original_Estimate,
  Approved_Estimate_Changes |
| vendors | APM_MASTER__VENDOR (Vendor) | Name |

A later change in Sage (another estimate change, an edited vendor name) turns `confirm`
False again: it confirms "Sage holds what this record wrote", nothing weaker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from writers.connector import OutboundRecord, Receipt, Rejection, TransientConnectorError
from writers.connectors.import_files import filesets, formats
from writers.connectors.import_files.layouts import DEFAULT_DATE_FORMAT, LayoutError
from writers.connectors.test_company import TestCompanyConnector

SUPPORTED = ("ap_invoices", "commitments", "commitment_change_orders", "jc_estimates", "vendors")
CENT = Decimal("0.01")
AWAITING = "awaits Sage's Tools → Import and Post Entries"
AWAITING_VENDOR = (
    "awaits manual entry in Sage AP → Vendors: Sage has no vendor import layout "
    "(reference §5.5), so this is a set-up worksheet, not an import file"
)


def _text(value: Any) -> str:
    return "" if value is None else str(value).rstrip()


def _cents(value: Any) -> Decimal | None:
    if value is None or value == "":
        return Decimal("0.00")
    try:
        return Decimal(str(value)).quantize(CENT)
    except InvalidOperation:
        return None


def _sum(lines: Sequence[Mapping[str, Any]], column: str) -> str:
    return str(sum((_cents(line.get(column)) or Decimal(0) for line in lines), Decimal("0.00")))


def _target(spec: Mapping[str, Any]) -> tuple:
    return (spec["table"], *sorted(spec["key"].items()))


def confirm_spec(rec: OutboundRecord) -> dict[str, Any]:
    """The Sage row (table, natural key) and values that show Sage holds this record."""
    h = rec.header
    t = _text
    if rec.object_type == "ap_invoices":
        return {
            "table": "APM_MASTER__INVOICE",
            "key": {"Vendor": t(h.get("vendor")), "Invoice": t(h.get("invoice"))},
            "text": {},
            "money": {"Amount": str(_cents(h.get("amount")))},
        }
    if rec.object_type == "commitments":
        return {
            "table": "JCM_MASTER__COMMITMENT",
            "key": {"Commitment": t(h.get("commitment"))},
            "text": {"Vendor": t(h.get("vendor"))},
            "money": {"Original_Commitment": _sum(rec.lines, "amount")},
        }
    if rec.object_type == "commitment_change_orders":
        return {
            "table": "JCM_MASTER__COMMITMENT_CO",
            "key": {
                "Commitment": t(h.get("commitment")),
                "Commitment_CO": t(h.get("commitment_co")),
            },
            "text": {},
            "money": {"Amount": _sum(rec.lines, "amount")},
        }
    if rec.object_type == "jc_estimates":
        return {
            "table": "JCM_MASTER__CATEGORY",
            "key": {
                "Job": t(h.get("job")),
                "Extra": t(h.get("extra")),
                "Cost_Code": t(h.get("cost_code")),
                "Category": t(h.get("category")),
            },
            "text": {},
            "money": {
                "Original_Estimate": str(_cents(h.get("original_estimate"))),
                "Approved_Estimate_Changes": str(_cents(h.get("approved_estimate_changes"))),
            },
        }
    if rec.object_type == "vendors":
        return {
            "table": "APM_MASTER__VENDOR",
            "key": {"Vendor": t(h.get("vendor"))},
            "text": {"Name": t(h.get("name"))},
            "money": {},
        }
    raise ValueError(f"no import layout for {rec.object_type}")


class ImportFileConnector:
    """Sage import files in `out_dir`, validated and read back over read-only ODBC."""

    name = "import_files"

    def __init__(
        self,
        database: Path,
        out_dir: Path,
        *,
        today: dt.date | None = None,
        timeout: float = 15.0,
        date_format: str = DEFAULT_DATE_FORMAT,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.database = Path(database)
        self.out_dir = Path(out_dir)
        self.today = today or dt.date.today()
        self.date_format = date_format
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        # the rules and the read-only session; this connector never posts with it
        self.rules = TestCompanyConnector(self.database, today=self.today, timeout=timeout)

    # ------------------------------------------------------------------ protocol
    def validate(self, batch: Sequence[OutboundRecord]) -> list[Rejection]:
        with self.rules.session(read_only=True) as sage:
            rejected, _ = self._check(sage, batch)
        return [r for rs in rejected.values() for r in rs]

    def submit(self, batch: Sequence[OutboundRecord]) -> tuple[list[Receipt], list[Rejection]]:
        filesets.recover(self.out_dir)
        written = filesets.written_keys(self.out_dir)
        receipts = [
            self._receipt(written[r.idempotency_key], in_sage=None)
            for r in batch
            if r.idempotency_key in written
        ]
        todo = [r for r in batch if r.idempotency_key not in written]
        with self.rules.session(read_only=True) as sage:
            rejected, accepted = self._check(sage, todo)
            jobs = {_text(r.header.get("job")) for r in accepted if r.object_type == "jc_estimates"}
            descriptions = {}
            for job in sorted(jobs):
                row = sage.one("JCM_MASTER__JOB", Job=job)
                desc = _text(row.get("Description")) if row else ""
                try:  # informational only (the job exists): never let it stop a file
                    formats.L.encode(formats.L.JCE_JOB.fields[1], desc, self.date_format)
                except LayoutError:
                    desc = ""
                descriptions[job] = desc
        if accepted:
            entries = self._write(accepted, descriptions)
            receipts += [self._receipt(e, in_sage=None) for e in entries]
        return receipts, [r for rs in rejected.values() for r in rs]

    def lookup(self, idempotency_keys: Sequence[str]) -> dict[str, Receipt]:
        """Keys a committed manifest lists (submitted), each saying whether Sage holds it
        (`in_sage`; left out when Sage cannot be read right now — the manifest decides)."""
        filesets.recover(self.out_dir)
        written = filesets.written_keys(self.out_dir)
        keys = [k for k in dict.fromkeys(idempotency_keys) if k in written]
        try:
            held: dict[str, bool] = self._held([written[k] for k in keys])
        except TransientConnectorError:  # the manifest alone decides; Sage is optional here
            held = {}
        return {k: self._receipt(written[k], in_sage=held.get(k)) for k in keys}

    def confirm(self, idempotency_keys: Sequence[str]) -> dict[str, bool]:
        """Whether Sage now holds each record (manifest + natural key and amount, over
        read-only ODBC). Keys in no manifest: False."""
        written = filesets.written_keys(self.out_dir)
        keys = list(dict.fromkeys(idempotency_keys))
        held = self._held([written[k] for k in keys if k in written])
        return {k: held.get(k, False) for k in keys}

    # ------------------------------------------------------------------ internals
    def _check(
        self, sage: Any, batch: Sequence[OutboundRecord]
    ) -> tuple[dict[str, list[Rejection]], list[OutboundRecord]]:
        rejected, accepted = self.rules.check(
            sage,
            batch,
            supported=SUPPORTED,
            elsewhere="Sage Contracts (no AR import layout is documented, reference §5)",
        )
        waiting = self._waiting_targets()
        fits = []
        for rec in accepted:
            key = rec.idempotency_key
            try:
                formats.check(rec, self.date_format, self.today)
            except LayoutError as exc:
                rejected[key] = [Rejection(key, exc.rule, str(exc), exc.field)]
                continue
            other = waiting.get(_target(confirm_spec(rec)))
            if other is not None:
                rejected[key] = [
                    Rejection(
                        key,
                        "awaiting_import",
                        f"{rec.sage_key or 'This record'} is already in import file "
                        f"{other['locations'][0]['file']}, which waits in the import folder; "
                        "Sage must import it (and the file move to imported/) before another "
                        "version is written, or the two would both post.",
                        None,
                        transient=True,
                    )
                ]
                continue
            fits.append(rec)
        return rejected, fits

    def _waiting_targets(self) -> dict[tuple, dict[str, Any]]:
        """Targets of manifest records whose file still waits in `out_dir` (not yet
        processed by Sage's import and moved to `imported/`)."""
        found: dict[tuple, dict[str, Any]] = {}
        for entry in filesets.written_keys(self.out_dir).values():
            if self._in_folder(entry):
                found.setdefault(_target(entry["confirm"]), entry)
        return found

    def _in_folder(self, entry: Mapping[str, Any]) -> bool:
        return any((self.out_dir / loc["file"]).is_file() for loc in entry["locations"])

    def _write(
        self, records: Sequence[OutboundRecord], descriptions: Mapping[str, str]
    ) -> list[dict[str, Any]]:
        now = self._now()
        digest = hashlib.sha256("\n".join(r.idempotency_key for r in records).encode())
        stem = f"tieout-{now:%Y%m%dT%H%M%S%f}-{digest.hexdigest()[:8]}"
        contents, where = formats.render(
            records, date_format=self.date_format, day=self.today, job_descriptions=descriptions
        )
        files = {stem + fc.suffix: filesets.encode_lines(fc.lines) for fc in contents}
        entries = []
        for rec in records:
            entries.append(
                {
                    "idempotency_key": rec.idempotency_key,
                    "object_type": rec.object_type,
                    "sage_key": rec.sage_key or TestCompanyConnector._target(rec),
                    "locations": [
                        {
                            "file": stem + loc.suffix,
                            "first_line": loc.first_line,
                            "last_line": loc.last_line,
                        }
                        for loc in where[rec.idempotency_key]
                    ],
                    "confirm": confirm_spec(rec),
                }
            )
        manifest = {
            "version": filesets.MANIFEST_VERSION,
            "stem": stem,
            "connector": self.name,
            "created_at": now.isoformat(),
            "date_format": self.date_format,
            "files": {
                stem + fc.suffix: {
                    "format": fc.format,
                    "import_with": fc.import_with,
                    "lines": len(fc.lines),
                }
                for fc in contents
            },
            "records": entries,
        }
        filesets.commit(self.out_dir, stem, files, manifest)
        return [{**e, "stem": stem, "manifest": stem + filesets.MANIFEST_SUFFIX} for e in entries]

    def _held(self, entries: Sequence[Mapping[str, Any]]) -> dict[str, bool]:
        if not entries:
            return {}
        held = {}
        with self.rules.session(read_only=True) as sage:
            for entry in entries:
                spec = entry["confirm"]
                rows = sage.rows(spec["table"], spec["key"], [*spec["text"], *spec["money"]])
                held[entry["idempotency_key"]] = (
                    bool(rows)
                    and all(_text(rows[0][c]) == v for c, v in spec["text"].items())
                    and all(_cents(rows[0][c]) == Decimal(v) for c, v in spec["money"].items())
                )
        return held

    def _receipt(self, entry: Mapping[str, Any], *, in_sage: bool | None) -> Receipt:
        first = entry["locations"][0]
        files = sorted({loc["file"] for loc in entry["locations"]})
        awaiting = AWAITING_VENDOR if entry["object_type"] == "vendors" else AWAITING
        where = "; ".join(
            f"{loc['file']} line {loc['first_line']}"
            + (f"-{loc['last_line']}" if loc["last_line"] != loc["first_line"] else "")
            for loc in entry["locations"]
        )
        detail: dict[str, Any] = {
            "object_type": entry["object_type"],
            "connector": self.name,
            "file": first["file"],
            "line": first["first_line"],
            "files": files,
            "manifest": entry["manifest"],
            "status": "submitted",
            "note": f"written to {where}; {awaiting}",
        }
        if in_sage is not None:
            detail["in_sage"] = in_sage
            if in_sage:
                detail["status"] = "in_sage"
                detail["note"] = f"written to {where}; Sage holds it (read back over ODBC)"
            elif not self._in_folder(entry):
                detail["status"] = "processed_not_in_sage"
                detail["note"] = (
                    f"written to {where}; the file was processed but Sage does not hold the "
                    "record: look for it in Sage's reject file (rejected/)"
                )
        return Receipt(entry["idempotency_key"], entry["sage_key"], detail)
