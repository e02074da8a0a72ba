"""The board's sign-in, sessions, cookies and CSRF, and the page helper every board page renders with.

Who may sign in is the API's rule for reading cases (`CASE_READERS`), checked on every page,
not only at sign-in: a disabled principal's session stops working at once. The session lives
server-side (`board_sessions`); the cookie holds a random id, never the API token. Every form
carries a CSRF token (double-submit: a random value in a cookie of its own, repeated in the
form), so a foreign page can neither sign the browser in as someone else nor sign it out;
failed sign-ins count in the API's limiter of failed authentications, and past its limit a
password is not even checked.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from service.board.labels import event_label, field_label, value_label
from service.cases.queries import CASE_READERS
from service.core.deps import AuthFailures, client_address
from service.core.principals import (
    PASSWORD_MAX,
    PASSWORD_MIN,
    actor_of,
    authenticate,
    board_session_principal,
    check_password_shape,
    close_board_session,
    open_board_session,
    verify_password,
)
from service.principals.service import set_credentials
from state_machines.errors import DomainError
from state_machines.principals import Actor
from state_machines.types import CHINA_TZ

router = APIRouter(include_in_schema=False)
COOKIE = "ipcase_session"
"""The board's session cookie: a random session id (its SHA-256 in `board_sessions`), never a token."""
CSRF_COOKIE = "ipcase_csrf"
SESSION_SECONDS = 12 * 3600
HERE = Path(__file__).parent
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
_CSRF_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def when(value: object) -> str:
    """A time as officers write it, `2026-12-01 14:05` in China time; a date as `2026-12-01`."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value or " " in value else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return f"{aware.astimezone(CHINA_TZ):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


templates.filters["when"] = when
templates.filters["event_label"] = event_label
templates.filters["field_label"] = field_label
templates.filters["value_label"] = value_label


def _secure(request: Request) -> bool:
    return request.app.state.runtime.settings.cookie_secure


def _name(request: Request, cookie: str) -> str:
    """`__Host-` when the cookies are Secure: then no sibling subdomain can plant one of them."""
    return f"__Host-{cookie}" if _secure(request) else cookie


def _set_cookie(request: Request, response: Response, cookie: str, value: str, max_age: int | None) -> None:
    response.set_cookie(_name(request, cookie), value, max_age=max_age, path="/", httponly=True,
                        samesite="strict", secure=_secure(request))


def _delete_cookie(request: Request, response: Response, cookie: str) -> None:
    response.delete_cookie(_name(request, cookie), path="/", httponly=True, samesite="strict",
                           secure=_secure(request))


def _csrf(request: Request) -> tuple[str, bool]:
    """This browser's CSRF token and whether it is new (then the response must set its cookie)."""
    value = request.cookies.get(_name(request, CSRF_COOKIE), "")
    if _CSRF_SHAPE.fullmatch(value):
        return value, False
    return secrets.token_urlsafe(32), True


def _csrf_ok(request: Request, fields: dict[str, list[str]]) -> bool:
    cookie = request.cookies.get(_name(request, CSRF_COOKIE), "")
    sent = (fields.get("csrf") or [""])[0]
    return bool(_CSRF_SHAPE.fullmatch(cookie)) and hmac.compare_digest(cookie.encode(), sent.encode())


def _page(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
    """A board page; every page carries the CSRF token its forms (sign-in, sign-out) send back."""
    token, new = _csrf(request)
    response = HTMLResponse(templates.get_template(f"board/{name}.html").render(csrf=token, **context),
                            status_code=status, headers={"Cache-Control": "no-store"})
    if new:
        _set_cookie(request, response, CSRF_COOKIE, token, None)
    return response


async def _form(request: Request) -> dict[str, list[str]]:
    return parse_qs((await request.body()).decode("utf-8", "replace"))


def _forged(request: Request) -> HTMLResponse:
    return _page(request, "login", 403, who=None, error="表单已失效（可能来自其他网站），请重新操作")


async def _signed_form(request: Request) -> tuple[Actor, str, dict[str, list[str]]] | Response:
    """A signed-in person's form with its CSRF token checked (every board POST but sign-in and
    sign-out), or the answer to give instead: the sign-in page, or 403 for a forged form."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    fields = await _form(request)
    if not _csrf_ok(request, fields):
        return _forged(request)
    return (*signed, fields)


def _refused(request: Request, status: int, error: str) -> Response:
    """The sign-in page with the reason; the session cookie, if any, dropped."""
    response = _page(request, "login", status, who=None, error=error)
    _delete_cookie(request, response, COOKIE)
    return response


def _signed_in(request: Request) -> tuple[Actor, str] | Response:
    """The signed-in reader and its name, or the answer to give instead.

    No cookie: to the sign-in page. An unknown, expired or tampered session, or a disabled
    principal's: the same, the cookie dropped and the failure counted like the API's. A
    principal of a role that reads no cases: 403.
    """
    sid = request.cookies.get(_name(request, COOKIE))
    if not sid:
        return RedirectResponse("/board/login", status_code=303)
    with request.app.state.runtime.db.read() as session:
        principal = board_session_principal(session, sid) if len(sid) <= 100 else None
        signed = (actor_of(principal), principal.name) if principal else None
    if signed is None:
        failures: AuthFailures = request.app.state.auth_failures
        if failures.count(client_address(request)):
            return _refused(request, 429, TOO_MANY)
        response = RedirectResponse("/board/login", status_code=303)
        _delete_cookie(request, response, COOKIE)
        return response
    if signed[0].role not in CASE_READERS:
        return _refused(request, 403, NOT_A_READER)
    return signed


TOO_MANY = "失败次数过多，请一分钟后再试"
NOT_A_READER = "该账号不使用看板"
USERNAME_RULE = "账号名应为 2 至 64 个字母、数字、汉字或 ._@-，且未被他人使用"


@router.get("/board/login")
def login_form(request: Request) -> HTMLResponse:
    return _page(request, "login", who=None, error=None)


def _field(fields: dict[str, list[str]], name: str) -> str:
    return (fields.get(name) or [""])[0]


@router.post("/board/login")
async def login(request: Request) -> Response:
    """Sign in with a username and password, or with a token (a person's first sign-in, which may
    set the username and password at the same time; tokens stay for machines).

    The session cookie holds a random session id, never the token; a password is not even
    checked while the address is past the limit of failed authentications, so guessing gains
    nothing from the refusals.
    """
    fields = await _form(request)
    if not _csrf_ok(request, fields):
        return _forged(request)
    return await run_in_threadpool(_login, request, fields)  # argon2 takes tens of ms: not on the event loop


def _login(request: Request, fields: dict[str, list[str]]) -> Response:
    runtime = request.app.state.runtime
    failures: AuthFailures = request.app.state.auth_failures
    address = client_address(request)
    username, password = _field(fields, "username").strip(), _field(fields, "password")
    token = _field(fields, "token").strip()
    new_username, new_password = _field(fields, "new_username").strip(), _field(fields, "new_password")
    if not token:
        if failures.limited(address):
            failures.count(address)
            return _page(request, "login", 429, who=None, error=TOO_MANY)
        with runtime.db.read() as session:
            principal = verify_password(session, username, password) if username and password else None
            found = (principal.id, principal.role) if principal else None
        if found is None:
            if failures.count(address):
                return _page(request, "login", 429, who=None, error=TOO_MANY)
            return _page(request, "login", 401, who=None, error="账号或密码错误，或该账号已停用", username=username)
    else:
        with runtime.db.read() as session:
            principal = authenticate(session, token)
            found = (principal.id, principal.role) if principal else None
        if found is None:
            if failures.count(address):
                return _page(request, "login", 429, who=None, error=TOO_MANY)
            return _page(request, "login", 401, who=None, error="令牌无效，或该账号已停用")
    if found[1] not in CASE_READERS:
        return _page(request, "login", 403, who=None, error=NOT_A_READER)
    if token and (new_username or new_password) and not new_password:
        return _page(request, "login", 422, who=None, error="设置账号时请同时设置密码")
    try:
        with runtime.db.write() as session:
            if token and new_password:
                check_password_shape(new_password, "new_password")
                set_credentials(session, found[0], found[0], username=new_username or None, password=new_password)
            sid = open_board_session(session, found[0], SESSION_SECONDS)
    except DomainError as refusal:  # nothing was written: the transaction rolled back
        error = (USERNAME_RULE if "username" in (refusal.extra.get("fields") or [])
                 else f"密码长度应为 {PASSWORD_MIN} 至 {PASSWORD_MAX} 个字符")
        return _page(request, "login", 422, who=None, error=error)
    response = RedirectResponse("/board", status_code=303)
    _set_cookie(request, response, COOKIE, sid, SESSION_SECONDS)
    _set_cookie(request, response, CSRF_COOKIE, secrets.token_urlsafe(32), None)  # a new one per session
    return response


@router.post("/board/logout")
async def logout(request: Request) -> Response:
    if not _csrf_ok(request, await _form(request)):
        return _forged(request)
    sid = request.cookies.get(_name(request, COOKIE))
    if sid and len(sid) <= 100:
        with request.app.state.runtime.db.write() as session:
            close_board_session(session, sid)
    response = RedirectResponse("/board/login", status_code=303)
    _delete_cookie(request, response, COOKIE)
    return response
