"""Where a webhook may point, and who sees it (SPEC §5; security review findings 6 and 7).

Finding 6: `GET /agencies` showed every role each partner's webhook URL and mailbox, and a
handoff's `last_error` repeated the URL (with its query string and credentials) to officers and
partners. Finding 7: any host was accepted as a webhook, the cloud metadata service included.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from notifications.channels import address_refusal, webhook_url_refusal
from notifications.delivery import DeliveryError, Letter, deliver_email, deliver_webhook
from service.app import create_app
from service.core.config import Settings
from service.core.models import Agency
from service.core.runtime import Runtime
from service.handoffs.models import Handoff
from tests.helpers import ADMIN_TOKEN, Api, bearer
from tests.integration.handoffs.test_handoffs import configure, dispatch_until, handoffs_of, referred_case
from tests.partners import WebhookPartner

SECRET = "police-shared-secret-0123456789"
ALWAYS_REFUSED = {
    "http://169.254.169.254/latest/meta-data/": "cloud metadata address",
    "http://2852039166/": "cloud metadata address",  # 169.254.169.254 written as one integer
    "http://0xa9fea9fe/": "cloud metadata address",
    "http://metadata.google.internal/computeMetadata/v1/": "cloud metadata host",
    "http://METADATA.google.internal./": "cloud metadata host",
    "http://100.100.100.200/latest/meta-data/": "cloud metadata address",  # Alibaba Cloud
    "http://[fd00:ec2::254]/": "cloud metadata address",
    "http://169.254.10.1/": "link-local address",
    "http://[fe80::1]/": "link-local address",
    "http://[::ffff:169.254.169.254]/": "cloud metadata address",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:1]/": "link-local address",
    "http://0.0.0.0:8000/": "not a unicast address",
}
PRIVATE = {
    "http://127.0.0.1:8080/hook": "loopback address",
    "http://127.1/": "loopback address",
    "http://localhost/": "loopback address",
    "http://[::1]/": "loopback address",
    "http://10.0.0.5/": "private address",
    "http://192.168.1.1/": "private address",
    "http://172.16.0.1/": "private address",
    "http://100.64.0.1/": "private address",  # carrier-grade NAT
    "http://[fd12:3456::1]/": "private address",  # unique local
    "http://[::ffff:10.0.0.1]/": "private address",
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN, delivery_backoff="0.2,0.2",
                    delivery_timeout_seconds=2, public_url="http://ipcase.test")


@pytest.fixture
def strict_api(database_url: str) -> Iterator[Api]:
    """The production default: IPCASE_WEBHOOK_ALLOW_PRIVATE=false."""
    runtime = Runtime.from_settings(Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN,
                                             webhook_allow_private=False)).start()
    with TestClient(create_app(runtime)) as client:
        yield Api(client)
    runtime.db.engine.dispose()


def patch_webhook(api: Api, url: str):
    return api.client.patch("/api/v1/agencies/police-150602", headers=bearer(api.admin),
                            json={"channel": {"type": "webhook", "url": url, "secret": SECRET}})


def police_channel(api: Api) -> dict:
    return {a["code"]: a for a in api.get(api.admin, "/agencies").json()["items"]}["police-150602"]["channel"]


# --- finding 7: addresses ------------------------------------------------------------------

@pytest.mark.parametrize("url", sorted({**ALWAYS_REFUSED, **PRIVATE}))
def test_a_webhook_to_a_metadata_link_local_or_private_address_is_refused_at_configuration(
        strict_api: Api, url: str) -> None:
    r = patch_webhook(strict_api, url)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "validation_error" and error["fields"] == ["channel.url"]
    assert {**ALWAYS_REFUSED, **PRIVATE}[url] in error["message"]
    assert police_channel(strict_api) == {"type": "inbox"}


@pytest.mark.parametrize("url", sorted(ALWAYS_REFUSED))
def test_link_local_and_metadata_stay_refused_when_private_addresses_are_allowed(api: Api, url: str) -> None:
    r = patch_webhook(api, url)
    assert r.status_code == 422 and ALWAYS_REFUSED[url] in r.json()["error"]["message"]


def test_private_addresses_are_allowed_when_configured_so(api: Api, strict_api: Api) -> None:
    for url in PRIVATE:
        assert patch_webhook(api, url).status_code == 200, url
    assert patch_webhook(strict_api, "https://police.example/letters").status_code == 200
    assert police_channel(strict_api)["url"] == "https://police.example/letters"


def test_only_http_and_https_webhooks_are_accepted(api: Api) -> None:
    for url in ("ftp://police.example/", "file:///etc/passwd", "gopher://police.example/", "police.example"):
        assert patch_webhook(api, url).status_code == 422, url


def test_a_webhook_stored_before_the_policy_is_refused_at_delivery(prefect_server, api: Api,
                                                                   runtime: Runtime) -> None:
    """An address configured before the upgrade (or written around the API) is checked again when delivering."""
    with runtime.db.write() as session:
        session.execute(update(Agency).where(Agency.code == "police-150602").values(channel={
            "type": "webhook", "url": "http://169.254.169.254/latest/meta-data/", "secret": SECRET}))
    case, people = referred_case(api)
    referral = handoffs_of(api, people["supervisor"], case["id"])["criminal_referral"]
    assert referral["status"] == "pending"

    def failed() -> bool:
        return api.get(people["city"], f"/handoffs/{referral['id']}").json()["status"] == "failed"

    dispatch_until(runtime, failed)
    shown = api.get(people["city"], f"/handoffs/{referral['id']}").json()
    assert shown["attempts"] == 1  # refused at once: retrying would ask the same question
    assert shown["last_error"] == "webhook address refused: the webhook host is a cloud metadata address"


def _loopback_name() -> str:
    """A host name (not `localhost`, not a literal) that resolves to this machine, or skip."""
    name = socket.gethostname()
    try:
        infos = socket.getaddrinfo(name, 80, type=socket.SOCK_STREAM)
    except OSError:
        pytest.skip(f"the host name {name!r} does not resolve here")
    addresses = {ipaddress.ip_address(str(i[4][0]).split("%")[0]) for i in infos}
    if name.lower() == "localhost" or not all(address_refusal(a, allow_private=False) for a in addresses):
        pytest.skip(f"the host name {name!r} resolves to a public address here")
    return name


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _letter(**overrides) -> Letter:
    return Letter(**{"handoff_id": "h-1", "kind": "criminal_referral", "title": "涉嫌犯罪案件移送书",
                     "case_number": "东市监知〔2026〕1号", "agency": "police-150602", "html": "<p>x</p>",
                     "callback_url": "http://ipcase.test/cb", **overrides})


def test_delivery_checks_the_addresses_the_name_resolves_to() -> None:
    """A name passes the configuration check (no DNS there); what it resolves to is checked when delivering."""
    name = _loopback_name()
    partner = WebhookPartner(SECRET).start()
    try:
        url = partner.url.replace("127.0.0.1", name)
        assert webhook_url_refusal(url, allow_private=False) is None
        with pytest.raises(DeliveryError) as refused:
            deliver_webhook(_letter(), url, SECRET, _now(), 5)
        assert str(refused.value).startswith("webhook address refused: the host resolves to a ")
        assert refused.value.permanent and name not in str(refused.value)
        assert partner.received == []
    finally:
        partner.stop()


def test_delivery_connects_to_the_checked_address_and_keeps_the_name_for_the_partner() -> None:
    partner = WebhookPartner(SECRET).start()
    try:
        port = partner.server.server_address[1]
        deliver_webhook(_letter(webhook_allow_private=True), f"http://localhost:{port}/letters", SECRET,
                        _now(), 5)
        assert partner.received[0].headers["Host"] == f"localhost:{port}"
        with pytest.raises(DeliveryError, match="loopback"):
            deliver_webhook(_letter(), f"http://localhost:{port}/letters", SECRET, _now(), 5)
        assert len(partner.received) == 1
    finally:
        partner.stop()


# --- finding 6: who sees the channels, and what errors say ------------------------------------

def test_only_admins_see_agency_channel_details(api: Api) -> None:
    configure(api, "police-150602", {"type": "webhook", "url": "https://police.example/letters?token=q-s3cret",
                                     "secret": SECRET})
    configure(api, "court-150600", {"type": "email", "address": "court-clerk@example.test"})
    tokens = {"officer": api.principal("officer", "150602"), "supervisor": api.principal("supervisor", "150602"),
              "city": api.principal("city"), "auditor": api.principal("auditor"),
              "partner": api.principal("partner", agency="police-150602")}
    for role, token in tokens.items():
        r = api.get(token, "/agencies")
        assert r.status_code == 200, role
        agencies = {a["code"]: a for a in r.json()["items"]}
        assert agencies["police-150602"] == {"code": "police-150602", "kind": "police", "division": "150602",
                                             "name": "东胜区公安分局", "channel": {"type": "webhook"}}, role
        assert agencies["court-150600"]["channel"] == {"type": "email"}, role
        text = json.dumps(r.json())
        assert "police.example" not in text and "court-clerk" not in text and "s3cret" not in text, role
    admin = {a["code"]: a for a in api.get(api.admin, "/agencies").json()["items"]}
    assert admin["police-150602"]["channel"] == {"type": "webhook", "secret_set": True,
                                                 "url": "https://police.example/letters?token=q-s3cret"}
    assert admin["court-150600"]["channel"]["address"] == "court-clerk@example.test"
    assert SECRET not in json.dumps(admin)


@pytest.mark.parametrize("url", ["https://user:pw@police.example/hook", "https://user@police.example/hook",
                                 "https://:pw@police.example/hook"])
def test_a_webhook_url_with_credentials_is_refused(api: Api, url: str) -> None:
    r = patch_webhook(api, url)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"] == ["channel.url"] and "credentials" in r.json()["error"]["message"]
    assert police_channel(api) == {"type": "inbox"}


def test_a_failed_delivery_names_no_address(prefect_server, api: Api, runtime: Runtime) -> None:
    partner = WebhookPartner(SECRET, fail_first=100).start()
    try:
        configure(api, "police-150602", {"type": "webhook", "url": f"{partner.url}?token=q-s3cret", "secret": SECRET})
        case, people = referred_case(api)
        referral = handoffs_of(api, people["supervisor"], case["id"])["criminal_referral"]
        dispatch_until(runtime, lambda: len(partner.received) >= 1)
        for token in (people["officer"], people["city"], people["supervisor"]):
            shown = api.get(token, f"/handoffs/{referral['id']}").json()
            assert shown["last_error"] == "HTTP 503 from partner webhook"
    finally:
        partner.stop()
    dispatch_until(runtime, lambda: api.get(people["city"], f"/handoffs/{referral['id']}").json()["status"]
                   == "failed")
    failed = api.get(people["city"], f"/handoffs/{referral['id']}").json()
    assert failed["last_error"] in ("connection refused by the partner webhook", "could not connect to the "
                                    "partner webhook", "the partner webhook timed out")
    with runtime.db.read() as session:
        stored = session.get(Handoff, referral["id"]).last_error
    assert "127.0.0.1" not in stored and "token" not in stored
    events = api.get(people["city"], "/audit/events", case_id=referral["id"]).json()["items"]
    assert "127.0.0.1" not in json.dumps(events) and "s3cret" not in json.dumps(events)


def test_an_error_stored_before_the_fix_is_shown_without_its_address(api: Api, runtime: Runtime) -> None:
    case, people = referred_case(api)
    referral = handoffs_of(api, people["supervisor"], case["id"])["criminal_referral"]
    old = "webhook https://u:pw@police.example/hook?token=q-s3cret: ConnectError: [Errno 111] Connection refused"
    with runtime.db.write() as session:
        session.execute(update(Handoff).where(Handoff.id == referral["id"]).values(last_error=old))
    for token in (people["officer"], people["police"]):
        shown = api.get(token, f"/handoffs/{referral['id']}").json()["last_error"]
        assert "police.example" not in shown and "s3cret" not in shown and "pw" not in shown
        assert "Connection refused" in shown


def test_an_email_failure_names_no_address() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DeliveryError) as failed:
        deliver_email(_letter(), "court-clerk@example.test", f"smtp://mailer:pw@127.0.0.1:{port}", "ipcase@localhost",
                      2)
    assert str(failed.value) == "SMTP delivery failed: connection refused"
    with pytest.raises(DeliveryError) as misconfigured:
        deliver_email(_letter(), "court-clerk@example.test", "http://mailer:pw@smtp.example/", "ipcase@localhost", 2)
    assert "pw" not in str(misconfigured.value) and "smtp.example" not in str(misconfigured.value)
