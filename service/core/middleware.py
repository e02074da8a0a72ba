"""ASGI middleware: the request-size limit (413), Prometheus request metrics and security headers.

Plain ASGI rather than `BaseHTTPMiddleware`, which costs a task and a copy per request.
"""

from __future__ import annotations

import json
import time

from prometheus_client import Counter, Histogram

REQUESTS = Counter("ipcase_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "ipcase_http_request_seconds", "HTTP request latency", ["method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_FIRED = Counter("ipcase_case_events_total", "Case events fired", ["event"])


BOARD_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
             "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
"""The board: its scripts from /board/static only, none inline. Inline styles stay allowed: the page
has a style block and Mermaid writes a <style> into each diagram it draws (styles run no code)."""
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
            "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
            "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
            "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
"""/docs and /redoc: FastAPI's pages load Swagger UI / ReDoc from jsDelivr with an inline bootstrap script."""
API_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; frame-ancestors 'none'"
"""Everything else (JSON, CSV, XLSX, HTML reports and letters): nothing may run, nothing may frame it."""
_COMMON = ((b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"),
           (b"referrer-policy", b"no-referrer"))


def security_headers(path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Add the security headers a response does not set itself (every response, HTML or not)."""
    present = {name.lower() for name, _ in headers}
    if path.startswith("/board"):
        csp = BOARD_CSP
    elif path in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        csp = DOCS_CSP
    else:
        csp = API_CSP
    extra = [(name, value) for name, value in (*_COMMON, (b"content-security-policy", csp.encode()))
             if name not in present]
    return [*headers, *extra]


def _too_large(limit: int) -> list[dict]:
    return _error(413, "payload_too_large", f"request bodies are limited to {limit} bytes")


def _error(status: int, code: str, message: str) -> list[dict]:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    return [
        {"type": "http.response.start", "status": status,
         "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]},
        {"type": "http.response.body", "body": body},
    ]


class BodyLimitAndMetrics:
    def __init__(self, app, max_body_bytes: int, api_prefix: str, limits: tuple = ()) -> None:
        """`limits`: (method, compiled path pattern, bytes) for routes allowed larger bodies (uploads)."""
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.api_prefix = api_prefix
        self.limits = limits

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_holder = {"status": 500}
        limit = self.max_body_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        path = scope.get("path", "")
        for method, pattern, larger in self.limits:
            if scope["method"] == method and pattern.match(path):
                limit = larger
                break

        async def secured_send(message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": security_headers(path, list(message.get("headers", [])))}
            await send(message)

        if declared is not None and declared.isdigit() and int(declared) > limit:
            for message in _too_large(limit):
                await secured_send(message)
            self._observe(scope, 413, started)
            return
        target = scope.get("query_string", b"") + scope.get("raw_path", b"")
        if b"%00" in target or b"\x00" in target:  # no database stores a NUL in text
            for message in _error(422, "validation_error", "the URL contains a NUL character (%00)"):
                await secured_send(message)
            self._observe(scope, 422, started)
            return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await secured_send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            for message in _too_large(limit):
                await secured_send(message)
            status_holder["status"] = 413
        self._observe(scope, status_holder["status"], started)

    def _observe(self, scope, status: int, started: float) -> None:
        # The route's template (never the raw path, which would make one series per case id);
        # routes of an included router carry their path without the router's prefix.
        template = getattr(scope.get("route"), "path", None) or "unmatched"
        if scope["path"].startswith(self.api_prefix) and not template.startswith(self.api_prefix):
            template = self.api_prefix + template
        REQUESTS.labels(scope["method"], template, str(status)).inc()
        LATENCY.labels(scope["method"], template).observe(time.perf_counter() - started)


class _BodyTooLarge(BaseException):  # noqa: N818
    """BaseException so that FastAPI's body parser, which turns `Exception` into 400, lets it through."""
