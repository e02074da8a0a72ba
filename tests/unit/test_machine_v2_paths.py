"""Machine version 2 at the domain level: whole paths of the penalty track (SPEC §10.3)."""

from __future__ import annotations

from datetime import date

import pytest

from state_machines.case_machine import allowed_events, check_request
from state_machines.errors import Forbidden, GuardFailed
from state_machines.vocabulary import Track
from tests.unit.machine_v2_support import (
    NOW,
    OFFICER,
    REVIEWER,
    SUPERVISOR,
    UNQUALIFIED,
    at,
    fire,
    later,
    new_case,
    proposal,
    to_notice,
    to_reviewed,
)


def test_penalty_path_without_a_hearing() -> None:
    case = new_case()
    assert case.facts["officers"] == ["off"]
    to_notice(case, 50000)
    assert case.state == "penalty_notice" and case.facts["officers"] == ["off", "off2"]
    assert "request_hearing" not in allowed_events(case, OFFICER, _rules(), NOW)  # 50,000 < 100,000 (organisation)
    step = fire(case, SUPERVISOR, "decide", {"fine": 50000, "legal_basis": "商标法第六十条第二款"}, now=later(8))
    assert step.to_state == "decided" and case.facts["decision"]["fine"] == "50000.00"
    assert case.facts["clocks"]["case_closing"]["status"] == "met"
    assert case.facts["clocks"]["statement"]["status"] == "lapsed"
    fire(case, OFFICER, "record_payment", {}, now=later(10))
    fire(case, OFFICER, "record_publication", {}, now=later(10))
    closed = fire(case, SUPERVISOR, "close", {}, now=later(11))
    assert closed.outcome == "penalty" and case.state == "closed"


def test_penalty_path_with_a_hearing() -> None:
    case = new_case()
    to_notice(case, 200000)
    assert "request_hearing" in allowed_events(case, OFFICER, _rules(), NOW)
    fire(case, OFFICER, "request_hearing", {}, now=later(1))
    assert case.state == "hearing" and case.facts["clocks"]["case_closing"]["status"] == "paused"
    with pytest.raises(GuardFailed, match="7 working days"):
        fire(case, SUPERVISOR, "schedule_hearing", {"held_on": "2026-03-10", "served_at": later(1).isoformat()},
             now=later(1))
    fire(case, SUPERVISOR, "schedule_hearing", {"held_on": "2026-03-12", "served_at": later(1).isoformat()},
         now=later(1))
    with pytest.raises(GuardFailed, match="scheduled for"):
        fire(case, SUPERVISOR, "conclude_hearing", {"record": "听证笔录", "presided_by": "chair"}, now=later(2))
    held = at(date(2026, 3, 12))
    fire(case, SUPERVISOR, "conclude_hearing", {"record": "听证笔录", "presided_by": "chair"}, now=held)
    assert case.state == "heard"
    fire(case, SUPERVISOR, "submit_review", {}, now=at(date(2026, 3, 12)))
    assert "major_rights_after_hearing" in case.facts["review_pending"]["legal_review"]
    with pytest.raises(Forbidden, match="legal_qualified"):
        fire(case, UNQUALIFIED, "pass_review", {"opinion": "同意"}, now=at(date(2026, 3, 13)))
    fire(case, REVIEWER, "pass_review", {"opinion": "同意"}, now=at(date(2026, 3, 13)))
    assert case.state == "reviewed" and case.facts["review"]["after_hearing"]
    decision = {"fine": 150000, "legal_basis": "商标法第六十条第二款"}
    with pytest.raises(GuardFailed, match="collective discussion"):  # after a hearing (default configuration)
        fire(case, SUPERVISOR, "decide", decision, now=at(date(2026, 3, 13)))
    fire(case, SUPERVISOR, "record_collective_discussion",
         {"held_on": "2026-03-13", "attendees": ["局长", "副局长", "法制科长"],
          "conclusion": {"outcome": "penalty", "fine": 150000}}, now=at(date(2026, 3, 13)))
    step = fire(case, SUPERVISOR, "decide", decision, now=at(date(2026, 3, 13)))
    assert step.to_state == "decided" and step.amounts["fine"] == 150000


def test_no_penalty_path_needs_no_notice() -> None:
    case = new_case()
    to_reviewed(case, 0)
    assert "notify_penalty" not in allowed_events(case, SUPERVISOR, _rules(), NOW)
    fire(case, SUPERVISOR, "decide", {"fine": 0, "measures": ["order_to_stop"]})
    assert "publication" not in case.facts["clocks"] and "fine_payment" not in case.facts["clocks"]
    closed = fire(case, SUPERVISOR, "close", {})
    assert closed.outcome == "no_penalty"


def test_a_heavier_decision_is_refused_until_reopen_review_and_new_notice() -> None:
    case = new_case()
    to_notice(case, 50000)
    heavier = {"fine": 80000, "legal_basis": "商标法第六十条第二款"}
    with pytest.raises(GuardFailed, match="heavier than the penalty notice"):
        fire(case, SUPERVISOR, "decide", heavier, now=later(8))
    fire(case, SUPERVISOR, "reopen_investigation", {}, "当事人申辩中发现新的违法事实", now=later(8))
    assert case.state == "filed" and "review" not in case.facts and "notice" not in case.facts
    assert case.facts["clocks"]["statement"]["status"] == "lapsed"
    to_reviewed(case, 80000, now=later(9))
    fire(case, SUPERVISOR, "notify_penalty", {"proposed_fine": 80000, "served_at": later(9).isoformat()}, now=later(9))
    with pytest.raises(GuardFailed, match="statement period"):
        fire(case, SUPERVISOR, "decide", heavier, now=later(10))
    assert fire(case, SUPERVISOR, "decide", heavier, now=later(20)).to_state == "decided"


def test_a_returned_review_goes_back_to_the_investigation() -> None:
    case = new_case()
    fire(case, SUPERVISOR, "accept", {"co_officer": "off2"})
    fire(case, OFFICER, "conclude_investigation", {"facts": "f", "evidence": "e", "legal_basis": "l",
                                                   "proposal": proposal(1000)})
    fire(case, SUPERVISOR, "submit_review", {"legal_review": ["complex"]})
    with pytest.raises(Forbidden):  # the role rule (check_request), before the state is read
        check_request(SUPERVISOR, "return_review", {}, "补充调查", version=2)
    check_request(UNQUALIFIED, "return_review", {}, "补充调查", version=2)
    with pytest.raises(Forbidden):  # legal_review grounds need a legally qualified reviewer
        fire(case, UNQUALIFIED, "return_review", {}, "补充调查")
    assert fire(case, REVIEWER, "return_review", {}, "补充调查").to_state == "filed"
    assert case.facts["clocks"]["case_review"]["status"] == "met"


def test_review_may_replace_the_proposal_and_bounds_the_notice() -> None:
    case = new_case()
    to_reviewed(case, 50000, proposal=proposal(30000))
    assert case.facts["review"]["proposal"]["fine"] == "30000.00"
    with pytest.raises(GuardFailed, match="heavier than the passed review"):
        fire(case, SUPERVISOR, "notify_penalty", {"proposed_fine": 50000})
    fire(case, SUPERVISOR, "notify_penalty", {"proposed_fine": 30000})
    assert case.state == "penalty_notice"


def test_ruling_track_accept_needs_an_odd_panel_and_routes_courts_by_patent_type() -> None:
    case = new_case(Track.ruling, patent_type="design")
    fire(case, SUPERVISOR, "accept", {"panel": ["off", "off2", "off3"]})
    assert case.facts["officers"] == case.facts["panel"] == ["off", "off2", "off3"]
    fire(case, SUPERVISOR, "rule", {"infringement_found": True, "order": "停止侵权"})
    step = fire(case, OFFICER, "appeal", {})
    assert [(o.kind, o.agency) for o in step.openings] == [("litigation", "court-150600")]
    invention = new_case(Track.ruling, patent_type="invention")
    fire(invention, SUPERVISOR, "accept", {"panel": ["off", "off2", "off3"]})
    fire(invention, OFFICER, "start_mediation", {"parties_consent": True})
    fire(invention, OFFICER, "mediation_succeeded", {"agreement": "赔偿"})
    opened = fire(invention, OFFICER, "request_confirmation", {})
    assert [(o.kind, o.agency) for o in opened.openings] == [("judicial_confirmation", "court-150100")]


def test_a_case_registered_by_the_city_takes_two_officers_at_accept() -> None:
    case = new_case(source="superior")
    assert case.facts["officers"] == []
    fire(case, SUPERVISOR, "accept", {"officers": ["off", "off2"]})
    assert case.facts["officers"] == ["off", "off2"]


def _rules():
    from tests.unit.machine_v2_support import RULES

    return RULES
