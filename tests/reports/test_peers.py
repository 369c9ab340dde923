"""Peers on hand-made districts: the distance's parts by hand, the nearest first, ties by id,
locale only where known, and the trend of each peer with who improved."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from homeroom.reports.peers import grade_number, peer_table, peer_trends, profiles_from_metrics


def profiles(*rows: tuple[str, int, float, int, int]) -> pd.DataFrame:
    return pd.DataFrame(
        rows,
        columns=["district_id", "students_enrolled", "economically_disadvantaged_share",
                 "lowest_grade", "highest_grade"],
    )  # fmt: skip


def test_distance_by_hand_and_the_nearest_first() -> None:
    """A: 1,000 students, 50% ECODIS, K-12. B: 10,000 (log10 +1), 50%, K-12: distance 1.
    C: 1,000, 60% (+0.10 -> 1), K-5 (overlap 6 of 13 grades -> 7/13): sqrt(1 + (7/13)^2).
    D: 1,000, 50%, K-12: 0 from A."""
    table = peer_table(
        profiles(
            ("A", 1000, 0.5, 0, 12),
            ("B", 10000, 0.5, 0, 12),
            ("C", 1000, 0.6, 0, 5),
            ("D", 1000, 0.5, 0, 12),
        ),
        k=3,
    )
    a = table[table["district_id"] == "A"].set_index("peer_id")
    assert list(a.index) == ["D", "B", "C"]
    assert a.loc["D", "distance"] == 0.0
    assert a.loc["B", "distance"] == pytest.approx(1.0)
    assert a.loc["C", "distance"] == pytest.approx(math.sqrt(1 + (7 / 13) ** 2))
    assert list(a["peer_rank"]) == [1, 2, 3]
    assert "A" not in set(a.index)  # never its own peer


def test_ties_go_by_id_and_k_limits_and_locale_counts_only_where_known() -> None:
    frame = profiles(("A", 500, 0.3, 0, 5), ("C", 500, 0.3, 0, 5), ("B", 500, 0.3, 0, 5))
    table = peer_table(frame, k=1)
    assert table.set_index("district_id")["peer_id"].to_dict() == {"A": "B", "B": "A", "C": "A"}
    with_locale = frame.assign(locale=["city", "rural", None])  # A city, C rural, B none
    a = peer_table(with_locale, k=2).query("district_id == 'A'").set_index("peer_id")
    assert list(a.index) == ["B", "C"]  # C's locale differs (1); B has none (0)
    assert a.loc["C", "distance"] == 1.0 and a.loc["B", "distance"] == 0.0
    with pytest.raises(ValueError, match="lack the columns"):
        peer_table(frame.drop(columns="lowest_grade"))


def test_trends_show_each_peer_moving_and_who_improved() -> None:
    peers = pd.DataFrame(
        {"district_id": ["A", "A"], "peer_rank": [1, 2], "peer_id": ["B", "C"],
         "distance": [0.1, 0.2]}
    )  # fmt: skip
    rates = pd.DataFrame(
        {
            "district_id": ["B", "B", "C", "C", "C"],
            "school_year": [2023, 2025, 2023, 2024, 2025],
            "chronic_absence_rate": [0.30, 0.22, 0.20, 0.21, float("nan")],
        }
    )
    trends = peer_trends(peers, rates).set_index("peer_id")
    assert trends.loc["B", "change"] == pytest.approx(-0.08) and trends.loc["B", "improved"]
    # C's 2025 rate is unknown (suppressed): its latest known is 2024.
    assert trends.loc["C", "latest_year"] == 2024
    assert trends.loc["C", "change"] == pytest.approx(0.01) and not trends.loc["C", "improved"]
    assert list(trends.index) == ["B", "C"]  # the largest fall first


def test_profiles_from_the_metrics_frames() -> None:
    def metrics(level: str, by: tuple[str, ...] = ()) -> pd.DataFrame:
        assert level == "district"
        if not by:
            return pd.DataFrame(
                {"school_year": [2024, 2025, 2025], "district_id": ["A", "A", "B"],
                 "students_enrolled": [90, 100, 40], "chronic_absence_rate": [0.2, 0.2, 0.3]}
            )  # fmt: skip
        if by == ("economically_disadvantaged",):
            return pd.DataFrame(
                {"school_year": [2025, 2025, 2025], "district_id": ["A", "A", "B"],
                 "economically_disadvantaged": [True, False, False],
                 "students_enrolled": [25, 75, 40]}
            )  # fmt: skip
        return pd.DataFrame(
            {"school_year": [2025] * 4, "district_id": ["A", "A", "B", "B"],
             "grade_level": ["KG", "05", "09", "12"], "students_enrolled": [50, 50, 20, 20]}
        )  # fmt: skip

    frame = profiles_from_metrics(metrics).set_index("district_id")
    assert frame.loc["A", "students_enrolled"] == 100
    assert frame.loc["A", "economically_disadvantaged_share"] == 0.25
    assert frame.loc["B", "economically_disadvantaged_share"] == 0.0
    assert (frame.loc["A", "lowest_grade"], frame.loc["A", "highest_grade"]) == (0, 5)
    assert (frame.loc["B", "lowest_grade"], frame.loc["B", "highest_grade"]) == (9, 12)
    assert [grade_number(g) for g in ("PK", "TK", "KG", "07", "UG")][:4] == [-1, -1, 0, 7]
    assert math.isnan(grade_number("UG"))
