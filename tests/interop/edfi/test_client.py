"""The Ed-Fi API client and the raw-store pull, against the local test API (server.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from homeroom.interop.edfi.client import EdFiClient, EdFiError, RetryPolicy
from homeroom.interop.edfi.pull import (
    OPTIONAL_RESOURCES,
    REQUIRED_RESOURCES,
    STATE_NAME,
    pull_edfi,
)
from interop.edfi.server import EdFiTestServer

FAST = RetryPolicy(attempts=4, base=0.001, factor=2.0, cap=0.01, jitter=0.0, timeout=5.0)
EVENTS = "studentSchoolAttendanceEvents"


def _event(n: int, year: int = 2025) -> dict:
    return {
        "schoolReference": {"schoolId": 255901001},
        "sessionReference": {
            "schoolId": 255901001,
            "schoolYear": year,
            "sessionName": f"{year - 1}-{year} School Year",
        },
        "studentReference": {"studentUniqueId": f"{n:06d}"},
        "attendanceEventCategoryDescriptor": (
            "uri://ed-fi.org/AttendanceEventCategoryDescriptor#Unexcused Absence"
        ),
        "eventDate": f"2024-{9 + n // 28 % 4:02d}-{1 + n % 28:02d}",
    }


@pytest.fixture
def api():
    server = EdFiTestServer()
    for resource in REQUIRED_RESOURCES:
        server.resources[resource] = {}
    with server:
        yield server


def _pull(api: EdFiTestServer, raw: Path, **options):
    options.setdefault("policy", FAST)
    options.setdefault("sleep", lambda _seconds: None)
    return pull_edfi(api.root_url, api.key, api.secret, raw, **options)


def _stored(raw: Path, resource: str) -> list[dict]:
    return json.loads((raw / f"{resource}.json").read_text(encoding="utf-8"))


def _queries(api: EdFiTestServer, resource: str) -> list[str]:
    return [path for method, path in api.requests if f"/ed-fi/{resource}?" in path]


# -- a full pull, page by page -----------------------------------------------------------------
def test_full_pull_reads_every_resource_page_by_page_into_the_raw_store(api, tmp_path):
    api.add(EVENTS, [_event(n) for n in range(1203)])
    api.add("students", [{"studentUniqueId": "000001", "firstName": "Ann"}])
    seen: list[tuple[str, int, int | None]] = []
    summary = _pull(api, tmp_path, page_size=500, progress=lambda *a: seen.append(a))

    stored = _stored(tmp_path, EVENTS)
    assert len(stored) == 1203
    assert {item["id"] for item in stored} == {item["id"] for item in api.items(EVENTS)}
    # The exact API shape: nothing added or dropped but the ODS's own _etag.
    first = {k: v for k, v in stored[0].items() if k != "_etag"}
    assert first == api.items(EVENTS)[0]
    # Three pages: 500 + 500 + 203; the Total-Count header gives the total from the first page.
    assert [q.split("offset=")[1].split("&")[0] for q in _queries(api, EVENTS)] == [
        "0",
        "500",
        "1000",
    ]
    assert "totalCount=true" in _queries(api, EVENTS)[0]
    assert "totalCount" not in _queries(api, EVENTS)[1]
    assert [s for s in seen if s[0] == EVENTS] == [
        (EVENTS, 500, 1203),
        (EVENTS, 1000, 1203),
        (EVENTS, 1203, 1203),
    ]
    assert summary.mode == "full"
    assert summary.change_version == 1204
    assert summary.counts[EVENTS].pulled == summary.counts[EVENTS].stored == 1203
    assert summary.counts["students"].stored == 1
    # One item per line: line n + 1 of the file holds item n.
    lines = (tmp_path / f"{EVENTS}.json").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1].rstrip(","))["id"] == stored[0]["id"]
    assert len(lines) == 1203 + 2


def test_a_last_page_that_is_exactly_full_ends_with_an_empty_page(api, tmp_path):
    api.add(EVENTS, [_event(n) for n in range(40)])
    _pull(api, tmp_path, page_size=20)
    assert len(_stored(tmp_path, EVENTS)) == 40
    assert len(_queries(api, EVENTS)) == 3  # 20, 20, then 0


def test_the_pull_asks_for_a_consistent_snapshot_up_to_the_newest_change_version(api, tmp_path):
    api.add(EVENTS, [_event(n) for n in range(3)])
    _pull(api, tmp_path)
    assert all("maxChangeVersion=3" in q for q in _queries(api, EVENTS))
    assert not any("minChangeVersion" in q for q in _queries(api, EVENTS))


def test_discovery_from_the_root_document_or_the_data_api_itself(api):
    from_root = EdFiClient(api.root_url, "k", "s").endpoints
    from_data = EdFiClient(api.data_url, "k", "s").endpoints
    assert from_root == from_data
    assert from_root.data == api.root_url + "/data/v3/"
    assert from_root.oauth == api.root_url + "/oauth/token"
    assert from_root.change_queries == api.root_url + "/changeQueries/v1/"
    by_year = EdFiClient("https://ods.example.org/api/data/v3/2025/", "k", "s").endpoints
    assert by_year.data == "https://ods.example.org/api/data/v3/2025/"
    assert by_year.change_queries == "https://ods.example.org/api/changeQueries/v1/2025/"
    assert by_year.oauth == "https://ods.example.org/api/oauth/token"


def test_a_year_specific_ods_is_pulled_through_its_route(api, tmp_path):
    api.add(EVENTS, [_event(1)])
    pull_edfi(api.data_url + "/2025", api.key, api.secret, tmp_path, policy=FAST)
    assert len(_stored(tmp_path, EVENTS)) == 1
    assert any("/data/v3/2025/ed-fi/" in path for _m, path in api.requests)


def test_an_address_that_is_not_an_ed_fi_api_is_a_clear_error(api):
    with pytest.raises(EdFiError, match="did not answer as an Ed-Fi API root \\(401"):
        EdFiClient(api.root_url + "/oauth/token", "k", "s", policy=FAST).discover()
    with pytest.raises(EdFiError, match="must be the API's address"):
        EdFiClient("ods.example.org", "k", "s")
    with pytest.raises(EdFiError, match="must not carry a user name or password"):
        EdFiClient("https://me:pw@ods.example.org/api", "k", "s")


# -- incremental pulls --------------------------------------------------------------------------
def test_an_incremental_pull_picks_up_a_changed_and_a_deleted_attendance_event(api, tmp_path):
    ids = api.add(EVENTS, [_event(n) for n in range(30)])
    first = _pull(api, tmp_path, page_size=7)
    assert first.mode == "full" and first.change_version == 30
    api.update(EVENTS, ids[4], {"eventDuration": 0.5})
    api.delete(EVENTS, ids[9])
    (added,) = api.add(EVENTS, [_event(99)])

    second = _pull(api, tmp_path, page_size=7)
    assert second.mode == "incremental"
    assert second.change_version == 33
    count = second.counts[EVENTS]
    assert (count.pulled, count.deleted, count.stored) == (2, 1, 30)
    stored = {item["id"]: item for item in _stored(tmp_path, EVENTS)}
    assert stored[ids[4]]["eventDuration"] == 0.5
    assert ids[9] not in stored
    assert added in stored
    assert set(stored) == {item["id"] for item in api.items(EVENTS)}
    # Only the changes were asked for, from the version after the last pull.
    changed = [q for q in api.requests[-40:] if "minChangeVersion=31" in q[1]]
    assert any(f"/{EVENTS}?" in path for _m, path in changed)
    assert any(f"/{EVENTS}/deletes?" in path for _m, path in changed)
    state = json.loads((tmp_path / STATE_NAME).read_text(encoding="utf-8"))
    assert state["newest_change_version"] == 33
    assert state["url"] == api.root_url
    # Nothing changed since: a third pull reads nothing and keeps everything.
    third = _pull(api, tmp_path)
    assert sum(c.pulled for c in third.counts.values()) == 0
    assert len(_stored(tmp_path, EVENTS)) == 30


def test_full_reads_everything_again_and_so_does_another_school_year(api, tmp_path):
    api.add(EVENTS, [_event(n) for n in range(5)])
    _pull(api, tmp_path)
    assert _pull(api, tmp_path, full=True).mode == "full"
    again = _pull(api, tmp_path, school_year=2025)
    assert again.mode == "full"
    assert any("another school year" in note for note in again.notes)


def test_a_restored_ods_with_older_change_versions_is_read_whole(api, tmp_path):
    api.add(EVENTS, [_event(n) for n in range(5)])
    _pull(api, tmp_path)
    state = json.loads((tmp_path / STATE_NAME).read_text(encoding="utf-8"))
    state["newest_change_version"] = 10_000
    (tmp_path / STATE_NAME).write_text(json.dumps(state), encoding="utf-8")
    summary = _pull(api, tmp_path)
    assert summary.mode == "full"
    assert any("restored" in note for note in summary.notes)


def test_without_change_queries_every_pull_reads_everything(api, tmp_path):
    api.change_queries = False
    api.add(EVENTS, [_event(n) for n in range(5)])
    _pull(api, tmp_path)
    summary = _pull(api, tmp_path)
    assert summary.mode == "full" and summary.change_version is None
    assert any("no change queries" in note for note in summary.notes)
    assert len(_stored(tmp_path, EVENTS)) == 5


# -- school year --------------------------------------------------------------------------------
def test_a_school_year_is_asked_of_the_api_and_enrollments_are_kept_by_year_or_dates(api, tmp_path):
    api.add(EVENTS, [_event(1, 2024), _event(2, 2025)])
    api.add(
        "studentSchoolAssociations",
        [
            {"entryDate": "2024-08-20", "schoolYearTypeReference": {"schoolYear": 2025}},
            {"entryDate": "2023-08-20", "schoolYearTypeReference": {"schoolYear": 2024}},
            {"entryDate": "2024-01-10", "exitWithdrawDate": "2024-05-30"},  # no year: 2024
            {"entryDate": "2023-08-20", "exitWithdrawDate": "2024-06-01"},
            {"entryDate": "2024-09-03"},  # no year, open, starts in 2024-25
            {"entryDate": "2022-08-20", "exitWithdrawDate": "2024-12-20"},  # spans into 2024-25
        ],
    )
    summary = _pull(api, tmp_path, school_year=2025)
    assert [e["sessionReference"]["schoolYear"] for e in _stored(tmp_path, EVENTS)] == [2025]
    assert all("schoolYear=2025" in q for q in _queries(api, EVENTS))
    assert not any("schoolYear" in q for q in _queries(api, "students"))
    kept = _stored(tmp_path, "studentSchoolAssociations")
    assert [s["entryDate"] for s in kept] == ["2024-08-20", "2024-09-03", "2022-08-20"]
    assert summary.counts["studentSchoolAssociations"].other_years == 3


# -- failures and retries -----------------------------------------------------------------------
def test_retries_succeed_after_429s_500s_dropped_and_torn_answers(api, tmp_path):
    api.add(EVENTS, [_event(n) for n in range(12)])
    api.fail("429", path=EVENTS, retry_after="2")
    api.fail("500", path=EVENTS)
    api.fail("drop", path=EVENTS)
    api.fail("truncate", path=EVENTS)
    api.fail("503", path="/oauth/token")
    api.fail("drop", path="availableChangeVersions")
    waits: list[float] = []
    policy = RetryPolicy(attempts=5, base=0.25, factor=2.0, cap=5.0, jitter=0.0)
    summary = pull_edfi(
        api.root_url, api.key, api.secret, tmp_path, policy=policy, page_size=5, sleep=waits.append
    )
    assert len(_stored(tmp_path, EVENTS)) == 12
    assert summary.retries == 6
    # Retry-After: 2 is honoured; otherwise 0.25 s, then 0.5, 1, 2 … (capped) as failures mount.
    assert 2.0 in waits
    assert sorted(waits) == [0.25, 0.25, 0.5, 1.0, 2.0, 2.0]


def test_an_expired_token_is_renewed_once_and_the_page_read_again(api, tmp_path):
    api.add(EVENTS, [_event(n) for n in range(12)])
    api.fail("expire", path=EVENTS)
    _pull(api, tmp_path, page_size=5)
    assert len(_stored(tmp_path, EVENTS)) == 12
    assert api.tokens_issued == 2


def test_a_token_the_api_keeps_refusing_is_a_clear_error(api, tmp_path):
    api.add(EVENTS, [_event(1)])
    api.fail("expire", path=EVENTS, times=None)
    with pytest.raises(EdFiError, match=f"{EVENTS}: the API refused a fresh token"):
        _pull(api, tmp_path)


def test_a_token_about_to_expire_is_renewed_before_the_request(api, tmp_path):
    api.token_lifetime = 60
    now = [0.0]
    client = EdFiClient(api.root_url, api.key, api.secret, policy=FAST, clock=lambda: now[0])
    client.read("students")
    now[0] = 29.0  # 60 s less the 30 s margin: still fresh
    client.read("students")
    assert api.tokens_issued == 1
    now[0] = 31.0
    client.read("students")
    assert api.tokens_issued == 2


def test_back_off_doubles_with_jitter_up_to_a_cap():
    policy = RetryPolicy(base=0.5, factor=2.0, cap=4.0, jitter=0.25)
    for failures, expected in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 4.0), (9, 4.0)]:
        waits = [policy.wait(failures) for _ in range(200)]
        assert min(waits) >= expected * 0.75 - 1e-9
        assert max(waits) <= min(expected * 1.25, 4.0) + 1e-9
        assert len(set(waits)) > 1  # jittered, so clients do not retry in lockstep
    assert policy.wait(1, retry_after=3.0) == 3.0
    assert policy.wait(1, retry_after=120.0) == 4.0


def test_a_server_that_keeps_failing_gives_a_clear_error_and_leaves_the_store(api, tmp_path):
    ids = api.add(EVENTS, [_event(n) for n in range(3)])
    _pull(api, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    api.update(EVENTS, ids[0], {"eventDuration": 0.5})
    api.fail("503", path=EVENTS, times=None)
    with pytest.raises(EdFiError) as caught:
        _pull(api, tmp_path)
    message = str(caught.value)
    assert message == (
        f"{EVENTS}: gave up after 4 tries in 0 s; the last answer was: 503 Service Unavailable"
    )
    assert api.secret not in message and api.key not in message
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_an_unreachable_api_gives_a_clear_error():
    with EdFiTestServer() as gone:
        url = gone.root_url
    with pytest.raises(EdFiError, match="gave up after 4 tries.*connection refused"):
        EdFiClient(url, "k", "s", policy=FAST, sleep=lambda _s: None).discover()


def test_wrong_credentials_are_a_clear_error_without_the_secret(api, tmp_path):
    with pytest.raises(EdFiError) as caught:
        pull_edfi(api.root_url, api.key, "not-the-secret", tmp_path, policy=FAST)
    message = str(caught.value)
    assert "refused the key and secret (401 invalid_client)" in message
    assert "not-the-secret" not in message
    assert not tmp_path.joinpath(STATE_NAME).exists()


def test_a_required_resource_the_api_lacks_fails_at_once_with_its_name(api, tmp_path):
    del api.resources["sessions"]
    with pytest.raises(EdFiError, match="sessions: the API answered 404 Not Found"):
        _pull(api, tmp_path)
    assert len(_queries(api, "sessions")) == 1  # a 404 is not retried


def test_a_page_size_the_api_refuses_fails_at_once(api, tmp_path):
    with pytest.raises(EdFiError, match="schools: the API answered 400 Bad Request"):
        _pull(api, tmp_path, page_size=501)


def test_optional_resources_the_key_cannot_read_are_skipped_with_a_note(api, tmp_path):
    summary = _pull(api, tmp_path)
    for resource in OPTIONAL_RESOURCES:
        assert summary.counts[resource].skipped
        assert not (tmp_path / f"{resource}.json").exists()
    assert any("sections was not read" in note for note in summary.notes)
    for resource in REQUIRED_RESOURCES:
        assert _stored(tmp_path, resource) == []


def test_the_state_file_holds_no_secret(api, tmp_path):
    _pull(api, tmp_path)
    text = (tmp_path / STATE_NAME).read_text(encoding="utf-8")
    assert api.secret not in text and api.key not in text
    assert "token" not in text.lower()


# -- malformed answers and stores ---------------------------------------------------------------
def test_an_answer_that_is_not_a_list_of_items_is_a_clear_error(api, tmp_path):
    api.fail("body", path="/ed-fi/students", times=None, body=b'{"students": []}')
    with pytest.raises(EdFiError, match="students: the API's answer is not a list of items"):
        _pull(api, tmp_path)


def test_an_answer_that_is_not_json_is_retried_then_a_clear_error(api, tmp_path):
    api.fail("body", path="/ed-fi/students", times=None, body=b"<html>Gateway</html>")
    with pytest.raises(EdFiError, match="students: gave up after 4 tries.*not JSON"):
        _pull(api, tmp_path)
    api.faults.clear()
    api.fail("body", path="/ed-fi/students", times=2, body=b"\xff\xfe[")
    _pull(api, tmp_path)  # garbled twice, then whole
    assert _stored(tmp_path, "students") == []


@pytest.mark.parametrize("damage", [b"", b"[{", b"{}", '[\n{"id": "é"}\n]'.encode("latin-1")])
def test_a_damaged_raw_store_asks_for_a_full_pull(api, tmp_path, damage):
    api.add(EVENTS, [_event(1)])
    _pull(api, tmp_path)
    (tmp_path / f"{EVENTS}.json").write_bytes(damage)
    with pytest.raises(EdFiError, match=f"{EVENTS}.json in the raw store .*pull again with --full"):
        _pull(api, tmp_path)
    _pull(api, tmp_path, full=True)
    assert len(_stored(tmp_path, EVENTS)) == 1


def test_an_api_that_ignores_offset_is_stopped(api, tmp_path):
    page = json.dumps([{"id": f"{n:032x}"} for n in range(5)]).encode()
    api.fail("body", path="/ed-fi/students", times=None, body=page)
    with pytest.raises(EdFiError, match="students: the API sent the same page twice"):
        _pull(api, tmp_path, page_size=5)


def test_a_damaged_state_file_means_a_full_pull(api, tmp_path):
    api.add(EVENTS, [_event(1)])
    _pull(api, tmp_path)
    (tmp_path / STATE_NAME).write_bytes(b"\x00garbage")
    assert _pull(api, tmp_path).mode == "full"


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=st.one_of(st.binary(max_size=60), st.text(max_size=60).map(str.encode)))
def test_any_answer_body_gives_items_or_a_clear_error(api, tmp_path, body):
    """Whatever bytes the API sends for a page, the pull reads items or says why it cannot."""
    api.faults.clear()
    api.fail("body", path="/ed-fi/schools", times=None, body=body)
    try:
        summary = _pull(api, tmp_path)
    except EdFiError as exc:
        assert str(exc).startswith("schools: ")
    else:
        stored = _stored(tmp_path, "schools")
        assert summary.counts["schools"].stored == len(stored)
        assert json.loads(body.decode("utf-8-sig")) == stored


# -- redirects and the connection pool ----------------------------------------------------------
@pytest.fixture
def elsewhere():
    """A second API on another port: another origin, which must never see a credential."""
    with EdFiTestServer() as other:
        yield other


def test_a_redirected_sign_in_never_carries_the_key_and_secret_elsewhere(api, elsewhere, tmp_path):
    api.fail("redirect", path="/oauth/token", location=elsewhere.root_url + "/oauth/token")
    with pytest.raises(EdFiError) as caught:
        _pull(api, tmp_path)
    port = elsewhere.root_url.split(":")[2].split("/")[0]
    assert "sign-in: the API answered 302 Found, a redirect to" in str(caught.value)
    assert f"http://127.0.0.1:{port};" in str(caught.value)
    assert api.secret not in str(caught.value)
    assert elsewhere.requests == [] and elsewhere.authorizations == []


def test_a_redirected_read_never_carries_the_token_elsewhere(api, elsewhere, tmp_path):
    api.add(EVENTS, [_event(1)])
    api.fail("redirect", path=EVENTS, location=elsewhere.data_url + f"/ed-fi/{EVENTS}")
    with pytest.raises(EdFiError, match=f"{EVENTS}: the API answered 302 Found, a redirect"):
        _pull(api, tmp_path)
    assert any(a.startswith("Bearer ") for a in api.authorizations)  # the token was in use
    assert elsewhere.requests == [] and elsewhere.authorizations == []
    assert not tmp_path.joinpath(STATE_NAME).exists()


def test_a_redirected_root_is_not_followed_either(api, elsewhere):
    api.fail("redirect", path="/api", location=elsewhere.root_url + "/")
    with pytest.raises(EdFiError, match="the API root: the API answered 302 Found"):
        EdFiClient(api.root_url, api.key, api.secret, policy=FAST).discover()
    assert elsewhere.requests == []


def test_every_request_of_a_pull_shares_one_pooled_connection(api, tmp_path):
    api.add(EVENTS, [_event(n) for n in range(12)])
    summary = _pull(api, tmp_path, page_size=5)
    assert summary.requests > 10
    assert len(api.ports) == 1
