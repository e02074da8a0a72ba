"""The board's sign-in, cookies and headers (findings 1 and 8 of the security review), over HTTP.

What only a browser proves (a foreign page's form, the CSP against the real diagram) is in
tests/e2e/test_board_chromium.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.board.signin import COOKIE
from service.core.config import Settings
from service.core.deps import AuthFailures
from service.core.runtime import Runtime
from tests.helpers import Api, bearer, board_cookie, penalty_case

CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(client: TestClient) -> str:
    """The CSRF token the sign-in page hands this client (its cookie lands in the client's jar)."""
    return CSRF_FIELD.search(client.get("/board/login").text).group(1)


def sign_in(client: TestClient, token: str):
    client.cookies.clear()
    return client.post("/board/login", data={"token": token, "csrf": csrf_of(client)}, follow_redirects=False)


def test_a_partner_or_admin_token_as_cookie_gets_no_board(api: Api) -> None:
    case = api.create(api.principal("officer", "150602"), penalty_case(received_at="2025-09-26T09:00:00+08:00"))
    partner = api.principal("partner", agency="police-150602")
    for token in (partner, api.admin):
        api.client.cookies.clear()
        for path in ("/board", f"/board/cases/{case['id']}"):
            response = api.client.get(path, headers={"cookie": board_cookie(api.client, token)},
                                      follow_redirects=False)
            assert response.status_code == 403, (path, response.status_code)
            assert case["number"] not in response.text and "东胜区" not in response.text
        assert api.get(token, f"/cases/{case['id']}").status_code == 404  # as the API answers them


def test_a_partner_cannot_sign_in_to_the_board(api: Api) -> None:
    response = sign_in(api.client, api.principal("partner", agency="police-150602"))
    assert response.status_code == 403 and COOKIE not in response.headers.get("set-cookie", "")


def test_sign_in_without_the_forms_csrf_token_is_refused(api: Api) -> None:
    city = api.principal("city")
    api.client.cookies.clear()
    forged = api.client.post("/board/login", data={"token": city}, follow_redirects=False)
    assert forged.status_code == 403 and COOKIE not in forged.headers.get("set-cookie", "")
    csrf_of(api.client)  # a cookie of its own, but a field of another value
    forged = api.client.post("/board/login", data={"token": city, "csrf": "x" * 43}, follow_redirects=False)
    assert forged.status_code == 403 and f"{COOKIE}=" not in forged.headers.get("set-cookie", "")
    signed = sign_in(api.client, city)
    assert signed.status_code == 303 and signed.headers["location"] == "/board"
    assert api.client.get("/board").status_code == 200


def test_sign_out_without_the_csrf_token_is_refused(api: Api) -> None:
    assert sign_in(api.client, api.principal("city")).status_code == 303
    forged = api.client.post("/board/logout", data={}, follow_redirects=False)
    assert forged.status_code == 403
    assert api.client.get("/board", follow_redirects=False).status_code == 200  # still signed in
    page = api.client.get("/board")
    signed_out = api.client.post("/board/logout", data={"csrf": CSRF_FIELD.search(page.text).group(1)},
                                 follow_redirects=False)
    assert signed_out.status_code == 303
    assert api.client.get("/board", follow_redirects=False).status_code == 303


def test_failed_board_sign_ins_count_in_the_apis_limiter(api: Api) -> None:
    api.client.app.state.auth_failures = AuthFailures(5)
    csrf = csrf_of(api.client)
    statuses = [api.client.post("/board/login", data={"token": f"guess-{i}", "csrf": csrf}).status_code
                for i in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    assert api.client.get("/api/v1/cases", headers=bearer("guess-api")).status_code == 429  # the same limiter
    city = api.principal("city")
    assert sign_in(api.client, city).status_code == 303  # a valid token is never slowed down


def test_a_made_up_board_cookie_counts_as_a_failed_authentication(api: Api) -> None:
    api.client.app.state.auth_failures = AuthFailures(3)
    statuses = [api.client.get("/board", headers={"cookie": f"{COOKIE}=guess-{i}"}, follow_redirects=False)
                .status_code for i in range(5)]
    assert statuses == [303] * 3 + [429] * 2


def test_board_cookies_are_httponly_and_samesite_and_not_secure_by_default(api: Api) -> None:
    response = sign_in(api.client, api.principal("city"))
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith(f"{COOKIE}="))
    assert "httponly" in session.lower() and "samesite=strict" in session.lower()
    assert "secure" not in session.lower().replace("samesite", "")


@pytest.fixture
def secure_client(settings: Settings) -> Iterator[TestClient]:
    runtime = Runtime.from_settings(settings.model_copy(update={"cookie_secure": True})).start()
    with TestClient(create_app(runtime), base_url="https://testserver") as client:
        yield client
    runtime.db.engine.dispose()


def test_cookie_secure_marks_the_board_cookies_secure(api: Api, secure_client: TestClient) -> None:
    city = api.principal("city")
    response = sign_in(secure_client, city)
    assert response.status_code == 303, response.text
    cookies = response.headers.get_list("set-cookie")
    assert cookies and all("; secure" in c.lower() and "httponly" in c.lower() for c in cookies)
    assert any(c.startswith(f"__Host-{COOKIE}=") for c in cookies)  # no subdomain can plant or read it
    assert secure_client.get("/board", follow_redirects=False).status_code == 200


def test_security_headers_and_a_script_free_csp_on_the_board(api: Api) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    assert sign_in(api.client, officer).status_code == 303
    for path in ("/board/login", "/board", f"/board/cases/{case['id']}"):
        response = api.client.get(path)
        assert response.status_code == 200
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        policy = dict(p.strip().split(" ", 1) for p in response.headers["content-security-policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.text), "an inline script the CSP would block"
    api_response = api.get(officer, "/cases")
    assert "default-src 'none'" in api_response.headers["content-security-policy"]
    assert api_response.headers["x-content-type-options"] == "nosniff"


def test_a_disabled_principals_board_cookie_stops_working(api: Api) -> None:
    city = api.principal("city")
    assert sign_in(api.client, city).status_code == 303
    assert api.client.get("/board", follow_redirects=False).status_code == 200
    principal_id = next(p["id"] for p in api.get(api.admin, "/principals").json()["items"] if p["role"] == "city")
    disabled = api.client.patch(f"/api/v1/principals/{principal_id}", json={"disabled": True},
                                headers=bearer(api.admin))
    assert disabled.status_code == 200, disabled.text
    response = api.client.get("/board", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/board/login"


def test_the_city_board_does_not_say_no_open_cases_under_a_table_of_open_cases(api: Api) -> None:
    """The city's list holds only what needs attention; an open case due later is counted, not listed."""
    api.create(api.principal("officer", "150602"), penalty_case())  # filing_decision due in 15 working days
    sign_in(api.client, api.principal("city"))
    page = api.client.get("/board").text
    row = re.search(r"<tr><td>东胜区</td>(.*?)</tr>", page, re.S).group(1)
    assert "<td>1</td>" in row  # one open case in the districts' table
    assert "没有在办案件" not in page and "没有即将到期或已超期的案件" in page
