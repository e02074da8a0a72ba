"""Designation of jurisdiction, machine version 2 (SPEC §10.5, §10.9): a district that receives a
transfer and disputes it may not send it back; the city designates."""

from __future__ import annotations

import pytest

from service.core.config import Settings
from tests.helpers import Api, board_cookie, penalty_case
from tests.integration.cases.v2_support import district_people, person, v2_settings

A, B = "150602", "150603"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def _event(api: Api, token: str, request_id: str, event: str, data: dict | None = None, reason: str | None = None):
    body = {"event": event, "data": data or {}, **({"reason": reason} if reason else {})}
    return api.client.post(f"/api/v1/assistance-requests/{request_id}/events", json=body,
                           headers={"Authorization": f"Bearer {token}"})


def _disputed(api: Api) -> tuple:
    a, b = district_people(api, A), district_people(api, B)
    city = person(api, "city")
    case = api.create(a.officer.token, penalty_case(A))
    api.ok(a.supervisor.token, case["id"], "accept", {"co_officer": a.co_officer.id})
    assert api.ok(a.supervisor.token, case["id"], "transfer_jurisdiction",
                  {"to_district": B})["state"] == "transferring"
    [request] = api.get(b.supervisor.token, "/assistance-requests", direction="received").json()["items"]
    assert request["allowed_events"] == ["accept", "dispute"]
    assert _event(api, b.supervisor.token, request["id"], "decline", reason="x").status_code == 409
    assert _event(api, b.supervisor.token, request["id"], "dispute").status_code == 422  # needs a reason
    disputed = _event(api, b.supervisor.token, request["id"], "dispute", reason="违法行为地不在本辖区")
    assert disputed.status_code == 200, disputed.text
    assert disputed.json()["state"] == "disputed" and disputed.json()["allowed_events"] == []
    assert api.get(a.supervisor.token, f"/cases/{case['id']}").json()["state"] == "transferring"
    inbox = api.get(city.token, "/notifications").json()["items"]
    assert any(n["subject"].startswith("【管辖争议待指定】") for n in inbox)
    # the sending case's `designation` clock runs, and the city finds the dispute among its escalations
    shown = api.get(a.supervisor.token, f"/cases/{case['id']}").json()
    [clock] = [c for c in shown["deadlines"] if c["name"] == "designation"]
    assert clock["status"] in ("running", "due_soon") and clock["label"] == "指定管辖期限"
    assert api.get(a.supervisor.token, f"/cases/{case['id']}/history").json()["items"][-1]["event"] == \
        "transfer_disputed"
    escalated = api.get(city.token, "/escalations").json()["items"]
    assert [(e["case_id"], e["clock"], e["due"]) for e in escalated] == [(case["id"], "designation", clock["due"])]
    board = api.client.get("/board", headers={"cookie": board_cookie(api.client, city.token)}).text
    disputes = board.split('id="disputes"')[1].split("</table>")[0]
    assert case["number"] in disputes and "东胜区" in disputes and "康巴什区" in disputes and clock["due"] in disputes
    return a, b, city, case, request


def test_the_city_designates_the_disputing_district(api: Api) -> None:
    a, b, city, case, request = _disputed(api)
    assert _event(api, b.supervisor.token, request["id"], "designate", {"district": B}).status_code == 403
    seen = api.get(city.token, f"/assistance-requests/{request['id']}").json()
    assert seen["allowed_events"] == ["designate"]
    assert _event(api, city.token, request["id"], "designate", {"district": "999999"}).status_code == 422
    designated = _event(api, city.token, request["id"], "designate", {"district": B})
    assert designated.status_code == 200, designated.text
    assert designated.json()["state"] == "designated"
    new_id = designated.json()["new_case_id"]
    original = api.get(a.supervisor.token, f"/cases/{case['id']}").json()
    assert original["state"] == "transferred_out" and original["transferred_to"] == new_id
    assert api.get(a.supervisor.token, f"/cases/{case['id']}/history").json()["items"][-1]["event"] == \
        "transfer_designated"
    board = api.client.get("/board", headers={"cookie": board_cookie(api.client, city.token)}).text
    assert "没有待指定管辖的移送" in board  # designated: off the city's list
    assert [c["status"] for c in original["deadlines"] if c["name"] == "designation"] == ["met"]
    new = api.get(b.officer.token, f"/cases/{new_id}").json()
    assert new["district"] == B and new["machine_version"] == 2 and new["source"] == "transfer"
    # a case that came from a transfer may not be transferred on (SPEC §10.5)
    api.ok(b.supervisor.token, new_id, "accept", {"officers": [b.officer.id, b.co_officer.id]})
    refused = api.fire(b.supervisor.token, new_id, "transfer_jurisdiction", {"to_district": "150621"})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "guard_failed"
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True


def test_designating_the_sending_district_returns_the_case(api: Api) -> None:
    a, b, city, case, request = _disputed(api)
    back = _event(api, city.token, request["id"], "designate", {"district": A})
    assert back.status_code == 200, back.text
    original = api.get(a.supervisor.token, f"/cases/{case['id']}").json()
    assert original["state"] == "filed" and "transferred_to" not in original
    history = api.get(a.supervisor.token, f"/cases/{case['id']}/history").json()["items"]
    assert history[-1]["event"] == "transfer_designated_back"
    refused = api.fire(a.supervisor.token, case["id"], "transfer_jurisdiction", {"to_district": B})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "guard_failed"
    inbox = api.get(a.supervisor.token, "/notifications").json()["items"]
    assert any(n["subject"].startswith("【指定管辖】") for n in inbox)


def test_a_transferred_case_requests_designation_and_the_city_designates_another_district(api: Api) -> None:
    a, b = district_people(api, A), district_people(api, B)
    city = person(api, "city")
    case = api.create(a.officer.token, penalty_case(A))
    api.ok(a.supervisor.token, case["id"], "accept", {"co_officer": a.co_officer.id})
    api.ok(a.supervisor.token, case["id"], "transfer_jurisdiction", {"to_district": B})
    [request] = api.get(b.supervisor.token, "/assistance-requests", direction="received").json()["items"]
    new_id = _event(api, b.supervisor.token, request["id"], "accept").json()["new_case_id"]
    # 150603 then finds it lacks jurisdiction: it may not transfer on, it asks the city
    asked = api.ok(b.supervisor.token, new_id, "request_designation", {}, "违法行为地在准格尔旗")
    assert asked["state"] == "transferring"
    assert "designation" in {d["name"] for d in asked["deadlines"]}
    [designation] = [r for r in api.get(city.token, "/assistance-requests", case_id=new_id).json()["items"]]
    assert designation["state"] == "disputed" and designation["allowed_events"] == ["designate"]
    assert [(e["case_id"], e["clock"]) for e in api.get(city.token, "/escalations").json()["items"]] == \
        [(new_id, "designation")]
    done = _event(api, city.token, designation["id"], "designate", {"district": "150622"})
    assert done.status_code == 200, done.text
    assert api.get(b.supervisor.token, f"/cases/{new_id}").json()["state"] == "transferred_out"
    third = api.get(api.principal("city"), f"/cases/{done.json()['new_case_id']}").json()
    assert third["district"] == "150622" and third["transferred_from"] == new_id
    assert api.get(api.principal("auditor"), "/audit/verify").json()["ok"] is True
