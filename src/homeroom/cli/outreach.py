"""The `homeroom outreach` commands: letters to families by email and text, through the outbox.

`send` queues the letters of a kind (see `homeroom.outreach.compose.letters_for`) and sends
every message of the channel that is due, retries included, at the rate limit; run it on a
schedule (every 10 minutes, say) to send what the work queue's page queued and to retry.
Email opt-out links point to the web app: its address is `[outreach] public_url` in
homeroom.toml (or `--public-url`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from homeroom.cli.casebook import cli_actor, open_casebook
from homeroom.cli.options import AsOfOption, WorkspaceOption, parse_as_of
from homeroom.cli.output import EXIT_UNUSABLE, UsageProblem, err, out

if TYPE_CHECKING:
    from homeroom.casebook import Store
    from homeroom.outreach.compose import Letter
    from homeroom.outreach.outbox import Sender
    from homeroom.warehouse import Workspace

outreach_app = typer.Typer(
    help="Letters to families by email and text: queue, send, status, opt-outs.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
CHANNELS = ("email", "sms")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `homeroom` app."""
    app.add_typer(outreach_app, name="outreach")


@outreach_app.command(
    "send",
    epilog=(
        "Examples:\n\n"
        "`homeroom outreach send -w district --kind nudge --channel email --dry-run`\n\n"
        "`homeroom outreach send -w district --kind recognition --channel sms --school 101`\n\n"
        "`homeroom outreach send -w district --channel email` (only what is queued: retries, "
        "and what the work queue's page queued)"
    ),
)
def send(
    channel: Annotated[str, typer.Option("--channel", help="email or sms.")],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind",
            help="recognition, nudge, invitation or intensive; without it, "
            "nothing new is queued and only what is due is sent.",
        ),
    ] = None,  # fmt: skip
    school: Annotated[str | None, typer.Option("--school", help="One school's students.")] = None,
    as_of: AsOfOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show who would get what; write and send nothing.")
    ] = False,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="The web app's address, for email opt-out links. "
            "Default: [outreach] public_url in homeroom.toml.",
        ),
    ] = None,  # fmt: skip
    limit: Annotated[int | None, typer.Option("--limit", help="Send at most this many.")] = None,
    rate: Annotated[
        int, typer.Option("--rate", min=1, help="Messages a minute at most (the server's limit).")
    ] = 60,
    workspace: WorkspaceOption = None,
) -> None:
    """Queue KIND letters by email or text, then send what is due (with retries)."""
    from homeroom.outreach.outbox import queue_messages, send_due

    if channel not in CHANNELS:
        raise UsageProblem("--channel must be email or sms")
    with open_casebook(workspace) as (space, store):
        letters = _letters(space, store, kind, school, as_of) if kind else []
        if dry_run:
            _show_plan(store, letters, channel)
            return
        sender = _settled_sender(space, channel, public_url)
        if letters:
            queued = queue_messages(store, letters, channel, by=cli_actor())
            skipped = ", ".join(f"{n} {why.replace('_', ' ')}" for why, n in
                                sorted(queued.skipped.items()))  # fmt: skip
            err.print(f"Queued {queued.queued} message(s)" + (f"; left out {skipped}" if skipped
                      else ""))  # fmt: skip
        with err.status("Sending") as shown:
            result = send_due(
                store, sender, by=cli_actor(), limit=limit, rate_per_minute=rate,
                progress=lambda done: shown.update(f"Sending: {done.sent} sent"),
            )  # fmt: skip
    out.print(f"sent {result.sent}, to retry {result.retrying}, failed {result.failed}, "
              f"cancelled (opted out) {result.cancelled}")  # fmt: skip


def _letters(
    space: Workspace, store: Store, kind: str, school: str | None, as_of: str | None
) -> list[Letter]:
    from homeroom.outreach import compose
    from homeroom.resolver import resolve

    if kind not in compose.KINDS:
        raise UsageProblem(f"--kind must be one of {', '.join(compose.KINDS)}")
    with resolve(workspace=space, as_of=parse_as_of(as_of)) as resolved:
        return compose.letters_for(resolved, store, kind, school_id=school)


def _show_plan(store: Store, letters: list[Letter], channel: str) -> None:
    """Who would get what: opaque ids and the language only (no names, no addresses)."""
    from homeroom.outreach.optout import is_opted_out
    from homeroom.outreach.outbox import address_for

    table = Table("student_id", "school_id", "contact_id", "kind", "language", "would be")
    for letter in letters:
        who = letter.recipient
        address = address_for(letter, channel)
        verdict = ("no address" if address is None else
                   "opted out" if is_opted_out(store, channel, address) else "sent")  # fmt: skip
        table.add_row(who.student_id, who.school_id, who.contact_id, letter.kind,
                      who.language + (" (fallback)" if who.fallback else ""), verdict)  # fmt: skip
    out.print(table)
    err.print(f"Dry run: {len(letters)} letter(s); nothing was queued or sent.")


def _settled_sender(space: Workspace, channel: str, public_url: str | None) -> Sender:
    """The channel's sender; unusable settings exit 2, their message shown as written (it
    names homeroom.toml's [outreach.smtp] table, which rich would read as markup)."""
    from rich.markup import escape

    from homeroom.warehouse import WorkspaceError

    try:
        return _sender(space, channel, public_url)
    except (WorkspaceError, UsageProblem) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(EXIT_UNUSABLE) from exc


def _sender(space: Workspace, channel: str, public_url: str | None) -> Sender:
    from homeroom.outreach import sms, smtp

    if channel == "sms":
        sms_settings = sms.sms_settings(space)
        if sms_settings is None:
            raise UsageProblem(f"{space.config_path} has no [outreach.sms] table; see "
                               "docs/outreach.md, 'Email and text messages'")  # fmt: skip
        return sms.TwilioSender(sms_settings)
    settings = smtp.smtp_settings(space)
    if settings is None:
        raise UsageProblem(f"{space.config_path} has no [outreach.smtp] table; see "
                           "docs/outreach.md, 'Email and text messages'")  # fmt: skip
    url = public_url or space.settings.get("outreach", {}).get("public_url")
    if not url or not str(url).startswith(("https://", "http://")):
        raise UsageProblem("every email carries an opt-out link to the web app: set [outreach] "
                           "public_url in homeroom.toml or give --public-url")  # fmt: skip
    from homeroom.web.state import app_secret

    return smtp.EmailSender(settings, secret=app_secret(space), base_url=str(url))


@outreach_app.command(
    "status",
    epilog="Example:\n\n`homeroom outreach status --workspace district`",
)
def status(workspace: WorkspaceOption = None) -> None:
    """How many messages are queued, sent, failed and cancelled, by channel and kind."""
    from homeroom.outreach.outbox import outbox_status

    with open_casebook(workspace) as (_space, store):
        counts = outbox_status(store)
    table = Table("channel", "kind", "queued", "sent", "failed", "cancelled")
    for channel, kind in sorted({(c, k) for c, k, _ in counts}):
        table.add_row(channel, kind, *(str(counts.get((channel, kind, s), 0))
                      for s in ("queued", "sent", "failed", "cancelled")))  # fmt: skip
    out.print(table if counts else "The outbox is empty.")


@outreach_app.command(
    "opt-out",
    epilog=(
        "Examples:\n\n"
        "`homeroom outreach opt-out -w district --channel email parent@example.org`\n\n"
        "`homeroom outreach opt-out -w district --channel sms '(555) 010-2000'`"
    ),
)
def opt_out_command(
    address: Annotated[str, typer.Argument(help="The email address or phone number.")],
    channel: Annotated[str, typer.Option("--channel", help="email or sms.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Record, for a family who asked staff, that an address gets no more messages."""
    from homeroom.casebook.casework import CaseworkError
    from homeroom.outreach.optout import opt_out

    with open_casebook(workspace) as (_space, store):
        try:
            new = opt_out(store, channel, address, "staff")
        except CaseworkError as exc:
            raise UsageProblem(str(exc)) from exc
    out.print("Recorded: no more messages to it." if new else "It had already opted out.")
