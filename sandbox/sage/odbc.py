"""Reach the test company the way tieout reaches Sage: pyodbc over unixODBC.

The test company is a SQLite file behind the SQLite3 ODBC driver (Debian
`libsqliteodbc`). This module finds that driver, builds DSN-less connection strings,
registers a user DSN in a private `odbc.ini` (through `ODBCINI`, so nothing in /etc
changes), opens connections with a timeout, and turns driver errors into
`SageOdbcError` messages that say which connection and table, and what to fix.

Connection keys, all verified against driver 0.9998 (the driver has no `ReadOnly` key):
- `Database=file:<path>?mode=ro` — SQLite URI; read-only connections get "attempt to
  write a readonly database" on any write, like Sage's read-only ODBC role.
  `mode=rw` (the Connector's) refuses to create a missing file instead of making an
  empty company.
- `StepAPI=1` — stream rows; the default (0) materialises the whole result set inside
  the driver first (~600 MiB for 8 columns of 2M JCT rows).
- `BigInt=1` — INTEGER as 64-bit; without it values past 2**31 come back truncated.
- `Timeout=<ms>` — how long to wait on a lock held by a writer.
"""

from __future__ import annotations

import configparser
import os
import re
from pathlib import Path
from urllib.parse import quote as url_quote

from sandbox.sage.errors import SageOdbcError

DEFAULT_DRIVER = "SQLite3"
DEFAULT_TIMEOUT = 15.0  # seconds; the reference's advice for Sage's driver (§1)
DEFAULT_DSN = "tieout_sage"
INSTALL_HINT = (
    "install the SQLite3 ODBC driver and unixODBC: `apt-get install "
    "libsqliteodbc unixodbc unixodbc-dev` (or run `make venv`); "
    "`odbcinst -q -d` must then list [SQLite3]"
)

try:
    import pyodbc
except ImportError as exc:  # the pyodbc wheel links unixODBC's libodbc.so.2
    raise SageOdbcError(f"pyodbc cannot load unixODBC ({exc}). Fix: {INSTALL_HINT}.") from exc


def find_driver(name: str = DEFAULT_DRIVER) -> str:
    """Return `name` if unixODBC has that driver registered, else say how to install it."""
    drivers = pyodbc.drivers()
    if name in drivers:
        return name
    listed = ", ".join(drivers) or "none"
    raise SageOdbcError(
        f"ODBC driver {{{name}}} is not registered with unixODBC "
        f"(registered: {listed}). Fix: {INSTALL_HINT}."
    )


def database_uri(db_path: str | os.PathLike[str], *, read_only: bool = True) -> str:
    """SQLite URI for the driver's `Database=` key (percent-encoded, so any path works)."""
    path = url_quote(str(Path(db_path).resolve()), safe="/")
    return f"file:{path}?mode={'ro' if read_only else 'rw'}"


def _driver_keys(timeout: float) -> str:
    return f"StepAPI=1;BigInt=1;Timeout={int(timeout * 1000)}"


def connection_string(
    db_path: str | os.PathLike[str],
    *,
    read_only: bool = True,
    driver: str = DEFAULT_DRIVER,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """DSN-less connection string. Pipelines use read_only=True; only a Connector may not."""
    return (
        f"Driver={{{driver}}};Database={database_uri(db_path, read_only=read_only)};"
        f"{_driver_keys(timeout)}"
    )


def register_dsn(
    odbc_dir: str | os.PathLike[str],
    db_path: str | os.PathLike[str],
    *,
    name: str = DEFAULT_DSN,
    read_only: bool = True,
    driver: str = DEFAULT_DRIVER,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, str]:
    """Add or replace DSN `name` in `<odbc_dir>/odbc.ini`; return the environment to use it.

    unixODBC reads user DSNs from the file named by `ODBCINI`, so
    `os.environ.update(register_dsn(...))` (or passing the dict to a child process)
    makes `DSN=<name>` work without touching /etc or ~/.odbc.ini. The driver itself
    stays registered in the system odbcinst.ini, where `make venv` puts it.
    """
    ini_path = Path(odbc_dir).resolve() / "odbc.ini"
    ini_path.parent.mkdir(parents=True, exist_ok=True)
    config = configparser.ConfigParser(interpolation=None)
    config.optionxform = str  # type: ignore[assignment,method-assign]  # keep key case
    if ini_path.exists():
        config.read(ini_path)
    config[name] = {
        "Description": "tieout Sage 300 CRE test company",
        "Driver": driver,
        "Database": database_uri(db_path, read_only=read_only),
        **dict(pair.split("=") for pair in _driver_keys(timeout).split(";")),
    }
    with ini_path.open("w") as fh:
        config.write(fh, space_around_delimiters=False)
    return {"ODBCINI": str(ini_path)}


def connect(
    db_path: str | os.PathLike[str] | None = None,
    *,
    dsn: str | None = None,
    conn_str: str | None = None,
    read_only: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    autocommit: bool = True,
    driver: str = DEFAULT_DRIVER,
) -> pyodbc.Connection:
    """Open the company through ODBC: by file path (DSN-less), by DSN, or by a full string.

    `read_only` and `driver` apply to the file-path form; a DSN carries its own.
    Autocommit by default, so a long read never pins an old snapshot of the company.
    """
    if sum(x is not None for x in (db_path, dsn, conn_str)) != 1:
        raise ValueError("connect() needs exactly one of db_path, dsn or conn_str")
    if db_path is not None:
        find_driver(driver)
        path = Path(db_path).resolve()
        if not path.is_file():
            raise SageOdbcError(
                f"Sage test company not found: {path}. Build it from a scenario with "
                "`tieout sandbox serve --scenario DIR` or "
                "sandbox.sage.company.materialise(scenario, db_path)."
            )
        conn_str = connection_string(path, read_only=read_only, driver=driver, timeout=timeout)
    elif dsn is not None:
        conn_str = f"DSN={dsn}"
    assert conn_str is not None
    try:
        conn = pyodbc.connect(conn_str, autocommit=autocommit, timeout=max(1, int(timeout)))
    except pyodbc.Error as exc:
        raise translate_error(exc, source=describe(conn_str)) from exc
    conn.timeout = max(1, int(timeout))  # query timeout, as advised for Sage's driver
    return conn


def describe(conn_str: str) -> str:
    """A connection string fit for a message: PWD masked."""
    return re.sub(r"(?i)(PWD=)[^;]*", r"\1***", conn_str)


def describe_connection(conn: pyodbc.Connection) -> str:
    """Name an open connection for messages: its DSN, else its database."""
    try:
        dsn = conn.getinfo(pyodbc.SQL_DATA_SOURCE_NAME)
        database = conn.getinfo(pyodbc.SQL_DATABASE_NAME)
    except pyodbc.Error:
        return "the Sage ODBC connection"
    return f"DSN={dsn} ({database})" if dsn else f"Database={database}"


_NO_TABLE = re.compile(r"no such table: (?:\w+\.)?(\w+)", re.I)
_NO_COLUMN = re.compile(r"no such column: ([\w.]+)", re.I)


def translate_error(exc: Exception, *, source: str, table: str | None = None) -> SageOdbcError:
    """Map a pyodbc/driver error to a SageOdbcError that says what to fix."""
    message = str(exc.args[1] if len(exc.args) > 1 else exc)
    on = f" on {source}"
    if "Can't open lib" in message or ("IM002" in str(exc) and "DSN=" not in source):
        return SageOdbcError(f"ODBC driver not available{on}: {message}. Fix: {INSTALL_HINT}.")
    if "IM002" in str(exc) or "Data source name not found" in message:
        where = os.environ.get("ODBCINI", "~/.odbc.ini or /etc/odbc.ini")
        return SageOdbcError(
            f"ODBC data source not found{on} (looked in {where}). Register it with "
            "sandbox.sage.odbc.register_dsn(dir, db_path) and export the ODBCINI it "
            "returns, or connect DSN-less with connection_string(db_path)."
        )
    if "connect failed" in message or "unable to open database" in message:
        return SageOdbcError(
            f"cannot open the Sage test company{on}: the database file is missing or not "
            "readable. Build it with `tieout sandbox serve --scenario DIR` or "
            "sandbox.sage.company.materialise(...)."
        )
    m = _NO_TABLE.search(message)
    if m:
        name = table or m.group(1)
        return SageOdbcError(
            f"Table or view not found: {name}{on}. The test company has only the tables "
            "of sandbox/sage/catalogue.py (minus any materialised as unlicensed). Against "
            "real Sage the same message means a wrong DatabaseType, a missing DBQ, no ODBC "
            "read access for the user, or an unlicensed module."
        )
    m = _NO_COLUMN.search(message)
    if m:
        where = f" in {table}" if table else ""
        return SageOdbcError(
            f"Column not found: {m.group(1)}{where}{on}; use the catalogue's StandardMode=1 "
            "column names (sandbox/sage/catalogue.py)."
        )
    if "readonly database" in message:
        return SageOdbcError(
            f"write refused{on}: this connection is read-only. Pipelines only read Sage; "
            "changes go through a Connector with a writable connection."
        )
    if "database is locked" in message:
        return SageOdbcError(
            f"the test company is locked by a writer{on}; retry, or raise the timeout"
        )
    if "syntax error" in message:
        return SageOdbcError(
            f"SQL not understood{on}: {message}. The test company speaks SQLite: keep to "
            "portable SQL (SELECT columns FROM table WHERE col = ?), no TOP, UCASE, LEFT, "
            "MID or InStr (see sandbox/sage/README.md)."
        )
    return SageOdbcError(f"ODBC error{on}{f' reading {table}' if table else ''}: {message}")
