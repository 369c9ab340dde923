"""Request bodies: one JSON object, with only the fields an endpoint names.

Checked before anything is written: malformed JSON, a body that is not an object, an unknown
field, a missing required field or a value of the wrong kind is a 400 naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from fastapi import Request

from homeroom.web.api.errors import bad_request

MAX_BODY = 256 * 1024  # bytes: notes are at most 4,000 characters


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is an empty object."""
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise bad_request(f"the body is larger than {MAX_BODY // 1024} KB")
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise bad_request(f"the body is not valid JSON ({where})") from exc
    except UnicodeDecodeError as exc:
        raise bad_request("the body is not valid JSON (not UTF-8 text)") from exc
    if not isinstance(value, dict):
        raise bad_request("the body must be a JSON object")
    return value


def check_fields(
    body: dict[str, Any], allowed: Collection[str], required: Collection[str] = ()
) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        takes = f"takes {', '.join(allowed)}" if allowed else "takes no fields"
        raise bad_request(f"unknown field {unknown[0]!r}; this endpoint {takes}", unknown[0])
    for name in required:
        if body.get(name) is None:
            raise bad_request(f"{name} is required", name)


def id_list(value: Any, field: str) -> list[int]:
    """A list of whole-number ids (JSON numbers, not text or true/false)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in value
    ):
        raise bad_request(f"{field} must be a list of ids (whole numbers)", field)
    return value


def whole_number(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"{field} must be an id (a whole number)", field)
    return value
