"""Small, deterministic `sage/*.csv` fixtures: at least one row for every catalogue table.

Values are derived from each column's catalogue type, with the JC coding columns set
to codes that fit the fixture's format control (job `xx-xxx`, cost code `xx-xxx`), the
primary job's Extra blank, and row 1 leaving its last optional column empty so the
NULL-versus-'' rule is exercised in every table.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from sandbox.sage.catalogue import BY_NAME, TABLES, Column, Table

ROWS_PER_TABLE = 2
CODING = {
    "Job": ("24-001", "24-002"),
    "Extra": ("", "1"),
    "Cost_Code": ("01-100", "02-200"),
    "Category": ("L", "M"),
}
BIG_RUN = 3_000_000_000  # past 2**31: proves the driver's BigInt=1 is in force
FORMAT_CONTROL = [  # TS_CTL_RECORD_3: job xx-xxx, cost code xx-xxx, commitment 12
    {
        "FLDCODE": "16",
        "Section": "1",
        "CSLEN": "2",
        "CNDESC": "Year",
        "CNPUNCT": "-",
        "CNTCAP": "1",
    },
    {
        "FLDCODE": "16",
        "Section": "2",
        "CSLEN": "3",
        "CNDESC": "Number",
        "CNPUNCT": "",
        "CNTCAP": "1",
    },
    {
        "FLDCODE": "18",
        "Section": "1",
        "CSLEN": "2",
        "CNDESC": "Division",
        "CNPUNCT": "-",
        "CNTCAP": "0",
    },
    {"FLDCODE": "18", "Section": "2", "CSLEN": "3", "CNDESC": "Code", "CNPUNCT": "", "CNTCAP": "0"},
]


def value_for(table: Table, column: Column, i: int) -> str:
    """A CSV cell for row `i` that fits the column's type and width."""
    if column.name in CODING:
        return CODING[column.name][i]
    if table.name == "JCT_CURRENT__TRANSACTION" and column.name == "Run":
        return str(BIG_RUN + i)
    if column.type == "text":
        stem = f"{column.name[:3]}{i}é" if column.length and column.length >= 5 else f"{i}"
        return stem[: column.length]
    if column.type == "money":
        return f"{1234567.89 + i * 0.01:.2f}" if i % 2 == 0 else "-0.07"
    if column.type == "number":
        return f"{12.5 + i}"
    if column.type == "int":
        return str(i + 1)
    if column.type == "date":
        return (dt.date(2024, 2, 29) + dt.timedelta(days=i)).isoformat()
    if column.type == "flag":
        return "1" if i % 2 == 0 else "0"
    raise ValueError(column.type)


def table_rows(table: Table, n: int = ROWS_PER_TABLE) -> list[dict[str, str]]:
    if table.name == "TS_CTL_RECORD_3":
        return [dict(r) for r in FORMAT_CONTROL]
    rows = []
    for i in range(n):
        row = {c.name: value_for(table, c, i) for c in table.columns}
        optional = [
            c.name for c in table.columns if c.name not in table.key and c.name not in CODING
        ]
        if i == 1 and optional:
            row[optional[-1]] = ""
        rows.append(row)
    return rows


def sage_rows() -> dict[str, list[dict[str, str]]]:
    """Rows for every table of the catalogue."""
    return {t.name: table_rows(t) for t in TABLES}


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_table(
    sage_dir: Path,
    table: str,
    rows: Sequence[Mapping[str, str]],
    header: Sequence[str] | None = None,
) -> Path:
    header = list(header or BY_NAME[table].column_names)
    return write_csv(
        sage_dir / f"{table}.csv", header, ([r.get(c, "") for c in header] for r in rows)
    )


def write_sage_dir(
    sage_dir: Path, rows: Mapping[str, Sequence[Mapping[str, str]]] | None = None
) -> Path:
    """Write one CSV per table (header = catalogue columns) and return the folder."""
    for name, table_rows_ in (rows or sage_rows()).items():
        write_table(sage_dir, name, table_rows_)
    return sage_dir


def write_scenario(root: Path) -> Path:
    """A minimal scenario directory around a factory `sage/` folder."""
    (root / "procore").mkdir(parents=True, exist_ok=True)
    (root / "scenario.toml").write_text(
        'name = "sage-fixture"\nas_of = "2024-06-30"\n'
        '[procore]\ncompany_id = 1\nclient_id = "c"\nclient_secret = "s"\n'
    )
    write_sage_dir(root / "sage")
    return root


def jct_rows(n: int, start_run: int = 1) -> Iterator[list[str]]:
    """`n` JCT rows in catalogue column order; Amount of row k is k cents + 1.00."""
    t = BY_NAME["JCT_CURRENT__TRANSACTION"]
    jobs = ("24-001", "24-002", "24-003")
    for k in range(n):
        row = {c.name: "" for c in t.columns}
        row.update(
            Run=str(start_run + k // 1000),
            Sequence=str(k % 1000 + 1),
            Job=jobs[k % 3],
            Extra="",
            Cost_Code="01-100",
            Category="LMS"[k % 3],
            Transaction_Type="AP cost",
            Transaction_Date="2024-01-15",
            Accounting_Date=f"2024-{k % 12 + 1:02d}-01",
            Amount=f"{1 + k / 100:.2f}",
            Description=f"posting {k}",
        )
        yield [row[c] for c in t.column_names]
