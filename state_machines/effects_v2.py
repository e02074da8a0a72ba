"""What each event of machine version 2 changes besides the state: facts, amounts, openings, clocks.

Events whose effects did not change from version 1 are delegated to `case_machine._apply_effects`
(`V1_EFFECTS`); the rest are here. Every fact a later guard reads is written here (see
`procedure_v2`), so no guard reads the case's history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from . import clocks as ck
from . import guards as v1_guards
from .clocks_v2 import CLOCKS_V2
from .handoffs import enforcement_court, patent_court
from .penalties import Sanction, is_penalty
from .procedure_v2 import current_review, hearing_concluded_at, next_n, reset_procedure
from .types import CHINA_TZ
from .vocabulary import FINAL_STATES, Track

if TYPE_CHECKING:
    from .case_machine import CaseSnapshot, Rules, Step

V1_EFFECTS = frozenset({
    "transfer_jurisdiction", "suspend", "resume", "mediation_succeeded", "request_confirmation", "rule",
    "refer_to_police", "request_reconsideration", "ask_city", "record_amounts", "record_publication",
    "record_service",
})

OUTCOMES_V2 = {
    "reject": "rejected", "withdraw": "withdrawn", "dismiss": "dismissed", "police_concluded": "criminal",
    "court_confirmed": "confirmed", "court_upheld": "litigation_upheld", "transfer_accepted": "transferred",
    "transfer_designated": "transferred",
    "take_over": "transferred",  # 提级管辖 (SPEC §12)
}


def _served_day(value: str) -> date:
    return datetime.fromisoformat(value).astimezone(CHINA_TZ).date()


def apply_effects(case: CaseSnapshot, step: Step, rules: Rules, now: datetime, today: date) -> None:
    from .case_machine import Opening, _apply_effects

    d, facts, event, cal = step.data, step.facts, step.event, rules.calendar
    if event in V1_EFFECTS:
        _apply_effects(case, step, rules, now, today)
    if event == "accept":
        if "panel" in d:
            facts["panel"] = facts["officers"] = list(d["panel"])
        elif "officers" in d:
            facts["officers"] = list(d["officers"])
        else:
            facts["officers"] = [facts["officers"][0], d["co_officer"]]
    elif event == "assign":
        facts["officers"] = list(d["officers"])
        if facts.get("panel"):
            facts["panel"] = list(d["officers"])
    elif event == "record_facts":
        for name in ("violation_ended_on", "public_safety", "patent_type"):
            if name in d:
                facts[name] = d[name]
    elif event == "request_designation":
        facts["transferring_from"] = case.state
        step.openings.append(Opening("designation", detail={"requested_by_case": True}))
    elif event == "transfer_designated_back":
        facts.pop("transferring_from", None)
        facts["designated"] = True
    elif event == "conclude_investigation":
        facts["investigation"] = {"legal_basis": d["legal_basis"], "proposal": d["proposal"], "n": next_n(facts)}
    elif event == "submit_review":
        after_hearing = case.state == "heard"
        grounds = list(d.get("legal_review", []))
        if after_hearing and "major_rights_after_hearing" not in grounds:
            grounds.append("major_rights_after_hearing")
        d["legal_review"] = grounds
        facts["review_pending"] = {"legal_review": grounds, "after_hearing": after_hearing, "n": next_n(facts)}
        facts["review_returns_to"] = "heard" if after_hearing else "filed"
    elif event == "pass_review":
        pending = facts.pop("review_pending", {})
        earlier = current_review(facts)
        proposal = d.get("proposal") or (earlier["proposal"] if pending.get("after_hearing") and earlier
                                         else facts["investigation"]["proposal"])
        facts["review"] = {"proposal": proposal, "collective_required": d.get("collective_required", False),
                           "after_hearing": pending.get("after_hearing", False),
                           "legal_review": pending.get("legal_review", []), "n": next_n(facts)}
        facts.pop("review_returns_to", None)
    elif event == "return_review":
        facts.pop("review_pending", None)
        facts.pop("review_returns_to", None)
    elif event == "notify_penalty":
        d.setdefault("served_at", now.isoformat())
        notice = Sanction.of(d["proposed_fine"], d.get("proposed_confiscation"), d.get("proposed_measures"))
        facts["notice"] = {**notice.to_json(), "served_at": d["served_at"], "n": next_n(facts)}
        facts.pop("statement_ended", None)
    elif event == "request_hearing":
        d.setdefault("requested_at", now.isoformat())
        facts["hearing"] = {"requested_at": d["requested_at"], "concluded_n": hearing_concluded_at(facts)}
    elif event == "schedule_hearing":
        d.setdefault("served_at", now.isoformat())
        facts["hearing"] = {**facts.get("hearing", {}), "held_on": d["held_on"], "served_at": d["served_at"]}
    elif event == "conclude_hearing":
        facts["hearing"] = {**facts.get("hearing", {}), "presided_by": d["presided_by"], "concluded_n": next_n(facts)}
    elif event == "hearing_waived":
        facts["statement_ended"] = True
        facts["hearing"] = {"concluded_n": hearing_concluded_at(facts)}
    elif event in ("reopen_investigation", "police_returned"):
        reset_procedure(facts)
    elif event == "police_declined":
        facts["police_declined_on"] = today.isoformat()
        reset_procedure(facts)
    elif event == "record_collective_discussion":
        facts["discussion"] = {"held_on": d["held_on"], "attendees": d["attendees"], "conclusion": d["conclusion"],
                               "n": next_n(facts)}
    elif event == "decide":
        d.setdefault("served_at", now.isoformat())
        decision = Sanction.of(d["fine"], d.get("confiscation"), d.get("measures"))
        served = _served_day(d["served_at"])
        _set_decision(step, decision, d.get("legal_basis"), served)
        facts["decided_on"] = today.isoformat()
        # review 60 days, suit 6 months after service (行政复议法 art. 20; 行政诉讼法 art. 46)
        facts["enforcement_periods_end"] = max(cal.add_days(served, 60), cal.add_months(served, 6)).isoformat()
    elif event == "rule":
        facts["ruled_on"] = today.isoformat()
    elif event == "apply_administrative_review":
        d.setdefault("received_on", today.isoformat())
        served = (facts.get("decision") or {}).get("served_on")
        applied = date.fromisoformat(d.get("applied_on", today.isoformat()))
        if served and applied > cal.add_days(date.fromisoformat(served), 60):
            d["warning"] = "applied more than 60 days after the decision was served (行政复议法 art. 20)"
        _pause_surcharge(facts, today)
        step.openings.append(Opening("administrative_review", f"government-{case.district}",
                                     {"received_on": d["received_on"]}))
    elif event in ("administrative_review_upheld", "administrative_review_changed"):
        _resume_surcharge(facts, today)
        facts["review_answered_on"] = today.isoformat()
        facts["enforcement_periods_end"] = cal.add_days(today, 15).isoformat()
        if event == "administrative_review_changed":
            old = Sanction.from_json(facts.get("decision"))
            changed = Sanction.of(d.get("fine", old.fine), d.get("confiscation", old.confiscation),
                                  d.get("measures", sorted(old.measures)))
            _set_decision(step, changed, (facts.get("decision") or {}).get("legal_basis"), today)
            facts["surcharge_pauses"] = []  # a new due date: the surcharge is recomputed from it
    elif event in ("administrative_review_revoked", "court_overturned"):
        _resume_surcharge(facts, today)
        reset_procedure(facts)
        for name in ("decision", "enforcement_periods_end", "demand_served_on", "review_answered_on",
                     "enforcement_applied", "paid_on"):
            facts.pop(name, None)
    elif event == "appeal":
        d.setdefault("served_at", now.isoformat())
        court = d.get("court") or _default_court(case, facts)
        step.openings.append(Opening("litigation", court))
        if case.track is Track.penalty:
            _pause_surcharge(facts, today)
    elif event == "record_payment":
        d.setdefault("paid_on", today.isoformat())
        facts["paid_on"] = d["paid_on"]
    elif event == "file_defence":
        d.setdefault("filed_on", today.isoformat())
    elif event == "demand_payment":
        d.setdefault("served_at", now.isoformat())
        facts["demand_served_on"] = _served_day(d["served_at"]).isoformat()
    elif event == "apply_enforcement":
        facts["enforcement_applied"] = True
        court = d.get("court") or enforcement_court(case.district, rules.city_enforcement_court)
        step.openings.append(Opening("enforcement", court, {"decision": facts.get("decision")}))
    if event == "request_confirmation" and case.track is Track.ruling:
        _route_to_patent_court(case, step)
    step.outcome = outcome(case, step)


def _default_court(case: CaseSnapshot, facts: dict) -> str | None:
    return patent_court(facts.get("patent_type")) if case.track is Track.ruling else None


def _route_to_patent_court(case: CaseSnapshot, step: Step) -> None:
    from .case_machine import Opening

    court = _default_court(case, step.facts)
    step.openings[:] = [Opening(o.kind, o.agency or court, o.detail) if o.kind == "judicial_confirmation" else o
                        for o in step.openings]


def _set_decision(step: Step, decision: Sanction, legal_basis: str | None, served: date) -> None:
    step.facts["decision"] = {**decision.to_json(), "legal_basis": legal_basis, "served_on": served.isoformat()}
    step.amounts["fine"] = decision.fine
    step.amounts["confiscation"] = decision.confiscation


def _pause_surcharge(facts: dict, today: date) -> None:
    pauses = facts.setdefault("surcharge_pauses", [])
    if not pauses or pauses[-1][1] is not None:
        pauses.append([today.isoformat(), None])


def _resume_surcharge(facts: dict, today: date) -> None:
    pauses = facts.get("surcharge_pauses") or []
    if pauses and pauses[-1][1] is None:
        pauses[-1][1] = today.isoformat()


def outcome(case: CaseSnapshot, step: Step) -> str | None:
    if step.to_state not in FINAL_STATES:
        return None
    if step.event == "close":
        if case.state == "decided":
            return "penalty" if is_penalty(Sanction.from_json(step.facts.get("decision"))) else "no_penalty"
        return {"ruled": "ruled", "mediated": "mediated"}[case.state]
    return OUTCOMES_V2[step.event]


# ---- clocks ---------------------------------------------------------------------------------

def update_clocks(case: CaseSnapshot, step: Step, rules: Rules, today: date) -> None:
    """Start, meet, pause, extend and end the case's clocks for this event (SPEC §4, §10.6)."""
    cal, d, event, facts = rules.calendar, step.data, step.event, step.facts
    states = {name: ck.ClockState.from_json(raw) for name, raw in facts["clocks"].items()}

    def start(name: str, day: date, *, period: ck.Period | None = None, estimated: bool = False) -> None:
        states[name] = ck.start_clock(cal, CLOCKS_V2[name], day, period=period, estimated=estimated)

    def lapse(*names: str) -> None:
        for name in names:
            if name in states and states[name].active:
                ck.end(states[name], ck.ClockStatus.lapsed, today)

    for name, state in states.items():
        if state.active and event in CLOCKS_V2[name].met_by:
            ck.end(state, ck.ClockStatus.met, today)
    if event == "decide" and "statement" in states and states["statement"].active:
        ck.end(states["statement"], ck.ClockStatus.met if d.get("waived") else ck.ClockStatus.lapsed, today)

    if event == "accept":
        start("case_closing" if case.track is Track.penalty else "ruling", today)
        if case.track is Track.ruling and "defence" not in states:
            start("defence", cal.add_workdays(today, 5), estimated=True)
    elif event == "submit_review":
        start("case_review", today)
    elif event == "notify_penalty":
        start("statement", _served_day(d["served_at"]))
    elif event in ("reopen_investigation", "hearing_waived"):
        lapse("statement")
    elif event == "decide":
        decision = Sanction.from_json(facts["decision"])
        served = _served_day(d["served_at"])
        if decision.fine > 0:
            start("fine_payment", served)
            start("enforcement_application", date.fromisoformat(facts["enforcement_periods_end"]))
        if is_penalty(decision):
            start("publication", today)
    elif event == "rule" and d.get("infringement_found"):
        start("enforcement_application", cal.add_days(today, 15))
    elif event in ("administrative_review_upheld", "administrative_review_changed"):
        if event == "administrative_review_changed":
            lapse("fine_payment")
            if Sanction.from_json(facts["decision"]).fine > 0:
                start("fine_payment", today)
        payment = states.get("fine_payment")
        if payment is not None and payment.active:
            start("enforcement_application", date.fromisoformat(facts["enforcement_periods_end"]))
    elif event in ("administrative_review_revoked", "court_overturned"):
        lapse("fine_payment", "publication", "enforcement_application", "statement")
    elif event == "apply_administrative_review":
        start("administrative_review_reply", date.fromisoformat(d["received_on"]))
    elif event == "appeal":
        start("litigation_defence", _served_day(d["served_at"]))
    elif event in ("request_designation", "transfer_disputed"):
        start("designation", today)
    elif event == "mediation_succeeded":
        start("confirmation_application", date.fromisoformat(d["effective_on"]))
    elif event in ("police_declined", "police_returned"):
        lapse("case_closing")
        start("case_closing", today)  # a new 90 days from the return (§10.9)
        if event == "police_declined":
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
            ck.unpause(cal, CLOCKS_V2[d["deadline"]], state, cause, today)
    elif event == "extend_deadline":
        v1_guards.extend(cal, states[d["deadline"]], CLOCKS_V2[d["deadline"]], d)

    for name, state in states.items():
        if not state.active:
            continue
        spec = CLOCKS_V2[name]
        if step.to_state in FINAL_STATES:
            ck.end(state, ck.ClockStatus.lapsed, today)
        elif step.to_state in spec.pause_states:
            ck.pause(state, "state", today)
        else:
            ck.unpause(cal, spec, state, "state", today)
    facts["clocks"] = {name: state.to_json() for name, state in states.items()}


def case_surcharge(facts: dict, today: date) -> Decimal:
    """加处罚款 the case shows today (行政处罚法 arts. 72, 73 ¶3): a pure function of its facts."""
    from .penalties import surcharge

    decision = facts.get("decision")
    payment = facts.get("clocks", {}).get("fine_payment")
    if not decision or not payment:
        return Decimal(0)
    paid_on = date.fromisoformat(facts["paid_on"]) if facts.get("paid_on") else None
    pauses = [(date.fromisoformat(a), date.fromisoformat(b) if b else None)
              for a, b in facts.get("surcharge_pauses", [])]
    return surcharge(Decimal(decision["fine"]), date.fromisoformat(payment["due"]), today, paid_on, pauses)
