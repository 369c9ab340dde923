"""A small district built by hand, with numbers chosen so every figure of the summary is known.

Riverside Unified, 2024-25: 1,000 eligible students, 273 chronically absent (27.3%), ADA 93.8%,
up from 25.0% in 2023-24. Four schools, one too small to show.
"""

from __future__ import annotations

import pandas as pd

LEVEL_CUTS = ((0.30, "extreme"), (0.20, "high"), (0.10, "significant"), (0.05, "modest"))
# tiers per eligible count: satisfactory, at_risk, moderate_chronic, severe_chronic
DISTRICT_TIERS = {2024: (560, 190, 150, 100), 2025: (500, 227, 173, 100)}

# (value, eligible, chronic) per group column, 2025; each column adds up to the district.
GROUPS = {
    "race_ethnicity": [
        ("hispanic_latino", 400, 140),
        ("white", 300, 60),
        ("black", 200, 60),
        ("asian", 95, 12),
        ("american_indian_alaska_native", 5, 1),
    ],
    "economically_disadvantaged": [(True, 600, 200), (False, 400, 73)],
    "students_with_disabilities": [(True, 150, 60), (False, 850, 213)],
    "english_learner": [(True, 8, 2), (False, 992, 271)],
    "homeless": [(True, 50, 24), (False, 950, 249)],
    "sex": [("F", 500, 130), ("M", 500, 143)],
    "grade_level": [
        ("KG", 100, 30),
        ("01", 150, 30),
        ("03", 300, 45),
        ("06", 200, 50),
        ("09", 250, 118),
    ],
}
SCHOOLS = [  # school_id, eligible, chronic, ada, prior rate
    ("S1", 400, 60, 0.95, 0.18),
    ("S2", 350, 70, 0.94, None),
    ("S3", 245, 140, 0.88, 0.50),
    ("S4", 5, 3, 0.80, 0.40),
]
NAMES = {
    "D1": "Riverside Unified",
    "S1": "Lincoln <&> Elementary",
    "S2": "Adams Middle",
    "S3": "Central High",
    "S4": "Tiny Program",
}


def level_of(rate: float | None) -> str | None:
    if rate is None:
        return None
    return next((name for cut, name in LEVEL_CUTS if rate >= cut), "low")


def row(
    *,
    year: int,
    eligible: int,
    chronic: int,
    ada: float = 0.93,
    prior: float | None = None,
    tiers: tuple[int, int, int, int] | None = None,
    **keys: object,
) -> dict[str, object]:
    """One aggregate row, its rate and level derived as the metrics engine derives them."""
    rate = chronic / eligible if eligible else None
    tiers = tiers or (eligible - chronic, 0, chronic, 0)
    return {
        "school_year": year,
        **keys,
        "students_enrolled": eligible + 2,
        "students_eligible": eligible,
        "chronically_absent_count": chronic,
        "chronic_absence_rate": rate,
        "satisfactory_count": tiers[0],
        "at_risk_count": tiers[1],
        "moderate_chronic_count": tiers[2],
        "severe_chronic_count": tiers[3],
        "ada": ada,
        "level": level_of(rate),
        "prior_chronic_absence_rate": prior,
        "chronic_absence_rate_change": None if prior is None or rate is None else rate - prior,
    }


def district_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            row(
                year=2024,
                district_id="D1",
                eligible=1000,
                chronic=250,
                ada=0.941,
                tiers=DISTRICT_TIERS[2024],
            ),
            row(
                year=2025,
                district_id="D1",
                eligible=1000,
                chronic=273,
                ada=0.938,
                prior=0.25,
                tiers=DISTRICT_TIERS[2025],
            ),
        ]
    )


def school_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            row(year=2025, district_id="D1", school_id=s, eligible=e, chronic=c, ada=a, prior=p)
            for s, e, c, a, p in SCHOOLS
        ]
    )


def group_frame(column: str, key: str = "district_id", unit: str = "D1") -> pd.DataFrame:
    return pd.DataFrame(
        [
            row(year=2025, **{key: unit, column: v}, eligible=e, chronic=c)
            for v, e, c in GROUPS[column]
        ]
    )


class FakeMetrics:
    """Stands in for the metrics engine: answers from the frames above, and records each call."""

    def __init__(self, frames: dict[tuple[str, tuple[str, ...]], pd.DataFrame]) -> None:
        self.frames = frames
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def __call__(self, level: str = "school", by: tuple[str, ...] = ()) -> pd.DataFrame:
        self.calls.append((level, tuple(by)))
        try:
            return self.frames[(level, tuple(by))].copy()
        except KeyError:
            raise ValueError(f"no such student column to group by: {', '.join(by)}") from None


def state_frames() -> dict[tuple[str, tuple[str, ...]], pd.DataFrame]:
    """Riverside plus a small second district (D2, 40 students): a state, "CO", of 1,040."""
    second = row(year=2025, district_id="D2", eligible=40, chronic=4)
    districts = pd.concat([district_frame(), pd.DataFrame([second])], ignore_index=True)
    school = row(year=2025, district_id="D2", school_id="T1", eligible=40, chronic=4)
    schools = pd.concat([school_frame(), pd.DataFrame([school])], ignore_index=True)
    state = pd.DataFrame([row(year=2025, state="CO", eligible=1040, chronic=277, ada=0.9)])
    return {
        ("district", ()): districts,
        ("school", ()): schools,
        ("state", ()): state,
        ("state", ("homeless",)): group_frame("homeless", key="state", unit="CO"),
    }
