"""TIEOUT_HOME: the one directory of local state (warehouse, control store, test company,
dlt pipeline state, logs). Setting it isolates a run completely."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = "var"


def tieout_home() -> Path:
    """Resolve TIEOUT_HOME (default ./var) and make sure it exists."""
    home = Path(os.environ.get("TIEOUT_HOME") or DEFAULT_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def sage_company_path(home: Path | None = None) -> Path:
    """Where the embedded Sage test company (SQLite behind ODBC) lives."""
    return (home or tieout_home()) / "sage" / "company.sqlite"


def scenarios_dir(home: Path | None = None) -> Path:
    return (home or tieout_home()) / "scenarios"
