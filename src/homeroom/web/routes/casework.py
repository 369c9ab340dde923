"""(Being built for issue 13.)"""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
