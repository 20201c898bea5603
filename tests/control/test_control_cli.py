"""`tieout mapping …` and `tieout exceptions …` through typer's CliRunner, on a real
SQLite control store and a real DuckDB warehouse under a temporary TIEOUT_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from orchestration import control_commands
from orchestration.cli import app
from writers.control import ControlStore


@pytest.fixture
def home() -> Path:
    return Path(os.environ["TIEOUT_HOME"])


@pytest.fixture
def tieout(monkeypatch: pytest.MonkeyPatch):
    # wide consoles: rich would wrap table cells at the runner's 80 columns
    monkeypatch.setattr(control_commands, "out", Console(width=200))
    monkeypatch.setattr(control_commands, "console", Console(stderr=True, width=200))
    runner = CliRunner()

    def run(*args: str, env: dict[str, str] | None = None):
        return runner.invoke(app, list(args), env=env)

    return run


def _store(home: Path) -> ControlStore:
    return ControlStore.open(home=home)


def test_help_lists_the_control_commands(tieout) -> None:
    done = tieout("--help")
    assert done.exit_code == 0 and "mapping" in done.stdout and "exceptions" in done.stdout
    mapping = tieout("mapping", "--help")
    for command in (
        "list",
        "add-code",
        "remove-code",
        "add-override",
        "add-vendor",
        "history",
        "seed",
    ):
        assert command in mapping.stdout
    assert "resolve" in tieout("exceptions", "--help").stdout


def test_seed_list_add_and_history(tieout, home: Path, control_dir: Path) -> None:
    seeded = tieout("mapping", "seed", "--scenario", str(control_dir.parent))
    assert seeded.exit_code == 0, seeded.stderr
    assert "cost_code_map" in seeded.stderr

    listed = tieout("mapping", "list", "--table", "cost_code_map")
    assert listed.exit_code == 0
    assert "cost_code_map (5)" in listed.stdout and "GC-EQ" in listed.stdout
    assert "vendor_map" not in listed.stdout
    everything = tieout("mapping", "list")
    assert all(f"{t} (" in everything.stdout for t in control_commands.TABLES)

    added = tieout(
        "mapping", "add-code", "--procore-code", "GC-PM", "--sage-code", "01-31-40",
        "--job", "25-001", "--type", "L", "--category", "M", "--note", "split PM labour",
        "--actor", "alice",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "added cost_code_map row 6" in added.stderr

    same_scope = tieout(
        "mapping", "add-code", "--procore-code", "GC-PM", "--sage-code", "01-31-99",
        "--job", "25-001", "--actor", "alice",
    )  # fmt: skip
    assert same_scope.exit_code == 0 and "ambiguous_cost_code" in same_scope.stderr

    override = tieout(
        "mapping", "add-override", "--job", "25-007", "--procore-code", "A380",
        "--sage-code", "23-31-40", env={"TIEOUT_ACTOR": "bob"},
    )  # fmt: skip
    vendor = tieout(
        "mapping", "add-vendor", "--procore-vendor-id", "3900000099", "--sage-vendor", "ZED01"
    )
    removed = tieout("mapping", "remove-code", "1", "--actor", "carol")
    assert (override.exit_code, vendor.exit_code, removed.exit_code) == (0, 0, 0)

    history = tieout("mapping", "history", "--limit", "5")
    assert history.exit_code == 0
    assert "mapping history (newest 5)" in history.stdout
    for needle in ("carol", "delete", "bob", "A380", "alice", "ZED01"):
        assert needle in history.stdout

    with _store(home) as store:
        (row,) = [r for r in store.list_mappings("cost_code_map") if r["note"]]
        assert (row["job"], row["line_item_type"], row["sage_category"]) == ("25-001", "L", "M")
        assert row["created_by"] == "alice"
        overrides = store.list_mappings("cost_code_overrides")
        assert overrides[-1]["created_by"] == "bob"
        assert store.history(limit=1)[0]["changed_by"] == "carol"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["mapping", "list", "--table", "codes"], "unknown mapping table 'codes'"),
        (["mapping", "remove-code", "42"], "no cost_code_map row with id 42"),
        (
            ["mapping", "add-vendor", "--procore-vendor-id", "V-1", "--sage-vendor", "X"],
            "not a number",
        ),
        (
            ["mapping", "add-code", "--procore-code", " ", "--sage-code", "01"],
            "procore_cost_code is empty",
        ),
        (["mapping", "seed", "--scenario", "no/such/dir"], "no scenario directory"),
        (["mapping", "history", "--limit", "0"], "--limit must be 1 or more"),
        (["exceptions", "resolve", "exc-1", "--status", "closed"], "choose resolved or ignored"),
        (["exceptions", "resolve", "exc-1", "--status", "resolved"], "run `tieout build` first"),
        (["exceptions", "reopen", "exc-1"], "has no resolution to reopen"),
    ],
)
def test_failures_exit_1_with_one_line(tieout, args: list[str], needle: str) -> None:
    done = tieout(*args)
    assert done.exit_code == 1
    assert needle in done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1


def test_duplicate_add_exits_1(tieout) -> None:
    args = [
        "mapping",
        "add-override",
        "--job",
        "25-007",
        "--procore-code",
        "A360",
        "--sage-code",
        "1",
    ]
    assert tieout(*args).exit_code == 0
    again = tieout(*args)
    assert again.exit_code == 1 and "duplicate per-job cost code override" in again.stderr


def _warehouse(
    home: Path, rows: list[tuple[str, str]], *, column: str = "value_fingerprint"
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        conn.execute("CREATE SCHEMA marts")
        conn.execute(
            f"CREATE TABLE marts.exception_queue (exception_id VARCHAR, exception_type VARCHAR, "
            f"status VARCHAR, {column} VARCHAR)"
        )
        for exception_id, fingerprint in rows:
            conn.execute(
                "INSERT INTO marts.exception_queue VALUES (?, 'budget_mismatch', 'open', ?)",
                [exception_id, fingerprint],
            )


def test_resolve_reads_the_fingerprint_and_reopen_withdraws(tieout, home: Path) -> None:
    _warehouse(home, [("exc-1", "fp-abc"), ("exc-2", "fp-def")])
    done = tieout(
        "exceptions",
        "resolve",
        "exc-1",
        "--status",
        "ignored",
        "--note",
        "known",
        "--actor",
        "dana",
    )
    assert done.exit_code == 0, done.stderr
    assert "ignored exc-1" in done.stderr
    with _store(home) as store:
        resolution = store.get_resolution("exc-1")
        assert resolution is not None
        assert (resolution.status, resolution.value_fingerprint, resolution.note) == (
            "ignored",
            "fp-abc",
            "known",
        )
        assert resolution.resolved_by == "dana"

    listed = tieout("exceptions", "resolutions")
    assert listed.exit_code == 0 and "exc-1" in listed.stdout and "fp-abc" in listed.stdout

    unknown = tieout("exceptions", "resolve", "exc-9", "--status", "resolved")
    assert (
        unknown.exit_code == 1 and "no exception 'exc-9' in marts.exception_queue" in unknown.stderr
    )

    reopened = tieout("exceptions", "reopen", "exc-1", "--actor", "erin")
    assert reopened.exit_code == 0 and "was ignored by dana" in reopened.stderr
    with _store(home) as store:
        assert store.get_resolution("exc-1") is None
        assert store.audit(limit=1)[0]["actor"] == "erin"


def test_resolve_against_an_old_build_says_rebuild(tieout, home: Path) -> None:
    _warehouse(home, [("exc-1", "x")], column="fingerprint")
    done = tieout("exceptions", "resolve", "exc-1", "--status", "resolved")
    assert done.exit_code == 1 and "no value_fingerprint column" in done.stderr


def test_actor_defaults_to_the_os_user(tieout, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(control_commands.getpass, "getuser", lambda: "osuser")
    assert tieout("mapping", "add-prefix", "--procore-prefix", "P-").exit_code == 0
    with _store(home) as store:
        assert store.list_mappings("job_prefix_rules")[0]["created_by"] == "osuser"


def test_bad_control_url_exits_1(tieout) -> None:
    done = tieout("mapping", "list", env={"TIEOUT_CONTROL_URL": "mysql://u@h/db"})
    assert done.exit_code == 1 and "must be a sqlite" in done.stderr
