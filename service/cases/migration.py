"""Moving cases to a newer machine version (SPEC §10.1, §10.9): an explicit, audited act of an admin.

Only the cases whose state the new version can take over move (for version 2: `received`, which
exists in both and where nothing of the new procedure was skipped yet); the others finish under
the version they began under. Each moved case gets a `migrate` event in its hash chain (actor:
the admin; data: from/to version and state). The domain decides who moves and what the moved
case's facts are (`case_machine_v2.migratable`, `migration_plan`, `migration_facts`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.cases.models import Case
from service.cases.view import load_parties, next_due, snapshot
from service.core.models import Principal
from state_machines.case_machine import Rules
from state_machines.case_machine_v2 import migratable, migrate_event_data, migration_facts, migration_plan
from state_machines.errors import Forbidden, InvalidData
from state_machines.export import check_version
from state_machines.vocabulary import Role


def migrate_cases(session: Session, to: int, actor_id: str, rules: Rules, *, dry_run: bool = False,
                  now: datetime | None = None) -> dict:
    """The plan `{to, dry_run, move: [ids], stay: [ids]}`; without `dry_run`, the `move` cases are moved.

    A case that left its state between the plan and its lock stays (it is listed in `stay`)."""
    now = now or datetime.now(UTC)
    check_version(to)
    if to != 2:
        raise InvalidData(f"cases move to version 2 only, not {to}", fields=["to"])
    admin = session.get(Principal, actor_id)
    if admin is None or admin.role != Role.admin or admin.disabled:
        raise Forbidden("--actor must be the id of an enabled admin")
    candidates = session.execute(select(Case.id, Case.machine_version, Case.state)
                                 .where(Case.machine_version != to).order_by(Case.id)).all()
    plan = migration_plan([tuple(row) for row in candidates], to)
    result = {"to": to, "dry_run": dry_run, **plan}
    if dry_run:
        return result
    moved = []
    for case_id in plan["move"]:
        row = session.scalar(select(Case).where(Case.id == case_id).with_for_update())
        if not migratable(row.machine_version, row.state, to):
            result["stay"].append(case_id)
            continue
        _migrate(session, row, to, admin.id, rules, now)
        moved.append(case_id)
    result["move"] = moved
    session.flush()
    return result


def _migrate(session: Session, row: Case, to: int, actor_id: str, rules: Rules, now: datetime) -> None:
    parties = load_parties(session, row.id)
    snap = replace(snapshot(row, *(parties.get("respondent") or (None, None))),
                   violation_ended_on=row.violation_ended_on, discovered_at=row.received_at)
    data = migrate_event_data(snap, to)
    first_officer = row.assigned_officer if row.source != "superior" else None
    facts = migration_facts(snap, rules, first_officer=first_officer)
    event = audit.new_event(session, stream_type="case", stream_id=row.id, seq=row.version + 1, event="migrate",
                            from_state=row.state, to_state=row.state, actor=actor_id, at=now, data=data,
                            reason=None, prev_hash=row.head_hash)
    row.machine_version, row.facts = to, facts
    row.version, row.head_hash, row.updated_at = row.version + 1, event.hash, now
    row.next_bureau_due = next_due(facts, bureau_only=True, version=to)
    row.next_due = next_due(facts, bureau_only=False, version=to)
