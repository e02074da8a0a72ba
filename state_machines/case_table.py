"""The case lifecycle of SPEC §3 as one table, and the `transitions` machines built from it.

Read next to SPEC §3: one `Row` per line of its table. `who` says who may fire the event over
the case API; `answer` and `system` events are fired by a handoff answer or an assistance
request, never directly. `dest=SAME` is an internal event (no state change); `dest=ORIGIN`
goes back to the state stored in `facts[origin_fact]` (suspend/resume, transfer declined).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from transitions import Machine

from .vocabulary import NON_FINAL_STATES, STATES, Track


class Who(StrEnum):
    officer = "officer"  # an officer or a supervisor of the case's district
    supervisor = "supervisor"
    answer = "answer"  # via a handoff answer (partner, or a supervisor's paper answer)
    system = "system"  # via an assistance request (jurisdiction transfer)
    reviewer = "reviewer"  # the review unit's reviewer (machine version 2, SPEC §10.2)
    file = "file"  # via the case file's routes (SPEC §12 attachments): an officer or supervisor, never this API


SAME = "="
ORIGIN = "<origin>"


@dataclass(frozen=True)
class Row:
    event: str
    sources: tuple[str, ...]
    dest: str
    who: Who
    track: Track | None = None  # None: both tracks
    origin_fact: str | None = None  # for dest=ORIGIN


ANY = NON_FINAL_STATES
P, R = Track.penalty, Track.ruling
O, S, A, X, F = Who.officer, Who.supervisor, Who.answer, Who.system, Who.file

ROWS: tuple[Row, ...] = (
    Row("accept", ("received",), "filed", S),
    Row("reject", ("received",), "rejected", S),
    Row("transfer_jurisdiction", ("received", "filed"), "transferring", S),
    Row("transfer_accepted", ("transferring",), "transferred_out", X),
    Row("transfer_declined", ("transferring",), ORIGIN, X, origin_fact="transferring_from"),
    Row("start_mediation", ("filed",), "mediating", O, R),
    Row("mediation_succeeded", ("mediating",), "mediated", O, R),
    Row("mediation_failed", ("mediating",), "filed", O, R),
    Row("request_confirmation", ("mediated",), "awaiting_confirmation", O, R),
    Row("court_confirmed", ("awaiting_confirmation",), "closed", A, R),
    Row("court_rejected", ("awaiting_confirmation",), "mediated", A, R),
    Row("notify_penalty", ("filed",), "penalty_notice", S, P),
    Row("request_hearing", ("penalty_notice",), "hearing", O, P),
    Row("decide", ("penalty_notice", "hearing"), "decided", S, P),
    Row("rule", ("filed",), "ruled", S, R),
    Row("refer_to_police", ("filed", "penalty_notice", "hearing"), "awaiting_police", S),
    Row("police_accepted", ("awaiting_police",), "with_police", A),
    Row("police_declined", ("awaiting_police",), "filed", A),
    Row("request_reconsideration", ("filed",), "awaiting_police", S),
    Row("police_concluded", ("with_police",), "closed", A),
    Row("appeal", ("ruled", "decided"), "in_litigation", O),
    Row("court_upheld", ("in_litigation",), "closed", A),
    Row("court_overturned", ("in_litigation",), "filed", A),
    Row("suspend", ("filed", "mediating", "penalty_notice", "hearing"), "suspended", S),
    Row("resume", ("suspended",), ORIGIN, S, origin_fact="suspended_from"),
    Row("withdraw", ("received", "filed", "mediating"), "withdrawn", O, R),
    Row("dismiss", ("filed", "penalty_notice", "hearing"), "closed", S),
    Row("close", ("mediated", "ruled", "decided"), "closed", S),
    Row("add_note", ANY, SAME, O),
    Row("attach", ANY, SAME, F),  # SPEC §12: a file entered the case file (its SHA-256 in the chain)
    Row("detach", ANY, SAME, F),  # removed from the case file; its bytes are kept
    Row("record_service", ANY, SAME, O),
    Row("record_amounts", ANY, SAME, O),
    Row("record_payment", ("decided", "in_litigation"), SAME, O, P),
    Row("record_publication", ("decided", "in_litigation"), SAME, O, P),
    Row("record_defence", ("filed", "mediating"), SAME, O, R),
    Row("pause_clock", ANY, SAME, S),
    Row("resume_clock", ANY, SAME, S),
    Row("extend_deadline", ANY, SAME, S),
    Row("ask_city", ANY, SAME, S),
)

ROW_BY_EVENT: dict[str, Row] = {row.event: row for row in ROWS}
EVENTS: tuple[str, ...] = tuple(ROW_BY_EVENT)


class Token:
    """The minimal model `transitions` moves: a state and the facts ORIGIN rows read."""

    __slots__ = ("state", "facts")

    def __init__(self, state: str, facts: dict) -> None:
        self.state = state
        self.facts = facts


def _origin_is(fact: str, origin: str):
    return lambda event_data: event_data.model.facts.get(fact) == origin


def origins(row: Row) -> tuple[str, ...]:
    if row.origin_fact == "suspended_from":
        return next(r.sources for r in ROWS if r.event == "suspend")
    return next(r.sources for r in ROWS if r.event == "transfer_jurisdiction")


def build_machine(track: Track, version: int = 1) -> Machine:
    """One shared machine per track; cases are moved through it as `Token`s, never registered.

    Sharing the machine keeps the per-event cost to the trigger itself (a few µs) instead of
    building a Machine (~0.3 ms) per request. `version` picks the table (SPEC §10.1).
    """
    if version != 1:
        from .case_table_v2 import build_machine_v2

        return build_machine_v2(track)
    machine = Machine(
        model=None,
        states=list(STATES),
        initial="received",
        auto_transitions=False,
        ignore_invalid_triggers=True,
        send_event=True,
        name=f"case-{track}",
    )
    for row in ROWS:
        if row.track not in (None, track):
            continue
        if row.dest == ORIGIN:
            for origin in origins(row):
                machine.add_transition(
                    row.event, list(row.sources), origin, conditions=[_origin_is(row.origin_fact, origin)]
                )
        else:
            machine.add_transition(row.event, list(row.sources), None if row.dest == SAME else row.dest)
    return machine


MACHINES: dict[Track, Machine] = {track: build_machine(track) for track in Track}


def events_from(track: Track, state: str, version: int = 1) -> tuple[str, ...]:
    """Events the table of `version` allows from `state` in `track`, in table order."""
    if version != 1:
        from .case_table_v2 import events_from_v2

        return events_from_v2(track, state)
    return _events_from_v1(track, state)


@cache
def _events_from_v1(track: Track, state: str) -> tuple[str, ...]:
    """Cached: the table is fixed, and asking the machine walks every event's transitions, which
    every case answer (its `allowed_events`) would otherwise pay for.
    """
    triggers = set(MACHINES[track].get_triggers(state))
    return tuple(e for e in EVENTS if e in triggers)


def next_state(track: Track, state: str, event: str, facts: dict, version: int = 1) -> str | None:
    """Run the machine of `version`; None when the table does not allow the event from this state."""
    if version != 1:
        from .case_table_v2 import next_state_v2

        return next_state_v2(track, state, event, facts)
    token = Token(state, facts)
    machine = MACHINES[track]
    if event not in machine.events or not machine.events[event].trigger(token):
        return None
    return token.state


def row_of(event: str, version: int = 1) -> Row | None:
    """The row of `event` in the table of `version`, or None when that version has no such event."""
    if version != 1:
        from .case_table_v2 import ROW_BY_EVENT_V2

        return ROW_BY_EVENT_V2.get(event)
    return ROW_BY_EVENT.get(event)
