"""Shared fixtures of the machine-version-2 tests: a case, the actors, and `fire` to move it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from state_machines import clocks as ck
from state_machines.case_machine import CaseSnapshot, Rules, Step, decide, initial_facts
from state_machines.principals import Actor
from state_machines.vocabulary import Role, Track

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in China
TODAY = date(2026, 3, 2)
RULES = Rules(districts=frozenset({"150600", "150602", "150603"}), ruling_districts=frozenset({"150600", "150603"}),
              agencies={"court-150600": "court", "court-150100": "court", "court-150602": "court",
                        "police-150602": "police", "procuratorate-150602": "procuratorate"})
STAFF = frozenset({"off", "off2", "off3", "sup", "chair"})
SUPERVISOR = Actor("sup", Role.supervisor, "150602")
OFFICER = Actor("off", Role.officer, "150602")
REVIEWER = Actor("rev", Role.reviewer, "150602", legal_qualified=True)
UNQUALIFIED = Actor("rev2", Role.reviewer, "150602")
PANEL = ["off", "off2", "off3"]


def at(day: date, hour_utc: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour_utc, tzinfo=UTC)


def running(start: date, due: date) -> dict:
    return ck.ClockState(started=start, due=due).to_json()


def new_case(track: Track = Track.penalty, *, state: str = "received", respondent_type: str = "organisation",
             source: str = "complaint", violation_ended_on: date | None = None, public_safety: bool = False,
             patent_type: str | None = None, received_at: datetime = NOW) -> CaseSnapshot:
    kind = "patent_dispute" if track is Track.ruling else "trademark_infringement"
    case = CaseSnapshot(track=track, kind=kind, state="received", district="150602", received_at=received_at,
                        respondent_type=respondent_type, machine_version=2, source=source,
                        violation_ended_on=violation_ended_on, public_safety=public_safety,
                        patent_type=patent_type or ("invention" if track is Track.ruling else None),
                        district_staff=STAFF)
    case.facts = initial_facts(case, RULES, created_by=None if source == "superior" else "off")
    case.state = state
    return case


def fire(case: CaseSnapshot, actor: Actor, event: str, data: dict | None = None, reason: str | None = None,
         now: datetime = NOW) -> Step:
    step = decide(case, actor, event, dict(data or {}), reason, RULES, now)
    case.state, case.facts, case.amounts = step.to_state, step.facts, step.amounts
    return step


def proposal(fine: int = 0, outcome: str | None = None, **extra) -> dict:
    measures = extra.get("measures", [])
    penalty = fine > 0 or extra.get("confiscation", 0) > 0 or any(m != "order_to_stop" for m in measures)
    return {"outcome": outcome or ("penalty" if penalty else "no_penalty"), "fine": fine, **extra}


def to_reviewed(case: CaseSnapshot, fine: int, now: datetime = NOW, **review: object) -> None:
    """received → filed → investigated → in_review → reviewed, proposing `fine`."""
    if case.state == "received":
        fire(case, SUPERVISOR, "accept", {"co_officer": "off2"}, now=now)
    fire(case, OFFICER, "conclude_investigation",
         {"facts": "销售假冒注册商标的商品", "evidence": "现场检查笔录", "legal_basis": "商标法第六十条",
          "proposal": proposal(fine)}, now=now)
    fire(case, SUPERVISOR, "submit_review", {}, now=now)
    fire(case, REVIEWER, "pass_review", {"opinion": "事实清楚，证据确凿", **review}, now=now)


def to_notice(case: CaseSnapshot, fine: int, now: datetime = NOW) -> None:
    to_reviewed(case, fine, now)
    fire(case, SUPERVISOR, "notify_penalty", {"proposed_fine": fine, "served_at": now.isoformat()}, now=now)


def later(days: int) -> datetime:
    return NOW + timedelta(days=days)
