"""Machine version 2: the clocks of §10.6, the events after a decision (§10.3), the surcharge,
jurisdiction (§10.5), the handoff kinds (§10.7), the assistance rows and migration (§10.9)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from state_machines import assistance_machine as am
from state_machines import handoffs as hk
from state_machines.case_machine import allowed_events
from state_machines.case_machine_v2 import migratable, migration_plan
from state_machines.clocks_v2 import CLOCKS_V2, clocks_for
from state_machines.effects_v2 import case_surcharge
from state_machines.errors import GuardFailed
from state_machines.penalties import Sanction, heavier, is_penalty, not_heavier, surcharge
from state_machines.vocabulary import Track
from tests.unit.machine_v2_support import NOW, OFFICER, RULES, SUPERVISOR, TODAY, at, fire, later, new_case, to_notice

DECISION = {"fine": 50000, "legal_basis": "商标法第六十条第二款"}


def decided_case():
    case = new_case()
    to_notice(case, 50000)
    fire(case, SUPERVISOR, "decide", {**DECISION, "waived": True})
    return case


# ---- penalties ----------------------------------------------------------------------------------

def test_penalty_and_heavier_are_a_partial_order() -> None:
    assert not is_penalty(Sanction.of(0, 0, ["order_to_stop"]))
    assert is_penalty(Sanction.of(0, 0, ["warning"])) and is_penalty(Sanction.of(0, 1))
    a, b = Sanction.of(100, 0, ["warning"]), Sanction.of(200, 0, [])
    assert heavier(a, b) and heavier(b, a)  # incomparable
    assert not_heavier(Sanction.of(100, 0, ["order_to_stop"]), Sanction.of(100))


def test_surcharge_is_three_percent_a_day_capped_and_paused() -> None:
    due = date(2026, 3, 17)
    assert surcharge(Decimal(1000), due, due) == 0
    assert surcharge(Decimal(1000), due, date(2026, 3, 19)) == Decimal("60.00")
    assert surcharge(Decimal(1000), due, date(2026, 12, 1)) == Decimal(1000)
    paused = [(date(2026, 3, 18), date(2026, 3, 20))]  # two days in review
    assert surcharge(Decimal(1000), due, date(2026, 3, 21), pauses=paused) == Decimal("60.00")
    assert surcharge(Decimal(1000), due, date(2026, 5, 1), paid_on=date(2026, 3, 18)) == Decimal("30.00")


# ---- clocks --------------------------------------------------------------------------------------

def test_case_review_runs_from_submit_and_case_closing_does_not_pause_in_review() -> None:
    case = new_case()
    fire(case, SUPERVISOR, "accept", {"co_officer": "off2"})
    fire(case, OFFICER, "conclude_investigation", {"facts": "f", "evidence": "e", "legal_basis": "l",
                                                   "proposal": {"outcome": "penalty", "fine": 1000}})
    fire(case, SUPERVISOR, "submit_review", {})
    review = case.facts["clocks"]["case_review"]
    assert review["due"] == "2026-03-16" and case.facts["clocks"]["case_closing"]["status"] == "running"
    fire(case, SUPERVISOR, "extend_deadline", {"deadline": "case_review"}, "案情复杂")
    assert case.facts["clocks"]["case_review"]["due"] == "2026-03-30"
    fire(case, SUPERVISOR, "suspend", {}, "鉴定")
    assert case.facts["clocks"]["case_review"]["status"] == "paused"
    assert clocks_for(1)["case_closing"].pause_causes < CLOCKS_V2["case_closing"].pause_causes


def test_police_declined_goes_back_to_filed_with_a_new_case_closing_and_no_old_review() -> None:
    case = new_case()
    to_notice(case, 50000)
    fire(case, SUPERVISOR, "refer_to_police", {"grounds": "涉嫌犯罪"})
    fire(case, SUPERVISOR, "police_declined", {}, now=later(20))
    assert case.state == "filed" and "review" not in case.facts and "notice" not in case.facts
    assert case.facts["clocks"]["case_closing"] == {**case.facts["clocks"]["case_closing"],
                                                    "started": "2026-03-22", "status": "running"}
    assert case.facts["clocks"]["reconsideration_request"]["status"] == "running"


def test_police_returned_after_accepting_sends_the_case_back_to_filed() -> None:
    case = new_case()
    fire(case, SUPERVISOR, "accept", {"co_officer": "off2"})
    fire(case, SUPERVISOR, "refer_to_police", {"grounds": "涉嫌犯罪"})
    fire(case, SUPERVISOR, "police_accepted", {})
    fire(case, SUPERVISOR, "police_returned", {}, now=later(40))
    assert case.state == "filed" and case.facts["clocks"]["case_closing"]["started"] == "2026-04-11"
    referral = hk.kinds_for(2)["criminal_referral"]
    assert hk.allowed_decisions(referral, "answered", ["accepted"]) == ["concluded", "returned"]
    assert "returned" not in [d.name for d in hk.kinds_for(1)["criminal_referral"].decisions]


# ---- after the decision --------------------------------------------------------------------------

def test_administrative_review_changed_restarts_payment_and_pauses_the_surcharge() -> None:
    case = decided_case()
    assert case.facts["clocks"]["fine_payment"]["due"] == "2026-03-17"
    step = fire(case, OFFICER, "apply_administrative_review", {}, now=at(date(2026, 3, 20)))
    assert case.state == "in_administrative_review"
    assert [(o.kind, o.agency) for o in step.openings] == [("administrative_review", "government-150602")]
    assert case.facts["clocks"]["administrative_review_reply"]["due"] == "2026-03-30"
    fire(case, OFFICER, "record_publication", {}, now=at(date(2026, 3, 21)))  # review does not suspend it
    fire(case, OFFICER, "file_review_reply", {}, now=at(date(2026, 3, 25)))
    assert case.facts["clocks"]["administrative_review_reply"]["status"] == "met"
    assert case_surcharge(case.facts, date(2026, 4, 10)) == Decimal("3000.00")  # 18 and 19 March: 2 days × 1,500
    fire(case, SUPERVISOR, "administrative_review_changed", {"fine": 20000}, now=at(date(2026, 4, 10)))
    assert case.state == "decided" and case.amounts["fine"] == 20000
    assert case.facts["clocks"]["fine_payment"]["started"] == "2026-04-10"
    assert case_surcharge(case.facts, date(2026, 4, 10)) == 0


def test_administrative_review_revoked_lets_the_bureau_decide_again() -> None:
    case = decided_case()
    fire(case, OFFICER, "apply_administrative_review", {})
    fire(case, SUPERVISOR, "administrative_review_revoked", {})
    assert case.state == "filed" and "decision" not in case.facts and "review" not in case.facts


def test_appeal_within_15_days_after_an_upheld_review_then_file_defence() -> None:
    case = decided_case()
    fire(case, OFFICER, "apply_administrative_review", {})
    fire(case, SUPERVISOR, "administrative_review_upheld", {})
    assert "appeal" not in allowed_events(case, OFFICER, RULES, later(20))
    step = fire(case, OFFICER, "appeal", {"served_at": later(3).isoformat()}, now=later(3))
    assert [(o.kind, o.agency) for o in step.openings] == [("litigation", None)]
    assert case.facts["clocks"]["litigation_defence"]["due"] == "2026-03-20"
    fire(case, OFFICER, "file_defence", {}, now=later(5))
    assert case.facts["clocks"]["litigation_defence"]["status"] == "met"


def test_enforcement_needs_a_demand_and_the_window_after_the_periods() -> None:
    case = decided_case()
    assert case.facts["enforcement_periods_end"] == "2026-09-02"
    fire(case, OFFICER, "demand_payment", {}, now=at(date(2026, 9, 1)))
    with pytest.raises(GuardFailed, match="行政强制法"):
        fire(case, SUPERVISOR, "apply_enforcement", {}, now=at(date(2026, 9, 2)))
    step = fire(case, SUPERVISOR, "apply_enforcement", {}, now=at(date(2026, 9, 14)))
    assert [(o.kind, o.agency) for o in step.openings] == [("enforcement", "court-150602")]
    assert case.facts["enforcement_applied"] and case.facts["clocks"]["enforcement_application"]["status"] == "met"
    fire(case, OFFICER, "record_publication", {}, now=at(date(2026, 9, 14)))
    assert fire(case, SUPERVISOR, "close", {}, now=at(date(2026, 9, 15))).outcome == "penalty"
    assert hk.enforcement_court("150600") == "court-150603"


def test_a_ruling_may_be_enforced_15_days_after_without_a_suit() -> None:
    case = new_case(Track.ruling)
    fire(case, SUPERVISOR, "accept", {"panel": ["off", "off2", "off3"]})
    fire(case, SUPERVISOR, "rule", {"infringement_found": True, "order": "停止侵权"})
    assert "apply_enforcement" not in allowed_events(case, SUPERVISOR, RULES, later(15))
    assert fire(case, SUPERVISOR, "apply_enforcement", {}, now=later(17)).to_state == "ruled"
    assert hk.patent_court("utility_model") == "court-150100" and hk.patent_court("design") == "court-150600"


# ---- jurisdiction -------------------------------------------------------------------------------

def test_a_transferred_case_requests_designation_and_is_designated_back() -> None:
    case = new_case(source="transfer")
    assert "transfer_jurisdiction" not in allowed_events(case, SUPERVISOR, RULES, NOW)
    step = fire(case, SUPERVISOR, "request_designation", {}, "本局无管辖权")
    assert case.state == "transferring" and [o.kind for o in step.openings] == ["designation"]
    assert case.facts["clocks"]["filing_decision"]["status"] == "paused"
    assert case.facts["clocks"]["designation"]["due"] == "2026-03-16"
    fire(case, SUPERVISOR, "transfer_designated_back", {})
    assert case.state == "received" and case.facts["designated"]
    assert case.facts["clocks"]["designation"]["status"] == "met"


def test_the_original_case_ends_transferred_out_when_designated_elsewhere() -> None:
    case = new_case()
    fire(case, SUPERVISOR, "transfer_jurisdiction", {"to_district": "150603"})
    step = fire(case, SUPERVISOR, "transfer_designated", {})
    assert step.outcome == "transferred" and case.facts["clocks"]["filing_decision"]["status"] == "met"


def test_assistance_version_2_disputes_and_designates() -> None:
    assert am.next_state("requested", "dispute", version=2) == "disputed"
    assert am.next_state("disputed", "designate", version=2) == "designated"
    assert am.next_state("requested", "dispute") is None  # version 1 unchanged
    assert am.allowed_events("requested", am.Side.asked, kind="transfer", version=2) == ["accept", "dispute"]
    assert am.allowed_events("requested", am.Side.asked, kind="transfer") == ["accept", "decline"]
    assert am.allowed_events("disputed", am.Side.city, kind="transfer", version=2) == ["designate"]
    assert am.allowed_events("requested", am.Side.asked, version=2) == ["accept", "decline", "extend"]
    assert am.designation_event("150602", "150602") == "transfer_designated_back"


# ---- migration ------------------------------------------------------------------------------------

def test_only_received_cases_migrate_to_version_2() -> None:
    assert migratable(1, "received") and not migratable(1, "filed") and not migratable(2, "received")
    plan = migration_plan([("a", 1, "received"), ("b", 1, "filed"), ("c", 2, "filed")])
    assert plan == {"move": ["a"], "stay": ["b"]}


def test_version_2_clock_tables() -> None:
    for name in ("case_review", "administrative_review_reply", "designation", "supervision_reply",
                 "litigation_defence", "administrative_review_decision", "enforcement_application"):
        assert name in CLOCKS_V2 and name not in clocks_for(1)
    assert TODAY.isoformat() == "2026-03-02"
