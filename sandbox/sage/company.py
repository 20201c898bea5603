"""Build the Sage 300 CRE test company (a SQLite file) from a scenario's `sage/*.csv`.

`materialise` is the test company's "restore from backup": it creates every catalogue
table, bulk-loads the CSVs that exist, indexes, and switches the file to WAL so ODBC
readers and a later Connector can share it. It builds into `<db>.tmp` and renames over
`<db>` only when everything loaded, so a failed or interrupted build never leaves a
half-loaded company and the previous one stays usable.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.sage import ddl
from sandbox.sage.catalogue import BY_NAME, TABLES
from sandbox.sage.errors import CompanyBuildError
from sandbox.sage.loader import BATCH_ROWS, Progress, load_csv, read_header, table_for_csv

# Tuned for a one-off bulk load into a file nobody else can see yet.
_LOAD_PRAGMAS = (
    "PRAGMA journal_mode = OFF",
    "PRAGMA synchronous = OFF",
    "PRAGMA locking_mode = EXCLUSIVE",
    "PRAGMA temp_store = MEMORY",
    "PRAGMA cache_size = -262144",  # 256 MiB: index builds over 2M JCT rows stay in memory
)
_SIDECARS = ("-journal", "-wal", "-shm")


@dataclass(frozen=True)
class CompanyInfo:
    """What was built: where, from what, and how many rows per table."""

    db_path: Path
    source_dir: Path
    name: str | None
    row_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    unlicensed: tuple[str, ...] = ()

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def connection_string(self, *, read_only: bool = True) -> str:
        from sandbox.sage.odbc import connection_string

        return connection_string(self.db_path, read_only=read_only)


def resolve_sage_dir(source: object) -> Path:
    """Accept a `Scenario`, a scenario directory, or the `sage/` folder itself."""
    sage_dir = getattr(source, "sage_dir", None)
    path = Path(sage_dir) if sage_dir is not None else Path(source)  # type: ignore[arg-type]
    if (path / "sage").is_dir():
        path = path / "sage"
    if not path.is_dir():
        raise CompanyBuildError(
            f"{path}: no such folder. Pass a scenario directory (with sage/<TABLE>.csv "
            "files) — create one with `tieout sandbox generate --size tiny --seed 1 --out DIR`."
        )
    return path.resolve()


def materialise(
    source: object,
    db_path: str | os.PathLike[str],
    *,
    progress: Progress | None = None,
    unlicensed: Iterable[str] = (),
    batch_rows: int = BATCH_ROWS,
) -> CompanyInfo:
    """Build the test company at `db_path` from `source` (Scenario, scenario dir or sage dir).

    `progress(table, rows_loaded, total)` is called after every batch and once per table
    with total set. `unlicensed` names tables to leave out, so readers get Sage's "Table
    or view not found" for them, as for an unlicensed module.
    """
    started = time.perf_counter()
    sage_dir = resolve_sage_dir(source)
    db = Path(db_path).resolve()
    skip = _check_unlicensed(unlicensed)
    files = _plan(sage_dir, skip)
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(db.name + ".tmp")
    with _build_lock(db):
        _remove(tmp)
        try:
            counts, name = _build(tmp, files, skip, progress, batch_rows)
            _fsync(tmp)
            _retire(db)
            os.replace(tmp, db)
            _fsync(db.parent)
        finally:
            _remove(tmp)
    return CompanyInfo(
        db, sage_dir, name, counts, time.perf_counter() - started, tuple(sorted(skip))
    )


def _check_unlicensed(unlicensed: Iterable[str]) -> frozenset[str]:
    skip = frozenset(unlicensed)
    unknown = sorted(skip - set(BY_NAME))
    if unknown:
        raise CompanyBuildError(f"unlicensed: {', '.join(unknown)} not in the catalogue")
    return skip


def _plan(sage_dir: Path, skip: frozenset[str]) -> dict[str, Path]:
    """Map table → CSV, checking every file name and header before loading anything."""
    files: dict[str, Path] = {}
    for path in sorted(sage_dir.glob("*.csv")):
        table = table_for_csv(path)
        read_header(path, table)
        if table.name not in skip:
            files[table.name] = path
    return files


def _build(
    tmp: Path,
    files: dict[str, Path],
    skip: frozenset[str],
    progress: Progress | None,
    batch_rows: int,
) -> tuple[dict[str, int], str | None]:
    con = sqlite3.connect(tmp, isolation_level=None)
    try:
        for pragma in _LOAD_PRAGMAS:
            con.execute(pragma)
        con.execute("BEGIN")
        counts: dict[str, int] = {}
        tables = [t for t in TABLES if t.name not in skip]
        for table in tables:
            con.execute(ddl.create_table_sql(table))
        for table in tables:
            path = files.get(table.name)
            counts[table.name] = (
                load_csv(con, table, path, progress=progress, batch_rows=batch_rows) if path else 0
            )
        for table in tables:
            for statement in ddl.create_index_sql(table):
                con.execute(statement)
        con.execute("COMMIT")
        con.execute("PRAGMA analysis_limit = 1000")
        con.execute("ANALYZE")
        name = _company_name(con) if "COMPANY_INFORMATION" not in skip else None
        con.execute("PRAGMA locking_mode = NORMAL")
        con.execute("PRAGMA journal_mode = WAL")  # readers alongside a Connector later
        return counts, name
    except sqlite3.Error as exc:
        raise CompanyBuildError(f"building the test company in {tmp} failed: {exc}") from exc
    finally:
        con.close()


def _company_name(con: sqlite3.Connection) -> str | None:
    row = con.execute('SELECT "CNAME" FROM "COMPANY_INFORMATION" LIMIT 1').fetchone()
    return row[0] if row else None


def _retire(db: Path) -> None:
    """Fold the old company's WAL into it before it is replaced.

    A leftover `<db>-wal` would otherwise be replayed onto the new file. If the WAL
    survives a checkpoint and close, another process still has the company open.
    """
    if not db.exists() or not any(Path(f"{db}{s}").exists() for s in ("-wal", "-shm")):
        return
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        con.close()
    if Path(f"{db}-wal").exists():
        raise CompanyBuildError(
            f"{db} is open in another process (a `tieout sandbox serve` or a pipeline?); "
            "stop it, then rebuild the test company."
        )


@contextlib.contextmanager
def _build_lock(db: Path) -> Iterator[None]:
    """One build per company file at a time (two would share `<db>.tmp`)."""
    lock_path = db.with_name(db.name + ".lock")
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise CompanyBuildError(
                f"{db} is being built by another process; wait for it to finish"
            ) from exc
        yield


def _remove(path: Path) -> None:
    for suffix in ("", *_SIDECARS):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    """The load ran with synchronous=OFF: make the bytes durable before the rename."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
