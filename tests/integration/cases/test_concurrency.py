"""Concurrent requests on one case over a real server: no lost update, no double fire."""

from __future__ import annotations

import httpx
from prometheus_client import REGISTRY

from tests.helpers import Api, all_at_once, bearer, penalty_case


def _race(url: str, token: str, case_id: str, bodies: list[dict], headers: dict[str, str]) -> list[httpx.Response]:
    clients = [httpx.Client(base_url=url, timeout=60) for _ in bodies]  # connected before the barrier
    try:
        return all_at_once(len(bodies), lambda i: clients[i].post(f"/api/v1/cases/{case_id}/events", json=bodies[i],
                                                                   headers={**bearer(token), **headers}))
    finally:
        for http in clients:
            http.close()


def test_sixteen_racers_with_the_same_if_match_one_wins(api: Api, live_server: str) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    bodies = [{"event": "add_note", "data": {"text": f"note {i}"}} for i in range(16)]
    responses = _race(live_server, officer, case["id"], bodies, {"If-Match": '"1"'})
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 15
    assert all(r.json()["error"]["code"] == "version_conflict" for r in responses if r.status_code == 409)
    after = api.get(officer, f"/cases/{case['id']}").json()
    assert after["version"] == 2
    assert len(api.get(officer, f"/cases/{case['id']}/history").json()["items"]) == 2


def _batches() -> tuple[float, float]:
    """Transactions the event writers committed so far, and the events in them (this process)."""
    return (REGISTRY.get_sample_value("ipcase_event_batch_size_count") or 0.0,
            REGISTRY.get_sample_value("ipcase_event_batch_size_sum") or 0.0)


def test_sixteen_racers_without_if_match_are_all_serialised(api: Api, live_server: str) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    bodies = [{"event": "add_note", "data": {"text": f"note {i}"}} for i in range(16)]
    batches_before, events_before = _batches()
    responses = _race(live_server, officer, case["id"], bodies, {})
    batches, events = _batches()
    assert events - events_before == 16
    assert batches - batches_before < 16, "concurrent events should share transactions (group commit)"
    assert [r.status_code for r in responses] == [200] * 16
    assert sorted(r.json()["version"] for r in responses) == list(range(2, 18))
    history = api.get(officer, f"/cases/{case['id']}/history").json()["items"]
    assert [h["seq"] for h in history] == list(range(1, 18))
    assert sorted(h["data"]["text"] for h in history[1:]) == sorted(b["data"]["text"] for b in bodies)
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True


def test_racing_state_changes_are_rechecked_against_the_new_state(api: Api, live_server: str) -> None:
    officer = api.principal("officer", "150602")
    supervisor = api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case())
    bodies = [{"event": "accept"}] * 8 + [{"event": "reject", "reason": "不予立案"}] * 8
    responses = _race(live_server, supervisor, case["id"], bodies, {})
    ok = [r for r in responses if r.status_code == 200]
    assert len(ok) == 1
    assert all(r.status_code == 409 and r.json()["error"]["code"] == "invalid_transition"
               for r in responses if r.status_code != 200)
    assert api.get(officer, f"/cases/{case['id']}").json()["version"] == 2


def test_same_idempotency_key_raced_fires_once(api: Api, live_server: str) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    bodies = [{"event": "add_note", "data": {"text": "一次"}}] * 8
    responses = _race(live_server, officer, case["id"], bodies, {"Idempotency-Key": "k-1"})
    assert [r.status_code for r in responses] == [200] * 8
    assert {r.json()["version"] for r in responses} == {2}
    assert api.get(officer, f"/cases/{case['id']}").json()["version"] == 2


def test_concurrent_case_creation_numbers_are_unique(api: Api, live_server: str) -> None:
    officer = api.principal("officer", "150602")

    def worker(_: int) -> str:
        with httpx.Client(base_url=live_server, timeout=60) as http:
            r = http.post("/api/v1/cases", json=penalty_case(), headers=bearer(officer))
        assert r.status_code == 201, r.text
        return r.json()["number"]

    numbers = all_at_once(10, worker)
    assert len(set(numbers)) == 10
    assert sorted(int(n[-5:-1]) for n in numbers) == list(range(1, 11))
