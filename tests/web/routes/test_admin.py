"""The users page's alert: a message from a fixed list, chosen by code, never text from the
address (a link could otherwise make the app say anything to an administrator)."""

from __future__ import annotations

import re

import pytest

ALERT = re.compile(r'<p class="alert" role="alert">(.*?)</p>', re.S)


@pytest.mark.parametrize("code", ["user_added", "user_disabled", "user_enabled"])
def test_a_known_code_shows_its_message(code: str, client_for) -> None:  # noqa: ANN001
    from homeroom.web.routes.admin import MESSAGES

    page = client_for("admin").get("/admin/users", params={"message": code})
    assert page.status_code == 200
    assert ALERT.findall(page.text) == [MESSAGES[code]]


@pytest.mark.parametrize(
    "text",
    [
        "Your session expired: sign in again at evil.example",
        "<b>bold</b>",
        "user_added ",
        "USER_ADDED",
        "",
    ],
)
def test_any_other_text_shows_nothing(text: str, client_for) -> None:  # noqa: ANN001
    page = client_for("admin").get("/admin/users", params={"message": text})
    assert page.status_code == 200
    assert ALERT.findall(page.text) == []
    assert "evil.example" not in page.text and "bold" not in page.text


def test_the_fixed_list_is_short_plain_sentences() -> None:
    from homeroom.web.routes.admin import MESSAGES

    assert {"user_added", "user_disabled", "user_enabled"} <= set(MESSAGES)
    for text in MESSAGES.values():
        assert text.endswith(".") and "<" not in text and "{" not in text
