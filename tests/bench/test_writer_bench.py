"""`make bench`'s writer section on the tiny size: it runs end to end (a child process, as
`bench.run` runs it), reports the numbers, writes every held-back record with no
rejection, writes nothing on the rerun, and leaves the company as it was before the
hold-back. Kept fast (a few seconds) so the section cannot rot between gc60 runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import run, writer


@pytest.fixture(scope="module")
def tiny_row() -> dict:
    return writer.run_child("tiny", 7)


def test_the_month_is_written_once_with_no_rejection(tiny_row: dict) -> None:
    r = tiny_row
    assert r["month"] == "2026-10"
    assert r["invoices"] > 0 and r["distributions"] >= r["invoices"]
    assert r["change_orders"] > 0 and r["co_lines"] >= r["change_orders"]
    assert r["rejected"] == 0, r["rejections"]
    assert r["send_errors"] == []
    assert r["written"] == r["invoices"] + r["change_orders"] == r["ledger_rows"]
    assert r["batches"] == 2  # one per object type
    assert [s["object_type"] for s in r["submits"]] == list(writer.OBJECT_TYPES)
    # idempotency: a second plan enqueues nothing, a second send writes nothing
    assert r["replan_new"] == 0 and r["rerun_written"] == 0 and r["rerun_submits"] == 0
    # the round trip is exact: the company is what it was before the hold-back
    assert r["restored_mismatches"] == 0, r["mismatch_examples"]
    assert r["restored_rows"] > 0
    for field in ("plan_s", "read_s", "approve_s", "send_s", "records_per_s", "send_peak_mib"):
        assert r[field] is not None and r[field] >= 0, field


def test_a_rerun_after_a_crash_writes_nothing_twice(tiny_row: dict) -> None:
    crash = tiny_row["crash"]
    assert crash["killed"]  # SIGKILLed after the AP batch's commit, before its receipts
    assert crash["in_flight"] == crash["recovered"] == tiny_row["invoices"]
    assert crash["submits"] == 0 and crash["resubmitted"] == 0 and crash["rejected"] == 0
    assert crash["ledger_rows"] == tiny_row["written"]
    assert crash["restored_mismatches"] == 0, crash["mismatch_examples"]


def test_a_catch_up_of_the_whole_history_is_written_exactly() -> None:
    r = writer.run_child("tiny", 7, 3)  # tiny has 3 months: all of its AP and COs
    assert r["month"] == "2026-08 – 2026-10"
    assert r["invoices"] > 8 and r["rejected"] == 0, r["rejections"]
    assert r["written"] == r["invoices"] + r["change_orders"]
    assert r["restored_mismatches"] == 0, r["mismatch_examples"]
    assert r["crash"]["restored_mismatches"] == 0


def test_the_report_section_has_the_numbers(
    tiny_row: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = writer.report_section([tiny_row, tiny_row])
    assert lines[0].startswith(run.WRITER_HEADING)
    row = next(line for line in lines if line.startswith("| tiny |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    header = [c.strip() for c in lines[lines.index(row) - 2].strip("|").split("|")]
    got = dict(zip(header, cells, strict=True))
    assert got["rejected"] == "0" and got["rerun writes"] == "0"
    assert (
        got["invoices / distributions"] == f"{tiny_row['invoices']} / {tiny_row['distributions']}"
    )
    rate, per_cpu = got["records/s (per CPU s)"].split(" (")
    assert float(rate) > 0 and float(per_cpu.rstrip(")")) > 0
    assert float(got["send CPU s"]) > 0 and got["restored"].endswith("0 differ")
    crash = got["after crash: recovered / sent again / rerun connector calls / rerun s"]
    assert crash.startswith(f"{tiny_row['invoices']} / 0 / ") and "check" not in crash
    assert any(line.startswith("Scaling against tiny") for line in lines)

    # bench.run keeps the section under its heading and the other sections as they were
    report = tmp_path / "report.md"
    report.write_text("# old\n\n## dbt build (DuckDB)\n\nkept\n")
    monkeypatch.setattr(run, "REPORT", report)
    run.write_report({run.WRITER_HEADING: lines})
    text = report.read_text()
    assert "## dbt build (DuckDB)\n\nkept" in text
    assert text.index("## dbt build") < text.index(run.WRITER_HEADING)
    assert run._existing_sections()[run.WRITER_HEADING].startswith(writer.HEADING)
