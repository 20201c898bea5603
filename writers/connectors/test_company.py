"""The test-company connector: Sage's import pipeline, played against the local test company.

`TestCompanyConnector(database)` validates outbound records with the rules Sage's imports
apply (reference §5.6, §8.5) and posts the accepted ones through a *writable* ODBC
connection (the stand-in for Sage's import + post): the same rows and roll-ups the
generator produces for a posted object (sandbox/generate/README.md, "Money" and
"Sage roll-ups").

Batches: **partial acceptance**, like Sage's import with its reject file — the records that
pass are written, each failing record comes back with its `Rejection`s; all accepted
records of one batch are written in **one transaction** (a crash or error leaves none of
them). Records whose idempotency key is already stamped in Sage are receipted, not written.

Idempotency stamps (what `lookup` searches):

| object | stamped into | width |
|---|---|---|
| ap_invoices | `APM_MASTER__INVOICE.Invoice_Code_2` | 15 — the key's first 15 characters |
| commitments | `JCM_MASTER__COMMITMENT.Ref_1` | 32 |
| commitment_change_orders | `JCM_MASTER__COMMITMENT_CO.Ref_1` | 32 |
| jc_estimates | `JCM_MASTER__CATEGORY.Ref_1` (the last estimate import on that line) | 32 |

`vendors` and `ar_invoices` are rejected with `unsupported_object`: Sage has no vendor
import layout (the import-file connector writes a set-up worksheet for manual entry), and
AR goes through Contracts (no connector writes it).

Reuse (writers/connectors/import_files): validation needs only a read-only connection —
`session(read_only=True)` + `check(sage, batch, supported=…)` run every rule below without
writing (with `vendors` in `supported`, the vendor master rules run too); `post(sage,
records, stamp=False)` is the posting code the sandbox's import stand-in
(sandbox/sage/importer.py) applies parsed import files with, leaving the stamp fields
empty as Sage's own import does.

Rule codes (`Rejection.rule`), stable: missing_field, field_too_long, bad_format,
bad_value, no_lines, duplicate_in_batch, job_not_found, job_closed, job_on_hold,
extra_not_found, cost_code_not_found, cost_code_is_group, cost_code_closed,
category_not_found, category_not_standard, vendor_not_found, vendor_on_hold,
vendor_inactive, period_closed, duplicate_invoice, amount_mismatch, retainage_mismatch,
retainage_exceeds_amount, sign_mismatch, commitment_not_found, commitment_closed,
wrong_vendor, commitment_item_not_found, commitment_item_exists,
commitment_coding_mismatch, job_mismatch, duplicate_commitment, duplicate_change_order,
change_order_not_approved, change_order_future_date, estimate_changed_in_sage,
duplicate_vendor, unsupported_object.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyodbc

from sandbox.sage import odbc
from sandbox.sage.catalogue import BY_NAME
from sandbox.sage.errors import MaskError, SageOdbcError
from sandbox.sage.masks import CompanyMasks, masks_from_rows
from writers.connector import (
    OutboundRecord,
    Receipt,
    Rejection,
    TransientConnectorError,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

SUPPORTED = ("ap_invoices", "commitments", "commitment_change_orders", "jc_estimates")
# Object types `check` knows rules for (vendors: master-data rules, for the import-file
# connector's worksheet; the test company itself does not post them).
CHECKABLE = (*SUPPORTED, "vendors")

# (table, stamp column) per object type; lookup searches them all.
STAMPS: dict[str, tuple[str, str]] = {
    "ap_invoices": ("APM_MASTER__INVOICE", "Invoice_Code_2"),
    "commitments": ("JCM_MASTER__COMMITMENT", "Ref_1"),
    "commitment_change_orders": ("JCM_MASTER__COMMITMENT_CO", "Ref_1"),
    "jc_estimates": ("JCM_MASTER__CATEGORY", "Ref_1"),
}
_STAMP_KEYS: dict[str, tuple[str, ...]] = {
    "APM_MASTER__INVOICE": ("Vendor", "Invoice"),
    "JCM_MASTER__COMMITMENT": ("Commitment",),
    "JCM_MASTER__COMMITMENT_CO": ("Commitment", "Commitment_CO"),
    "JCM_MASTER__CATEGORY": ("Job", "Extra", "Cost_Code", "Category"),
}
_OBJECT_OF_TABLE = {table: obj for obj, (table, _) in STAMPS.items()}


def stamp_of(key: str, table: str, column: str) -> str:
    """What a key looks like stamped into `table.column` (cut to the column's width)."""
    width = next(c.length for c in BY_NAME[table].columns if c.name == column)
    return key[:width] if width else key


def _width(table: str, column: str) -> int | None:
    return next((c.length for c in BY_NAME[table].columns if c.name == column), None)


def _text(value: Any) -> str:
    return "" if value is None else str(value).rstrip()


def _money(value: Any) -> Decimal:
    """A money value (Decimal, float, int or text) as cents; ValueError if it is not one."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    try:
        return Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not an amount") from exc


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a whole number")
    try:
        f = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{value!r} is not a whole number") from exc
    if f != f.to_integral_value():
        raise ValueError(f"{value!r} is not a whole number")
    return int(f)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "t", "yes", "y")
    return bool(value)


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _is_locked(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "locked by a writer" in text or "busy" in text


class _Rejections:
    """Collects one record's rejections, without repeating the same one."""

    def __init__(self, key: str):
        self.key = key
        self.items: list[Rejection] = []
        self._seen: set[tuple[str, str | None, str]] = set()

    def add(self, rule: str, reason: str, field: str | None = None) -> None:
        if (rule, field, reason) not in self._seen:
            self._seen.add((rule, field, reason))
            self.items.append(Rejection(self.key, rule, reason, field))

    def __bool__(self) -> bool:
        return bool(self.items)


class _Sage:
    """Reads (and, in submit, writes) the test company through one ODBC cursor."""

    def __init__(self, conn: pyodbc.Connection):
        self.conn = conn
        self.cur = conn.cursor()
        self._cache: dict[tuple, dict[str, Any] | None] = {}
        self._masks: CompanyMasks | None = None
        self._controls: dict[str, Any] | None = None

    # ------------------------------------------------------------------ reads
    def rows(
        self, table: str, where: Mapping[str, Any], columns: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        cols = list(columns or BY_NAME[table].column_names)
        sql = f"SELECT {', '.join(_q(c) for c in cols)} FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(f"{_q(k)} = ?" for k in where)
        self.cur.execute(sql, *where.values())
        return [dict(zip(cols, r, strict=True)) for r in self.cur.fetchall()]

    def one(self, table: str, **where: Any) -> dict[str, Any] | None:
        key = (table, tuple(where.items()))
        if key not in self._cache:
            found = self.rows(table, where)
            self._cache[key] = found[0] if found else None
        return self._cache[key]

    def forget(self) -> None:
        self._cache.clear()

    @property
    def masks(self) -> CompanyMasks | None:
        if self._masks is None:
            try:
                self._masks = masks_from_rows(self.rows("TS_CTL_RECORD_3", {}))
            except MaskError:
                return None
        return self._masks

    def commitment_format(self) -> tuple[int | None, bool]:
        rows = [r for r in self.rows("TS_CTL_RECORD_3", {"FLDCODE": 20})]
        if not rows:
            return None, False
        return sum(int(r["CSLEN"] or 0) for r in rows), any(bool(r["CNTCAP"]) for r in rows)

    @property
    def controls(self) -> dict[str, Any]:
        if self._controls is None:
            found = self.rows("APM_MASTER__AP_CONTROLS", {})
            self._controls = found[0] if found else {}
        return self._controls

    def next_run(self) -> int:
        runs = []
        for table in ("JCT_CURRENT__TRANSACTION", "APM_MASTER__INVOICE"):
            self.cur.execute(f'SELECT MAX("Run") FROM {table}')
            value = self.cur.fetchone()[0]
            runs.append(int(float(value)) if value not in (None, "") else 0)
        return max(runs) + 1

    # ------------------------------------------------------------------ writes
    def insert(self, table: str, row: Mapping[str, Any]) -> None:
        cols = list(row)
        self.cur.execute(
            f"INSERT INTO {table} ({', '.join(_q(c) for c in cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)})",
            *[_param(v) for v in row.values()],
        )

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        self.cur.execute(
            f"UPDATE {table} SET {', '.join(f'{_q(c)} = ?' for c in values)} "
            f"WHERE {' AND '.join(f'{_q(k)} = ?' for k in key)}",
            *[_param(v) for v in values.values()],
            *key.values(),
        )

    def bump(self, table: str, key: Mapping[str, Any], deltas: Mapping[str, Decimal]) -> None:
        """Add `deltas` to money columns of one row (Decimal arithmetic, stored in cents)."""
        found = self.rows(table, key, list(deltas))
        if not found:
            raise RuntimeError(f"{table} row {dict(key)} vanished during the post")
        row = found[0]
        self.update(table, key, {c: _money(row[c]) + d for c, d in deltas.items()})


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _param(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _wip(total_estimate: Decimal, jtd: Decimal) -> dict[str, Any]:
    at_comp = max(total_estimate, jtd)
    pct = (jtd / at_comp * HUNDRED).quantize(CENT) if at_comp else ZERO
    return {"Cost_At_Comp": at_comp, "Cost_To_Comp": at_comp - jtd, "Percent_Complete": pct}


# Category columns summed onto the cost code (category column -> cost code column).
CODE_SUMS = (
    ("Original_Estimate", "Original_Estimate"),
    ("Approved_Estimate_Changes", "JTD_Aprvd_Estimate_Chgs"),
    ("Total_Estimate", "Total_Estimate"),
    ("Original_Commitment", "Original_Commitment"),
    ("Approved_Commitment_Changes", "Approved_Commitment_Changes"),
    ("Revised_Commitment", "Revised_Commitment"),
    ("Commitment_Invoiced", "Commitment_Invoiced"),
    ("JTD_Cost", "JTD_Cost"),
)
JOB_SUMS = (
    "Total_Estimate",
    "JTD_Cost",
    "Original_Commitment",
    "Approved_Commitment_Changes",
    "Cost_At_Comp",
    "Cost_To_Comp",
)


class TestCompanyConnector:
    """Sage's validation + import/post against the local test company (see module doc)."""

    __test__ = False  # not a pytest test class, despite the name

    name = "test-company"

    def __init__(
        self, database: Path, *, today: dt.date | None = None, timeout: float = 15.0
    ) -> None:
        self.database = Path(database)
        self.today = today or dt.date.today()
        self.timeout = timeout

    # ------------------------------------------------------------------ protocol
    def validate(self, batch: Sequence[OutboundRecord]) -> list[Rejection]:
        with self._session(read_only=True) as sage:
            rejected, _ = self._validate(sage, batch)
        return [r for rs in rejected.values() for r in rs]

    def submit(self, batch: Sequence[OutboundRecord]) -> tuple[list[Receipt], list[Rejection]]:
        with self._session(read_only=False) as sage:
            try:
                held = self._lookup(sage, [r.idempotency_key for r in batch])
                receipts = [held[r.idempotency_key] for r in batch if r.idempotency_key in held]
                todo = [r for r in batch if r.idempotency_key not in held]
                rejected, accepted = self._validate(sage, todo)
                receipts += self.post(sage, accepted)
                sage.conn.commit()
            except BaseException:
                _rollback(sage.conn)
                raise
        return receipts, [r for rs in rejected.values() for r in rs]

    def lookup(self, idempotency_keys: Sequence[str]) -> dict[str, Receipt]:
        with self._session(read_only=True) as sage:
            return self._lookup(sage, idempotency_keys)

    # ------------------------------------------------------------------ reuse
    def session(self, *, read_only: bool) -> _Session:
        """Open the company for one call (`with conn.session(read_only=True) as sage:`);
        lock and timeout errors become `TransientConnectorError`."""
        return _Session(self, read_only=read_only)

    def check(
        self,
        sage: _Sage,
        batch: Sequence[OutboundRecord],
        *,
        supported: Sequence[str] = SUPPORTED,
        elsewhere: str = "the import-file connector (Sage import files)",
    ) -> tuple[dict[str, list[Rejection]], list[OutboundRecord]]:
        """Every rule, read-only: (rejections by key, accepted records in batch order).
        `supported` ⊆ CHECKABLE; other object types get `unsupported_object`, naming
        `elsewhere` as the way to send them."""
        return self._validate(sage, batch, supported=supported, elsewhere=elsewhere)

    def post(
        self, sage: _Sage, records: Sequence[OutboundRecord], *, stamp: bool = True
    ) -> list[Receipt]:
        """Post validated records in one new run (no commit: the caller owns the
        transaction). `stamp=False` leaves Ref_1 / Invoice_Code_2 empty, as Sage's own
        import does for records that came from an import file."""
        run = sage.next_run() if records else 0
        return [
            self._apply(sage, rec, run, seq, stamp=stamp)
            for seq, rec in enumerate(records, start=1)
        ]

    # ------------------------------------------------------------------ connection
    def _session(self, *, read_only: bool) -> _Session:
        return _Session(self, read_only=read_only)

    # ------------------------------------------------------------------ lookup
    def _lookup(self, sage: _Sage, keys: Sequence[str]) -> dict[str, Receipt]:
        found: dict[str, Receipt] = {}
        keys = [k for k in dict.fromkeys(keys) if k]
        for table, column in STAMPS.values():
            by_stamp: dict[str, list[str]] = {}
            for k in keys:
                if k not in found:
                    by_stamp.setdefault(stamp_of(k, table, column), []).append(k)
            stamps = list(by_stamp)
            natural = _STAMP_KEYS[table]
            for i in range(0, len(stamps), 200):
                chunk = stamps[i : i + 200]
                sage.cur.execute(
                    f"SELECT {', '.join(_q(c) for c in (*natural, column))} FROM {table} "
                    f"WHERE {_q(column)} IN ({', '.join('?' for _ in chunk)})",
                    *chunk,
                )
                for row in sage.cur.fetchall():
                    parts = [_text(v) for v in row[: len(natural)]]
                    for k in by_stamp.get(_text(row[-1]), ()):
                        found[k] = Receipt(
                            k,
                            "|".join(parts),
                            {
                                "object_type": _OBJECT_OF_TABLE[table],
                                "table": table,
                                "stamp_field": column,
                                "already_in_sage": True,
                            },
                        )
        return found

    # ------------------------------------------------------------------ validation
    def _validate(
        self,
        sage: _Sage,
        batch: Sequence[OutboundRecord],
        *,
        supported: Sequence[str] = SUPPORTED,
        elsewhere: str = "the import-file connector (Sage import files)",
    ) -> tuple[dict[str, list[Rejection]], list[OutboundRecord]]:
        rejected: dict[str, list[Rejection]] = {}
        accepted: list[OutboundRecord] = []
        seen_keys: set[str] = set()
        seen_targets: set[tuple[str, str]] = set()
        for rec in batch:
            rj = _Rejections(rec.idempotency_key)
            if rec.object_type not in supported or rec.object_type not in CHECKABLE:
                rj.add(
                    "unsupported_object",
                    f"This connector does not write {rec.object_type}; send them through "
                    f"{elsewhere} instead.",
                )
            else:
                if rec.idempotency_key in seen_keys:
                    rj.add(
                        "duplicate_in_batch",
                        f"Idempotency key {rec.idempotency_key} appears twice in this batch; "
                        "send each record once.",
                    )
                target = self._target(rec)
                if target and (rec.object_type, target) in seen_targets:
                    rj.add(
                        "duplicate_in_batch",
                        f"{target} is written by another record of this batch; keep one.",
                    )
                checker = getattr(self, f"_check_{rec.object_type}")
                checker(sage, rec, rj)
                seen_keys.add(rec.idempotency_key)
                if target:
                    seen_targets.add((rec.object_type, target))
            if rj:
                rejected[rec.idempotency_key] = rj.items
            else:
                accepted.append(rec)
        return rejected, accepted

    @staticmethod
    def _target(rec: OutboundRecord) -> str:
        h = rec.header
        if rec.object_type == "ap_invoices":
            return f"{_text(h.get('vendor'))}|{_text(h.get('invoice'))}"
        if rec.object_type == "commitments":
            return _text(h.get("commitment"))
        if rec.object_type == "commitment_change_orders":
            return f"{_text(h.get('commitment'))}|{_text(h.get('commitment_co'))}"
        if rec.object_type == "jc_estimates":
            return "|".join(_text(h.get(c)) for c in ("job", "extra", "cost_code", "category"))
        if rec.object_type == "vendors":
            return _text(h.get("vendor"))
        return rec.sage_key

    # -- field-level helpers
    @staticmethod
    def _fields(
        rj: _Rejections,
        row: Mapping[str, Any],
        specs: Iterable[tuple[str, str, str, bool]],
        where: str = "",
    ) -> None:
        """Required fields present; text fits the Sage column (field, table, column, required)."""
        for field, table, column, required in specs:
            value = _text(row.get(field))
            if required and not value:
                rj.add("missing_field", f"{where}{field} is empty; Sage requires it.", field)
                continue
            width = _width(table, column)
            if width and len(value) > width:
                rj.add(
                    "field_too_long",
                    f"{where}{field} {value!r} is {len(value)} characters; Sage's "
                    f"{table}.{column} holds {width}. Shorten it in Procore or the mapping.",
                    field,
                )

    @staticmethod
    def _parse(
        rj: _Rejections, row: Mapping[str, Any], field: str, parse: Callable, where: str = ""
    ) -> Any:
        try:
            return parse(row.get(field))
        except ValueError as exc:
            rj.add("bad_value", f"{where}{field}: {exc}.", field)
            return None

    def _check_job(self, sage: _Sage, rj: _Rejections, job: str, field: str = "job") -> bool:
        masks = sage.masks
        if masks is not None:
            for problem in masks.job.validate(job):
                rj.add("bad_format", f"Job {job!r}: {problem}.", field)
        row = sage.one("JCM_MASTER__JOB", Job=job)
        if row is None:
            rj.add("job_not_found", f"Job {job} does not exist in Sage; set it up first.", field)
            return False
        if _text(row["Status"]).lower() == "closed":
            rj.add(
                "job_closed",
                f"Job {job} is Closed in Sage (JobClosed); reopen it or post to another job.",
                field,
            )
        if _flag(row["On_Hold"]):
            rj.add("job_on_hold", f"Job {job} is on hold in Sage; release the hold first.", field)
        return True

    def _check_coding(
        self,
        sage: _Sage,
        rj: _Rejections,
        row: Mapping[str, Any],
        *,
        where: str = "",
        category_must_exist: bool = True,
    ) -> bool:
        """Job · Extra · Cost code · Category as Sage's import checks them; True if all exist."""
        job, extra = _text(row.get("job")), _text(row.get("extra"))
        code, cat = _text(row.get("cost_code")), _text(row.get("category"))
        if not job:
            rj.add("missing_field", f"{where}job is empty; Sage requires it.", "job")
            return False
        if not self._check_job(sage, rj, job):
            return False
        if extra and sage.one("JCM_MASTER__EXTRA", Job=job, Extra=extra) is None:
            rj.add(
                "extra_not_found",
                f"{where}Extra {extra} does not exist on job {job}; set it up or code the "
                "primary job.",
                "extra",
            )
            return False
        if not code:
            rj.add("missing_field", f"{where}cost_code is empty; Sage requires it.", "cost_code")
            return False
        masks = sage.masks
        if masks is not None:
            for problem in masks.cost_code.validate(code):
                rj.add("bad_format", f"{where}{problem}.", "cost_code")
        on = f"job {job}" + (f" extra {extra}" if extra else "")
        cc = sage.one("JCM_MASTER__COST_CODE", Job=job, Extra=extra, Cost_Code=code)
        if cc is None:
            std = sage.one("JCM_MASTER__STANDARD_COST_CODE", Cost_Code=code)
            if std is not None and _flag(std["Group_Cost_Code"]):
                rj.add(
                    "cost_code_is_group",
                    f"{where}Cost code {code} is a group code; post to one of its detail codes.",
                    "cost_code",
                )
            else:
                rj.add(
                    "cost_code_not_found",
                    f"{where}Cost code {code} is not set up on {on} in Sage; add it to the job "
                    "or fix the cost code mapping.",
                    "cost_code",
                )
            return False
        if _flag(cc["Group_Cost_Code"]):
            rj.add(
                "cost_code_is_group",
                f"{where}Cost code {code} on {on} is a group code; post to a detail code.",
                "cost_code",
            )
        if _text(cc["Status"]).lower() in ("closed", "inactive"):
            rj.add(
                "cost_code_closed",
                f"{where}Cost code {code} on {on} is {_text(cc['Status'])} in Sage; reopen it.",
                "cost_code",
            )
        if not cat:
            rj.add("missing_field", f"{where}category is empty; Sage requires it.", "category")
            return False
        if category_must_exist and (
            sage.one("JCM_MASTER__CATEGORY", Job=job, Extra=extra, Cost_Code=code, Category=cat)
            is None
        ):
            rj.add(
                "category_not_found",
                f"{where}Category {cat} is not set up under cost code {code} on {on}; add "
                "it in Sage or fix the category mapping.",
                "category",
            )
            return False
        return True

    def _check_vendor(self, sage: _Sage, rj: _Rejections, vendor: str) -> dict | None:
        if not vendor:
            return None
        row = sage.one("APM_MASTER__VENDOR", Vendor=vendor)
        if row is None:
            rj.add(
                "vendor_not_found",
                f"Vendor {vendor} not found in Sage; create the vendor or fix the vendor map.",
                "vendor",
            )
            return None
        if _flag(row.get("On_Hold")):
            rj.add(
                "vendor_on_hold",
                f"Vendor {vendor} is on hold in Sage; release the hold in AP, then resend.",
                "vendor",
            )
        if _text(row.get("Status")).lower() == "inactive":
            rj.add("vendor_inactive", f"Vendor {vendor} is inactive in Sage.", "vendor")
        return row

    def _check_period(self, sage: _Sage, rj: _Rejections, day: dt.date | None) -> None:
        current = _date(sage.controls.get("Current_Month"))
        if day is None or current is None:
            return
        if (day.year, day.month) < (current.year, current.month):
            rj.add(
                "period_closed",
                f"Accounting date {day.isoformat()} is in {day:%B %Y}, a closed month; Sage's "
                f"current AP month is {current:%B %Y}. Date it in an open month.",
                "accounting_date",
            )

    @staticmethod
    def _check_sum(
        rj: _Rejections,
        header_value: Decimal | None,
        lines: Sequence[Decimal],
        *,
        rule: str,
        field: str,
        what: str,
    ) -> None:
        if header_value is None:
            return
        total = sum(lines, ZERO)
        if total != header_value:
            rj.add(
                rule,
                f"{what} {_fmt(header_value)} does not equal the sum of its lines "
                f"{_fmt(total)}; Sage needs the header to tie to the lines.",
                field,
            )

    # -- AP invoices
    def _check_ap_invoices(self, sage: _Sage, rec: OutboundRecord, rj: _Rejections) -> None:
        h = rec.header
        self._fields(
            rj,
            h,
            (
                ("vendor", "APM_MASTER__INVOICE", "Vendor", True),
                ("invoice", "APM_MASTER__INVOICE", "Invoice", True),
                ("description", "APM_MASTER__INVOICE", "Description", False),
            ),
        )
        amount = self._parse(rj, h, "amount", _money)
        retainage = self._parse(rj, h, "retainage", _money)
        self._parse(rj, h, "tax", _money)
        invoice_date = self._parse(rj, h, "invoice_date", _date)
        self._parse(rj, h, "payment_date", _date)
        accounting = self._parse(rj, h, "accounting_date", _date) or invoice_date
        if invoice_date is None and not any(r.field == "invoice_date" for r in rj.items):
            rj.add("missing_field", "invoice_date is empty; Sage requires it.", "invoice_date")
        vendor, invoice = _text(h.get("vendor")), _text(h.get("invoice"))
        self._check_vendor(sage, rj, vendor)
        self._check_period(sage, rj, accounting)
        if vendor and invoice:
            existing = sage.one("APM_MASTER__INVOICE", Vendor=vendor, Invoice=invoice)
            if existing is not None:
                status = _text(existing["Status"])
                rj.add(
                    "duplicate_invoice",
                    f"Invoice {invoice} of vendor {vendor} already exists in Sage"
                    + (" (void)" if status.lower() == "void" else f" ({status or 'open'})")
                    + "; Sage keeps invoice numbers unique per vendor. Check it is not "
                    "entered twice, or give the new invoice its own number.",
                    "invoice",
                )
        if amount is not None and retainage is not None:
            if amount and retainage and (amount > 0) != (retainage > 0):
                rj.add(
                    "sign_mismatch",
                    f"Retainage {_fmt(retainage)} and amount {_fmt(amount)} have opposite "
                    "signs; a credit memo carries negative retainage.",
                    "retainage",
                )
            elif abs(retainage) > abs(amount):
                rj.add(
                    "retainage_exceeds_amount",
                    f"Retainage {_fmt(retainage)} exceeds the invoice amount {_fmt(amount)}.",
                    "retainage",
                )
        if not rec.lines:
            rj.add("no_lines", f"Invoice {invoice} has no distributions.", None)
            return
        amounts, retainages, seqs = [], [], set()
        for line in rec.lines:
            seq = self._parse(rj, line, "dist_seq", _int)
            where = f"Distribution {seq}: "
            if seq is None or seq in seqs:
                rj.add("bad_value", f"{where}dist_seq must be a unique whole number.", "dist_seq")
            seqs.add(seq)
            self._fields(
                rj,
                line,
                (
                    ("job", "APM_MASTER__DISTRIBUTION", "Job", True),
                    ("extra", "APM_MASTER__DISTRIBUTION", "Extra", False),
                    ("cost_code", "APM_MASTER__DISTRIBUTION", "Cost_Code", True),
                    ("category", "APM_MASTER__DISTRIBUTION", "Category", True),
                    ("commitment", "APM_MASTER__DISTRIBUTION", "Commitment", False),
                    ("expense_account", "APM_MASTER__DISTRIBUTION", "Expense_Account", False),
                    ("description", "APM_MASTER__DISTRIBUTION", "Description", False),
                ),
                where,
            )
            a = self._parse(rj, line, "amount", _money, where)
            r = self._parse(rj, line, "retainage", _money, where)
            if a is not None:
                amounts.append(a)
            if r is not None:
                retainages.append(r)
                if a is not None and a and r and (a > 0) != (r > 0):
                    rj.add(
                        "sign_mismatch",
                        f"{where}retainage {_fmt(r)} and amount {_fmt(a)} have opposite signs.",
                        "retainage",
                    )
                elif a is not None and abs(r) > abs(a):
                    rj.add(
                        "retainage_exceeds_amount",
                        f"{where}retainage {_fmt(r)} exceeds its amount {_fmt(a)}.",
                        "retainage",
                    )
            coded = self._check_coding(sage, rj, line, where=where)
            commitment = _text(line.get("commitment"))
            if commitment:
                self._check_commitment_line(sage, rj, line, vendor, where, coded)
        self._check_sum(
            rj, amount, amounts, rule="amount_mismatch", field="amount", what="Invoice amount"
        )
        self._check_sum(
            rj,
            retainage,
            retainages,
            rule="retainage_mismatch",
            field="retainage",
            what="Invoice retainage",
        )

    def _check_commitment_line(
        self,
        sage: _Sage,
        rj: _Rejections,
        line: Mapping[str, Any],
        vendor: str,
        where: str,
        coded: bool,
    ) -> None:
        commitment = _text(line.get("commitment"))
        cm = sage.one("JCM_MASTER__COMMITMENT", Commitment=commitment)
        if cm is None:
            rj.add(
                "commitment_not_found",
                f"{where}Commitment {commitment} does not exist in Sage; write the commitment "
                "first.",
                "commitment",
            )
            return
        if _flag(cm["Closed"]):
            rj.add(
                "commitment_closed",
                f"{where}Commitment {commitment} is closed in Sage; reopen it to invoice "
                "against it.",
                "commitment",
            )
        if vendor and _text(cm["Vendor"]) != vendor:
            rj.add(
                "wrong_vendor",
                f"{where}Commitment {commitment} belongs to vendor {_text(cm['Vendor'])}, not "
                f"{vendor} (WrongVendor); invoice the commitment's vendor or fix the "
                "commitment.",
                "vendor",
            )
        try:
            item_no = _int(line.get("commitment_line_item"))
        except ValueError:
            item_no = None
        if item_no is None:
            rj.add(
                "commitment_item_not_found",
                f"{where}no commitment line item given for commitment {commitment}.",
                "commitment_line_item",
            )
            return
        item = sage.one("JCM_MASTER__COMMITMENT_ITEM", Commitment=commitment, Item_Number=item_no)
        if item is None:
            rj.add(
                "commitment_item_not_found",
                f"{where}Commitment {commitment} has no line item {item_no} in Sage.",
                "commitment_line_item",
            )
            return
        if coded:
            mine = tuple(_text(line.get(c)) for c in ("job", "extra", "cost_code", "category"))
            theirs = tuple(_text(item[c]) for c in ("Job", "Extra", "Cost_Code", "Category"))
            if mine != theirs:
                rj.add(
                    "commitment_coding_mismatch",
                    f"{where}coded {'|'.join(mine)} but commitment {commitment} item {item_no} "
                    f"is coded {'|'.join(theirs)}; Sage posts to the item's coding.",
                    "cost_code",
                )

    # -- commitments
    def _check_commitments(self, sage: _Sage, rec: OutboundRecord, rj: _Rejections) -> None:
        h = rec.header
        self._fields(
            rj,
            h,
            (
                ("commitment", "JCM_MASTER__COMMITMENT", "Commitment", True),
                ("commitment_type", "JCM_MASTER__COMMITMENT", "Commitment_Type", True),
                ("description", "JCM_MASTER__COMMITMENT", "Description", False),
                ("vendor", "JCM_MASTER__COMMITMENT", "Vendor", True),
                ("job", "JCM_MASTER__COMMITMENT", "Job", True),
            ),
        )
        commitment, job = _text(h.get("commitment")), _text(h.get("job"))
        self._check_commitment_format(sage, rj, commitment)
        ctype = _text(h.get("commitment_type"))
        if ctype and ctype not in ("Subcontract", "Purchase order"):
            rj.add(
                "bad_value",
                f"commitment_type {ctype!r} is neither 'Subcontract' nor 'Purchase order'.",
                "commitment_type",
            )
        self._parse(rj, h, "date", _date)
        pct = self._parse(rj, h, "retainage_percent", _money)
        if pct is not None and not ZERO <= pct <= HUNDRED:
            rj.add("bad_value", f"retainage_percent {pct} is not 0–100.", "retainage_percent")
        if _flag(h.get("closed")):
            rj.add("bad_value", "A new commitment cannot be imported closed.", "closed")
        self._check_vendor(sage, rj, _text(h.get("vendor")))
        if job:
            self._check_job(sage, rj, job)
        if commitment and sage.one("JCM_MASTER__COMMITMENT", Commitment=commitment):
            rj.add(
                "duplicate_commitment",
                f"Commitment {commitment} already exists in Sage; pair the Procore commitment "
                "with it (origin_id) instead of creating it again.",
                "commitment",
            )
        total = self._parse(rj, h, "original_commitment", _money)
        if not rec.lines:
            rj.add("no_lines", f"Commitment {commitment} has no items.", None)
            return
        amounts, numbers = [], set()
        for line in rec.lines:
            n = self._parse(rj, line, "item_number", _int)
            where = f"Item {n}: "
            if n is None or n < 1 or n in numbers:
                rj.add(
                    "bad_value", f"{where}item_number must be a unique number ≥ 1.", "item_number"
                )
            numbers.add(n)
            self._fields(
                rj,
                line,
                (
                    ("description", "JCM_MASTER__COMMITMENT_ITEM", "Description", False),
                    ("unit_description", "JCM_MASTER__COMMITMENT_ITEM", "Unit_Description", False),
                    ("tax_group", "JCM_MASTER__COMMITMENT_ITEM", "Tax_Group", False),
                ),
                where,
            )
            a = self._parse(rj, line, "amount", _money, where)
            if a is not None:
                amounts.append(a)
            for f in ("units", "unit_cost", "tax", "retainage_percent"):
                self._parse(rj, line, f, _money, where)
            if job and _text(line.get("job")) and _text(line.get("job")) != job:
                rj.add(
                    "job_mismatch",
                    f"{where}job {_text(line.get('job'))} differs from the commitment's job {job}.",
                    "job",
                )
            self._check_coding(sage, rj, line, where=where)
        self._check_sum(
            rj,
            total,
            amounts,
            rule="amount_mismatch",
            field="original_commitment",
            what="Commitment amount",
        )

    def _check_commitment_format(self, sage: _Sage, rj: _Rejections, commitment: str) -> None:
        if not commitment:
            return
        length, caps = sage.commitment_format()
        if length and len(commitment) > length:
            rj.add(
                "field_too_long",
                f"Commitment {commitment!r} is {len(commitment)} characters; the company's "
                f"commitment format allows {length}.",
                "commitment",
            )
        if caps and commitment != commitment.upper():
            rj.add(
                "bad_format",
                f"Commitment {commitment!r} must be upper case (format control forces capitals).",
                "commitment",
            )

    # -- commitment change orders
    def _check_commitment_change_orders(
        self, sage: _Sage, rec: OutboundRecord, rj: _Rejections
    ) -> None:
        h = rec.header
        self._fields(
            rj,
            h,
            (
                ("commitment", "JCM_MASTER__COMMITMENT_CO", "Commitment", True),
                ("commitment_co", "JCM_MASTER__COMMITMENT_CO", "Commitment_CO", True),
                ("description", "JCM_MASTER__COMMITMENT_CO", "Description", False),
            ),
        )
        commitment, co = _text(h.get("commitment")), _text(h.get("commitment_co"))
        status = _text(h.get("status"))
        if status != "Approved":
            rj.add(
                "change_order_not_approved",
                f"Change order {co} is {status or 'not approved'}; only approved commitment "
                "change orders go to Sage.",
                "status",
            )
        day = self._parse(rj, h, "date", _date)
        if day is None and not any(r.field == "date" for r in rj.items):
            rj.add("missing_field", "date (approval date) is empty; Sage requires it.", "date")
        elif day is not None and day > self.today:
            rj.add(
                "change_order_future_date",
                f"Change order {co} is dated {day.isoformat()}, after today "
                f"({self.today.isoformat()}); Sage takes approved change orders dated today "
                "or earlier.",
                "date",
            )
        amount = self._parse(rj, h, "amount", _money)
        cm = sage.one("JCM_MASTER__COMMITMENT", Commitment=commitment) if commitment else None
        if commitment and cm is None:
            rj.add(
                "commitment_not_found",
                f"Subcontract {commitment} does not exist in Sage; write the commitment before "
                "its change orders.",
                "commitment",
            )
        if cm is not None:
            if _flag(cm["Closed"]):
                rj.add(
                    "commitment_closed",
                    f"Commitment {commitment} is closed in Sage; reopen it to add change orders.",
                    "commitment",
                )
            self._check_job(sage, rj, _text(cm["Job"]))
            if co and sage.one(
                "JCM_MASTER__COMMITMENT_CO", Commitment=commitment, Commitment_CO=co
            ):
                rj.add(
                    "duplicate_change_order",
                    f"Change order {co} already exists on commitment {commitment}; Sage change "
                    "orders are immutable and numbered once per commitment — use a new number "
                    "(a reversing CO fixes a wrong one).",
                    "commitment_co",
                )
        if not rec.lines:
            rj.add("no_lines", f"Change order {co} has no lines.", None)
            return
        amounts, numbers = [], set()
        for line in rec.lines:
            n = self._parse(rj, line, "line_number", _int)
            where = f"CO line {n}: "
            if n is None or n in numbers:
                rj.add("bad_value", f"{where}line_number must be unique.", "line_number")
            numbers.add(n)
            self._fields(
                rj,
                line,
                (("description", "JCM_MASTER__COMMITMENT_CO_ITEM", "Description", False),),
                where,
            )
            a = self._parse(rj, line, "amount", _money, where)
            if a is not None:
                amounts.append(a)
            self._parse(rj, line, "units", _money, where)
            coded = self._check_coding(sage, rj, line, where=where)
            if cm is None:
                continue
            if _text(line.get("job")) and _text(line.get("job")) != _text(cm["Job"]):
                rj.add(
                    "job_mismatch",
                    f"{where}job {_text(line.get('job'))} differs from commitment {commitment}'s "
                    f"job {_text(cm['Job'])}.",
                    "job",
                )
            item_no = self._parse(rj, line, "item_number", _int, where)
            if item_no is None:
                continue
            item = sage.one(
                "JCM_MASTER__COMMITMENT_ITEM", Commitment=commitment, Item_Number=item_no
            )
            if _flag(line.get("is_new_item")):
                if item is not None:
                    rj.add(
                        "commitment_item_exists",
                        f"{where}new item {item_no} already exists on commitment {commitment}; "
                        "renumber the new scope.",
                        "item_number",
                    )
            elif item is None:
                rj.add(
                    "commitment_item_not_found",
                    f"{where}commitment {commitment} has no item {item_no} to change.",
                    "item_number",
                )
            elif coded:
                mine = tuple(_text(line.get(c)) for c in ("job", "extra", "cost_code", "category"))
                theirs = tuple(_text(item[c]) for c in ("Job", "Extra", "Cost_Code", "Category"))
                if mine != theirs:
                    rj.add(
                        "commitment_coding_mismatch",
                        f"{where}coded {'|'.join(mine)} but item {item_no} of {commitment} is "
                        f"coded {'|'.join(theirs)}.",
                        "cost_code",
                    )
        self._check_sum(
            rj, amount, amounts, rule="amount_mismatch", field="amount", what="Change order amount"
        )

    # -- vendors (master data: rules for the import-file connector's set-up worksheet)
    def _check_vendors(self, sage: _Sage, rec: OutboundRecord, rj: _Rejections) -> None:
        h = rec.header
        table = "APM_MASTER__VENDOR"
        self._fields(
            rj,
            h,
            (
                ("vendor", table, "Vendor", True),
                ("name", table, "Name", True),
                ("type", table, "Type", False),
                ("address_1", table, "Address_1", False),
                ("city", table, "City", False),
                ("state", table, "State", False),
                ("zip", table, "ZIP", False),
                ("telephone", table, "Telephone", False),
                ("contact_1_email_address", table, "Contact_1_Email_Address", False),
            ),
        )
        vendor = _text(h.get("vendor"))
        if vendor and vendor != vendor.upper():
            rj.add("bad_format", f"Vendor code {vendor!r} must be upper case.", "vendor")
        if vendor and sage.one(table, Vendor=vendor) is not None:
            rj.add(
                "duplicate_vendor",
                f"Vendor {vendor} already exists in Sage; link the Procore vendor to it (vendor "
                "map) instead of creating it again, or propose another code.",
                "vendor",
            )

    # -- JC estimates
    def _check_jc_estimates(self, sage: _Sage, rec: OutboundRecord, rj: _Rejections) -> None:
        h = rec.header
        if not self._check_coding(sage, rj, h, category_must_exist=False):
            return
        job, extra = _text(h.get("job")), _text(h.get("extra"))
        code, cat = _text(h.get("cost_code")), _text(h.get("category"))
        if sage.one("JCM_MASTER__STANDARD_CATEGORY", Category=cat) is None:
            rj.add(
                "category_not_standard",
                f"Category {cat} is not in Sage's standard categories; the estimate import "
                "takes standard categories only. Add it to the standard list or remap.",
                "category",
            )
            return
        values = {
            f: self._parse(rj, h, f, _money)
            for f in (
                "original_estimate",
                "approved_estimate_changes",
                "total_estimate",
                "sage_original_estimate",
                "sage_approved_estimate_changes",
                "original_estimate_change",
                "approved_estimate_change",
            )
        }
        if any(v is None for v in values.values()):
            return
        if (
            values["total_estimate"]
            != values["original_estimate"] + values["approved_estimate_changes"]
        ):
            rj.add(
                "amount_mismatch",
                f"total_estimate {_fmt(values['total_estimate'])} is not original "
                f"{_fmt(values['original_estimate'])} + approved changes "
                f"{_fmt(values['approved_estimate_changes'])}.",
                "total_estimate",
            )
        for target, held, change in (
            ("original_estimate", "sage_original_estimate", "original_estimate_change"),
            (
                "approved_estimate_changes",
                "sage_approved_estimate_changes",
                "approved_estimate_change",
            ),
        ):
            if values[target] - values[held] != values[change]:
                rj.add(
                    "amount_mismatch",
                    f"{change} {_fmt(values[change])} is not {target} − {held}.",
                    change,
                )
        row = sage.one("JCM_MASTER__CATEGORY", Job=job, Extra=extra, Cost_Code=code, Category=cat)
        now_o = _money(row["Original_Estimate"]) if row else ZERO
        now_a = _money(row["Approved_Estimate_Changes"]) if row else ZERO
        if (now_o, now_a) != (
            values["sage_original_estimate"],
            values["sage_approved_estimate_changes"],
        ):
            rj.add(
                "estimate_changed_in_sage",
                f"Sage's estimate on {job}|{extra}|{code}|{cat} is now {_fmt(now_o)} + "
                f"{_fmt(now_a)}, not the {_fmt(values['sage_original_estimate'])} + "
                f"{_fmt(values['sage_approved_estimate_changes'])} this change was computed "
                "from; rebuild and review it again.",
                "sage_original_estimate",
            )

    # ------------------------------------------------------------------ posting
    def _apply(
        self, sage: _Sage, rec: OutboundRecord, run: int, seq: int, *, stamp: bool = True
    ) -> Receipt:
        table, column = STAMPS[rec.object_type]
        stamp_value = stamp_of(rec.idempotency_key, table, column) if stamp else None
        apply = getattr(self, f"_post_{rec.object_type}")
        sage_key, detail = apply(sage, rec, stamp_value, run, seq)
        sage.forget()
        return Receipt(
            rec.idempotency_key,
            sage_key,
            {
                "object_type": rec.object_type,
                "table": table,
                "stamp_field": column if stamp else None,
                **detail,
            },
        )

    def _post_ap_invoices(
        self, sage: _Sage, rec: OutboundRecord, stamp: str | None, run: int, seq: int
    ) -> tuple[str, dict]:
        h = rec.header
        vendor, invoice = _text(h["vendor"]), _text(h["invoice"])
        invoice_date = _date(h.get("invoice_date"))
        accounting = _date(h.get("accounting_date")) or invoice_date
        assert invoice_date is not None and accounting is not None
        payment = _date(h.get("payment_date")) or invoice_date + dt.timedelta(days=30)
        amount, retainage = _money(h.get("amount")), _money(h.get("retainage"))
        batch = f"AP{accounting:%y%m}"
        sage.insert(
            "APM_MASTER__INVOICE",
            {
                "Vendor": vendor,
                "Invoice": invoice,
                "Description": _text(h.get("description")) or None,
                "Status": "Open",
                "Amount": amount,
                "Tax": _money(h.get("tax")),
                "Retainage": retainage,
                "Amount_Paid": ZERO,
                "Retainage_Held": retainage,
                "Retainage_Paid": ZERO,
                "Invoice_Date": invoice_date,
                "Payment_Date": payment,
                "Accounting_Date": accounting,
                "Batch": batch,
                "Run": run,
                "Sequence": seq,
                "Onhold_Status": 0,
                "Invoice_Code_1": None,
                "Invoice_Code_2": stamp,
            },
        )
        jct_seq = self._jct_sequence(sage, run)
        touched: set[tuple[str, str, str]] = set()
        for line in rec.lines:
            job, extra = _text(line["job"]), _text(line.get("extra"))
            code, cat = _text(line["cost_code"]), _text(line["category"])
            commitment = _text(line.get("commitment"))
            item_no = _int(line.get("commitment_line_item")) if commitment else None
            a, r = _money(line.get("amount")), _money(line.get("retainage"))
            desc = _text(line.get("description")) or None
            sage.insert(
                "APM_MASTER__DISTRIBUTION",
                {
                    "Vendor": vendor,
                    "Invoice": invoice,
                    "Dist_Seq": _int(line["dist_seq"]),
                    "Job": job,
                    "Extra": extra,
                    "Cost_Code": code,
                    "Category": cat,
                    "Commitment": commitment or None,
                    "Commitment_Line_Item": item_no,
                    "Expense_Account": _text(line.get("expense_account")) or None,
                    "Description": desc,
                    "Amount": a,
                    "Amount_Paid": ZERO,
                    "Retainage": r,
                    "Retainage_Paid": ZERO,
                },
            )
            ctype = None
            if commitment:
                cm = sage.one("JCM_MASTER__COMMITMENT", Commitment=commitment)
                ctype = _text(cm["Commitment_Type"]) if cm else None
            jct_seq += 1
            sage.insert(
                "JCT_CURRENT__TRANSACTION",
                {
                    "Run": run,
                    "Sequence": jct_seq,
                    "Job": job,
                    "Extra": extra,
                    "Cost_Code": code,
                    "Category": cat,
                    "Transaction_Type": "AP cost",
                    "Transaction_Date": invoice_date,
                    "Accounting_Date": accounting,
                    "Description": desc,
                    "Units": ZERO,
                    "Unit_Cost": ZERO,
                    "Amount": a,
                    "Application_of_Origin": "AP",
                    "Batch": batch,
                    "Source": "AP Invoice",
                    "Vendor": vendor,
                    "Invoice": invoice,
                    "Commitment_Type": ctype,
                    "Commitment": commitment or None,
                    "Commitment_Line_Item": item_no,
                    "Retainage": r,
                    "Row_ID": str(uuid.uuid4()),
                },
            )
            cat_key = {"Job": job, "Extra": extra, "Cost_Code": code, "Category": cat}
            deltas = {"JTD_Cost": a}
            if commitment:
                deltas["Commitment_Invoiced"] = a
                sage.bump(
                    "JCM_MASTER__COMMITMENT_ITEM",
                    {"Commitment": commitment, "Item_Number": item_no},
                    {"Amount_Invoiced": a},
                )
                sage.bump(
                    "JCM_MASTER__COMMITMENT",
                    {"Commitment": commitment},
                    {"Amount_Invoiced": a, "Retainage_Held": r},
                )
            sage.bump("JCM_MASTER__CATEGORY", cat_key, deltas)
            touched.add((job, extra, code))
        self._roll_up(sage, touched)
        return f"{vendor}|{invoice}", {"run": run, "sequence": seq, "batch": batch}

    def _jct_sequence(self, sage: _Sage, run: int) -> int:
        sage.cur.execute(
            'SELECT MAX("Sequence") FROM JCT_CURRENT__TRANSACTION WHERE "Run" = ?', run
        )
        value = sage.cur.fetchone()[0]
        return int(float(value)) if value not in (None, "") else 0

    def _post_commitments(
        self, sage: _Sage, rec: OutboundRecord, stamp: str | None, run: int, seq: int
    ) -> tuple[str, dict]:
        h = rec.header
        commitment = _text(h["commitment"])
        pct = _money(h.get("retainage_percent"))
        items = [(line, _money(line.get("amount"))) for line in rec.lines]
        total = sum((a for _, a in items), ZERO)
        sage.insert(
            "JCM_MASTER__COMMITMENT",
            {
                "Commitment": commitment,
                "Commitment_Type": _text(h["commitment_type"]),
                "Description": _text(h.get("description")) or None,
                "Vendor": _text(h["vendor"]),
                "Job": _text(h["job"]),
                "Date": _date(h.get("date")),
                "Retainage_Percent": pct,
                "Closed": 0,
                "Original_Commitment": total,
                "Approved_Commitment_Changes": ZERO,
                "Revised_Commitment": total,
                "Amount_Invoiced": ZERO,
                "Retainage_Held": ZERO,
                "Ref_1": stamp,
            },
        )
        touched: set[tuple[str, str, str]] = set()
        for line, a in items:
            job, extra = _text(line["job"]), _text(line.get("extra"))
            code, cat = _text(line["cost_code"]), _text(line["category"])
            line_pct = line.get("retainage_percent")
            sage.insert(
                "JCM_MASTER__COMMITMENT_ITEM",
                {
                    "Commitment": commitment,
                    "Item_Number": _int(line["item_number"]),
                    "Description": _text(line.get("description")) or None,
                    "Job": job,
                    "Extra": extra,
                    "Cost_Code": code,
                    "Category": cat,
                    "Units": _money(line.get("units")),
                    "Unit_Cost": _money(line.get("unit_cost")),
                    "Unit_Description": _text(line.get("unit_description")) or "LS",
                    "Amount": a,
                    "Approved_Commitment_CO_Amount": ZERO,
                    "Amount_Invoiced": ZERO,
                    "Units_Invoiced": ZERO,
                    "Retainage_Percent": _money(line_pct) if line_pct is not None else pct,
                    "Tax": _money(line.get("tax")),
                    "Tax_Group": _text(line.get("tax_group")) or None,
                },
            )
            sage.bump(
                "JCM_MASTER__CATEGORY",
                {"Job": job, "Extra": extra, "Cost_Code": code, "Category": cat},
                {"Original_Commitment": a, "Revised_Commitment": a},
            )
            touched.add((job, extra, code))
        self._roll_up(sage, touched)
        return commitment, {"original_commitment": str(total)}

    def _post_commitment_change_orders(
        self, sage: _Sage, rec: OutboundRecord, stamp: str | None, run: int, seq: int
    ) -> tuple[str, dict]:
        h = rec.header
        commitment, co = _text(h["commitment"]), _text(h["commitment_co"])
        cm = sage.one("JCM_MASTER__COMMITMENT", Commitment=commitment)
        assert cm is not None
        lines = [(line, _money(line.get("amount"))) for line in rec.lines]
        total = sum((a for _, a in lines), ZERO)
        sage.insert(
            "JCM_MASTER__COMMITMENT_CO",
            {
                "Commitment": commitment,
                "Commitment_CO": co,
                "Description": _text(h.get("description")) or None,
                "Date": _date(h.get("date")),
                "Status": "Approved",
                "Amount": total,
                "Ref_1": stamp,
            },
        )
        touched: set[tuple[str, str, str]] = set()
        for line, a in lines:
            job, extra = _text(line["job"]), _text(line.get("extra"))
            code, cat = _text(line["cost_code"]), _text(line["category"])
            item_no = _int(line["item_number"])
            desc = _text(line.get("description")) or None
            key = {"Commitment": commitment, "Item_Number": item_no}
            if not sage.rows("JCM_MASTER__COMMITMENT_ITEM", key, ["Item_Number"]):
                sage.insert(
                    "JCM_MASTER__COMMITMENT_ITEM",
                    {
                        **key,
                        "Description": desc,
                        "Job": job,
                        "Extra": extra,
                        "Cost_Code": code,
                        "Category": cat,
                        "Units": ZERO,
                        "Unit_Cost": ZERO,
                        "Unit_Description": "LS",
                        "Amount": ZERO,
                        "Approved_Commitment_CO_Amount": ZERO,
                        "Amount_Invoiced": ZERO,
                        "Units_Invoiced": ZERO,
                        "Retainage_Percent": _money(cm["Retainage_Percent"]),
                        "Tax": ZERO,
                        "Tax_Group": None,
                    },
                )
            sage.bump("JCM_MASTER__COMMITMENT_ITEM", key, {"Approved_Commitment_CO_Amount": a})
            sage.insert(
                "JCM_MASTER__COMMITMENT_CO_ITEM",
                {
                    "Commitment": commitment,
                    "Commitment_CO": co,
                    "Line_Number": _int(line["line_number"]),
                    "Item_Number": item_no,
                    "Description": desc,
                    "Job": job,
                    "Extra": extra,
                    "Cost_Code": code,
                    "Category": cat,
                    "Units": _money(line.get("units")),
                    "Amount": a,
                },
            )
            sage.bump(
                "JCM_MASTER__CATEGORY",
                {"Job": job, "Extra": extra, "Cost_Code": code, "Category": cat},
                {"Approved_Commitment_Changes": a, "Revised_Commitment": a},
            )
            touched.add((job, extra, code))
        sage.bump(
            "JCM_MASTER__COMMITMENT",
            {"Commitment": commitment},
            {"Approved_Commitment_Changes": total, "Revised_Commitment": total},
        )
        self._roll_up(sage, touched)
        return f"{commitment}|{co}", {"amount": str(total)}

    def _post_jc_estimates(
        self, sage: _Sage, rec: OutboundRecord, stamp: str | None, run: int, seq: int
    ) -> tuple[str, dict]:
        h = rec.header
        job, extra = _text(h["job"]), _text(h.get("extra"))
        code, cat = _text(h["cost_code"]), _text(h["category"])
        key = {"Job": job, "Extra": extra, "Cost_Code": code, "Category": cat}
        original = _money(h["original_estimate"])
        approved = _money(h["approved_estimate_changes"])
        values = {
            "Original_Estimate": original,
            "Approved_Estimate_Changes": approved,
            "Total_Estimate": original + approved,
        }
        if stamp is not None:  # an unstamped import leaves an earlier stamp alone
            values["Ref_1"] = stamp
        if sage.rows("JCM_MASTER__CATEGORY", key, ["Category"]):
            sage.update("JCM_MASTER__CATEGORY", key, values)
        else:  # the estimate import creates the line from the standard category
            std = sage.one("JCM_MASTER__STANDARD_CATEGORY", Category=cat) or {}
            sage.insert(
                "JCM_MASTER__CATEGORY",
                {
                    **key,
                    "Description": _text(std.get("Description")) or None,
                    "Status": "Active",
                    "Accumulate_As": _text(std.get("Accumulate_As")) or None,
                    "Pending_Estimate_Changes": ZERO,
                    "Original_Commitment": ZERO,
                    "Approved_Commitment_Changes": ZERO,
                    "Revised_Commitment": ZERO,
                    "Commitment_Invoiced": ZERO,
                    "JTD_Cost": ZERO,
                    "Row_ID": str(uuid.uuid4()),
                    **values,
                },
            )
        self._roll_up(sage, {(job, extra, code)})
        return "|".join((job, extra, code, cat)), {
            "original_estimate": str(original),
            "approved_estimate_changes": str(approved),
        }

    # ------------------------------------------------------------------ roll-ups
    def _roll_up(self, sage: _Sage, codes: Iterable[tuple[str, str, str]]) -> None:
        """Category → cost code → job, recomputed exactly as a posting leaves them."""
        jobs: set[str] = set()
        for job, extra, code in sorted(set(codes)):
            cats = sage.rows(
                "JCM_MASTER__CATEGORY",
                {"Job": job, "Extra": extra, "Cost_Code": code},
                [
                    "Category",
                    "Original_Estimate",
                    "Approved_Estimate_Changes",
                    "Original_Commitment",
                    "Approved_Commitment_Changes",
                    "Commitment_Invoiced",
                    "JTD_Cost",
                ],
            )
            for c in cats:  # the category's own derived totals
                sage.update(
                    "JCM_MASTER__CATEGORY",
                    {"Job": job, "Extra": extra, "Cost_Code": code, "Category": c["Category"]},
                    {
                        "Total_Estimate": _money(c["Original_Estimate"])
                        + _money(c["Approved_Estimate_Changes"]),
                        "Revised_Commitment": _money(c["Original_Commitment"])
                        + _money(c["Approved_Commitment_Changes"]),
                    },
                )
            cats = sage.rows(
                "JCM_MASTER__CATEGORY",
                {"Job": job, "Extra": extra, "Cost_Code": code},
                [src for src, _ in CODE_SUMS],
            )
            totals = {dst: sum((_money(c[src]) for c in cats), ZERO) for src, dst in CODE_SUMS}
            totals.update(_wip(totals["Total_Estimate"], totals["JTD_Cost"]))
            sage.update(
                "JCM_MASTER__COST_CODE", {"Job": job, "Extra": extra, "Cost_Code": code}, totals
            )
            jobs.add(job)
        for job in sorted(jobs):
            ccs = sage.rows("JCM_MASTER__COST_CODE", {"Job": job}, list(JOB_SUMS))
            totals = {k: sum((_money(c[k]) for c in ccs), ZERO) for k in JOB_SUMS}
            at_comp = totals["Cost_At_Comp"]
            totals["Percent_Complete"] = (
                (totals["JTD_Cost"] / at_comp * HUNDRED).quantize(CENT) if at_comp else ZERO
            )
            sage.update("JCM_MASTER__JOB", {"Job": job}, totals)


def _rollback(conn: pyodbc.Connection) -> None:
    with contextlib.suppress(pyodbc.Error):
        conn.rollback()


class _Session:
    """Open the company for one call; map lock/timeout errors to TransientConnectorError."""

    def __init__(self, connector: TestCompanyConnector, *, read_only: bool):
        self.connector, self.read_only = connector, read_only
        self.conn: pyodbc.Connection | None = None

    def __enter__(self) -> _Sage:
        try:
            self.conn = odbc.connect(
                self.connector.database,
                read_only=self.read_only,
                autocommit=self.read_only,
                timeout=self.connector.timeout,
            )
        except SageOdbcError as exc:
            if _is_locked(exc):
                raise TransientConnectorError(str(exc)) from exc
            raise
        return _Sage(self.conn)

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.conn is not None
        with contextlib.suppress(pyodbc.Error):
            self.conn.close()
        if exc is not None and isinstance(exc, pyodbc.Error | SageOdbcError) and _is_locked(exc):
            raise TransientConnectorError(
                f"the Sage test company {self.connector.database.name} is locked by another "
                f"writer; nothing was written — retry later ({exc})"
            ) from exc
