"""kill -9 during extract, then rerun: the warehouse ends as a clean run's, no duplicates."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from sage_sync_support import by_resource, company_rows, edit_company, sync, warehouse_rows

REPO = Path(__file__).resolve().parents[3]
JCT = "JCT_CURRENT__TRANSACTION"

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipelines.sage import run_sage_sync
    from sandbox.sage.odbc import connection_string

    def progress(table, rows, total):
        if table == "JCT_CURRENT__TRANSACTION" and total is None and rows >= 10:
            print("EXTRACTING", table, rows, flush=True)
            time.sleep(120)  # killed here, mid-extract, with batches already handed to dlt

    run_sage_sync(home=Path(sys.argv[1]), connection_string=connection_string(sys.argv[2]),
                  progress=progress)
    print("FINISHED", flush=True)
""")


def _post_new_run(db: Path, rows: int) -> None:
    con = sqlite3.connect(db)
    try:
        run = con.execute('SELECT max("Run") FROM JCT_CURRENT__TRANSACTION').fetchone()[0]
    finally:
        con.close()
    edit_company(
        db,
        *[
            (
                'INSERT INTO JCT_CURRENT__TRANSACTION ("Run", "Sequence", "Job", "Extra", '
                '"Cost_Code", "Category", "Transaction_Type", "Accounting_Date", "Amount") '
                "VALUES (?, ?, '25-003', '', '28-311', 'S', 'JC cost', '2026-09-30', ?)",
                (run + 1, seq, seq * 1.01),
            )
            for seq in range(1, rows + 1)
        ],
        ('UPDATE APM_MASTER__VENDOR SET "Name" = ?', ("Everyone Renamed",)),
    )


def test_kill_during_extract_then_rerun_matches_a_clean_run(synced_home, company):
    _post_new_run(company, 25)
    before = warehouse_rows(synced_home, meta=True)
    env = {
        **os.environ,
        "SOURCES__SAGE__BATCH_SIZE": "10",
        "PYTHONPATH": str(REPO),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(synced_home), str(company)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        line = ""
        assert child.stdout is not None
        while time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line or line.startswith(("EXTRACTING", "FINISHED")):
                break
        assert line.startswith("EXTRACTING"), f"child did not reach the JCT extract: {line!r}"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert warehouse_rows(synced_home, meta=True) == before  # nothing half-loaded

    report = sync(synced_home, company)

    assert report.ok, [r.error for r in report.resources if r.error]
    assert by_resource(report)[JCT].inserted == 25
    # same contents as a clean run of this company (the first-sync test shows a clean run
    # mirrors Sage exactly); equal lists also mean no duplicate rows
    assert warehouse_rows(synced_home) == company_rows(company)
