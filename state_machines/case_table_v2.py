"""The case lifecycle of machine version 2 (SPEC §10.3–§10.5) as one table, beside version 1's.

Read next to SPEC §10.3: one `Row` per line. Version 1's table (`case_table.ROWS`, SPEC §3)
is never edited; `diff_tables()` lists what version 2 adds, drops and changes, so the
difference between the law of §3 and §10 is data, not an `if` in a guard.

`ORIGIN` rows go back to the state stored in `facts[origin_fact]`; `ORIGINS_V2` names the
states each such fact can hold (suspend/resume, a transfer or a designation, a review returned).
"""

from __future__ import annotations

from functools import cache

from transitions import Machine

from .case_table import ORIGIN, SAME, Row, Token, Who, _origin_is
from .case_table import ROWS as ROWS_V1
from .vocabulary import NON_FINAL_STATES_V2, STATES_V2, Track

ANY = NON_FINAL_STATES_V2
P, R = Track.penalty, Track.ruling
O, S, A, X, V, F = Who.officer, Who.supervisor, Who.answer, Who.system, Who.reviewer, Who.file  # noqa: E741

# states of the penalty procedure before a decision (§10.3 refer_to_police, suspend, dismiss)
PROCEDURE = ("filed", "investigated", "in_review", "reviewed", "penalty_notice", "hearing", "heard")
# 提级管辖 (SPEC §12): the city's team takes a case before it is decided; not while a transfer, the
# police or a court has it (those end or come back first)
TAKE_OVER_FROM = ("received", *PROCEDURE, "mediating", "suspended")

ROWS_V2: tuple[Row, ...] = (
    Row("accept", ("received",), "filed", S),  # co_officer / panel / officers; limitation guard
    Row("reject", ("received",), "rejected", S),
    Row("transfer_jurisdiction", ("received", "filed"), "transferring", S),  # not after a transfer (§10.5)
    Row("request_designation", ("received", "filed"), "transferring", S),  # only after a transfer (§10.9)
    Row("transfer_accepted", ("transferring",), "transferred_out", X),
    Row("transfer_disputed", ("transferring",), SAME, X),  # the receiving district disputed: the city designates
    Row("transfer_designated", ("transferring",), "transferred_out", X),  # the city designated another
    Row("transfer_designated_back", ("transferring",), ORIGIN, X, origin_fact="transferring_from"),
    Row("take_over", TAKE_OVER_FROM, "transferred_out", X),  # 提级管辖: the city takes the case (SPEC §12)
    Row("start_mediation", ("filed",), "mediating", O, R),
    Row("mediation_succeeded", ("mediating",), "mediated", O, R),
    Row("mediation_failed", ("mediating",), "filed", O, R),
    Row("request_confirmation", ("mediated",), "awaiting_confirmation", O, R),
    Row("court_confirmed", ("awaiting_confirmation",), "closed", A, R),
    Row("court_rejected", ("awaiting_confirmation",), "mediated", A, R),
    Row("conclude_investigation", ("filed",), "investigated", O, P),
    Row("submit_review", ("investigated", "heard"), "in_review", S, P),
    Row("pass_review", ("in_review",), "reviewed", V, P),
    Row("return_review", ("in_review",), ORIGIN, V, P, origin_fact="review_returns_to"),
    Row("notify_penalty", ("reviewed",), "penalty_notice", S, P),
    Row("request_hearing", ("penalty_notice",), "hearing", O, P),
    Row("schedule_hearing", ("hearing",), SAME, S, P),
    Row("conclude_hearing", ("hearing",), "heard", S, P),
    Row("hearing_waived", ("hearing",), "penalty_notice", S, P),
    Row("reopen_investigation", ("reviewed", "penalty_notice", "heard"), "filed", S, P),
    Row("record_collective_discussion", ("reviewed", "penalty_notice", "heard"), SAME, S, P),
    Row("decide", ("penalty_notice", "reviewed"), "decided", S, P),
    Row("rule", ("filed",), "ruled", S, R),
    Row("refer_to_police", PROCEDURE, "awaiting_police", S),
    Row("police_accepted", ("awaiting_police",), "with_police", A),
    Row("police_declined", ("awaiting_police",), "filed", A),
    Row("police_returned", ("with_police",), "filed", A),
    Row("request_reconsideration", ("filed",), "awaiting_police", S),
    Row("police_concluded", ("with_police",), "closed", A),
    Row("apply_administrative_review", ("decided",), "in_administrative_review", O, P),
    Row("administrative_review_upheld", ("in_administrative_review",), "decided", A, P),
    Row("administrative_review_revoked", ("in_administrative_review",), "filed", A, P),
    Row("administrative_review_changed", ("in_administrative_review",), "decided", A, P),
    Row("file_review_reply", ("in_administrative_review",), SAME, O, P),
    Row("appeal", ("ruled", "decided"), "in_litigation", O),
    Row("file_defence", ("in_litigation",), SAME, O),
    Row("court_upheld", ("in_litigation",), "closed", A),
    Row("court_overturned", ("in_litigation",), "filed", A),
    Row("demand_payment", ("decided",), SAME, O, P),
    Row("apply_enforcement", ("decided", "ruled"), SAME, S),
    Row("suspend", ("filed", "mediating", *PROCEDURE[1:]), "suspended", S),
    Row("resume", ("suspended",), ORIGIN, S, origin_fact="suspended_from"),
    Row("withdraw", ("received", "filed", "mediating"), "withdrawn", O, R),
    Row("dismiss", PROCEDURE, "closed", S),
    Row("close", ("mediated", "ruled", "decided"), "closed", S),
    Row("assign", ANY, SAME, S),
    Row("record_facts", ANY, SAME, O),
    Row("add_note", ANY, SAME, O),
    Row("attach", ANY, SAME, F),  # SPEC §12, as in version 1
    Row("detach", ANY, SAME, F),
    Row("record_service", ANY, SAME, O),
    Row("record_amounts", ANY, SAME, O),
    Row("record_payment", ("decided", "in_litigation", "in_administrative_review"), SAME, O, P),
    Row("record_publication", ("decided", "in_litigation", "in_administrative_review"), SAME, O, P),
    Row("record_defence", ("filed", "mediating"), SAME, O, R),
    Row("pause_clock", ANY, SAME, S),
    Row("resume_clock", ANY, SAME, S),
    Row("extend_deadline", ANY, SAME, S),
    Row("ask_city", ANY, SAME, S),
)

ROW_BY_EVENT_V2: dict[str, Row] = {row.event: row for row in ROWS_V2}
EVENTS_V2: tuple[str, ...] = tuple(ROW_BY_EVENT_V2)

ORIGINS_V2: dict[str, tuple[str, ...]] = {
    "suspended_from": ROW_BY_EVENT_V2["suspend"].sources,
    "transferring_from": ROW_BY_EVENT_V2["transfer_jurisdiction"].sources,
    "review_returns_to": ("filed", "heard"),  # a review of the investigation, or after a hearing
}


def origins_v2(row: Row) -> tuple[str, ...]:
    return ORIGINS_V2[row.origin_fact] if row.origin_fact else ()


def build_machine_v2(track: Track) -> Machine:
    """One shared machine per track, as for version 1 (cases move through it as `Token`s)."""
    machine = Machine(model=None, states=list(STATES_V2), initial="received", auto_transitions=False,
                      ignore_invalid_triggers=True, send_event=True, name=f"case-v2-{track}")
    for row in ROWS_V2:
        if row.track not in (None, track):
            continue
        if row.dest == ORIGIN:
            for origin in origins_v2(row):
                machine.add_transition(row.event, list(row.sources), origin,
                                       conditions=[_origin_is(row.origin_fact, origin)])
        else:
            machine.add_transition(row.event, list(row.sources), None if row.dest == SAME else row.dest)
    return machine


MACHINES_V2: dict[Track, Machine] = {track: build_machine_v2(track) for track in Track}


@cache
def events_from_v2(track: Track, state: str) -> tuple[str, ...]:
    triggers = set(MACHINES_V2[track].get_triggers(state))
    return tuple(e for e in EVENTS_V2 if e in triggers)


def next_state_v2(track: Track, state: str, event: str, facts: dict) -> str | None:
    token = Token(state, facts)
    machine = MACHINES_V2[track]
    if event not in machine.events or not machine.events[event].trigger(token):
        return None
    return token.state


def diff_tables() -> dict[str, list]:
    """Version 2 against version 1, row by row: events added, dropped, and rows that changed."""
    v1 = {row.event: row for row in ROWS_V1}
    return {
        "added": [e for e in ROW_BY_EVENT_V2 if e not in v1],
        "dropped": [e for e in v1 if e not in ROW_BY_EVENT_V2],
        "changed": [(v1[e], ROW_BY_EVENT_V2[e]) for e in v1 if e in ROW_BY_EVENT_V2 and v1[e] != ROW_BY_EVENT_V2[e]],
    }
