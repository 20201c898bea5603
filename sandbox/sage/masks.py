"""Job and cost-code formats from Sage's format-control table, TS_CTL_RECORD_3.

Sage keeps one row per (field, section): FLDCODE 16 = job (up to 3 sections),
18 = cost code (up to 4); CSLEN is the section's length, CNPUNCT the separator after
it, CNDESC its label, CNTCAP "force capitals". Codes are stored *with* their
separators, and an import rejects a code whose sections or separators do not match
(reference §3, §8.4). The generator writes these rows; the writer checks every code
it sends with `validate` before Sage would reject it.

A blank CNPUNCT means "no separator": sections then sit at fixed positions
(INFERRED: Pervasive pads a 1-char field with a space when it is unset).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from sandbox.sage.errors import MaskError

TABLE = "TS_CTL_RECORD_3"
COLUMNS = ("FLDCODE", "Section", "CSLEN", "CNDESC", "CNPUNCT", "CNTCAP")


@dataclass(frozen=True)
class Section:
    length: int
    separator: str = ""  # written after this section; '' for none (always '' on the last)
    label: str = ""


@dataclass(frozen=True)
class CodeMask:
    """A code format: ordered sections with lengths and separators."""

    sections: tuple[Section, ...]
    upper: bool = False

    FLDCODE: ClassVar[int] = 0
    MAX_SECTIONS: ClassVar[int] = 4
    WIDTH: ClassVar[int] = 12  # the catalogue column width the code must fit
    FIELD: ClassVar[str] = "code"

    def __post_init__(self) -> None:
        if not self.sections:
            raise MaskError(f"{self.FIELD} format has no sections")
        if len(self.sections) > self.MAX_SECTIONS:
            raise MaskError(
                f"{self.FIELD} format has {len(self.sections)} sections; Sage "
                f"allows at most {self.MAX_SECTIONS}"
            )
        if any(s.length < 1 for s in self.sections):
            raise MaskError(f"{self.FIELD} format has a section of length < 1")
        if self.sections[-1].separator:  # nothing follows the last section
            last = self.sections[-1]
            object.__setattr__(
                self, "sections", (*self.sections[:-1], Section(last.length, "", last.label))
            )
        if self.total_length > self.WIDTH:
            raise MaskError(
                f"{self.FIELD} format {self.format_example()} is "
                f"{self.total_length} characters; the column holds {self.WIDTH}"
            )

    @classmethod
    def from_lengths(cls, *lengths: int, separator: str = "-", upper: bool = False):
        """Convenience: `CostCodeMask.from_lengths(2, 3)` is `xx-xxx`."""
        return cls(tuple(Section(n, separator) for n in lengths), upper)

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, Any] | Any]):
        """Build from TS_CTL_RECORD_3 rows (dicts, CSV DictReader rows or pyodbc Rows)."""
        mine = [r for r in (_normalise(row) for row in rows) if r["FLDCODE"] == cls.FLDCODE]
        mine.sort(key=lambda r: r["Section"])
        sections = []
        for r in mine:
            if r["CSLEN"] <= 0:
                break  # unused trailing sections carry length 0
            sections.append(Section(r["CSLEN"], r["CNPUNCT"], r["CNDESC"]))
        if not sections:
            raise MaskError(
                f"{TABLE} has no FLDCODE {cls.FLDCODE} ({cls.FIELD}) sections; "
                "the company's format control is missing"
            )
        return cls(tuple(sections), any(r["CNTCAP"] for r in mine))

    def to_rows(self) -> list[dict[str, Any]]:
        """The TS_CTL_RECORD_3 rows for this format (what the generator writes)."""
        return [
            {
                "FLDCODE": self.FLDCODE,
                "Section": i,
                "CSLEN": s.length,
                "CNDESC": s.label,
                "CNPUNCT": s.separator,
                "CNTCAP": int(self.upper),
            }
            for i, s in enumerate(self.sections, 1)
        ]

    @property
    def total_length(self) -> int:
        return sum(s.length + len(s.separator) for s in self.sections)

    def format_example(self) -> str:
        """`xx-xxx` for two sections of 2 and 3 joined by '-'."""
        return "".join("x" * s.length + s.separator for s in self.sections)

    def compose(self, segments: Iterable[str]) -> str:
        """Join section values with the mask's separators; the result is validated."""
        parts = list(segments)
        if len(parts) != len(self.sections):
            raise MaskError(
                f"{self.FIELD} format {self.format_example()} has "
                f"{len(self.sections)} sections, got {len(parts)} values"
            )
        code = "".join(p + s.separator for p, s in zip(parts, self.sections, strict=True))
        self.segments(code)
        return code

    def validate(self, code: str | None) -> list[str]:
        """Every reason Sage would reject `code`; empty when it fits the format."""
        fmt = self.format_example()
        if not code:
            return [f"{self.FIELD} is empty (format {fmt})"]
        head = f"{self.FIELD} {code!r}"
        problems = []
        if self.upper and code != code.upper():
            problems.append(f"{head} must be upper case (format control forces capitals)")
        _, parse_problems = self._parse(code)
        problems += [f"{head}: {p} (format {fmt})" for p in parse_problems]
        return problems

    def segments(self, code: str) -> tuple[str, ...]:
        """Split a valid code into its section values; MaskError says why if it is not."""
        problems = self.validate(code)
        if problems:
            raise MaskError("; ".join(problems))
        return self._parse(code)[0]

    def is_valid(self, code: str | None) -> bool:
        return not self.validate(code)

    def _parse(self, code: str) -> tuple[tuple[str, ...], list[str]]:
        seps = {s.separator for s in self.sections if s.separator}
        rest, parts, problems = code, [], []
        for i, section in enumerate(self.sections, 1):
            label = f"section {i}" + (f" ({section.label})" if section.label else "")
            if i == len(self.sections):
                value, rest = rest, ""
                if any(sep in value for sep in seps):
                    problems.append(f"more sections than the format's {len(self.sections)}")
                    break
            elif section.separator:
                at = rest.find(section.separator)
                if at < 0:
                    problems.append(f"missing separator {section.separator!r} after {label}")
                    break
                value, rest = rest[:at], rest[at + 1 :]
            else:
                value, rest = rest[: section.length], rest[section.length :]
            if len(value) != section.length:
                problems.append(
                    f"{label} {value!r} has {len(value)} characters, the "
                    f"format needs {section.length}"
                )
            parts.append(value)
        return tuple(parts), problems


@dataclass(frozen=True)
class CostCodeMask(CodeMask):
    FLDCODE: ClassVar[int] = 18
    MAX_SECTIONS: ClassVar[int] = 4
    WIDTH: ClassVar[int] = 12
    FIELD: ClassVar[str] = "cost code"


@dataclass(frozen=True)
class JobMask(CodeMask):
    FLDCODE: ClassVar[int] = 16
    MAX_SECTIONS: ClassVar[int] = 3
    WIDTH: ClassVar[int] = 10
    FIELD: ClassVar[str] = "job"


@dataclass(frozen=True)
class CompanyMasks:
    job: JobMask
    cost_code: CostCodeMask


def masks_from_rows(rows: Iterable[Mapping[str, Any] | Any]) -> CompanyMasks:
    rows = list(rows)
    return CompanyMasks(JobMask.from_rows(rows), CostCodeMask.from_rows(rows))


def load_masks(conn: Any) -> CompanyMasks:
    """Read the company's formats through ODBC (a pyodbc connection)."""
    from sandbox.sage.reader import stream

    rows = [
        dict(zip(COLUMNS, r, strict=True)) for batch in stream(conn, TABLE, COLUMNS) for r in batch
    ]
    return masks_from_rows(rows)


def _normalise(row: Mapping[str, Any] | Any) -> dict[str, Any]:
    """One TS_CTL_RECORD_3 row as typed values, whatever it came as (CSV text included)."""
    get = row.get if isinstance(row, Mapping) else lambda k: getattr(row, k, None)

    def integer(key: str) -> int:
        value = get(key)
        if value in (None, ""):
            return 0
        try:
            return int(float(value))
        except (TypeError, ValueError) as exc:
            raise MaskError(f"{TABLE}.{key} value {value!r} is not a number") from exc

    punct = get("CNPUNCT") or ""
    return {
        "FLDCODE": integer("FLDCODE"),
        "Section": integer("Section"),
        "CSLEN": integer("CSLEN"),
        "CNDESC": (get("CNDESC") or "").strip(),
        "CNPUNCT": "" if not str(punct).strip() else str(punct),
        "CNTCAP": bool(integer("CNTCAP")),
    }
