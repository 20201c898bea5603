"""`tieout users …`: who may approve writes, change mappings and resolve exceptions.

Roles and the bootstrap rule are in `writers/control/users.py`: nothing is enforced until
the first active admin exists (`tieout users add NAME --role admin`). Every changing
command names its actor like the control commands (`--actor`, else TIEOUT_ACTOR, else the
OS user name); a refusal exits 1 with a message saying who may do it and how to grant it.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from orchestration.control_commands import ActorOpt, _say, _store, out, resolve_actor

# writers/control/schema.py USER_ROLES, repeated so `tieout --help` does not load SQLAlchemy
USER_ROLES = ("admin", "controller", "accountant", "viewer")

users_app = typer.Typer(
    help="Users and roles in the control store (admin, controller, accountant, viewer). "
    "Enforced once an active admin exists.",
    no_args_is_help=True,
)

RoleArg = Annotated[str, typer.Argument(help=f"The role: {', '.join(USER_ROLES)}.")]
NameArg = Annotated[str, typer.Argument(help="The user name (the actor their changes carry).")]


@users_app.command("add")
def users_add(
    name: NameArg,
    role: Annotated[str, typer.Option("--role", help=f"One of {', '.join(USER_ROLES)}.")],
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="A full name for lists.")
    ] = None,
    actor: ActorOpt = None,
) -> None:
    """Add a user (or reactivate one). The first admin turns enforcement on."""
    from writers.control.users import UserStore

    with _store() as store:
        users = UserStore(store)
        row = users.add_user(name, role, actor=resolve_actor(actor), display_name=display_name)
        admins = [u for u in users.list_users() if u["role"] == "admin" and u["active"]]
    _say(f"added {row['username']} as {row['role']}")
    if row["role"] == "admin" and len(admins) == 1:
        _say("roles are enforced from now on: only active users may change the control store")


@users_app.command("set-role")
def users_set_role(name: NameArg, role: RoleArg, actor: ActorOpt = None) -> None:
    """Change a user's role (the last active admin cannot be demoted)."""
    from writers.control.users import UserStore

    with _store() as store:
        row = UserStore(store).set_role(name, role, actor=resolve_actor(actor))
    _say(f"{row['username']} is {row['role']}")


@users_app.command("deactivate")
def users_deactivate(name: NameArg, actor: ActorOpt = None) -> None:
    """Withdraw a user's rights; the row stays for the audit trail."""
    from writers.control.users import UserStore

    with _store() as store:
        row = UserStore(store).deactivate(name, actor=resolve_actor(actor))
    _say(f"deactivated {row['username']} (was {row['role']})")


@users_app.command("list")
def users_list() -> None:
    """Every user, active or not."""
    from writers.control.users import UserStore

    with _store() as store:
        rows = UserStore(store).list_users()
    out.print(users_table(rows))
    if not any(r["role"] == "admin" and r["active"] for r in rows):
        _say(
            "no active admin: roles are not enforced (add one with "
            "`tieout users add NAME --role admin`)"
        )


def users_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="users", title_justify="left")
    for column in ("username", "display_name", "role", "active", "updated_by", "updated_at"):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["username"],
            r["display_name"] or "",
            r["role"],
            "yes" if r["active"] else "no",
            r["updated_by"],
            f"{r['updated_at']:%Y-%m-%d %H:%M}",
        )
    return table
