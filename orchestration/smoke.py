"""Connectivity check of both systems: the first thing `tieout run` does after serving.

It proves the Procore side answers OAuth and paginated reads over HTTP and the Sage side
answers through the real ODBC driver, before any pipeline stage spends time on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.table import Table

from sandbox.scenario import Scenario


@dataclass
class SmokeReport:
    procore_counts: dict[str, int] = field(default_factory=dict)
    sage_counts: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def table(self) -> Table:
        table = Table(title="sandbox check")
        table.add_column("system")
        table.add_column("object")
        table.add_column("records", justify="right")
        for name, n in self.procore_counts.items():
            table.add_row("Procore (HTTP)", name, f"{n:,}")
        for name, n in self.sage_counts.items():
            table.add_row("Sage (ODBC)", name, f"{n:,}")
        table.caption = f"{self.requests} Procore requests; failures: {len(self.failures)}"
        return table


def _paged_count(client: httpx.Client, path: str, params: dict, report: SmokeReport) -> int:
    """Follow rel="next" Link headers to the end and count the records."""
    total, url, query = 0, path, {**params, "per_page": 100}
    while url:
        response = client.get(url, params=query)
        report.requests += 1
        response.raise_for_status()
        total += len(response.json())
        url = response.links.get("next", {}).get("url")
        query = None
    return total


def smoke_check(scenario: Scenario, base_url: str, sage_db: Path) -> SmokeReport:
    from sandbox.sage.catalogue import TABLES
    from sandbox.sage.odbc import connect

    report = SmokeReport()
    creds = scenario.procore
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            token = client.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": creds.client_id,
                    "client_secret": creds.client_secret,
                },
            )
            report.requests += 1
            token.raise_for_status()
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            client.headers["Procore-Company-Id"] = str(creds.company_id)
            company = {"company_id": creds.company_id}
            report.procore_counts["companies"] = _paged_count(
                client, "/rest/v1.0/companies", {}, report
            )
            report.procore_counts["projects"] = _paged_count(
                client, "/rest/v1.0/projects", company, report
            )
            report.procore_counts["vendors"] = _paged_count(
                client, "/rest/v1.0/vendors", company, report
            )
    except httpx.HTTPError as exc:
        report.failures.append(f"Procore emulator at {base_url}: {exc}")
    try:
        with connect(sage_db, read_only=True) as conn:
            cursor = conn.cursor()
            for table in TABLES:
                cursor.execute(f"SELECT COUNT(*) FROM {table.name}")
                report.sage_counts[table.name] = int(cursor.fetchone()[0])
    except Exception as exc:
        report.failures.append(f"Sage test company {sage_db}: {exc}")
    return report
