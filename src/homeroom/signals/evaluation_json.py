"""The evaluation as JSON (`homeroom signals evaluate --out FILE.json`), for other tools.

The keys are a contract (docs/signals.md, "The evaluation as JSON"): `test_year`, `capacity`,
`checks` (per date and strategy), `lead_time` (per strategy) and `groups` (per strategy, date,
group column and value). Strategies take their public names: "wait" (waiting for the line),
"rules", "model" (the model's first k) and "queue" (the ranked queue's first k). Keys added
beyond the contract (the definition, the median lead at each check, the group gaps, the
group-blind alternatives) never rename one. Aggregates only: no student appears.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from homeroom.signals.evaluation import Evaluation

# Internal strategy column -> its public name.
PUBLIC = {"line": "wait", "rules": "rules", "model_top_k": "model", "queue": "queue"}


def _number(value: Any) -> Any:
    """JSON-safe: NaN becomes null, numpy scalars plain numbers, dates ISO text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _number(value) for key, value in row.items()}


def checks(ev: Evaluation) -> list[dict[str, Any]]:
    dates = ev.by_date().set_index("as_of")
    leads = ev.check_leads().set_index(["as_of", "strategy"])
    rows = []
    for as_of, day in dates.iterrows():
        for strategy, name in PUBLIC.items():
            flagged = int(day[f"{strategy}_flagged"])
            caught = int(leads.loc[(as_of, strategy), "true_positives"])
            lead = leads.loc[(as_of, strategy)]
            rows.append(
                _clean(
                    {
                        "date": as_of,
                        "strategy": name,
                        "auc": None if name == "wait" else day["auc"],
                        "flagged": flagged,
                        "true_positives": caught,
                        "false_alarms": flagged - caught,
                        "precision": day[f"{strategy}_precision"],
                        "recall": day[f"{strategy}_recall"],
                        "median_lead_school_days": lead["median_lead"],
                        "reached_30_school_days_before": lead["reached_30_before"],
                    }
                )
            )
    return rows


def lead_time(ev: Evaluation) -> list[dict[str, Any]]:
    summary = ev.strategies().set_index("strategy")
    return [
        _clean(
            {
                "strategy": name,
                "median_school_days": summary.loc[strategy, "median_lead"],
                "false_alarms_per_true_case": summary.loc[strategy, "false_alarms_per_true_case"],
                "median_school_days_first_crossing": summary.loc[
                    strategy, "median_lead_first_crossing"
                ],
                "students_flagged": summary.loc[strategy, "students_flagged"],
                "true_cases": summary.loc[strategy, "caught"],
                "recall": summary.loc[strategy, "recall"],
            }
        )
        for strategy, name in PUBLIC.items()
    ]


def groups(ev: Evaluation) -> list[dict[str, Any]]:
    recalls = ev.group_recalls()
    recalls = recalls[recalls["strategy"].isin(list(PUBLIC))]
    return [
        _clean({**row, "strategy": PUBLIC[row["strategy"]]})
        for row in recalls.to_dict(orient="records")
    ]


def gaps(ev: Evaluation) -> list[dict[str, Any]]:
    table = ev.recall_gaps()
    if table.empty:
        return []
    table = table[table["strategy"].isin(list(PUBLIC))]
    return [
        _clean({**row, "strategy": PUBLIC[row["strategy"]]})
        for row in table.to_dict(orient="records")
    ]


def document(ev: Evaluation) -> dict[str, Any]:
    return {
        "test_year": ev.test_year,
        "capacity": ev.capacity,
        "definition": ev.definition.name,
        "train_years": list(ev.train_years),
        "checks": checks(ev),
        "lead_time": lead_time(ev),
        "groups": groups(ev),
        "group_gaps": gaps(ev),
        "group_blind_alternatives": [
            _clean(row) for row in ev.alternatives().to_dict(orient="records")
        ],
    }


def render_json(ev: Evaluation) -> str:
    return json.dumps(document(ev), indent=2, ensure_ascii=False) + "\n"
