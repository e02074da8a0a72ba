"""What the listing tests share: a decided penalty case and the walk of a listing to a state."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tests.helpers import Api, bearer, penalty_case

A, B, CITY = "150602", "150603", "150600"
GROUND = "侵犯商标专用权"
DETAIL = "销售假冒注册商标的白酒，货值较大，两年内再次违法"


def at(day: str, hour_utc: int = 2) -> datetime:
    d = date.fromisoformat(day)
    return datetime(d.year, d.month, d.day, hour_utc, tzinfo=UTC)


def penalise(api: Api, officer: str, supervisor: str, body: dict | None = None, district: str = A) -> dict:
    case = api.create(officer, body or penalty_case(district))
    api.ok(supervisor, case["id"], "accept")
    api.ok(supervisor, case["id"], "notify_penalty", {"proposed_fine": 20000})
    return api.ok(supervisor, case["id"], "decide", {"fine": 20000, "waived": True})


def propose(api: Api, supervisor: str, case: dict, **overrides: Any):
    body = {"party_id": case["parties"]["respondent"]["id"], "case_id": case["id"], "basis": GROUND,
            "detail": DETAIL, **overrides}
    return api.client.post("/api/v1/dishonest-list", json=body, headers=bearer(supervisor))


def step(api: Api, token: str, entry_id: str, event: str, data: dict | None = None, reason: str | None = None):
    body: dict[str, Any] = {"event": event}
    if data is not None:
        body["data"] = data
    if reason is not None:
        body["reason"] = reason
    return api.client.post(f"/api/v1/dishonest-list/{entry_id}/events", json=body, headers=bearer(token))


def ok(api: Api, token: str, entry_id: str, event: str, data: dict | None = None, reason: str | None = None) -> dict:
    response = step(api, token, entry_id, event, data, reason)
    assert response.status_code == 200, response.text
    return response.json()


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"], error
    return error


def listed(api: Api, supervisor: str, city: str, case: dict) -> dict:
    """propose → notify → record_statement (waived) → consent → listed, today."""
    created = propose(api, supervisor, case)
    assert created.status_code == 201, created.text
    entry_id = created.json()["id"]
    ok(api, supervisor, entry_id, "notify")
    ok(api, supervisor, entry_id, "record_statement", {"waived": True})
    ok(api, city, entry_id, "consent", {"decision": "鄂市监信〔2026〕1号"})
    return ok(api, supervisor, entry_id, "listed")
