"""Helpers the control store tests share (imported by name: this folder is on sys.path)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from writers.control import ControlStore


def count(store: ControlStore, table: str) -> int:
    with store.engine.connect() as conn:
        return conn.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def write_control(directory: Path, files: dict[str, str]) -> Path:
    """A control/ folder with the given CSV texts (file stem → content)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stem, text in files.items():
        (directory / f"{stem}.csv").write_text(text, encoding="utf-8")
    return directory


# Shaped like a generated scenario's control/ files: empty job / type / category = NULL,
# two contradictory rows for ALLOW-01, a job-specific GC-PM row, an empty sage_prefix.
CONTROL_FILES = {
    "cost_code_overrides": "job,procore_cost_code,sage_cost_code\n"
    "25-007,A360,23-31-10\n25-007,A370,23-31-30\n",
    "cost_code_map": "procore_cost_code,job,line_item_type,sage_cost_code,sage_category\n"
    "ALLOW-01,,,01-50-00,\nALLOW-01,,,01-52-00,\nGC-PM,,,01-31-20,\n"
    "GC-PM,25-001,,01-31-30,\nGC-EQ,,E,01-54-00,R\n",
    "job_prefix_rules": "procore_prefix,sage_prefix\nP-,\n",
    "vendor_map": "procore_vendor_id,sage_vendor\n3900000007,CANYON02\n3900000014,GRANIT01\n",
}
