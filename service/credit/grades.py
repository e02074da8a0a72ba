"""Risk grades of parties today (信用风险分级, SPEC §11): shown on the party, and `GET /parties?grade=`.

The rules are `state_machines.credit_grades` over a configuration file; this module reads the
facts they need for many parties in two queries (standing penalties and open cases as respondent,
running listings) and grades each in Python.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.cases.models import Case, CaseParty, Party
from service.credit.models import LISTED_STATES, DishonestEntry
from state_machines.credit_grades import GradeFacts, GradeRules, grade
from state_machines.errors import Forbidden
from state_machines.principals import OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import FINAL_STATES


def _facts(session: Session, now: datetime, party_ids: list[str] | None) -> dict[str, GradeFacts]:
    today = now.astimezone(CHINA_TZ).date()
    penalised = (func.coalesce(Case.fine, 0) > 0) | (func.coalesce(Case.confiscation, 0) > 0)
    cases = (select(CaseParty.party_id, Case.decided_at, penalised, Case.state)
             .join(Case, Case.id == CaseParty.case_id)
             .where(CaseParty.role == "respondent",
                    (Case.decided_at.is_not(None) & penalised) | Case.state.not_in(FINAL_STATES)))
    listed = select(DishonestEntry.party_id).where(DishonestEntry.state.in_(LISTED_STATES),
                                                   DishonestEntry.until >= today)
    if party_ids is not None:
        cases = cases.where(CaseParty.party_id.in_(party_ids))
        listed = listed.where(DishonestEntry.party_id.in_(party_ids))
    days: dict[str, list] = defaultdict(list)
    open_cases: dict[str, int] = defaultdict(int)
    for party_id, decided_at, is_penalty, state in session.execute(cases):
        if decided_at is not None and is_penalty and decided_at <= now:
            days[party_id].append(decided_at.astimezone(CHINA_TZ).date())
        if state not in FINAL_STATES:
            open_cases[party_id] += 1
    on_list = set(session.scalars(listed))
    ids = set(party_ids) if party_ids is not None else set(days) | set(open_cases) | on_list
    return {p: GradeFacts(today, p in on_list, tuple(sorted(days.get(p, ()))), open_cases.get(p, 0)) for p in ids}


def party_grade(session: Session, party_id: str, now: datetime, rules: GradeRules) -> dict:
    graded, reasons = grade(_facts(session, now, [party_id])[party_id], rules)
    return {"grade": graded, "grade_reasons": reasons}


def parties_by_grade(session: Session, actor: Actor, wanted: str, now: datetime, rules: GradeRules) -> list[dict]:
    """Every party of that grade today (the city's and the auditors' view)."""
    if actor.role not in OVERSIGHT_ROLES:
        raise Forbidden("the city reads parties by risk grade")
    facts = _facts(session, now, None)
    graded = {p: grade(f, rules) for p, f in facts.items()}
    if wanted == rules.default:  # parties with nothing on record have the default grade too
        query = select(Party.id)
        graded.update({p: grade(GradeFacts(now.astimezone(CHINA_TZ).date(), False, ()), rules)
                       for p in session.scalars(query) if p not in graded})
    ids = sorted(p for p, (g, _) in graded.items() if g == wanted)
    out = []
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        for party in session.scalars(select(Party).where(Party.id.in_(chunk)).order_by(Party.name)):
            g, reasons = graded[party.id]
            out.append({"id": party.id, "type": party.type, "name": party.name, "credit_code": party.credit_code,
                        "grade": g, "grade_reasons": reasons})
    return sorted(out, key=lambda p: (p["name"], p["id"]))
