"""Users and roles: who may approve writes, change mappings and resolve exceptions.

Enforced at the API (`ControlStore`, `WriterStore`), not only in the CLI, so the review UI
and scripts get the same refusals. Every change to a user is audited (`user.add`,
`user.role`, `user.deactivate`, before / after) in the same transaction.

Bootstrap rule: while the `users` table holds no *active admin*, nothing is enforced — a
new install, the demo and the tests work without set-up. The first
`tieout users add NAME --role admin` turns enforcement on; from then on an actor that is
not an active user with an allowed role is refused. The last active admin can be neither
deactivated nor demoted, so enforcement never locks everyone out by accident.

System actions are exempt: seeding mappings from a scenario (`seed_from_scenario`, actor
`seed` / `tieout run`) and the writer's own bookkeeping (enqueue, claim, receipts,
rejections, auto-approval) never ask for a permission — they change nothing a person
decided.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from writers.control import schema
from writers.control.errors import (
    ControlNotFoundError,
    ControlPermissionError,
    ControlValidationError,
)

if TYPE_CHECKING:
    from writers.control.store import ControlStore, Row

ROLES = schema.USER_ROLES

# permission -> the roles that hold it
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "write.approve": ("admin", "controller"),
    "write.mode": ("admin", "controller"),
    "write.rule": ("admin", "controller"),
    "mapping.change": ("admin", "controller", "accountant"),
    "exception.resolve": ("admin", "controller", "accountant"),
    "users.manage": ("admin",),
}

WHAT = {  # for messages: "… may not approve write batches"
    "write.approve": "approve write batches",
    "write.mode": "change the write mode",
    "write.rule": "change auto-approval rules",
    "mapping.change": "change mappings",
    "exception.resolve": "resolve or reopen exceptions",
    "users.manage": "manage users",
}


def enforced(conn: Connection) -> bool:
    """True once an active admin exists (the bootstrap rule)."""
    u = schema.users
    admins = conn.scalar(
        sa.select(sa.func.count()).select_from(u).where(u.c.role == "admin", u.c.active)
    )
    return bool(admins)


def check(conn: Connection, actor: str, permission: str) -> None:
    """Refuse `actor` unless its role holds `permission` (inside the caller's transaction,
    so the decision and the change see the same users)."""
    roles = PERMISSIONS.get(permission)
    if roles is None:
        raise ValueError(f"unknown permission {permission!r}: choose from {', '.join(PERMISSIONS)}")
    if not enforced(conn):
        return
    user = _user(conn, actor)
    if user is not None and user["active"] and user["role"] in roles:
        return
    grant = roles[1] if len(roles) > 1 else roles[0]  # the least role that holds it
    who = " or ".join(roles)
    if user is None:
        state = f"{actor!r} is not a tieout user"
        how = f"`tieout users add {actor} --role {grant}`"
    elif not user["active"]:
        state = f"{actor!r} is deactivated"
        how = f"`tieout users add {actor} --role {grant}` (reactivates)"
    else:
        state = f"{actor!r} is {user['role']}"
        how = f"`tieout users set-role {actor} {grant}`"
    raise ControlPermissionError(
        f"{state} and may not {WHAT.get(permission, permission)}: only {who} may "
        f"({permission}); an admin grants it with {how}"
    )


class UserStore:
    """Users and roles over an open `ControlStore`."""

    def __init__(self, store: ControlStore) -> None:
        self.store = store

    def list_users(self) -> list[Row]:
        """Every user (active or not), by username."""
        u = schema.users
        with self.store._read() as conn:
            return [dict(r) for r in conn.execute(sa.select(u).order_by(u.c.username)).mappings()]

    def get_user(self, username: str) -> Row | None:
        with self.store._read() as conn:
            return _user(conn, username.strip())

    def authorize(self, actor: str, permission: str) -> None:
        """Raise `ControlPermissionError` unless `actor` may do `permission` now."""
        from writers.control.store import _actor

        actor = _actor(actor)
        with self.store._read() as conn:
            check(conn, actor, permission)

    def add_user(
        self, username: str, role: str, *, actor: str, display_name: str | None = None
    ) -> Row:
        """Add a user (or reactivate a deactivated one) with `role`."""
        from writers.control.store import _actor, _audit, _now, _optional

        actor = _actor(actor)
        username = _username(username)
        role = _role(role)
        display_name = _optional(display_name)
        u = schema.users
        with self.store._write() as conn:
            check(conn, actor, "users.manage")
            before = _user(conn, username)
            if before is not None and before["active"]:
                raise ControlValidationError(
                    f"user {username!r} exists ({before['role']}): change the role with "
                    f"`tieout users set-role {username} ROLE`"
                )
            now = _now()
            after: dict[str, Any] = {
                "username": username,
                "display_name": display_name,
                "role": role,
                "active": True,
                "updated_at": now,
                "updated_by": actor,
            }
            if before is None:
                after |= {"created_at": now, "created_by": actor}
                conn.execute(u.insert().values(**after))
            else:
                if display_name is None:
                    after["display_name"] = before["display_name"]
                conn.execute(u.update().where(u.c.username == username).values(**after))
            row = _user(conn, username) or {}
            _audit(conn, actor, "user.add", u.name, username, before, row, at=now)
            return row

    def set_role(self, username: str, role: str, *, actor: str) -> Row:
        """Change a user's role; the last active admin cannot be demoted."""
        from writers.control.store import _actor, _audit, _now

        actor = _actor(actor)
        username = _username(username)
        role = _role(role)
        u = schema.users
        with self.store._write() as conn:
            check(conn, actor, "users.manage")
            before = _existing(conn, username)
            if before["role"] == role:
                return before
            if before["role"] == "admin" and before["active"]:
                _keep_an_admin(conn, username, f"demote {username!r} to {role}")
            now = _now()
            conn.execute(
                u.update()
                .where(u.c.username == username)
                .values(role=role, updated_at=now, updated_by=actor)
            )
            row = _user(conn, username) or {}
            _audit(conn, actor, "user.role", u.name, username, before, row, at=now)
            return row

    def deactivate(self, username: str, *, actor: str) -> Row:
        """Withdraw a user's rights (the row stays, for the audit trail); the last active
        admin cannot be deactivated."""
        from writers.control.store import _actor, _audit, _now

        actor = _actor(actor)
        username = _username(username)
        u = schema.users
        with self.store._write() as conn:
            check(conn, actor, "users.manage")
            before = _existing(conn, username)
            if not before["active"]:
                return before
            if before["role"] == "admin":
                _keep_an_admin(conn, username, f"deactivate {username!r}")
            now = _now()
            conn.execute(
                u.update()
                .where(u.c.username == username)
                .values(active=False, updated_at=now, updated_by=actor)
            )
            row = _user(conn, username) or {}
            _audit(conn, actor, "user.deactivate", u.name, username, before, row, at=now)
            return row


# --- helpers --------------------------------------------------------------------------


def _user(conn: Connection, username: str) -> Row | None:
    u = schema.users
    row = conn.execute(sa.select(u).where(u.c.username == username)).mappings().first()
    return dict(row) if row else None


def _existing(conn: Connection, username: str) -> Row:
    row = _user(conn, username)
    if row is None:
        raise ControlNotFoundError(
            f"no user {username!r}: see `tieout users list`, or add one with "
            f"`tieout users add {username} --role ROLE`"
        )
    return row


def _keep_an_admin(conn: Connection, username: str, what: str) -> None:
    u = schema.users
    others = conn.scalar(
        sa.select(sa.func.count())
        .select_from(u)
        .where(u.c.role == "admin", u.c.active, u.c.username != username)
    )
    if not others:
        raise ControlValidationError(
            f"cannot {what}: {username!r} is the last active admin; make another user admin "
            "first (`tieout users add NAME --role admin`)"
        )


def _username(value: Any) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise ControlValidationError("no user name: give the name the user's changes carry")
    return text


def _role(value: Any) -> str:
    text = (value or "").strip().lower() if isinstance(value, str) else ""
    if text not in ROLES:
        raise ControlValidationError(f"unknown role {value!r}: choose {', '.join(ROLES)}")
    return text
