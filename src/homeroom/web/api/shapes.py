"""The JSON shape of each casebook record, written once for every endpoint that returns it.

Dates are "YYYY-MM-DD", moments ISO 8601 with their offset, missing values null.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from homeroom.casebook.actions import ActionInfo
from homeroom.casebook.consents import ConsentInfo, ReferralInfo
from homeroom.casebook.plans import PlanInfo
from homeroom.casebook.supports import SupportInfo


def day(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def plain(value: Any) -> Any:
    """A value from a data frame as JSON: numpy numbers as Python's, NaN and NaT as null,
    dates as text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalars
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, list | dict | str) and pd.isna(value)):
            return None
    except (TypeError, ValueError):
        pass
    return value


def support(info: SupportInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "name": info.name,
        "tier": info.tier,
        "description": info.description,
        "active": info.active,
    }


def plan(info: PlanInfo) -> dict[str, Any]:
    return {
        "plan_id": info.id,
        "school_id": info.school_id,
        "tier": info.tier,
        "owner": info.owner,
        "owner_name": info.owner_name,
        "supports": [support(s) for s in info.supports],
        "goal": info.goal,
        "start_on": day(info.start_on),
        "review_on": day(info.review_on),
        "status": info.status,
        "outcome": info.outcome,
        "outcome_note": info.outcome_note,
        "closed_on": day(info.closed_on),
    }


def action(info: ActionInfo) -> dict[str, Any]:
    return {
        "action_id": info.id,
        "kind": info.kind,
        "on": day(info.done_on),
        "by": info.by,
        "by_role": info.by_role,
        "partner_id": info.partner_id,
        "partner_name": info.partner_name,
        "outcome": info.outcome,
        "note": info.note,
        "follow_up_on": day(info.follow_up_on),
        "follow_up_done_on": day(info.follow_up_done_on),
        "plan_id": info.plan_id,
        "school_id": info.school_id,
    }


def consent(info: ConsentInfo, today: dt.date) -> dict[str, Any]:
    return {
        "consent_id": info.id,
        "partner_id": info.partner_id,
        "given_by": info.given_by,
        "relationship": info.relationship,
        "given_on": day(info.given_on),
        "expires_on": day(info.expires_on),
        "scope": sorted(info.scope),
        "status": info.status(today),
        "withdrawn_at": None if info.withdrawn_at is None else info.withdrawn_at.isoformat(),
    }


def referral(info: ReferralInfo, today: dt.date) -> dict[str, Any]:
    return {
        "referral_id": info.id,
        "partner_id": info.partner_id,
        "partner_name": info.partner_name,
        "school_id": info.school_id,
        "reason": info.reason,
        "referred_on": day(info.referred_on),
        "referred_by": info.referred_by,
        "consents": [consent(c, today) for c in info.consents],
    }
