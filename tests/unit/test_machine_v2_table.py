"""Machine version 2, table-driven: every row from every source reaches its destination, events
outside the table are invalid transitions, the role rules, and each refusal of §10.3–§10.5."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from state_machines.case_machine import allowed_events, check_request, decide
from state_machines.case_table import ORIGIN, ROWS, SAME, Who, events_from, next_state
from state_machines.case_table_v2 import ORIGINS_V2, ROWS_V2, diff_tables
from state_machines.errors import Forbidden, GuardFailed, InvalidData, InvalidTransition
from state_machines.event_data_v2 import EVENT_DATA_V2
from state_machines.export import _states, as_json, as_mermaid, check_version
from state_machines.principals import Actor
from state_machines.vocabulary import FINAL_STATES, Role, Track
from tests.unit.machine_v2_support import (
    NOW,
    OFFICER,
    PANEL,
    REVIEWER,
    RULES,
    SUPERVISOR,
    TODAY,
    fire,
    new_case,
    proposal,
    running,
)

ACTORS = {Who.officer: OFFICER, Who.supervisor: SUPERVISOR, Who.answer: SUPERVISOR, Who.system: SUPERVISOR,
          Who.reviewer: REVIEWER, Who.file: OFFICER}

DATA = {
    "transfer_jurisdiction": ({"to_district": "150603"}, None),
    "request_designation": ({}, "本局对该移送案件无管辖权"),
    "start_mediation": ({"parties_consent": True}, None),
    "mediation_succeeded": ({"agreement": "赔偿 1 万元"}, None),
    "mediation_failed": ({}, "拒绝调解"),
    "conclude_investigation": ({"facts": "f", "evidence": "e", "legal_basis": "商标法第六十条",
                                "proposal": proposal(200000)}, None),
    "pass_review": ({"opinion": "同意"}, None),
    "return_review": ({}, "补充调查"),
    "notify_penalty": ({"proposed_fine": 200000}, None),
    "schedule_hearing": ({"held_on": "2026-04-01"}, None),
    "conclude_hearing": ({"record": "听证笔录", "presided_by": "chair"}, None),
    "hearing_waived": ({}, "当事人撤回听证申请"),
    "reopen_investigation": ({}, "新的事实"),
    "record_collective_discussion": ({"held_on": "2026-03-02", "attendees": ["甲", "乙", "丙"],
                                      "conclusion": {"outcome": "penalty", "fine": 200000}}, None),
    "rule": ({"infringement_found": True, "order": "停止侵权"}, None),
    "refer_to_police": ({"grounds": "涉嫌假冒注册商标罪"}, None),
    "reject": ({}, "不属于本部门管辖"),
    "suspend": ({}, "专利无效宣告请求审查中"),
    "withdraw": ({}, "请求人撤回"),
    "dismiss": ({}, "违法事实不成立"),
    "add_note": ({"text": "note"}, None),
    "attach": ({"attachment_id": "a1", "sha256": "0" * 64, "name": "a.txt", "content_type": "text/plain",
                "size": 1}, None),
    "detach": ({"attachment_id": "a1", "sha256": "0" * 64}, "上传错误"),
    "record_service": ({"document": "decision"}, None),
    "record_amounts": ({"marks_count": 2}, None),
    "ask_city": ({"question": "是否构成商标侵权？"}, None),
    "assign": ({"officers": ["off", "off3"]}, None),
    "record_facts": ({"public_safety": True}, None),
    "administrative_review_changed": ({"fine": 1000}, None),
}


def setup_for(event: str, track: Track, state: str) -> tuple:
    """A case in `state` and the data under which the event's guard passes."""
    case = new_case(track, source="transfer" if event == "request_designation" else "complaint")
    case.state = state
    facts = case.facts
    data, reason = DATA.get(event, ({}, None))
    data = dict(data)
    if event == "accept":
        data = {"panel": PANEL} if track is Track.ruling else {"co_officer": "off2"}
    if event == "decide":
        if state == "reviewed":
            facts["review"] = {"proposal": proposal(0), "n": 1}
            data = {"fine": 0}
        else:
            facts["review"] = {"proposal": proposal(1000), "n": 1}
            facts["notice"] = {"fine": "1000.00", "served_at": NOW.isoformat(), "n": 2}
            data = {"fine": 1000, "legal_basis": "商标法第六十条", "waived": True}
    if event == "resume":
        facts["suspended_from"] = "filed"
    if event == "transfer_designated_back":
        facts["transferring_from"] = "filed"
    if event == "return_review":
        facts["review_returns_to"] = "filed"
    if event == "pass_review":
        facts["investigation"] = {"proposal": proposal(200000), "n": 1}
    if event == "notify_penalty":
        facts["review"] = {"proposal": proposal(200000), "n": 1}
    if event in ("request_hearing", "schedule_hearing"):
        facts["notice"] = {"fine": "200000.00", "served_at": NOW.isoformat(), "n": 2}
        facts["clocks"]["statement"] = running(TODAY, date(2026, 3, 9))
    if event == "conclude_hearing":
        facts["hearing"] = {"held_on": TODAY.isoformat()}
    if event == "request_reconsideration":
        facts["clocks"]["reconsideration_request"] = running(TODAY, date(2026, 3, 5))
    if event == "request_confirmation":
        facts["clocks"]["confirmation_application"] = running(TODAY, date(2026, 4, 1))
    if event in ("apply_administrative_review", "administrative_review_changed", "file_review_reply"):
        facts["decision"] = {"fine": "5000.00", "confiscation": "0.00", "measures": [], "served_on": "2026-02-01"}
    if event == "file_review_reply":
        facts["clocks"]["administrative_review_reply"] = running(TODAY, date(2026, 3, 12))
    if event == "file_defence":
        facts["clocks"]["litigation_defence"] = running(TODAY, date(2026, 3, 17))
    if event == "demand_payment":
        facts["clocks"]["fine_payment"] = running(date(2026, 2, 1), date(2026, 2, 16))
    if event == "apply_enforcement":
        facts["ruled_on"] = (TODAY - timedelta(days=20)).isoformat()
        facts["enforcement_periods_end"] = (TODAY - timedelta(days=30)).isoformat()
        facts["demand_served_on"] = (TODAY - timedelta(days=20)).isoformat()
    return case, data, reason


SKIP = {"pause_clock", "resume_clock", "extend_deadline"}
CASES = [
    (track, row, source)
    for track in Track
    for row in ROWS_V2
    if row.track in (None, track) and row.event not in SKIP
    for source in row.sources
    if source in _states(track, 2)
]


@pytest.mark.parametrize(("track", "row", "source"), CASES, ids=[f"{t}-{r.event}-from-{s}" for t, r, s in CASES])
def test_every_v2_transition_reaches_its_destination(track: Track, row, source: str) -> None:
    case, data, reason = setup_for(row.event, track, source)
    step = decide(case, ACTORS[row.who], row.event, data, reason, RULES, NOW)
    if row.dest == SAME:
        assert step.to_state == source
    elif row.dest == ORIGIN:
        assert step.to_state == case.facts[row.origin_fact]
    else:
        assert step.to_state == row.dest


@pytest.mark.parametrize("track", list(Track))
def test_v2_events_from_states_not_in_the_table_are_invalid_transitions(track: Track) -> None:
    for row in ROWS_V2:
        if row.track not in (None, track):
            continue
        for state in _states(track, 2):
            if state in row.sources:
                continue
            case, data, reason = setup_for(row.event, track, state)
            with pytest.raises(InvalidTransition):
                decide(case, ACTORS[row.who], row.event, data, reason, RULES, NOW)


def test_the_table_data_and_exports_agree() -> None:
    assert set(EVENT_DATA_V2) == {r.event for r in ROWS_V2}
    assert {"transfer_declined"} == set(diff_tables()["dropped"])
    assert {"conclude_investigation", "pass_review", "police_returned", "apply_enforcement", "assign",
            "request_designation", "transfer_designated_back"} <= set(diff_tables()["added"])
    penalty = as_json(Track.penalty, 2)
    assert penalty["version"] == 2 and as_json(Track.penalty)["version"] == 1
    labels = {s["name"]: s["label"] for s in penalty["states"]}
    assert labels["investigated"] == "调查终结" and labels["in_review"] == "审核中" and labels["reviewed"] == "审核通过"
    assert labels["heard"] == "听证结束" and labels["in_administrative_review"] == "行政复议中"
    assert "version 2" in as_mermaid(Track.penalty, version=2) and "version 1" in as_mermaid(Track.ruling)
    assert "in_review --> heard: return_review" in as_mermaid(Track.penalty, version=2)
    with pytest.raises(InvalidData):
        check_version(3)
    assert set(ORIGINS_V2) == {r.origin_fact for r in ROWS_V2 if r.origin_fact}


def test_version_1_dispatch_is_unchanged() -> None:
    assert events_from(Track.penalty, "filed") == events_from(Track.penalty, "filed", 1)
    assert "conclude_investigation" not in events_from(Track.penalty, "filed")
    assert "conclude_investigation" in events_from(Track.penalty, "filed", 2)
    assert "notify_penalty" not in events_from(Track.penalty, "filed", 2)
    assert next_state(Track.penalty, "filed", "notify_penalty", {}) == "penalty_notice"
    assert next_state(Track.penalty, "filed", "notify_penalty", {}, 2) is None
    assert len(ROWS) == 40  # 38 of SPEC §3, and attach/detach of the case file (§12)


def test_v2_role_rules() -> None:
    for row in ROWS_V2:
        data = DATA.get(row.event, ({}, None))[0]
        for role in (Role.city, Role.auditor, Role.partner, Role.admin):
            with pytest.raises(Forbidden):
                check_request(Actor("x", role), row.event, data, None, version=2)
        allowed = {actor.id for actor in (OFFICER, SUPERVISOR, REVIEWER)
                   if _may(actor, row.event, data)}
        expected = {Who.officer: {"off", "sup"}, Who.supervisor: {"sup"}, Who.reviewer: {"rev"}}.get(row.who, set())
        assert allowed == expected, row.event


def _may(actor: Actor, event: str, data: dict) -> bool:
    try:
        check_request(actor, event, data, None, version=2)
    except Forbidden:
        return False
    return True


def test_a_reviewer_may_not_review_its_own_case_and_fires_nothing_in_version_1() -> None:
    case, data, reason = setup_for("pass_review", Track.penalty, "in_review")
    case.facts["officers"] = ["off", "rev"]
    with pytest.raises(Forbidden):
        decide(case, REVIEWER, "pass_review", data, reason, RULES, NOW)
    with pytest.raises(Forbidden):
        check_request(REVIEWER, "add_note", {"text": "x"}, None)


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_v2_final_states_accept_nothing(state: str) -> None:
    for track in Track:
        case = new_case(track, state=state)
        assert allowed_events(case, SUPERVISOR, RULES, NOW) == []


# ---- refusals of §10.2–§10.5, one per row ----------------------------------------------------------

REFUSALS = [
    # (event, state, data, reason, facts/snapshot tweaks, error, match)
    ("accept", "received", {}, None, {}, InvalidData, "co_officer"),
    ("accept", "received", {"co_officer": "off"}, None, {}, InvalidData, "first officer"),
    ("accept", "received", {"co_officer": "stranger"}, None, {}, InvalidData, "not an officer"),
    ("accept", "received", {"co_officer": "off2", "panel": PANEL}, None, {}, InvalidData, "not panel"),
    ("accept", "received", {"officers": ["off2", "off2"]}, None, {"source": "superior"}, InvalidData, "distinct"),
    ("assign", "filed", {"officers": ["off", "stranger"]}, None, {}, InvalidData, "not an officer"),
    ("assign", "filed", {"officers": ["off"]}, None, {}, InvalidData, "officers"),
    ("transfer_jurisdiction", "filed", {"to_district": "150603"}, None, {"source": "transfer"}, GuardFailed,
     "art. 25"),
    ("transfer_jurisdiction", "filed", {"to_district": "150603"}, None, {"designated": True}, GuardFailed,
     "art. 25"),
    ("request_designation", "filed", {}, "无管辖权", {}, GuardFailed, "came from a transfer"),
    ("conclude_investigation", "filed", {"facts": "f", "evidence": "e", "legal_basis": "l",
                                         "proposal": {"outcome": "penalty", "fine": 0}}, None, {}, InvalidData,
     "proposal"),
    ("submit_review", "investigated", {"legal_review": ["whim"]}, None, {}, InvalidData, "legal_review"),
    ("notify_penalty", "reviewed", {"proposed_fine": 1}, None, {"review": {"proposal": proposal(0), "n": 1}},
     GuardFailed, "proposes no penalty"),
    ("notify_penalty", "reviewed", {"proposed_fine": 1, "proposed_measures": ["revocation"]}, None,
     {"review": {"proposal": proposal(500), "n": 1}}, GuardFailed, "heavier"),
    ("request_hearing", "penalty_notice", {}, None,
     {"notice": {"fine": "50000.00", "served_at": NOW.isoformat(), "n": 1},
      "clocks": {"statement": running(TODAY, date(2026, 3, 9))}}, GuardFailed, "no hearing right"),
    ("request_hearing", "penalty_notice", {"requested_at": "2026-03-20T10:00:00+08:00"}, None,
     {"notice": {"fine": "200000.00", "served_at": NOW.isoformat(), "n": 1},
      "clocks": {"statement": running(TODAY, date(2026, 3, 9))}}, InvalidData, "future"),
    ("request_hearing", "penalty_notice", {}, None,
     {"notice": {"fine": "200000.00", "served_at": NOW.isoformat(), "n": 1}}, GuardFailed, "statement period"),
    ("schedule_hearing", "hearing", {"held_on": "2026-03-06"}, None,
     {"notice": {"fine": "200000.00", "served_at": NOW.isoformat(), "n": 1}}, GuardFailed, "7 working days"),
    ("schedule_hearing", "hearing", {"held_on": "2026-04-06", "served_at": "2026-03-01T09:00:00+08:00"}, None,
     {"notice": {"fine": "200000.00", "served_at": NOW.isoformat(), "n": 1}}, InvalidData, "before the penalty"),
    ("conclude_hearing", "hearing", {"record": "r", "presided_by": "chair"}, None, {}, GuardFailed, "scheduled"),
    ("conclude_hearing", "hearing", {"record": "r", "presided_by": "off"}, None,
     {"hearing": {"held_on": "2026-03-02"}}, InvalidData, "64"),
    ("conclude_hearing", "hearing", {"record": "r", "presided_by": "stranger"}, None,
     {"hearing": {"held_on": "2026-03-02"}}, InvalidData, "not a principal"),
    ("hearing_waived", "hearing", {}, None, {}, InvalidData, "reason"),
    ("reopen_investigation", "reviewed", {}, None, {}, InvalidData, "reason"),
    ("record_collective_discussion", "reviewed", {"held_on": "2026-03-02", "attendees": ["甲", "乙"],
                                                  "conclusion": {"outcome": "penalty"}}, None, {}, InvalidData,
     "attendees"),
    ("apply_enforcement", "decided", {}, None, {}, GuardFailed, "demand"),
    ("apply_enforcement", "decided", {}, None,
     {"enforcement_periods_end": "2026-08-01", "demand_served_on": "2026-02-01"}, GuardFailed, "from"),
    ("apply_enforcement", "ruled", {}, None, {"ruled_on": "2026-02-20"}, GuardFailed, "from"),
    ("appeal", "decided", {}, None, {"review_answered_on": "2026-02-01"}, GuardFailed, "15 days"),
    ("demand_payment", "decided", {}, None, {}, GuardFailed, "no fine"),
    ("close", "decided", {"enforcement_applied": True}, None, {}, InvalidData, "enforcement_applied"),
    ("close", "decided", {}, None, {"clocks": {"fine_payment": running(TODAY, date(2026, 3, 17))}},
     GuardFailed, "unpaid"),
    ("pause_clock", "filed", {"deadline": "case_closing", "cause": "settlement"}, None,
     {"clocks": {"case_closing": running(TODAY, date(2026, 6, 1))}}, GuardFailed, "does not pause"),
]


@pytest.mark.parametrize(("event", "state", "data", "reason", "tweaks", "error", "match"), REFUSALS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSALS)])
def test_v2_refusals(event: str, state: str, data: dict, reason: str | None, tweaks: dict, error: type,
                     match: str) -> None:
    tweaks = dict(tweaks)
    track = Track.ruling if state == "ruled" else Track.penalty
    case = new_case(track, source=tweaks.pop("source", "complaint"))
    case.state = state
    clocks = tweaks.pop("clocks", {})
    case.facts.update(tweaks)
    case.facts["clocks"].update(clocks)
    actor = REVIEWER if event in ("pass_review", "return_review") else SUPERVISOR
    with pytest.raises(error, match=match):
        fire(case, actor, event, data, reason)


def test_refund_order_pauses_case_closing_only_in_version_2() -> None:
    case = new_case()
    fire(case, SUPERVISOR, "accept", {"co_officer": "off2"})
    step = fire(case, SUPERVISOR, "pause_clock", {"deadline": "case_closing", "cause": "refund_order"})
    assert step.facts["clocks"]["case_closing"]["status"] == "paused"
