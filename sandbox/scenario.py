"""The scenario directory: one self-contained company state (see ARCHITECTURE.md).

scenario.toml            name, description, as_of; [procore] company_id, client_id,
                         client_secret; [sage] company name; [generator] size, seed
procore/<resource>.json  JSON array of records as Procore returns them (+ `_scope`)
sage/<TABLE>.csv         one file per Sage table; header = Sage ODBC column names
control/<table>.csv      optional starting mappings
expected/exceptions.csv  optional answer key: exception_type, procore_id, sage_key
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

SCENARIO_FILE = "scenario.toml"


class ScenarioError(Exception):
    """A scenario directory is missing or malformed; the message says what to fix."""


@dataclass(frozen=True)
class ProcoreCredentials:
    company_id: int
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class Scenario:
    root: Path
    name: str
    description: str
    as_of: str
    procore: ProcoreCredentials
    meta: dict = field(default_factory=dict)

    @property
    def procore_dir(self) -> Path:
        return self.root / "procore"

    @property
    def sage_dir(self) -> Path:
        return self.root / "sage"

    @property
    def control_dir(self) -> Path:
        return self.root / "control"

    @property
    def expected_exceptions(self) -> Path:
        return self.root / "expected" / "exceptions.csv"


def load_scenario(root: str | Path) -> Scenario:
    """Read `scenario.toml` and check the directory has the parts the sandbox needs."""
    root = Path(root).resolve()
    toml_path = root / SCENARIO_FILE
    if not toml_path.is_file():
        raise ScenarioError(
            f"{root} is not a scenario directory: {SCENARIO_FILE} is missing. "
            "Create one with `tieout sandbox generate --size small --seed 7 --out DIR`."
        )
    try:
        data = tomllib.loads(toml_path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{toml_path}: invalid TOML ({exc})") from exc
    try:
        p = data["procore"]
        creds = ProcoreCredentials(
            int(p["company_id"]), str(p["client_id"]), str(p["client_secret"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(
            f"{toml_path}: [procore] needs company_id (integer), client_id and client_secret"
        ) from exc
    for sub in ("procore", "sage"):
        if not (root / sub).is_dir():
            raise ScenarioError(f"{root}: the {sub}/ folder is missing")
    return Scenario(
        root=root,
        name=str(data.get("name", root.name)),
        description=str(data.get("description", "")),
        as_of=str(data.get("as_of", "")),
        procore=creds,
        meta={
            k: v for k, v in data.items() if k not in {"name", "description", "as_of", "procore"}
        },
    )
