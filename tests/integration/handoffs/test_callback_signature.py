"""The signed callback of SPEC §5 (revision 2): the signature binds the handoff and the time.

Security review finding 3: a body-only signature let a signed answer for one handoff be replayed
on another handoff of the same agency, at any later time. Each test here fails on the version-1
scheme.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest

from notifications.delivery import DeliveryError, Letter, deliver_webhook, parse_signature, signature_matches
from tests.helpers import Api
from tests.integration.handoffs.test_handoffs import configure, handoffs_of, referred_case
from tests.partners import WebhookPartner, signed

SECRET = "police-shared-secret-0123456789"
ACCEPTED = json.dumps({"decision": "accepted", "reference": "东公（经）立字〔2026〕12号"}).encode()


@pytest.fixture
def police_webhook(api: Api) -> None:
    """The police answer by signed callback; nothing is delivered in these tests (the handoff stays pending)."""
    configure(api, "police-150602", {"type": "webhook", "url": "https://police.example/letters", "secret": SECRET})


def referral(api: Api) -> tuple[dict, dict, dict[str, str]]:
    case, people = referred_case(api)
    return handoffs_of(api, people["supervisor"], case["id"])["criminal_referral"], case, people


def post_callback(api: Api, handoff_id: str, body: bytes, headers: dict):
    return api.client.post(f"/api/v1/handoffs/{handoff_id}/callback", content=body, headers=headers)


def nothing_recorded(api: Api, people: dict[str, str], handoff: dict, case: dict) -> None:
    after = api.get(people["city"], f"/handoffs/{handoff['id']}").json()
    assert after["answers"] == [] and after["status"] == handoff["status"]
    assert api.get(people["officer"], f"/cases/{case['id']}").json()["version"] == case["version"]
    events = api.get(people["city"], "/audit/events", case_id=handoff["id"]).json()["items"]
    assert [e["event"] for e in events if e["event"].startswith("answer")] == []


def assert_unauthorized(response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"


def test_a_signature_for_one_handoff_is_refused_on_another(api: Api, police_webhook) -> None:
    first, _, _ = referral(api)
    second, case, people = referral(api)
    assert first["agency"] == second["agency"] == "police-150602"
    assert_unauthorized(post_callback(api, second["id"], ACCEPTED, signed(SECRET, first["id"], ACCEPTED)))
    nothing_recorded(api, people, second, case)
    assert post_callback(api, second["id"], ACCEPTED, signed(SECRET, second["id"], ACCEPTED)).status_code == 200


@pytest.mark.parametrize("offset", [-301, 301, -10 * 365 * 86400])
def test_a_signature_outside_the_five_minute_window_is_refused(api: Api, police_webhook, offset: int) -> None:
    handoff, case, people = referral(api)
    stale = signed(SECRET, handoff["id"], ACCEPTED, int(time.time()) + offset)
    assert_unauthorized(post_callback(api, handoff["id"], ACCEPTED, stale))
    nothing_recorded(api, people, handoff, case)


def test_a_signature_a_little_old_is_accepted(api: Api, police_webhook) -> None:
    handoff, _, _ = referral(api)
    r = post_callback(api, handoff["id"], ACCEPTED, signed(SECRET, handoff["id"], ACCEPTED, int(time.time()) - 240))
    assert r.status_code == 200 and r.json()["status"] == "answered"


def test_a_version_1_body_only_signature_is_refused(api: Api, police_webhook) -> None:
    """The hard cut-over: `sha256=<HMAC of the body>` was valid before revision 2 and is not now."""
    handoff, case, people = referral(api)
    v1 = "sha256=" + hmac.new(SECRET.encode(), ACCEPTED, hashlib.sha256).hexdigest()
    assert_unauthorized(post_callback(api, handoff["id"], ACCEPTED, {"X-Ipcase-Signature": v1}))
    nothing_recorded(api, people, handoff, case)


def _malformed(header: str) -> str:
    """Variants of a valid header that break the grammar `t=<1-12 digits>,sha256=<64 lowercase hex>`."""
    t, mac = header.removeprefix("t=").split(",sha256=")
    return {
        "uppercase": f"t={t},sha256={mac.upper()}",
        "reversed": f"sha256={mac},t={t}",
        "space": f"t={t}, sha256={mac}",
        "padded": f" t={t},sha256={mac} ",
        "thirteen_digits": f"t=0{t.zfill(12)},sha256={mac}",
        "short_mac": f"t={t},sha256={mac[:-1]}",
        "extra_field": f"t={t},sha256={mac},v=2",
        "two_macs": f"t={t},sha256={mac},sha256={mac}",
        "negative": f"t=-{t},sha256={mac}",
        "unicode_digits": f"t={t[:-1]}\u0661,sha256={mac}",
    }


@pytest.mark.parametrize("variant", ["uppercase", "reversed", "space", "padded", "thirteen_digits", "short_mac",
                                     "extra_field", "two_macs", "negative", "unicode_digits"])
def test_a_malformed_signature_is_refused(api: Api, police_webhook, variant: str) -> None:
    handoff, case, people = referral(api)
    good = signed(SECRET, handoff["id"], ACCEPTED)["X-Ipcase-Signature"]
    header = _malformed(good)[variant]
    raw = header.encode("utf-8")  # a non-ASCII character goes as its UTF-8 bytes
    assert_unauthorized(post_callback(api, handoff["id"], ACCEPTED, {"X-Ipcase-Signature": raw}))
    nothing_recorded(api, people, handoff, case)


def test_a_non_ascii_byte_in_the_header_is_a_401_not_a_500(api: Api, police_webhook) -> None:
    """`hmac.compare_digest` raised TypeError on a non-ASCII str: an unauthenticated 500."""
    handoff, case, people = referral(api)
    fresh = f"t={int(time.time())},sha256=".encode()  # in the window, so the MAC itself is compared
    for raw in (b"sha256=\xff" + b"0" * 63, b"t=1,sha256=" + b"\xe9" * 64, "sha256=é".encode(),
                fresh + b"\xe9" * 64, fresh + "é".encode() * 32, fresh + b"0" * 63 + b"\xff"):
        assert_unauthorized(post_callback(api, handoff["id"], ACCEPTED, {"X-Ipcase-Signature": raw}))
    nothing_recorded(api, people, handoff, case)


def test_two_signature_headers_are_refused(api: Api, police_webhook) -> None:
    handoff, case, people = referral(api)
    good = signed(SECRET, handoff["id"], ACCEPTED)["X-Ipcase-Signature"]
    r = api.client.post(f"/api/v1/handoffs/{handoff['id']}/callback", content=ACCEPTED,
                        headers=[("X-Ipcase-Signature", good), ("X-Ipcase-Signature", good)])
    assert_unauthorized(r)
    nothing_recorded(api, people, handoff, case)


def test_an_unknown_handoff_or_an_agency_without_a_secret_is_a_401(api: Api) -> None:
    unknown = "00000000-0000-0000-0000-000000000000"
    assert_unauthorized(post_callback(api, unknown, ACCEPTED, signed(SECRET, unknown, ACCEPTED)))
    handoff, case, people = referral(api)  # police-150602 is an inbox agency: it holds no secret
    assert_unauthorized(post_callback(api, handoff["id"], ACCEPTED, signed(SECRET, handoff["id"], ACCEPTED)))
    assert_unauthorized(post_callback(api, handoff["id"], ACCEPTED, signed("", handoff["id"], ACCEPTED)))
    nothing_recorded(api, people, handoff, case)


def test_the_signature_is_checked_before_the_body_is_parsed(api: Api, police_webhook) -> None:
    handoff, case, people = referral(api)
    garbage = b'{"decision": "accepted", oops'
    assert_unauthorized(post_callback(api, handoff["id"], garbage, {"X-Ipcase-Signature": "t=1,sha256=" + "0" * 64}))
    assert_unauthorized(post_callback(api, handoff["id"], garbage, {}))
    r = post_callback(api, handoff["id"], garbage, signed(SECRET, handoff["id"], garbage))
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"
    nothing_recorded(api, people, handoff, case)


def test_a_replayed_callback_answers_the_first_answer_and_records_nothing(api: Api, police_webhook) -> None:
    handoff, case, people = referral(api)
    headers = signed(SECRET, handoff["id"], ACCEPTED)
    first = post_callback(api, handoff["id"], ACCEPTED, headers)
    assert first.status_code == 200 and first.json()["status"] == "answered"
    events = api.get(people["city"], "/audit/events", case_id=handoff["id"]).json()["items"]
    history = api.get(people["officer"], f"/cases/{case['id']}/history").json()["items"]
    replay = post_callback(api, handoff["id"], ACCEPTED, headers)
    assert replay.status_code == 200, replay.text  # not a 409 "already accepted": the partner's retry is answered
    assert replay.json() == first.json()
    assert api.get(people["city"], "/audit/events", case_id=handoff["id"]).json()["items"] == events
    assert api.get(people["officer"], f"/cases/{case['id']}/history").json()["items"] == history
    # the same decision signed anew is a second request, refused as such (SPEC §5)
    t = parse_signature(headers["X-Ipcase-Signature"]).timestamp
    again = post_callback(api, handoff["id"], ACCEPTED, signed(SECRET, handoff["id"], ACCEPTED, t - 1))
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    assert api.get(people["city"], "/audit/verify").json()["ok"] is True


def test_copies_of_one_callback_sent_at_once_are_recorded_once(api: Api, live_server: str, police_webhook) -> None:
    handoff, case, people = referral(api)
    headers = signed(SECRET, handoff["id"], ACCEPTED)
    answers: list[int] = []

    def send() -> None:
        with httpx.Client(base_url=live_server, timeout=30) as http:
            answers.append(http.post(f"/api/v1/handoffs/{handoff['id']}/callback", content=ACCEPTED,
                                     headers=headers).status_code)

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert answers == [200] * 4
    recorded = api.get(people["city"], f"/handoffs/{handoff['id']}").json()["answers"]
    assert [a["decision"] for a in recorded] == ["accepted"]
    history = api.get(people["officer"], f"/cases/{case['id']}/history").json()["items"]
    assert [e["event"] for e in history].count("police_accepted") == 1


def test_each_delivery_attempt_is_signed_over_its_handoff_and_its_time() -> None:
    """Outgoing: `t` is the attempt's time and equals `sent_at`; the HMAC covers `<t>.<handoff id>.<body>`."""
    partner = WebhookPartner(SECRET).start()
    try:
        letter = Letter(handoff_id="11111111-2222-3333-4444-555555555555", kind="criminal_referral",
                        title="涉嫌犯罪案件移送书", case_number="东市监知〔2026〕1号", agency="police-150602",
                        html="<p>移送书</p>", callback_url="http://ipcase.test/cb", webhook_allow_private=True)
        attempts = {"2026-12-01T08:00:00.123456+00:00": "2026-12-01T08:00:00+00:00",
                    "2026-12-01T08:00:07+00:00": "2026-12-01T08:00:07+00:00"}
        for sent_at, shown in attempts.items():
            with pytest.raises(DeliveryError, match="^HTTP 401 from partner webhook$"):
                deliver_webhook(letter, partner.url, SECRET, sent_at, 5)  # the partner's clock says it is stale
            received = partner.received[-1]
            header = received.headers["X-Ipcase-Signature"]
            signature = parse_signature(header)
            assert received.body["sent_at"] == shown
            assert signature.timestamp == int(datetime.fromisoformat(shown).timestamp())
            at = signature.timestamp
            assert signature_matches(SECRET, letter.handoff_id, received.raw, header, now=at)
            assert not signature_matches(SECRET, "another-handoff", received.raw, header, now=at)
            assert not signature_matches(SECRET, letter.handoff_id, received.raw, header, now=at + 301)
            assert not received.signature_ok
        first, second = (parse_signature(r.headers["X-Ipcase-Signature"]) for r in partner.received)
        assert first.t != second.t and first.hexdigest != second.hexdigest  # signed afresh per attempt

        deliver_webhook(letter, partner.url, SECRET, datetime.now(UTC).isoformat(), 5)
        latest = partner.received[-1]
        assert latest.signature_ok and latest.headers["Idempotency-Key"] == letter.handoff_id
    finally:
        partner.stop()
