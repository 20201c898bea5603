"""dbt benchmark: `dbt build` wall time on the DuckDB warehouse per size, and how it grows
with the data (1×, 2×, 4× the size's raw rows).

Per size, in a child process: generate the scenario, materialise the Sage company, sync
both systems with the emulator's rate limits off (`bench.sync.synced_warehouse`; the sync
is not what is measured here), seed the control store from the scenario and snapshot it
into `raw_control`. Then for each factor: copy the warehouse file, grow the copy (below),
and time `dbt build` on it as its own process (wall seconds, that process's peak RSS,
outcome counts, slowest nodes from `run_results.json`).

**Growth method.** An N× warehouse is the 1× warehouse plus N−1 copies of every raw row,
copy k made distinct from the original as if it were another slice of the same company:

- integer ids (`id`, `*_id`, `*__id`, and Sage's posting `Run`, which with `Sequence`
  keys a JC transaction) get `k × OFFSET` added, OFFSET the power of ten above the
  largest id, so every reference between Procore records (project, commitment, line,
  requisition, vendor ids) stays consistent inside a copy and never meets another copy;
  the company id and line item type ids (`line_item_type__id`, a budget row's
  `category_id`) are shared and left alone;
- text keys that tie the systems together get the suffix `~k`: Sage `Job`, `Contract`,
  `Commitment`, `Vendor`, `Customer`, `AR_Customer`, `Row_ID`; Procore `project_number`,
  `origin_id`/`origin_code` of projects, contracts, commitments and vendors,
  `vendor__origin_id`, commitment `number`; the control store's `job` and `sage_vendor`;
  the row ids `_dlt_id`/`_dlt_parent_id`/`_dlt_root_id` and the sync's `_tieout_key`
  (each unique in its table);
- shared, not copied: cost codes, categories, extras' codes, masks, the standard cost
  code list, GL accounts, company settings and line item types (a bigger company keeps
  the same chart of accounts), company-wide control rows (prefix rules, mappings with no
  job), and the `_tieout_*` run logs.

Copy k reconciles with itself as the original does. Checked on tiny at 3×: the build
passes with the same test outcomes, and `marts.exception_queue` holds exactly 3× the
rows of every exception type except `schema_drift` (from the run log, not copied).

Run: `.venv/bin/python -m bench.run --sections dbt --sizes small`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FACTORS = (1, 2, 4)
SLOWEST = 5
DATASETS = ("raw_procore", "raw_sage", "raw_control")
SAGE_KEYS = {"Job", "Contract", "Commitment", "Vendor", "Customer", "AR_Customer", "Row_ID"}
PROCORE_KEYS = {"project_number", "origin_id", "origin_code", "vendor__origin_id"}
# origin ids in these tables are cost codes or category letters: shared, not keys
PROCORE_SHARED_ORIGINS = {"cost_codes", "sub_jobs"}
COMMITMENT_TABLES = {"work_order_contracts", "purchase_order_contracts"}
CONTROL_KEYS = {"job", "sage_vendor"}
ROW_IDS = {"_dlt_id", "_dlt_parent_id", "_dlt_root_id", "_tieout_key"}
SAGE_IDS = {"Run"}  # a posting run: (Run, Sequence) keys a JC transaction
LOAD_ID = "_dlt_load_id"  # which dlt load wrote the row: kept
SHARED_IDS = {
    "company_id",
    "company__id",
    "change_order_change_reason__company_id",
    "line_item_type__id",
    "line_item_type_id",
    "category_id",  # a budget row's line item type
}
SHARED_TABLES = {("raw_procore", "line_item_types")}
INTEGER_TYPES = ("BIGINT", "INTEGER", "HUGEINT", "UBIGINT", "SMALLINT")


def _is_id(column: str) -> bool:
    return column == "id" or column.endswith("_id") or column in SAGE_IDS


def _text_key(dataset: str, table: str, column: str) -> bool:
    if column in ROW_IDS:
        return True
    if dataset == "raw_sage":
        return column in SAGE_KEYS
    if dataset == "raw_control":
        return column in CONTROL_KEYS
    if column == "number":
        return table in COMMITMENT_TABLES
    if column in PROCORE_KEYS:
        return table not in PROCORE_SHARED_ORIGINS
    # ids Procore sends as strings
    return _is_id(column) and "origin" not in column and column != LOAD_ID


def _copy_plan(con, dataset: str, table: str) -> tuple[list[tuple[str, str]], str] | None:
    """(column, kind) per column — kind `id`, `key` or `same` — and the condition a row must
    meet to be copied (some entity key set); None for a shared table."""
    if table.startswith(("_dlt_", "_tieout_")) or (dataset, table) in SHARED_TABLES:
        return None
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where schema_name = ? and table_name = ? order by column_index",
        [dataset, table],
    ).fetchall()
    plan: list[tuple[str, str]] = []
    entity: list[str] = []
    for column, data_type in columns:
        integer = data_type.startswith(INTEGER_TYPES)
        if integer and _is_id(column) and column not in SHARED_IDS:
            plan.append((column, "id"))
            if not (dataset == "raw_control" and column == "id"):  # a control row's own id
                entity.append(f'"{column}" is not null')
        elif data_type == "VARCHAR" and _text_key(dataset, table, column):
            plan.append((column, "key"))
            if column not in ROW_IDS:
                entity.append(f"coalesce(\"{column}\", '') <> ''")
        else:
            plan.append((column, "same"))
    if not entity:
        return None
    return plan, " or ".join(entity)


def _offset(con) -> int:
    """The power of ten above every integer id in the raw schemas."""
    largest = 0
    for dataset in DATASETS:
        for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = ? "
            "and data_type in ('BIGINT', 'INTEGER') and (column_name = 'id' "
            "or column_name like '%\\_id' escape '\\')",
            [dataset],
        ).fetchall():
            (value,) = con.execute(f'select max("{column}") from "{dataset}"."{table}"').fetchone()
            largest = max(largest, value or 0)
    return 10 ** len(str(largest))


def grow_warehouse(path: Path, factor: int) -> dict[str, int]:
    """Append factor−1 distinct copies of every raw row (method in the module docstring);
    return the raw row count after growing, per dataset."""
    import duckdb

    with duckdb.connect(str(path)) as con:
        offset = _offset(con)
        for dataset in DATASETS:
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() where schema_name = ?", [dataset]
                ).fetchall()
            ]
            for table in tables:
                planned = _copy_plan(con, dataset, table)
                if planned is None:
                    continue
                plan, condition = planned
                con.execute(
                    f'create temp table original as select * from "{dataset}"."{table}" '
                    f"where {condition}"
                )
                for k in range(1, factor):
                    exprs = []
                    for column, kind in plan:
                        if kind == "id":
                            exprs.append(f'"{column}" + {k * offset}')
                        elif kind == "key":
                            exprs.append(
                                f"case when \"{column}\" <> '' then \"{column}\" || '~{k}' "
                                f'else "{column}" end'
                            )
                        else:
                            exprs.append(f'"{column}"')
                    con.execute(
                        f'insert into "{dataset}"."{table}" select {", ".join(exprs)} from original'
                    )
                con.execute("drop table original")
        return raw_rows(con)


def raw_rows(con) -> dict[str, int]:
    counts: dict[str, int] = {}
    for dataset in DATASETS:
        total = 0
        for (table,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = ? "
            "and not starts_with(table_name, '_')",
            [dataset],
        ).fetchall():
            total += con.execute(f'select count(*) from "{dataset}"."{table}"').fetchone()[0]
        counts[dataset] = total
    return counts


def _high_water_kib(pid: int) -> int:
    """The process's peak RSS so far (VmHWM). Not `wait4`'s ru_maxrss: a forked child
    starts from its parent's high-water mark, and the parent here holds a synced
    warehouse's worth of memory."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _node_name(unique_id: str) -> str:
    """`test.pkg.name.hash` / `unit_test.pkg.model.name` / `model.pkg.name` → name."""
    parts = unique_id.split(".")
    return parts[3] if parts[0] == "unit_test" else parts[2]


def timed_dbt_build(warehouse: Path, home: Path, artifacts: Path) -> dict:
    """`dbt build` on `warehouse` as a child process: wall, peak RSS, outcomes, slowest."""
    from orchestration.build_commands import dbt_args

    # what `tieout build` runs: every model and data test; dbt's unit tests (which do not
    # grow with the data) run in `make test` and with `tieout build --unit-tests`
    args = dbt_args("build", "duckdb", home=home, unit_tests=False)
    args[args.index("--target-path") + 1] = str(artifacts)  # keep the repo's target/ alone
    dbt = Path(sys.executable).with_name("dbt")
    env = {
        **os.environ,
        "TIEOUT_HOME": str(home),
        "TIEOUT_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    started = time.perf_counter()
    proc = subprocess.Popen([str(dbt), *args], env=env, stdout=subprocess.DEVNULL)
    peak_kib = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak_kib = max(peak_kib, _high_water_kib(proc.pid))
        time.sleep(0.2)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    load = os.getloadavg()[0]  # other work on the machine shows here (dbt itself adds ~2)
    results = json.loads((artifacts / "run_results.json").read_text())["results"]
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r["status"]] = outcomes.get(r["status"], 0) + 1
    node_seconds: dict[str, float] = {}
    for r in results:
        kind = r["unique_id"].split(".")[0]
        node_seconds[kind] = node_seconds.get(kind, 0.0) + r["execution_time"]
    slowest = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:SLOWEST]
    return {
        "exit_code": proc.returncode,
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "load_1min": round(load, 1),
        "peak_rss_mib": round(peak_kib / 1024),
        "nodes": len(results),
        "outcomes": outcomes,
        "node_seconds": {kind: round(v, 1) for kind, v in sorted(node_seconds.items())},
        "slowest": [(_node_name(r["unique_id"]), round(r["execution_time"], 1)) for r in slowest],
    }


def bench_dbt(size: str, seed: int, work: Path, factors: tuple[int, ...] = FACTORS) -> dict:
    import duckdb
    from rich.console import Console

    from bench.sync import synced_warehouse
    from orchestration.build_commands import snapshot_control
    from orchestration.sandbox_commands import seed_control_store

    scenario, home, sync_s = synced_warehouse(size, seed, work)
    quiet = Console(quiet=True)
    seed_control_store(scenario, home, quiet)
    snapshot_control(home, quiet)
    base = home / "warehouse.duckdb"
    result: dict = {"size": size, "setup_s": round(sync_s, 1), "runs": []}
    for factor in factors:
        path = base if factor == 1 else home / f"warehouse-{factor}x.duckdb"
        grow_s = 0.0
        if factor != 1:
            started = time.perf_counter()
            shutil.copyfile(base, path)
            grow_warehouse(path, factor)
            grow_s = time.perf_counter() - started
        with duckdb.connect(str(path), read_only=True) as con:
            rows = raw_rows(con)
        run = {
            "factor": factor,
            "raw_rows": sum(rows.values()),
            "rows_by_dataset": rows,
            "grow_s": round(grow_s, 1),
            "warehouse_mib_before": round(path.stat().st_size / 2**20, 1),
        }
        run |= timed_dbt_build(path, home, work / f"target-{factor}x")
        run["warehouse_mib_after"] = round(path.stat().st_size / 2**20, 1)
        result["runs"].append(run)
        if factor != 1:
            path.unlink()
    return result


def run_child(size: str, seed: int, factors: tuple[int, ...] = FACTORS) -> dict:
    """`bench_dbt` in a fresh interpreter, temp data removed after."""
    with tempfile.TemporaryDirectory(prefix=f"tieout-bench-dbt-{size}-") as tmp:
        result_file = Path(tmp) / "result.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.dbt_build",
                size,
                str(seed),
                tmp,
                str(result_file),
                ",".join(map(str, factors)),
            ],
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        return json.loads(result_file.read_text())


HEADING = "## dbt build (DuckDB)"


def report_section(rows: list[dict]) -> list[str]:
    lines = [
        HEADING,
        "",
        "`dbt build` as `tieout build` runs it (every model and data test; dbt's unit tests,",
        "which do not grow with the data, run in `make test`; 2 threads) on the DuckDB",
        "warehouse after a full sync of both systems and a control-store snapshot, as its",
        "own process: wall seconds and that process's peak RSS (VmHWM). N× rows: the 1×",
        "warehouse grown with N−1 distinct copies of every raw row (ids offset, cross-system",
        "text keys suffixed, the chart of accounts shared; method in `bench/dbt_build.py`).",
        "Target: gc60 1× under 60 s on this machine.",
        "",
        "Node seconds: the sum of dbt's per-node execution times by kind (2 threads run",
        "nodes in parallel); the rest of the wall time is dbt start-up, parsing and",
        "connection handling. CPU s: the dbt process's user + system time. Load: the 1-minute",
        "load average when the build ended (dbt's own 2 threads account for about 2; more means",
        "other work shared the 2 cores and the wall time is inflated).",
        "",
        "| size | data | raw rows | dbt build s | CPU s | load | node seconds | peak RSS MiB |"
        " nodes | outcomes | warehouse MiB | slowest nodes (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    setup = ", ".join(f"{r['size']} {r['setup_s']} s" for r in rows)
    lines[-2:-2] = [f"Setup (generate, materialise, sync both systems unthrottled): {setup}.", ""]
    for r in rows:
        base = r["runs"][0]["wall_s"] if r["runs"] else None
        for run in r["runs"]:
            growth = f" ({run['wall_s'] / base:.1f}× time)" if base and run["factor"] != 1 else ""
            outcomes = ", ".join(f"{n} {status}" for status, n in sorted(run["outcomes"].items()))
            if run["exit_code"]:
                outcomes += f"; **exit {run['exit_code']}**"
            slowest = ", ".join(f"{name} {s}" for name, s in run["slowest"])
            seconds = ", ".join(f"{k} {v}" for k, v in run.get("node_seconds", {}).items())
            cells = [
                r["size"],
                f"{run['factor']}×",
                f"{run['raw_rows']:,}",
                f"{run['wall_s']}{growth}",
                run.get("cpu_s", "–"),
                run.get("load_1min", "–"),
                seconds,
                run["peak_rss_mib"],
                run["nodes"],
                outcomes,
                f"{run['warehouse_mib_before']} → {run['warehouse_mib_after']}",
                slowest,
            ]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return lines


def main() -> None:
    size, seed, work, result_file = sys.argv[1:5]
    factors = tuple(int(f) for f in sys.argv[5].split(",")) if len(sys.argv) > 5 else FACTORS
    result = bench_dbt(size, int(seed), Path(work), factors)
    Path(result_file).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
