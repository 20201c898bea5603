"""The starting control tables (control/*.csv): the mappings a controller keeps.

Column meanings and the precedence the translation applies are documented in
README.md ("Control files"); this module only collects the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sandbox.generate.coding import IRREGULAR_CODES, IRREGULAR_JOB_SPECIFIC, Mask
from sandbox.generate.company import JOB_SPECIFIC_MAP, Company
from sandbox.generate.model import Project
from sandbox.generate.writer import write_csv

OVERRIDES_HEADER = ("job", "procore_cost_code", "sage_cost_code")
MAP_HEADER = ("procore_cost_code", "job", "line_item_type", "sage_cost_code", "sage_category")
PREFIX_HEADER = ("procore_prefix", "sage_prefix")
VENDOR_HEADER = ("procore_vendor_id", "sage_vendor")

# Targets for the two contradictory rows of each planted ambiguous code.
AMBIGUOUS_TARGETS = ("015000", "015200")


@dataclass
class ControlTables:
    mask: Mask
    overrides: list[tuple[str, str, str]] = field(default_factory=list)
    code_map: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def add_project(self, company: Company, p: Project, features: tuple[str, ...]) -> None:
        for procore_code, sage_code in p.overrides:
            self.overrides.append((p.job, procore_code, sage_code))
        if JOB_SPECIFIC_MAP in features:
            code, digits = IRREGULAR_JOB_SPECIFIC
            self.code_map.append((code, p.job, "", self.mask.cut(digits), ""))
        for cc in p.cost_codes:
            if cc.style == "planted" and cc.full_code.startswith("ALLOW-"):
                for digits in AMBIGUOUS_TARGETS:
                    self.code_map.append((cc.full_code, "", "", self.mask.cut(digits), ""))

    def write(self, company: Company, root: Path) -> dict[str, int]:
        company_wide = [
            (code, "", "", self.mask.cut(digits), "") for code, _, digits in IRREGULAR_CODES
        ]
        code_map = sorted(company_wide + self.code_map)
        vendor_map = sorted(
            (str(v.id), v.sage_code or "") for v in company.procore_vendors if v.in_vendor_map
        )
        prefixes = [("P-", "")]
        tables = {
            "cost_code_overrides.csv": (OVERRIDES_HEADER, sorted(self.overrides)),
            "cost_code_map.csv": (MAP_HEADER, code_map),
            "job_prefix_rules.csv": (PREFIX_HEADER, prefixes),
            "vendor_map.csv": (VENDOR_HEADER, vendor_map),
        }
        for name, (header, rows) in tables.items():
            write_csv(root / "control" / name, header, rows)
        return {name: len(rows) for name, (_, rows) in tables.items()}
