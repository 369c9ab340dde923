"""Addresses under /api/v1 that no endpoint serves: a JSON 404 (405 for a known address asked
with the wrong method), never the pages' HTML error page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.routing import Match

from homeroom.web.api.errors import error_answer

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def register(router: APIRouter) -> None:
    known = list(router.routes)

    @router.api_route("/{rest:path}", methods=METHODS, include_in_schema=False)
    def unknown(request: Request, rest: str) -> JSONResponse:
        for route in known:
            match, _ = route.matches(request.scope)
            if match == Match.PARTIAL:  # the address is known, not with this method
                return error_answer(405, f"this address does not take {request.method}")
        return error_answer(404, "there is no such API endpoint")
