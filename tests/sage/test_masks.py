"""Job and cost-code masks from TS_CTL_RECORD_3."""

from __future__ import annotations

import pyodbc
import pytest

from sandbox.sage.errors import MaskError
from sandbox.sage.masks import CostCodeMask, JobMask, Section, load_masks, masks_from_rows

from . import factories as f


def rows(fldcode: int, *sections: tuple[int, str]) -> list[dict[str, object]]:
    return [
        {
            "FLDCODE": fldcode,
            "Section": i,
            "CSLEN": n,
            "CNDESC": f"S{i}",
            "CNPUNCT": sep,
            "CNTCAP": 0,
        }
        for i, (n, sep) in enumerate(sections, 1)
    ]


def test_two_tier() -> None:
    mask = CostCodeMask.from_rows(rows(18, (2, "-"), (3, "")))
    assert mask.format_example() == "xx-xxx"
    assert mask.validate("01-100") == []
    assert mask.segments("01-100") == ("01", "100")


def test_three_tier() -> None:
    mask = CostCodeMask.from_rows(rows(18, (2, "-"), (3, "-"), (3, " ")))
    assert mask.format_example() == "xx-xxx-xxx"
    assert mask.segments("03-300-010") == ("03", "300", "010")
    assert mask.validate("03-300") == [
        "cost code '03-300': missing separator '-' after section 2 (S2) (format xx-xxx-xxx)"
    ]


def test_dot_separator() -> None:
    mask = CostCodeMask.from_rows(rows(18, (2, "."), (3, ".")))
    assert mask.format_example() == "xx.xxx"
    assert mask.is_valid("16.100")
    assert mask.validate("16-100") == [
        "cost code '16-100': missing separator '.' after section 1 (S1) (format xx.xxx)"
    ]


def test_custom_lengths_and_unused_sections() -> None:
    mask = CostCodeMask.from_rows(rows(18, (3, "-"), (4, "-"), (0, ""), (0, "")))
    assert mask.format_example() == "xxx-xxxx"
    assert mask.segments("100-2000") == ("100", "2000")
    assert len(mask.sections) == 2


def test_four_sections_and_no_separator_sections() -> None:
    mask = CostCodeMask((Section(1), Section(2, "-"), Section(2, "."), Section(2)))
    assert mask.format_example() == "xxx-xx.xx"
    assert mask.segments("A01-22.33") == ("A", "01", "22", "33")


def test_rejects_wrong_codes() -> None:
    mask = CostCodeMask.from_lengths(2, 3)
    assert mask.validate("01100") == [
        "cost code '01100': missing separator '-' after section 1 (format xx-xxx)"
    ]
    assert mask.validate("1-100") == [
        "cost code '1-100': section 1 '1' has 1 characters, the format needs 2 (format xx-xxx)"
    ]
    assert mask.validate("01-1000")[0].endswith(
        "section 2 '1000' has 4 characters, the format needs 3 (format xx-xxx)"
    )
    assert mask.validate("01-100-200") == [
        "cost code '01-100-200': more sections than the format's 2 (format xx-xxx)"
    ]
    assert mask.validate("") == ["cost code is empty (format xx-xxx)"]
    assert not mask.is_valid(None)
    with pytest.raises(MaskError, match="missing separator"):
        mask.segments("01100")


def test_job_mask_forces_capitals_and_composes() -> None:
    mask = JobMask.from_rows(f.FORMAT_CONTROL)  # CSV text values, as the generator writes
    assert (mask.format_example(), mask.upper) == ("xx-xxx", True)
    assert mask.validate("ab-001") == [
        "job 'ab-001' must be upper case (format control forces capitals)"
    ]
    assert mask.compose(["24", "001"]) == "24-001"
    with pytest.raises(MaskError, match="2 sections, got 3"):
        mask.compose(["24", "001", "9"])


def test_bad_formats_are_refused() -> None:
    with pytest.raises(MaskError, match="at most 3"):
        JobMask.from_lengths(1, 1, 1, 1)
    with pytest.raises(MaskError, match="the column holds 12"):
        CostCodeMask.from_lengths(4, 4, 4)
    with pytest.raises(MaskError, match="no FLDCODE 18"):
        CostCodeMask.from_rows(rows(16, (2, "-"), (3, "")))
    with pytest.raises(MaskError, match="not a number"):
        CostCodeMask.from_rows([{"FLDCODE": "18", "Section": "1", "CSLEN": "two"}])


def test_round_trip_through_rows() -> None:
    mask = CostCodeMask.from_lengths(2, 3, 3, separator=".")
    assert CostCodeMask.from_rows(mask.to_rows()) == mask


def test_load_masks_through_odbc(ro_conn: pyodbc.Connection) -> None:
    masks = load_masks(ro_conn)
    assert masks == masks_from_rows(f.FORMAT_CONTROL)
    assert masks.cost_code.is_valid(f.CODING["Cost_Code"][0])
    assert masks.job.is_valid(f.CODING["Job"][1])
