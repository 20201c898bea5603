"""Users and roles: the bootstrap rule, permissions enforced at the API, the last admin
kept, every change audited — on SQLite and PostgreSQL; one CLI run as a user runs it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from control_support import count

from orchestration import users_commands
from writers.control import ControlStore, ControlValidationError
from writers.control.errors import ControlPermissionError
from writers.control.outbox_store import Entry, WriterStore
from writers.control.schema import USER_ROLES
from writers.control.users import PERMISSIONS, UserStore


@pytest.fixture
def users(store: ControlStore, store_url: str) -> Iterator[UserStore]:
    """The PostgreSQL database is shared between tests and its per-test TRUNCATE does not
    know `users`: an admin left behind would turn enforcement on for the next test."""
    yield UserStore(store)
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM users"))
    engine.dispose()


@pytest.fixture
def staffed(users: UserStore) -> UserStore:
    """An admin (enforcement on), a controller, an accountant, a viewer, an ex-controller."""
    users.add_user("ada", "admin", actor="setup", display_name="Ada Admin")
    for name, role in (("carla", "controller"), ("alex", "accountant"), ("vic", "viewer")):
        users.add_user(name, role, actor="ada")
    users.add_user("olga", "controller", actor="ada")
    users.deactivate("olga", actor="ada")
    return users


def _proposed_batch(store: ControlStore) -> int:
    entry = Entry(
        idempotency_key=f"k-{secrets.token_hex(4)}",  # the PG database is shared
        object_type="ap_invoices",
        sage_key="V1/INV-1",
        source_object="invoice",
        source_id=1,
        amount=None,
        needs_approval_reason=None,
        payload='{"header": {}, "lines": []}',
    )
    batch = WriterStore(store).enqueue("ap_invoices", [entry], actor="tieout write", approve=False)
    assert batch is not None
    return int(batch["id"])


def test_roles_match_the_schema_and_the_cli() -> None:
    assert users_commands.USER_ROLES == USER_ROLES
    assert all(set(roles) <= set(USER_ROLES) for roles in PERMISSIONS.values())


def test_bootstrap_enforces_nothing(store: ControlStore, users: UserStore) -> None:
    users.authorize("anyone", "users.manage")
    WriterStore(store).approve_batch(_proposed_batch(store), actor="anyone")
    store.add_vendor(3900000007, "CANYON02", actor="anyone")
    # a controller alone does not turn enforcement on: only an active admin does
    users.add_user("carla", "controller", actor="anyone")
    store.add_vendor(3900000014, "GRANIT01", actor="stranger")


def test_controller_approves_accountant_may_not(store: ControlStore, staffed: UserStore) -> None:
    ws = WriterStore(store)
    batch_id = _proposed_batch(store)
    with pytest.raises(ControlPermissionError) as refused:
        ws.approve_batch(batch_id, actor="alex")
    message = str(refused.value)
    assert "'alex' is accountant" in message and "admin or controller" in message
    assert "tieout users set-role alex controller" in message
    assert ws.batch(batch_id)["status"] == "proposed"
    assert ws.approve_batch(batch_id, actor="carla")["status"] == "approved"
    with pytest.raises(ControlPermissionError):
        ws.set_write_mode("auto", actor="alex")
    with pytest.raises(ControlPermissionError):
        ws.set_rule("ap_invoices", enabled=True, actor="vic")
    assert ws.set_write_mode("auto", actor="carla") == "auto"
    ws.set_rule("ap_invoices", enabled=True, actor="ada")


def test_accountant_maps_viewer_inactive_and_unknown_may_not(
    store: ControlStore, staffed: UserStore
) -> None:
    row = store.add_vendor(3900000007, "CANYON02", actor="alex")
    store.update_mapping("vendor_map", row["id"], {"sage_vendor": "CANYON03"}, actor="alex")
    for actor, says in (
        ("vic", "'vic' is viewer"),
        ("olga", "'olga' is deactivated"),
        ("mallory", "'mallory' is not a tieout user"),
    ):
        with pytest.raises(ControlPermissionError, match=says) as refused:
            store.add_vendor(3900000014, "GRANIT01", actor=actor)
        assert "tieout users" in str(refused.value)
        with pytest.raises(ControlPermissionError):
            store.remove_mapping("vendor_map", row["id"], actor=actor)
        with pytest.raises(ControlPermissionError):
            store.resolve_exception("exc-1", "ignored", "fp", actor=actor)
    assert [r["sage_vendor"] for r in store.list_mappings("vendor_map")] == ["CANYON03"]
    store.resolve_exception("exc-1", "ignored", "fp", actor="alex")
    store.reopen_exception("exc-1", actor="carla")


def test_seeding_is_a_system_action(store: ControlStore, staffed: UserStore, control_dir: Path):
    report = store.seed_from_scenario(control_dir, actor="tieout run")
    assert report.inserted > 0


def test_only_admins_manage_users(staffed: UserStore) -> None:
    with pytest.raises(ControlPermissionError, match="only admin may"):
        staffed.add_user("eve", "admin", actor="carla")
    with pytest.raises(ControlPermissionError):
        staffed.set_role("alex", "controller", actor="alex")
    assert staffed.set_role("alex", "controller", actor="ada")["role"] == "controller"


def test_last_active_admin_is_kept(staffed: UserStore) -> None:
    with pytest.raises(ControlValidationError, match="last active admin"):
        staffed.deactivate("ada", actor="ada")
    with pytest.raises(ControlValidationError, match="last active admin"):
        staffed.set_role("ada", "controller", actor="ada")
    staffed.add_user("bea", "admin", actor="ada")
    staffed.set_role("ada", "controller", actor="bea")
    with pytest.raises(ControlValidationError, match="last active admin"):
        staffed.deactivate("bea", actor="bea")


def test_add_refuses_duplicates_and_reactivates(staffed: UserStore) -> None:
    with pytest.raises(ControlValidationError, match="exists"):
        staffed.add_user("carla", "viewer", actor="ada")
    with pytest.raises(ControlValidationError, match="unknown role"):
        staffed.add_user("zed", "owner", actor="ada")
    back = staffed.add_user("olga", "accountant", actor="ada")
    assert back["active"] and back["role"] == "accountant"


def test_user_changes_are_audited(store: ControlStore, staffed: UserStore) -> None:
    staffed.set_role("vic", "accountant", actor="ada")
    rows = store.audit(limit=None, object_type="users")
    actions = [(r["action"], r["object_key"], r["actor"]) for r in reversed(rows)]
    assert actions[0] == ("user.add", "ada", "setup")
    assert ("user.deactivate", "olga", "ada") in actions
    assert actions[-1] == ("user.role", "vic", "ada")
    role = rows[0]
    assert role["before"]["role"] == "viewer" and role["after"]["role"] == "accountant"
    assert count(store, "users") == 5
    # a change that changes nothing writes nothing
    staffed.set_role("vic", "accountant", actor="ada")
    staffed.deactivate("olga", actor="ada")
    assert len(store.audit(limit=None, object_type="users")) == len(rows)


def test_cli_add_refuse_and_list() -> None:
    def tieout(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orchestration", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "COLUMNS": "200"},
        )

    added = tieout("users", "add", "ada", "--role", "admin", "--actor", "ada")
    assert added.returncode == 0, added.stderr
    assert "enforced from now on" in added.stderr
    assert tieout("users", "add", "alex", "--role", "accountant", "--actor", "ada").returncode == 0
    refused = tieout("users", "set-role", "alex", "controller", "--actor", "alex")
    assert refused.returncode == 1
    assert "only admin may" in refused.stderr and "tieout users" in refused.stderr
    last = tieout("users", "deactivate", "ada", "--actor", "ada")
    assert last.returncode == 1 and "last active admin" in last.stderr
    listed = tieout("users", "list")
    assert listed.returncode == 0 and "alex" in listed.stdout and "accountant" in listed.stdout


def test_upgrade_from_0002_keeps_data_and_enforces_nothing(tmp_path: Path) -> None:
    """A store from before users exist: the upgrade adds the table, keeps every row, and
    changes no one's rights (no admin yet)."""
    from writers.control.engine import make_engine, resolve_url
    from writers.control.migrate import current_revision, head, upgrade

    url = resolve_url(f"sqlite:///{tmp_path / 'old.sqlite'}")
    engine = make_engine(url)
    upgrade(engine, "0002")
    with engine.begin() as conn:  # the 0002 code's insert (today's code asks `users`)
        conn.execute(
            sa.text(
                "INSERT INTO vendor_map (procore_vendor_id, sage_vendor, created_at, "
                "created_by, updated_at, updated_by) VALUES (3900000007, 'CANYON02', "
                "'2026-11-30 12:00:00', 'carla', '2026-11-30 12:00:00', 'carla')"
            )
        )
    engine.dispose()
    with ControlStore.open(url) as store:
        assert current_revision(store.engine) == head()
        assert [r["sage_vendor"] for r in store.list_mappings("vendor_map")] == ["CANYON02"]
        assert UserStore(store).list_users() == []
        store.add_vendor(3900000014, "GRANIT01", actor="anyone")
