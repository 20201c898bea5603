"""Sync benchmark: Procore (against the emulator) and Sage (the test company), per size.

For each size, in a child process (so peak RSS is this run's own; the emulator and both
pipelines share that process): generate the scenario, materialise the Sage company, serve
the emulator, then measure

1. the first (full) Procore sync: requests (emulator `/_admin/stats` and `SyncReport`),
   429s, wall seconds, rows, and the request lower bound;
2. a no-change incremental sync: requests per operation vs the lower bound;
3. an incremental sync after touching N requisitions + commitments across projects;
4. the Sage first sync and a no-change sync (wall, rows).

Lower bound (computed from the emulator's store, i.e. the scenario):
  lists read   = every list the pipeline must read in that run, per scope
                 (company, project, parent record);
  pages(list)  = max(1, ceil(records / max page size)) - an empty list still costs a request;
                 non-paginated lists (change orders) cost 1;
  first sync   = 1 token + sum of pages over every list (all are due) + child lists for every
                 parent (requisition items are embedded: 0; direct cost lines: one
                 project-wide list);
  incremental  = 1 token + projects (snapshot) + for each filtered list per scope
                 max(1, ceil(changed / page)) + for each changed parent with a child list,
                 pages(children) + the full pulls that are due (none within
                 `full_pull_hours`, 24 h).

Run: `.venv/bin/python -m bench.run --sections sync --sizes small`.
"""

from __future__ import annotations

import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

HOURLY = 3600
SPIKE = 100
TOUCH_EACH = 10  # requisitions touched, and commitments (WOC/POC) touched

# (resource, page size or None = not paginated, parent resource or None = per project)
V1 = 2000
V2 = 100
COMPANY_LISTS = {"projects": V1, "vendors": V1, "line_item_types": V1}
FILTERED_PROJECT = {
    "work_order_contracts": V1,
    "purchase_order_contracts": V1,
    "commitment_change_orders": None,
    "prime_contracts": V1,
    "prime_change_orders": None,
    "change_events": V1,
    "requisitions": V1,
    "billing_periods": V1,
    "direct_costs": V1,
}
FULL_PULL_PROJECT = {
    "cost_codes": V1,
    "sub_jobs": V1,
    "payment_applications": V1,
    "budget_views": V1,
}
# child list per parent record: child resource, scope key, page size
CHILDREN = {
    "budget_views": ("budget_detail_rows", "budget_view_id", V1),
    "work_order_contracts": ("work_order_contract_line_items", "work_order_contract_id", V1),
    "purchase_order_contracts": (
        "purchase_order_contract_line_items",
        "purchase_order_contract_id",
        V1,
    ),
    "commitment_change_orders": (
        "commitment_change_order_line_items",
        "commitment_change_order_id",
        V2,
    ),
    "prime_contracts": ("prime_contract_line_items", "prime_contract_id", V1),
    "prime_change_orders": ("prime_change_order_line_items", "prime_change_order_id", V2),
}
INCLUDE_DELETED = {"work_order_contracts", "purchase_order_contracts", "change_events"}


def _pages(n: int, page: int | None) -> int:
    return 1 if page is None else max(1, math.ceil(n / page))


def _live(store, res: str, scope: dict) -> list[dict]:
    rows = store.query(res, scope)
    if res in INCLUDE_DELETED:
        return rows
    return [r for r in rows if not r.get("deleted_at")]


def _projects(store, company_id: int) -> list[int]:
    return [
        r["id"]
        for r in _live(store, "projects", {"company_id": company_id})
        if r.get("active") is not False
    ]


def _children_pages(store, parent: str, pid: int, ids) -> int:
    child, key, page = CHILDREN[parent]
    return sum(_pages(len(_live(store, child, {"project_id": pid, key: i})), page) for i in ids)


def lower_bound_full(store, company_id: int) -> dict[str, int]:
    """Requests a first sync cannot avoid, per resource."""
    out: Counter[str] = Counter(token=1)
    for res, page in COMPANY_LISTS.items():
        out[res] += _pages(len(_live(store, res, {"company_id": company_id})), page)
    for pid in _projects(store, company_id):
        for res, page in {**FILTERED_PROJECT, **FULL_PULL_PROJECT}.items():
            rows = _live(store, res, {"project_id": pid})
            out[res] += _pages(len(rows), page)
            if res in CHILDREN:
                parents = [r["id"] for r in rows if not r.get("deleted_at")]
                out[CHILDREN[res][0]] += _children_pages(store, res, pid, parents)
        if _live(store, "direct_costs", {"project_id": pid}):  # no costs: no line list
            lines = _live(store, "direct_cost_line_items", {"project_id": pid})
            out["direct_cost_line_items"] += _pages(len(lines), V1)
    return dict(out)


def lower_bound_incremental(
    store, company_id: int, changed: dict[str, dict[int, list[int]]]
) -> dict[str, int]:
    """token + projects + vendors + one page per filtered list per project (more if the
    changes overflow a page) + child lists of changed parents. No full pull is due."""
    out: Counter[str] = Counter(token=1, projects=1)
    out["vendors"] += _pages(sum(len(v) for v in changed.get("vendors", {}).values()), V1)
    for pid in _projects(store, company_id):
        for res, page in FILTERED_PROJECT.items():
            ids = changed.get(res, {}).get(pid, [])
            out[res] += _pages(len(ids), page)
            if ids and res in CHILDREN:
                out[CHILDREN[res][0]] += _children_pages(store, res, pid, ids)
    return dict(out)


def _admin(url: str, path: str, method: str = "GET") -> dict:
    req = urllib.request.Request(url + path, method=method, data=b"{}" if method != "GET" else None)
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())


def _procore_run(srv, scenario, home: Path, *, full: bool) -> dict:
    from pipelines.procore import run_procore_sync

    _admin(srv.url, "/_admin/stats/reset", "POST")
    started = time.perf_counter()
    report = run_procore_sync(
        home=home,
        base_url=srv.url,
        login_url=srv.url,
        client_id=scenario.procore.client_id,
        client_secret=scenario.procore.client_secret,
        company_id=scenario.procore.company_id,
        full=full,
    )
    wall = time.perf_counter() - started
    stats = _admin(srv.url, "/_admin/stats")
    return {
        "ok": report.ok,
        "wall_s": round(wall, 1),
        "requests_emulator": stats["total"],
        "requests_report": report.requests,
        "throttled_429": stats["rate_limited"],
        "throttled_report": sum(r.throttled for r in report.resources),
        "rows": report.rows,
        "by_operation": stats["by_operation"],
        "by_resource": {r.resource: r.requests for r in report.resources if r.requests},
        "failed": [f"{r.resource}: {r.error}" for r in report.resources if r.status == "failed"],
    }


def _touch(store, company_id: int) -> dict[str, dict[int, list[int]]]:
    """Touch TOUCH_EACH requisitions and TOUCH_EACH commitments, round-robin over projects."""
    changed: dict[str, dict[int, list[int]]] = {}
    projects = _projects(store, company_id)
    for kinds in (("requisitions",), ("work_order_contracts", "purchase_order_contracts")):
        pools = []
        for pid in projects:
            for res in kinds:
                live = [
                    r["id"]
                    for r in store.query(res, {"project_id": pid})
                    if not r.get("deleted_at")
                ]
                pools.append((res, pid, live))
        picked = 0
        while picked < TOUCH_EACH and any(p[2] for p in pools):
            for res, pid, live in pools:
                if picked >= TOUCH_EACH or not live:
                    continue
                changed.setdefault(res, {}).setdefault(pid, []).append(live.pop(0))
                picked += 1
    for res, per_project in changed.items():
        store.touch(res, [i for ids in per_project.values() for i in ids])
    return changed


def projected_wall(requests: int, wall: float, hourly: int = HOURLY) -> float:
    """Wall time under the hourly cap: the window opens at the first request; requests past
    `hourly` wait for the next window (3,600 s later) and then run at the measured rate."""
    if requests <= hourly:
        return wall
    rate = requests / wall
    windows, rest = divmod(requests, hourly)
    return windows * 3600 + rest / rate


def prepare_sandbox(size: str, seed: int, work: Path):
    """Generate the scenario under `work` and materialise its Sage test company in a fresh
    TIEOUT_HOME (`work/home`, also set in the environment); return (scenario, home, db)."""
    from sandbox.generate import generate
    from sandbox.sage.company import materialise
    from sandbox.scenario import load_scenario

    out = work / "scenario"
    home = work / "home"
    home.mkdir(parents=True)
    os.environ["TIEOUT_HOME"] = str(home)
    generate(size, seed, out)
    scenario = load_scenario(out)
    db = home / "sage" / "company.sqlite"
    db.parent.mkdir(parents=True, exist_ok=True)
    materialise(scenario, db)
    return scenario, home, db


def synced_warehouse(size: str, seed: int, work: Path):
    """A TIEOUT_HOME whose warehouse holds the scenario, synced as fast as the emulator
    allows (rate limits off: this is a fixture for later stages, not a sync measurement).
    Returns (scenario, home, seconds spent)."""
    from pipelines.procore import run_procore_sync
    from pipelines.sage import run_sage_sync
    from sandbox.procore.server import EmulatorServer
    from sandbox.procore.settings import EmulatorSettings
    from sandbox.sage.odbc import connection_string

    started = time.perf_counter()
    scenario, home, db = prepare_sandbox(size, seed, work)
    settings = EmulatorSettings(hourly_limit=0, spike_limit=0)
    with EmulatorServer(scenario, settings, port=0) as srv:
        creds = scenario.procore
        procore = run_procore_sync(
            home=home,
            base_url=srv.url,
            login_url=srv.url,
            client_id=creds.client_id,
            client_secret=creds.client_secret,
            company_id=creds.company_id,
        )
    sage = run_sage_sync(home=home, connection_string=connection_string(db))
    failed = [
        f"{r.source}.{x.resource}: {x.error}"
        for r in (procore, sage)
        for x in r.resources
        if x.status == "failed"
    ]
    if failed:
        raise RuntimeError("the benchmark sync failed: " + "; ".join(failed))
    return scenario, home, time.perf_counter() - started


def bench_sync(size: str, seed: int, work: Path) -> dict:
    from pipelines.sage import run_sage_sync
    from sandbox.procore.server import EmulatorServer
    from sandbox.procore.settings import EmulatorSettings
    from sandbox.sage.odbc import connection_string

    scenario, home, db = prepare_sandbox(size, seed, work)

    capped = size != "gc60"
    settings = EmulatorSettings(hourly_limit=HOURLY if capped else 0, spike_limit=SPIKE)
    result: dict = {"size": size, "hourly_limit": settings.hourly_limit, "spike": "100/10 s"}
    company = scenario.procore.company_id
    with EmulatorServer(scenario, settings, port=0) as srv:
        store = srv.state.store
        result["projects"] = len(_projects(store, company))
        lb_full = lower_bound_full(store, company)
        first = _procore_run(srv, scenario, home, full=False)
        first["lower_bound"] = sum(lb_full.values())
        first["lower_bound_by_resource"] = lb_full
        first["projected_wall_s"] = round(
            projected_wall(first["requests_emulator"], first["wall_s"])
        )
        result["procore_first"] = first

        lb_none = lower_bound_incremental(store, company, {})
        none = _procore_run(srv, scenario, home, full=False)
        none["lower_bound"] = sum(lb_none.values())
        none["lower_bound_by_resource"] = lb_none
        result["procore_nochange"] = none

        changed = _touch(store, company)
        lb_changed = lower_bound_incremental(store, company, changed)
        after = _procore_run(srv, scenario, home, full=False)
        after["lower_bound"] = sum(lb_changed.values())
        after["lower_bound_by_resource"] = lb_changed
        after["touched"] = {res: sum(len(v) for v in per.values()) for res, per in changed.items()}
        after["touched_projects"] = len({p for per in changed.values() for p in per})
        result["procore_changed"] = after

    conn = connection_string(db)
    for label in ("sage_first", "sage_nochange"):
        started = time.perf_counter()
        report = run_sage_sync(home=home, connection_string=conn, full=False)
        result[label] = {
            "ok": report.ok,
            "wall_s": round(time.perf_counter() - started, 1),
            "rows": report.rows,
            "queries": report.requests,
        }
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return result


def run_child(size: str, seed: int) -> dict:
    """Run `bench_sync` in a fresh interpreter (own peak RSS), temp data removed after."""
    with tempfile.TemporaryDirectory(prefix=f"tieout-bench-sync-{size}-") as tmp:
        result_file = Path(tmp) / "result.json"
        subprocess.run(
            [sys.executable, "-m", "bench.sync", size, str(seed), tmp, str(result_file)],
            check=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        return json.loads(result_file.read_text())


def _fmt(n: float) -> str:
    return f"{n:,}" if isinstance(n, int) else f"{n:,.1f}"


def report_section(rows: list[dict]) -> list[str]:
    lines = [
        "## Sync: Procore (emulator) and Sage (test company)",
        "",
        "Procore pipeline against the emulator over HTTP, emulator and pipelines in one child",
        "process per size (peak RSS covers both). `small` runs at the emulator's default limits",
        "(3,600/hour, 100/10 s). `gc60` runs with `hourly_limit=0` and the default spike limit",
        "100/10 s, because its first sync needs more than 3,600 requests; its **projected**",
        "wall time under the hourly cap is computed, not measured: the hour's window opens at",
        "the first request, requests past 3,600 wait for the next window (3,600 s after the",
        "first) and then proceed at the measured rate.",
        "",
        "Requests: emulator `/_admin/stats` (OAuth token included) / the pipeline's SyncReport.",
        "",
        "| size | run | requests (emulator / report) | lower bound | 429s | wall s | rows | note |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        for key, label in (
            ("procore_first", "Procore first (full)"),
            ("procore_nochange", "Procore no-change"),
            ("procore_changed", "Procore after touch"),
        ):
            s = r[key]
            note = []
            if key == "procore_first":
                if r["hourly_limit"] == 0:
                    note.append(
                        f"measured with hourly cap off; projected at 3,600/h: "
                        f"{_fmt(s['projected_wall_s'])} s"
                    )
                else:
                    note.append("measured at default limits")
            if key == "procore_changed":
                note.append(
                    "touched "
                    + ", ".join(f"{n} {res}" for res, n in s["touched"].items())
                    + f" in {s['touched_projects']} projects"
                )
            if not s["ok"]:
                note.append("FAILED: " + "; ".join(s["failed"]))
            lines.append(
                f"| {r['size']} | {label} | {_fmt(s['requests_emulator'])} / "
                f"{_fmt(s['requests_report'])} | {_fmt(s['lower_bound'])} | "
                f"{s['throttled_429']} | {s['wall_s']} | {_fmt(s['rows'])} | {'; '.join(note)} |"
            )
        for key, label in (("sage_first", "Sage first"), ("sage_nochange", "Sage no-change")):
            s = r[key]
            lines.append(
                f"| {r['size']} | {label} | {s['queries']} ODBC queries | – | – | "
                f"{s['wall_s']} | {_fmt(s['rows'])} | {'ok' if s['ok'] else 'FAILED'} |"
            )
        lines.append(
            f"| {r['size']} | peak RSS | | | | | | {r['peak_rss_mib']} MiB "
            f"({r['projects']} projects) |"
        )
    lines += [
        "",
        "Lower bound (from the scenario in the emulator's store): pages(list) =",
        "max(1, ceil(records / max page size)) per scope (company, project, or parent record);",
        "max page 2,000 on v1 lists, 100 on v2 (change-order lines); change-order lists are not",
        "paginated (1). First sync = 1 token + pages of every list the pipeline reads (all",
        "full pulls due), including one child list per parent record (requisition items are",
        "embedded: 0; direct cost lines: one project-wide list per project with costs).",
        "Incremental = 1 token + 1 projects (snapshot) + vendors + for each of the 9 filtered",
        "per-project lists max(1, ceil(changed / page)) + child pages of every changed parent",
        "+ full pulls due (none within `full_pull_hours` = 24 h).",
    ]
    runs = ("procore_first", "procore_nochange", "procore_changed")
    for r in rows:
        lines += [
            "",
            f"Requests per resource (its list operation; `token` = OauthTokenPost), {r['size']}:"
            " measured / lower bound",
            "",
            "| resource | first | no-change | after touch |",
            "|---|---|---|---|",
        ]
        names = sorted(
            {k for run in runs for k in r[run]["lower_bound_by_resource"]}
            | {k for run in runs for k in r[run]["by_resource"] if k != "oauth"}
        )
        for name in ["token"] + [n for n in names if n != "token"]:
            cells = []
            for run in runs:
                got = r[run]["by_resource"].get("oauth" if name == "token" else name, 0)
                bound = r[run]["lower_bound_by_resource"].get(name, 0)
                cells.append(f"{got} / {bound}" + (" **+**" if got > bound else ""))
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    size, seed, work, result_file = sys.argv[1:5]
    result = bench_sync(size, int(seed), Path(work))
    Path(result_file).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
