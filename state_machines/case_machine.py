"""Firing a case event: the checks of SPEC §3 in its refusal order, then the event's effects.

`check_request` (422 body, 403 role) runs before the service compares `If-Match`;
`decide` runs after it (409 state, 422 data, 409 guard) and returns the `Step` to persist.
Both are pure: the caller passes the case as a `CaseSnapshot`, the time and the `Rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from pydantic import ValidationError

from . import clocks as ck
from . import guards
from .calendar import WorkCalendar
from .case_table import ROW_BY_EVENT, events_from, next_state
from .case_table_v2 import ROW_BY_EVENT_V2
from .credit_grades import GradeRules
from .credit_grades import default_rules as default_grade_rules
from .errors import Forbidden, InvalidData, InvalidTransition
from .event_data import EVENT_DATA, REASON_REQUIRED, unknown_fields
from .event_data_v2 import unknown_fields_v2
from .principals import Actor, may_fire
from .types import CHINA_TZ
from .vocabulary import FINAL_STATES, Track


@dataclass(frozen=True)
class Rules:
    """Configuration the rules read; defaults are SPEC's."""

    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    districts: frozenset[str] = frozenset()
    agencies: dict[str, str] = field(default_factory=dict)  # code -> kind
    ruling_districts: frozenset[str] = frozenset({"150600"})
    hearing_threshold_individual: Decimal = Decimal("10000")
    hearing_threshold_organisation: Decimal = Decimal("100000")
    due_soon_workdays: int = 3
    major_case_threshold: Decimal = Decimal("1000000")
    assistance_workdays: int = 15
    case_prefixes: dict[str, str] = field(default_factory=dict)
    # machine version 2 (SPEC §10); version 1 reads none of these
    collective_after_hearing: bool = True  # IPCASE_COLLECTIVE_AFTER_HEARING (local practice)
    collective_threshold: Decimal | None = None  # fine or confiscation needing 集体讨论; none by default
    city_enforcement_court: str = "court-150603"  # the city team's enforcement court (§10.9)
    city_reviews_districts: bool = True  # IPCASE_CITY_REVIEWS_DISTRICTS: 150600 reviews districts (§10.2)
    grade_rules: GradeRules = field(default_factory=default_grade_rules)  # risk grades (SPEC §11)


@dataclass
class CaseSnapshot:
    """What the rules read of a case."""

    track: Track
    kind: str
    state: str
    district: str
    received_at: datetime
    respondent_type: str = "organisation"
    respondent_foreign: bool = False
    amounts: dict[str, Decimal | None] = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    # machine version 2 (SPEC §10.1); a version-1 case needs none of what follows
    machine_version: int = 1
    source: str | None = None  # a `transfer` case may not be transferred on (§10.5)
    # read by `initial_facts` only; afterwards the case's facts hold them (`record_facts` corrects them)
    violation_ended_on: date | None = None
    public_safety: bool = False
    patent_type: str | None = None
    discovered_at: datetime | None = None  # the original case's received_at for a transferred case
    # ids of the district's officers and supervisors (co_officer, officers, panel); None: not checked
    district_staff: frozenset[str] | None = None
    # ids of every principal of the district who may preside a hearing; None: `district_staff`
    district_principals: frozenset[str] | None = None


@dataclass(frozen=True)
class Opening:
    """A handoff or request the event opens, written in the same transaction (outbox)."""

    kind: str
    agency: str | None = None
    detail: dict = field(default_factory=dict)


@dataclass
class Step:
    """The result of a permitted event: what the service appends and stores."""

    event: str
    from_state: str
    to_state: str
    data: dict
    reason: str | None
    facts: dict
    amounts: dict[str, Decimal | None]
    outcome: str | None = None
    openings: list[Opening] = field(default_factory=list)


def today_in_china(now: datetime) -> date:
    return now.astimezone(CHINA_TZ).date()


def check_request(actor: Actor, event: object, data: object, reason: object, *, shared_only: bool = False,
                  version: int = 1) -> None:
    """Steps 2 and 3 of SPEC §3's refusal order: the body's shape, then the role (of `version`'s table)."""
    rows, unknown = (ROW_BY_EVENT, unknown_fields) if version == 1 else (ROW_BY_EVENT_V2, unknown_fields_v2)
    if not isinstance(event, str) or event not in rows:
        raise InvalidData(f"unknown event {event!r}", fields=["event"])
    if not isinstance(data, dict):
        raise InvalidData("`data` must be an object", fields=["data"])
    if reason is not None and not isinstance(reason, str):
        raise InvalidData("`reason` must be a string", fields=["reason"])
    if isinstance(reason, str) and len(reason) > 2000:
        raise InvalidData("`reason` is longer than 2000 characters", fields=["reason"])
    extra = unknown(event, data)
    if extra:
        raise InvalidData(f"unknown field(s) for {event}: {', '.join(extra)}", fields=extra)
    if not may_fire(actor, event, shared_only=shared_only, version=version):
        raise Forbidden(f"role {actor.role} may not fire {event}")


def allowed_events(case: CaseSnapshot, actor: Actor, rules: Rules, now: datetime,
                   *, shared_only: bool = False) -> list[str]:
    """Events this actor may fire now; an event is left out only if its guard fails for any data."""
    if case.machine_version != 1:
        from .case_machine_v2 import allowed_events_v2

        return allowed_events_v2(case, actor, rules, now, shared_only=shared_only)
    today = today_in_china(now)
    return [
        e for e in events_from(case.track, case.state)
        if may_fire(actor, e, shared_only=shared_only)
        and guards.static_failure(case, e, rules, today) is None
    ]


def decide(case: CaseSnapshot, actor: Actor, event: str, data: dict, reason: str | None,
           rules: Rules, now: datetime, *, shared_only: bool = False) -> Step:
    """Steps 5–7 of the refusal order, then the event's effects on state, facts and clocks.

    Dispatches on `case.machine_version`: each version has its table, guards, data and clocks.
    """
    if case.machine_version != 1:
        from .case_machine_v2 import decide_v2

        return decide_v2(case, actor, event, data, reason, rules, now, shared_only=shared_only)
    dest = next_state(case.track, case.state, event, case.facts)
    if dest is None:
        raise InvalidTransition(
            f"{event} is not allowed from {case.state} in the {case.track} track",
            allowed_events=allowed_events(case, actor, rules, now, shared_only=shared_only),
        )
    payload = _validate(case, event, data, reason, rules)
    today = today_in_china(now)
    guards.check(case, event, payload, rules, today)
    step = Step(
        event=event, from_state=case.state, to_state=dest, data=payload, reason=reason,
        facts=_copy_facts(case.facts), amounts=dict(case.amounts),
    )
    _apply_effects(case, step, rules, now, today)
    _update_clocks(case, step, rules, today)
    return step


def _validate(case: CaseSnapshot, event: str, data: dict, reason: str | None, rules: Rules) -> dict:
    model = EVENT_DATA[event]
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'data'}: {err['msg']}" for err in exc.errors()
        )
        raise InvalidData(f"bad data for {event}: {problems}",
                          fields=sorted({str(err["loc"][0]) for err in exc.errors() if err["loc"]})) from None
    if event in REASON_REQUIRED and not (reason and reason.strip()):
        raise InvalidData(f"{event} requires a `reason`", fields=["reason"])
    guards.check_data(case, event, parsed, rules)
    return parsed.model_dump(mode="json", exclude_none=True, exclude_unset=True)


def _copy_facts(facts: dict) -> dict:
    copied = dict(facts)
    copied["clocks"] = {name: dict(state) for name, state in facts.get("clocks", {}).items()}
    return copied


def _apply_effects(case: CaseSnapshot, step: Step, rules: Rules, now: datetime, today: date) -> None:
    """What each event changes besides the state; the origin facts for ORIGIN rows included."""
    d, facts, event = step.data, step.facts, step.event
    if event == "transfer_jurisdiction":
        facts["transferring_from"] = case.state
        step.openings.append(Opening("transfer", detail={"to_district": d["to_district"]}))
    elif event == "transfer_declined":
        facts.pop("transferring_from", None)
    elif event == "suspend":
        facts["suspended_from"] = case.state
    elif event == "resume":
        facts.pop("suspended_from", None)
    elif event == "mediation_succeeded":
        d.setdefault("effective_on", today.isoformat())
        facts["agreement_effective_on"] = d["effective_on"]
        facts["agreement"] = d["agreement"]
        if "compensation" in d:
            step.amounts["compensation"] = Decimal(d["compensation"])
    elif event == "request_confirmation":
        step.openings.append(Opening("judicial_confirmation", d.get("court"), {
            "agreement": facts.get("agreement", ""), "effective_on": facts.get("agreement_effective_on", "")}))
    elif event == "notify_penalty":
        d.setdefault("served_at", now.isoformat())
        facts["proposed_fine"] = d["proposed_fine"]
        facts["proposed_measures"] = d.get("proposed_measures", [])
    elif event == "decide":
        d.setdefault("served_at", now.isoformat())
        step.amounts["fine"] = Decimal(d["fine"])
        step.amounts["confiscation"] = Decimal(d.get("confiscation", "0"))
        facts["decided_on"] = today.isoformat()
    elif event == "rule":
        facts["infringement_found"] = d["infringement_found"]
    elif event == "refer_to_police":
        step.openings.append(Opening("criminal_referral", d.get("agency"), {"grounds": d["grounds"]}))
        step.openings.append(Opening("procuratorate_copy"))
        if not facts.get("major_case_reported"):
            facts["major_case_reported"] = True
            step.openings.append(Opening("major_case", detail={"reason": "移送公安机关"}))
    elif event == "request_reconsideration":
        kind = "filing_supervision" if d.get("procuratorate") else "criminal_referral"
        step.openings.append(Opening(kind, d.get("agency"), {"reconsideration": True}))
    elif event == "police_declined":
        facts["police_declined_on"] = today.isoformat()
    elif event == "appeal":
        step.openings.append(Opening("litigation", d.get("court")))
    elif event == "ask_city":
        step.openings.append(Opening("difficult_case", "bureau-150600", {"question": d["question"]}))
    elif event == "record_amounts":
        for name, value in d.get("amounts", {}).items():
            step.amounts[name] = Decimal(value)
        if "marks_count" in d:
            facts["marks_count"] = d["marks_count"]
        if major_case_due(step.amounts, facts, rules):
            facts["major_case_reported"] = True
            step.openings.append(Opening("major_case", detail={"reason": "涉案金额达到重大案件标准"}))
    elif event == "record_payment":
        d.setdefault("paid_on", today.isoformat())
    elif event == "record_publication":
        d.setdefault("published_on", today.isoformat())
    elif event == "record_service":
        d.setdefault("served_at", now.isoformat())
    step.outcome = _outcome(case, step)


def _outcome(case: CaseSnapshot, step: Step) -> str | None:
    if step.to_state not in FINAL_STATES:
        return None
    if step.event == "close":
        if case.state == "decided":
            fine = step.amounts.get("fine") or Decimal(0)
            confiscation = step.amounts.get("confiscation") or Decimal(0)
            return "penalty" if fine > 0 or confiscation > 0 else "no_penalty"
        return {"ruled": "ruled", "mediated": "mediated"}[case.state]
    return {
        "reject": "rejected",
        "withdraw": "withdrawn",
        "dismiss": "dismissed",
        "police_concluded": "criminal",
        "court_confirmed": "confirmed",
        "court_upheld": "litigation_upheld",
        "transfer_accepted": "transferred",
    }[step.event]


def _served_day(value: str) -> date:
    return datetime.fromisoformat(value).astimezone(CHINA_TZ).date()


def _update_clocks(case: CaseSnapshot, step: Step, rules: Rules, today: date) -> None:
    """Start, meet, pause, extend and end the case's clocks for this event (SPEC §4)."""
    cal, d, event = rules.calendar, step.data, step.event
    states = {name: ck.ClockState.from_json(raw) for name, raw in step.facts["clocks"].items()}

    def start(name: str, day: date, *, period: ck.Period | None = None, estimated: bool = False) -> None:
        states[name] = ck.start_clock(cal, ck.CLOCKS[name], day, period=period, estimated=estimated)

    for name, state in states.items():
        if state.active and event in ck.CLOCKS[name].met_by:
            ck.end(state, ck.ClockStatus.met, today)
    if event == "decide" and "statement" in states and states["statement"].active:
        ck.end(states["statement"], ck.ClockStatus.met if d.get("waived") else ck.ClockStatus.lapsed, today)

    if event == "accept":
        start("case_closing" if case.track is Track.penalty else "ruling", today)
        if case.track is Track.ruling and "defence" not in states:
            start("defence", cal.add_workdays(today, 5), estimated=True)
    elif event == "notify_penalty":
        start("statement", _served_day(d["served_at"]))
    elif event == "decide":
        if Decimal(d["fine"]) > 0:
            start("fine_payment", _served_day(d["served_at"]))
        start("publication", today)
    elif event == "mediation_succeeded":
        start("confirmation_application", date.fromisoformat(d["effective_on"]))
    elif event == "police_declined":
        start("reconsideration_request", today)
    elif event == "record_service" and d["document"] == "request_copy" and case.track is Track.ruling:
        defence = states.get("defence")
        if defence is None or defence.estimated_start:
            days = 30 if case.respondent_foreign else 15
            start("defence", _served_day(d["served_at"]), period=ck.Period(ck.Unit.days, days))
    elif event == "pause_clock":
        ck.pause(states[d["deadline"]], d["cause"], today)
    elif event == "resume_clock":
        state = states[d["deadline"]]
        for cause in [d["cause"]] if "cause" in d else [p for p in state.pauses if p != "state"]:
            ck.unpause(cal, ck.CLOCKS[d["deadline"]], state, cause, today)
    elif event == "extend_deadline":
        guards.extend(cal, states[d["deadline"]], ck.CLOCKS[d["deadline"]], d)

    for name, state in states.items():
        if not state.active:
            continue
        spec = ck.CLOCKS[name]
        if step.to_state in FINAL_STATES:
            ck.end(state, ck.ClockStatus.lapsed, today)
        elif step.to_state in spec.pause_states:
            ck.pause(state, "state", today)
        else:
            ck.unpause(cal, spec, state, "state", today)
    step.facts["clocks"] = {name: state.to_json() for name, state in states.items()}


MAJOR_CASE_AMOUNTS = ("case_value", "illegal_turnover", "illegal_gains")


def major_case_due(amounts: dict[str, Decimal | None], facts: dict, rules: Rules) -> bool:
    """A case is reported to the city once, when an amount first reaches the threshold (SPEC §2)."""
    if facts.get("major_case_reported"):
        return False
    return any((amounts.get(name) or Decimal(0)) >= rules.major_case_threshold for name in MAJOR_CASE_AMOUNTS)


def initial_facts(case: CaseSnapshot, rules: Rules, *, created_by: str | None = None) -> dict:
    """Facts of a new case: its decision clock starts on receipt (SPEC §4).

    Version 2 also records the first officer (`created_by`, none for a case the city
    registered) and the facts its guards read (§10.9).
    """
    if case.machine_version != 1:
        from .case_machine_v2 import initial_facts_v2

        return initial_facts_v2(case, rules, created_by=created_by)
    received = today_in_china(case.received_at)
    name = "filing_decision" if case.track is Track.penalty else "acceptance_decision"
    state = ck.start_clock(rules.calendar, ck.CLOCKS[name], received)
    return {"clocks": {name: state.to_json()}}
