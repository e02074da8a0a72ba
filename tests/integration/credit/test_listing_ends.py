"""How a listing ends without a step of its own: revoked when the penalty falls (in the same
transaction as the case's event), expired by the sweep the day after `until`."""

from __future__ import annotations

import time_machine
from sqlalchemy import select

from service.core.models import Event
from service.core.runtime import Runtime
from tests.helpers import Api, bearer
from tests.integration.credit.listing_support import A, at, listed, ok, penalise, propose
from workflows import context
from workflows.sweep import sweep_deadlines


def _litigation(api: Api, supervisor: str, case_id: str) -> dict:
    [handoff] = [h for h in api.get(supervisor, "/handoffs", case_id=case_id).json()["items"]
                 if h["kind"] == "litigation"]
    return handoff


def test_a_court_overturning_the_penalty_revokes_the_listing_in_the_same_transaction(
        api: Api, runtime: Runtime) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    case = penalise(api, officer, supervisor)
    entry = listed(api, supervisor, city, case)
    pending = propose(api, supervisor, penalise(api, officer, supervisor)).json()  # another case: untouched
    api.ok(officer, case["id"], "appeal")
    handoff = _litigation(api, supervisor, case["id"])
    answered = api.client.post(f"/api/v1/handoffs/{handoff['id']}/answer", json={"decision": "overturned"},
                               headers=bearer(supervisor))
    assert answered.status_code == 200, answered.text
    shown = api.get(city, f"/dishonest-list/{entry['id']}").json()
    assert shown["state"] == "revoked"
    revoke = shown["steps"][-1]
    assert revoke["event"] == "revoke" and revoke["data"] == {"case_id": case["id"], "cause": "court_overturned"}
    with runtime.db.read() as session:
        case_event = session.scalars(select(Event).where(Event.stream_id == case["id"])
                                     .order_by(Event.seq.desc())).first()
        listing_event = session.scalars(select(Event).where(Event.stream_id == entry["id"])
                                        .order_by(Event.seq.desc())).first()
        assert case_event.event == "court_overturned" and listing_event.event == "revoke"
        assert listing_event.at == case_event.at and listing_event.id > case_event.id  # one transaction, in order
    assert api.get(city, "/dishonest-list/publication").json()["items"] == []
    assert api.get(city, f"/dishonest-list/{pending['id']}").json()["state"] == "proposed"
    assert api.get(city, "/audit/verify").json()["ok"] is True
    assert propose(api, supervisor, api.get(officer, f"/cases/{case['id']}").json()).status_code == 409


def test_a_listing_in_progress_is_revoked_too(api: Api) -> None:
    officer, supervisor = api.principal("officer", A), api.principal("supervisor", A)
    case = penalise(api, officer, supervisor)
    eid = propose(api, supervisor, case).json()["id"]
    ok(api, supervisor, eid, "notify")
    api.ok(officer, case["id"], "appeal")
    handoff = _litigation(api, supervisor, case["id"])
    api.client.post(f"/api/v1/handoffs/{handoff['id']}/answer", json={"decision": "upheld"},
                    headers=bearer(supervisor))
    assert api.get(supervisor, f"/dishonest-list/{eid}").json()["state"] == "notified"  # upheld: stands


def test_the_sweep_expires_a_listing_the_day_after_until(api: Api, runtime: Runtime) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    with time_machine.travel(at("2026-03-02"), tick=False):
        eid = listed(api, supervisor, city, penalise(api, officer, supervisor))["id"]
    context.use(runtime)
    sweep = sweep_deadlines.fn
    with time_machine.travel(at("2029-03-02"), tick=False):  # `until`: still on the list
        assert sweep(now=at("2029-03-02"))["listings_expired"] == 0
        assert [i["id"] for i in api.get(city, "/dishonest-list/publication").json()["items"]] == [eid]
    with time_machine.travel(at("2029-03-03"), tick=False):
        assert sweep(now=at("2029-03-03"))["listings_expired"] == 1
        assert sweep(now=at("2029-03-03"))["listings_expired"] == 0  # idempotent
        assert api.get(city, "/dishonest-list/publication").json()["items"] == []
        shown = api.get(city, f"/dishonest-list/{eid}").json()
        assert shown["state"] == "expired" and shown["steps"][-1]["actor"] == "system"
        assert api.get(city, "/audit/verify").json()["ok"] is True
