"""The API's errors: every refusal is JSON `{"error": message, "field": name or null}`.

The pages' handlers (homeroom.web.errors) answer with HTML; the API's routes use `JsonRoute`,
which turns the same exceptions into JSON before those handlers see them. No message names a
student: the casebook's and the data layer's errors are written that way, and an unexpected
error is logged by its type only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from homeroom.casebook.casework import CaseworkError, NotFound
from homeroom.web.data.common import StudentNotFound
from homeroom.web.scope import ScopeError
from homeroom.web.snapshot.dates import DateOutsideData

log = logging.getLogger("homeroom.web.api")

NO_STUDENT = "no student with that id among the records you may see"


class ApiError(Exception):
    """A refusal with its status, message and (when one input is to blame) the field."""

    def __init__(
        self,
        status: int,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, message, field)


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def error_answer(
    status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status, headers=headers)


def as_answer(exc: Exception) -> JSONResponse:
    """The JSON answer for an exception an API route raised."""
    if isinstance(exc, ApiError):
        return error_answer(exc.status, exc.message, exc.field, exc.headers)
    if isinstance(exc, StudentNotFound):
        # The same answer for a student out of scope and one that does not exist.
        return error_answer(404, NO_STUDENT, None)
    if isinstance(exc, NotFound):
        return error_answer(404, str(exc), exc.field)
    if isinstance(exc, CaseworkError):
        return error_answer(400, str(exc), exc.field)
    if isinstance(exc, ScopeError):
        return error_answer(403, str(exc), None)
    if isinstance(exc, RequestValidationError):
        # Names the parameter only: FastAPI's own message echoes what was sent.
        fields = sorted({str(e.get("loc", ("", "?"))[-1]) for e in exc.errors()})
        return error_answer(400, f"check {', '.join(fields)}", fields[0] if fields else None)
    if isinstance(exc, DateOutsideData):
        return error_answer(400, "that date is in no school year of the data", None)
    # The type only: a message may quote data, and the path may hold a student id.
    log.error("unexpected %s in the API", type(exc).__name__)
    return error_answer(500, "the request could not be answered; the error was logged", None)


class JsonRoute(APIRoute):
    """An API route whose errors (its dependencies' too) are answered as JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def json_errors(request: Request) -> Response:
            try:
                return await handle(request)
            except Exception as exc:  # noqa: BLE001 - every error becomes a JSON answer
                return as_answer(exc)

        return json_errors
