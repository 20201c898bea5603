"""Regenerate the catalogue sections of sandbox/sage/README.md from catalogue.py.

The table list and the INFERRED list are generated so they cannot drift from the
contract; tests/sage checks the README is current. Run after changing the catalogue:

    .venv/bin/python -m sandbox.sage.readme
"""

from __future__ import annotations

from pathlib import Path

from sandbox.sage import ddl
from sandbox.sage.catalogue import INFERRED, TABLES

README = Path(__file__).with_name("README.md")
BEGIN = "<!-- BEGIN GENERATED from catalogue.py by `python -m sandbox.sage.readme` -->"
END = "<!-- END GENERATED -->"


def _type(column) -> str:
    return f"{column.type}({column.length})" if column.length else column.type


def render() -> str:
    """Markdown for the tables (key, columns, secondary indexes) and the INFERRED list."""
    lines = ["### Tables", "", "| table | key | columns | indexes |", "|---|---|---|---|"]
    for t in TABLES:
        key = ", ".join(t.key) or "(none: one settings row)"
        cols = ", ".join(f"`{c.name}` {_type(c)}" for c in t.columns)
        idx = "; ".join(", ".join(cols) for cols in ddl.INDEXES.get(t.name, ())) or ""
        note = f" — {t.description}" if t.description else ""
        lines.append(f"| `{t.name}`{note} | {key} | {cols} | {idx} |")
    lines += [
        "",
        "### INFERRED names and columns",
        "",
        "Reconstructed, not seen in public code. A real Sage ODBC catalogue "
        "(`SELECT * FROM <table> WHERE 1 = 0` against `Timberline Data`, "
        "`StandardMode=1`) should confirm or correct each one in catalogue.py.",
        "",
        "| table or table.column | why it is inferred |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {why} |" for name, why in INFERRED.items()]
    return "\n".join(lines)


def updated(text: str) -> str:
    """`text` with the generated block replaced by the current render."""
    head, sep, rest = text.partition(BEGIN)
    if not sep:
        raise ValueError(f"README has no generated block (marker {BEGIN!r})")
    _, sep, tail = rest.partition(END)
    if not sep:
        raise ValueError(f"README has no end marker {END!r}")
    return f"{head}{BEGIN}\n{render()}\n{END}{tail}"


def main() -> None:
    README.write_text(updated(README.read_text()))
    print(f"updated {README}")


if __name__ == "__main__":
    main()
