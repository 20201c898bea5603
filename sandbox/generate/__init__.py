"""Deterministic scenario generator: one company, described consistently by a Procore
API dump and a Sage 300 CRE company, with planted discrepancies and their answer key.

    from sandbox.generate import generate
    summary = generate("tiny", 11, Path("scenarios/tiny"))

See README.md in this folder for the mapping truth, the control files and the
answer-key semantics.
"""

from sandbox.generate.coding import Mask, normalise
from sandbox.generate.discrepancies import (
    DETECTED_BY,
    EXCEPTION_TYPES,
    IMPLIED,
    expected_row_counts,
)
from sandbox.generate.generator import GenerationSummary, generate
from sandbox.generate.sizes import SIZES, SizeSpec

__all__ = [
    "DETECTED_BY",
    "EXCEPTION_TYPES",
    "IMPLIED",
    "SIZES",
    "GenerationSummary",
    "Mask",
    "SizeSpec",
    "expected_row_counts",
    "generate",
    "normalise",
]
