"""Assistance between districts and regions, jurisdiction transfer, difficult-case requests, major cases."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from service.core.runtime import Runtime
from service.deadlines import service as deadlines
from tests.helpers import Api, bearer, penalty_case
from tests.partners import WebhookPartner, signed
from workflows import context

A, B, C = "150602", "150603", "150621"


@pytest.fixture
def people(api: Api) -> dict[str, str]:
    out = {"city": api.principal("city")}
    for name, district in (("a", A), ("b", B), ("c", C)):
        out[f"{name}_officer"] = api.principal("officer", district)
        out[f"{name}_supervisor"] = api.principal("supervisor", district)
    return out


def post_request(api: Api, token: str, body: dict):
    return api.client.post("/api/v1/assistance-requests", json=body, headers=bearer(token))


def request_event(api: Api, token: str, request_id: str, event: str, data: dict | None = None,
                  reason: str | None = None):
    body = {"event": event, **({"data": data} if data is not None else {}), **({"reason": reason} if reason else {})}
    return api.client.post(f"/api/v1/assistance-requests/{request_id}/events", json=body, headers=bearer(token))


def test_investigation_between_two_districts(api: Api, people) -> None:
    case = api.create(people["a_officer"], penalty_case(A))
    created = post_request(api, people["a_officer"], {"case_id": case["id"], "kind": "investigation",
                                                      "to_district": B, "request": "请协查某商贸公司在康巴什区的仓库"})
    assert created.status_code == 201, created.text
    request = created.json()
    assert request["state"] == "requested" and request["due"] and request["allowed_events"] == []

    received = api.get(people["b_officer"], "/assistance-requests", direction="received").json()["items"]
    assert [r["id"] for r in received] == [request["id"]]
    assert received[0]["case_summary"]["number"] == case["number"]
    assert received[0]["allowed_events"] == ["accept", "decline", "extend"]
    assert api.get(people["b_officer"], f"/cases/{case['id']}").status_code == 404  # not before accepting
    assert api.get(people["c_officer"], f"/assistance-requests/{request['id']}").status_code == 404
    assert request_event(api, people["a_officer"], request["id"], "accept").status_code == 403

    accepted = request_event(api, people["b_officer"], request["id"], "accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    shared = api.get(people["b_officer"], f"/cases/{case['id']}")
    assert shared.status_code == 200 and shared.json()["allowed_events"] == ["add_note"]
    assert api.fire(people["b_officer"], case["id"], "add_note", {"text": "已实地核查仓库"}).status_code == 200
    assert api.fire(people["b_supervisor"], case["id"], "record_amounts", {"marks_count": 3}).status_code == 403
    assert api.get(people["b_officer"], f"/cases/{case['id']}/history").status_code == 200
    assert api.get(people["c_officer"], f"/cases/{case['id']}").status_code == 404

    assert request_event(api, people["b_officer"], request["id"], "reply", {}).status_code == 422
    replied = request_event(api, people["b_officer"], request["id"], "reply",
                            {"findings": "仓库存有侵权白酒 300 瓶", "place": "康巴什区某仓库"})
    assert replied.status_code == 200 and replied.json()["state"] == "replied"
    seen = api.get(people["a_officer"], f"/assistance-requests/{request['id']}").json()
    assert seen["replies"][0]["findings"] == "仓库存有侵权白酒 300 瓶" and seen["allowed_events"] == ["complete"]
    done = request_event(api, people["a_officer"], request["id"], "complete")
    assert done.status_code == 200 and done.json()["state"] == "completed"
    assert api.get(people["b_officer"], f"/cases/{case['id']}").status_code == 404
    assert api.fire(people["b_officer"], case["id"], "add_note", {"text": "x"}).status_code == 404
    documents = api.get(people["a_officer"], f"/cases/{case['id']}/documents").json()["items"]
    assert [d["title"] for d in documents] == ["协查函"]
    assert api.get(people["city"], "/audit/verify").json()["ok"] is True


def test_decline_and_bad_requests(api: Api, people) -> None:
    case = api.create(people["a_officer"], penalty_case(A))
    base = {"case_id": case["id"], "kind": "investigation", "request": "请协查"}
    assert post_request(api, people["a_officer"], {**base, "to_district": A}).status_code == 422
    assert post_request(api, people["a_officer"], {**base, "to_district": "999999"}).status_code == 422
    assert post_request(api, people["a_officer"], {**base, "kind": "transfer", "to_district": B}).status_code == 422
    assert post_request(api, people["a_officer"], base).status_code == 422
    assert post_request(api, people["b_officer"], {**base, "to_district": C}).status_code == 404
    request = post_request(api, people["a_officer"], {**base, "to_district": B}).json()
    assert request_event(api, people["b_officer"], request["id"], "decline").status_code == 422  # reason
    assert request_event(api, people["b_officer"], request["id"], "fly").status_code == 422
    declined = request_event(api, people["b_officer"], request["id"], "decline", reason="不属本辖区")
    assert declined.status_code == 200 and declined.json()["state"] == "declined"
    again = request_event(api, people["b_officer"], request["id"], "accept")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    assert api.get(people["b_officer"], f"/cases/{case['id']}").status_code == 404


def test_joint_enforcement_invites_several_districts(api: Api, people) -> None:
    case = api.create(people["a_officer"], penalty_case(A))
    ids = []
    for district in (B, C):
        r = post_request(api, people["a_officer"], {"case_id": case["id"], "kind": "joint_enforcement",
                                                    "to_district": district, "operation": "2026 春节联合执法",
                                                    "request": "联合检查批发市场"})
        ids.append(r.json()["id"])
    request_event(api, people["b_officer"], ids[0], "accept")
    request_event(api, people["c_officer"], ids[1], "decline", reason="警力不足")
    reply = request_event(api, people["b_officer"], ids[0], "reply",
                          {"findings": "查扣假冒商品 40 件", "date": "2026-02-10", "place": "东胜区批发市场"})
    recorded = reply.json()["replies"][0]
    assert (recorded["date"], recorded["place"]) == ("2026-02-10", "东胜区批发市场")
    sent = api.get(people["a_officer"], "/assistance-requests", case_id=case["id"], direction="sent").json()["items"]
    assert {(r["to_district"], r["state"], r["operation"]) for r in sent} == {
        (B, "replied", "2026 春节联合执法"), (C, "declined", "2026 春节联合执法")}


def test_overdue_assistance_escalates_once_and_extension_is_once(api: Api, runtime: Runtime, people) -> None:
    case = api.create(people["a_officer"], penalty_case(A))
    request = post_request(api, people["a_officer"], {"case_id": case["id"], "kind": "investigation",
                                                      "to_district": B, "request": "请协查"}).json()
    due = request["due"]
    later = (datetime.fromisoformat(due) + timedelta(days=30)).isoformat()[:10]
    extended = request_event(api, people["b_officer"], request["id"], "extend", {"until": later}, reason="需要检验")
    assert extended.status_code == 200 and extended.json()["due"] == later and extended.json()["extended"]
    twice = request_event(api, people["b_officer"], request["id"], "extend", {"until": "2099-01-01"}, reason="x")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "guard_failed"
    after = datetime.fromisoformat(later + "T12:00:00+08:00").astimezone(UTC) + timedelta(days=1)
    with runtime.db.write() as session:
        first = deadlines.sweep(session, runtime.rules, after).as_dict()
    with runtime.db.write() as session:
        second = deadlines.sweep(session, runtime.rules, after).as_dict()
    assert [a["level"] for a in first["alerts"] if a.get("request_id")] == ["overdue"]
    assert second["notifications"] == 0 and second["escalations"] == 0
    escalated = [e for e in api.get(people["city"], "/escalations").json()["items"]
                 if e["clock"] == f"assistance_answer:{request['id']}"]
    assert len(escalated) == 1 and escalated[0]["district"] == B
    assert any(n["subject"].startswith("【协查超期】")
               for n in api.get(people["b_supervisor"], "/notifications").json()["items"])


def test_jurisdiction_transfer_accepted_gives_a_new_linked_case(api: Api, people) -> None:
    case = api.create(people["a_officer"], penalty_case(A))
    api.ok(people["a_supervisor"], case["id"], "accept")
    api.ok(people["a_officer"], case["id"], "add_note", {"text": "初步调查：主要经营地在康巴什区"})
    moving = api.ok(people["a_supervisor"], case["id"], "transfer_jurisdiction", {"to_district": B})
    assert moving["state"] == "transferring"
    [request] = api.get(people["b_supervisor"], "/assistance-requests", direction="received").json()["items"]
    # SPEC §10.9: designation reaches version-1 cases too: a transfer is accepted or disputed
    assert request["kind"] == "transfer" and request["allowed_events"] == ["accept", "dispute"]
    assert request_event(api, people["b_officer"], request["id"], "accept").status_code == 403
    accepted = request_event(api, people["b_supervisor"], request["id"], "accept")
    assert accepted.status_code == 200, accepted.text
    new_id = accepted.json()["new_case_id"]
    original = api.get(people["a_officer"], f"/cases/{case['id']}").json()
    assert original["state"] == "transferred_out" and original["outcome"] == "transferred"
    assert original["transferred_to"] == new_id and original["allowed_events"] == []
    new = api.get(people["b_officer"], f"/cases/{new_id}").json()
    assert new["source"] == "transfer" and new["transferred_from"] == case["id"] and new["district"] == B
    assert new["number"].startswith("康市监知〔") and new["state"] == "received"
    assert new["parties"]["respondent"]["credit_code"] == case["parties"]["respondent"]["credit_code"]
    assert new["title"] == case["title"] and new["amounts"]["case_value"] == "12000.50"
    history = api.get(people["b_officer"], f"/cases/{case['id']}/history")
    assert history.status_code == 200
    assert "初步调查：主要经营地在康巴什区" in json.dumps(history.json(), ensure_ascii=False)
    assert api.get(people["c_officer"], f"/cases/{case['id']}").status_code == 404
    assert api.get(people["city"], "/audit/verify").json()["ok"] is True


def test_a_version_1_transfer_disputed_is_designated_back_by_the_city(api: Api, people) -> None:
    """SPEC §10.9: from the upgrade on, a version-1 case's transfer cannot be declined either; the
    city designates, and the case ends the transfer through its own table's events."""
    case = api.create(people["a_officer"], penalty_case(A))
    assert case["machine_version"] == 1
    api.ok(people["a_supervisor"], case["id"], "accept")
    api.ok(people["a_supervisor"], case["id"], "transfer_jurisdiction", {"to_district": B})
    [request] = api.get(people["b_supervisor"], "/assistance-requests", direction="received").json()["items"]
    declined = request_event(api, people["b_supervisor"], request["id"], "decline", reason="不属于本辖区管辖")
    assert declined.status_code == 409
    disputed = request_event(api, people["b_supervisor"], request["id"], "dispute", reason="不属于本辖区管辖")
    assert disputed.status_code == 200 and disputed.json()["state"] == "disputed"
    escalated = api.get(people["city"], "/escalations").json()["items"]
    assert [(e["case_id"], e["clock"]) for e in escalated] == [(case["id"], "designation")]
    back = request_event(api, people["city"], request["id"], "designate", {"district": A})
    assert back.status_code == 200 and back.json()["state"] == "designated"
    back = api.get(people["a_officer"], f"/cases/{case['id']}").json()
    assert back["state"] == "filed" and "transferred_to" not in back
    history = api.get(people["a_officer"], f"/cases/{case['id']}/history").json()["items"]
    assert history[-1]["event"] == "transfer_declined" and history[-1]["data"]["designated"] == A
    inbox = api.get(people["a_supervisor"], "/notifications").json()["items"]
    assert any(n["subject"].startswith("【指定管辖】") for n in inbox)


def test_a_version_1_transfer_designated_elsewhere_gives_the_new_district_the_case(api: Api, people) -> None:
    case = api.create(people["a_officer"], penalty_case(A))
    api.ok(people["a_supervisor"], case["id"], "accept")
    api.ok(people["a_supervisor"], case["id"], "transfer_jurisdiction", {"to_district": B})
    [request] = api.get(people["b_supervisor"], "/assistance-requests", direction="received").json()["items"]
    request_event(api, people["b_supervisor"], request["id"], "dispute", reason="违法行为地在达拉特旗")
    done = request_event(api, people["city"], request["id"], "designate", {"district": "150621"})
    assert done.status_code == 200, done.text
    original = api.get(people["a_officer"], f"/cases/{case['id']}").json()
    assert original["state"] == "transferred_out" and original["transferred_to"] == done.json()["new_case_id"]
    new = api.get(people["city"], f"/cases/{done.json()['new_case_id']}").json()
    assert new["district"] == "150621" and new["machine_version"] == 1 and new["source"] == "transfer"
    assert api.get(people["city"], "/audit/verify").json()["ok"] is True


def test_cross_region_request_through_a_signed_callback(prefect_server, api: Api, runtime: Runtime,
                                                        people) -> None:
    secret = "hohhot-shared-secret-0123456789"
    hohhot = WebhookPartner(secret).start()
    try:
        r = api.client.patch("/api/v1/agencies/bureau-150100", headers=bearer(api.admin),
                             json={"channel": {"type": "webhook", "url": hohhot.url, "secret": secret}})
        assert r.status_code == 200
        case = api.create(people["a_officer"], penalty_case(A))
        request = post_request(api, people["a_officer"], {"case_id": case["id"], "kind": "investigation",
                                                          "to_agency": "bureau-150100",
                                                          "request": "请协查呼和浩特某供货商"}).json()
        assert request["handoff_id"] and request["to_agency"] == "bureau-150100"
        from workflows.handoffs import dispatch_handoffs

        context.use(runtime)
        for _ in range(20):
            dispatch_handoffs()
            if hohhot.received:
                break
            time.sleep(0.2)
        letter = hohhot.received[0].body
        assert letter["kind"] == "assistance" and "协查函" in letter["letter_html"]
        body = json.dumps({"decision": "answered", "note": "供货商已于 2026 年 1 月停业"}).encode()
        answered = api.client.post(f"/api/v1/handoffs/{letter['handoff_id']}/callback", content=body,
                                   headers=signed(secret, letter["handoff_id"], body))
        assert answered.status_code == 200, answered.text
        seen = api.get(people["a_officer"], f"/assistance-requests/{request['id']}").json()
        assert seen["state"] == "replied" and seen["replies"][0]["findings"] == "供货商已于 2026 年 1 月停业"
        assert request_event(api, people["a_officer"], request["id"], "complete").json()["state"] == "completed"
    finally:
        hohhot.stop()


def test_difficult_case_answered_by_the_city(api: Api, people) -> None:
    case = api.create(people["a_officer"], penalty_case(A))
    api.ok(people["a_supervisor"], case["id"], "ask_city", {"question": "平行进口商品是否构成商标侵权？"})
    [handoff] = [h for h in api.get(people["city"], "/handoffs", case_id=case["id"]).json()["items"]
                 if h["kind"] == "difficult_case"]
    assert handoff["agency"] == "bureau-150600" and "平行进口商品是否构成商标侵权？" in handoff["letter_html"]
    path = f"/api/v1/handoffs/{handoff['id']}/answer"
    assert api.client.post(path, json={"decision": "answered", "note": "x"},
                           headers=bearer(people["b_supervisor"])).status_code == 403
    r = api.client.post(path, json={"decision": "answered", "note": "不构成侵权，但应核实来源"},
                        headers=bearer(people["city"]))
    assert r.status_code == 200 and r.json()["status"] == "closed"
    history = api.get(people["a_officer"], f"/cases/{case['id']}/history").json()["items"]
    assert history[-1]["event"] == "add_note" and "不构成侵权，但应核实来源" in history[-1]["data"]["text"]
    inbox = api.get(people["a_officer"], "/notifications").json()["items"]
    assert inbox[0]["subject"].startswith("【市局答复】")


def test_major_cases_are_reported_to_the_city_once(api: Api, people) -> None:
    big = api.create(people["a_officer"], penalty_case(A, amounts={"case_value": 1_500_000}))
    small = api.create(people["a_officer"], penalty_case(A, amounts={"case_value": 1000}))

    def reports(case_id: str) -> list[dict]:
        return [h for h in api.get(people["city"], "/handoffs", case_id=case_id).json()["items"]
                if h["kind"] == "major_case"]

    assert len(reports(big["id"])) == 1 and reports(big["id"])[0]["agency"] == "bureau-150600"
    assert reports(small["id"]) == []
    api.ok(people["a_officer"], small["id"], "record_amounts", {"amounts": {"illegal_turnover": 2_000_000}})
    api.ok(people["a_officer"], small["id"], "record_amounts", {"amounts": {"illegal_gains": 1_200_000}})
    assert len(reports(small["id"])) == 1
    api.ok(people["a_supervisor"], big["id"], "accept")
    api.ok(people["a_supervisor"], big["id"], "refer_to_police", {"grounds": "案值巨大"})
    assert len(reports(big["id"])) == 1
