"""Statutory clocks of SPEC §4 as data, and the arithmetic that starts, pauses, extends and ends them.

A clock's running state lives in the case's `facts["clocks"][name]` as plain JSON
(`ClockState.to_json`), so the service can store it without knowing the rules and the sweep
can read due dates without the machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from .calendar import CalendarKind, WorkCalendar
from .vocabulary import Track


class Unit(StrEnum):
    workdays = "workdays"
    days = "days"
    months = "months"


class Owner(StrEnum):
    bureau = "bureau"
    party = "party"
    partner = "partner"


PAUSE_CAUSES: tuple[str, ...] = (
    "testing",
    "appraisal",
    "right_holder_identification",
    "announcement",
    "jurisdiction_objection",
    "evidence_extension",
    "settlement",
)

EXTENSION_FIELDS: tuple[str, ...] = ("collective_decision", "until", "higher_level_approval")


@dataclass(frozen=True)
class Period:
    unit: Unit
    amount: int

    def add(self, cal: WorkCalendar, start: date, roll: bool = True) -> date:
        if self.unit is Unit.workdays:
            return cal.add_workdays(start, self.amount)
        if self.unit is Unit.days:
            return cal.add_days(start, self.amount, roll)
        return cal.add_months(start, self.amount, roll)


@dataclass(frozen=True)
class ExtensionStep:
    """One extension a supervisor may record; `needs` names the fields the step requires."""

    period: Period | None = None
    needs: tuple[str, ...] = ()
    cap: Period | None = None  # an `until` may not go past current due + cap


@dataclass(frozen=True)
class ClockSpec:
    name: str
    owner: Owner
    period: Period
    track: Track | None = None
    option: bool = False
    met_by: frozenset[str] = frozenset()
    extension_steps: tuple[ExtensionStep, ...] = ()
    pause_states: frozenset[str] = frozenset()
    pause_causes: frozenset[str] = frozenset()


WD, D, M = Unit.workdays, Unit.days, Unit.months

CLOCKS: dict[str, ClockSpec] = {
    spec.name: spec
    for spec in (
        ClockSpec(
            "filing_decision", Owner.bureau, Period(WD, 15), Track.penalty,
            met_by=frozenset({"accept", "reject", "transfer_accepted"}),
            extension_steps=(ExtensionStep(Period(WD, 15)),),
            pause_states=frozenset({"transferring"}),
            pause_causes=frozenset({"testing", "appraisal", "right_holder_identification"}),
        ),
        ClockSpec(
            "acceptance_decision", Owner.bureau, Period(WD, 5), Track.ruling,
            met_by=frozenset({"accept", "reject", "withdraw", "transfer_accepted"}),
            extension_steps=(ExtensionStep(Period(WD, 5)),),
            pause_states=frozenset({"transferring"}),
        ),
        ClockSpec(
            "case_closing", Owner.bureau, Period(D, 90), Track.penalty,
            met_by=frozenset({"decide", "dismiss", "police_accepted"}),
            extension_steps=(
                ExtensionStep(Period(D, 30)),
                ExtensionStep(needs=("collective_decision", "until")),
            ),
            pause_states=frozenset({"suspended", "hearing", "awaiting_police"}),
            pause_causes=frozenset({"testing", "appraisal", "right_holder_identification", "announcement"}),
        ),
        ClockSpec(
            "statement", Owner.party, Period(WD, 5), Track.penalty,
            met_by=frozenset({"request_hearing"}),
        ),
        ClockSpec(
            "defence", Owner.party, Period(D, 15), Track.ruling,
            met_by=frozenset({"record_defence"}),
            extension_steps=(ExtensionStep(needs=("until",)),),
        ),
        ClockSpec(
            "ruling", Owner.bureau, Period(M, 3), Track.ruling,
            met_by=frozenset({"rule", "mediation_succeeded", "withdraw"}),
            extension_steps=(
                ExtensionStep(Period(M, 1)),
                ExtensionStep(needs=("higher_level_approval", "until"), cap=Period(M, 2)),
            ),
            pause_states=frozenset({"suspended"}),
            pause_causes=frozenset(
                {"announcement", "testing", "appraisal", "jurisdiction_objection",
                 "evidence_extension", "settlement"}
            ),
        ),
        ClockSpec(
            "reconsideration_request", Owner.bureau, Period(D, 3), option=True,
            met_by=frozenset({"request_reconsideration"}),
        ),
        ClockSpec(
            "confirmation_application", Owner.party, Period(D, 30), Track.ruling,
            met_by=frozenset({"request_confirmation"}),
        ),
        ClockSpec(
            "fine_payment", Owner.party, Period(D, 15), Track.penalty,
            met_by=frozenset({"record_payment"}),
        ),
        ClockSpec(
            "publication", Owner.bureau, Period(WD, 20), Track.penalty,
            met_by=frozenset({"record_publication"}),
        ),
    )
}
"""Clocks a case carries. The partner clocks (police_decision, court_confirmation …) and
assistance_answer run on handoffs and assistance requests, not on the case."""


CLOCK_LABELS: dict[str, str] = {
    "filing_decision": "立案审查期限",
    "acceptance_decision": "受理审查期限",
    "case_closing": "办案期限",
    "statement": "陈述申辩期限",
    "defence": "答辩期限",
    "ruling": "裁决期限",
    "reconsideration_request": "申请复议期限",
    "confirmation_application": "申请司法确认期限",
    "fine_payment": "罚款缴纳期限",
    "publication": "处罚信息公示期限",
    "police_decision": "公安机关立案审查期限",
    "reconsideration_decision": "公安机关复议期限",
    "court_confirmation": "法院司法确认审查期限",
    "assistance_answer": "协查答复期限",
}


class ClockStatus(StrEnum):
    running = "running"
    due_soon = "due_soon"
    overdue = "overdue"
    met = "met"
    lapsed = "lapsed"
    paused = "paused"


@dataclass
class ClockState:
    started: date
    due: date
    status: ClockStatus = ClockStatus.running
    steps_used: int = 0
    paused_on: date | None = None
    pauses: list[str] = field(default_factory=list)  # "state" and/or causes
    estimated_start: bool = False
    ended_on: date | None = None

    @property
    def active(self) -> bool:
        return self.status in (ClockStatus.running, ClockStatus.paused)

    def to_json(self) -> dict:
        # spelled out: `dataclasses.asdict` deep-copies every field, a tenth of an event's CPU
        def day(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {"started": day(self.started), "due": day(self.due), "status": str(self.status),
                "steps_used": self.steps_used, "paused_on": day(self.paused_on), "pauses": list(self.pauses),
                "estimated_start": self.estimated_start, "ended_on": day(self.ended_on)}

    @classmethod
    def from_json(cls, raw: dict) -> ClockState:
        def day(key: str) -> date | None:
            return date.fromisoformat(raw[key]) if raw.get(key) else None

        return cls(
            started=day("started"),  # type: ignore[arg-type]
            due=day("due"),  # type: ignore[arg-type]
            status=ClockStatus(raw["status"]),
            steps_used=raw.get("steps_used", 0),
            paused_on=day("paused_on"),
            pauses=list(raw.get("pauses", [])),
            estimated_start=raw.get("estimated_start", False),
            ended_on=day("ended_on"),
        )


def start_clock(cal: WorkCalendar, spec: ClockSpec, start: date, *, period: Period | None = None,
                estimated: bool = False) -> ClockState:
    due = (period or spec.period).add(cal, start)
    return ClockState(started=start, due=due, estimated_start=estimated)


def pause(state: ClockState, reason: str, today: date) -> None:
    if reason in state.pauses:
        return
    if not state.pauses:
        state.paused_on = today
        state.status = ClockStatus.paused
    state.pauses.append(reason)


def unpause(cal: WorkCalendar, spec: ClockSpec, state: ClockState, reason: str, today: date) -> None:
    """Lift one pause; when none is left, push the due date by the time paused.

    Working-day clocks keep the working days already used, so the due date moves by the working
    days paused; day and month clocks move by the calendar days paused and roll again.
    """
    if reason not in state.pauses:
        return
    state.pauses.remove(reason)
    if state.pauses or state.paused_on is None:
        return
    if spec.period.unit is Unit.workdays:
        state.due = cal.add_workdays(state.due, cal.workdays_between(state.paused_on, today))
    else:
        state.due = cal.add_days(state.due, (today - state.paused_on).days)
    state.paused_on = None
    state.status = ClockStatus.running


def end(state: ClockState, status: ClockStatus, today: date) -> None:
    state.status = status
    state.ended_on = today
    state.pauses = []
    state.paused_on = None


def display_status(cal: WorkCalendar, spec: ClockSpec, state: ClockState, today: date,
                   due_soon_workdays: int) -> ClockStatus:
    """The status an officer sees today: running clocks turn due_soon, then overdue.

    Only duties go overdue: a party's clock, or a bureau's option, that runs out has `lapsed`,
    nobody's fault (SPEC §4).
    """
    if state.status is not ClockStatus.running:
        return state.status
    if today > state.due:
        return ClockStatus.lapsed if spec.owner is Owner.party or spec.option else ClockStatus.overdue
    # at most `due_soon_workdays` working days left ⇔ due before the next one after those
    if state.due < cal.add_workdays(today, due_soon_workdays + 1):
        return ClockStatus.due_soon
    return ClockStatus.running


def calendar_kind(cal: WorkCalendar, state: ClockState) -> CalendarKind:
    return cal.worst_kind({state.started, state.due})
