"""The state overview, the districts' pages and their peers, on a workspace of two districts.

The workspace: a synthetic state of two districts over two school years, cut to August and
September of each year so it prepares only four snapshots (a few seconds).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from homeroom.reports.labels import points
from web.conftest import PASSWORD, sign_in
from web.page_support import level_pct, pct, shown_as_of, squeeze


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    from homeroom.casebook.store import open_store
    from homeroom.casebook.users import add_user
    from homeroom.synth import generate
    from homeroom.warehouse import init_workspace, load_dataset
    from homeroom.web.app import create_app
    from homeroom.web.snapshot import prepare_serving

    root = tmp_path_factory.mktemp("two-districts")
    generate(root / "data", students=240, schools=2, years=2, seed=5, districts=2, fmt="csv")
    for name in ("calendar", "attendance"):  # August and September only: four snapshots
        path = root / "data" / f"{name}.csv"
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame[pd.to_datetime(frame["date"]).dt.month.isin([8, 9])].to_csv(path, index=False)
    workspace = init_workspace(root / "ws", name="Two districts")
    load_dataset(workspace, root / "data")
    serving_path = prepare_serving(workspace)
    store = open_store(f"sqlite:///{root / 'casebook.sqlite'}")
    schools = pd.read_csv(root / "data" / "schools.csv", dtype=str).sort_values("school_id")
    add_user(store, "analyst", "state_analyst", password=PASSWORD)
    add_user(store, "viewer", "district_viewer", password=PASSWORD)
    add_user(store, "staff", "school_staff", password=PASSWORD, schools=[schools.school_id[0]])
    app = create_app(workspace, store=store, secure_cookies=False, serving_path=serving_path)
    return workspace, app, schools


@pytest.fixture(scope="module")
def clients(two):  # noqa: ANN001, ANN201
    _, app, _ = two
    made = {}
    for user in ("analyst", "viewer", "staff"):
        made[user] = sign_in(TestClient(app, base_url="http://127.0.0.1"), user)
    yield made
    for client in made.values():
        client.close()


def _metrics(workspace, level: str, as_of) -> pd.DataFrame:  # noqa: ANN001
    from homeroom.pipeline import metrics_for_workspace

    frame = metrics_for_workspace(workspace, level=level, as_of=as_of)
    return frame[frame["school_year"] == frame["school_year"].max()].reset_index(drop=True)


def test_state_page_lists_each_district_with_the_metrics_layers_numbers(two, clients) -> None:  # noqa: ANN001
    workspace, _, schools = two
    page = clients["analyst"].get("/state")
    assert page.status_code == 200
    html = squeeze(page.text)
    day = shown_as_of(page.text)
    districts = _metrics(workspace, "district", day)
    assert sorted(districts.district_id) == ["D01", "D02"]
    names = dict(zip(schools.district_id, schools.district_name, strict=False))
    for d in districts.itertuples():
        assert (
            f'<a href="/districts/{d.district_id}?as_of={day.isoformat()}">'
            f"{names[d.district_id]}</a></th>"
            f'<td><span class="level level-{d.level}">{d.level.capitalize()}</span></td>'
            f'<td class="num">{level_pct(d.chronic_absence_rate)}</td>'
            f'<td class="num">{pct(d.ada)}</td><td class="num">{int(d.students_eligible)}</td>'
            f'<td class="num">{int(d.chronically_absent_count)}</td>'
            f'<td class="num">{points(d.chronic_absence_rate_change)}</td>'
        ) in html
    # The state's headline counts a student once over the state (metrics level="state").
    state = _metrics(workspace, "state", day).iloc[0]
    assert f'<span class="big">{level_pct(state.chronic_absence_rate)}</span>' in html
    assert f"of {int(state.students_eligible):,} eligible students" in html
    assert f'<span class="small">{pct(state.ada)}</span>' in html
    assert 'id="trend"' in html or "Month by month" in html
    assert '<a href="/state" aria-current="page">State</a>' in html
    csv = clients["analyst"].get("/state", params={"format": "csv", "table": "districts"})
    assert csv.status_code == 200 and "D01" in csv.text and "D02" in csv.text


def test_state_page_is_for_district_and_state_roles_only(clients) -> None:  # noqa: ANN001
    assert clients["viewer"].get("/state").status_code == 200
    assert clients["staff"].get("/state").status_code == 403
    staff_page = clients["staff"].get("/schools").text
    assert 'href="/state"' not in staff_page


def test_home_leads_to_the_state_or_the_users_district(two, clients) -> None:  # noqa: ANN001
    _, _, schools = two
    answer = clients["analyst"].get("/", follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/state")
    answer = clients["staff"].get("/", follow_redirects=False)
    assert answer.headers["location"] == f"/districts/{schools.district_id[0]}"


@pytest.mark.parametrize("district_id", ["D01", "D02"])
def test_each_district_page_shows_that_district_and_its_peer(
    district_id: str,
    two,
    clients,  # noqa: ANN001
) -> None:
    workspace, _, schools = two
    other = "D02" if district_id == "D01" else "D01"
    page = clients["analyst"].get(f"/districts/{district_id}")
    assert page.status_code == 200
    html = squeeze(page.text)
    day = shown_as_of(page.text)
    mine = _metrics(workspace, "district", day).set_index("district_id")
    assert f'<span class="big">{level_pct(mine.chronic_absence_rate[district_id])}</span>' in html
    own = schools[schools.district_id == district_id]
    for name in own.school_name:
        assert f">{name}</a></th>" in html
    for name in schools[schools.district_id != district_id].school_name:
        assert f">{name}</a></th>" not in html
    # Districts like this one: the other district, its rate in each school year.
    peers = html[html.index('id="peers-h"') :]
    assert f'href="/districts/{other}?as_of={day.isoformat()}"' in peers
    from homeroom.pipeline import metrics_for_workspace

    # Each year's rate at its last snapshot (the year's end; this year's latest date), where
    # the district had at least the minimum group size (10) of eligible students.
    years = metrics_for_workspace(workspace, level="district")
    years = years[(years.district_id == other) & (years.students_eligible >= 10)]
    rates = years.set_index("school_year").chronic_absence_rate.sort_index()
    first, latest = rates.iloc[0], rates.iloc[-1]
    labels = [f"{y - 1}-{y % 100:02d}" for y in (rates.index[0], rates.index[-1])]
    row = re.search(r'id="peers-h".*?<tbody>(.*?)</tbody>', html).group(1)
    assert (
        f'<td>{labels[0]}</td><td class="num">{level_pct(first)}</td>'
        f'<td>{labels[1]}</td><td class="num">{level_pct(latest)}</td>'
    ) in row
    if len(rates) > 1:
        improved = "yes" if latest - first <= -0.01 + 1e-12 else "no"
        assert f'<td class="num">{points(latest - first)}</td><td>{improved}</td>' in row
    else:  # one year: no change to tell
        assert '<td class="num">—</td><td>—</td>' in row
    assert clients["staff"].get(f"/districts/{district_id}").status_code == 200
    assert clients["analyst"].get("/districts/D99").status_code == 404


def test_one_district_workspace_keeps_its_home_page(client_for) -> None:  # noqa: ANN001
    """The shared one-district fixture: `/` is the district page, with no peers or state link."""
    page = client_for("analyst").get("/", follow_redirects=False)
    assert page.status_code == 200
    assert 'id="peers-h"' not in page.text and 'href="/state"' not in page.text


def test_peer_rates_under_the_minimum_are_blanked() -> None:
    from homeroom.web.data.peers import metrics_of

    rows = pd.DataFrame(
        {
            "district_id": ["D1", "D2"],
            "school_year": [2025, 2025],
            "group_column": ["", ""],
            "group_value": [None, None],
            "students_enrolled": [40, 5],
            "students_eligible": [40, 5],
            "chronic_absence_rate": [0.25, 0.4],
        }
    )
    frame = metrics_of(rows, 10)(level="district")
    assert frame.chronic_absence_rate.tolist()[0] == 0.25
    assert pd.isna(frame.chronic_absence_rate.tolist()[1])
