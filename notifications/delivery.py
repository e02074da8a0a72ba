"""Delivering a letter to an agency: signed webhook, SMTP e-mail, or the partner's inbox.

Every delivery carries the handoff id as its idempotency key, so a partner recognises a
redelivery of the same letter. A failure raises `DeliveryError`; `permanent` failures (no SMTP
configured, no address, an address the policy refuses) are not worth retrying.

The messages of `DeliveryError` become the handoff's `last_error`, which officers and the
partner read: they name what went wrong ("HTTP 503 from partner webhook", "connection
refused"), never the URL, its query string, an e-mail address or credentials.

Signature (SPEC §5, revision 2): `X-Ipcase-Signature: t=<unix seconds>,sha256=<hex>`, the hex
being the HMAC-SHA256, with the agency's secret, of `<t>.<handoff id>.<raw body>`; the same
scheme signs our deliveries and the partner's callbacks. Binding the handoff and the time
means a signed body cannot be replayed on another handoff, or later than the window.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import smtplib
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

import httpx

from .channels import address_refusal, webhook_url_refusal

SIGNATURE_HEADER = "X-Ipcase-Signature"
_SIGNATURE = re.compile(r"t=([0-9]{1,12}),sha256=([0-9a-f]{64})")
"""The whole grammar: ASCII digits and lowercase hex only, that order, no spaces (SPEC §10.9)."""


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
    webhook_allow_private: bool = False
    """IPCASE_WEBHOOK_ALLOW_PRIVATE as the outbox read it: may the webhook resolve to a private address."""


# --- signature -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Signature:
    t: str
    """The timestamp exactly as sent: the HMAC covers these characters."""
    hexdigest: str

    @property
    def timestamp(self) -> int:
        return int(self.t)


def _mac(secret: str, t: str, handoff_id: str, body: bytes) -> str:
    message = f"{t}.{handoff_id}.".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(secret: str, handoff_id: str, body: bytes, t: int) -> str:
    """The header value signing `body` for `handoff_id` at unix time `t`."""
    return f"t={t},sha256={_mac(secret, str(t), handoff_id, body)}"


def parse_signature(header: str | None) -> Signature | None:
    """The signature of a header that follows the grammar exactly, else None (never raises)."""
    if header is None:
        return None
    match = _SIGNATURE.fullmatch(header)
    return Signature(match[1], match[2]) if match else None


def signature_is_fresh(signature: Signature, now: float, tolerance_seconds: float) -> bool:
    """Within the window on either side: neither older nor further in the future than the tolerance."""
    return abs(now - signature.timestamp) <= tolerance_seconds


def signature_is_valid(secret: str, handoff_id: str, body: bytes, signature: Signature) -> bool:
    return hmac.compare_digest(_mac(secret, signature.t, handoff_id, body), signature.hexdigest)


def signature_matches(secret: str, handoff_id: str, body: bytes, header: str | None, *, now: float,
                      tolerance_seconds: float = 300) -> bool:
    """The whole check a receiver makes: grammar, window, HMAC (what a partner's code does too)."""
    signature = parse_signature(header)
    return (signature is not None and signature_is_fresh(signature, now, tolerance_seconds)
            and signature_is_valid(secret, handoff_id, body, signature))


# --- webhook -------------------------------------------------------------------------------

def webhook_body(letter: Letter, sent_at: str) -> bytes:
    return json.dumps({
        "handoff_id": letter.handoff_id, "kind": letter.kind, "case_number": letter.case_number,
        "agency": letter.agency, "letter_html": letter.html, "callback_url": letter.callback_url,
        "sent_at": sent_at,
    }, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Target:
    """Where a webhook request goes: the URL with its host replaced by the address that was checked."""

    url: httpx.URL
    host_header: str
    extensions: dict


def pinned_target(url: str, *, allow_private: bool) -> Target:
    """Resolve the webhook's host, check every address it resolves to, and pin the first.

    The request then connects to that very address (the Host header and, over TLS, SNI and
    certificate verification keep the name), so a DNS answer that changes between the check and
    the connection (rebinding) is never used.
    """
    reason = webhook_url_refusal(url, allow_private=allow_private)
    if reason:
        raise DeliveryError(f"webhook address refused: {reason}", permanent=True)
    parts = httpx.URL(url)
    host = parts.raw_host.decode("ascii")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise DeliveryError("the partner webhook's host name does not resolve") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))
    if not addresses:
        raise DeliveryError("the partner webhook's host name does not resolve")
    for address in addresses:
        reason = address_refusal(address, allow_private=allow_private)
        if reason:
            raise DeliveryError(f"webhook address refused: the host resolves to {reason}", permanent=True)
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return Target(parts.copy_with(host=str(addresses[0])), parts.netloc.decode("ascii"), extensions)


def _transport_failure(exc: httpx.HTTPError) -> str:
    """What went wrong, in words that carry no URL (httpx's messages may quote it)."""
    text = str(exc).lower()
    if isinstance(exc, httpx.TimeoutException):
        return "the partner webhook timed out"
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text:
            return "connection refused by the partner webhook"
        if "ssl" in text or "certificate" in text or "tls" in text:
            return "TLS handshake with the partner webhook failed"
        return "could not connect to the partner webhook"
    return f"delivery to the partner webhook failed ({type(exc).__name__})"


def deliver_webhook(letter: Letter, url: str, secret: str, sent_at: str, timeout: float, *,
                    allow_private: bool | None = None) -> None:
    """POST the letter, signed afresh for this attempt: the signature's `t` is `sent_at` to the second."""
    sent = datetime.fromisoformat(sent_at)
    t = int((sent if sent.tzinfo else sent.replace(tzinfo=UTC)).timestamp())
    body = webhook_body(letter, datetime.fromtimestamp(t, UTC).isoformat())
    target = pinned_target(url, allow_private=letter.webhook_allow_private if allow_private is None
                           else allow_private)
    headers = {"Host": target.host_header, "Content-Type": "application/json; charset=utf-8",
               "Idempotency-Key": letter.handoff_id, SIGNATURE_HEADER: sign(secret, letter.handoff_id, body, t)}
    try:
        # trust_env=False: no proxy from the environment, so the connection goes to the checked address
        with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False) as client:
            response = client.post(target.url, content=body, headers=headers, extensions=target.extensions)
    except httpx.HTTPError as exc:
        raise DeliveryError(_transport_failure(exc)) from None
    if not 200 <= response.status_code < 300:
        raise DeliveryError(f"HTTP {response.status_code} from partner webhook")


# --- e-mail --------------------------------------------------------------------------------

def _smtp_failure(exc: Exception) -> str:
    """SMTP errors quote addresses and server replies; keep the class and the reply code only."""
    if isinstance(exc, ConnectionRefusedError):
        return "SMTP delivery failed: connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "SMTP delivery failed: timed out"
    code = getattr(exc, "smtp_code", None)
    return f"SMTP delivery failed ({type(exc).__name__}{f' {code}' if code else ''})"


def deliver_email(letter: Letter, address: str, smtp_url: str | None, sender: str, timeout: float) -> None:
    if not smtp_url:
        raise DeliveryError("e-mail channel but IPCASE_SMTP_URL is not configured", permanent=True)
    parts = urlsplit(smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryError("IPCASE_SMTP_URL must be smtp://host[:port] or smtps://host[:port]", permanent=True)
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
        raise DeliveryError(_smtp_failure(exc)) from None
