"""The exception queue against the generator's answer key: every planted discrepancy is
found with the right type and ids (recall), and nothing else is (precision)."""

from __future__ import annotations

import pytest

from tests.dbt.conftest import BuiltScenario, Row

OPEN_ROWS = """
    select exception_type, coalesce(cast(procore_id as varchar), ''), coalesce(sage_key, '')
    from marts.exception_queue where status = 'open'
"""


def queue(built: BuiltScenario) -> set[Row]:
    return {tuple(r) for r in built.query(OPEN_ROWS)}


def check_against_key(built: BuiltScenario) -> None:
    found, expected = queue(built), built.expected()
    missed = sorted(expected - found)
    extra = sorted(found - expected)
    assert not missed, f"planted discrepancies not in the queue (recall): {missed}"
    assert not extra, f"queue rows that are not planted (precision): {extra}"


@pytest.mark.parametrize("which", ["tiny_built", "dotted_built"])
def test_queue_equals_answer_key(which: str, request: pytest.FixtureRequest) -> None:
    check_against_key(request.getfixturevalue(which))


def test_every_exception_type_is_exercised(dotted_built: BuiltScenario) -> None:
    """The variant scenario plants every build/sync type, so the test above covers each."""
    types = {row[0] for row in dotted_built.expected()}
    assert len(types) == 18, sorted(types)


def test_queue_rows_follow_the_contract(tiny_built: BuiltScenario) -> None:
    rows = tiny_built.query(
        """select exception_id, exception_type, severity, status, message, first_seen_at
           from marts.exception_queue"""
    )
    assert rows
    for exception_id, kind, severity, status, message, first_seen in rows:
        assert len(exception_id) == 32, exception_id
        assert severity in ("blocking", "warning"), (kind, severity)
        assert status in ("open", "resolved", "ignored")
        assert message and first_seen is not None


def test_money_stays_decimal(tiny_built: BuiltScenario) -> None:
    """No float anywhere money is compared: the reconciliation marts keep DECIMAL."""
    types = tiny_built.query(
        """select table_name, column_name, data_type from information_schema.columns
           where table_schema = 'marts' and table_name in ('recon_commitments', 'recon_retainage')
             and (column_name like '%amount%' or column_name like '%retain%'
                  or column_name like '%billed%')"""
    )
    assert types
    bad = [(t, c, d) for t, c, d in types if not d.startswith("DECIMAL") and "status" not in c]
    assert not bad, bad
