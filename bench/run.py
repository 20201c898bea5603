"""`make bench`: scale runs that write bench/report.md.

Each measurement runs in a child process so wall time and peak memory are the
child's own (resource.RUSAGE_CHILDREN), not the harness's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPORT = Path(__file__).with_name("report.md")
SIZES = ("tiny", "small", "gc60")
SECTIONS = ("sandbox", "sync", "dbt", "writer")


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def _timed(code: str) -> tuple[float, float]:
    """Run `code` in a fresh interpreter; return its wall seconds and its own peak RSS (MiB)."""
    probe = (
        "\nimport resource\nprint('PEAK_KIB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code + probe], check=True, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    peak_kib = int(done.stdout.rsplit("PEAK_KIB", 1)[1].split()[0])
    return wall, peak_kib / 1024


def bench_sandbox(size: str, seed: int, work: Path) -> dict:
    """Generate a scenario, materialise its Sage company, load it into the emulator."""
    out = work / f"{size}-{seed}"
    gen_wall, gen_rss = _timed(
        f"from sandbox.generate import generate; generate({size!r}, {seed}, {str(out)!r})"
    )
    files = {p.name: p.stat().st_size for p in sorted((out / "sage").glob("*.csv"))}
    jct = out / "sage" / "JCT_CURRENT__TRANSACTION.csv"
    jct_rows = sum(1 for _ in jct.open()) - 1 if jct.exists() else 0
    db = work / f"{size}.sqlite"
    sage_wall, sage_rss = _timed(
        "from sandbox.scenario import load_scenario; from sandbox.sage.company import "
        f"materialise; materialise(load_scenario({str(out)!r}), {str(db)!r})"
    )
    emu_wall, emu_rss = _timed(
        "from sandbox.scenario import load_scenario; from sandbox.procore.store import "
        f"Store; Store.from_dir(load_scenario({str(out)!r}).procore_dir)"
    )
    result = {
        "size": size,
        "generate_s": round(gen_wall, 1),
        "generate_peak_mib": round(gen_rss),
        "scenario_mib": round(_dir_size(out) / 2**20, 1),
        "procore_mib": round(_dir_size(out / "procore") / 2**20, 1),
        "sage_csv_mib": round(sum(files.values()) / 2**20, 1),
        "jct_rows": jct_rows,
        "materialise_s": round(sage_wall, 1),
        "materialise_peak_mib": round(sage_rss),
        "sage_db_mib": round(db.stat().st_size / 2**20, 1),
        "emulator_load_s": round(emu_wall, 1),
        "emulator_load_peak_mib": round(emu_rss),
    }
    shutil.rmtree(out)
    db.unlink()
    return result


SANDBOX_HEADING = "## Sandbox: generation, test-company materialisation, emulator load"
SYNC_HEADING = "## Sync"
DBT_HEADING = "## dbt build"
WRITER_HEADING = "## Writer"
HEADINGS = (SANDBOX_HEADING, SYNC_HEADING, DBT_HEADING, WRITER_HEADING)  # report order


def sandbox_section(rows: list[dict]) -> list[str]:
    cols = list(rows[0])
    lines = [SANDBOX_HEADING, "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return lines


def _existing_sections() -> dict[str, str]:
    """The report's current `## ` sections by heading prefix, so a partial run keeps the rest."""
    if not REPORT.exists():
        return {}
    sections: dict[str, str] = {}
    for chunk in REPORT.read_text().split("\n## ")[1:]:
        text = "## " + chunk.rstrip("\n")
        key = next((h for h in HEADINGS if text.startswith(h)), SANDBOX_HEADING)
        sections[key] = text
    return sections


def write_report(sections: dict[str, list[str]]) -> None:
    """Write the report; sections not re-run this time are kept from the previous report."""
    kept = _existing_sections()
    for key, lines in sections.items():
        kept[key] = "\n".join(lines).rstrip("\n")
    header = [
        "# tieout benchmark report",
        "",
        f"Machine: {os.cpu_count()} cores. Each step ran in its own process; peak = max RSS.",
        "",
        "",
    ]
    body = [kept[k] for k in HEADINGS if k in kept]
    REPORT.write_text("\n".join(header) + "\n\n".join(body) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=SIZES)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS, help="parts to run"
    )
    parser.add_argument(
        "--growth",
        nargs="+",
        type=int,
        default=[1, 2, 4],
        help="dbt section: build on the warehouse grown to these multiples of its rows",
    )
    parser.add_argument(
        "--writer-sizes",
        nargs="+",
        choices=SIZES,
        help="writer section: these sizes instead of --sizes (e.g. small gc60 for scaling)",
    )
    parser.add_argument(
        "--writer-months",
        nargs="+",
        type=int,
        default=[1],
        help="writer section: hold back the last N months (1 = the AP current month; more "
        "= a catch-up of N months in one batch per object type)",
    )
    args = parser.parse_args()
    sections: dict[str, list[str]] = {}
    if "sandbox" in args.sections:
        with tempfile.TemporaryDirectory(prefix="tieout-bench-") as tmp:
            rows = []
            for size in args.sizes:
                row = bench_sandbox(size, args.seed, Path(tmp))
                print(json.dumps(row), flush=True)
                rows.append(row)
        sections[SANDBOX_HEADING] = sandbox_section(rows)
    if "sync" in args.sections:
        from bench import sync

        rows = []
        for size in args.sizes:
            row = sync.run_child(size, args.seed)
            print(json.dumps(row), flush=True)
            rows.append(row)
            write_report({**sections, SYNC_HEADING: sync.report_section(rows)})  # keep partials
        sections[SYNC_HEADING] = sync.report_section(rows)
    if "dbt" in args.sections:
        from bench import dbt_build

        factors = tuple(args.growth)
        rows = []
        for size in args.sizes:
            row = dbt_build.run_child(size, args.seed, factors)
            print(json.dumps(row), flush=True)
            rows.append(row)
            write_report({**sections, DBT_HEADING: dbt_build.report_section(rows)})  # keep partials
        sections[DBT_HEADING] = dbt_build.report_section(rows)
    if "writer" in args.sections:
        from bench import writer

        rows = []
        for size in args.writer_sizes or args.sizes:
            for months in args.writer_months:
                row = writer.run_child(size, args.seed, months)
                print(json.dumps(row), flush=True)
                rows.append(row)
                write_report({**sections, WRITER_HEADING: writer.report_section(rows)})
        sections[WRITER_HEADING] = writer.report_section(rows)
    write_report(sections)
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
