"""The JSON API under /api/v1 (being built for issue 13)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1")
