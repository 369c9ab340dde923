"""The chance of ending the year chronically absent (issue 15 point 4) on the student page and
the work queue, from a hand-made saved ranked queue (homeroom.signals.queue_store.save_queue)
in a copy of the test district with one saved early-warning run; a partner never sees it on
the pages."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from web.conftest import PASSWORD, read_csv, sign_in, student_key
from web.page_support import squeeze

NOON = dt.datetime(2025, 3, 10, 12, tzinfo=dt.UTC)  # the casebook's today: nothing due
QUEUE_DAY = dt.date(2025, 3, 3)
FACTORS = "absent 6 of the last 20 school days; chronically absent last year (14%)"


@dataclass
class World:
    app: Any
    store: Any
    workspace: Any
    school: str
    ranked: pd.DataFrame  # the school's early-warning ranking, need order
    partner_student: str  # consented to the clinic with attendance_summary only
    clients: list

    def client(self, username: str) -> TestClient:
        client = TestClient(self.app, base_url="http://127.0.0.1")
        self.clients.append(client)
        return sign_in(client, username)

    def key(self, student_id: str) -> str:
        return student_key(self, student_id)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def world(district, tmp_path_factory) -> Iterator[World]:  # noqa: ANN001
    from homeroom.casebook.audit import CliActor
    from homeroom.casebook.consents import refer
    from homeroom.casebook.partners import add_partner
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.resolver import resolve
    from homeroom.signals.store import save_run, signals_folder
    from homeroom.signals.watch import watch_list
    from homeroom.warehouse import open_workspace
    from homeroom.web.app import create_app
    from homeroom.web.data.flags import latest_flags
    from homeroom.web.snapshot import find_serving

    root = tmp_path_factory.mktemp("chances")
    shutil.copytree(district.workspace.root, root / "ws")
    workspace = open_workspace(root / "ws")
    shutil.rmtree(signals_folder(workspace), ignore_errors=True)  # other modules' runs
    with resolve(workspace=workspace, as_of=dt.date(2025, 3, 1)) as request:
        found = watch_list(request)
    save_run(workspace, found.flags, found.as_of)
    store = open_store(f"sqlite:///{root / 'casebook.sqlite'}", clock=lambda: NOON)
    school = district.schools[0]
    by = CliActor("cli:test")
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[school])
    clinic = add_partner(store, "Eastside Clinic", "health", by=by)
    add_user(store, "clinic", "partner", password=PASSWORD, partner_id=clinic.id)
    ranked = latest_flags(workspace).school(school)
    assert len(ranked) > 12, "the synthetic district should flag a dozen students at a school"
    shared = str(ranked["student_id"].iloc[5])
    refer(store, student_id=shared, school_id=school, partner_id=clinic.id, reason="health",
          consent={"given_by": "A. Guardian", "relationship": "mother",
                   "given_on": dt.date(2025, 3, 1), "expires_on": dt.date(2025, 6, 30),
                   "scope": ["attendance_summary"]}, by=by)  # fmt: skip
    app = create_app(workspace, store=store, secure_cookies=False,
                     serving_path=find_serving(workspace))  # fmt: skip
    made = World(app, store, workspace, school, ranked, shared, [])
    yield made
    for client in made.clients:
        client.close()
    store.close()


def saved_rows(world: World, *, model: bool = True) -> pd.DataFrame:
    """Every flagged student of the school but the last, in the reverse of the rules' order
    (rank 1 is the rules' second-to-last), with a chance falling with the rank; the last
    flagged student is left out (not enrolled on the queue's date, say)."""
    ids = [str(s) for s in world.ranked["student_id"]][:-1][::-1]
    count = len(ids)
    return pd.DataFrame(
        {
            "student_id": ids,
            "school_id": world.school,
            "rank": range(1, count + 1),
            "suggested_tier": [2] * count,
            "chance_chronic": [0.9 - 0.01 * n if model else float("nan") for n in range(count)],
            "main_reason": ["Missing school at a pace"] * count,
            "rules": ["pace"] * count,
            "main_factors": [FACTORS if model else ""] * count,
        }
    )


@pytest.fixture
def saved(world: World) -> Iterator[pd.DataFrame]:
    """The hand-made queue saved as the latest, removed after the test."""
    from homeroom.definitions import load_definition
    from homeroom.signals.queue_store import ABOUT_FILE, queue_path, save_queue

    rows = saved_rows(world)
    save_queue(world.workspace, rows, QUEUE_DAY, load_definition("default"), "chronic")
    yield rows
    path = queue_path(world.workspace)
    path.unlink()
    path.with_name(ABOUT_FILE).unlink()


def chance_section(html: str) -> str:
    found = re.search(r'<section aria-labelledby="chance-h".*?</section>', squeeze(html), re.S)
    assert found is not None, "the page has no chance block"
    return found.group(0)


def test_the_student_page_shows_the_chance_and_its_factors(world: World, saved) -> None:  # noqa: ANN001
    row = saved.iloc[1]  # rank 2, chance 89%
    html = world.client("staff").get(f"/students/{world.key(row['student_id'])}").text
    block = chance_section(html)
    assert "Chance of ending the year chronically absent" in block
    assert '<strong class="big">89%</strong>' in block
    assert f"(the model, as of 3 March 2025; rank 2 of {len(saved)} in the district" in block
    assert re.findall(r"<li>(.*?)</li>", block) == [
        "absent 6 of the last 20 school days",
        "chronically absent last year (14%)",
    ]


def test_a_student_not_in_the_saved_queue_is_said_so(world: World, saved) -> None:  # noqa: ANN001
    left_out = str(world.ranked["student_id"].iloc[-1])
    assert left_out not in set(saved["student_id"])
    block = chance_section(world.client("staff").get(f"/students/{world.key(left_out)}").text)
    assert "Not in the district's queue as of 3 March 2025" in block
    assert "%" not in block


def test_without_a_saved_queue_the_page_says_how_to_make_one(world: World) -> None:
    student = str(world.ranked["student_id"].iloc[0])
    block = chance_section(world.client("staff").get(f"/students/{world.key(student)}").text)
    assert "No ranked queue has been saved: run <code>homeroom signals queue</code>" in block
    assert "<li>" not in block


def test_a_queue_without_a_model_says_no_model_is_trained(world: World) -> None:
    from homeroom.definitions import load_definition
    from homeroom.signals.queue_store import ABOUT_FILE, queue_path, save_queue

    rows = saved_rows(world, model=False)
    save_queue(world.workspace, rows, QUEUE_DAY, load_definition("default"), None)
    try:
        student = str(rows["student_id"].iloc[0])
        block = chance_section(world.client("staff").get(f"/students/{world.key(student)}").text)
        assert (
            "No model is trained: run <code>homeroom signals train</code>, then "
            "<code>homeroom signals queue</code>." in block
        )
        assert f"rank 1 of {len(rows)}" in block
        queue = read_csv(world.client("staff").get(f"/schools/{world.school}/queue?format=csv"))
        assert {r["chance_chronic"] for r in queue} == {""}
    finally:
        queue_path(world.workspace).unlink()
        queue_path(world.workspace).with_name(ABOUT_FILE).unlink()


def test_the_work_queue_follows_the_saved_rank_and_shows_the_chance(
    world: World,
    saved,  # noqa: ANN001
) -> None:
    client = world.client("staff")
    rows = read_csv(client.get(f"/schools/{world.school}/queue?format=csv"))
    ids = [r["Student ID"] for r in rows]
    # The saved queue's order first, then the flagged student it does not hold (rules order).
    assert ids == [*saved["student_id"], str(world.ranked["student_id"].iloc[-1])]
    chances = [r["chance_chronic"] for r in rows]
    assert [float(c) for c in chances[:-1]] == pytest.approx(list(saved["chance_chronic"]))
    assert chances[-1] == ""
    html = squeeze(client.get(f"/schools/{world.school}/queue").text)
    assert '<th scope="col" class="num">Chance</th>' in html
    cells = re.findall(r'<td class="num chance">([^<]*)</td>', html)
    assert cells[:3] == ["90%", "89%", "88%"]
    assert "ranked queue as of 3 March 2025" in html
    # This week's are the saved queue's first ten.
    this_week = html.split('id="this-week"')[1].split("</table>")[0]
    keys = re.findall(r'name="student" value="([0-9a-f]{20})"', this_week)
    assert keys == [world.key(s) for s in saved["student_id"][:10]]


def test_without_a_saved_queue_the_work_queue_keeps_the_rules_order(world: World) -> None:
    rows = read_csv(world.client("staff").get(f"/schools/{world.school}/queue?format=csv"))
    assert [r["Student ID"] for r in rows] == [str(s) for s in world.ranked["student_id"]]
    assert {r["chance_chronic"] for r in rows} == {""}


def test_a_partner_never_sees_the_chance_on_the_pages(world: World, saved) -> None:  # noqa: ANN001
    client = world.client("clinic")
    key = world.key(world.partner_student)
    assert client.get(f"/students/{key}").status_code == 403
    page = client.get(f"/partner/students/{key}")
    assert page.status_code == 200
    assert "Chance of ending the year" not in page.text and FACTORS.split(";")[0] not in page.text
