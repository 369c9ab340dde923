"""The two pages families reach from a message, without signing in:

- GET /opt-out/{token}: asks to confirm (a mail scanner that opens links must not opt anyone
  out); POST /opt-out/{token}: records it. The POST is also RFC 8058's one-click unsubscribe,
  which mail programs send from the List-Unsubscribe header. The token names only an outbox
  message, signed with the workspace's web secret; the page shows no address and no student.
- POST /sms/inbound: the SMS provider's webhook for replies. Twilio's X-Twilio-Signature is
  checked against the URL the provider called (the public URL: behind a proxy, run the server
  with its forwarded headers trusted) before a STOP reply is recorded as an opt-out.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from homeroom.outreach import optout
from homeroom.outreach.sms import is_stop, signature_ok, sms_settings
from homeroom.web.auth import Viewer
from homeroom.web.errors import BadRequest, PageNotFound
from homeroom.web.render import page

router = APIRouter()
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
BAD_LINK = (
    "This opt-out link is not valid. Copy the whole link from the email, or call your school. "
    "· Este enlace no es válido: copie el enlace completo del correo o llame a la escuela."
)


@router.get("/opt-out/{token}")
def opt_out_page(request: Request, token: str) -> Response:
    state = request.app.state.homeroom
    message_id = optout.message_of(state.secret, token)
    channel_address = _message(request, message_id)
    if channel_address is None:
        raise PageNotFound(BAD_LINK)
    done = optout.is_opted_out(state.store, *channel_address)
    return page(request, "opt_out.html", title="Stop these messages", token=token, done=done)


@router.post("/opt-out/{token}")
def opt_out_confirmed(request: Request, token: str) -> Response:
    state = request.app.state.homeroom
    if optout.opt_out_by_token(state.store, state.secret, token) is None:
        raise PageNotFound(BAD_LINK)
    return page(request, "opt_out.html", title="Stop these messages", token=token, done=True)


@router.post("/sms/inbound")
async def sms_inbound(request: Request) -> Response:
    state = request.app.state.homeroom
    settings = sms_settings(state.workspace)
    if settings is None:
        raise PageNotFound("Text messages are not set up here.")
    form = {key: str(value) for key, value in (await request.form()).items()}
    given = request.headers.get("X-Twilio-Signature", "")
    if not signature_ok(settings.auth_token, str(request.url), form, given):
        return Response("signature refused", status_code=403, media_type="text/plain")
    if is_stop(form.get("Body", "")) and form.get("From"):
        with suppress(optout.CaseworkError):  # not a phone number: nothing to record
            optout.opt_out(state.store, "sms", form["From"], "stop_reply")
    return Response(EMPTY_TWIML, media_type="text/xml")


def queue_letters(
    request: Request, school_id: str, student_ids: list[str], kind: str, channel: str,
    viewer: Viewer,
) -> int:  # fmt: skip
    """Queue KIND letters by CHANNEL (email or sms) for the chosen students (already checked
    to be the school's and the viewer's); how many were queued. They are sent by the next
    `homeroom outreach send`, which the district runs on a schedule: a page never waits on
    a mail server."""
    from homeroom.outreach.outbox import CHANNELS, queue_messages

    if channel not in CHANNELS:
        raise BadRequest("channel must be print, email or sms")
    letters, _schools = _letters(request, school_id, student_ids, kind)
    state = request.app.state.homeroom
    return queue_messages(state.store, letters, channel, by=viewer.scope).queued


def printed_letters(
    request: Request, school_id: str, student_ids: list[str], kind: str, viewer: Viewer
) -> Response:
    """The chosen students' KIND letters as one PDF (a page each, for a window envelope),
    each logged as a `letter` action, as `homeroom letters` does."""
    from homeroom.casebook.actions import log_for_many
    from homeroom.outreach.printing import pages_html
    from homeroom.outreach.recent import outcome
    from homeroom.reports.pdf import html_to_pdf

    letters, schools = _letters(request, school_id, student_ids, kind)
    if not letters:
        raise BadRequest(
            f"none of the chosen students' families can get a {kind} letter now (no contact "
            "who may be contacted, or one sent in the last 30 days)"
        )
    store = request.app.state.homeroom.store
    pdf = html_to_pdf(pages_html(letters, schools, store.now().date()))
    pairs = [(letter.recipient.student_id, letter.recipient.school_id) for letter in letters]
    log_for_many(store, pairs, kind="letter", outcome=outcome(kind, "printed"), by=viewer.scope)
    name = f"letters-{kind}-{school_id}-{store.now().date().isoformat()}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _letters(
    request: Request, school_id: str, student_ids: list[str], kind: str
) -> tuple[list[Any], dict[str, tuple[str, str | None]]]:
    """The letters of KIND the chosen students' families may get, and the school's name and
    phone for the sender's block."""
    from homeroom.outreach import compose
    from homeroom.outreach.facts import school_phone
    from homeroom.resolver import resolve

    if kind not in compose.KINDS:
        raise BadRequest(f"the letter must be one of {', '.join(compose.KINDS)}")
    state = request.app.state.homeroom
    with resolve(workspace=state.workspace) as resolved:
        letters = compose.letters_for(
            resolved, state.store, kind, school_id=school_id, student_ids=student_ids
        )
        name = state.serving.school_names.get(school_id, school_id)
        schools = {school_id: (str(name), school_phone(resolved, school_id))}
    return letters, schools


def _message(request: Request, message_id: int | None) -> tuple[str, str] | None:
    from homeroom.casebook.outreach_tables import OutboxMessage

    if message_id is None:
        return None
    with request.app.state.homeroom.store.session(write=False) as session:
        row = session.get(OutboxMessage, message_id)
        return None if row is None else (row.channel, row.address)
