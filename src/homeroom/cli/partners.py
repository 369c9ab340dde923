"""The `homeroom partners` commands: the community organisations students are referred to.

A partner's staff sign in with accounts of role `partner` tied to it (`homeroom users add NAME
--role partner --partner ID`); what they see is decided by the families' consents, never here.
Whoever can run these commands can read the workspace's files, so they act as an administrator;
each change is written to the audit log as `cli:<login name>`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from homeroom.cli.casebook import cli_actor, open_casebook
from homeroom.cli.options import WorkspaceOption
from homeroom.cli.output import UsageProblem, err, out

partners_app = typer.Typer(
    help="Community partners (clinics, housing, mentoring, after-school, transport) whose staff "
    "see the students referred to them, with a family's consent.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `homeroom` app."""
    app.add_typer(partners_app, name="partners")


def _kinds() -> tuple[str, ...]:
    from homeroom.casebook.partners import KINDS

    return KINDS


@partners_app.command(
    "add",
    epilog=(
        "Examples:\n\n"
        '`homeroom partners add "Eastside Health Clinic" --kind health --workspace district`\n\n'
        '`ID=$(homeroom partners add "Big Brothers Big Sisters" --kind mentoring -w district)` '
        "then `homeroom users add jo --role partner --partner $ID -w district`"
    ),
)
def add(
    name: Annotated[str, typer.Argument(help="The organisation's name, as staff know it.")],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="health, housing, mentoring, after_school, transport, family or other.",
        ),
    ] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Add a community partner; prints its id (alone on the first line, for scripts).

    The change is written to the audit log.
    """
    from homeroom.casebook.partners import add_partner

    if kind is not None and kind not in _kinds():
        raise UsageProblem(f"--kind must be one of {', '.join(_kinds())}; got {kind!r}")
    with open_casebook(workspace) as (_space, store):
        partner = add_partner(store, name, kind, by=cli_actor())
    # The id alone on stdout, so `ID=$(homeroom partners add ...)` reads it; the words on stderr.
    out.print(str(partner.id), highlight=False)
    err.print(f"Added partner {partner.id}: {partner.name}.", markup=False, highlight=False)
    err.print(
        f"Add its staff with: homeroom users add USERNAME --role partner --partner {partner.id}",
        markup=False,
        highlight=False,
    )


@partners_app.command("list", epilog="Example: `homeroom partners list --workspace district`")
def list_(workspace: WorkspaceOption = None) -> None:
    """List the partners: id, name, kind, whether active, and their staff accounts."""
    from homeroom.casebook import list_users
    from homeroom.casebook.partners import list_partners

    with open_casebook(workspace) as (space, store):
        partners = list_partners(store, include_inactive=True)
        accounts: dict[int, list[str]] = {}
        for user in list_users(store):
            if user.partner_id is not None:
                accounts.setdefault(user.partner_id, []).append(user.username)
    if not partners:
        out.print('No partners yet. Add one: homeroom partners add "NAME" --kind health')
        return
    table = Table(title=f"Partners of {space.name}")
    for column in ("id", "name", "kind", "active", "accounts"):
        table.add_column(column, no_wrap=column in ("id", "active"), overflow="fold")
    for partner in partners:
        table.add_row(
            str(partner.id),
            Text(partner.name),  # as typed: brackets in a name are not markup
            partner.kind or "",
            "yes" if partner.active else "[red]no[/]",
            ", ".join(accounts.get(partner.id, [])),
        )
    out.print(table)
