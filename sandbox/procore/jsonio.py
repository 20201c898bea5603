"""JSON in and out without ever turning a number into a binary float.

Scenario files are read with `parse_float=Decimal` and written back digit for digit, so
a JSON number such as `8.250` (tax rate) or a drifted money value leaves the emulator
exactly as it was stored. Money strings are never touched.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

_encode_str = json.encoder.encode_basestring  # C-accelerated, escapes control characters


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def load_file(path: Path) -> Any:
    with path.open("rb") as fh:
        return loads(fh.read())


def dumps(value: Any) -> str:
    """Compact JSON; Decimals are written as their exact digits."""
    parts: list[str] = []
    _write(value, parts.append)
    return "".join(parts)


def _write(value: Any, out) -> None:
    if isinstance(value, str):
        out(_encode_str(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(str(value))
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot encode {value} as JSON")
        out(str(value))
    elif isinstance(value, float):
        out(json.dumps(value))
    elif isinstance(value, dict):
        out("{")
        first = True
        for key, item in value.items():
            if not first:
                out(",")
            first = False
            out(_encode_str(str(key)))
            out(":")
            _write(item, out)
        out("}")
    elif isinstance(value, list | tuple):
        out("[")
        for i, item in enumerate(value):
            if i:
                out(",")
            _write(item, out)
        out("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} as JSON")
