"""Guards of machine version 2 (SPEC §10.3–§10.5), in the three kinds of `guards` (version 1):
`check_data` (422, in `data_guards_v2`), `static_failure` (fails for any data: left out of
`allowed_events`), and `check` (409 `guard_failed`). Every guard reads the case's facts, never its history: the
procedure keeps what its guards need there (see `procedure_v2`).

The five `decide` guards are `DECIDE_GUARDS`, checked in that order after the limitation
(行政处罚法 art. 36): a request failing two gets the first one's refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from . import clocks as ck
from . import guards as v1
from .clocks_v2 import CLOCKS_V2
from .errors import GuardFailed
from .penalties import Sanction, carries_hearing_right, is_penalty, not_heavier, within_limitation
from .procedure_v2 import (
    after,
    came_by_transfer,
    current_notice,
    current_review,
    discovered_on,
    hearing_concluded_at,
    valid_discussion,
)
from .types import CHINA_TZ
from .vocabulary import Track

if TYPE_CHECKING:
    from .case_machine import CaseSnapshot, Rules

ONE_DAY = timedelta(days=1)


def clock_state(case: CaseSnapshot, name: str) -> ck.ClockState | None:
    """The case's named clock as its facts keep it; none if the case has no such clock."""
    raw = case.facts.get("clocks", {}).get(name)
    return ck.ClockState.from_json(raw) if raw else None


def _active(case: CaseSnapshot, name: str) -> bool:
    state = clock_state(case, name)
    return state is not None and state.active


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _served_day(value: str) -> date:
    return datetime.fromisoformat(value).astimezone(CHINA_TZ).date()


# ---- limitation (art. 36) -------------------------------------------------------------------

def beyond_limitation(case: CaseSnapshot, rules: Rules) -> bool:
    facts = case.facts
    return not within_limitation(_day(facts.get("violation_ended_on")), discovered_on(case),
                                 bool(facts.get("public_safety")),
                                 lambda start, n: rules.calendar.add_months(start, n, roll=False))


LIMITATION = "beyond the limitation period (行政处罚法 art. 36): the way out is reject, or dismiss once filed"


# ---- the five decide guards (§10.3) ---------------------------------------------------------

def decision_of(data: dict) -> Sanction:
    return Sanction.of(data.get("fine"), data.get("confiscation"), data.get("measures"))


def guard_review_state(case: CaseSnapshot, decision: Sanction, data: dict, rules: Rules, today: date) -> str | None:
    """1. From `reviewed`: a decision that is no penalty, or one after a hearing (art. 44, 62)."""
    if case.state != "reviewed" or not is_penalty(decision):
        return None
    review = current_review(case.facts)
    if review is not None and review.get("after_hearing"):
        return None
    return "a penalty needs a penalty notice first (行政处罚法 arts. 44, 62): notify_penalty"


def guard_notice(case: CaseSnapshot, decision: Sanction, data: dict, rules: Rules, today: date) -> str | None:
    """2. A penalty needs a notice served before it and is not heavier than the last one (art. 44, 45 ¶2)."""
    if not is_penalty(decision):
        return None
    notice = current_notice(case.facts)
    if notice is None:
        return "a penalty needs a penalty notice served before it (行政处罚法 arts. 44, 62)"
    if not not_heavier(decision, Sanction.from_json(notice)):
        return ("the decision is heavier than the penalty notice (行政处罚法 art. 45 ¶2): reopen the "
                "investigation, review and notify again")
    return None


def guard_statement(case: CaseSnapshot, decision: Sanction, data: dict, rules: Rules, today: date) -> str | None:
    """3. From `penalty_notice`: the statement period ended or the party waived it (art. 62, 64)."""
    if case.state != "penalty_notice" or data.get("waived") or case.facts.get("statement_ended"):
        return None
    statement = clock_state(case, "statement")
    if statement is not None and statement.active and today <= statement.due:
        return "the statement period has not ended and was not waived (行政处罚法 arts. 62, 64)"
    return None


def guard_review(case: CaseSnapshot, decision: Sanction, data: dict, rules: Rules, today: date) -> str | None:
    """4. The latest passed review covers the decision; after a hearing, one passed after it (art. 58)."""
    review = current_review(case.facts)
    if review is None:
        return "no passed legal review covers this decision (行政处罚法 art. 58)"
    heard = hearing_concluded_at(case.facts)
    if heard is not None and not after(review, heard):
        return "after a hearing the decision needs a review passed after it (行政处罚法 art. 58)"
    if not not_heavier(decision, Sanction.from_json(review["proposal"])):
        return "the decision is heavier than the passed review's proposal (行政处罚法 art. 58)"
    return None


def guard_collective(case: CaseSnapshot, decision: Sanction, data: dict, rules: Rules, today: date) -> str | None:
    """5. 负责人集体讨论 when the review asks for it, after a hearing, or over the threshold (art. 57 ¶2)."""
    review = current_review(case.facts) or {}
    threshold = rules.collective_threshold
    needed = (
        review.get("collective_required")
        or (rules.collective_after_hearing and hearing_concluded_at(case.facts) is not None)
        or (threshold is not None and max(decision.fine, decision.confiscation) >= threshold)
    )
    if not needed:
        return None
    discussion = valid_discussion(case.facts)
    if discussion is None or not after(discussion, review):
        return "this decision needs a collective discussion after the review (行政处罚法 art. 57 ¶2)"
    conclusion = discussion["conclusion"]
    if conclusion["outcome"] in ("refer_to_police", "dismiss"):
        return f"the collective discussion concluded {conclusion['outcome']} (行政处罚法 art. 57 ¶2)"
    if not not_heavier(decision, Sanction.from_json(conclusion)):
        return "the decision is heavier than the collective discussion's conclusion (行政处罚法 art. 57 ¶2)"
    return None


DecideGuard = Callable[["CaseSnapshot", Sanction, dict, "Rules", date], "str | None"]
DECIDE_GUARDS: tuple[DecideGuard, ...] = (guard_review_state, guard_notice, guard_statement, guard_review,
                                          guard_collective)


def decide_refusal(case: CaseSnapshot, data: dict, rules: Rules, today: date) -> str | None:
    decision = decision_of(data)
    if is_penalty(decision) and case.track is Track.penalty and beyond_limitation(case, rules):
        return LIMITATION
    for guard in DECIDE_GUARDS:
        reason = guard(case, decision, data, rules, today)
        if reason:
            return reason
    return None


# ---- static failures: the event leaves allowed_events -----------------------------------------

def hearing_right(case: CaseSnapshot, rules: Rules) -> bool:
    notice = current_notice(case.facts)
    return notice is not None and carries_hearing_right(
        Sanction.from_json(notice), case.respondent_type, rules.hearing_threshold_individual,
        rules.hearing_threshold_organisation)


def enforcement_window(case: CaseSnapshot, rules: Rules) -> tuple[date, date | None] | None:
    """(first day, last day or None) on which `apply_enforcement` may be filed (§10.3, §10.9).

    A ruling: the day after its 15-day suit period ends. A decision: after the review and suit
    periods ran out (`enforcement_periods_end`) and after the 10 days of a served demand
    (行政强制法 arts. 53, 54), until 3 months after those periods ran out.
    """
    cal, facts = rules.calendar, case.facts
    if case.state == "ruled":
        ruled = _day(facts.get("ruled_on"))
        return None if ruled is None else (cal.add_days(ruled, 15) + ONE_DAY, None)
    run_out, demanded = _day(facts.get("enforcement_periods_end")), _day(facts.get("demand_served_on"))
    if run_out is None or demanded is None:
        return None
    return max(run_out, cal.add_days(demanded, 10)) + ONE_DAY, cal.add_months(run_out, 3)


def static_failure(case: CaseSnapshot, event: str, rules: Rules, today: date) -> str | None:
    facts = case.facts
    if event in ("request_reconsideration", "request_confirmation"):
        return v1.static_failure(case, event, rules, today)
    if event == "accept" and case.track is Track.penalty and beyond_limitation(case, rules):
        return LIMITATION
    if event == "transfer_jurisdiction" and (came_by_transfer(case) or facts.get("designated")):
        return ("a case that came from a transfer or was designated may not be transferred on "
                "(行政处罚法 art. 25): request_designation")
    if event == "request_designation" and not came_by_transfer(case):
        return "only a case that came from a transfer may ask the city to designate (§10.9)"
    if event == "request_hearing":
        if not hearing_right(case, rules):
            return "the proposed penalty carries no hearing right (市场监督管理行政处罚听证办法 art. 5)"
        if not _active(case, "statement"):
            return "the statement period has ended"
    if event == "notify_penalty":
        review = current_review(facts)
        if review is None or not is_penalty(Sanction.from_json(review["proposal"])):
            return "the passed review proposes no penalty: decide directly (a no_penalty needs no notice)"
    if event == "conclude_hearing":
        held_on = _day((facts.get("hearing") or {}).get("held_on"))
        if held_on is None:
            return "no hearing was scheduled: schedule_hearing first"
        if held_on > today:
            return f"the hearing is scheduled for {held_on}"
    if event == "apply_enforcement":
        window = enforcement_window(case, rules)
        if facts.get("enforcement_applied"):
            return "enforcement was already applied for"
        if window is None:
            return "enforcement needs a payment demand served first (行政强制法 arts. 53, 54)"
        first, last = window
        if today < first or (last is not None and today > last):
            return (f"enforcement may be applied for from {first}" + (f" to {last}" if last else "")
                    + " (行政强制法 art. 53)")
    if event == "appeal" and case.state == "decided" and facts.get("review_answered_on"):
        answered = _day(facts["review_answered_on"])
        if today > rules.calendar.add_days(answered, 15):
            return "a suit after an administrative review is due within 15 days (行政诉讼法 art. 45)"
    if event == "demand_payment" and not _active(case, "fine_payment"):
        return "no fine is outstanding"
    if event == "file_review_reply" and not _active(case, "administrative_review_reply"):
        return "the reply to the administrative review was already filed"
    if event == "file_defence" and not _active(case, "litigation_defence"):
        return "the defence was already filed"
    if event == "close" and case.state == "decided":
        payment = clock_state(case, "fine_payment")
        if payment is not None and payment.status is not ck.ClockStatus.met and not facts.get("enforcement_applied"):
            return "the fine is unpaid: record the payment or apply_enforcement"
    if event in ("extend_deadline", "pause_clock", "resume_clock"):
        return _clock_static_failure(case, event)
    return None


def _clock_static_failure(case: CaseSnapshot, event: str) -> str | None:
    clocks = {n: ck.ClockState.from_json(raw) for n, raw in case.facts.get("clocks", {}).items()}
    if event == "extend_deadline":
        if not any(s.active and s.steps_used < len(CLOCKS_V2[n].extension_steps) for n, s in clocks.items()):
            return "no running clock of this case has an extension step left"
    elif event == "pause_clock":
        if not any(s.active and CLOCKS_V2[n].pause_causes for n, s in clocks.items()):
            return "no running clock of this case may be paused"
    elif not any(p != "state" for s in clocks.values() for p in s.pauses):
        return "no clock of this case is paused for a cause"
    return None


# ---- 409 guard_failed -----------------------------------------------------------------------

def check(case: CaseSnapshot, event: str, data: dict, rules: Rules, today: date) -> None:
    reason = static_failure(case, event, rules, today)
    if reason:
        raise GuardFailed(reason)
    if event == "decide":
        reason = decide_refusal(case, data, rules, today)
    elif event == "notify_penalty":
        review = current_review(case.facts)
        notice = Sanction.of(data["proposed_fine"], data.get("proposed_confiscation"), data.get("proposed_measures"))
        if not not_heavier(notice, Sanction.from_json(review["proposal"])):  # type: ignore[index]
            reason = "the notice is heavier than the passed review's proposal (行政处罚法 art. 58)"
    elif event == "request_hearing" and "requested_at" in data:
        statement = clock_state(case, "statement")
        if statement is not None and _served_day(data["requested_at"]) > statement.due:
            reason = "the hearing was requested after the statement period (行政处罚法 art. 64)"
    elif event == "schedule_hearing":
        served = _served_day(data["served_at"]) if "served_at" in data else today  # default: served now
        earliest = rules.calendar.add_workdays(served, 7)
        if date.fromisoformat(data["held_on"]) < earliest:
            reason = f"the hearing notice must be served 7 working days before: held_on ≥ {earliest}"
    elif event == "close" and case.state == "decided":
        publication = clock_state(case, "publication")
        if publication is not None and publication.status is not ck.ClockStatus.met \
                and not data.get("publication_exempt"):
            reason = "the decision is not published: record_publication or give publication_exempt"
    elif event in ("extend_deadline", "pause_clock", "resume_clock"):
        reason = _clock_guard(case, event, data)
    if reason:
        raise GuardFailed(reason)


def _clock_guard(case: CaseSnapshot, event: str, data: dict) -> str | None:
    name = data["deadline"]
    spec, state = CLOCKS_V2[name], clock_state(case, name)
    if state is None or not state.active:
        return f"the {name} clock is not running on this case"
    if event == "extend_deadline" and state.steps_used >= len(spec.extension_steps):
        return f"the {name} clock has no extension step left" if spec.extension_steps \
            else f"the {name} clock cannot be extended"
    if event == "pause_clock":
        if data["cause"] not in spec.pause_causes:
            return f"the {name} clock does not pause for {data['cause']}"
        if data["cause"] in state.pauses:
            return f"the {name} clock is already paused for {data['cause']}"
    if event == "resume_clock":
        causes = [p for p in state.pauses if p != "state"]
        if not causes or ("cause" in data and data["cause"] not in causes):
            return f"the {name} clock is not paused for that cause"
    return None

