"""The README's table and INFERRED lists are generated from the catalogue and current."""

from __future__ import annotations

from sandbox.sage import readme
from sandbox.sage.catalogue import INFERRED, TABLES


def test_readme_generated_block_is_current() -> None:
    text = readme.README.read_text()
    assert readme.updated(text) == text, "run: .venv/bin/python -m sandbox.sage.readme"
    for table in TABLES:
        assert f"`{table.name}`" in text
    for name in INFERRED:
        assert f"`{name}`" in text
