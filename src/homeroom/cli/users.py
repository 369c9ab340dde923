"""The `homeroom users` commands: accounts for the web app, their roles and schools.

Whoever can run these commands can read the workspace's files, so they act as an administrator;
each change they make is itself written to the audit log as `cli:<login name>`.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from homeroom.cli.casebook import cli_actor, open_casebook
from homeroom.cli.options import WorkspaceOption
from homeroom.cli.output import UsageProblem, err, out

if TYPE_CHECKING:
    from homeroom.casebook import User
    from homeroom.warehouse import Workspace

users_app = typer.Typer(
    help="Accounts for the web app: who may sign in, with which role and schools.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `homeroom` app."""
    app.add_typer(users_app, name="users")


# -- shared options ---------------------------------------------------------------------------
UsernameArgument = Annotated[str, typer.Argument(help="The person's username (lower case).")]
SchoolOption = Annotated[
    list[str] | None,
    typer.Option(
        "--school",
        "-s",
        help="A school whose students a school_staff user sees (its school_id); repeat for more.",
    ),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of asking.",
    ),
]
PartnerOption = Annotated[
    int | None,
    typer.Option(
        "--partner",
        help="With --role partner: the id of the person's organisation (`homeroom partners list`).",
    ),
]
ROLE_HELP = (
    "district_admin (everything; manages users), school_staff (students of their schools), "
    "district_viewer or state_analyst (aggregates only, no student rows), partner (a community "
    "partner's staff: referred students with a family's consent only; needs --partner)."
)


def _new_password(password_stdin: bool) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsageProblem("--password-stdin read an empty line; give the password on stdin")
        return password
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


def _check_schools(space: Workspace, schools: list[str]) -> None:
    """School ids must be schools of the workspace's latest load (when there is one)."""
    from homeroom.warehouse import connect, current_load

    wanted = {school.strip() for school in schools} - {""}
    if not wanted or not space.warehouse.exists():
        return
    con = connect(space, read_only=True)
    try:
        if current_load(con) is None:
            return
        known = {str(row[0]) for row in con.execute("SELECT school_id FROM schools").fetchall()}
    finally:
        con.close()
    unknown = sorted(wanted - known)
    if unknown:
        raise UsageProblem(
            f"no school {', '.join(unknown)} in the workspace's latest load; school ids are "
            "listed by `homeroom metrics --level school`"
        )


def _check_add_options(
    role: str,
    partner: int | None,
    *,
    oidc: bool,
    oidc_issuer: str | None,
    email: str | None,
    password_stdin: bool,
) -> None:
    """The options of `users add` that only make sense together, checked before anything."""
    from homeroom.casebook.roles import PARTNER, ROLES

    if role not in ROLES:
        raise UsageProblem(f"--role must be one of {', '.join(ROLES)}; got {role!r}")
    if oidc and password_stdin:
        raise UsageProblem("--oidc users have no password; leave out --password-stdin")
    if oidc and not email:
        raise UsageProblem("--oidc needs --email: single sign-on finds the person by it")
    if oidc_issuer and not oidc:
        raise UsageProblem("--oidc-issuer goes with --oidc")
    if role == PARTNER and partner is None:
        raise UsageProblem(
            "--role partner needs --partner PARTNER_ID: the organisation the person works for "
            "(see `homeroom partners list`)"
        )
    if partner is not None and role != PARTNER:
        raise UsageProblem(f"--partner goes with --role partner only, not {role}")


def _sign_in(user: User) -> str:
    ways = ["password"] if user.has_password else []
    if user.oidc_subject:
        ways.append("SSO")
    elif user.email and not user.has_password:
        ways.append("SSO by email")  # not signed in yet: the first sign-in matches the email
    return ", ".join(ways) or "none"


def _status(user: User, now: dt.datetime) -> str:
    if user.disabled:
        return "[red]disabled[/]"
    if user.is_locked(now):
        assert user.locked_until is not None
        return f"[yellow]locked until {user.locked_until:%H:%M} UTC[/]"
    return "active"


# -- users ------------------------------------------------------------------------------------
@users_app.command(
    "add",
    epilog=(
        "Examples:\n\n"
        "`homeroom users add rivera --role school_staff --school 0042 --school 0043 "
        '--name "Ana Rivera" --email arivera@district.org`\n\n'
        "`homeroom users add chen --role district_admin --oidc --email mchen@district.org` "
        "(signs in with the district's single sign-on only)\n\n"
        "`printf '%s\\n' \"$PASSWORD\" | homeroom users add ops --role district_viewer "
        "--password-stdin`\n\n"
        "`homeroom users add jo --role partner --partner 3 --email jo@clinic.org --oidc` "
        "(staff of partner 3; see `homeroom partners list`)"
    ),
)
def add(
    username: UsernameArgument,
    role: Annotated[str, typer.Option("--role", "-r", help=ROLE_HELP)],
    school: SchoolOption = None,
    email: Annotated[
        str | None,
        typer.Option("--email", help="Work email; single sign-on matches it the first time."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name shown in the app.")] = None,
    oidc: Annotated[
        bool,
        typer.Option("--oidc", help="Single sign-on only: no password (needs --email)."),
    ] = False,
    oidc_issuer: Annotated[
        str | None,
        typer.Option("--oidc-issuer", help="With --oidc: accept only this identity provider."),
    ] = None,
    partner: PartnerOption = None,
    password_stdin: PasswordStdinOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Add a person who may sign in to the web app, with a role (and schools for school_staff,
    the organisation for a partner).

    Asks for the password twice (at least 12 characters, not the username), unless
    --password-stdin or --oidc. The change is written to the audit log.
    """
    from homeroom.casebook import add_user
    from homeroom.casebook.roles import SCHOOL_STAFF

    _check_add_options(role, partner, oidc=oidc, oidc_issuer=oidc_issuer, email=email,
                       password_stdin=password_stdin)  # fmt: skip
    schools = list(school or [])
    with open_casebook(workspace) as (space, store):
        _check_schools(space, schools)
        password = None if oidc else _new_password(password_stdin)
        user = add_user(
            store,
            username,
            role,
            password=password,
            schools=schools,
            display_name=name,
            email=email,
            oidc_issuer=oidc_issuer,
            partner_id=partner,
            by=cli_actor(),
        )
    where = f", schools {', '.join(sorted(user.school_ids))}" if user.school_ids else ""
    where += f", partner {user.partner_id}" if user.partner_id is not None else ""
    out.print(f"Added {user.username} ({user.role}{where}); signs in with {_sign_in(user)}.")
    if user.role == SCHOOL_STAFF and not user.school_ids:
        err.print(
            f"[yellow]{user.username} sees no students until given schools:[/] "
            f"homeroom users schools {user.username} --school SCHOOL_ID"
        )


@users_app.command("list", epilog="Example: `homeroom users list --workspace district-2025`")
def list_(workspace: WorkspaceOption = None) -> None:
    """List the accounts: role, schools, how they sign in, status, last sign-in."""
    from homeroom.casebook import list_users

    with open_casebook(workspace) as (space, store):
        users = list_users(store)
        now = store.now()
    if not users:
        out.print(
            "No users yet. Add the first administrator: "
            "homeroom users add NAME --role district_admin"
        )
        return
    table = Table(title=f"Users of {space.name}")
    for column in ("username", "name", "role", "schools", "sign-in", "status", "last sign-in"):
        # Names and roles whole on one line; the rest wraps (folding, never cut short).
        table.add_column(column, no_wrap=column in ("username", "role"), overflow="fold")
    for user in users:
        table.add_row(
            user.username,
            user.display_name or "",
            user.role,
            ", ".join(sorted(user.school_ids))
            or ("" if user.partner_id is None else f"partner {user.partner_id}"),
            _sign_in(user),
            _status(user, now),
            f"{user.last_login_at:%Y-%m-%d %H:%M} UTC" if user.last_login_at else "never",
        )
    out.print(table)


@users_app.command(
    "disable",
    epilog="Example: `homeroom users disable rivera` (they are signed out at once)",
)
def disable(username: UsernameArgument, workspace: WorkspaceOption = None) -> None:
    """Stop a person signing in and end their open sessions. Their audit history stays."""
    from homeroom.casebook import disable_user

    with open_casebook(workspace) as (_space, store):
        user = disable_user(store, username, by=cli_actor())
    out.print(f"Disabled {user.username}; their sessions have ended.")


@users_app.command("enable", epilog="Example: `homeroom users enable rivera`")
def enable(username: UsernameArgument, workspace: WorkspaceOption = None) -> None:
    """Let a disabled person sign in again. Also lifts a lock-out after failed sign-ins."""
    from homeroom.casebook import enable_user

    with open_casebook(workspace) as (_space, store):
        user = enable_user(store, username, by=cli_actor())
    out.print(f"Enabled {user.username}.")


@users_app.command(
    "password",
    epilog="Examples: `homeroom users password rivera` · "
    "`homeroom users password rivera --password-stdin < new-password.txt`",
)
def password(
    username: UsernameArgument,
    password_stdin: PasswordStdinOption = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Set a new password (at least 12 characters, not the username).

    Lifts a lock-out and ends the person's open sessions.
    """
    from homeroom.casebook import get_user, set_password

    with open_casebook(workspace) as (_space, store):
        if get_user(store, username) is None:  # before asking for a password
            raise UsageProblem(f"no user named {username!r}; see `homeroom users list`")
        user = set_password(store, username, _new_password(password_stdin), by=cli_actor())
    out.print(f"Set a new password for {user.username}; their sessions have ended.")


@users_app.command(
    "schools",
    epilog="Example: `homeroom users schools rivera --school 0042 --school 0051`",
)
def schools(
    username: UsernameArgument,
    school: SchoolOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Replace the schools whose students a school_staff user sees."""
    from homeroom.casebook import set_schools

    chosen = list(school or [])
    if not chosen:
        raise UsageProblem("give the schools with --school ID (repeat for more)")
    with open_casebook(workspace) as (space, store):
        _check_schools(space, chosen)
        user = set_schools(store, username, chosen, by=cli_actor())
    out.print(f"{user.username} now sees schools {', '.join(sorted(user.school_ids))}.")


@users_app.command(
    "role",
    epilog="Examples: `homeroom users role rivera district_viewer` · "
    "`homeroom users role kim school_staff --school 0042`",
)
def role(
    username: UsernameArgument,
    new_role: Annotated[str, typer.Argument(metavar="ROLE", help=ROLE_HELP)],
    school: SchoolOption = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Change a person's role (school_staff take their schools with --school)."""
    from homeroom.casebook import set_role
    from homeroom.casebook.roles import ROLES

    if new_role not in ROLES:
        raise UsageProblem(f"ROLE must be one of {', '.join(ROLES)}; got {new_role!r}")
    chosen = list(school or [])
    with open_casebook(workspace) as (space, store):
        _check_schools(space, chosen)
        user = set_role(store, username, new_role, schools=chosen, by=cli_actor())
    out.print(f"{user.username} is now {user.role}.")


# -- API tokens -------------------------------------------------------------------------------
@users_app.command(
    "token",
    epilog=(
        "Examples: `homeroom users token sis-sync --workspace district` · "
        '`TOKEN=$(homeroom users token sis-sync --note "nightly SIS sync" -w district)`, then '
        '`curl -H "Authorization: Bearer $TOKEN" https://homeroom.example/api/v1/supports`'
    ),
)
def token(
    username: UsernameArgument,
    note: Annotated[
        str | None,
        typer.Option("--note", help="What the token is for (kept with it; not secret)."),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Print a new bearer token for the JSON API (/api/v1), acting as this account.

    The token is shown this once and kept only as a hash: store it like a password. It has the
    account's role, schools or partner consents, and every use is audited as the account.
    """
    from homeroom.casebook.tokens import issue_token

    with open_casebook(workspace) as (_space, store):
        secret = issue_token(store, username, note=note, by=cli_actor())
    # The token alone on stdout (for `TOKEN=$(...)`), the advice on stderr.
    out.print(secret, markup=False, highlight=False, soft_wrap=True)
    err.print(
        "This is the only time the token is shown; Homeroom keeps only its hash. End it with "
        f"homeroom users revoke-tokens {username.strip().lower()}",
        markup=False,
        highlight=False,
    )


@users_app.command(
    "revoke-tokens",
    epilog="Example: `homeroom users revoke-tokens sis-sync --workspace district` (at once)",
)
def revoke_tokens(username: UsernameArgument, workspace: WorkspaceOption = None) -> None:
    """End every API token of the account, at once (the account itself stays)."""
    from homeroom.casebook.tokens import revoke_tokens as revoke

    with open_casebook(workspace) as (_space, store):
        ended = revoke(store, username, by=cli_actor())
    noun = "token" if ended == 1 else "tokens"
    out.print(f"Ended {ended} API {noun} of {username.strip().lower()}.", markup=False)
