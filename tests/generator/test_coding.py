"""Masks, the standard list and the SQL translation rule (README "Mapping truth")."""

from __future__ import annotations

import pytest

from sandbox.generate import Mask, normalise
from sandbox.generate.coding import standard_codes
from sandbox.generate.discrepancies import resolve_plant


@pytest.mark.parametrize(
    ("text", "lengths", "sep", "width"),
    [
        ("xx-xxx", (2, 3), "-", 6),
        ("xx-xx-xx", (2, 2, 2), "-", 8),
        ("xxx.xx", (3, 2), ".", 6),
    ],
)
def test_mask_parse(text: str, lengths: tuple, sep: str, width: int) -> None:
    mask = Mask.parse(text)
    assert (mask.lengths, mask.separator, mask.width, mask.pattern) == (lengths, sep, width, text)


@pytest.mark.parametrize("bad", ["xxxxx", "xx-xx.xx", "x", "xx--xx", "xx/xx"])
def test_mask_parse_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        Mask.parse(bad)


@pytest.mark.parametrize(
    ("code", "mask", "sage"),
    [
        ("01-20-05", "xx-xx-xx", "01-20-05"),
        ("01-20.05", "xx-xx-xx", "01-20-05"),  # mixed delimiters
        ("01.20.05", "xx-xx-xx", "01-20-05"),
        ("012005", "xx-xx-xx", "01-20-05"),  # not sectioned: cut by the mask lengths
        ("03.300", "xx-xxx", "03-300"),
        ("03300", "xx-xxx", "03-300"),
        ("033.01", "xxx.xx", "033.01"),
        ("033-01", "xxx.xx", "033.01"),
        ("03301", "xxx.xx", "033.01"),
        ("GC-SUPER", "xx-xx-xx", None),  # irregular: only the controller map knows it
        ("A100", "xx-xxx", None),  # legacy: only the per-job override knows it
        ("TEMP-01", "xx-xxx", None),
        ("0120050", "xx-xx-xx", None),  # digits of the wrong length
    ],
)
def test_normalise(code: str, mask: str, sage: str | None) -> None:
    assert normalise(code, Mask.parse(mask)) == sage


def test_standard_codes_fit_the_mask_and_are_unique() -> None:
    for text in ("xx-xxx", "xx-xx-xx", "xxx.xx"):
        mask = Mask.parse(text)
        codes = standard_codes(mask)
        assert len({c.code for c in codes}) == len(codes)
        assert all(mask.fits(c.code) and len(c.description) <= 30 for c in codes)
        assert any(c.group for c in codes) and any(not c.group for c in codes)


def test_plant_overrides_are_checked() -> None:
    assert resolve_plant(2, {"budget_mismatch": 5})["budget_mismatch"] == 5
    assert resolve_plant(2, None)["schema_drift"] == 2
    with pytest.raises(ValueError, match="unknown exception type"):
        resolve_plant(1, {"nope": 1})
    with pytest.raises(ValueError):
        resolve_plant(1, {"budget_mismatch": -1})
