"""Where supports come from besides the loaded `supports` table: the casebook.

`import_supports` copies a load's supports into the casebook's `imported_supports` (run by
`homeroom load` after the warehouse load: the warehouse never imports the casebook), replacing
the rows of earlier loads. `casebook_events` turns what people recorded into `Event`s for the
estimate: each plan as "plan tier N" from its start, each action by its kind ("home visit")
on the day done, and the imported supports as the SIS named them.
"""

from __future__ import annotations

import duckdb
from sqlalchemy import delete, select

from homeroom.casebook.audit import Actor
from homeroom.casebook.casework import audit
from homeroom.casebook.outreach_tables import ImportedSupport
from homeroom.casebook.plan_tables import Action, Plan
from homeroom.casebook.store import Store
from homeroom.outreach.effect import Event


def import_supports(store: Store, con: duckdb.DuckDBPyConnection, load_id: int, by: Actor) -> int:
    """Replace the casebook's imported supports with those of load `load_id`; how many."""
    rows = con.execute(
        "SELECT student_id, school_id, support, tier, start_date, end_date FROM supports "
        "ORDER BY student_id, school_id, start_date, support"
    ).fetchall()
    now = store.now()
    with store.session() as session:
        session.execute(delete(ImportedSupport))
        session.add_all(
            ImportedSupport(
                student_id=student, school_id=school, support=support, tier=tier,
                start_date=start, end_date=end, load_id=load_id, imported_at=now,
            )
            for student, school, support, tier, start, end in rows
        )  # fmt: skip
        audit(session, store, by, "supports_imported", str(load_id), subject_type="load",
              rows=len(rows))  # fmt: skip
    return len(rows)


def casebook_events(store: Store) -> list[Event]:
    """Plans, actions and imported supports, as events (no student data leaves this list)."""
    with store.session(write=False) as session:
        plans = session.execute(select(Plan.tier, Plan.student_id, Plan.school_id, Plan.start_on))
        events = [Event(f"plan tier {t}", s, sc, d) for t, s, sc, d in plans]
        actions = session.execute(
            select(Action.kind, Action.student_id, Action.school_id, Action.done_on)
        )
        events += [Event(k.replace("_", " "), s, sc, d) for k, s, sc, d in actions]
        imported = session.execute(
            select(
                ImportedSupport.support,
                ImportedSupport.student_id,
                ImportedSupport.school_id,
                ImportedSupport.start_date,
            )
        )
        events += [Event(k, s, sc, d) for k, s, sc, d in imported]
    return events
