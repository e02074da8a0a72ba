"""Delivering a letter to an agency: signed webhook, SMTP e-mail, or the partner's inbox.

Every delivery carries the handoff id as its idempotency key, so a partner recognises a
redelivery of the same letter. A failure raises `DeliveryError`; `permanent` failures (no SMTP
configured, no address) are not worth retrying.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import httpx

SIGNATURE_HEADER = "X-Ipcase-Signature"


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Letter:
    handoff_id: str
    kind: str
    title: str
    case_number: str
    agency: str
    html: str
    callback_url: str


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    return header is not None and hmac.compare_digest(sign(secret, body), header.strip())


def webhook_body(letter: Letter, sent_at: str) -> bytes:
    return json.dumps({
        "handoff_id": letter.handoff_id, "kind": letter.kind, "case_number": letter.case_number,
        "agency": letter.agency, "letter_html": letter.html, "callback_url": letter.callback_url,
        "sent_at": sent_at,
    }, ensure_ascii=False).encode("utf-8")


def deliver_webhook(letter: Letter, url: str, secret: str, sent_at: str, timeout: float) -> None:
    body = webhook_body(letter, sent_at)
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": letter.handoff_id,
               SIGNATURE_HEADER: sign(secret, body)}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook {url}: {type(exc).__name__}: {exc}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"webhook {url} answered {response.status_code}")


def deliver_email(letter: Letter, address: str, smtp_url: str | None, sender: str, timeout: float) -> None:
    if not smtp_url:
        raise DeliveryError("e-mail channel but IPCASE_SMTP_URL is not configured", permanent=True)
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryError(f"IPCASE_SMTP_URL must be smtp://host[:port] or smtps://…, not {smtp_url!r}",
                            permanent=True)
    message = EmailMessage()
    message["Subject"] = f"{letter.title}（{letter.case_number}）"
    message["From"] = sender
    message["To"] = address
    message["Message-ID"] = make_msgid(idstring=letter.handoff_id, domain="ipcase")
    message["Idempotency-Key"] = letter.handoff_id
    message["X-Ipcase-Handoff-Id"] = letter.handoff_id
    message.set_content(f"{letter.title}\n{letter.case_number}\n\n请查阅 HTML 版本。回复地址：{letter.callback_url}")
    message.add_alternative(letter.html, subtype="html")
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    try:
        with smtp_class(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25),
                        timeout=timeout) as smtp:
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"e-mail to {address}: {type(exc).__name__}: {exc}") from None
