"""The 严重违法失信名单 listing stream (SPEC §11) on the database: propose, the stream's steps, revocation
when the penalty falls, expiry by the sweep, the publication feed.

The rules (which step from which state, by whom, under which guard) are the pure table of
`state_machines.credit_listing`; this module loads and locks the entry, checks what needs the
database (a decided, standing penalty of the proposer's own district), and appends every step to
the entry's hash-chained stream.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.cases import ports
from service.cases.models import Case, CaseParty, Party
from service.cases.queries import case_access
from service.core.models import District, Event
from service.credit.models import LISTED_STATES, DishonestEntry
from state_machines import credit_listing as rules
from state_machines.calendar import WorkCalendar
from state_machines.errors import Forbidden, GuardFailed, InvalidData, NotFound
from state_machines.identifiers import mask_id_number, redact_id_numbers
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import Role, Track

PUBLISHED_STATES = (*LISTED_STATES, "repaired", "expired", "revoked")
"""States every district may read (the list is public from `listed` on); earlier ones are the proposer's."""


def today_in_china(now: datetime) -> date:
    return now.astimezone(CHINA_TZ).date()


def _reader(actor: Actor) -> None:
    if actor.role not in DISTRICT_ROLES | OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read the dishonest list")


def may_read(actor: Actor, entry: DishonestEntry) -> bool:
    if actor.role in OVERSIGHT_ROLES:
        return True
    return actor.role in DISTRICT_ROLES and (entry.district == actor.district or entry.state in PUBLISHED_STATES)


def _party_json(party: Party) -> dict:
    return {"id": party.id, "type": party.type, "name": party.name, "credit_code": party.credit_code,
            "id_number": mask_id_number(party.id_number) if party.id_number else None}


def entry_json(session: Session, e: DishonestEntry, *, steps: bool = False) -> dict:
    party = session.get(Party, e.party_id)
    # published and exported: the ID number shown masked, one typed into the free text removed
    out = {"id": e.id, "party_id": e.party_id, "party": _party_json(party), "case_id": e.case_id,
           "district": e.district, "basis": redact_id_numbers(e.basis),
           "detail": e.detail and redact_id_numbers(e.detail), "state": e.state,
           "state_label": rules.STATE_LABELS.get(e.state, e.state),
           "listed_on": e.listed_on.isoformat() if e.listed_on else None,
           "until": e.until.isoformat() if e.until else None, "legacy": e.legacy,
           "statement_due": (e.facts or {}).get("statement_due"),
           "decision": e.decision and redact_id_numbers(e.decision),
           "created_at": e.created_at.astimezone(CHINA_TZ).isoformat(), "version": e.version}
    if steps:
        out["steps"] = [{"seq": ev.seq, "event": ev.event, "from_state": ev.from_state, "to_state": ev.to_state,
                         "actor": ev.actor, "at": ev.at.astimezone(CHINA_TZ).isoformat(), "data": ev.data,
                         "reason": ev.reason}
                        for ev in session.scalars(select(Event).where(Event.stream_id == e.id).order_by(Event.seq))]
    return out


def standing_penalty(case: Case) -> bool:
    """A decided penalty that stands: decided (an overturn or a revocation clears `decided_at`) with a
    fine or a confiscation, on the penalty track."""
    return (case.track == Track.penalty and case.decided_at is not None
            and ((case.fine or 0) > 0 or (case.confiscation or 0) > 0))


def propose(session: Session, actor: Actor, body: dict, grounds: tuple[str, ...], now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    if actor.role is not Role.supervisor:
        raise Forbidden("a supervisor of the penalising district proposes a listing")
    if body["basis"] not in grounds:
        raise InvalidData(f"basis must be one of the configured grounds: {'、'.join(grounds)}", fields=["basis"])
    party = session.get(Party, body["party_id"])
    if party is None:
        raise InvalidData("unknown party", fields=["party_id"])
    case, shared = case_access(session, actor, body["case_id"])
    if shared or case.district != actor.district:
        raise Forbidden("a listing rests on a penalty case of the proposer's own district")
    linked = session.scalar(select(CaseParty.party_id).where(CaseParty.case_id == case.id,
                                                             CaseParty.party_id == party.id,
                                                             CaseParty.role == "respondent"))
    if linked is None:
        raise InvalidData("the party is not the respondent of that case", fields=["party_id"])
    if not standing_penalty(case):
        raise GuardFailed("a listing rests on a decided penalty that stands (a fine or confiscation, "
                          "not overturned or revoked)")
    running = session.scalar(select(DishonestEntry.id).where(
        DishonestEntry.case_id == case.id, DishonestEntry.party_id == party.id,
        DishonestEntry.state.not_in(rules.FINAL_STATES)))
    if running is not None:
        raise GuardFailed(f"this case already has a listing under way ({running})")
    entry = DishonestEntry(id=str(uuid.uuid4()), party_id=party.id, case_id=case.id, district=actor.district,
                           basis=body["basis"], detail=body["detail"], state="proposed", legacy=False, facts={},
                           version=0, head_hash="", created_at=now, updated_at=now)
    session.add(entry)
    audit.append_to_stream(session, entry, "dishonest", "propose", "proposed", actor.id, now,
                           {"party_id": party.id, "case_id": case.id, "basis": body["basis"],
                            "detail": body["detail"]})
    session.flush()
    return entry_json(session, entry)


def _snapshot(session: Session, e: DishonestEntry) -> rules.Listing:
    case_district = session.scalar(select(Case.district).where(Case.id == e.case_id)) if e.case_id else None
    return rules.Listing(state=e.state, district=e.district, case_district=case_district, facts=dict(e.facts or {}),
                         listed_on=e.listed_on, until=e.until)


def _store(session: Session, e: DishonestEntry, step: rules.Step, actor_id: str, now: datetime,
           reason: str | None) -> None:
    e.facts, e.listed_on, e.until = step.facts, step.listed_on, step.until
    if step.data.get("decision"):
        e.decision = step.data["decision"]
    audit.append_to_stream(session, e, "dishonest", step.event, step.to_state, actor_id, now, step.data, reason)


def fire(session: Session, actor: Actor, entry_id: str, body: dict, calendar: WorkCalendar, *,
         consent_required: bool = True, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    entry = session.scalar(select(DishonestEntry).where(DishonestEntry.id == entry_id).with_for_update())
    if entry is None or not may_read(actor, entry):
        raise NotFound("no such entry")
    step = rules.decide(_snapshot(session, entry), actor, body["event"], body.get("data") or {}, body.get("reason"),
                        today_in_china(now), calendar, consent_required=consent_required)
    _store(session, entry, step, actor.id, now, body.get("reason"))
    session.flush()
    return entry_json(session, entry)


def get_entry(session: Session, actor: Actor, entry_id: str) -> dict:
    _reader(actor)
    entry = session.get(DishonestEntry, entry_id)
    if entry is None or not may_read(actor, entry):
        raise NotFound("no such entry")
    return entry_json(session, entry, steps=True)


def list_entries(session: Session, actor: Actor, state: str | None) -> list[dict]:
    _reader(actor)
    query = select(DishonestEntry).order_by(DishonestEntry.created_at, DishonestEntry.id)
    if state:
        query = query.where(DishonestEntry.state == state)
    return [entry_json(session, e) for e in session.scalars(query) if may_read(actor, e)]


def _system_step(session: Session, e: DishonestEntry, event: str, data: dict, actor_id: str, now: datetime) -> None:
    step = rules.decide(_snapshot(session, e), Actor(id=actor_id, role=Role.admin), event, data, None,
                        today_in_china(now), WorkCalendar(), system=True)
    _store(session, e, step, actor_id, now, None)


def revoke_for_case(session: Session, case: Case, event: str, actor_id: str, now: datetime) -> int:
    """The penalty under the case fell (`court_overturned`, administrative review `revoked`): every
    listing resting on it not yet ended is revoked, in the transaction of the case's event."""
    entries = session.scalars(select(DishonestEntry).where(
        DishonestEntry.case_id == case.id, DishonestEntry.state.not_in(rules.FINAL_STATES)).with_for_update())
    count = 0
    for e in entries:
        _system_step(session, e, "revoke", {"case_id": case.id, "cause": event}, actor_id, now)
        count += 1
    if count:
        session.flush()
    return count


ports.provide_penalty_fell(revoke_for_case)


SWEEP_ACTOR = "system"


def expire(session: Session, now: datetime) -> list[str]:
    """The sweep: listings past `until` (the day after it, China time) end as `expired`; idempotent."""
    today = today_in_china(now)
    entries = session.scalars(select(DishonestEntry).where(
        DishonestEntry.state.in_(LISTED_STATES), DishonestEntry.until < today).with_for_update())
    expired = []
    for e in entries:
        _system_step(session, e, "expire", {}, SWEEP_ACTOR, now)
        expired.append(e.id)
    session.flush()
    return expired


def _shown_name(party: Party) -> str:
    """Personal data minimised as the typical cases are: a person's name as 张某, an organisation's whole."""
    if party.type == "organisation":
        return redact_id_numbers(party.name)
    name = party.name.strip()
    return name[0] + "某" if len(name) <= 3 else "某某"


def publication(session: Session, actor: Actor, now: datetime) -> list[dict]:
    """The listed, unexpired, unrevoked entries in the shape a publication system imports."""
    _reader(actor)
    today = today_in_china(now)
    districts = dict(session.execute(select(District.code, District.name)).all())
    rows = session.execute(
        select(DishonestEntry, Party, Case.number).join(Party, Party.id == DishonestEntry.party_id)
        .outerjoin(Case, Case.id == DishonestEntry.case_id)
        .where(DishonestEntry.state.in_(LISTED_STATES), DishonestEntry.until >= today)
        .order_by(DishonestEntry.listed_on, DishonestEntry.id))
    return [{"id": e.id, "party_name": _shown_name(p),
             "credit_code": p.credit_code if p.type == "organisation" else None,
             "basis": redact_id_numbers(e.basis), "case_number": number,
             "listed_on": e.listed_on.isoformat() if e.listed_on else None, "until": e.until.isoformat(),
             "authority": districts.get(e.district, e.district), "legacy": e.legacy}
            for e, p, number in rows]
