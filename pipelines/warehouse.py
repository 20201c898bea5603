"""Where extraction lands: one DuckDB warehouse and one dlt state folder under TIEOUT_HOME.

Both sources use these factories so a run is isolated by TIEOUT_HOME alone and the
dbt project finds the raw schemas (`raw_procore`, `raw_sage`) where it expects them.
"""

from __future__ import annotations

import os
from pathlib import Path

import dlt

from orchestration.home import tieout_home

PROCORE_DATASET = "raw_procore"
SAGE_DATASET = "raw_sage"
CONTROL_DATASET = "raw_control"  # a copy of the control store's tables (pipelines/control)


def warehouse_path(home: Path | None = None) -> Path:
    """The DuckDB warehouse file (override with TIEOUT_WAREHOUSE)."""
    override = os.environ.get("TIEOUT_WAREHOUSE")
    return Path(override).resolve() if override else (home or tieout_home()) / "warehouse.duckdb"


def pipelines_dir(home: Path | None = None) -> Path:
    """dlt's local state (load packages, schemas); the destination keeps a copy too."""
    path = (home or tieout_home()) / "dlt"
    path.mkdir(parents=True, exist_ok=True)
    return path


def make_pipeline(name: str, dataset: str, home: Path | None = None) -> dlt.Pipeline:
    """A dlt pipeline writing `dataset` into the DuckDB warehouse."""
    return dlt.pipeline(
        pipeline_name=f"tieout_{name}",
        destination=dlt.destinations.duckdb(str(warehouse_path(home))),
        dataset_name=dataset,
        pipelines_dir=str(pipelines_dir(home)),
        progress="log" if os.environ.get("TIEOUT_DLT_PROGRESS") else None,
    )
