"""Credit supervision (SPEC §6 Credit): the party registry's view, the 失信 list, typical cases.

The 失信 list is proposed by a district supervisor and decided by the city (approve or reject;
later repair, 信用修复, after the period or on application), every step an audited event of the
entry's own stream. ID numbers are shown masked everywhere, exports included.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.cases.models import Case, CaseParty, Party
from service.cases.queries import case_access
from service.core.models import District
from service.credit.models import DishonestEntry, TypicalCase
from state_machines.errors import Forbidden, GuardFailed, InvalidData, InvalidTransition, NotFound
from state_machines.identifiers import mask_id_number, redact_id_numbers
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import KINDS, STATE_LABELS_V2, Role

DISHONEST_LABELS = {"proposed": "待决定", "approved": "已列入", "rejected": "不予列入", "repaired": "已信用修复"}
DISHONEST_EVENTS = {"approve": ("proposed", "approved"), "reject": ("proposed", "rejected"),
                    "repair": ("approved", "repaired")}


def _reader(actor: Actor) -> None:
    if actor.role not in DISTRICT_ROLES | OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read the party registry")


def party_json(party: Party) -> dict:
    return {"id": party.id, "type": party.type, "name": party.name, "credit_code": party.credit_code,
            "id_number": mask_id_number(party.id_number) if party.id_number else None}


def find_parties(session: Session, actor: Actor, *, credit_code: str | None, name: str | None) -> dict:
    """By credit code: the party. By name: suggestions only (never merged automatically)."""
    _reader(actor)
    if credit_code:
        rows = session.scalars(select(Party).where(Party.credit_code == credit_code.strip().upper()))
        return {"items": [party_json(p) for p in rows], "next_cursor": None}
    if name:
        pattern = f"%{name.strip().replace('%', '').replace('_', '')}%"
        rows = session.scalars(select(Party).where(Party.name.like(pattern)).order_by(Party.name).limit(20))
        return {"items": [], "suggestions": [party_json(p) for p in rows], "next_cursor": None}
    raise InvalidData("give credit_code, or name for suggestions", fields=["credit_code", "name"])


def on_dishonest_list(session: Session, party_id: str, today: date) -> bool:
    return session.scalar(select(func.count()).select_from(DishonestEntry).where(
        DishonestEntry.party_id == party_id, DishonestEntry.state == "approved", DishonestEntry.until >= today)) > 0


def get_party(session: Session, actor: Actor, party_id: str) -> dict:
    """The party's cases in every district; a district sees details only of the cases it may see."""
    _reader(actor)
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound("no such party")
    rows = session.execute(select(Case, CaseParty.role).join(CaseParty, CaseParty.case_id == Case.id)
                           .where(CaseParty.party_id == party_id).order_by(Case.received_at))
    cases, counts = [], {}
    for c, role in rows:
        counts[c.district] = counts.get(c.district, 0) + 1
        entry = {"number": c.number, "district": c.district, "role": role}
        if actor.role in OVERSIGHT_ROLES or actor.district == c.district:
            entry.update({"id": c.id, "title": c.title, "kind": c.kind, "state": c.state,
                          "state_label": STATE_LABELS_V2[c.state], "outcome": c.outcome,
                          "received_at": c.received_at.astimezone(CHINA_TZ).isoformat()})
        cases.append(entry)
    today = datetime.now(UTC).astimezone(CHINA_TZ).date()
    return {**party_json(party), "cases": cases, "case_counts": counts,
            "on_dishonest_list": on_dishonest_list(session, party_id, today)}


def _append(session: Session, e: DishonestEntry, event: str, to_state: str, actor: str, now: datetime,
            data: dict, reason: str | None = None) -> None:
    audit.append_to_stream(session, e, "dishonest", event, to_state, actor, now, data, reason)


def entry_json(session: Session, e: DishonestEntry) -> dict:
    party = session.get(Party, e.party_id)
    # The list is published (and exported as CSV/XLSX): the party's ID number is shown masked, and
    # one typed into the free text is removed.
    return {"id": e.id, "party": party_json(party), "case_id": e.case_id, "district": e.district,
            "basis": redact_id_numbers(e.basis), "until": e.until.isoformat(), "state": e.state,
            "state_label": DISHONEST_LABELS[e.state], "decision": e.decision and redact_id_numbers(e.decision),
            "created_at": e.created_at.astimezone(CHINA_TZ).isoformat()}


def propose(session: Session, actor: Actor, body: dict, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    if actor.role is not Role.supervisor:
        raise Forbidden("a district supervisor proposes an entry on the 失信 list; the city decides")
    party = session.get(Party, body["party_id"])
    if party is None:
        raise InvalidData("unknown party", fields=["party_id"])
    if body.get("case_id"):
        case, shared = case_access(session, actor, body["case_id"])
        if shared or case.district != actor.district:
            raise Forbidden("the case must be your own district's")
        linked = session.scalar(select(CaseParty.party_id).where(CaseParty.case_id == case.id,
                                                                 CaseParty.party_id == party.id))
        if linked is None:
            raise InvalidData("the party is not a party of that case", fields=["case_id"])
    if body["until"] <= now.astimezone(CHINA_TZ).date():
        raise InvalidData("until must be a future date", fields=["until"])
    entry = DishonestEntry(id=str(uuid.uuid4()), party_id=party.id, case_id=body.get("case_id"),
                           district=actor.district, basis=body["basis"], until=body["until"], state="proposed",
                           version=0, head_hash="", created_at=now, updated_at=now)
    session.add(entry)
    _append(session, entry, "propose", "proposed", actor.id, now,
            {"party_id": party.id, "case_id": body.get("case_id"), "basis": body["basis"],
             "until": body["until"].isoformat()})
    session.flush()
    return entry_json(session, entry)


def decide(session: Session, actor: Actor, entry_id: str, body: dict, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    entry = session.scalar(select(DishonestEntry).where(DishonestEntry.id == entry_id).with_for_update())
    if entry is None or not _may_read(actor, entry):
        raise NotFound("no such entry")
    event, data, reason = body["event"], body.get("data") or {}, body.get("reason")
    if actor.role is not Role.city:
        raise Forbidden("the city bureau decides the 失信 list")
    source, target = DISHONEST_EVENTS[event]
    if entry.state != source:
        allowed = [e for e, (s, _) in DISHONEST_EVENTS.items() if s == entry.state]
        raise InvalidTransition(f"{event} is not allowed from {entry.state}", allowed_events=allowed)
    if event in ("reject",) and not (reason and reason.strip()):
        raise InvalidData("reject requires a reason", fields=["reason"])
    if event == "repair":
        if not data.get("decision"):
            raise InvalidData("repair records the repair decision (data.decision)", fields=["decision"])
        if now.astimezone(CHINA_TZ).date() <= entry.until and not data.get("on_application"):
            raise GuardFailed(f"the listing runs to {entry.until}; before that, repair only on application "
                              "(data.on_application: true)")
    if event in ("approve", "repair") and data.get("decision"):
        entry.decision = data["decision"]
    _append(session, entry, event, target, actor.id, now, data, reason)
    session.flush()
    return entry_json(session, entry)


def _may_read(actor: Actor, entry: DishonestEntry) -> bool:
    if actor.role in OVERSIGHT_ROLES:
        return True
    return actor.role in DISTRICT_ROLES and (entry.district == actor.district or entry.state in ("approved",
                                                                                                 "repaired"))


def list_entries(session: Session, actor: Actor, state: str | None) -> list[dict]:
    _reader(actor)
    query = select(DishonestEntry).order_by(DishonestEntry.created_at, DishonestEntry.id)
    if state:
        query = query.where(DishonestEntry.state == state)
    return [entry_json(session, e) for e in session.scalars(query) if _may_read(actor, e)]


def nominate(session: Session, actor: Actor, case_id: str, summary: str, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    if actor.role is not Role.city:
        raise Forbidden("the city bureau nominates typical cases")
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("no such case")
    if case.state != "closed":
        raise GuardFailed("only a closed case can be a typical case")
    if session.scalar(select(TypicalCase.id).where(TypicalCase.case_id == case_id)):
        raise GuardFailed("this case is nominated already")
    year = (case.closed_at or now).astimezone(CHINA_TZ).year
    row = TypicalCase(id=str(uuid.uuid4()), case_id=case_id, year=year, summary=summary, nominated_by=actor.id,
                      created_at=now)
    session.add(row)
    session.flush()
    return typical_json(session, row)


def _depersonalise(text: str, names: list[str]) -> str:
    """Individuals' names become 某某 and ID numbers disappear (publication on 4·26)."""
    for name in sorted(names, key=len, reverse=True):
        if name:
            text = text.replace(name, name[0] + "某" if len(name) <= 3 else "某某")
    return redact_id_numbers(text)


def typical_json(session: Session, row: TypicalCase) -> dict:
    case = session.get(Case, row.case_id)
    parties = session.execute(select(CaseParty, Party).join(Party, Party.id == CaseParty.party_id)
                              .where(CaseParty.case_id == case.id)).all()
    individuals = [cp.name for cp, p in parties if p.type == "individual"]
    respondent = next(((cp, p) for cp, p in parties if cp.role == "respondent"), None)
    shown_respondent = ""
    if respondent:
        cp, p = respondent
        shown_respondent = (redact_id_numbers(cp.name) if p.type == "organisation"
                            else _depersonalise(cp.name, individuals))
    district = session.scalar(select(District.name).where(District.code == case.district))
    return {"id": row.id, "case_id": case.id, "year": row.year, "number": case.number,
            "title": _depersonalise(case.title, individuals), "kind": case.kind, "kind_label": KINDS[case.kind][1],
            "district": district, "respondent": shown_respondent, "outcome": case.outcome,
            "summary": _depersonalise(row.summary, individuals)}


def list_typical(session: Session, actor: Actor, year: int | None) -> list[dict]:
    _reader(actor)
    query = select(TypicalCase).order_by(TypicalCase.year, TypicalCase.created_at)
    if year:
        query = query.where(TypicalCase.year == year)
    return [typical_json(session, r) for r in session.scalars(query)]
