"""Small pieces of the Procore source, without the emulator."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from requests import Response

from pipelines.procore import default_login_url
from pipelines.procore.client import Pacer
from pipelines.procore.drift import Drift, column_hints, convert, rules, validator
from pipelines.procore.pipeline import ProcoreConfigError, resolve_connection
from pipelines.procore.settings import TABLES, ProcoreSettings


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("decimal", "156092.57", Decimal("156092.57")),
        ("decimal", "0.0000", Decimal("0.0000")),
        ("decimal", "-12.5", Decimal("-12.5")),
        ("percent", "96.36%", Decimal("96.36")),
        ("percent", "5.00", Decimal("5.00")),
        ("number", 1.0, Decimal("1.0")),
        ("number", 3, Decimal(3)),
        ("date", "2026-08-31", date(2026, 8, 31)),
        ("timestamp", "2026-08-31T15:30:27Z", datetime(2026, 8, 31, 15, 30, 27, tzinfo=UTC)),
        ("timestamp", "2026-08-31T17:30:27+02:00", datetime(2026, 8, 31, 15, 30, 27, tzinfo=UTC)),
        ("id", "180000000001", 180000000001),
        ("integer", 7, 7),
        ("text", "x", "x"),
    ],
)
def test_values_are_typed_exactly(kind, value, expected):
    assert convert(kind, value) == expected
    if kind in ("decimal", "percent"):
        assert isinstance(convert(kind, value), Decimal)


@pytest.mark.parametrize(
    ("kind", "value", "found"),
    [
        ("decimal", 7470.4, "number"),  # money must stay a string on the wire
        ("decimal", "12,30", "unparseable"),
        ("decimal", "NaN", "unparseable"),
        ("percent", "abc%", "unparseable"),
        ("integer", "5", "string"),
        ("integer", True, "boolean"),
        ("text", 12, "integer"),
        ("date", "31/08/2026", "unparseable"),
        ("timestamp", "yesterday", "unparseable"),
        ("boolean", "true", "string"),
    ],
)
def test_drifted_values_name_what_was_found(kind, value, found):
    with pytest.raises(Drift) as caught:
        convert(kind, value)
    assert caught.value.found == found


def test_validator_flags_missing_keys_and_wrong_types_and_keeps_new_fields():
    check = validator("work_order_contracts")
    good = {
        "id": 1,
        "number": "A",
        "status": "Approved",
        "vendor": {"id": 2},
        "grand_total": "10.00",
        "revised_contract": "12.00",
        "retainage_percent": "5.0",
        "updated_at": "2026-01-01T00:00:00Z",
        "brand_new_field": {"x": 1},
    }
    record, findings = check.normalize(good)
    assert findings == [] and record is not None
    assert record["grand_total"] == Decimal("10.00") and record["brand_new_field"] == {"x": 1}
    assert good["grand_total"] == "10.00"  # the input is not modified

    bad = {**good, "grand_total": 10.0}
    del bad["status"]
    record, findings = check.normalize(bad)
    assert record is None
    assert {(f.field, f.found) for f in findings} == {
        ("grand_total", "number"),
        ("status", "missing"),
    }
    assert all(f.record_id == "1" and f.resource == "work_order_contracts" for f in findings)


def test_nested_money_is_checked_too():
    check = validator("requisitions")
    record = {
        "id": 1,
        "commitment_id": 2,
        "number": 1,
        "status": "approved",
        "updated_at": "2026-01-01T00:00:00Z",
        "summary": {"total_retainage": "five", "current_payment_due": "1.00"},
    }
    _, findings = check.normalize(record)
    assert [(f.field, f.found) for f in findings] == [("summary.total_retainage", "unparseable")]


def test_rules_type_timestamps_and_v2_ids():
    assert rules("budget_views")["updated_at"] == "timestamp"  # schema says plain string
    assert rules("commitment_change_order_line_items")["id"] == "id"
    assert rules("requisitions")["summary.total_retainage"] == "decimal"
    assert rules("requisitions")["percent_complete"] == "percent"


def test_required_fields_are_documented_by_procore():
    """A required key the operation's schema does not declare would be flagged forever."""
    for name, table in TABLES.items():
        declared = set(rules(name))
        assert set(table.required) <= declared, name


def test_column_hints_mark_hard_deletes_and_scope():
    hints = column_hints(TABLES["work_order_contract_line_items"], "work_order_contract_id")
    assert hints["_tieout_deleted"]["hard_delete"] is True
    assert hints["work_order_contract_id"]["data_type"] == "bigint"
    assert hints["amount"]["data_type"] == "decimal"
    assert hints["id"]["nullable"] is False


def test_pacer_waits_for_the_reset_before_overdrawing():
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep, reserve=1)
    pacer.observe(
        {
            "X-Rate-Limit-Limit": "100",
            "X-Rate-Limit-Remaining": "60",
            "X-Rate-Limit-Reset": str(int(clock.now) + 8),
        }
    )
    pacer.before_request()
    assert clock.slept == []
    pacer.observe(
        {
            "X-Rate-Limit-Limit": "100",
            "X-Rate-Limit-Remaining": "1",
            "X-Rate-Limit-Reset": str(int(clock.now) + 8),
        }
    )
    pacer.before_request()
    assert clock.slept == [pytest.approx(8.05)]


def test_pacer_spreads_the_last_requests_of_a_window():
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep, reserve=1, spread_fraction=0.1)
    pacer.observe(
        {
            "X-Rate-Limit-Limit": "100",
            "X-Rate-Limit-Remaining": "5",
            "X-Rate-Limit-Reset": str(int(clock.now) + 10),
        }
    )
    pacer.before_request()
    assert clock.slept == [pytest.approx(2.0)]


def test_retry_after_header_then_reset_then_fallback():
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep)
    response = Response()
    response.headers["Retry-After"] = "7"
    assert pacer.retry_after(response, fallback=1) == 7
    response = Response()
    response.headers.update(
        {
            "X-Rate-Limit-Limit": "10",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(int(clock.now) + 4),
        }
    )
    assert pacer.retry_after(response, fallback=1) == pytest.approx(4.05)
    assert Pacer(clock, clock.sleep).retry_after(Response(), fallback=1.5) == 1.5


def test_pacer_never_waits_longer_than_the_cap():
    clock = FakeClock()
    pacer = Pacer(clock, clock.sleep, max_wait=30)
    pacer.pause(5000)
    assert clock.slept == [30]


def test_login_host_follows_the_api_host():
    assert default_login_url("https://api.procore.com") == "https://login.procore.com"
    assert default_login_url("https://sandbox.procore.com/") == "https://login-sandbox.procore.com"
    assert default_login_url("http://127.0.0.1:8700") == "http://127.0.0.1:8700"


def test_settings_come_from_dlt_config(monkeypatch):
    monkeypatch.setenv("SOURCES__PROCORE__SWEEP_HOURS", "6")
    monkeypatch.setenv("SOURCES__PROCORE__INCLUDE_INACTIVE_PROJECTS", "true")
    settings = ProcoreSettings.from_config({"overlap_seconds": 30})
    assert settings.sweep_hours == 6.0 and settings.include_inactive_projects is True
    assert settings.overlap_seconds == 30


def test_missing_connection_settings_name_what_to_set(monkeypatch):
    for name in ("BASE_URL", "CLIENT_ID", "CLIENT_SECRET", "COMPANY_ID", "LOGIN_URL"):
        monkeypatch.delenv(f"SOURCES__PROCORE__{name}", raising=False)
    with pytest.raises(ProcoreConfigError) as caught:
        resolve_connection(
            base_url="http://x", login_url=None, client_id=None, client_secret=None, company_id=None
        )
    message = str(caught.value)
    assert "client_id" in message and "SOURCES__PROCORE__CLIENT_SECRET" in message
    assert "base_url" not in message.split(":")[1].split(".")[0]
