"""Errors the Sage test company raises; each message names the thing and says what to fix.

The CLI catches `SageSandboxError` and exits 1 with the message, so every message must
be readable by someone who has never seen this code.
"""

from __future__ import annotations


class SageSandboxError(Exception):
    """Base class: anything wrong with the Sage test company or how it is reached."""


class SageOdbcError(SageSandboxError):
    """Reaching the company through ODBC failed (driver, DSN, file, table, permission)."""


class CompanyBuildError(SageSandboxError):
    """A scenario's `sage/*.csv` files cannot become a test company (header, value, key)."""


class MaskError(SageSandboxError, ValueError):
    """A TS_CTL_RECORD_3 format is unusable or a code does not fit it."""
