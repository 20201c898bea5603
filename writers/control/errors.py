"""What the control store raises: one message, saying what to fix (the CLI prints it)."""

from __future__ import annotations


class ControlStoreError(Exception):
    """The control store cannot be opened or used (URL, server, schema revision)."""


class ControlValidationError(ControlStoreError):
    """A change was refused: bad or missing value, duplicate, unknown table."""


class ControlNotFoundError(ControlValidationError):
    """The row or exception the change names does not exist."""


class ControlPermissionError(ControlValidationError):
    """The actor's role does not allow the change; the message says who may and how to
    grant it (writers/control/users.py)."""
