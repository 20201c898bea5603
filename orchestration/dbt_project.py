"""The dbt project as Dagster loads it, and the manifest it needs before it can load.

`@dbt_assets` reads `dbt_project/target/manifest.json` when `orchestration.definitions` is
imported. Only `dagster dev` prepares it by itself (P9), so `ensure_manifest()` runs
`dbt parse` whenever the manifest is missing or older than any file of the dbt project or
profiles.yml: a fresh clone, a code server, a test run or a CI job then just works. To build
it ahead of time (an image build), run

    dbt parse --project-dir dbt_project --profiles-dir .

or `dagster-dbt project prepare-and-package --file orchestration/dbt_project.py`.

Kept free of relative and package-internal imports so that dagster-dbt can load this file
on its own.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster_dbt import DbtProject

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
PROFILES_DIR = REPO_ROOT
TARGET_PATH = "target"  # the duckdb target's artifacts; postgres builds use target_pg (P15)
# what does not feed the manifest: build artifacts, logs, installed packages
IGNORED_DIRS = {"target", "target_pg", "logs", "dbt_packages", "__pycache__"}

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=PROFILES_DIR,
    target_path=Path(TARGET_PATH),
)


class ManifestError(RuntimeError):
    """`dbt parse` failed: the dbt project has an error to fix first."""


def _newest_source_mtime(project: DbtProject) -> float:
    profiles = Path(project.profiles_dir or PROFILES_DIR) / "profiles.yml"
    newest = profiles.stat().st_mtime if profiles.is_file() else 0.0
    for root, dirs, files in os.walk(project.project_dir):
        dirs[:] = [d for d in dirs if d not in IGNORED_DIRS and not d.startswith(".")]
        for name in files:
            newest = max(newest, os.stat(os.path.join(root, name)).st_mtime)
    return newest


def manifest_is_stale(project: DbtProject = dbt_project) -> bool:
    """True when the manifest is missing or older than a project file or profiles.yml."""
    manifest = Path(project.manifest_path)
    return not manifest.is_file() or manifest.stat().st_mtime < _newest_source_mtime(project)


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """Parse the dbt project when its manifest is missing or stale; return the manifest."""
    if manifest_is_stale(project):
        parse(project)
    return Path(project.manifest_path)


def parse(project: DbtProject = dbt_project) -> None:
    """`dbt parse` in this process (a second or two); no warehouse connection needed."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    args = [
        "parse",
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--target-path",
        str(project.target_path),
        "--log-level",
        "none",
        "--log-path",
        str(Path(project.project_dir) / "logs"),
    ]
    result = dbtRunner().invoke(args)
    if not result.success:
        reason = " ".join(str(result.exception or "see dbt_project/logs/dbt.log").split())
        raise ManifestError(
            f"dbt parse failed, so Dagster cannot load the dbt assets: {reason}; fix the dbt "
            "project (`dbt parse --project-dir dbt_project --profiles-dir .` shows the error)"
        )
