"""The deadline sweep (SPEC §4): announce clocks that turn due soon, overdue or lapsed, once each,
and escalate the bureau's overdue duties to the city bureau.

Selected by the indexed `cases.next_due`, so a sweep reads only the cases with a clock inside
the warning window, never every case. Idempotent: each announcement is a unique
`clock_alerts` row, inserted before anything is sent; a repeated or concurrent sweep finds it
there and sends nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.channels import Channel
from notifications.messages import render
from service.assistance.models import AssistanceRequest
from service.cases.models import Case
from service.core.inbox import district_names, inbox
from service.core.models import Principal
from service.core.pagination import by_time_and_id, page
from service.core.sql import insert_if_absent
from service.deadlines.models import ClockAlert, Escalation
from service.handoffs.models import Handoff
from service.handoffs.outbox import append_event
from service.oversight.models import SupervisionOrder
from state_machines import clocks as ck
from state_machines.case_machine import Rules, today_in_china
from state_machines.clocks_v2 import CLOCK_LABELS_V2, clocks_for
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import FINAL_STATES, STATE_LABELS_V2, Role


@dataclass
class SweepResult:
    cases_checked: int = 0
    alerts: list[dict] = field(default_factory=list)
    escalations: int = 0
    notifications: int = 0

    def as_dict(self) -> dict:
        return {"cases_checked": self.cases_checked, "alerts": self.alerts, "escalations": self.escalations,
                "notifications": self.notifications}


class _Recipients:
    """Who hears of a case's clocks: its officer and its district's supervisors; the city for escalations."""

    def __init__(self, session: Session) -> None:
        self.supervisors: dict[str, list[str]] = defaultdict(list)
        self.city: list[str] = []
        for pid, role, district in session.execute(
            select(Principal.id, Principal.role, Principal.district).where(
                Principal.role.in_([Role.supervisor.value, Role.city.value]))
        ):
            if role == Role.city:
                self.city.append(pid)
            else:
                self.supervisors[district].append(pid)

    def of_case(self, case: Case) -> list[str]:
        officer = [case.assigned_officer] if case.assigned_officer else []
        return officer + [p for p in self.supervisors[case.district] if p not in officer]


def sweep(session: Session, rules: Rules, now: datetime, channel: Channel | None = None) -> SweepResult:
    today = today_in_china(now)
    horizon = rules.calendar.add_workdays(today, rules.due_soon_workdays)
    channel = channel or inbox(session, now)
    recipients = _Recipients(session)
    districts = district_names(session)
    result = SweepResult()
    cases = session.scalars(
        select(Case).where(Case.next_due <= horizon, Case.state.not_in(FINAL_STATES)).order_by(Case.next_due)
    )
    for case in cases:
        result.cases_checked += 1
        for name, raw in case.facts.get("clocks", {}).items():
            spec, state = clocks_for(case.machine_version)[name], ck.ClockState.from_json(raw)
            status = ck.display_status(rules.calendar, spec, state, today, rules.due_soon_workdays)
            level = {ck.ClockStatus.due_soon: "due_soon", ck.ClockStatus.overdue: "overdue",
                     ck.ClockStatus.lapsed: "lapsed"}.get(status)
            if level is None or (level == "due_soon" and spec.owner is not ck.Owner.bureau):
                continue
            if not insert_if_absent(session, ClockAlert, {"case_id": case.id, "clock": name, "level": level,
                                                          "due": state.due, "created_at": now},
                                    ["case_id", "clock", "level", "due"]):
                continue
            result.alerts.append({"case_id": case.id, "clock": name, "level": level, "due": state.due.isoformat()})
            context = _context(case, name, state.due, today, rules, districts)
            for recipient in recipients.of_case(case):
                channel.send(render(level, recipient, case_id=case.id, **context))
                result.notifications += 1
            if level == "overdue" and _escalate(session, case, name, state.due, now):
                result.escalations += 1
                for recipient in recipients.city:
                    channel.send(render("escalated", recipient, case_id=case.id, **context))
                    result.notifications += 1
    _expire_handoffs(session, rules, now, today, channel, recipients, districts, result)
    _overdue_assistance(session, now, today, channel, recipients, districts, result)
    _overdue_supervision(session, rules, now, today, channel, recipients, districts, result)
    session.flush()
    return result


def _overdue_assistance(session: Session, now: datetime, today: date, channel: Channel, recipients: _Recipients,
                        districts: dict[str, str], result: SweepResult) -> None:
    """An assistance request not answered in time: both districts are told, the city escalates it."""
    rows = session.execute(
        select(AssistanceRequest, Case).join(Case, Case.id == AssistanceRequest.case_id)
        .where(AssistanceRequest.state.in_(("requested", "accepted")), AssistanceRequest.due < today)
    ).all()
    for r, case in rows:
        clock = f"assistance_answer:{r.id}"
        if not insert_if_absent(session, ClockAlert, {"case_id": case.id, "clock": clock, "level": "overdue",
                                                      "due": r.due, "created_at": now},
                                ["case_id", "clock", "level", "due"]):
            continue
        result.alerts.append({"case_id": case.id, "request_id": r.id, "clock": "assistance_answer",
                              "level": "overdue", "due": r.due.isoformat()})
        context = {"number": case.number, "title": case.title, "due": r.due.isoformat(), "request": r.request,
                   "kind_label": {"investigation": "协查函", "joint_enforcement": "联合执法邀请",
                                  "transfer": "移送管辖"}[r.kind],
                   "from_name": districts.get(r.from_district, r.from_district),
                   "to_name": districts.get(r.to_district, r.to_agency or "")}
        told = recipients.supervisors[r.from_district] + (recipients.supervisors[r.to_district] if r.to_district
                                                          else [])
        for recipient in told:
            channel.send(render("assistance_overdue", recipient, case_id=case.id, **context))
            result.notifications += 1
        if insert_if_absent(session, Escalation, {"id": str(uuid.uuid4()), "case_id": case.id,
                                                  "district": r.to_district or r.from_district, "clock": clock,
                                                  "due": r.due, "created_at": now}, ["case_id", "clock", "due"]):
            result.escalations += 1
            for recipient in recipients.city:
                channel.send(render("assistance_overdue", recipient, case_id=case.id, **context))
                result.notifications += 1


def _overdue_supervision(session: Session, rules: Rules, now: datetime, today: date, channel: Channel,
                         recipients: _Recipients, districts: dict[str, str], result: SweepResult) -> None:
    """督办 (SPEC §12): an order still unanswered after its `due` (the district's bureau clock
    `supervision_reply`) is escalated once, its district's supervisors and the city told."""
    rows = session.execute(
        select(SupervisionOrder, Case).join(Case, Case.id == SupervisionOrder.case_id)
        .where(SupervisionOrder.state == "open", SupervisionOrder.due < today, Case.state.not_in(FINAL_STATES))
    ).all()
    for order, case in rows:
        clock = f"supervision_reply:{order.id}"
        if not escalate(session, case.id, order.district, clock, order.due, now):
            continue
        result.escalations += 1
        result.alerts.append({"case_id": case.id, "order_id": order.id, "clock": "supervision_reply",
                              "level": "overdue", "due": order.due.isoformat()})
        context = {**_context(case, "supervision_reply", order.due, today, rules, districts),
                   "clock_label": "督办回复期限", "expectation": order.expectation,
                   "district_name": districts.get(order.district, order.district)}
        for recipient in recipients.supervisors[order.district] + recipients.city:
            channel.send(render("supervision_overdue", recipient, case_id=case.id, **context))
            result.notifications += 1


def _expire_handoffs(session: Session, rules: Rules, now: datetime, today: date, channel: Channel,
                     recipients: _Recipients, districts: dict[str, str], result: SweepResult) -> None:
    """A partner that has not answered in time: the handoff is `expired`, the supervisor told, the city too."""
    rows = session.execute(
        select(Handoff, Case).join(Case, Case.id == Handoff.case_id)
        .where(Handoff.status.in_(("delivered", "answered")), Handoff.due < today).with_for_update(of=Handoff)
    ).all()
    for h, case in rows:
        append_event(session, h, "expired", "expired", "system", now, {"due": h.due.isoformat()})
        result.alerts.append({"case_id": case.id, "handoff_id": h.id, "clock": h.answer_clock, "level": "expired",
                              "due": h.due.isoformat()})
        context = {**_context(case, h.answer_clock, h.due, today, rules, districts), "agency": h.agency}
        for recipient in recipients.supervisors[case.district]:
            channel.send(render("handoff_expired", recipient, case_id=case.id, **context))
            result.notifications += 1
        if _escalate(session, case, h.answer_clock, h.due, now):
            result.escalations += 1
            for recipient in recipients.city:
                channel.send(render("handoff_expired", recipient, case_id=case.id, **context))
                result.notifications += 1


def _escalate(session: Session, case: Case, clock: str, due: date, now: datetime) -> bool:
    return escalate(session, case.id, case.district, clock, due, now)


def escalate(session: Session, case_id: str, district: str, clock: str, due: date, now: datetime) -> bool:
    """List a case for the city (超期督办, and what waits for its decision): once per clock and due date."""
    return insert_if_absent(session, Escalation, {"id": str(uuid.uuid4()), "case_id": case_id,
                                                  "district": district, "clock": clock, "due": due,
                                                  "created_at": now}, ["case_id", "clock", "due"])


def _context(case: Case, clock: str, due: date, today: date, rules: Rules, districts: dict[str, str]) -> dict:
    return {
        "number": case.number, "title": case.title, "clock": clock, "clock_label": CLOCK_LABELS_V2.get(clock, clock),
        "due": due.isoformat(), "state_label": STATE_LABELS_V2[case.state],
        "workdays_left": rules.calendar.workdays_between(today, due),
        "district_name": districts.get(case.district, case.district),
    }


def _escalations(district: str | None):
    """Each escalation with its case's number, title and state; of one district if given."""
    query = select(Escalation, Case.number, Case.title, Case.state).join(Case, Case.id == Escalation.case_id)
    return query.where(Escalation.district == district) if district else query


def escalation_page(session: Session, district: str | None, limit: int, cursor: str | None) -> dict:
    """A page of `GET /escalations`: every escalation (of a district if given), the newest first."""
    query = by_time_and_id(_escalations(district), Escalation.created_at, Escalation.id, cursor, limit,
                           newest_first=True)
    rows, next_cursor = page(session.execute(query), limit, lambda r: (r[0].created_at.isoformat(), r[0].id))
    items = [{"id": e.id, "case_id": e.case_id, "case_number": number, "title": title, "state": state,
              "district": e.district, "clock": e.clock, "due": e.due.isoformat(),
              "created_at": e.created_at.astimezone(CHINA_TZ).isoformat()} for e, number, title, state in rows]
    return {"items": items, "next_cursor": next_cursor}


def open_escalations(session: Session, district: str | None = None, limit: int = 200) -> list[dict]:
    """超期督办 of cases still open, the newest first (the board's escalations queue, issue 23):
    the rows `GET /escalations` lists, without the closed cases' history, each with its clock's label."""
    query = _escalations(district).where(Case.state.not_in(FINAL_STATES))
    rows = session.execute(query.order_by(Escalation.created_at.desc(), Escalation.id.desc()).limit(limit))
    return [{"id": e.id, "case_id": e.case_id, "number": number, "title": title, "state": state,
             "state_label": STATE_LABELS_V2.get(state, state), "district": e.district, "clock": e.clock,
             "clock_label": CLOCK_LABELS_V2.get(e.clock, e.clock), "due": e.due, "created_at": e.created_at}
            for e, number, title, state in rows]
