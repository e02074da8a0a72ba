"""The case machine, table-driven: every transition of both tracks, every role rule, final states."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from state_machines import clocks as ck
from state_machines.case_machine import CaseSnapshot, Rules, allowed_events, check_request, decide, initial_facts
from state_machines.case_table import ORIGIN, ROWS, SAME, Who, origins
from state_machines.errors import Forbidden, GuardFailed, InvalidData, InvalidTransition
from state_machines.export import _states, as_json, as_mermaid
from state_machines.principals import Actor
from state_machines.vocabulary import FINAL_STATES, STATES, Role, Track

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in China
TODAY = date(2026, 3, 2)
RULES = Rules(districts=frozenset({"150600", "150602", "150603"}), ruling_districts=frozenset({"150600", "150603"}),
              agencies={"court-150600": "court", "police-150602": "police", "procuratorate-150602": "procuratorate"})
SUPERVISOR = Actor("sup", Role.supervisor, "150602")
OFFICER = Actor("off", Role.officer, "150602")

MINIMAL = {
    "transfer_jurisdiction": ({"to_district": "150603"}, None),
    "start_mediation": ({"parties_consent": True}, None),
    "mediation_succeeded": ({"agreement": "赔偿 1 万元"}, None),
    "mediation_failed": ({}, "拒绝调解"),
    "notify_penalty": ({"proposed_fine": 200000}, None),
    "decide": ({"fine": 1000, "waived": True}, None),
    "rule": ({"infringement_found": True, "order": "停止侵权"}, None),
    "refer_to_police": ({"grounds": "涉嫌假冒注册商标罪"}, None),
    "reject": ({}, "不属于本部门管辖"),
    "suspend": ({}, "专利无效宣告请求审查中"),
    "withdraw": ({}, "请求人撤回"),
    "dismiss": ({}, "违法事实不成立"),
    "close": ({"enforcement_applied": True, "publication_exempt": "依法不予公示"}, None),
    "add_note": ({"text": "note"}, None),
    "attach": ({"attachment_id": "a1", "sha256": "0" * 64, "name": "a.txt", "content_type": "text/plain",
                "size": 1}, None),
    "detach": ({"attachment_id": "a1", "sha256": "0" * 64}, "上传错误"),
    "record_service": ({"document": "decision"}, None),
    "record_amounts": ({"marks_count": 2}, None),
    "ask_city": ({"question": "是否构成商标侵权？"}, None),
}


def _running(start: date, due: date) -> dict:
    return ck.ClockState(started=start, due=due).to_json()


def facts_for(event: str, track: Track, state: str) -> dict:
    """Facts under which the event's guard passes from `state`."""
    facts: dict = {"clocks": {}}
    if event == "resume":
        facts["suspended_from"] = next(o for o in origins(next(r for r in ROWS if r.event == "resume"))
                                       if o in _states(track))
    if event == "transfer_declined":
        facts["transferring_from"] = "filed"
    if event == "request_hearing":
        facts.update(proposed_fine="200000.00", proposed_measures=[])
        facts["clocks"]["statement"] = _running(TODAY, date(2026, 3, 9))
    if event == "request_reconsideration":
        facts["clocks"]["reconsideration_request"] = _running(TODAY, date(2026, 3, 5))
    if event == "request_confirmation":
        facts["clocks"]["confirmation_application"] = _running(TODAY, date(2026, 4, 1))
    return facts


def snapshot(track: Track, state: str, facts: dict | None = None) -> CaseSnapshot:
    kind = "patent_dispute" if track is Track.ruling else "trademark_infringement"
    return CaseSnapshot(track=track, kind=kind, state=state, district="150602", received_at=NOW,
                        facts=facts if facts is not None else {"clocks": {}})


SKIP_GENERIC = {"pause_clock", "resume_clock", "extend_deadline", "record_payment", "record_publication",
                "record_defence"}
CASES = [
    (track, row, source)
    for track in Track
    for row in ROWS
    if row.track in (None, track) and row.event not in SKIP_GENERIC
    for source in row.sources
    if source in _states(track)
]


@pytest.mark.parametrize(("track", "row", "source"), CASES,
                         ids=[f"{t}-{r.event}-from-{s}" for t, r, s in CASES])
def test_every_transition_reaches_its_destination(track: Track, row, source: str) -> None:
    facts = facts_for(row.event, track, source)
    data, reason = MINIMAL.get(row.event, ({}, None))
    step = decide(snapshot(track, source, facts), SUPERVISOR, row.event, dict(data), reason, RULES, NOW)
    if row.dest == SAME:
        assert step.to_state == source
    elif row.dest == ORIGIN:
        assert step.to_state == facts.get("suspended_from", facts.get("transferring_from"))
    else:
        assert step.to_state == row.dest


@pytest.mark.parametrize("track", list(Track))
def test_events_from_states_not_in_the_table_are_invalid_transitions(track: Track) -> None:
    for row in ROWS:
        if row.track not in (None, track):
            continue
        for state in _states(track):
            if state in row.sources:
                continue
            data, reason = MINIMAL.get(row.event, ({}, None))
            with pytest.raises(InvalidTransition):
                decide(snapshot(track, state), SUPERVISOR, row.event, dict(data), reason, RULES, NOW)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_final_states_accept_nothing(state: str) -> None:
    for track in Track:
        assert allowed_events(snapshot(track, state), SUPERVISOR, RULES, NOW) == []
        for row in ROWS:
            with pytest.raises(InvalidTransition) as refused:
                decide(snapshot(track, state), SUPERVISOR, row.event, {}, None, RULES, NOW)
            assert refused.value.extra["allowed_events"] == []


@pytest.mark.parametrize(("event", "track"), [
    ("start_mediation", Track.penalty), ("rule", Track.penalty), ("withdraw", Track.penalty),
    ("notify_penalty", Track.ruling), ("decide", Track.ruling), ("request_hearing", Track.ruling),
    ("record_payment", Track.ruling), ("record_defence", Track.penalty),
])
def test_track_only_events_are_refused_in_the_other_track(event: str, track: Track) -> None:
    state = {"record_payment": "ruled", "decide": "filed", "request_hearing": "filed"}.get(event, "filed")
    with pytest.raises(InvalidTransition):
        decide(snapshot(track, state), SUPERVISOR, event, dict(MINIMAL.get(event, ({}, None))[0]), "r", RULES, NOW)


def test_role_rules() -> None:
    for row in ROWS:
        data = MINIMAL.get(row.event, ({}, None))[0]
        for role in (Role.city, Role.auditor, Role.partner, Role.admin):
            with pytest.raises(Forbidden):
                check_request(Actor("x", role), row.event, data, None)
        if row.who is Who.officer:
            check_request(OFFICER, row.event, data, None)
            check_request(SUPERVISOR, row.event, data, None)
        elif row.who is Who.supervisor:
            check_request(SUPERVISOR, row.event, data, None)
            with pytest.raises(Forbidden):
                check_request(OFFICER, row.event, data, None)
        else:  # answers and transfers never come through the case API
            for actor in (OFFICER, SUPERVISOR):
                with pytest.raises(Forbidden):
                    check_request(actor, row.event, data, None)


def test_shared_case_allows_only_notes() -> None:
    check_request(OFFICER, "add_note", {"text": "协查结果"}, None, shared_only=True)
    with pytest.raises(Forbidden):
        check_request(SUPERVISOR, "accept", {}, None, shared_only=True)


def test_unknown_event_and_unknown_field_are_validation_errors_before_role() -> None:
    with pytest.raises(InvalidData):
        check_request(Actor("c", Role.city), "fly", {}, None)
    with pytest.raises(InvalidData):
        check_request(Actor("c", Role.city), "accept", {"extra": 1}, None)


@pytest.mark.parametrize(("event", "data", "reason"), [
    ("reject", {}, None),
    ("notify_penalty", {}, None),
    ("notify_penalty", {"proposed_fine": -1}, None),
    ("notify_penalty", {"proposed_fine": "1.234"}, None),
    ("notify_penalty", {"proposed_fine": True}, None),
    ("rule", {"infringement_found": True}, None),
    ("transfer_jurisdiction", {"to_district": "150602"}, None),
    ("transfer_jurisdiction", {"to_district": "999999"}, None),
    ("refer_to_police", {"grounds": "x", "agency": "court-150600"}, None),
    ("add_note", {"text": ""}, None),
    ("add_note", {"text": "x" * 10_001}, None),
])
def test_bad_data_is_a_validation_error(event: str, data: dict, reason: str | None) -> None:
    state = "received" if event in ("reject", "transfer_jurisdiction") else "filed"
    track = Track.ruling if event == "rule" else Track.penalty
    with pytest.raises(InvalidData):
        decide(snapshot(track, state), SUPERVISOR, event, data, reason, RULES, NOW)


def test_suspend_and_resume_return_to_the_state_suspended_from() -> None:
    for origin in ("filed", "penalty_notice", "hearing"):
        case = snapshot(Track.penalty, origin)
        step = decide(case, SUPERVISOR, "suspend", {}, "待鉴定", RULES, NOW)
        assert step.to_state == "suspended" and step.facts["suspended_from"] == origin
        case.state, case.facts = step.to_state, step.facts
        back = decide(case, SUPERVISOR, "resume", {}, None, RULES, NOW)
        assert back.to_state == origin and "suspended_from" not in back.facts


def _penalty_notice_case(fine: str, respondent_type: str = "organisation", served: date = TODAY) -> CaseSnapshot:
    case = snapshot(Track.penalty, "filed", initial_facts(snapshot(Track.penalty, "received"), RULES))
    case.respondent_type = respondent_type
    served_at = datetime(served.year, served.month, served.day, 2, tzinfo=UTC).isoformat()
    step = decide(case, SUPERVISOR, "notify_penalty", {"proposed_fine": fine, "served_at": served_at}, None,
                  RULES, NOW)
    case.state, case.facts = step.to_state, step.facts
    return case


def test_hearing_right_depends_on_the_fine_and_the_respondent() -> None:
    small = _penalty_notice_case("50000")
    assert "request_hearing" not in allowed_events(small, OFFICER, RULES, NOW)
    with pytest.raises(GuardFailed):
        decide(small, OFFICER, "request_hearing", {}, None, RULES, NOW)
    person = _penalty_notice_case("50000", respondent_type="individual")
    assert "request_hearing" in allowed_events(person, OFFICER, RULES, NOW)
    assert decide(person, OFFICER, "request_hearing", {}, None, RULES, NOW).to_state == "hearing"


def test_decide_waits_for_the_statement_period_unless_waived() -> None:
    case = _penalty_notice_case("50000")
    assert case.facts["clocks"]["statement"]["due"] == "2026-03-09"  # 5 working days after Mon 2 March
    with pytest.raises(GuardFailed):
        decide(case, SUPERVISOR, "decide", {"fine": 50000}, None, RULES, NOW)
    waived = decide(case, SUPERVISOR, "decide", {"fine": 50000, "waived": True}, None, RULES, NOW)
    assert waived.facts["clocks"]["statement"]["status"] == "met"
    later = datetime(2026, 3, 10, 2, tzinfo=UTC)
    step = decide(case, SUPERVISOR, "decide", {"fine": 50000}, None, RULES, later)
    assert step.to_state == "decided" and step.facts["clocks"]["statement"]["status"] == "lapsed"


def test_hearing_may_be_requested_only_within_the_statement_period() -> None:
    case = _penalty_notice_case("200000")
    after = datetime(2026, 3, 10, 2, tzinfo=UTC)
    assert "request_hearing" not in allowed_events(case, OFFICER, RULES, after)
    with pytest.raises(GuardFailed):
        decide(case, OFFICER, "request_hearing", {}, None, RULES, after)


def test_close_of_a_decision_needs_payment_and_publication() -> None:
    case = _penalty_notice_case("50000")
    step = decide(case, SUPERVISOR, "decide", {"fine": 50000, "waived": True}, None, RULES, NOW)
    case.state, case.facts, case.amounts = step.to_state, step.facts, step.amounts
    with pytest.raises(GuardFailed, match="unpaid"):
        decide(case, SUPERVISOR, "close", {}, None, RULES, NOW)
    with pytest.raises(GuardFailed, match="published"):
        decide(case, SUPERVISOR, "close", {"enforcement_applied": True}, None, RULES, NOW)
    for event in ("record_payment", "record_publication"):
        step = decide(case, OFFICER, event, {}, None, RULES, NOW)
        case.facts = step.facts
    closed = decide(case, SUPERVISOR, "close", {}, None, RULES, NOW)
    assert closed.outcome == "penalty"
    assert all(c["status"] != "running" for c in closed.facts["clocks"].values())


def test_a_zero_fine_closes_as_no_penalty_without_payment() -> None:
    case = _penalty_notice_case("0")
    step = decide(case, SUPERVISOR, "decide", {"fine": 0, "waived": True}, None, RULES, NOW)
    assert "fine_payment" not in step.facts["clocks"]
    case.state, case.facts, case.amounts = step.to_state, step.facts, step.amounts
    closed = decide(case, SUPERVISOR, "close", {"publication_exempt": "不予处罚决定"}, None, RULES, NOW)
    assert closed.outcome == "no_penalty"


def test_extensions_go_in_order_each_once() -> None:
    case = snapshot(Track.penalty, "received", initial_facts(snapshot(Track.penalty, "received"), RULES))
    step = decide(case, SUPERVISOR, "accept", {}, None, RULES, NOW)
    case.state, case.facts = step.to_state, step.facts
    assert case.facts["clocks"]["case_closing"]["due"] == "2026-06-01"  # 90 days → Sun 31 May rolls to Mon
    with pytest.raises(InvalidData):  # the first step takes no `until`
        decide(case, SUPERVISOR, "extend_deadline", {"deadline": "case_closing", "until": "2026-09-01"}, "r",
               RULES, NOW)
    with pytest.raises(InvalidData):  # reason is required
        decide(case, SUPERVISOR, "extend_deadline", {"deadline": "case_closing"}, None, RULES, NOW)
    first = decide(case, SUPERVISOR, "extend_deadline", {"deadline": "case_closing"}, "案情复杂", RULES, NOW)
    case.facts = first.facts
    assert case.facts["clocks"]["case_closing"]["due"] == "2026-07-01"
    with pytest.raises(InvalidData):  # the second step needs collective_decision and until
        decide(case, SUPERVISOR, "extend_deadline", {"deadline": "case_closing"}, "r", RULES, NOW)
    with pytest.raises(InvalidData):  # until must be later than the current due date
        decide(case, SUPERVISOR, "extend_deadline",
               {"deadline": "case_closing", "collective_decision": True, "until": "2026-07-01"}, "r", RULES, NOW)
    second = decide(case, SUPERVISOR, "extend_deadline",
                    {"deadline": "case_closing", "collective_decision": True, "until": "2026-08-15"}, "集体讨论",
                    RULES, NOW)
    case.facts = second.facts
    assert case.facts["clocks"]["case_closing"]["due"] == "2026-08-15"
    with pytest.raises(GuardFailed):
        decide(case, SUPERVISOR, "extend_deadline", {"deadline": "case_closing"}, "r", RULES, NOW)
    with pytest.raises(GuardFailed):  # a clock with no extension step
        decide(case, SUPERVISOR, "extend_deadline", {"deadline": "statement"}, "r", RULES, NOW)


def test_pause_clock_allows_only_the_causes_of_the_clock() -> None:
    case = snapshot(Track.penalty, "received", initial_facts(snapshot(Track.penalty, "received"), RULES))
    with pytest.raises(GuardFailed):
        decide(case, SUPERVISOR, "pause_clock", {"deadline": "filing_decision", "cause": "settlement"}, None,
               RULES, NOW)
    with pytest.raises(InvalidData):
        decide(case, SUPERVISOR, "pause_clock", {"deadline": "filing_decision", "cause": "lunch"}, None, RULES, NOW)
    paused = decide(case, SUPERVISOR, "pause_clock", {"deadline": "filing_decision", "cause": "testing"}, None,
                    RULES, NOW)
    assert paused.facts["clocks"]["filing_decision"]["status"] == "paused"
    case.facts = paused.facts
    later = datetime(2026, 3, 16, 2, tzinfo=UTC)  # two weeks = 10 working days later
    resumed = decide(case, SUPERVISOR, "resume_clock", {"deadline": "filing_decision"}, None, RULES, later)
    clock = resumed.facts["clocks"]["filing_decision"]
    assert clock["status"] == "running"
    assert clock["due"] == "2026-04-07"  # 2026-03-23 plus the 10 working days paused (Qingming 4–6 April)


def test_suspension_pauses_the_case_closing_clock_by_the_days_suspended() -> None:
    case = snapshot(Track.penalty, "received", initial_facts(snapshot(Track.penalty, "received"), RULES))
    step = decide(case, SUPERVISOR, "accept", {}, None, RULES, NOW)
    case.state, case.facts = step.to_state, step.facts
    suspended = decide(case, SUPERVISOR, "suspend", {}, "鉴定", RULES, NOW)
    case.state, case.facts = suspended.to_state, suspended.facts
    assert case.facts["clocks"]["case_closing"]["status"] == "paused"
    ten_days_later = datetime(2026, 3, 12, 2, tzinfo=UTC)
    resumed = decide(case, SUPERVISOR, "resume", {}, None, RULES, ten_days_later)
    assert resumed.to_state == "filed"
    assert resumed.facts["clocks"]["case_closing"]["due"] == "2026-06-11"  # 1 June + 10 days


def test_allowed_events_are_per_role() -> None:
    case = snapshot(Track.penalty, "received")
    assert "accept" in allowed_events(case, SUPERVISOR, RULES, NOW)
    assert "accept" not in allowed_events(case, OFFICER, RULES, NOW)
    assert allowed_events(case, Actor("c", Role.city), RULES, NOW) == []


def test_outcomes_of_the_final_events() -> None:
    dismissed = decide(snapshot(Track.penalty, "filed"), SUPERVISOR, "dismiss", {}, "不成立", RULES, NOW)
    assert dismissed.outcome == "dismissed"
    assert decide(snapshot(Track.penalty, "received"), SUPERVISOR, "reject", {}, "x", RULES, NOW).outcome == "rejected"
    assert decide(snapshot(Track.ruling, "filed"), OFFICER, "withdraw", {}, "x", RULES, NOW).outcome == "withdrawn"
    assert decide(snapshot(Track.penalty, "with_police"), SUPERVISOR, "police_concluded", {}, None, RULES,
                  NOW).outcome == "criminal"
    assert decide(snapshot(Track.penalty, "in_litigation"), SUPERVISOR, "court_upheld", {}, None, RULES,
                  NOW).outcome == "litigation_upheld"
    assert decide(snapshot(Track.ruling, "awaiting_confirmation"), SUPERVISOR, "court_confirmed", {}, None, RULES,
                  NOW).outcome == "confirmed"


def test_referral_opens_handoffs() -> None:
    step = decide(snapshot(Track.penalty, "filed"), SUPERVISOR, "refer_to_police", {"grounds": "g"}, None, RULES, NOW)
    assert [o.kind for o in step.openings] == ["criminal_referral", "procuratorate_copy", "major_case"]


def test_exports_cover_every_state_of_each_track() -> None:
    penalty = as_json(Track.penalty)
    names = {s["name"] for s in penalty["states"]}
    assert {"penalty_notice", "hearing", "decided"} <= names and "mediating" not in names
    assert {s["label"] for s in penalty["states"] if s["name"] == "closed"} == {"结案"}
    mermaid = as_mermaid(Track.ruling, current="mediating")
    assert mermaid.startswith("stateDiagram-v2") and "suspended --> mediating: resume" in mermaid
    assert "class mediating current" in mermaid
    assert set(STATES) == set(_states(Track.penalty)) | set(_states(Track.ruling))
