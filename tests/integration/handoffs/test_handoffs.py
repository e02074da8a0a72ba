"""Handoffs end to end through real delivery: a local HTTP server as the police, aiosmtpd as the court."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.core.config import Settings
from service.core.runtime import Runtime
from tests.helpers import ADMIN_TOKEN, Api, bearer, penalty_case, ruling_case
from tests.partners import MailSink, WebhookPartner, signed
from workflows import context

SECRET = "police-shared-secret-0123456789"


@pytest.fixture
def mail():
    sink = MailSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def settings(database_url: str, mail: MailSink) -> Settings:
    return Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN, smtp_url=mail.url,
                    delivery_backoff="0.2,0.2,0.2", public_url="http://ipcase.test")


@pytest.fixture
def police():
    partner = WebhookPartner(SECRET, fail_first=2).start()
    yield partner
    partner.stop()


def configure(api: Api, code: str, channel: dict) -> None:
    r = api.client.patch(f"/api/v1/agencies/{code}", json={"channel": channel}, headers=bearer(api.admin))
    assert r.status_code == 200, r.text


def dispatch_until(runtime: Runtime, done, passes: int = 12) -> None:
    from workflows.handoffs import dispatch_handoffs

    context.use(runtime)
    for _ in range(passes):
        dispatch_handoffs()
        if done():
            return
        time.sleep(0.25)
    raise AssertionError("not delivered in time")


def referred_case(api: Api) -> tuple[dict, dict[str, str]]:
    people = {"officer": api.principal("officer", "150602"), "supervisor": api.principal("supervisor", "150602"),
              "city": api.principal("city"), "police": api.principal("partner", agency="police-150602"),
              "other_police": api.principal("partner", agency="police-150603")}
    case = api.create(people["officer"], penalty_case(amounts={"illegal_turnover": 80000}))
    api.ok(people["supervisor"], case["id"], "accept")
    grounds = {"grounds": "非法经营额 8 万元，涉嫌假冒注册商标罪"}
    case = api.ok(people["supervisor"], case["id"], "refer_to_police", grounds)
    assert case["state"] == "awaiting_police"
    return case, people


def handoffs_of(api: Api, token: str, case_id: str) -> dict[str, dict]:
    items = api.get(token, "/handoffs", case_id=case_id).json()["items"]
    return {h["kind"]: h for h in items}


def test_police_referral_delivered_on_the_third_attempt_and_answered_by_callback(
        prefect_server, api: Api, runtime: Runtime, police: WebhookPartner) -> None:
    configure(api, "police-150602", {"type": "webhook", "url": police.url, "secret": SECRET})
    case, people = referred_case(api)
    kinds = handoffs_of(api, people["supervisor"], case["id"])
    assert set(kinds) == {"criminal_referral", "procuratorate_copy", "major_case"}
    referral = kinds["criminal_referral"]
    assert referral["status"] == "pending" and referral["agency"] == "police-150602"
    assert kinds["procuratorate_copy"]["status"] == "closed"  # inbox channel: delivered at once, no decisions
    assert "涉嫌犯罪案件移送书" in referral["letter_html"] and case["number"] in referral["letter_html"]

    dispatch_until(runtime, lambda: len(police.accepted) == 1)
    assert len(police.received) == 3 and all(r.signature_ok for r in police.received)
    assert {r.headers["Idempotency-Key"] for r in police.received} == {referral["id"]}
    assert {r.body["letter_html"] for r in police.received} == {referral["letter_html"]}
    delivered = api.get(people["supervisor"], f"/handoffs/{referral['id']}").json()
    assert delivered["status"] == "delivered" and delivered["attempts"] == 3 and delivered["due"]
    dispatch_until(runtime, lambda: True, passes=1)
    assert len(police.received) == 3  # nothing is sent twice once delivered

    callback = police.received[-1].body["callback_url"]
    assert callback == f"http://ipcase.test/api/v1/handoffs/{referral['id']}/callback"
    body = json.dumps({"decision": "accepted", "reference": "东公（经）立字〔2026〕12号"}).encode()
    path = f"/api/v1/handoffs/{referral['id']}/callback"
    unsigned = api.client.post(path, content=body, headers={"content-type": "application/json"})
    assert unsigned.status_code == 401
    forged = api.client.post(path, content=body, headers=signed("wrong", referral["id"], body))
    assert forged.status_code == 401
    answered = api.client.post(path, content=body, headers=signed(SECRET, referral["id"], body))
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "answered"
    after = api.get(people["officer"], f"/cases/{case['id']}").json()
    assert after["state"] == "with_police"
    history = api.get(people["officer"], f"/cases/{case['id']}/history").json()["items"]
    assert history[-1]["event"] == "police_accepted" and history[-1]["actor"] == "agency:police-150602"
    assert history[-1]["data"]["handoff_id"] == referral["id"]

    concluded = json.dumps({"decision": "concluded", "note": "已移送起诉"}).encode()
    r = api.client.post(path, content=concluded, headers=signed(SECRET, referral["id"], concluded))
    assert r.status_code == 200 and r.json()["status"] == "closed"
    closed = api.get(people["officer"], f"/cases/{case['id']}").json()
    assert closed["state"] == "closed" and closed["outcome"] == "criminal"
    assert api.get(people["city"], "/audit/verify").json()["ok"] is True


def test_court_confirmation_by_email_and_a_paper_answer(prefect_server, api: Api, runtime: Runtime,
                                                        mail: MailSink) -> None:
    configure(api, "court-150600", {"type": "email", "address": "court@example.test"})
    officer, supervisor = api.principal("officer", "150600"), api.principal("supervisor", "150600")
    case = api.create(officer, ruling_case())
    api.ok(supervisor, case["id"], "accept")
    api.ok(officer, case["id"], "start_mediation", {"parties_consent": True})
    api.ok(officer, case["id"], "mediation_succeeded", {"agreement": "停止侵权并赔偿 3 万元", "compensation": 30000})
    asked = api.ok(officer, case["id"], "request_confirmation")
    assert asked["state"] == "awaiting_confirmation"
    handoff = handoffs_of(api, supervisor, case["id"])["judicial_confirmation"]
    assert handoff["agency"] == "court-150600" and handoff["status"] == "pending"

    dispatch_until(runtime, lambda: len(mail.messages) == 1)
    message = mail.messages[0]
    assert message["To"] == "court@example.test" and message["X-Ipcase-Handoff-Id"] == handoff["id"]
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True)
    assert "司法确认申请材料" in html.decode("utf-8") and "停止侵权并赔偿 3 万元" in html.decode("utf-8")
    delivered = api.get(supervisor, f"/handoffs/{handoff['id']}").json()
    assert delivered["status"] == "delivered" and delivered["answer_clock"] == "court_confirmation"

    r = api.client.post(f"/api/v1/handoffs/{handoff['id']}/answer", headers=bearer(supervisor),
                        json={"decision": "extended", "until": "2099-01-01"})
    assert r.status_code == 200 and r.json()["due"] == "2099-01-01" and r.json()["status"] == "answered"
    r = api.client.post(f"/api/v1/handoffs/{handoff['id']}/answer", headers=bearer(supervisor),
                        json={"decision": "confirmed", "reference": "（2026）蒙06民特1号", "channel": "paper"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    final = api.get(officer, f"/cases/{case['id']}").json()
    assert final["state"] == "closed" and final["outcome"] == "confirmed"
    documents = api.get(officer, f"/cases/{case['id']}/documents").json()["items"]
    assert [d["title"] for d in documents] == ["司法确认申请材料"] and documents[0]["html"] == handoff["letter_html"]


def test_a_referral_committed_before_a_crash_is_delivered_exactly_once_after_restart(
        prefect_server, api: Api, settings: Settings, runtime: Runtime) -> None:
    partner = WebhookPartner(SECRET).start()
    try:
        configure(api, "police-150602", {"type": "webhook", "url": partner.url, "secret": SECRET})
        case, people = referred_case(api)  # committed; no dispatcher ran: the process "died" here
        runtime.db.engine.dispose()
        restarted = Runtime.from_settings(settings).start()
        dispatch_until(restarted, lambda: len(partner.received) >= 1)
        dispatch_until(restarted, lambda: True, passes=2)
        assert len(partner.received) == 1
        referral = handoffs_of(api, people["supervisor"], case["id"])["criminal_referral"]
        assert referral["status"] == "delivered" and referral["attempts"] == 1
        restarted.db.engine.dispose()
    finally:
        partner.stop()


def test_inbox_partner_answers_with_its_token(api: Api) -> None:
    case, people = referred_case(api)
    inbox = api.get(people["police"], "/handoffs").json()["items"]
    assert [h["kind"] for h in inbox] == ["criminal_referral"] and inbox[0]["status"] == "delivered"
    assert api.get(people["other_police"], "/handoffs").json()["items"] == []
    assert api.get(people["other_police"], f"/handoffs/{inbox[0]['id']}").status_code == 404
    path = f"/api/v1/handoffs/{inbox[0]['id']}/answer"
    version = api.get(people["officer"], f"/cases/{case['id']}").json()["version"]

    wrong = api.client.post(path, json={"decision": "accepted"}, headers=bearer(people["other_police"]))
    assert wrong.status_code == 403
    officer = api.client.post(path, json={"decision": "accepted"}, headers=bearer(people["officer"]))
    assert officer.status_code == 403
    unknown = api.client.post(path, json={"decision": "maybe"}, headers=bearer(people["police"]))
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "validation_error"
    early = api.client.post(path, json={"decision": "concluded"}, headers=bearer(people["police"]))
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"
    for bad in ({}, {"decision": "declined", "mood": 1}, {"decision": "declined", "until": "soon"}):
        assert api.client.post(path, json=bad, headers=bearer(people["police"])).status_code == 422
    assert api.get(people["officer"], f"/cases/{case['id']}").json()["version"] == version

    declined = api.client.post(path, json={"decision": "declined", "note": "不符合立案条件"},
                               headers=bearer(people["police"]))
    assert declined.status_code == 200 and declined.json()["status"] == "closed"
    again = api.client.post(path, json={"decision": "accepted"}, headers=bearer(people["police"]))
    assert again.status_code == 409
    back = api.get(people["officer"], f"/cases/{case['id']}").json()
    assert back["state"] == "filed" and "request_reconsideration" in api.get(
        people["supervisor"], f"/cases/{case['id']}").json()["allowed_events"]
    reconsider = api.ok(people["supervisor"], case["id"], "request_reconsideration")
    assert reconsider["state"] == "awaiting_police"
    second = [h for h in api.get(people["police"], "/handoffs").json()["items"] if h.get("reconsideration_of")]
    assert len(second) == 1 and second[0]["reconsideration_of"] == inbox[0]["id"]
    assert second[0]["answer_clock"] == "reconsideration_decision"


def test_email_without_smtp_fails_at_once_and_can_be_retried(prefect_server, api: Api, database_url: str) -> None:
    runtime = Runtime.from_settings(Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN,
                                             delivery_backoff="0.2")).start()
    with TestClient(create_app(runtime)) as client:
        api = Api(client)
        configure(api, "police-150602", {"type": "email", "address": "police@example.test"})
        case, people = referred_case(api)
        referral = handoffs_of(api, people["supervisor"], case["id"])["criminal_referral"]
        dispatch_until(runtime, lambda: api.get(people["supervisor"], f"/handoffs/{referral['id']}")
                       .json()["status"] == "failed")
        failed = api.get(people["city"], f"/handoffs/{referral['id']}").json()
        assert failed["attempts"] == 1 and "IPCASE_SMTP_URL" in failed["last_error"]
        assert [h["id"] for h in api.get(people["city"], "/handoffs", status="failed").json()["items"]] == [
            referral["id"]]
        assert api.client.post(f"/api/v1/handoffs/{referral['id']}/retry",
                               headers=bearer(people["officer"])).status_code == 403
        retried = api.client.post(f"/api/v1/handoffs/{referral['id']}/retry", headers=bearer(people["supervisor"]))
        assert retried.status_code == 200 and retried.json()["status"] == "pending"
        assert api.client.post(f"/api/v1/handoffs/{referral['id']}/retry",
                               headers=bearer(people["supervisor"])).status_code == 409
    runtime.db.engine.dispose()


def test_a_webhook_that_never_answers_fails_after_the_last_attempt(prefect_server, api: Api,
                                                                   runtime: Runtime) -> None:
    partner = WebhookPartner(SECRET, fail_first=100).start()
    try:
        configure(api, "police-150602", {"type": "webhook", "url": partner.url, "secret": SECRET})
        case, people = referred_case(api)
        referral = handoffs_of(api, people["supervisor"], case["id"])["criminal_referral"]
        dispatch_until(runtime, lambda: api.get(people["supervisor"], f"/handoffs/{referral['id']}")
                       .json()["status"] == "failed")
        assert len(partner.received) == 4  # 1 + the 3 configured retries
        assert api.get(people["supervisor"], f"/handoffs/{referral['id']}").json()["attempts"] == 4
    finally:
        partner.stop()


def test_an_unanswered_referral_expires_and_is_escalated(api: Api, runtime: Runtime) -> None:
    from datetime import UTC, datetime, timedelta

    from service.deadlines import service as deadlines

    case, people = referred_case(api)
    referral = handoffs_of(api, people["supervisor"], case["id"])["criminal_referral"]
    assert referral["status"] == "delivered" and referral["answer_clock"] == "police_decision"
    due = datetime.fromisoformat(referral["due"] + "T12:00:00+08:00")
    with runtime.db.write() as session:  # on the due date itself, nothing has expired
        assert deadlines.sweep(session, runtime.rules, due.astimezone(UTC)).escalations == 0
    with runtime.db.write() as session:
        result = deadlines.sweep(session, runtime.rules, (due + timedelta(days=1)).astimezone(UTC)).as_dict()
    assert [a["level"] for a in result["alerts"] if a.get("handoff_id")] == ["expired"]
    assert api.get(people["supervisor"], f"/handoffs/{referral['id']}").json()["status"] == "expired"
    escalated = api.get(people["city"], "/escalations").json()["items"]
    assert [(e["case_id"], e["clock"]) for e in escalated] == [(case["id"], "police_decision")]
    subjects = [n["subject"] for n in api.get(people["supervisor"], "/notifications").json()["items"]]
    assert any(s.startswith("【逾期未复】") for s in subjects)
    late = api.client.post(f"/api/v1/handoffs/{referral['id']}/answer", json={"decision": "accepted"},
                           headers=bearer(people["police"]))
    assert late.status_code == 200  # a late answer is still recorded and moves the case
    assert api.get(people["officer"], f"/cases/{case['id']}").json()["state"] == "with_police"
    assert api.get(people["city"], "/audit/verify").json()["ok"] is True
