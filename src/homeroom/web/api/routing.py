"""The API's one router: every route answers its errors as JSON (errors.JsonRoute)."""

from __future__ import annotations

from fastapi import APIRouter

from homeroom.web.api.errors import JsonRoute

router = APIRouter(prefix="/api/v1", route_class=JsonRoute)
