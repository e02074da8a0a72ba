"""Bad input: a clear 4xx with a machine-readable code, nothing written, never a 500."""

from __future__ import annotations

import json
import random

import pytest

from tests.helpers import ID_NUMBER, Api, bearer, penalty_case


def _count_cases(api: Api) -> int:
    return len(api.get(api.principal("city"), "/cases", limit=500).json()["items"])


@pytest.mark.parametrize("mutation", [
    {"kind": "design_patent"},
    {"district": "999999"},
    {"source": "rumour"},
    {"sector": "weapons"},
    {"title": "x" * 201},
    {"title": "   "},
    {"description": "x" * 10_001},
    {"amounts": {"case_value": -1}},
    {"amounts": {"case_value": "12.345"}},
    {"amounts": {"case_value": "abc"}},
    {"amounts": {"fine": 100}},
    {"marks_count": -1},
    {"tags": ["x"] * 21},
    {"received_at": "2999-01-01T00:00:00+08:00"},
    {"received_at": "yesterday"},
    {"unexpected": True},
    {"parties": {"respondent": {"name": "某公司", "credit_code": "914403001922038217"}}},
    {"parties": {"respondent": {"name": "某公司", "credit_code": "9144030019220382"}}},
    {"parties": {"respondent": {"name": "张三", "id_number": "110105194912310021"}}},
    {"parties": {"respondent": {"name": "张三", "type": "individual", "credit_code": "914403001922038216"}}},
    {"parties": {}},
    {"parties": {"respondent": {"name": "x", "nickname": "y"}}},
])
def test_bad_case_bodies_are_refused_and_write_nothing(api: Api, mutation: dict) -> None:
    officer = api.principal("officer", "150602")
    response = api.client.post("/api/v1/cases", json=penalty_case(**mutation), headers=bearer(officer))
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error" and error["message"]
    assert _count_cases(api) == 0


def test_patent_disputes_go_to_districts_that_hold_rulings(api: Api) -> None:
    officer = api.principal("officer", "150602")
    response = api.client.post("/api/v1/cases", json=penalty_case(kind="patent_dispute"), headers=bearer(officer))
    assert response.status_code == 422 and "ruling" in response.json()["error"]["message"]


def test_individual_id_numbers_are_masked(api: Api) -> None:
    officer = api.principal("officer", "150602")
    body = penalty_case(parties={"respondent": {"name": "张三", "id_number": ID_NUMBER}})
    case = api.create(officer, body)
    party = case["parties"]["respondent"]
    assert party["type"] == "individual" and party["id_number"] == "110***********002X"
    history = api.get(officer, f"/cases/{case['id']}/history").json()
    assert ID_NUMBER not in json.dumps(history)


def test_the_same_credit_code_is_the_same_party(api: Api) -> None:
    officer = api.principal("officer", "150602")
    first = api.create(officer, penalty_case())
    second = api.create(officer, penalty_case())
    assert first["parties"]["respondent"]["id"] == second["parties"]["respondent"]["id"]
    assert second["risk"]["prior_penalties_5y"] == 0


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b"null", b"42", b'"accept"', b'{"event": 5}',
                                 b'{"event": "accept", "data": []}', b'{"event": "accept", "reason": 7}',
                                 b'{"event": "accept", "extra": 1}', b'{"event": "fly"}',
                                 b'{"event": "add_note", "data": {"text": "x", "mood": "sad"}}',
                                 "{\"event\": \"add_note\", \"data\": {\"text\": \"\ud800\"}}".encode("utf-8",
                                                                                                    "surrogatepass"),
                                 b"\xff\xfe"])
def test_malformed_event_bodies_are_validation_errors(api: Api, raw: bytes) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    response = api.client.post(f"/api/v1/cases/{case['id']}/events", content=raw,
                               headers={**bearer(officer), "content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "validation_error"
    assert api.get(officer, f"/cases/{case['id']}").json()["version"] == 1


def test_oversized_bodies_are_refused_with_413(api: Api) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    big = json.dumps({"event": "add_note", "data": {"text": "x" * 300_000}})
    response = api.client.post(f"/api/v1/cases/{case['id']}/events", content=big,
                               headers={**bearer(officer), "content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"

    def chunks():
        for _ in range(40):
            yield b"x" * 10_000

    response = api.client.post("/api/v1/cases", content=chunks(),
                               headers={**bearer(officer), "content-type": "application/json"})
    assert response.status_code == 413


def test_bad_headers_and_queries(api: Api) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    r = api.fire(officer, case["id"], "add_note", {"text": "x"}, headers={"If-Match": "abc"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    for params in ({"limit": 0}, {"limit": 501}, {"cursor": "!!"}, {"state": "nowhere"}, {"kind": "x"},
                   {"overdue": "perhaps"}, {"due_before": "soon"}):
        r = api.get(officer, "/cases", **params)
        assert r.status_code == 422, (params, r.text)
        assert r.json()["error"]["code"] == "validation_error"
    assert api.get(officer, f"/cases/{case['id']}/history", cursor="bad").status_code == 422


def test_authentication_errors(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}):
        r = api.client.get("/api/v1/cases", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_unknown_routes_and_methods(api: Api) -> None:
    assert api.client.get("/api/v1/nothing").json()["error"]["code"] == "not_found"
    assert api.client.delete("/api/v1/cases", headers=bearer(api.admin)).status_code == 405


def test_random_bodies_never_produce_a_500(api: Api) -> None:
    """A small seeded fuzz over the event and case endpoints."""
    officer = api.principal("officer", "150602")
    supervisor = api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case())
    rng = random.Random(20261125)
    events = ["accept", "reject", "notify_penalty", "decide", "add_note", "extend_deadline", "pause_clock",
              "record_amounts", "close", "suspend", "resume", "transfer_jurisdiction", "refer_to_police", "x"]
    values = [None, True, 0, -1, 1.5, 1e308, "", "x" * 300, "2026-02-30", "150603", [], {}, {"a": 1},
              "case_closing", "testing", "150000", "９", "\u0000"]
    fields = ["text", "proposed_fine", "fine", "deadline", "cause", "until", "to_district", "grounds",
              "amounts", "marks_count", "waived", "collective_decision", "served_at", "document"]
    for _ in range(300):
        data = {rng.choice(fields): rng.choice(values) for _ in range(rng.randint(0, 3))}
        body = {"event": rng.choice(events), "data": data}
        if rng.random() < 0.3:
            body["reason"] = rng.choice(values)
        token = rng.choice([officer, supervisor])
        r = api.client.post(f"/api/v1/cases/{case['id']}/events", json=body, headers=bearer(token))
        assert r.status_code < 500, (body, r.text)
        assert r.status_code == 200 or "error" in r.json()
    for _ in range(100):
        body = penalty_case(**{rng.choice(["title", "amounts", "received_at", "tags", "marks_count", "venue"]):
                               rng.choice(values)})
        r = api.client.post("/api/v1/cases", json=body, headers=bearer(officer))
        assert r.status_code < 500, (body, r.text)
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True


def test_nul_characters_are_refused_on_every_write_endpoint(api: Api) -> None:
    """Found by schemathesis: NUL in a field reached PostgreSQL (a 500) on the newer endpoints."""
    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case())
    city = api.principal("city")
    probes = [
        (officer, "/api/v1/assistance-requests", {"case_id": case["id"], "kind": "investigation",
                                                  "to_district": "150603", "request": "协查\u0000"}),
        (supervisor, "/api/v1/dishonest-list", {"party_id": case["parties"]["respondent"]["id"],
                                                "basis": "x\u0000", "until": "2099-01-01"}),
        (city, "/api/v1/typical-cases", {"case_id": case["id"], "summary": "\u0000"}),
        (supervisor, "/api/v1/handoffs/00000000-0000-0000-0000-000000000000/answer",
         {"decision": "accepted", "note": "\u0000"}),
    ]
    for token, path, body in probes:
        r = api.client.post(path, json=body, headers=bearer(token))
        assert r.status_code == 422, (path, r.text)
    r = api.client.patch("/api/v1/agencies/police-150602", headers=bearer(api.admin),
                         json={"channel": {"type": "email", "address": "a\u0000@b.cn"}})
    assert r.status_code == 422


def test_nul_in_the_url_is_a_validation_error(api: Api) -> None:
    """Found by schemathesis on PostgreSQL: a NUL in a query parameter reached the database."""
    city = api.principal("city")
    for url in ("/api/v1/parties?name=a%00b", "/api/v1/audit/events?case_id=x%00", "/api/v1/cases/ab%00cd"):
        r = api.client.get(url, headers=bearer(city))
        assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error", url
