"""Guards of SPEC §3: named rules on time, history and the proposed penalty.

Three kinds, checked at different steps of the refusal order:
- `check_data`: the event's fields read against the case (422 `validation_error`);
- `static_failure`: fails whatever data is given, so the event leaves `allowed_events`;
- `check`: everything that fails with 409 `guard_failed`, static or data-dependent.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from . import clocks as ck
from .calendar import WorkCalendar
from .errors import GuardFailed, InvalidData
from .event_data import EventData
from .vocabulary import Track

if TYPE_CHECKING:
    from .case_machine import CaseSnapshot, Rules


def _clock(case: CaseSnapshot, name: str) -> ck.ClockState | None:
    raw = case.facts.get("clocks", {}).get(name)
    return ck.ClockState.from_json(raw) if raw else None


def _within(case: CaseSnapshot, name: str, today: date) -> bool:
    state = _clock(case, name)
    return state is not None and state.active and today <= state.due


def has_hearing_right(case: CaseSnapshot, rules: Rules) -> bool:
    """行政处罚法 art. 63: a large fine (by respondent type) or revocation/closure."""
    measures = set(case.facts.get("proposed_measures", []))
    if measures & {"revocation", "closure"}:
        return True
    fine = Decimal(case.facts.get("proposed_fine", "0"))
    threshold = (
        rules.hearing_threshold_individual
        if case.respondent_type == "individual"
        else rules.hearing_threshold_organisation
    )
    return fine >= threshold


def _extendable(case: CaseSnapshot) -> list[str]:
    return [
        name for name, raw in case.facts.get("clocks", {}).items()
        if (s := ck.ClockState.from_json(raw)).active and s.steps_used < len(ck.CLOCKS[name].extension_steps)
    ]


def static_failure(case: CaseSnapshot, event: str, rules: Rules, today: date) -> str | None:
    """Why `event` cannot pass its guard with any data, or None."""
    if event == "request_hearing":
        if not has_hearing_right(case, rules):
            return "the proposed penalty carries no hearing right (行政处罚法 art. 63)"
        if not _within(case, "statement", today):
            return "the statement period has ended"
    elif event == "request_reconsideration":
        if not _within(case, "reconsideration_request", today):
            return "reconsideration may be requested only within 3 days of a police refusal"
    elif event == "request_confirmation":
        if not _within(case, "confirmation_application", today):
            return "judicial confirmation must be applied for within 30 days of the agreement taking effect"
    elif event == "extend_deadline":
        if not _extendable(case):
            return "no running clock of this case has an extension step left"
    elif event == "pause_clock":
        clocks = case.facts.get("clocks", {})
        if not any(ck.ClockState.from_json(raw).active and ck.CLOCKS[n].pause_causes for n, raw in clocks.items()):
            return "no running clock of this case may be paused"
    elif event == "resume_clock":
        clocks = case.facts.get("clocks", {})
        if not any(p != "state" for raw in clocks.values() for p in raw.get("pauses", [])):
            return "no clock of this case is paused for a cause"
    return None


def check_data(case: CaseSnapshot, event: str, data: EventData, rules: Rules) -> None:
    """Fields that are well-formed but wrong for this case (422)."""
    fields = data.model_dump(exclude_none=True)
    if event == "transfer_jurisdiction":
        target = fields["to_district"]
        if target not in rules.districts:
            raise InvalidData(f"unknown district {target}", fields=["to_district"])
        if target == case.district:
            raise InvalidData("a case cannot be transferred to its own district", fields=["to_district"])
        if case.track is Track.ruling and target not in rules.ruling_districts:
            raise InvalidData(f"district {target} does not hold patent rulings", fields=["to_district"])
    for name, kinds in (("court", {"court"}), ("agency", {"police", "procuratorate"})):
        code = fields.get(name)
        if code is not None and rules.agencies.get(code) not in kinds:
            raise InvalidData(f"{code} is not a known {'/'.join(sorted(kinds))} agency", fields=[name])
    if event == "refer_to_police" and "agency" in fields and rules.agencies[fields["agency"]] != "police":
        raise InvalidData("a criminal referral goes to a police agency", fields=["agency"])
    if event == "record_service" and fields["document"] == "request_copy" and case.track is not Track.ruling:
        raise InvalidData("request_copy is served only in the ruling track", fields=["document"])
    if event == "extend_deadline":
        _check_extension_fields(case, fields)


def _check_extension_fields(case: CaseSnapshot, fields: dict) -> None:
    name = fields["deadline"]
    spec, state = ck.CLOCKS[name], _clock(case, name)
    if state is None or not state.active or state.steps_used >= len(spec.extension_steps):
        return  # nothing to validate against: the guard refuses it (409)
    step = spec.extension_steps[state.steps_used]
    given = {f for f in ck.EXTENSION_FIELDS if f in fields}
    extra = sorted(given - set(step.needs))
    if extra:
        raise InvalidData(f"{', '.join(extra)} not taken by the next extension step of {name}", fields=extra)
    missing = sorted(set(step.needs) - given)
    if missing:
        raise InvalidData(f"the next extension step of {name} needs {', '.join(missing)}", fields=missing)
    if "collective_decision" in step.needs and fields["collective_decision"] is not True:
        raise InvalidData("collective_decision must be true", fields=["collective_decision"])
    if "until" in fields:
        until = fields["until"]
        if until <= state.due:
            raise InvalidData(f"until must be later than the current due date {state.due}", fields=["until"])
        if step.cap is not None:
            limit = step.cap.add(WorkCalendar(), state.due, roll=False)
            if until > limit:
                raise InvalidData(f"until may not be later than {limit}", fields=["until"])


def check(case: CaseSnapshot, event: str, data: dict, rules: Rules, today: date) -> None:
    """Raise GuardFailed when the event may not happen now with this data."""
    reason = static_failure(case, event, rules, today)
    if reason:
        raise GuardFailed(reason)
    if event == "decide" and case.state == "penalty_notice" and not data.get("waived"):
        if _within(case, "statement", today):
            raise GuardFailed("the statement period has not ended and was not waived")
    elif event == "close" and case.state == "decided":
        payment = _clock(case, "fine_payment")
        if payment is not None and payment.status is not ck.ClockStatus.met and not data.get("enforcement_applied"):
            raise GuardFailed("the fine is unpaid: record the payment or give enforcement_applied")
        publication = _clock(case, "publication")
        if (publication is None or publication.status is not ck.ClockStatus.met) and not data.get(
            "publication_exempt"
        ):
            raise GuardFailed("the decision is not published: record_publication or give publication_exempt")
    elif event in ("extend_deadline", "pause_clock", "resume_clock"):
        _check_clock_guard(case, event, data)


def _check_clock_guard(case: CaseSnapshot, event: str, data: dict) -> None:
    name = data["deadline"]
    spec, state = ck.CLOCKS[name], _clock(case, name)
    if state is None or not state.active:
        raise GuardFailed(f"the {name} clock is not running on this case")
    if event == "extend_deadline" and state.steps_used >= len(spec.extension_steps):
        raise GuardFailed(
            f"the {name} clock has no extension step left" if spec.extension_steps
            else f"the {name} clock cannot be extended"
        )
    if event == "pause_clock":
        if data["cause"] not in spec.pause_causes:
            raise GuardFailed(f"the {name} clock does not pause for {data['cause']}")
        if data["cause"] in state.pauses:
            raise GuardFailed(f"the {name} clock is already paused for {data['cause']}")
    if event == "resume_clock":
        causes = [p for p in state.pauses if p != "state"]
        if not causes or ("cause" in data and data["cause"] not in causes):
            raise GuardFailed(f"the {name} clock is not paused for that cause")


def extend(cal: WorkCalendar, state: ck.ClockState, spec: ck.ClockSpec, data: dict) -> None:
    """Apply the next extension step: a period from the current due date (rolled), or `until`."""
    step = spec.extension_steps[state.steps_used]
    state.due = date.fromisoformat(data["until"]) if step.period is None else step.period.add(cal, state.due)
    state.steps_used += 1
