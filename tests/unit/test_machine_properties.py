"""Property tests: random event sequences never leave the table, and final states stay final."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from state_machines.case_machine import CaseSnapshot, decide, initial_facts
from state_machines.case_table import EVENTS, ORIGIN, ROW_BY_EVENT, SAME
from state_machines.errors import DomainError
from state_machines.vocabulary import FINAL_STATES, Track
from tests.unit.test_case_machine import MINIMAL, NOW, RULES, SUPERVISOR

CHOICES = st.lists(st.tuples(st.sampled_from(EVENTS), st.integers(0, 40)), min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(track=st.sampled_from(list(Track)), steps=CHOICES)
def test_random_sequences_stay_inside_the_table(track: Track, steps) -> None:
    kind = "patent_dispute" if track is Track.ruling else "trademark_infringement"
    case = CaseSnapshot(track, kind, "received", "150602", NOW)
    case.facts = initial_facts(case, RULES)
    now = NOW
    finalised = False
    for event, days in steps:
        now = now + timedelta(days=days)
        data, reason = MINIMAL.get(event, ({}, "理由"))
        try:
            step = decide(case, SUPERVISOR, event, dict(data), reason or "理由", RULES, now)
        except DomainError:
            continue
        assert not finalised, f"{event} accepted after a final state"
        row = ROW_BY_EVENT[event]
        assert case.state in row.sources and row.track in (None, track)
        if row.dest == SAME:
            assert step.to_state == case.state
        elif row.dest != ORIGIN:
            assert step.to_state == row.dest
        case.state, case.facts, case.amounts = step.to_state, step.facts, step.amounts
        if case.state in FINAL_STATES:
            finalised = True
            assert step.outcome is not None
            assert all(c["status"] not in ("running", "paused") for c in case.facts["clocks"].values())
