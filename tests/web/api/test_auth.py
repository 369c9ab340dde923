"""Bearer tokens: a request without a valid one gets 401 (JSON, `WWW-Authenticate: Bearer`),
a session cookie is never enough, revoking or disabling ends a token at once; aggregate roles
get no student rows; unknown addresses answer JSON, not the pages' HTML."""

from __future__ import annotations

import pytest

from homeroom.casebook.plans import student_plans
from homeroom.casebook.tokens import issue_token, revoke_tokens
from homeroom.casebook.users import add_user, disable_user
from web.api.conftest import ADMIN, consent
from web.conftest import PASSWORD, sign_in

# Every endpoint, with a body that would be accepted from a caller allowed to make it.
ENDPOINTS = [
    ("GET", "/api/v1/supports", None),
    ("GET", "/api/v1/students", None),
    ("GET", "/api/v1/students/{student}", None),
    ("GET", "/api/v1/caseload", None),
    ("POST", "/api/v1/students/{student}/plans", {"tier": 1, "owner": "admin"}),
    ("POST", "/api/v1/students/{student}/actions", {"kind": "call", "on": "2025-05-19"}),
    ("POST", "/api/v1/students/{student}/referrals", {"partner": 1, "consent": consent()}),
    ("POST", "/api/v1/consents/1/withdraw", None),
]


def _unauthorized(answer) -> None:  # noqa: ANN001
    assert answer.status_code == 401, answer.text
    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"error", "field"} and body["field"] is None
    assert "Bearer" in body["error"] or "token" in body["error"]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_every_endpoint_refuses_a_request_without_a_token(api, method, path, body) -> None:  # noqa: ANN001
    student = api.fresh(api.schools[0])
    answer = api.client().request(method, path.format(student=student), json=body)
    _unauthorized(answer)
    assert student_plans(api.store, student) == []  # nothing written


@pytest.mark.parametrize(
    "header",
    ["Bearer hr_not-a-real-token", "Bearer ", "Basic YWRtaW46cGFzc3dvcmQ=", "hr_no-scheme"],
)
def test_a_wrong_or_malformed_token_is_401(api, header: str) -> None:  # noqa: ANN001
    client = api.client()
    answer = client.get("/api/v1/supports", headers={"Authorization": header})
    _unauthorized(answer)


def test_an_unknown_token_says_invalid_token(api) -> None:  # noqa: ANN001
    answer = api.client(token="hr_" + "x" * 43).get("/api/v1/supports")
    _unauthorized(answer)
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]


def test_a_session_cookie_alone_is_not_enough(api) -> None:  # noqa: ANN001
    client = sign_in(api.client(), "staff", PASSWORD)  # signed in on the pages
    assert client.get(f"/schools/{api.schools[0]}").status_code == 200  # the pages know them
    _unauthorized(client.get("/api/v1/students"))
    _unauthorized(
        client.post(f"/api/v1/students/{api.fresh(api.schools[0])}/actions", json={"kind": "call"})
    )


def test_a_revoked_token_is_refused_at_once(api) -> None:  # noqa: ANN001
    add_user(api.store, "leaver", "school_staff", password=PASSWORD, schools=[api.schools[0]])
    first, second = (issue_token(api.store, "leaver", by=ADMIN) for _ in range(2))
    assert api.client(token=first).get("/api/v1/students?limit=1").status_code == 200
    assert revoke_tokens(api.store, "leaver", by=ADMIN) == 2
    _unauthorized(api.client(token=first).get("/api/v1/students?limit=1"))
    _unauthorized(api.client(token=second).get("/api/v1/supports"))
    fresh = issue_token(api.store, "leaver", by=ADMIN)  # a new token works again
    assert api.client(token=fresh).get("/api/v1/supports").status_code == 200


def test_a_disabled_account_s_token_is_refused(api) -> None:  # noqa: ANN001
    add_user(api.store, "moved", "district_admin", password=PASSWORD)
    token = issue_token(api.store, "moved", by=ADMIN)
    assert api.client(token=token).get("/api/v1/caseload").status_code == 200
    disable_user(api.store, "moved", by=ADMIN)
    _unauthorized(api.client(token=token).get("/api/v1/caseload"))


@pytest.mark.parametrize("user", ["viewer", "analyst"])
def test_aggregate_roles_get_no_student_rows(api, user: str) -> None:  # noqa: ANN001
    client = api.client(user)
    student = api.fresh(api.schools[0])
    for method, path, body in ENDPOINTS[1:]:
        answer = client.request(method, path.format(student=student), json=body)
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["error"] and student not in answer.text
    # The catalogue holds no student data: every role may read it.
    assert client.get("/api/v1/supports").status_code == 200
    assert student_plans(api.store, student) == []


def test_unknown_addresses_and_methods_answer_json(api) -> None:  # noqa: ANN001
    client = api.client("admin")
    missing = client.get("/api/v1/nothing/here")
    assert missing.status_code == 404
    assert missing.json() == {"error": "there is no such API endpoint", "field": None}
    wrong = client.delete("/api/v1/supports")
    assert wrong.status_code == 405 and wrong.json()["field"] is None
    # Without a token, an unknown address reveals nothing more than a 404.
    assert api.client().get("/api/v1/nothing").status_code == 404


def test_the_supports_catalogue(api) -> None:  # noqa: ANN001
    body = api.client("clinic").get("/api/v1/supports").json()
    supports = body["supports"]
    assert len(supports) == 13  # migration 0003's seeded catalogue
    assert [s["tier"] for s in supports] == sorted(s["tier"] for s in supports)
    assert {"id", "name", "tier"} <= set(supports[0])
    assert {s["name"]: s["tier"] for s in supports}["Home visit"] == 2
