"""Opaque student keys for URLs: a keyed hash of the district's id, never the id itself.

A student's SIS id in an address would end up in browser history, proxies and server logs.
The key is an HMAC with the app's secret, so it cannot be reversed or guessed without the
secret; the app maps keys back through the students it can see.
"""

from __future__ import annotations

import hashlib
import hmac


class StudentKeys:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._ids: dict[str, str] = {}

    def key(self, student_id: str) -> str:
        digest = hmac.new(self._secret, str(student_id).encode(), hashlib.sha256).hexdigest()
        key = digest[:20]
        self._ids[key] = str(student_id)
        return key

    def learn(self, student_ids: list[str]) -> None:
        for student_id in student_ids:
            self.key(student_id)

    def student_id(self, key: str) -> str | None:
        return self._ids.get(key)
