"""The `tieout` CLI as a user runs it: real subprocesses, real ports, real files."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

TIEOUT = [sys.executable, "-m", "orchestration"]


def _run(*args: str, env: dict | None = None, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*TIEOUT, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_help_lists_the_commands() -> None:
    done = _run("--help")
    assert done.returncode == 0
    for command in ("sandbox", "run"):
        assert command in done.stdout
    sandbox = _run("sandbox", "--help")
    assert "generate" in sandbox.stdout and "serve" in sandbox.stdout


def test_generate_writes_a_scenario_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "s"
    done = _run("sandbox", "generate", "--size", "tiny", "--seed", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "scenario.toml").is_file()
    assert (out / "expected" / "exceptions.csv").is_file()
    assert "tieout sandbox serve --scenario" in done.stderr

    again = _run("sandbox", "generate", "--size", "tiny", "--seed", "3", "--out", str(out))
    assert again.returncode == 1
    assert "--force" in again.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--size", "huge"], "choose one of"),
        (["--size", "tiny", "--plant", "budget_mismatch"], "TYPE=COUNT"),
        (["--size", "tiny", "--plant", "no_such_type=2"], "unknown exception type"),
    ],
)
def test_generate_bad_input_says_what_to_fix(tmp_path: Path, args: list[str], needle: str):
    done = _run("sandbox", "generate", *args, "--out", str(tmp_path / "x"))
    assert done.returncode == 1
    assert needle in done.stderr


def test_serve_rejects_a_bad_fault_switch(tiny_scenario_dir: Path) -> None:
    done = _run("sandbox", "serve", "--scenario", str(tiny_scenario_dir), "--fault", "bogus")
    assert done.returncode == 1
    assert "KIND.FIELD=VALUE" in done.stderr


def test_serve_rejects_a_directory_that_is_not_a_scenario(tmp_path: Path) -> None:
    done = _run("sandbox", "serve", "--scenario", str(tmp_path), "--port", "0")
    assert done.returncode == 1
    assert "scenario.toml is missing" in done.stderr


def test_serve_answers_until_interrupted(tiny_scenario_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "TIEOUT_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    proc = subprocess.Popen(
        [*TIEOUT, "sandbox", "serve", "--scenario", str(tiny_scenario_dir), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        url, lines, deadline = None, [], time.monotonic() + 90
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+)/rest/v1\.0", line)
            url = match.group(1) if match else None
        assert url, "".join(lines)
        assert httpx.get(f"{url}/_admin/health", timeout=5).status_code == 200
        assert (tmp_path / "home" / "sage" / "company.sqlite").is_file()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_run_serves_and_checks_both_systems(tiny_scenario_dir: Path, tmp_path: Path) -> None:
    done = _run(
        "run",
        "--scenario",
        str(tiny_scenario_dir),
        env={"TIEOUT_HOME": str(tmp_path / "home"), "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    assert "JCM_MASTER__JOB" in done.stderr
    assert "failures: 0" in done.stderr
    import duckdb

    with duckdb.connect(str(tmp_path / "home" / "warehouse.duckdb"), read_only=True) as db:
        synced = {
            (schema, table)
            for schema, table in db.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
    assert ("raw_procore", "work_order_contracts") in synced
    assert ("raw_sage", "JCM_MASTER__COMMITMENT") in synced


def _copy_scenario(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copytree(src, dst)
    return dst


def test_serve_on_a_busy_port_says_to_pick_another(tiny_scenario_dir: Path, tmp_path: Path):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _run(
            "sandbox",
            "serve",
            "--scenario",
            str(tiny_scenario_dir),
            "--port",
            str(port),
            env={"TIEOUT_HOME": str(tmp_path / "home")},
        )
    assert done.returncode == 1
    assert "--port 0" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_names_a_malformed_procore_file(tiny_scenario_dir: Path, tmp_path: Path) -> None:
    scenario = _copy_scenario(tiny_scenario_dir, tmp_path / "s")
    (scenario / "procore" / "vendors.json").write_text('[{"id": 1, "name": "no scope"}]')
    done = _run("run", "--scenario", str(scenario), env={"TIEOUT_HOME": str(tmp_path / "h")})
    assert done.returncode == 1
    assert "vendors" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_names_an_invalid_sage_value(tiny_scenario_dir: Path, tmp_path: Path) -> None:
    scenario = _copy_scenario(tiny_scenario_dir, tmp_path / "s")
    jobs = scenario / "sage" / "JCM_MASTER__JOB.csv"
    lines = jobs.read_text().splitlines()
    lines[1] = "X" * 16 + lines[1][lines[1].index(",") :]
    jobs.write_text("\n".join(lines) + "\n")
    done = _run("run", "--scenario", str(scenario), env={"TIEOUT_HOME": str(tmp_path / "h")})
    assert done.returncode == 1
    assert "JCM_MASTER__JOB" in done.stderr
    assert "Traceback" not in done.stderr


def test_sync_without_procore_settings_names_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOURCES__PROCORE")}
    env["TIEOUT_HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [*TIEOUT, "sync", "procore"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "SOURCES__PROCORE__CLIENT_SECRET" in done.stderr
    assert "Traceback" not in done.stderr
