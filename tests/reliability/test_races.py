"""Many clients firing valid and invalid events on the same few cases: afterwards every history replays
through the machine to the stored state and version, and every chain verifies."""

from __future__ import annotations

import random
import threading
import time

import httpx
from sqlalchemy import select

from service.cases.models import Case
from service.cases.view import load_parties, snapshot
from service.core.models import Event, Principal
from service.core.principals import actor_of
from service.core.runtime import Runtime
from state_machines.case_machine import decide, initial_facts
from tests.helpers import Api, bearer, penalty_case

EVENTS = [
    {"event": "add_note", "data": {"text": "笔录"}},
    {"event": "accept"},
    {"event": "reject", "reason": "不予立案"},
    {"event": "suspend", "reason": "等待鉴定"},
    {"event": "resume"},
    {"event": "notify_penalty", "data": {"proposed_fine": 5000}},
    {"event": "decide", "data": {"fine": 5000, "waived": True}},
    {"event": "record_amounts", "data": {"amounts": {"case_value": 1234}}},
    {"event": "extend_deadline", "data": {"deadline": "case_closing"}, "reason": "复杂"},
    {"event": "dismiss", "reason": "证据不足"},
    {"event": "no_such_event"},
    {"event": "add_note", "data": {"text": ""}},
]


CLIENTS, CASES, SECONDS = 32, 10, 30  # issue 7: 32 clients on the same 10 cases for 30 s


def race(live_server: str, cases: list[str], moves: list[tuple[dict, list[str]]]) -> list[int]:
    """CLIENTS threads firing random `moves` (a body and the tokens that may send it) for SECONDS."""
    deadline = time.monotonic() + SECONDS
    statuses: list[int] = []
    lock = threading.Lock()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=live_server, timeout=60) as http:
            while time.monotonic() < deadline:
                body, tokens = rng.choice(moves)
                headers = bearer(rng.choice(tokens))
                if rng.random() < 0.2:
                    headers["If-Match"] = str(rng.randint(1, 6))
                r = http.post(f"/api/v1/cases/{rng.choice(cases)}/events", json=body, headers=headers)
                with lock:
                    statuses.append(r.status_code)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses and max(statuses) < 500 and 200 in statuses
    assert {409, 422} <= set(statuses), "the mix must include refused events"
    return statuses


def assert_histories_replay(runtime: Runtime, cases: list[str]) -> None:
    """Each case's events, fired again through its machine version by their recorded actors at their
    recorded times, reach the stored state; versions have no gap and the chain's head is the row's."""
    with runtime.db.read() as session:
        actors = {p.id: actor_of(p) for p in session.scalars(select(Principal))}
        for case_id in cases:
            row = session.get(Case, case_id)
            events = list(session.scalars(select(Event).where(Event.stream_id == case_id).order_by(Event.seq)))
            assert [e.seq for e in events] == list(range(1, row.version + 1))  # no (case, version) twice
            assert events[-1].hash == row.head_hash
            # replay: start from the case as created, fire each recorded event at its recorded time
            replay = snapshot(row, *(load_parties(session, case_id).get("respondent") or (None, None)))
            first = events[0]
            replay.state, replay.amounts = "received", {k: None for k in replay.amounts}
            replay.facts = initial_facts(replay, runtime.rules, created_by=first.actor)
            assert first.event == "create"
            for e in events[1:]:
                assert e.from_state == replay.state
                data = {k: v for k, v in e.data.items() if k not in ("handoff_id", "decision", "channel")}
                step = decide(replay, actors[e.actor], e.event, data, e.reason, runtime.rules, e.at)
                assert step.to_state == e.to_state, (e.seq, e.event)
                replay.state, replay.facts, replay.amounts = step.to_state, step.facts, step.amounts
            assert replay.state == row.state


def test_racing_clients_leave_histories_that_replay(api: Api, live_server: str, runtime: Runtime) -> None:
    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    cases = [api.create(officer, penalty_case())["id"] for _ in range(CASES)]
    race(live_server, cases, [(body, [officer, supervisor]) for body in EVENTS])
    assert_histories_replay(runtime, cases)
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True
