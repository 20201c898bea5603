"""SQLite DDL for the test company, derived from the catalogue.

The column types are chosen for what the SQLite3 ODBC driver reports to pyodbc:
`VARCHAR(n)` has SQLite's TEXT affinity *and* makes the driver report width n in
`cursor.description` (plain TEXT reports 65536), so readers see Sage's varchar widths;
REAL comes back as a Python float (Sage money is a double); DATE columns hold ISO
'YYYY-MM-DD' text and come back as `datetime.date`; INTEGER needs the driver's
`BigInt=1` (set by `odbc.connection_string`) or values past 2**31 are truncated.

CHECK constraints make the database itself refuse what Sage would refuse: over-long
text, non-numeric money, malformed dates, flags other than 0/1. The bulk loader relies
on them (SQLite converts and checks each cell, which is much faster than Python), and
a later Connector gets the same guarantees for free.
"""

from __future__ import annotations

from collections.abc import Sequence

from sandbox.sage.catalogue import Column, Table

SQL_TYPES = {"money": "REAL", "number": "REAL", "int": "INTEGER", "date": "DATE", "flag": "INTEGER"}

# The JC coding columns. tieout joins on Job|Extra|Cost_Code|Category, and Sage stores
# a blank (''), never NULL, for "no extra" — so an empty cell becomes '' in these.
CODING_COLUMNS = frozenset({"Job", "Extra", "Cost_Code", "Category"})

# Secondary indexes for the reads tieout makes (by job, by coding, by commitment, by
# posting run). Primary keys come from the catalogue keys.
INDEXES: dict[str, tuple[tuple[str, ...], ...]] = {
    "JCT_CURRENT__TRANSACTION": (
        ("Job", "Accounting_Date"),
        ("Job", "Extra", "Cost_Code", "Category"),
        ("Commitment",),
    ),
    "JCM_MASTER__COMMITMENT": (("Job",), ("Vendor",)),
    "JCM_MASTER__COMMITMENT_ITEM": (("Job", "Extra", "Cost_Code", "Category"),),
    "JCM_MASTER__COMMITMENT_CO_ITEM": (("Job", "Extra", "Cost_Code", "Category"),),
    "APM_MASTER__INVOICE": (("Run", "Sequence"), ("Accounting_Date",)),
    "APM_MASTER__DISTRIBUTION": (
        ("Job", "Extra", "Cost_Code", "Category"),
        ("Commitment", "Commitment_Line_Item"),
    ),
    "CNC_ACTIVE__CONTRACT": (("Job",),),
    "CNC_ACTIVE__CONTRACT_ITEM": (("Job",),),
    "ART_CURRENT__TRANSACTION": (("Job",), ("Contract",)),
}


def quote(identifier: str) -> str:
    """Double-quote an identifier (works in SQLite and in Sage's driver alike)."""
    return '"' + identifier.replace('"', '""') + '"'


def blank_not_null(table: Table) -> frozenset[str]:
    """Text columns stored as '' rather than NULL when empty: key text and JC coding."""
    return frozenset(
        c.name
        for c in table.columns
        if c.type == "text" and (c.name in table.key or c.name in CODING_COLUMNS)
    )


def sql_type(column: Column) -> str:
    if column.type == "text":
        return f"VARCHAR({column.length})" if column.length else "TEXT"
    return SQL_TYPES[column.type]


def check_expression(column: Column) -> str | None:
    """The CHECK that enforces Sage's type and width for one column (None: no check)."""
    q = quote(column.name)
    if column.type == "text":
        return f"length({q}) <= {column.length}" if column.length else None
    # OR chains, not `typeof(x) IN (...)`: SQLite evaluates the IN form ~5x slower per
    # row, which cost ~20 s on a 2M-row load.
    if column.type in ("money", "number"):
        return f"typeof({q}) = 'real' OR typeof({q}) = 'integer' OR {q} IS NULL"
    if column.type == "int":
        return f"typeof({q}) = 'integer' OR {q} IS NULL"
    if column.type == "flag":
        return f"{q} = 0 OR {q} = 1"
    if column.type == "date":
        # date() alone accepts 2023-02-31; the '+0 days' modifier normalises it to
        # 2023-03-03, so only real calendar days compare equal.
        return (
            f"{q} IS NULL OR ({q} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'"
            f" AND date({q}, '+0 days') IS {q})"
        )
    raise ValueError(f"catalogue column {column.name}: unknown type {column.type!r}")


def check_name(column: Column) -> str:
    """Constraint name; SQLite puts it in the error ("CHECK constraint failed: ck_Job")."""
    return f"ck_{column.name}"


def column_ddl(table: Table, column: Column) -> str:
    parts = [quote(column.name), sql_type(column)]
    if column.name in blank_not_null(table):
        parts.append("NOT NULL DEFAULT ''")
    elif column.name in table.key:
        parts.append("NOT NULL")
    check = check_expression(column)
    if check:
        parts.append(f"CONSTRAINT {quote(check_name(column))} CHECK ({check})")
    return " ".join(parts)


def create_table_sql(table: Table) -> str:
    lines = [column_ddl(table, c) for c in table.columns]
    if table.key:
        lines.append("PRIMARY KEY (" + ", ".join(quote(k) for k in table.key) + ")")
    body = ",\n  ".join(lines)
    return f"CREATE TABLE {quote(table.name)} (\n  {body}\n)"


def create_index_sql(table: Table) -> list[str]:
    known = set(table.column_names)
    statements = []
    for cols in INDEXES.get(table.name, ()):
        if not set(cols) <= known:
            continue  # the catalogue changed; an index is an optimisation, not a contract
        name = quote(f"ix_{table.name}__{'_'.join(cols)}")
        statements.append(
            f"CREATE INDEX {name} ON {quote(table.name)} ({', '.join(quote(c) for c in cols)})"
        )
    return statements


def insert_sql(table: Table, columns: Sequence[str]) -> str:
    """INSERT for a CSV's columns, in the CSV's order. Empty cells become NULL in SQL
    (NULLIF), except blank-not-null text; columns absent from the CSV take defaults."""
    blank = blank_not_null(table)
    values = ", ".join("?" if c in blank else "NULLIF(?, '')" for c in columns)
    names = ", ".join(quote(c) for c in columns)
    return f"INSERT INTO {quote(table.name)} ({names}) VALUES ({values})"
