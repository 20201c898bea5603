"""Secrets: the client secret and the access token never reach a log, a report or the
warehouse; refused credentials fail loudly with a message that says what to fix."""

from __future__ import annotations

import logging

from procore_sync_support import DATASET, query, stats, sync

from pipelines.procore import run_procore_sync


def test_secret_and_token_are_never_logged(srv, tiny_scenario, home, caplog, capfd, monkeypatch):
    monkeypatch.setenv("RUNTIME__LOG_LEVEL", "DEBUG")  # dlt logs to stderr at this level
    from dlt.common import logger as dlt_logger

    existing = dlt_logger.LOGGER  # set up by an earlier pipeline in this process, if any
    if existing is not None:
        level = existing.level
        existing.setLevel(logging.DEBUG)
        existing.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG):  # urllib3, requests, ours; dlt: stderr
            report = sync(srv, tiny_scenario, home)
    finally:
        if existing is not None:
            existing.setLevel(level)
            existing.removeHandler(caplog.handler)
    assert report.ok
    tokens = list(srv.state.tokens._tokens)  # what the emulator issued this run
    assert tokens
    out, err = capfd.readouterr()
    text = "\n".join([caplog.text, out, err, repr(report)])
    assert "Making GET request" in err + caplog.text  # dlt's REST client logging was on
    assert "GET /rest/v1.0/projects" in caplog.text  # and urllib3's
    secret = tiny_scenario.procore.client_secret
    assert secret not in text
    for token in tokens:
        assert token not in text
    stored = (
        query(
            home, f"SELECT string_agg(coalesce(error, ''), ' ') FROM {DATASET}._tieout_sync_runs"
        )[0][0]
        or ""
    )
    assert secret not in stored


def test_refused_credentials_fail_every_resource_with_a_fix(srv, tiny_scenario, home):
    wrong = "not-the-secret-" + tiny_scenario.procore.client_secret[:4]
    report = run_procore_sync(
        home=home,
        base_url=srv.url,
        client_id=tiny_scenario.procore.client_id,
        client_secret=wrong,
        company_id=tiny_scenario.procore.company_id,
        clock=srv.state.clock.now,
        sleep=srv.state.clock.advance,
    )
    assert not report.ok
    failed = [r for r in report.resources if r.status == "failed"]
    assert {r.resource for r in failed} >= {"projects", "requisitions", "vendors"}
    assert all("client_id/client_secret" in r.error for r in failed)
    assert all(wrong not in r.error for r in report.resources)
    assert stats(srv)["by_operation"] == {"OauthTokenPost": 1}  # refused once, not re-asked
