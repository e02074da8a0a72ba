"""Credit supervision (SPEC §6 Credit, §11): the party registry's view with its risk grade, typical cases.

The 严重违法失信名单 listing stream is `service.credit.listing`; risk grades `service.credit.grades`.
ID numbers are shown masked everywhere, exports included.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.cases.models import Case, CaseParty, Party
from service.core.models import District
from service.credit.grades import party_grade
from service.credit.models import LISTED_STATES, DishonestEntry, TypicalCase
from state_machines.credit_grades import GradeRules
from state_machines.errors import Forbidden, GuardFailed, InvalidData, NotFound
from state_machines.identifiers import mask_id_number, redact_id_numbers
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import KINDS, STATE_LABELS_V2, Role


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
        DishonestEntry.party_id == party_id, DishonestEntry.state.in_(LISTED_STATES),
        DishonestEntry.until >= today)) > 0


def get_party(session: Session, actor: Actor, party_id: str, grade_rules: GradeRules) -> dict:
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
    now = datetime.now(UTC)
    return {**party_json(party), "cases": cases, "case_counts": counts,
            "on_dishonest_list": on_dishonest_list(session, party_id, now.astimezone(CHINA_TZ).date()),
            **party_grade(session, party_id, now, grade_rules)}


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
