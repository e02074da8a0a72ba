"""The case as the API shows it (SPEC §6): amounts as decimal strings, times in China time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from state_machines import clocks as ck
from state_machines.case_machine import CaseSnapshot, Rules, allowed_events, today_in_china
from state_machines.identifiers import mask_id_number
from state_machines.principals import Actor
from state_machines.recommendations import referral_hints
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import FINAL_STATES, STATE_LABELS, Track

from .models import AMOUNT_COLUMNS, Case, CaseParty, DishonestEntry, Party

CENT = Decimal("0.01")


def to_cents(value: Decimal | None) -> int | None:
    return None if value is None else int((value / CENT).to_integral_value())


def from_cents(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) * CENT).quantize(CENT)


def money(value: int | None) -> str | None:
    return None if value is None else f"{from_cents(value):.2f}"


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(CHINA_TZ).isoformat()


def snapshot(case_row: Case, respondent: CaseParty | None, respondent_party: Party | None) -> CaseSnapshot:
    return CaseSnapshot(
        track=Track(case_row.track),
        kind=case_row.kind,
        state=case_row.state,
        district=case_row.district,
        received_at=case_row.received_at,
        respondent_type=respondent_party.type if respondent_party else "organisation",
        respondent_foreign=bool(respondent and respondent.foreign),
        amounts={name: from_cents(getattr(case_row, name)) for name in AMOUNT_COLUMNS},
        facts=case_row.facts or {},
    )


def load_parties(session: Session, case_id: str) -> dict[str, tuple[CaseParty, Party]]:
    rows = session.execute(
        select(CaseParty, Party).join(Party, Party.id == CaseParty.party_id).where(CaseParty.case_id == case_id)
    )
    return {cp.role: (cp, party) for cp, party in rows}


def party_json(cp: CaseParty, party: Party) -> dict:
    return {
        "id": party.id,
        "name": cp.name,
        "type": party.type,
        "credit_code": party.credit_code,
        "id_number": mask_id_number(party.id_number) if party.id_number else None,
        "foreign": cp.foreign,
    }


def deadlines(facts: dict, rules: Rules, today: date) -> list[dict]:
    out = []
    for name, raw in facts.get("clocks", {}).items():
        state = ck.ClockState.from_json(raw)
        entry = {
            "name": name,
            "owner": str(ck.CLOCKS[name].owner),
            "started": state.started.isoformat(),
            "due": state.due.isoformat(),
            "status": str(ck.display_status(rules.calendar, ck.CLOCKS[name], state, today, rules.due_soon_workdays)),
            "calendar": str(ck.calendar_kind(rules.calendar, state)),
        }
        if state.estimated_start:
            entry["estimated_start"] = True
        out.append(entry)
    return out


def next_due(facts: dict, *, bureau_only: bool) -> date | None:
    """The earliest due date of the running clocks (the bureau's duties only, with `bureau_only`).

    Stored on the case and indexed: the work list (`?overdue`, `?due_before`) filters on the
    bureau's, the deadline sweep selects on any, so neither loads every case.
    """
    dues = [
        date.fromisoformat(raw["due"])
        for name, raw in facts.get("clocks", {}).items()
        if raw["status"] == "running"
        and (not bureau_only or (ck.CLOCKS[name].owner is ck.Owner.bureau and not ck.CLOCKS[name].option))
    ]
    return min(dues) if dues else None


def _risk_statement():
    """Built once with bind parameters, so SQLAlchemy compiles it once (it runs on every case read)."""
    received, case_id, district, kind = (bindparam("received"), bindparam("case_id"), bindparam("district"),
                                         bindparam("kind"))
    penalised = and_(
        Case.decided_at.is_not(None), Case.decided_at <= received, Case.decided_at >= bindparam("five_years_ago"),
        (func.coalesce(Case.fine, 0) > 0) | (func.coalesce(Case.confiscation, 0) > 0), Case.id != case_id,
    )
    same_kind_2y = and_(penalised, Case.kind == kind, Case.decided_at >= bindparam("two_years_ago"))
    tm_repeat = and_(penalised, Case.kind == "trademark_infringement")
    open_elsewhere = and_(Case.state.not_in(FINAL_STATES), Case.district != district)
    listed = (
        select(func.count()).select_from(DishonestEntry)
        .where(DishonestEntry.party_id == bindparam("party_id"), DishonestEntry.state == "approved",
               DishonestEntry.until >= bindparam("today"))
        .scalar_subquery()
    )
    return (
        select(
            func.sum(case((penalised, 1), else_=0)),
            func.sum(case((open_elsewhere, 1), else_=0)),
            func.sum(case((same_kind_2y, 1), else_=0)),
            func.sum(case((tm_repeat, 1), else_=0)),
            listed,
        )
        .select_from(CaseParty)
        .join(Case, Case.id == CaseParty.case_id)
        .where(CaseParty.party_id == bindparam("party_id"), CaseParty.role == "respondent")
    )


RISK = _risk_statement()


def _years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


def risk(session: Session, case_row: Case, party_id: str | None) -> dict:
    """The respondent's record (SPEC §6 Risk): prior penalties, open cases elsewhere, repeats.

    Run on the Core connection: an ORM-enabled select of plain columns costs its compile
    state and loading machinery on every case read for nothing.
    """
    if party_id is None:
        return {"prior_penalties_5y": 0, "open_cases_elsewhere": 0, "on_dishonest_list": False,
                "repeat_infringement": False, "prior_same_kind_2y": 0}
    received = case_row.received_at
    row = session.connection().execute(RISK, {
        "received": received, "case_id": case_row.id, "district": case_row.district, "kind": case_row.kind,
        "five_years_ago": _years_before(received, 5), "two_years_ago": _years_before(received, 2),
        "party_id": party_id, "today": received.astimezone(CHINA_TZ).date(),
    }).one()
    return {
        "prior_penalties_5y": int(row[0] or 0),
        "open_cases_elsewhere": int(row[1] or 0),
        "on_dishonest_list": int(row[4] or 0) > 0,
        "repeat_infringement": case_row.kind == "trademark_infringement" and int(row[3] or 0) > 0,
        "prior_same_kind_2y": int(row[2] or 0),
    }


def case_json(session: Session, case_row: Case, actor: Actor, rules: Rules, now: datetime,
              *, shared_only: bool = False, parties: dict[str, tuple[CaseParty, Party]] | None = None) -> dict:
    parties = load_parties(session, case_row.id) if parties is None else parties
    respondent = parties.get("respondent")
    snap = snapshot(case_row, *(respondent or (None, None)))
    record = risk(session, case_row, respondent[1].id if respondent else None)
    repeat_same_kind = record.pop("prior_same_kind_2y") > 0
    out = {
        "id": case_row.id,
        "number": case_row.number,
        "kind": case_row.kind,
        "track": case_row.track,
        "district": case_row.district,
        "state": case_row.state,
        "state_label": STATE_LABELS[case_row.state],
        "version": case_row.version,
        "source": case_row.source,
        "title": case_row.title,
        "description": case_row.description,
        "parties": {role: party_json(cp, party) for role, (cp, party) in parties.items()},
        "sector": case_row.sector,
        "venue": case_row.venue,
        "tags": case_row.tags or [],
        "amounts": {name: money(getattr(case_row, name)) for name in AMOUNT_COLUMNS},
        "marks_count": case_row.marks_count,
        "outcome": case_row.outcome,
        "assigned_officer": case_row.assigned_officer,
        "received_at": iso(case_row.received_at),
        "violation_ended_on": case_row.violation_ended_on.isoformat() if case_row.violation_ended_on else None,
        "created_at": iso(case_row.created_at),
        "updated_at": iso(case_row.updated_at),
        "allowed_events": allowed_events(snap, actor, rules, now, shared_only=shared_only),
        "deadlines": deadlines(snap.facts, rules, today_in_china(now)),
        "recommendations": referral_hints(case_row.kind, snap.amounts, case_row.marks_count, repeat_same_kind)
        if case_row.state not in FINAL_STATES else [],
        "risk": record,
    }
    if case_row.transferred_from:
        out["transferred_from"] = case_row.transferred_from
    if case_row.transferred_to:
        out["transferred_to"] = case_row.transferred_to
    return out
