"""Every endpoint × every role, generated from the route table (the OpenAPI one and the HTML routes it
leaves out, the board's): a new endpoint fails here until its row says who may call it. Probes use
unknown ids and empty bodies, so nothing is found or written. Each role's token is presented both
ways a client can: as the bearer (API) and as a board session of its principal; redirects are not followed."""

from __future__ import annotations

import uuid

import pytest
from fastapi.routing import APIRoute

try:  # FastAPI 0.150 keeps an included router as one entry of `app.routes`; this walks into it
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI flattens included routers into `app.routes`
    def iter_route_contexts(routes):
        return routes

from service.core.deps import AuthFailures
from tests.helpers import Api, bearer, board_cookie

ROLES = ("officer", "supervisor", "city", "auditor", "partner", "admin", "reviewer")
READERS = {"officer": 200, "supervisor": 200, "city": 200, "auditor": 200, "partner": 403, "admin": 403,
           "reviewer": 403}
"""Who reads the district's and the city's lists; a reviewer (法制审核, a district's review unit) reads cases only."""


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


# "METHOD path" -> expected status per role for the probe; `None` means no token: 401 unless given.
MATRIX: dict[str, dict[str, int]] = {
    "GET /healthz": {**everyone(200), "anonymous": 200},
    "GET /metrics": {**everyone(200), "anonymous": 200},
    "POST /api/v1/cases": everyone(422),
    "GET /api/v1/cases": {**READERS, "reviewer": 200},
    "GET /api/v1/cases/{case_id}": everyone(404),
    "POST /api/v1/cases/{case_id}/events": everyone(404),
    "GET /api/v1/cases/{case_id}/history": everyone(404),
    "GET /api/v1/cases/{case_id}/documents": everyone(404),
    "GET /api/v1/cases/{case_id}/bureau-documents": everyone(404),
    "POST /api/v1/cases/{case_id}/bureau-documents": everyone(422),
    "GET /api/v1/cases/{case_id}/bureau-documents/{document_id}": everyone(404),
    "GET /api/v1/handoffs": {**READERS, "partner": 200},
    "GET /api/v1/handoffs/{handoff_id}": everyone(404),
    "POST /api/v1/handoffs/{handoff_id}/answer": everyone(422),
    "POST /api/v1/handoffs/{handoff_id}/retry": everyone(404),
    "POST /api/v1/handoffs/{handoff_id}/callback": {**everyone(401), "anonymous": 401},  # unsigned: SPEC §5
    "POST /api/v1/assistance-requests": everyone(422),
    "GET /api/v1/assistance-requests": READERS,
    "GET /api/v1/assistance-requests/{request_id}": everyone(404),
    "POST /api/v1/assistance-requests/{request_id}/events": everyone(404),
    "GET /api/v1/reports/monthly": {**READERS, "officer": 422, "supervisor": 422, "city": 422, "auditor": 422},
    "GET /api/v1/reports/case-details": {**READERS, "officer": 422, "supervisor": 422, "city": 422,
                                         "auditor": 422},
    "GET /api/v1/reports/bulletin": everyone(422),
    "GET /api/v1/reports/summary": everyone(422),
    "POST /api/v1/reports/monthly/submissions": everyone(422),
    "GET /api/v1/reports/monthly/submissions": READERS,
    # issue 20: the seed's reporting calendar (probes lack the year or carry an id for a district/month)
    "GET /api/v1/reports/monthly/submissions/{district}/{month}/versions": everyone(422),
    "GET /api/v1/reports/monthly/submissions/{district}/{month}/versions/{version}": everyone(422),  # review 21
    "POST /api/v1/reports/action-plans": everyone(422),
    "GET /api/v1/reports/action-plans": everyone(422),
    "GET /api/v1/reports/action-plans/{district}/{year}/attachment": everyone(422),
    "GET /api/v1/reports/contacts": everyone(422),
    "POST /api/v1/reports/summaries": everyone(422),
    "GET /api/v1/reports/summaries": everyone(422),
    "GET /api/v1/reports/summaries/city": everyone(422),
    "GET /api/v1/reports/calendar": READERS,
    "GET /api/v1/parties": {**READERS, "officer": 422, "supervisor": 422, "city": 422, "auditor": 422},
    "GET /api/v1/parties/{party_id}": {**READERS, "officer": 404, "supervisor": 404, "city": 404, "auditor": 404},
    "POST /api/v1/dishonest-list": everyone(422),
    "GET /api/v1/dishonest-list": READERS,
    "GET /api/v1/dishonest-list/publication": READERS,
    "GET /api/v1/dishonest-list/{entry_id}": {**READERS, "officer": 404, "supervisor": 404, "city": 404,
                                              "auditor": 404},
    "POST /api/v1/dishonest-list/{entry_id}/events": everyone(422),
    "POST /api/v1/typical-cases": everyone(422),
    "GET /api/v1/typical-cases": READERS,
    "GET /api/v1/notifications": everyone(200),
    "POST /api/v1/notifications/{notification_id}/read": everyone(404),
    "GET /api/v1/escalations": READERS,
    "POST /api/v1/principals": everyone(422),
    "GET /api/v1/principals": {**everyone(403), "admin": 200, "supervisor": 200},  # its district's (§10.9)
    "GET /api/v1/agencies": everyone(200),
    "PATCH /api/v1/agencies/{code}": everyone(422),
    "GET /api/v1/audit/events": {**everyone(403), "auditor": 200, "city": 200, "admin": 200},
    "GET /api/v1/audit/verify": {**everyone(403), "auditor": 200, "city": 200, "admin": 200},
    "GET /api/v1/state-machine": everyone(200),
    "PATCH /api/v1/principals/{principal_id}": everyone(422),
    "POST /api/v1/principals/{principal_id}/token": {**everyone(403), "admin": 404},
    # Campaigns (SPEC §12): readers are the district roles and oversight; partners and admins none.
    "POST /api/v1/campaigns": everyone(422),
    "GET /api/v1/campaigns": READERS,
    "GET /api/v1/campaigns/{campaign_id}": everyone(404),
    "PATCH /api/v1/campaigns/{campaign_id}": everyone(404),
    "POST /api/v1/campaigns/{campaign_id}/inspections": everyone(422),
    "GET /api/v1/campaigns/{campaign_id}/inspections": everyone(404),
    "GET /api/v1/campaigns/{campaign_id}/progress": everyone(404),
    "GET /api/v1/inspections/{inspection_id}": everyone(404),
    "POST /api/v1/inspections/{inspection_id}/case": everyone(422),
    "POST /api/v1/registers": everyone(422),
    "GET /api/v1/registers": READERS,
    "GET /api/v1/registers/{entry_id}": everyone(404),
    "PATCH /api/v1/registers/{entry_id}": everyone(404),
    # The board (HTML): the API's case readers only; sign-in and sign-out need the form's CSRF token.
    "GET /board": {**READERS, "reviewer": 200, "partner": 403, "admin": 403, "anonymous": 303},
    "GET /board/cases/{case_id}": {**everyone(404), "partner": 403, "admin": 403, "anonymous": 303},
    "GET /board/campaigns": {**READERS, "partner": 403, "admin": 403, "anonymous": 303},
    "GET /board/cases": {**READERS, "reviewer": 200, "anonymous": 303},  # the work list (issue 23)
    "POST /board/cases/{case_id}/events": {**everyone(403), "anonymous": 303},  # an event's form: CSRF first
    "GET /board/handoffs/{handoff_id}/letter": {**everyone(404), "partner": 403, "admin": 403, "anonymous": 303},
    "GET /board/intake": {**everyone(403), "officer": 200, "supervisor": 200, "anonymous": 303},
    "POST /board/intake": {**everyone(403), "anonymous": 303},
    "GET /board/check/credit-code": {**READERS, "reviewer": 200, "anonymous": 303},
    # the workbench's queues (issue 23): a probe names no queue, so a reader's answer is the 404
    "GET /board/queues": {**READERS, "reviewer": 200, "partner": 403, "admin": 403, "anonymous": 303},
    "GET /board/queues/{queue}": {**everyone(404), "partner": 403, "admin": 403, "anonymous": 303},
    "GET /board/login": {**everyone(200), "anonymous": 200},
    "POST /board/login": {**everyone(403), "anonymous": 403},
    "POST /board/logout": {**everyone(403), "anonymous": 403},
    "GET /board/static/mermaid.min.js": {**everyone(200), "anonymous": 200},
    "GET /board/static/board.js": {**everyone(200), "anonymous": 200},
    "GET /board/static/htmx.min.js": {**everyone(200), "anonymous": 200},
    # the case file (issue 19): attachments, the archive and its public key, 案卷评查
    "POST /api/v1/cases/{case_id}/attachments": everyone(404),
    "GET /api/v1/cases/{case_id}/attachments": everyone(404),
    "GET /api/v1/cases/{case_id}/attachments/{attachment_id}/content": everyone(404),
    "POST /api/v1/cases/{case_id}/attachments/{attachment_id}/detach": everyone(422),
    "GET /api/v1/cases/{case_id}/archive": everyone(404),
    "GET /api/v1/archive/public-key": {**everyone(200), "anonymous": 200},
    "GET /api/v1/audit/verify/files": {**everyone(403), "auditor": 200, "city": 200, "admin": 200},
    "POST /api/v1/case-file-reviews": everyone(422),
    "GET /api/v1/case-file-reviews/{round_id}": everyone(404),
    "POST /api/v1/case-file-reviews/{round_id}/cases/{case_id}/score": everyone(422),
    "POST /api/v1/case-file-reviews/{round_id}/cases/{case_id}/rectification": everyone(422),
    "POST /api/v1/case-file-reviews/{round_id}/close": {**everyone(403), "city": 404},
    "GET /api/v1/case-file-reviews/{round_id}/results": everyone(404),
    # 通报 (issue 20): every district reads issued bulletins; the city writes; partners and admins nothing
    "POST /api/v1/bulletins": everyone(422),
    "GET /api/v1/bulletins": READERS,
    "GET /api/v1/bulletins/rectifications": READERS,
    "GET /api/v1/bulletins/{bulletin_id}": {**everyone(404), "partner": 403, "admin": 403, "reviewer": 403},
    "PATCH /api/v1/bulletins/{bulletin_id}": {**everyone(403), "city": 404},
    "POST /api/v1/bulletins/{bulletin_id}/issue": {**everyone(403), "city": 404},
    "POST /api/v1/bulletins/{bulletin_id}/rectifications/{district}/answers": everyone(422),
    "POST /api/v1/bulletins/{bulletin_id}/rectifications/{district}/accept": {**everyone(403), "city": 404},
    "GET /board/bulletins": {**READERS, "partner": 403, "admin": 403, "anonymous": 303},
    # city oversight (issue 20, SPEC §12): 交办, 提级管辖, 督办
    "POST /api/v1/oversight/assignments": everyone(422),
    "POST /api/v1/oversight/take-overs": everyone(422),
    "POST /api/v1/oversight/supervision-orders": everyone(422),
    "GET /api/v1/oversight/supervision-orders": READERS,
    "GET /api/v1/oversight/supervision-orders/{order_id}": everyone(404),
    "POST /api/v1/oversight/supervision-orders/{order_id}/replies": everyone(422),
    "POST /api/v1/oversight/supervision-orders/{order_id}/close": everyone(404),
    # 督导考核 (issue 20): the probe sends no year (422); the page defaults to this year, scoped by role
    "GET /api/v1/assessment": everyone(422),
    "POST /api/v1/assessment/adjustments": everyone(422),
    "GET /board/assessment": {**READERS, "partner": 403, "admin": 403, "anonymous": 303},
    # the city's duties as board forms (issue 23 for issue 20): sign-in first, then the CSRF token
    "POST /board/supervision-orders/{order_id}/reply": {**everyone(403), "anonymous": 303},
    "POST /board/supervision-orders/{order_id}/close": {**everyone(403), "anonymous": 303},
    "POST /board/bulletins/{bulletin_id}/rectifications/{district}/answer": {**everyone(403), "anonymous": 303},
    "POST /board/bulletins/{bulletin_id}/rectifications/{district}/accept": {**everyone(403), "anonymous": 303},
    "POST /board/reports/monthly": {**everyone(403), "anonymous": 303},
    "POST /board/reports/action-plan": {**everyone(403), "anonymous": 303},
    "POST /board/reports/summary": {**everyone(403), "anonymous": 303},
}


SECURITY_HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def routes(client) -> list[str]:
    paths = client.app.openapi()["paths"]
    documented = {f"{method.upper()} {path}" for path, ops in paths.items() for method in ops}
    hidden = {f"{method} {route.path}" for route in iter_route_contexts(client.app.routes)
              if isinstance(getattr(route, "original_route", route), APIRoute) and not route.include_in_schema
              for method in route.methods}
    return sorted(documented | hidden)


def test_the_board_is_in_the_route_table() -> None:
    assert {"GET /board", "GET /board/cases/{case_id}", "POST /board/login"} <= set(MATRIX)


def test_every_route_is_in_the_matrix(client) -> None:
    assert routes(client) == sorted(MATRIX)


@pytest.fixture
def tokens(api: Api) -> dict[str, str | None]:
    out: dict[str, str | None] = {"admin": api.admin, "anonymous": None}
    for role in ROLES:
        if role == "admin":
            continue
        district = "150602" if role in ("officer", "supervisor", "reviewer") else None
        out[role] = api.principal(role, district, agency="police-150602" if role == "partner" else None)
    return out


def test_matrix(api: Api, tokens) -> None:
    failures = []
    cookies = {role: board_cookie(api.client, token) for role, token in tokens.items() if token}
    for key, expected in MATRIX.items():
        method, template = key.split(" ", 1)
        path = template
        for name in ("case_id", "handoff_id", "request_id", "party_id", "entry_id", "notification_id",
                     "principal_id", "campaign_id", "inspection_id", "document_id",
                     "attachment_id", "round_id", "bulletin_id"):
            path = path.replace("{" + name + "}", str(uuid.uuid4()))
        path = path.replace("{code}", "police-150602")
        for role, token in tokens.items():
            want = expected.get(role, 401 if role == "anonymous" else None)
            headers = {**bearer(token), "cookie": cookies[role]} if token else {}
            body = {} if method in ("POST", "PATCH") else None
            api.client.app.state.auth_failures = AuthFailures(30)  # the rate limit has its own test
            api.client.cookies.clear()
            response = api.client.request(method, path, headers=headers, json=body, follow_redirects=False)
            if response.status_code != want:
                failures.append(f"{key} as {role}: {response.status_code} (expected {want})")
            for header, value in SECURITY_HEADERS.items():
                if response.headers.get(header) != value:
                    failures.append(f"{key} as {role}: {header} is {response.headers.get(header)!r}")
            if "frame-ancestors 'none'" not in response.headers.get("content-security-policy", ""):
                failures.append(f"{key} as {role}: no Content-Security-Policy with frame-ancestors 'none'")
            if response.status_code >= 400 and path.startswith("/api"):
                assert set(response.json()["error"]) >= {"code", "message"}
    assert failures == [], "\n".join(failures)


def test_failed_authentication_is_rate_limited_but_valid_tokens_pass(api: Api, tokens) -> None:
    statuses = [api.client.get("/api/v1/cases", headers=bearer(f"guess-{i}")).status_code for i in range(40)]
    assert statuses[:30] == [401] * 30 and set(statuses[30:]) == {429}
    limited = api.client.get("/api/v1/cases", headers=bearer("guess-again")).json()
    assert limited["error"]["code"] == "too_many_requests"
    assert api.client.get("/api/v1/cases", headers=bearer(tokens["officer"])).status_code == 200


@pytest.mark.parametrize("attack", ["' OR '1'='1", "150602'; DROP TABLE cases; --", "%' OR 1=1 --",
                                    "\\x00", "1 UNION SELECT token_hash FROM principals"])
def test_sql_injection_in_filters_is_inert(api: Api, tokens, attack: str) -> None:
    from tests.helpers import penalty_case

    case = api.create(tokens["officer"], penalty_case())
    city = tokens["city"]
    probes = [("/cases", {"district": attack}), ("/cases", {"cursor": attack}), ("/handoffs", {"agency": attack}),
              ("/handoffs", {"case_id": attack}), ("/audit/events", {"actor": attack}),
              ("/audit/events", {"case_id": attack}), ("/parties", {"name": attack}),
              ("/parties", {"credit_code": attack}), ("/assistance-requests", {"case_id": attack}),
              ("/escalations", {"district": attack}), ("/reports/monthly", {"month": attack}),
              ("/reports/monthly", {"month": "2026-01", "district": attack})]
    for path, params in probes:
        response = api.get(city, path, **params)
        assert response.status_code < 500, (path, params, response.text)
        if response.status_code == 200 and "items" in response.json():
            assert response.json()["items"] == [] or path == "/reports/monthly"
    assert api.get(city, f"/cases/{case['id']}").status_code == 200
    assert api.get(city, "/audit/verify").json()["ok"] is True


def test_tokens_are_never_returned_or_logged(api: Api, tokens, caplog) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    officer = tokens["officer"]
    api.get(officer, "/cases")
    api.client.get("/api/v1/cases", headers=bearer(officer + "x"))
    listed = api.get(api.admin, "/principals").text
    for token in (officer, api.admin):
        assert token not in listed
        assert token not in caplog.text
