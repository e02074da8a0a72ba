"""The HTML board and workbench (Jinja2, no front-end build): sign in with a password (or a token).

The city and auditors see the districts side by side; a district sees its own work list; each
case page shows its state, deadlines, history and the machine's Mermaid diagram with the
current state highlighted (mermaid.js is served from the package, no CDN).

Who may sign in is the API's rule for reading cases (`CASE_READERS`), checked on every page,
not only at sign-in: a disabled principal's session stops working at once. The session lives
server-side (`board_sessions`); the cookie holds a random id, never the API token. Every form
carries a CSRF token (double-submit: a random value in a cookie of its own, repeated in the
form), so a foreign page can neither sign the browser in as someone else nor sign it out;
failed sign-ins count in the API's limiter of failed authentications.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import case, func, select

from service.assistance.service import disputed_transfers
from service.campaigns import progress as campaign_progress
from service.campaigns import service as campaigns
from service.cases import queries
from service.cases.models import Case
from service.cases.queries import CASE_READERS
from service.core.deps import AuthFailures, client_address
from service.core.models import District, Principal
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
from service.reports import figures as reports
from state_machines.campaigns import KINDS as CAMPAIGN_KINDS
from state_machines.clocks_v2 import CLOCK_LABELS_V2
from state_machines.errors import DomainError
from state_machines.export import as_mermaid
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import FINAL_STATES, KINDS, NON_FINAL_STATES_V2, STATE_LABELS_V2, Track

router = APIRouter(include_in_schema=False)
COOKIE = "ipcase_session"
"""The board's session cookie: a random session id (its SHA-256 in `board_sessions`), never a token."""
CSRF_COOKIE = "ipcase_csrf"
SESSION_SECONDS = 12 * 3600
HERE = Path(__file__).parent
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
_CSRF_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")


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


@router.get("/board/static/board.js")
def board_js() -> FileResponse:
    return FileResponse(HERE / "static" / "board.js", media_type="text/javascript")


@router.get("/board/static/mermaid.min.js")
def mermaid_js() -> FileResponse:
    return FileResponse(HERE / "static" / "mermaid.min.js", media_type="text/javascript")


def _worklist(session, actor: Actor, today, horizon) -> list[dict]:
    names = dict(session.execute(select(District.code, District.name)).all())
    query = select(Case).where(Case.state.not_in(FINAL_STATES))
    if actor.role in DISTRICT_ROLES:
        query = query.where(Case.district == actor.district)
    elif actor.role in OVERSIGHT_ROLES:  # the city's list: what needs attention
        query = query.where(Case.next_bureau_due <= horizon)
    else:  # not reached: `_signed_in` admits the API's case readers only
        return []
    rows = session.scalars(query.order_by(Case.next_bureau_due.is_(None), Case.next_bureau_due, Case.number)
                           .limit(200))
    return [{"id": c.id, "number": c.number, "title": c.title, "district_name": names.get(c.district, c.district),
             "state_label": STATE_LABELS_V2[c.state], "due": c.next_bureau_due,
             "flag": "overdue" if c.next_bureau_due and c.next_bureau_due < today
             else "due_soon" if c.next_bureau_due and c.next_bureau_due <= horizon else ""} for c in rows]


@router.get("/board")
def board(request: Request) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    runtime = request.app.state.runtime
    now = datetime.now(UTC)
    today = now.astimezone(CHINA_TZ).date()
    horizon = runtime.rules.calendar.add_workdays(today, runtime.rules.due_soon_workdays)
    with runtime.db.read() as session:
        worklist = _worklist(session, actor, today, horizon)
        if actor.role in DISTRICT_ROLES:
            name = session.scalar(select(District.name).where(District.code == actor.district))
            return _page(request, "district", who=who, district_name=name, cases=worklist, today=today)
        by_state: dict[str, dict[str, int]] = defaultdict(dict)
        for district, state, count in session.execute(select(Case.district, Case.state, func.count())
                                                      .where(Case.state.not_in(FINAL_STATES))
                                                      .group_by(Case.district, Case.state)):
            by_state[district][state] = count
        clocks = {d: (int(o or 0), int(s or 0)) for d, o, s in session.execute(
            select(Case.district, func.sum(case((Case.next_bureau_due < today, 1), else_=0)),
                   func.sum(case(((Case.next_bureau_due >= today) & (Case.next_bureau_due <= horizon), 1), else_=0)))
            .where(Case.state.not_in(FINAL_STATES)).group_by(Case.district))}
        month = reports.figures_by_district(session, reports.Period.month(f"{today:%Y-%m}"))
        names = dict(session.execute(select(District.code, District.name)).all())
        districts = [{"name": name, "by_state": by_state.get(code, {}), "open": sum(by_state.get(code, {}).values()),
                      "overdue": clocks.get(code, (0, 0))[0], "due_soon": clocks.get(code, (0, 0))[1],
                      "month": {k: month.get(code, {}).get(k, 0) for k in ("received", "filed", "closed")}}
                     for code, name in session.execute(select(District.code, District.name).order_by(District.code))
                     if actor.sees_district(code)]
        disputes = [{**d, "from_name": names.get(d["from_district"], d["from_district"]),
                     "to_name": names.get(d["to_district"], d["to_district"])} for d in disputed_transfers(session)]
    # the city's list holds only cases due soon or overdue: an empty list is not "no open cases"
    return _page(request, "city", who=who, districts=districts, states=NON_FINAL_STATES_V2, labels=STATE_LABELS_V2,
                 cases=worklist, today=today, empty_worklist="没有即将到期或已超期的案件", disputes=disputes)


@router.get("/board/campaigns")
def campaigns_page(request: Request) -> Response:
    """专项行动: the campaigns the reader takes part in (the city: all), each district's inspections,
    findings, cases and targets, as `GET /campaigns/{id}/progress` counts them."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    with request.app.state.runtime.db.read() as session:
        shown = []
        for item in campaigns.list_campaigns(session, actor):
            report = campaign_progress.progress(session, actor, campaigns.campaign_for_progress(session, actor,
                                                                                               item["id"]))
            rows = [{**r, "targets_text": campaign_progress.targets_text(r["targets"])} for r in report["districts"]]
            shown.append({**item, "kind_label": CAMPAIGN_KINDS.get(item["kind"], item["kind"]), "rows": rows,
                          "total": report["total"]})
    return _page(request, "campaigns", who=who, campaigns=shown)


@router.get("/board/cases/{case_id}")
def case_page(case_id: str, request: Request) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    runtime = request.app.state.runtime
    with runtime.db.read() as session:
        try:
            shown = queries.get_case(session, actor, case_id, runtime.rules)
            history = queries.history(session, actor, case_id)["items"]
        except DomainError:
            return _page(request, "login", 404, who=who, error="没有这个案件，或无权查看")
        names = dict(session.execute(select(Principal.id, Principal.name)).all())
    for item in history:
        item["actor"] = names.get(item["actor"], item["actor"])
    respondent = shown["parties"].get("respondent", {}).get("name", "")
    return _page(request, "case", who=who, case=shown, history=history, clock_labels=CLOCK_LABELS_V2,
                 respondent=respondent, kind_label=KINDS[shown["kind"]][1],
                 diagram=as_mermaid(Track(shown["track"]), current=shown["state"],
                                    version=shown["machine_version"]))
