"""Property test on machine version 2: no random event sequence reaches `decided` without an
investigation, a passed review and, for a penalty, a notice at least as heavy as the decision.

The invariant is checked against a ledger the test keeps from the accepted events, not against the
facts the machine writes, so a bug in those facts cannot hide itself. Deterministic (derandomized)
and bounded.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import event as hypothesis_event
from hypothesis import given, settings
from hypothesis import strategies as st

from state_machines.case_machine import decide
from state_machines.case_table import events_from
from state_machines.case_table_v2 import ROW_BY_EVENT_V2
from state_machines.errors import DomainError
from state_machines.penalties import Sanction, is_penalty, not_heavier
from state_machines.vocabulary import FINAL_STATES
from tests.unit.machine_v2_support import NOW, OFFICER, REVIEWER, RULES, SUPERVISOR, new_case, proposal

FINES = st.sampled_from([0, 30000, 50000, 200000])
MEASURES = st.sampled_from([[], ["warning"], ["order_to_stop"], ["revocation"]])


def _proposal(fine: int, measures: list[str]) -> dict:
    return proposal(fine, measures=measures)


VARIANTS: dict[str, st.SearchStrategy] = {
    "accept": st.just(({"co_officer": "off2"}, None)),
    "conclude_investigation": st.builds(
        lambda f, m: ({"facts": "f", "evidence": "e", "legal_basis": "l", "proposal": _proposal(f, m)}, None),
        FINES, MEASURES),
    "submit_review": st.builds(lambda g: ({"legal_review": g}, None), st.sampled_from([[], ["complex"]])),
    "pass_review": st.one_of(
        st.builds(lambda c: ({"opinion": "同意", "collective_required": c}, None), st.booleans()),
        st.builds(lambda f, m: ({"opinion": "改", "proposal": _proposal(f, m)}, None), FINES, MEASURES)),
    "return_review": st.just(({}, "补充调查")),
    "notify_penalty": st.builds(lambda f, m: ({"proposed_fine": f, "proposed_measures": m}, None), FINES, MEASURES),
    "request_hearing": st.just(({}, None)),
    "schedule_hearing": st.builds(lambda d: ({"held_on": (NOW + timedelta(days=d)).date().isoformat()}, None),
                                  st.integers(0, 60)),
    "conclude_hearing": st.just(({"record": "笔录", "presided_by": "chair"}, None)),
    "hearing_waived": st.just(({}, "撤回")),
    "reopen_investigation": st.just(({}, "新事实")),
    "record_collective_discussion": st.builds(
        lambda f, o: ({"held_on": "2026-03-02", "attendees": ["甲", "乙", "丙"],
                       "conclusion": {"outcome": o, "fine": f}}, None),
        FINES, st.sampled_from(["penalty", "no_penalty", "dismiss"])),
    "decide": st.builds(lambda f, m, w: ({"fine": f, "measures": m, "legal_basis": "商标法", "waived": w}, None),
                        FINES, MEASURES, st.booleans()),
    "refer_to_police": st.just(({"grounds": "涉嫌犯罪"}, None)),
    "police_declined": st.just(({}, None)),
    "police_accepted": st.just(({}, None)),
    "police_returned": st.just(({}, None)),
    "suspend": st.just(({}, "中止")),
    "resume": st.just(({}, None)),
    "apply_administrative_review": st.just(({}, None)),
    "administrative_review_revoked": st.just(({}, None)),
}
EVENT = st.one_of(*(st.tuples(st.just(name), variant) for name, variant in VARIANTS.items())).map(
    lambda pair: (pair[0], *pair[1]))
FORWARD = {"accept", "conclude_investigation", "submit_review", "pass_review", "notify_penalty", "decide",
           "request_hearing", "schedule_hearing", "conclude_hearing", "record_collective_discussion"}
"""Weighted up in walks, so that a good share of them reach `decided` (see the statistics)."""
ACTOR = {"officer": OFFICER, "supervisor": SUPERVISOR, "reviewer": REVIEWER, "answer": SUPERVISOR,
         "system": SUPERVISOR}
RESETS = {"reopen_investigation", "police_declined", "police_returned", "administrative_review_revoked",
          "court_overturned"}


class Walk:
    """A version-2 penalty case and the test's own ledger of what the accepted events did."""

    def __init__(self) -> None:
        self.case = new_case()
        self.now = NOW
        self.investigated = self.reviewed = False
        self.notice: Sanction | None = None

    @property
    def over(self) -> bool:
        return self.case.state in FINAL_STATES

    def fire(self, event: str, data: dict, reason: str | None, days: int) -> None:
        self.now += timedelta(days=days)
        who = str(ROW_BY_EVENT_V2[event].who)
        try:
            step = decide(self.case, ACTOR[who], event, dict(data), reason, RULES, self.now)
        except DomainError:
            return
        if event == "decide":
            decision = Sanction.of(data["fine"], None, data["measures"])
            hypothesis_event("decided a penalty" if is_penalty(decision) else "decided no penalty")
            assert self.investigated, "decided without an investigation"
            assert self.reviewed, "decided without a passed review"
            if is_penalty(decision):
                assert self.notice is not None, "a penalty decided without a notice"
                assert not_heavier(decision, self.notice), "a penalty heavier than its notice"
        elif event == "conclude_investigation":
            self.investigated = True
        elif event == "pass_review":
            self.reviewed = True
        elif event == "notify_penalty":
            self.notice = Sanction.of(data["proposed_fine"], None, data["proposed_measures"])
        elif event in RESETS:
            self.reviewed, self.notice = False, None
        self.case.state, self.case.facts, self.case.amounts = step.to_state, step.facts, step.amounts


@settings(max_examples=300, deadline=None, derandomize=True)
@given(steps=st.lists(st.tuples(EVENT, st.integers(0, 12)), min_size=1, max_size=45))
def test_no_sequence_decides_without_investigation_review_and_notice(steps) -> None:
    """Any event at any time, mostly refused: the table and guards must hold against noise."""
    walk = Walk()
    for (event, data, reason), days in steps:
        walk.fire(event, data, reason, days)
        if walk.over:
            break


@settings(max_examples=200, deadline=None, derandomize=True)
@given(draw=st.data())
def test_no_walk_through_the_table_decides_without_investigation_review_and_notice(draw) -> None:
    """Events drawn among those the table allows from the current state, so walks do reach `decided`."""
    walk = Walk()
    for _ in range(draw.draw(st.integers(1, 60))):
        allowed = sorted(set(events_from(walk.case.track, walk.case.state, 2)) & set(VARIANTS))
        if not allowed:
            break
        event = draw.draw(st.sampled_from(allowed + [e for e in allowed if e in FORWARD] * 4))
        data, reason = draw.draw(VARIANTS[event])
        walk.fire(event, data, reason, draw.draw(st.integers(0, 12)))
        if walk.over:
            break

