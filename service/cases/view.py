"""The case as the API shows it (SPEC §6): amounts as decimal strings, times in China time."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from service.cases.models import AMOUNT_COLUMNS, Case, CaseParty, Party
from service.credit.models import LISTED_STATES, DishonestEntry
from state_machines import clocks as ck
from state_machines.case_machine import CaseSnapshot, Rules, allowed_events, today_in_china
from state_machines.clocks_v2 import CLOCK_LABELS_BY_VERSION, clocks_for
from state_machines.credit_grades import GradeRules
from state_machines.effects_v2 import case_surcharge
from state_machines.identifiers import mask_id_number
from state_machines.principals import Actor
from state_machines.recommendations import referral_hints
from state_machines.risk import NO_RECORD, RespondentCase, assess
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import FINAL_STATES, STATE_LABELS_V2, Track

CENT = Decimal("0.01")


def to_cents(value: Decimal | None) -> int | None:
    return None if value is None else int((value / CENT).to_integral_value())


def from_cents(value: int | None) -> Decimal | None:
    return None if value is None else (Decimal(value) * CENT).quantize(CENT)


def money(value: int | None) -> str | None:
    return None if value is None else f"{from_cents(value):.2f}"


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(CHINA_TZ).isoformat()


def snapshot(case_row: Case, respondent: CaseParty | None, respondent_party: Party | None,
             staff: tuple[frozenset[str], frozenset[str]] | None = None) -> CaseSnapshot:
    """What the machine reads of a case; `staff` is the district's (officers and supervisors, every
    active principal), which version 2 checks named officers, panels and presiding principals against."""
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
        machine_version=case_row.machine_version,
        source=case_row.source,
        district_staff=staff[0] if staff else None,
        district_principals=staff[1] if staff else None,
    )


def load_parties_of(session: Session, case_ids: list[str]) -> dict[str, dict[str, tuple[CaseParty, Party]]]:
    """Each case's parties by role, for a page of cases in one query."""
    out: dict[str, dict[str, tuple[CaseParty, Party]]] = {case_id: {} for case_id in case_ids}
    if case_ids:
        rows = session.execute(select(CaseParty, Party).join(Party, Party.id == CaseParty.party_id)
                               .where(CaseParty.case_id.in_(case_ids)))
        for cp, party in rows:
            out[cp.case_id][cp.role] = (cp, party)
    return out


def load_parties(session: Session, case_id: str) -> dict[str, tuple[CaseParty, Party]]:
    return load_parties_of(session, [case_id])[case_id]


def party_json(cp: CaseParty, party: Party) -> dict:
    return {
        "id": party.id,
        "name": cp.name,
        "type": party.type,
        "credit_code": party.credit_code,
        "id_number": mask_id_number(party.id_number) if party.id_number else None,
        "foreign": cp.foreign,
    }


def deadlines(facts: dict, rules: Rules, today: date, version: int = 1) -> list[dict]:
    """The case's clocks (the latest instance of each), read against its machine's clock table;
    a version-2 case's carry their Chinese label."""
    out = []
    specs, labels = clocks_for(version), CLOCK_LABELS_BY_VERSION[version]
    for name, raw in facts.get("clocks", {}).items():
        state = ck.ClockState.from_json(raw)
        entry = {
            "name": name,
            "owner": str(specs[name].owner),
            "started": state.started.isoformat(),
            "due": state.due.isoformat(),
            "status": str(ck.display_status(rules.calendar, specs[name], state, today, rules.due_soon_workdays)),
            "calendar": str(ck.calendar_kind(rules.calendar, state)),
        }
        if version != 1:  # version 1's shape stays as it was (SPEC §6)
            entry["label"] = labels.get(name, name)
        if state.estimated_start:
            entry["estimated_start"] = True
        out.append(entry)
    return out


def next_due(facts: dict, *, bureau_only: bool, version: int = 1) -> date | None:
    """The earliest due date of the running clocks (the bureau's duties only, with `bureau_only`).

    Stored on the case and indexed: the work list (`?overdue`, `?due_before`) filters on the
    bureau's, the deadline sweep selects on any, so neither loads every case.
    """
    specs = clocks_for(version)
    dues = [
        date.fromisoformat(raw["due"])
        for name, raw in facts.get("clocks", {}).items()
        if raw["status"] == "running"
        and (not bureau_only or (specs[name].owner is ck.Owner.bureau and not specs[name].option))
    ]
    return min(dues) if dues else None


def _respondent_cases_statement():
    """Every case of the given respondents that can count in a record, with the party's latest
    dishonest-list end on each row; built once with bind parameters so it compiles once.

    One statement for a single case and for a page of cases alike (no query per row); the
    rules themselves are pure Python in `state_machines.risk`.
    """
    penalised = (func.coalesce(Case.fine, 0) > 0) | (func.coalesce(Case.confiscation, 0) > 0)
    listed_until = (
        select(func.max(DishonestEntry.until))
        .where(DishonestEntry.party_id == CaseParty.party_id, DishonestEntry.state.in_(LISTED_STATES))
        .scalar_subquery()
    )
    return (
        select(CaseParty.party_id, Case.id, Case.kind, Case.state, Case.district, Case.decided_at,
               penalised.label("penalised"), listed_until.label("listed_until"))
        .join(Case, Case.id == CaseParty.case_id)
        .where(CaseParty.role == "respondent", CaseParty.party_id.in_(bindparam("party_ids", expanding=True)),
               # the asked cases themselves always come back, carrying the party's listing
               (Case.decided_at.is_not(None) & penalised) | Case.state.not_in(FINAL_STATES)
               | Case.id.in_(bindparam("case_ids", expanding=True)))
    )


RESPONDENT_CASES = _respondent_cases_statement()


def respondent_cases(session: Session, cases: list[tuple[Case, str | None]]) -> dict[str, list[RespondentCase]]:
    """Every case that can count in the records of these (case, respondent party id) pairs, by party.

    Run on the Core connection: an ORM-enabled select of plain columns costs its compile
    state and loading machinery for nothing.
    """
    party_ids = sorted({party_id for _, party_id in cases if party_id})
    by_party: dict[str, list[RespondentCase]] = {}
    if party_ids:
        rows = session.connection().execute(RESPONDENT_CASES, {
            "party_ids": party_ids, "case_ids": [c.id for c, _ in cases]})
        for party_id, case_id, kind, state, district, decided_at, penalised, listed_until in rows:
            by_party.setdefault(party_id, []).append(
                RespondentCase(case_id, kind, state, district, decided_at, bool(penalised), listed_until))
    return by_party


def as_respondent_case(case_row: Case, listed_until: date | None) -> RespondentCase:
    """A case as its respondent's record sees it now, for a record kept up to date in memory."""
    penalised = (case_row.fine or 0) > 0 or (case_row.confiscation or 0) > 0  # as RESPONDENT_CASES has it
    return RespondentCase(case_row.id, case_row.kind, case_row.state, case_row.district, case_row.decided_at,
                          penalised, listed_until)


def record_of(case_row: Case, party_id: str | None, by_party: dict[str, list[RespondentCase]],
              grade_rules: GradeRules | None = None) -> dict:
    if party_id is None:
        return dict(NO_RECORD)
    return assess(case_row.id, case_row.kind, case_row.district, case_row.received_at, by_party.get(party_id, ()),
                  grade_rules)


def risks(session: Session, cases: list[tuple[Case, str | None]],
          grade_rules: GradeRules | None = None) -> dict[str, dict]:
    """The record (SPEC §6 Risk, §11 grade) of each (case, respondent party id), in one query."""
    by_party = respondent_cases(session, cases)
    return {c.id: record_of(c, party_id, by_party, grade_rules) for c, party_id in cases}


def case_json(session: Session | None, case_row: Case, actor: Actor, rules: Rules, now: datetime,
              *, shared_only: bool = False, parties: dict[str, tuple[CaseParty, Party]] | None = None,
              record: dict | None = None) -> dict:
    """The case of SPEC §6; a page of cases passes its parties and records, loaded for all at once."""
    parties = load_parties(session, case_row.id) if parties is None else parties
    respondent = parties.get("respondent")
    snap = snapshot(case_row, *(respondent or (None, None)))
    if record is None:
        record = risks(session, [(case_row, respondent[1].id if respondent else None)], rules.grade_rules)[case_row.id]
    record = dict(record)
    repeat_same_kind = record.pop("prior_same_kind_2y") > 0
    out = {
        "id": case_row.id,
        "number": case_row.number,
        "kind": case_row.kind,
        "track": case_row.track,
        "district": case_row.district,
        "state": case_row.state,
        "state_label": STATE_LABELS_V2[case_row.state],
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
        "deadlines": deadlines(snap.facts, rules, today_in_china(now), case_row.machine_version),
        "recommendations": referral_hints(case_row.kind, snap.amounts, case_row.marks_count, repeat_same_kind)
        if case_row.state not in FINAL_STATES else [],
        "risk": record,
    }
    out["machine_version"] = case_row.machine_version
    if case_row.machine_version != 1:
        out.update(version_2_json(case_row.facts or {}, today_in_china(now)))
    if case_row.transferred_from:
        out["transferred_from"] = case_row.transferred_from
    if case_row.transferred_to:
        out["transferred_to"] = case_row.transferred_to
    if (case_row.facts or {}).get("assigned_by"):  # 交办 (SPEC §12): the city principal who assigned it
        out["assigned_by"] = case_row.facts["assigned_by"]
    if case_row.campaign_id:  # opened by an inspection's finding (SPEC §12)
        out["campaign_id"] = case_row.campaign_id
        out["inspection_id"] = case_row.inspection_id
    return out


def version_2_json(facts: dict, today: date) -> dict:
    """What a version-2 case shows beyond version 1 (SPEC §10.9 Shapes), read from its facts."""
    officers = list(facts.get("officers", []))
    out = {
        "officers": officers,
        "patent_type": facts.get("patent_type"),
        "public_safety": bool(facts.get("public_safety")),
        "discovered_at": facts.get("discovered_on"),
        "violation_ended_on": facts.get("violation_ended_on"),  # `record_facts` corrects it (§10.9)
        "decision": facts.get("decision"),
        "surcharge": f"{case_surcharge(facts, today):.2f}",
        "enforcement_applied": bool(facts.get("enforcement_applied")),
        "assigned_officer": officers[0] if officers else None,
    }
    if facts.get("panel"):
        out["panel"] = list(facts["panel"])
    return out
