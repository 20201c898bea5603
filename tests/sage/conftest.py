"""Fixtures: a factory `sage/` folder, its materialised company, ODBC connections."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyodbc
import pytest

from sandbox.sage.catalogue import BY_NAME
from sandbox.sage.company import CompanyInfo, materialise
from sandbox.sage.odbc import connect

from . import factories as f

STREAM_ROWS = 100_000


@pytest.fixture(scope="session")
def fixture_sage_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return f.write_sage_dir(tmp_path_factory.mktemp("fixture") / "sage")


@pytest.fixture(scope="session")
def company(fixture_sage_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> CompanyInfo:
    """The factory company, built once; tests must not change it (copy it first)."""
    return materialise(fixture_sage_dir, tmp_path_factory.mktemp("company") / "company.sqlite")


@pytest.fixture
def ro_conn(company: CompanyInfo) -> Iterator[pyodbc.Connection]:
    conn = connect(company.db_path, read_only=True)
    yield conn
    conn.close()


@pytest.fixture(scope="session")
def big_company(tmp_path_factory: pytest.TempPathFactory) -> CompanyInfo:
    """A company whose JCT has STREAM_ROWS rows, for streaming reads."""
    sage = tmp_path_factory.mktemp("big") / "sage"
    jct = BY_NAME["JCT_CURRENT__TRANSACTION"]
    f.write_csv(sage / f"{jct.name}.csv", jct.column_names, f.jct_rows(STREAM_ROWS))
    return materialise(sage, sage.parent / "big.sqlite")
