"""Errors a page can raise, and the pages shown for them (no student data in any of them)."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from homeroom.web.auth import CSRFError, SignInRequired
from homeroom.web.render import page
from homeroom.web.scope import ScopeError

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

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception):  # noqa: ANN202
        # The type only: a message may quote data.
        log.error("unexpected %s on %s %s", type(exc).__name__, request.method, request.url.path)
        return page(
            request,
            "error.html",
            500,
            title="Something went wrong",
            message="The page could not be made. The error was logged without its details; "
            "try again, and tell your data team if it persists.",
        )
