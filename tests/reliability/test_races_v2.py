"""The 32-client race of test_races.py on version-2 cases (SPEC §10): the statutory steps, with
reviewers and two officers, raced by every role; histories replay through version 2's machine."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from service.core.config import Settings
from service.core.models import Event
from service.core.runtime import Runtime
from tests.helpers import Api, penalty_case
from tests.integration.cases.v2_support import district_people, investigation, v2_settings
from tests.reliability.test_races import CASES, assert_histories_replay, race


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def test_racing_clients_leave_version_2_histories_that_replay(api: Api, live_server: str, runtime: Runtime) -> None:
    people = district_people(api)
    officers = [people.officer.token, people.co_officer.token]
    supervisor, reviewer = people.supervisor.token, people.reviewer.token
    anyone = [*officers, supervisor, reviewer]
    cases = [api.create(people.officer.token, penalty_case())["id"] for _ in range(CASES)]
    assert all(api.get(supervisor, f"/cases/{c}").json()["machine_version"] == 2 for c in cases)
    moves = [
        ({"event": "add_note", "data": {"text": "笔录"}}, anyone),
        ({"event": "accept", "data": {"co_officer": people.co_officer.id}}, [supervisor, officers[0]]),
        ({"event": "reject", "reason": "不予立案"}, [supervisor]),
        ({"event": "conclude_investigation", "data": investigation(5000)}, officers),
        ({"event": "submit_review"}, [supervisor]),
        ({"event": "pass_review", "data": {"opinion": "同意"}}, [reviewer, supervisor]),
        ({"event": "return_review", "reason": "补充调查"}, [reviewer]),
        ({"event": "notify_penalty", "data": {"proposed_fine": 5000}}, [supervisor]),
        ({"event": "notify_penalty", "data": {"proposed_fine": 9000}}, [supervisor]),  # heavier: refused
        ({"event": "decide", "data": {"fine": 5000, "legal_basis": "商标法第六十条第二款", "waived": True}},
         [supervisor]),
        ({"event": "reopen_investigation", "reason": "陈述申辩提出新事实"}, [supervisor]),
        ({"event": "suspend", "reason": "等待鉴定"}, [supervisor]),
        ({"event": "resume"}, [supervisor]),
        ({"event": "record_amounts", "data": {"amounts": {"case_value": 1234}}}, officers),
        ({"event": "dismiss", "reason": "证据不足"}, [supervisor]),
        ({"event": "no_such_event"}, anyone),
        ({"event": "add_note", "data": {"text": ""}}, anyone),
    ]
    statuses = race(live_server, cases, moves)
    assert 403 in statuses  # a reviewer's review events by others, and others' events by the reviewer
    assert_histories_replay(runtime, cases)
    with runtime.db.read() as session:  # the race went through version 2's own steps, not only add_note
        fired = set(session.scalars(select(Event.event).where(Event.stream_id.in_(cases))))
    assert {"accept", "conclude_investigation", "submit_review"} <= fired, fired
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True
