"""The Procore dlt source: projects, commitments, change orders, billing, budgets, costs.

    from pipelines.procore import procore_source, run_procore_sync
    report = run_procore_sync(home=path, base_url=url, ...)   # load + report + meta tables

Unset arguments come from dlt config/secrets under `sources.procore`
(`base_url`, `login_url`, `client_id`, `client_secret`, `company_id`; env
`SOURCES__PROCORE__CLIENT_SECRET` etc.). One dlt resource per parent table (its child
tables ride along as table variants); see README.md for what each table holds and how it
is kept current.
"""

from __future__ import annotations

from typing import Any

import dlt
from dlt.extract.resource import DltResource

from pipelines.procore.client import ProcoreClient
from pipelines.procore.helpers import SyncRun, family_resource, new_run_id
from pipelines.procore.settings import FAMILIES, LOGIN_HOSTS, ProcoreSettings


def default_login_url(base_url: str) -> str:
    """Procore's login host for a known API host; otherwise the API host itself (the
    emulator serves both)."""
    base = base_url.rstrip("/")
    return LOGIN_HOSTS.get(base, base)


@dlt.source(name="procore", section="procore")
def procore_source(
    base_url: str = dlt.config.value,
    client_id: str = dlt.secrets.value,
    client_secret: str = dlt.secrets.value,
    company_id: int = dlt.config.value,
    login_url: str | None = None,
    full: bool = False,
    project_ids: list[int] | None = None,
    run: Any = None,
) -> list[DltResource]:
    """All Procore resources of one company, merged on their primary keys.

    `run` (a `SyncRun`) lets the caller share results, findings, request counts and an
    injected clock/sleep; without it the source makes its own.
    """
    if run is None:
        run = SyncRun(
            run_id=new_run_id(),
            settings=ProcoreSettings.from_config(),
            full=full,
            project_ids=project_ids,
        )
    if run.client is None:
        run.client = ProcoreClient(
            base_url=base_url,
            login_url=login_url or default_login_url(base_url),
            client_id=client_id,
            client_secret=client_secret,
            company_id=int(company_id),
            settings=run.settings,
            clock=run.clock,
            sleep=run.sleep,
        )
    return [family_resource(family, run) for family in FAMILIES]


from pipelines.procore.pipeline import run_procore_sync  # noqa: E402

__all__ = ["ProcoreClient", "ProcoreSettings", "SyncRun", "procore_source", "run_procore_sync"]
