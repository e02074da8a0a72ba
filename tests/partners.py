"""Real local servers standing in for partner agencies: an HTTP webhook receiver and an SMTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notifications.delivery import SIGNATURE_HEADER, parse_signature, sign, signature_matches


def signed(secret: str, handoff_id: str, body: bytes, t: int | None = None) -> dict[str, str]:
    """The headers of a callback as a partner's system signs it (SPEC §5), at `t` (default now)."""
    return {"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, handoff_id, body,
                                                                       int(time.time()) if t is None else t)}


def verifies(secret: str, raw: bytes, header: str | None) -> bool:
    """What a partner checks on a delivery: the signature over this handoff, now, and `t` = `sent_at`."""
    try:
        body = json.loads(raw)
        sent_at = int(datetime.fromisoformat(body["sent_at"]).timestamp())
    except (ValueError, KeyError, TypeError):
        return False
    signature = parse_signature(header)
    return (signature is not None and signature.timestamp == sent_at
            and signature_matches(secret, body["handoff_id"], raw, header, now=time.time()))


@dataclass
class Received:
    body: dict
    raw: bytes
    headers: dict[str, str]
    signature_ok: bool


@dataclass
class WebhookPartner:
    """Answers 503 for the first `fail_first` deliveries, then 200; records everything it receives."""

    secret: str
    fail_first: int = 0
    received: list[Received] = field(default_factory=list)
    failures: int = 0
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/letters"

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if r.signature_ok][self.fail_first:]

    def start(self) -> WebhookPartner:
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                ok = verifies(partner.secret, raw, self.headers.get(SIGNATURE_HEADER))
                partner.received.append(Received(json.loads(raw), raw, dict(self.headers.items()), ok))
                if not ok:
                    self.send_response(401)
                elif partner.failures < partner.fail_first:
                    partner.failures += 1
                    self.send_response(503)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


class MailSink:
    """aiosmtpd on a free local port, keeping every message it receives."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                sink.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd needs a concrete port to check that it is up
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def start(self) -> MailSink:
        self.controller.start()
        return self

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def stop(self) -> None:
        self.controller.stop()
