"""`generate()`: plan the company, then build and stream one project at a time."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.generate.builder import ProjectBuilder
from sandbox.generate.coding import JOB_MASK, Mask
from sandbox.generate.company import GENERATOR_VERSION, Company, plan_company
from sandbox.generate.control import ControlTables
from sandbox.generate.discrepancies import (
    ANSWER_HEADER,
    AnswerRow,
    expected_row_counts,
    resolve_plant,
)
from sandbox.generate.money import derive_seed
from sandbox.generate.procore_records import company_records, project_records
from sandbox.generate.sage_rows import JCT, SageProject, company_rows
from sandbox.generate.sizes import SIZES
from sandbox.generate.writer import ScenarioWriter, write_csv
from sandbox.scenario import SCENARIO_FILE

Progress = Callable[[str, int, int | None], None]
JCT_TICK = 50_000


@dataclass(frozen=True)
class GenerationSummary:
    """What was written (also recorded under [stats] in scenario.toml)."""

    size: str
    seed: int
    root: Path
    procore: dict[str, int] = field(default_factory=dict)  # records per resource
    sage: dict[str, int] = field(default_factory=dict)  # rows per table
    control: dict[str, int] = field(default_factory=dict)
    exceptions: int = 0
    bytes: int = 0

    @property
    def procore_records(self) -> int:
        return sum(self.procore.values())

    @property
    def sage_rows(self) -> int:
        return sum(self.sage.values())

    def __str__(self) -> str:
        return (
            f"{self.size} seed {self.seed}: {self.procore_records:,} Procore records in "
            f"{len(self.procore)} resources, {self.sage_rows:,} Sage rows in "
            f"{len(self.sage)} tables ({self.sage.get(JCT, 0):,} JC transactions), "
            f"{self.exceptions} planted exception rows, {self.bytes / 2**20:.1f} MiB"
        )


def generate(
    size: str,
    seed: int,
    out: str | Path,
    *,
    plant: Mapping[str, int] | None = None,
    progress: Progress | None = None,
    mask: str | None = None,
) -> GenerationSummary:
    """Write a complete scenario directory for `size` and `seed` into `out`.

    `plant` overrides planted discrepancy counts per exception type (others keep the
    size default); `mask` overrides the Sage cost code mask (e.g. "xxx.xx"). The same
    arguments always produce byte-identical files.
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    spec = SIZES[size]
    counts = resolve_plant(spec.default_plant, plant)
    cost_mask = Mask.parse(mask or spec.cost_code_mask)
    root = Path(out)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty; choose a new directory")
    tick = progress or (lambda stage, done, total=None: None)

    company = plan_company(seed, spec, cost_mask, counts)
    writer = ScenarioWriter(root)
    for resource, record in company_records(company):
        writer.procore(resource, record)
    for table, row in company_rows(company):
        writer.sage(table, row)
    answers: list[AnswerRow] = list(company.answers)
    controls = ControlTables(cost_mask)
    jct_rows = 0
    total = len(company.specs)
    tick("projects", 0, total)
    for done, pspec in enumerate(company.specs, start=1):
        builder = ProjectBuilder(company, pspec)
        project = builder.build()
        answers += builder.answers
        for resource, record in project_records(company, project):
            writer.procore(resource, record)
        sage = SageProject(company, project)
        for values in sage.transactions():
            writer.sage_list(JCT, values)
            jct_rows += 1
            if jct_rows % JCT_TICK == 0:
                tick("JC transactions", jct_rows, None)
        for table, row in sage.masters():
            writer.sage(table, row)
        controls.add_project(company, project, pspec.features)
        tick("projects", done, total)
    tick("JC transactions", jct_rows, jct_rows)
    procore_counts, sage_counts = writer.close()
    control_counts = controls.write(company, root)
    _check_answers(answers, counts)
    rows = [a.csv_row() for a in sorted(answers, key=AnswerRow.sort_key)]
    write_csv(root / "expected" / "exceptions.csv", ANSWER_HEADER, rows)
    size_bytes = sum(f.stat().st_size for f in sorted(root.rglob("*")) if f.is_file())
    summary = GenerationSummary(
        size, seed, root, procore_counts, sage_counts, control_counts, len(rows), size_bytes
    )
    (root / SCENARIO_FILE).write_text(_scenario_toml(company, summary, counts), encoding="utf-8")
    return summary


def _check_answers(answers: list[AnswerRow], counts: Mapping[str, int]) -> None:
    """Every requested plant must have been placed (a silent shortfall would make the
    answer key lie about the scenario)."""
    want = expected_row_counts(counts)
    got = {t: 0 for t in want}
    for a in answers:
        got[a.exception_type] += 1
    if got != want:
        diff = {t: (want[t], got[t]) for t in want if want[t] != got[t]}
        raise RuntimeError(f"planted discrepancies fell short (wanted, placed): {diff}")
    keys = [a.sort_key() for a in answers]
    if len(set(keys)) != len(keys):
        raise RuntimeError("two planted discrepancies produced the same answer-key row")


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _table(name: str, values: Mapping[str, object]) -> list[str]:
    lines = [f"[{name}]"]
    for k, v in values.items():
        key = k if k.replace("_", "").isalnum() else _q(k)
        lines.append(f"{key} = {_q(v) if isinstance(v, str) else v}")
    return [*lines, ""]


def _scenario_toml(c: Company, s: GenerationSummary, counts: Mapping[str, int]) -> str:
    secret = f"{derive_seed(c.seed, 'client-secret'):016x}{derive_seed(c.seed, 'x'):016x}"
    lines = [
        f"name = {_q(f'{s.size}-{s.seed}')}",
        f"description = {_q(f'{c.name}: {c.size.description} (generated, seed {c.seed})')}",
        f"as_of = {_q(c.as_of.isoformat())}",
        "",
    ]
    lines += _table(
        "procore",
        {
            "company_id": c.company_id,
            "client_id": f"tieout-sandbox-{derive_seed(c.seed, 'client-id') % 16**12:012x}",
            "client_secret": secret,
        },
    )
    lines += _table(
        "sage",
        {
            "company_name": c.sage_name,
            "job_mask": JOB_MASK.pattern,
            "job_mask_description": "2 sections: year (2) - job number (3), separator '-'",
            "cost_code_mask": c.mask.pattern,
            "cost_code_mask_description": f"{len(c.mask.lengths)} sections of "
            f"{'/'.join(map(str, c.mask.lengths))} characters, "
            f"separator '{c.mask.separator}'",
            "categories": "L M S E O R",
        },
    )
    lines += _table("generator", {"size": s.size, "seed": s.seed, "version": GENERATOR_VERSION})
    lines += _table("generator.plant", dict(counts))
    lines += _table(
        "stats",
        {
            "procore_records": s.procore_records,
            "sage_rows": s.sage_rows,
            "exception_rows": s.exceptions,
            "bytes": s.bytes,
        },
    )
    lines += _table("stats.procore", s.procore)
    lines += _table("stats.sage", s.sage)
    lines += _table("stats.control", s.control)
    return "\n".join(lines)
