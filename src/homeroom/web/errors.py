"""Errors a page can raise, and the pages shown for them (no student data in any of them)."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homeroom.web.auth import CSRFError, SignInRequired
from homeroom.web.render import page
from homeroom.web.scope import ScopeError
from homeroom.web.snapshot.dates import DateOutsideData, covered_years

log = logging.getLogger("homeroom.web")


class PageNotFound(Exception):
    """Nothing here, or nothing this user may see: the two look the same on purpose."""


class BadRequest(ValueError):
    """A request the page cannot answer (a date outside the data, an unknown filter)."""


def install(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> RedirectResponse:
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CSRFError)
    async def _csrf(request: Request, exc: CSRFError):  # noqa: ANN202
        return page(request, "error.html", 403, title="Form refused", message=str(exc))

    @app.exception_handler(ScopeError)
    async def _scope(request: Request, exc: ScopeError):  # noqa: ANN202
        return page(request, "error.html", 403, title="Not available to you", message=str(exc))

    @app.exception_handler(PageNotFound)
    async def _missing(request: Request, exc: PageNotFound):  # noqa: ANN202
        message = str(exc) or "There is nothing at this address, or it is not yours to see."
        return page(request, "error.html", 404, title="Not found", message=message)

    @app.exception_handler(BadRequest)
    async def _bad(request: Request, exc: BadRequest):  # noqa: ANN202
        return page(request, "error.html", 400, title="Cannot show that", message=str(exc))

    @app.exception_handler(DateOutsideData)
    async def _no_such_year(request: Request, exc: DateOutsideData):  # noqa: ANN202
        message = (
            f"There are no data on {exc.day.isoformat()}: it is in no school year of the data. "
            f"Choose a date in {covered_years(exc.years)}."
        )
        return page(request, "error.html", 400, title="No data on that date", message=message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):  # noqa: ANN202
        # Names the fields only: FastAPI's own answer (JSON) echoes what was typed, which may be
        # a student's id or name.
        fields = sorted({str(e.get("loc", ("", "?"))[-1]) for e in exc.errors()})
        message = f"Check {', '.join(fields)} in the address or the form, and try again."
        return page(request, "error.html", 400, title="Cannot show that", message=message)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):  # noqa: ANN202
        title = "Not found" if exc.status_code == 404 else "Request refused"
        message = "There is nothing at this address." if exc.status_code == 404 else exc.detail
        return page(request, "error.html", exc.status_code, title=title, message=str(message))

    # Not an exception handler: Starlette sends those for Exception from its outermost layer,
    # past the security headers, and then re-raises (the server drops the connection).
    app.add_middleware(UnexpectedErrors)


class UnexpectedErrors:
    """Any error no handler took becomes the 500 page, inside the security headers' layer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            request = Request(scope)
            # The type only: a message may quote data.
            log.error(
                "unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path
            )
            if started:  # half a response is out: nothing sensible to add to it
                raise
            answer = page(
                request,
                "error.html",
                500,
                title="Something went wrong",
                message="The page could not be made. The error was logged without its details; "
                "try again, and tell your data team if it persists.",
            )
            await answer(scope, receive, send)
