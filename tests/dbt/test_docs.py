"""`dbt docs generate` works on a built warehouse: finance reads every model there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.dbt.conftest import BuiltScenario

REPO = Path(__file__).resolve().parents[2]


def test_docs_generate_documents_every_mart(tiny_built: BuiltScenario, tmp_path: Path) -> None:
    dbt = Path(sys.executable).parent / "dbt"
    env = {
        **os.environ,
        "TIEOUT_HOME": str(tiny_built.home),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = subprocess.run(
        [
            str(dbt),
            "docs",
            "generate",
            "--project-dir",
            str(REPO / "dbt_project"),
            "--profiles-dir",
            str(REPO),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
            "--quiet",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "target" / "index.html").is_file()
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    marts = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["schema"] == "marts"
    ]
    assert {"exception_queue", "recon_commitments", "recon_retainage"} <= {n["name"] for n in marts}
    undocumented = sorted(n["name"] for n in marts if not n["description"].strip())
    assert not undocumented, undocumented
