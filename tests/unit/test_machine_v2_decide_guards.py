"""The five `decide` guards of SPEC §10.3, each alone, then in order, plus the limitation (art. 36)."""

from __future__ import annotations

from datetime import date

import pytest

from state_machines.case_machine import CaseSnapshot
from state_machines.errors import GuardFailed, InvalidData
from state_machines.guards_v2 import DECIDE_GUARDS
from state_machines.penalties import Sanction
from tests.unit.machine_v2_support import NOW, SUPERVISOR, TODAY, new_case, running
from tests.unit.machine_v2_support import fire as _fire

GUARD_1 = "notify_penalty"
GUARD_2 = r"served before it|heavier than the penalty notice"
GUARD_3 = r"statement period has not ended"
GUARD_4 = r"art\. 58"
GUARD_5 = r"art\. 57 ¶2"
DECISION = {"fine": 50000, "legal_basis": "商标法第六十条第二款"}


def _sanction(fine: int, **extra) -> dict:
    return {**Sanction.of(fine, extra.get("confiscation"), extra.get("measures")).to_json()}


def case_at(state: str = "penalty_notice", *, review: int | None = 50000, notice: int | None = 50000,
            statement_ended: bool = True, after_hearing: bool = False, collective: bool = False,
            hearing_n: int | None = None, discussion: dict | None = None) -> CaseSnapshot:
    """A case whose facts pass every guard for DECISION unless told otherwise."""
    case = new_case(state=state)
    facts = case.facts
    facts["officers"] = ["off", "off2"]
    facts["seq"] = 10
    if review is not None:
        outcome = "penalty" if review else "no_penalty"
        facts["review"] = {"proposal": {"outcome": outcome, **_sanction(review)}, "n": 5,
                           "after_hearing": after_hearing, "collective_required": collective}
    if notice is not None:
        facts["notice"] = {**_sanction(notice), "served_at": NOW.isoformat(), "n": 6}
    due = date(2026, 2, 27) if statement_ended else date(2026, 3, 9)
    facts["clocks"]["statement"] = running(date(2026, 2, 20), due)
    if hearing_n is not None:
        facts["hearing"] = {"concluded_n": hearing_n}
    if discussion is not None:
        facts["discussion"] = discussion
    return case


def refuse(case: CaseSnapshot, data: dict = DECISION) -> str:
    with pytest.raises(GuardFailed) as refused:
        _fire(case, SUPERVISOR, "decide", data)
    return refused.value.message


def test_guards_are_declared_in_the_spec_order() -> None:
    assert [g.__name__ for g in DECIDE_GUARDS] == [
        "guard_review_state", "guard_notice", "guard_statement", "guard_review", "guard_collective"]


def test_the_baseline_passes_every_guard() -> None:
    assert _fire(case_at(), SUPERVISOR, "decide", DECISION).to_state == "decided"


# ---- each guard alone -------------------------------------------------------------------------

def test_guard_1_a_penalty_from_reviewed_needs_a_notice_first() -> None:
    assert refuse(case_at("reviewed", notice=50000)).find(GUARD_1) >= 0


def test_guard_1_lets_a_no_penalty_decision_or_a_post_hearing_review_through() -> None:
    assert _fire(case_at("reviewed", review=0, notice=None), SUPERVISOR, "decide", {"fine": 0}).to_state == "decided"
    after = case_at("reviewed", after_hearing=True, hearing_n=4, collective=False)
    after.facts["discussion"] = {"conclusion": {"outcome": "penalty", **_sanction(50000)}, "n": 7}
    assert _fire(after, SUPERVISOR, "decide", DECISION).to_state == "decided"


@pytest.mark.parametrize("notice", [None, 40000])
def test_guard_2_needs_a_notice_not_lighter_than_the_decision(notice: int | None) -> None:
    with pytest.raises(GuardFailed, match=GUARD_2):
        _fire(case_at(notice=notice), SUPERVISOR, "decide", DECISION)


def test_guard_2_compares_measures_as_a_partial_order() -> None:
    with pytest.raises(GuardFailed, match=GUARD_2):  # a measure the notice did not announce
        _fire(case_at(review=50000), SUPERVISOR, "decide", {**DECISION, "fine": 10000, "measures": ["warning"]})
    ok = case_at()
    ok.facts["review"]["proposal"]["measures"] = ["order_to_stop"]
    step = _fire(ok, SUPERVISOR, "decide", {**DECISION, "measures": ["order_to_stop"]})  # not a penalty measure
    assert step.to_state == "decided"


def test_guard_3_waits_for_the_statement_period_unless_waived() -> None:
    with pytest.raises(GuardFailed, match=GUARD_3):
        _fire(case_at(statement_ended=False), SUPERVISOR, "decide", DECISION)
    waived = _fire(case_at(statement_ended=False), SUPERVISOR, "decide", {**DECISION, "waived": True})
    assert waived.facts["clocks"]["statement"]["status"] == "met"


def test_guard_4_the_review_must_cover_the_decision() -> None:
    with pytest.raises(GuardFailed, match=GUARD_4):  # notice 50,000 but the review proposed 30,000
        _fire(case_at(review=30000), SUPERVISOR, "decide", DECISION)
    with pytest.raises(GuardFailed, match=GUARD_4):  # no review at all
        _fire(case_at(review=None), SUPERVISOR, "decide", DECISION)


def test_guard_4_after_a_hearing_the_review_must_be_a_later_one() -> None:
    case = case_at(hearing_n=8, discussion={"conclusion": {"outcome": "penalty", **_sanction(50000)}, "n": 9})
    with pytest.raises(GuardFailed, match=GUARD_4):  # review n=5 is older than the hearing n=8
        _fire(case, SUPERVISOR, "decide", DECISION)


@pytest.mark.parametrize(("discussion", "why"), [
    (None, "none held"),
    ({"conclusion": {"outcome": "penalty", **_sanction(50000)}, "n": 4}, "held before the review"),
    ({"conclusion": {"outcome": "penalty", **_sanction(20000)}, "n": 7}, "a lighter conclusion"),
    ({"conclusion": {"outcome": "dismiss", **_sanction(0)}, "n": 7}, "concluded dismiss"),
])
def test_guard_5_collective_discussion_when_the_review_asks(discussion: dict | None, why: str) -> None:
    with pytest.raises(GuardFailed, match=GUARD_5):
        _fire(case_at(collective=True, discussion=discussion), SUPERVISOR, "decide", DECISION)


def test_guard_5_passes_with_a_later_discussion_as_heavy() -> None:
    discussion = {"conclusion": {"outcome": "penalty", **_sanction(60000)}, "n": 7}
    assert _fire(case_at(collective=True, discussion=discussion), SUPERVISOR, "decide", DECISION).to_state == "decided"


def test_guard_5_threshold_is_configuration() -> None:
    from dataclasses import replace

    from state_machines.case_machine import decide
    from tests.unit.machine_v2_support import RULES

    rules = replace(RULES, collective_threshold=__import__("decimal").Decimal("50000"))
    with pytest.raises(GuardFailed, match=GUARD_5):
        decide(case_at(), SUPERVISOR, "decide", dict(DECISION), None, rules, NOW)


# ---- in order: a request failing two guards gets the first one's refusal ------------------------

@pytest.mark.parametrize(("setup", "expected"), [
    (dict(state="reviewed", notice=None, review=30000), GUARD_1),  # fails 1, 2 and 4
    (dict(notice=None, statement_ended=False), GUARD_2),  # fails 2 and 3
    (dict(statement_ended=False, review=30000), GUARD_3),  # fails 3 and 4
    (dict(review=30000, collective=True), GUARD_4),  # fails 4 and 5
])
def test_the_first_failing_guard_names_the_refusal(setup: dict, expected: str) -> None:
    with pytest.raises(GuardFailed, match=expected):
        _fire(case_at(**setup), SUPERVISOR, "decide", DECISION)


# ---- limitation (行政处罚法 art. 36) ------------------------------------------------------------

def test_accept_beyond_two_years_is_refused_and_reject_stays_open() -> None:
    old = new_case(violation_ended_on=date(2024, 3, 1))  # 24 months end 2026-03-01 < received 2026-03-02
    with pytest.raises(GuardFailed, match="limitation"):
        _fire(old, SUPERVISOR, "accept", {"co_officer": "off2"})
    from state_machines.case_machine import allowed_events
    from tests.unit.machine_v2_support import RULES

    allowed = allowed_events(old, SUPERVISOR, RULES, NOW)
    assert "accept" not in allowed and "reject" in allowed
    within = new_case(violation_ended_on=date(2024, 3, 2))
    assert _fire(within, SUPERVISOR, "accept", {"co_officer": "off2"}).to_state == "filed"
    safety = new_case(violation_ended_on=date(2022, 3, 2), public_safety=True)  # five years
    assert _fire(safety, SUPERVISOR, "accept", {"co_officer": "off2"}).to_state == "filed"


def test_decide_refuses_a_penalty_beyond_the_limitation_first() -> None:
    case = case_at(statement_ended=False)
    case.facts["violation_ended_on"] = "2020-01-01"  # corrected by record_facts after accept
    with pytest.raises(GuardFailed, match="limitation"):
        _fire(case, SUPERVISOR, "decide", DECISION)
    assert _fire(case, SUPERVISOR, "dismiss", {}, "超过行政处罚时效").outcome == "dismissed"


def test_a_penalty_decision_needs_a_legal_basis() -> None:
    with pytest.raises(InvalidData):
        _fire(case_at(), SUPERVISOR, "decide", {"fine": 50000})


def test_a_transferred_case_counts_limitation_to_the_original_discovery() -> None:
    from datetime import UTC, datetime

    original = datetime(2026, 1, 5, 2, tzinfo=UTC)
    case = new_case(source="transfer", violation_ended_on=date(2024, 2, 1))
    assert case.facts["discovered_on"] == TODAY.isoformat()
    from state_machines.case_machine import CaseSnapshot as Snap
    from state_machines.case_machine import initial_facts
    from tests.unit.machine_v2_support import RULES, STAFF

    moved = Snap(track=case.track, kind=case.kind, state="received", district="150602", received_at=NOW,
                 machine_version=2, source="transfer", violation_ended_on=date(2024, 2, 1),
                 discovered_at=original, district_staff=STAFF)
    moved.facts = initial_facts(moved, RULES, created_by="off")
    assert _fire(moved, SUPERVISOR, "accept", {"co_officer": "off2"}).to_state == "filed"
    with pytest.raises(GuardFailed, match="limitation"):
        _fire(case, SUPERVISOR, "accept", {"co_officer": "off2"})
