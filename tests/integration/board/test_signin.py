"""Signing in to the workbench with a password (issue 23): sessions server-side, the token never in a cookie."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from service.board.signin import COOKIE
from service.core.deps import AuthFailures
from service.core.models import BoardSession
from tests.helpers import Api, bearer
from tests.integration.board.test_board_security import csrf_of, sign_in

PASSWORD = "长城-Ordos-2026!"


def principal_id(api: Api, token: str) -> str:
    from service.core.principals import find_by_token

    with api.client.app.state.runtime.db.read() as session:
        return find_by_token(session, token).id


def officer_with_password(api: Api, username: str = "zhang.san") -> tuple[str, str]:
    token = api.principal("officer", "150602")
    pid = principal_id(api, token)
    response = api.client.patch(f"/api/v1/principals/{pid}", json={"username": username, "password": PASSWORD},
                                headers=bearer(api.admin))
    assert response.status_code == 200, response.text
    assert response.json()["username"] == username and response.json()["password_set"] is True
    assert PASSWORD not in response.text
    return token, pid


def password_sign_in(api: Api, username: str, password: str):
    api.client.cookies.clear()
    return api.client.post("/board/login", data={"username": username, "password": password,
                                                 "csrf": csrf_of(api.client)}, follow_redirects=False)


def test_sign_in_with_a_password_and_the_cookie_holds_no_token(api: Api) -> None:
    token, _ = officer_with_password(api)
    response = password_sign_in(api, "zhang.san", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/board"
    cookies = response.headers.get_list("set-cookie")
    assert all(token not in c for c in cookies)
    session_cookie = next(c for c in cookies if c.startswith(f"{COOKIE}="))
    assert "httponly" in session_cookie.lower() and "samesite=strict" in session_cookie.lower()
    page = api.client.get("/board")
    assert page.status_code == 200 and "officer-150602" in page.text


def test_a_wrong_password_is_401_then_rate_limited_even_for_the_right_one(api: Api) -> None:
    officer_with_password(api)
    api.client.app.state.auth_failures = AuthFailures(3)
    statuses = [password_sign_in(api, "zhang.san", f"wrong-guess-{i}").status_code for i in range(3)]
    assert statuses == [401, 401, 401]
    assert password_sign_in(api, "nobody", PASSWORD).status_code == 429
    limited = password_sign_in(api, "zhang.san", PASSWORD)  # right, but not even checked now
    assert limited.status_code == 429 and "失败次数过多" in limited.text
    assert COOKIE not in limited.headers.get("set-cookie", "")
    assert api.client.get("/api/v1/cases", headers=bearer("guess")).status_code == 429  # the API's limiter


def test_a_disabled_principal_cannot_sign_in_and_its_session_ends(api: Api) -> None:
    _, pid = officer_with_password(api)
    assert password_sign_in(api, "zhang.san", PASSWORD).status_code == 303
    assert api.client.get("/board", follow_redirects=False).status_code == 200
    assert api.client.patch(f"/api/v1/principals/{pid}", json={"disabled": True},
                            headers=bearer(api.admin)).status_code == 200
    response = api.client.get("/board", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/board/login"
    refused = password_sign_in(api, "zhang.san", PASSWORD)
    assert refused.status_code == 401 and "账号或密码错误" in refused.text


def test_a_tampered_or_expired_session_is_refused(api: Api) -> None:
    officer_with_password(api)
    assert password_sign_in(api, "zhang.san", PASSWORD).status_code == 303
    sid = api.client.cookies.get(COOKIE)
    tampered = sid[:-1] + ("A" if sid[-1] != "A" else "B")
    api.client.cookies.clear()
    response = api.client.get("/board", headers={"cookie": f"{COOKIE}={tampered}"}, follow_redirects=False)
    assert response.status_code == 303
    assert api.client.get("/board", headers={"cookie": f"{COOKIE}={sid}"}, follow_redirects=False).status_code == 200
    with api.client.app.state.runtime.db.write() as session:
        session.execute(update(BoardSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    expired = api.client.get("/board", headers={"cookie": f"{COOKIE}={sid}"}, follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"] == "/board/login"


def test_signing_out_ends_the_session_on_the_server(api: Api) -> None:
    officer_with_password(api)
    assert password_sign_in(api, "zhang.san", PASSWORD).status_code == 303
    sid = api.client.cookies.get(COOKIE)
    page = api.client.get("/board")
    csrf = csrf_of_page(page.text)
    assert api.client.post("/board/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    api.client.cookies.clear()
    replayed = api.client.get("/board", headers={"cookie": f"{COOKIE}={sid}"}, follow_redirects=False)
    assert replayed.status_code == 303


def csrf_of_page(text: str) -> str:
    from tests.integration.board.test_board_security import CSRF_FIELD

    return CSRF_FIELD.search(text).group(1)


def test_first_sign_in_with_the_token_sets_the_password(api: Api) -> None:
    token = api.principal("supervisor", "150602")
    api.client.cookies.clear()
    response = api.client.post("/board/login", data={"token": token, "new_username": "李四", "new_password": PASSWORD,
                                                     "csrf": csrf_of(api.client)}, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert all(token not in c for c in response.headers.get_list("set-cookie"))
    assert password_sign_in(api, "李四", PASSWORD).status_code == 303
    assert password_sign_in(api, "李四", "not-the-password").status_code == 401
    listed = next(p for p in api.get(api.admin, "/principals").json()["items"] if p.get("username") == "李四")
    assert listed["password_set"] is True and "password_hash" not in listed
    audit = api.get(api.admin, "/audit/events", stream_id=listed["id"])
    if audit.status_code == 200:  # the principal's stream records the change, never the password
        assert PASSWORD not in audit.text


def test_a_short_password_or_a_taken_username_is_refused_and_nothing_changes(api: Api) -> None:
    officer_with_password(api)
    token = api.principal("officer", "150602")
    api.client.cookies.clear()
    short = api.client.post("/board/login", data={"token": token, "new_password": "short",
                                                  "csrf": csrf_of(api.client)}, follow_redirects=False)
    assert short.status_code == 422 and "密码长度" in short.text
    taken = api.client.post("/board/login", data={"token": token, "new_username": "zhang.san",
                                                  "new_password": PASSWORD, "csrf": csrf_of(api.client)},
                            follow_redirects=False)
    assert taken.status_code == 422 and COOKIE not in taken.headers.get("set-cookie", "")
    pid = principal_id(api, token)
    patch = api.client.patch(f"/api/v1/principals/{pid}", json={"password": "short"}, headers=bearer(api.admin))
    assert patch.status_code == 422 and "password" in patch.json()["error"].get("fields", ["password"])
    assert sign_in(api.client, token).status_code == 303  # the token still signs in (machines, first time)


def test_a_new_password_signs_the_principal_out_everywhere(api: Api) -> None:
    _, pid = officer_with_password(api)
    assert password_sign_in(api, "zhang.san", PASSWORD).status_code == 303
    sid = api.client.cookies.get(COOKIE)
    assert api.client.patch(f"/api/v1/principals/{pid}", json={"password": PASSWORD + "-new"},
                            headers=bearer(api.admin)).status_code == 200
    api.client.cookies.clear()
    assert api.client.get("/board", headers={"cookie": f"{COOKIE}={sid}"}, follow_redirects=False).status_code == 303
    assert password_sign_in(api, "zhang.san", PASSWORD).status_code == 401
    assert password_sign_in(api, "zhang.san", PASSWORD + "-new").status_code == 303
