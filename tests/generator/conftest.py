"""Generator fixtures: extra tiny scenarios (same seed, other seed, custom plants, no
plants, another mask) and one small scenario, each generated once per session."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from .reference_recon import Scenario


def tree_digest(root: Path) -> str:
    """SHA-256 over every file's relative path and bytes, in sorted order."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


def _generate(
    tmp_path_factory: pytest.TempPathFactory, name: str, size: str, seed: int, **kwargs
) -> Path:
    from sandbox.generate import generate

    out = tmp_path_factory.mktemp(name) / size
    generate(size, seed, out, **kwargs)
    return out


@pytest.fixture(scope="session")
def tiny_seed(tiny_scenario) -> int:
    """The seed of the shared tiny scenario (tests/conftest.py), read back from its toml."""
    return int(tiny_scenario.meta["generator"]["seed"])


@pytest.fixture(scope="session")
def tiny_again(tmp_path_factory, tiny_seed: int) -> Path:
    return _generate(tmp_path_factory, "again", "tiny", tiny_seed)


@pytest.fixture(scope="session")
def tiny_other_seed(tmp_path_factory, tiny_seed: int) -> Path:
    return _generate(tmp_path_factory, "other", "tiny", tiny_seed + 1)


@pytest.fixture(scope="session")
def tiny_planted(tmp_path_factory) -> Path:
    return _generate(
        tmp_path_factory,
        "planted",
        "tiny",
        5,
        plant={
            "budget_mismatch": 3,
            "commitment_line_mismatch": 2,
            "write_rejected": 2,
            "schema_drift": 2,
            "invalid_sage_target": 2,
        },
    )


@pytest.fixture(scope="session")
def tiny_clean(tmp_path_factory) -> Path:
    from sandbox.generate import EXCEPTION_TYPES

    return _generate(tmp_path_factory, "clean", "tiny", 8, plant={t: 0 for t in EXCEPTION_TYPES})


@pytest.fixture(scope="session")
def tiny_dotted(tmp_path_factory) -> Path:
    return _generate(tmp_path_factory, "dotted", "tiny", 3, mask="xxx.xx")


@pytest.fixture(scope="session")
def small_dir(tmp_path_factory) -> Path:
    return _generate(tmp_path_factory, "small", "small", 7)


@pytest.fixture(scope="session")
def tiny(tiny_scenario_dir: Path) -> Scenario:
    return Scenario.load(tiny_scenario_dir)


@pytest.fixture(scope="session")
def small(small_dir: Path) -> Scenario:
    return Scenario.load(small_dir)
