"""The HTML board and workbench (Jinja2, no front-end build): sign in with a password (or a token).

The city and auditors see the districts side by side; a district sees its work list (search,
filters, pages, the cases it owes something on first; `/board/cases` for every reader); each
case page shows what the case holds, its handoffs and letters, its history and the machine's
Mermaid diagram, and a form for each event the reader may fire now, fired through the API's own
command. Intake is a form too. mermaid.js and htmx are served from the package, no CDN.

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
import html
import json
import re
import secrets
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from sqlalchemy import case, func, select
from starlette.concurrency import run_in_threadpool

from service.assessment.providers import _case_condition as assessment_condition
from service.assistance.service import disputed_transfers
from service.board.forms import ascii_digits, controls, data_of
from service.board.labels import DUTY_DONE, EVENT_LABELS, ROLE_LABELS, event_label, field_label, value_label
from service.campaigns import progress as campaign_progress
from service.campaigns import service as campaigns
from service.cases import queries, registration
from service.cases.commands import EventRequest
from service.cases.event_writer import EventWriter
from service.cases.models import Case
from service.cases.queries import CASE_READERS
from service.core.deps import AuthFailures, client_address
from service.core.errors import STATUS
from service.core.middleware import EVENTS_FIRED
from service.core.models import Agency, District, Principal
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
from service.core.schemas import CaseCreate
from service.handoffs import answers as handoff_answers
from service.oversight import service as oversight
from service.principals.service import set_credentials
from service.reports import figures as reports
from service.reports import period as report_period
from service.reports import timeliness as report_timeliness
from state_machines.campaigns import KINDS as CAMPAIGN_KINDS
from state_machines.clocks_v2 import CLOCK_LABELS_V2
from state_machines.errors import DomainError, InvalidData
from state_machines.event_data_v2 import EVENT_DATA_BY_VERSION, REASON_REQUIRED_BY_VERSION
from state_machines.export import as_mermaid
from state_machines.identifiers import credit_code_check_character, credit_code_problem
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import (
    FINAL_STATES,
    KINDS,
    NON_FINAL_STATES_V2,
    OUTCOMES,
    SECTORS,
    SOURCES,
    STATE_LABELS_V2,
    STATES_V2,
    VENUES,
    Role,
    Track,
)

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


@router.get("/board/static/board.js")
def board_js() -> FileResponse:
    return FileResponse(HERE / "static" / "board.js", media_type="text/javascript")


@router.get("/board/static/htmx.min.js")
def htmx_js() -> FileResponse:
    """htmx 2.0.11 (npm `htmx.org`, 0BSD, htmx.LICENSE beside it): the work list's partial updates."""
    return FileResponse(HERE / "static" / "htmx.min.js", media_type="text/javascript")


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
    return board_view(request, actor, who)


def _month_before(month: str) -> str:
    """The statistical month before `month` (`2026-01` → `2025-12`): the last one a district may confirm."""
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def board_view(request: Request, actor: Actor, who: str, status: int = 200, **extra: object) -> Response:
    """The district's or the city's board; `extra` carries a refused 报送 form back (duties_page.py)."""
    runtime = request.app.state.runtime
    now = datetime.now(UTC)
    today = now.astimezone(CHINA_TZ).date()
    horizon = runtime.rules.calendar.add_workdays(today, runtime.rules.due_soon_workdays)
    with runtime.db.read() as session:
        if actor.role in DISTRICT_ROLES or actor.role is Role.reviewer:  # a reviewer's list: its reviews marked
            name = session.scalar(select(District.name).where(District.code == actor.district))
            try:
                work = _work_page(session, request, actor, runtime, now, horizon, "/board")
            except DomainError as refusal:
                return _page(request, "login", 422, who=who, error=_chinese_refusal(refusal))
            return _page(request, "district", status, who=who, district_name=name, today=today,
                         can_register=actor.role in DISTRICT_ROLES, orders=oversight.open_orders(session, actor),
                         reporting=report_timeliness.due_items(session, today, actor.district), **work,
                         can_report=actor.role is Role.supervisor, year=today.year,
                         last_month=_month_before(report_period.month_of(today)),
                         **{"notice": DUTY_DONE.get(request.query_params.get("ok", "")), **extra})
        worklist = _worklist(session, actor, today, horizon)
        by_state: dict[str, dict[str, int]] = defaultdict(dict)
        for district, state, count in session.execute(select(Case.district, Case.state, func.count())
                                                      .where(Case.state.not_in(FINAL_STATES))
                                                      .group_by(Case.district, Case.state)):
            by_state[district][state] = count
        clocks = {d: (int(o or 0), int(s or 0)) for d, o, s in session.execute(
            select(Case.district, func.sum(case((Case.next_bureau_due < today, 1), else_=0)),
                   func.sum(case(((Case.next_bureau_due >= today) & (Case.next_bureau_due <= horizon), 1), else_=0)))
            .where(Case.state.not_in(FINAL_STATES)).group_by(Case.district))}
        month = reports.figures_by_district(session, reports.Period.month(report_period.month_of(today)))
        reporting = [i for i in report_timeliness.due_items(session, today) if i["overdue"] and i["late"]]
        names = dict(session.execute(select(District.code, District.name)).all())
        districts = [{"name": name, "by_state": by_state.get(code, {}), "open": sum(by_state.get(code, {}).values()),
                      "overdue": clocks.get(code, (0, 0))[0], "due_soon": clocks.get(code, (0, 0))[1],
                      "month": {k: month.get(code, {}).get(k, 0) for k in ("received", "filed", "closed")}}
                     for code, name in session.execute(select(District.code, District.name).order_by(District.code))
                     if actor.sees_district(code)]
        disputes = [{**d, "from_name": names.get(d["from_district"], d["from_district"]),
                     "to_name": names.get(d["to_district"], d["to_district"])} for d in disputed_transfers(session)]
        orders = oversight.open_orders(session, actor)  # 督办事项 (SPEC §12)
    # the city's list holds only cases due soon or overdue: an empty list is not "no open cases"
    return _page(request, "city", status, **extra, who=who, districts=districts, states=NON_FINAL_STATES_V2,
                 labels=STATE_LABELS_V2, cases=worklist, today=today, empty_worklist="没有即将到期或已超期的案件",
                 disputes=disputes, orders=orders, reporting=reporting)


PAGE_SIZE = 50
CLOCK_FILTERS = {"overdue": "已超期", "due_soon": "即将到期"}
SORTS = {"owed": "待我办理优先", "due": "期限由近及远", "received": "收案时间（新→旧）", "updated": "最近更新",
         "number": "案件编号"}
_LIST_PARAMS = {"q": 100, "state": 32, "kind": 32, "officer": 36, "clock": 16, "campaign": 36, "tag": 200,
                "venue": 32, "sector": 32, "sort": 16, "page": 6, "district": 6,
                # the cases behind an assessment figure (督导考核's links): a year and the item's filter
                "year": 4, "date": 8, "kinds": 300, "outcomes": 300, "sources": 300, "venues": 300,
                "exclude_states": 300, "match": 3}
_YEAR_LISTS = {"kinds": set(KINDS), "outcomes": set(OUTCOMES), "sources": set(SOURCES), "venues": set(VENUES),
               "exclude_states": set(STATES_V2)}


def _year_condition(params: dict[str, str]):
    """The assessment item's cases (received, decided or closed in `year`, of the listed kinds,
    outcomes, sources or venues): the same condition the assessment counted them with."""
    if not params["year"]:
        if any(params[name] for name in (*_YEAR_LISTS, "date", "match")):
            raise InvalidData("these filters go with a year", fields=["year"])
        return None
    if not (ascii_digits(params["year"]) and 1990 <= int(params["year"]) <= 2100):
        raise InvalidData("year is 1990..2100", fields=["year"])
    if params["date"] not in ("", "received", "decided", "closed"):
        raise InvalidData(f"unknown date {params['date']}", fields=["date"])
    if params["match"] not in ("", "any", "all"):
        raise InvalidData(f"unknown match {params['match']}", fields=["match"])
    filters: dict[str, object] = {"date": params["date"] or "received", "match": params["match"]}
    for name, allowed in _YEAR_LISTS.items():
        values = [v for v in params[name].split(",") if v]
        if unknown := [v for v in values if v not in allowed]:
            raise InvalidData(f"unknown {name} {unknown[0]}", fields=[name])
        filters[name] = values
    return assessment_condition(int(params["year"]), filters)


def _list_params(request: Request) -> dict[str, str]:
    """The work list's query parameters, checked: an unknown value is a 422 naming it, never a 500."""
    params = {name: request.query_params.get(name, "").strip() for name in _LIST_PARAMS}
    for name, longest in _LIST_PARAMS.items():
        if len(params[name]) > longest:
            raise InvalidData(f"{name} is too long", fields=[name])
    checks = {"state": set(STATES_V2) | {"all"}, "kind": set(KINDS), "clock": set(CLOCK_FILTERS), "sort": set(SORTS),
              "venue": set(VENUES), "sector": set(SECTORS)}
    for name, allowed in checks.items():
        if params[name] and params[name] not in allowed:
            raise InvalidData(f"unknown {name} {params[name]}", fields=[name])
    if params["page"] and not (ascii_digits(params["page"]) and 1 <= int(params["page"]) <= 10_000):
        raise InvalidData("page is a number from 1", fields=["page"])
    return params


def _work_page(session, request: Request, actor: Actor, runtime, now: datetime, horizon, path: str,
               queue=None) -> dict:
    """The work list's page: filters, the rows (owed first unless sorted otherwise), paging links;
    `queue` narrows it to a queue's cases (`/board/queues/{queue}`)."""
    params = _list_params(request)
    page = int(params["page"] or 1)
    clock = params["clock"]
    condition = _year_condition(params)
    open_only = params["state"] != "all" and condition is None
    if queue is not None:
        condition = queue if condition is None else condition & queue
    rows, more = queries.work_list(
        session, actor, runtime.rules, horizon=horizon, sort=params["sort"] or "owed", condition=condition,
        offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE, now=now,
        open_only=open_only, district=params["district"] or None,
        q=params["q"] or None, state=params["state"] if params["state"] not in ("", "all") else None,
        kind=params["kind"] or None, officer=params["officer"] or None, campaign=params["campaign"] or None,
        tag=params["tag"] or None, venue=params["venue"] or None, sector=params["sector"] or None,
        overdue=True if clock == "overdue" else False if clock == "due_soon" else None,
        due_before=horizon if clock == "due_soon" else None)
    today = now.astimezone(CHINA_TZ).date()
    names = dict(session.execute(select(District.code, District.name)).all())
    people = dict(session.execute(select(Principal.id, Principal.name)).all())
    for row in rows:
        row["district_name"] = names.get(row["district"], row["district"])
        row["kind_label"] = KINDS[row["kind"]][1] if row["kind"] in KINDS else row["kind"]
        row["officer_name"] = people.get(row["officer"], "") if row["officer"] else ""
        row["flag"] = ("overdue" if row["due"] and row["due"] < today
                       else "due_soon" if row["due"] and row["due"] <= horizon else "")
        row["step_labels"] = [event_label(e) for e in row["steps"]]
    officers = []
    if actor.role in DISTRICT_ROLES:
        officers = session.execute(select(Principal.id, Principal.name).where(
            Principal.district == actor.district, Principal.role.in_(("officer", "supervisor")),
            Principal.disabled.is_(False)).order_by(Principal.name)).all()
    kept = {k: v for k, v in params.items() if v and k != "page"}
    return {"cases": rows, "filters": params, "page_no": page, "list_path": path,
            "prev_link": f"{path}?{urlencode({**kept, 'page': page - 1})}" if page > 1 else None,
            "next_link": f"{path}?{urlencode({**kept, 'page': page + 1})}" if more else None,
            "state_options": [(s, STATE_LABELS_V2[s]) for s in STATES_V2], "kind_options": [(k, v[1]) for k, v in
                                                                                           KINDS.items()],
            "clock_options": CLOCK_FILTERS.items(), "sort_options": SORTS.items(), "venue_options": VENUES.items(),
            "sector_options": SECTORS.items(), "officer_options": officers,
            "campaign_options": _campaign_options(session, actor),
            "work_list": True}


def _campaign_options(session, actor: Actor) -> list[tuple[str, str]]:
    """The campaigns the reader takes part in (none for a role that reads no campaigns)."""
    try:
        return [(c["id"], c["name"]) for c in campaigns.list_campaigns(session, actor)]
    except DomainError:
        return []


def _chinese_refusal(refusal: DomainError) -> str:
    fields = refusal.extra.get("fields") or []
    named = "、".join(field_label(f) for f in fields)
    return f"输入有误：{named}" if named else "请求有误"


@router.get("/board/cases")
def cases_page(request: Request) -> Response:
    """在办案件 for every case reader: search, filters, sorting and pages, the cases owed first."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    runtime = request.app.state.runtime
    now = datetime.now(UTC)
    today = now.astimezone(CHINA_TZ).date()
    horizon = runtime.rules.calendar.add_workdays(today, runtime.rules.due_soon_workdays)
    with runtime.db.read() as session:
        try:
            work = _work_page(session, request, actor, runtime, now, horizon, "/board/cases")
        except DomainError as refusal:
            return _page(request, "cases", 422, who=who, error=_chinese_refusal(refusal), cases=[], filters={},
                         today=today)
    return _page(request, "cases", who=who, today=today, error=None, **work)


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


INTAKE_FIELDS = ("kind", "source", "title", "description", "respondent_name", "respondent_type",
                 "respondent_credit_code", "respondent_id_number", "complainant_name", "complainant_credit_code",
                 "sector", "venue", "case_value", "marks_count", "received_at", "violation_ended_on", "tags",
                 "patent_type", "public_safety")


def _intake_body(fields: dict[str, list[str]], district: str) -> dict:
    """The `POST /cases` body from the intake form: empty inputs left out, as a JSON client would."""
    value = {name: _field(fields, name).strip() for name in INTAKE_FIELDS}
    body: dict = {"kind": value["kind"], "district": district, "source": value["source"], "title": value["title"],
                  "description": value["description"], "public_safety": value["public_safety"] == "true"}
    for role in ("respondent", "complainant"):
        party = {key: value[f"{role}_{key}"] for key in ("name", "type", "credit_code", "id_number")
                 if value.get(f"{role}_{key}")}
        if party or role == "respondent":
            body.setdefault("parties", {})[role] = party
    for name in ("sector", "venue", "violation_ended_on", "patent_type"):
        if value[name]:
            body[name] = value[name]
    if value["case_value"]:
        body["amounts"] = {"case_value": value["case_value"]}
    if value["marks_count"]:
        body["marks_count"] = int(value["marks_count"]) if ascii_digits(value["marks_count"]) else value["marks_count"]
    if (received := value["received_at"]):
        body["received_at"] = received if len(received) > 16 else received + ":00+08:00"  # the picker: China time
    if value["tags"]:
        body["tags"] = [t.strip() for t in re.split(r"[,，、]", value["tags"]) if t.strip()]
    return body


def _intake_field(loc: tuple, message: str) -> str:
    """The intake form's input a pydantic error location names (`parties.respondent.credit_code` → …)."""
    parts = [str(p) for p in loc if not str(p).isdigit()]
    if parts[:1] == ["parties"] and len(parts) >= 2:
        role = parts[1]
        key = parts[2] if len(parts) > 2 else ("credit_code" if "credit_code" in message
                                                 else "id_number" if "id_number" in message else "name")
        return f"{role}_{key}"
    if parts[:1] == ["amounts"]:
        return parts[1] if len(parts) > 1 else "case_value"
    return parts[0] if parts else "title"


def _intake_page(request: Request, who: str, status: int = 200, *, values: dict | None = None,
                 errors: dict[str, str] | None = None, refusal: str | None = None) -> HTMLResponse:
    return _page(request, "intake", status, who=who, values=values or {}, errors=errors or {}, refusal=refusal,
                 kinds=[(k, v[1]) for k, v in KINDS.items()], sources=SOURCES.items(), sectors=SECTORS.items(),
                 venues=VENUES.items(), patent_types=[(v, value_label(v)) for v in
                                                      ("invention", "utility_model", "design", "none")])


@router.get("/board/intake")
def intake_form(request: Request) -> Response:
    """登记新案件: the case intake as a form (district roles, as `POST /cases`)."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    if actor.role not in DISTRICT_ROLES:
        return _page(request, "login", 403, who=who, error="只有旗区办案人员和负责人登记案件")
    return _intake_page(request, who)


@router.post("/board/intake")
async def intake(request: Request) -> Response:
    """Register the case through the API's own `registration.create_case`; refusals beside their inputs."""
    signed = await _signed_form(request)
    if isinstance(signed, Response):
        return signed
    actor, who, fields = signed
    if actor.role not in DISTRICT_ROLES:
        return _page(request, "login", 403, who=who, error="只有旗区办案人员和负责人登记案件")
    return await run_in_threadpool(_register, request, actor, who, fields)  # like `POST /cases`, off the loop


def _register(request: Request, actor: Actor, who: str, fields: dict[str, list[str]]) -> Response:
    values = {name: _field(fields, name) for name in INTAKE_FIELDS}
    try:
        body = CaseCreate.model_validate(_intake_body(fields, actor.district or ""))
    except ValidationError as exc:
        errors = {_intake_field(e["loc"], str(e.get("msg", ""))): "此项填写有误" for e in exc.errors()}
        return _intake_page(request, who, 422, values=values, errors=errors, refusal=REFUSALS["validation_error"])
    runtime = request.app.state.runtime
    try:
        with runtime.db.write() as session:
            created = registration.create_case(session, actor, body, runtime.rules, runtime.prefixes,
                                               machine_version=runtime.settings.machine_version)
    except DomainError as refusal:
        errors = {_intake_field(tuple(str(f).split(".")), refusal.message): FIELD_REFUSALS.get(refusal.code, "此项有误")
                  for f in refusal.extra.get("fields") or []}
        return _intake_page(request, who, STATUS.get(refusal.code, 400), values=values, errors=errors,
                            refusal=REFUSALS.get(refusal.code, "请求未被接受"))
    EVENTS_FIRED.labels("create").inc()
    return RedirectResponse(f"/board/cases/{created['id']}?done=create", status_code=303)


@router.get("/board/check/credit-code")
def check_credit_code(request: Request) -> Response:
    """The intake form's live check of a 统一社会信用代码 (GB 32100-2015 check character), as a fragment."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    code = next((v for k, v in request.query_params.items() if k.endswith("credit_code")), "").strip().upper()[:40]
    if not code:
        text, css = "", ""
    elif (problem := credit_code_problem(code)) is None:
        text, css = "✓ 统一社会信用代码校验通过", "ok"
    elif len(code) != 18:
        text, css = f"应为 18 位（已输入 {len(code)} 位）", "error"
    elif problem.startswith("check character"):
        text, css = f"校验位应为 {credit_code_check_character(code[:17])}，请核对", "error"
    else:
        text, css = "含有不允许的字符，或第 3–8 位不是行政区划代码", "error"
    return HTMLResponse(f'<span class="{css}">{html.escape(text)}</span>', headers={"Cache-Control": "no-store"})


@router.get("/board/cases/{case_id}")
def case_page(case_id: str, request: Request) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    done = request.query_params.get("done", "")
    return _case_view(request, actor, who, case_id, done=event_label(done) if done in EVENT_LABELS else None)


UNFORMED = frozenset({"attach", "detach"})
"""Events whose data is a stored file: the attachments API uploads it; no form here."""
REFUSALS = {"validation_error": "填写有误，请检查标出的项目", "guard_failed": "不满足办理条件",
            "invalid_transition": "案件当前状态下不能办理此事项，请刷新页面", "forbidden": "您无权办理此事项",
            "version_conflict": "案件已被他人更新，请刷新页面后重试", "not_found": "没有这个案件，或无权查看"}
FIELD_REFUSALS = {"validation_error": "此项填写有误", "guard_failed": "此项不满足办理条件"}


def _event_forms(session, shown: dict) -> list[dict]:
    """A form for each event the reader may fire now (from the case's `allowed_events`)."""
    version = shown["machine_version"]
    models = EVENT_DATA_BY_VERSION.get(version, EVENT_DATA_BY_VERSION[1])
    needs_reason = REASON_REQUIRED_BY_VERSION.get(version, REASON_REQUIRED_BY_VERSION[1])
    people = [(pid, f"{name}（{ROLE_LABELS.get(role, role)}）") for pid, name, role in session.execute(
        select(Principal.id, Principal.name, Principal.role).where(
            Principal.district == shown["district"], Principal.disabled.is_(False),
            Principal.role.in_(("officer", "supervisor", "reviewer"))).order_by(Principal.role, Principal.name))]
    places = {"to_district": list(session.execute(select(District.code, District.name).order_by(District.code))),
              "agency": list(session.execute(select(Agency.code, Agency.name).order_by(Agency.code)))}
    forms = []
    for event in shown["allowed_events"]:
        if event in UNFORMED or event not in models:
            continue
        forms.append({"event": event, "label": event_label(event), "reason_required": event in needs_reason,
                      "controls": controls(models[event].model_json_schema(), people, places)})
    return forms


def _case_view(request: Request, actor: Actor, who: str, case_id: str, *, status: int = 200, done: str | None = None,
               failed: str | None = None, refusal: DomainError | None = None,
               submitted: dict[str, list[str]] | None = None, **extra: object) -> Response:
    """The case page: what the case holds, and a form for each event the reader may fire now.

    After a refused event, its form comes back open with what was typed and the refusal in
    Chinese beside each field the API's `error.fields` names.
    """
    runtime = request.app.state.runtime
    with runtime.db.read() as session:
        try:
            shown = queries.get_case(session, actor, case_id, runtime.rules)
            history = queries.history(session, actor, case_id)["items"]
        except DomainError:
            return _page(request, "login", 404, who=who, error="没有这个案件，或无权查看")
        names = dict(session.execute(select(Principal.id, Principal.name)).all())
        forms = _event_forms(session, shown)
        try:  # handoffs with their letters, as `GET /handoffs?case_id=` shows them to this reader
            handoffs = handoff_answers.list_handoffs(session, actor, case_id=case_id, agency=None, status=None,
                                                     limit=100, cursor=None)["items"]
        except DomainError:
            handoffs = []
        agencies = dict(session.execute(select(Agency.code, Agency.name)).all())
        for h in handoffs:
            h["agency_name"] = agencies.get(h["agency"], h["agency"])
        district_name = session.scalar(select(District.name).where(District.code == shown["district"]))
        orders = oversight.orders_for_case(session, actor, case_id)  # 督办 (SPEC §12)
    for item in history:
        item["actor"] = names.get(item["actor"], item["actor"])
    code = refusal.code if refusal else ""
    field_errors = {f: FIELD_REFUSALS.get(code, REFUSALS.get(code, "此项有误"))
                    for f in ((refusal.extra.get("fields") or []) if refusal else [])}
    for form in forms:
        form["open"] = form["event"] == failed
        form["values"] = submitted if form["open"] and submitted else {}
        form["errors"] = field_errors if form["open"] else {}
        form["key"] = secrets.token_urlsafe(16)
    respondent = shown["parties"].get("respondent", {}).get("name", "")
    officers = [names.get(o, o) for o in shown.get("officers") or
                ([shown["assigned_officer"]] if shown.get("assigned_officer") else [])]
    return _page(request, "case", status, who=who, case=shown, history=history, clock_labels=CLOCK_LABELS_V2,
                 respondent=respondent, kind_label=KINDS[shown["kind"]][1], forms=forms, done=done, handoffs=handoffs,
                 failed_label=event_label(failed) if failed else None, district_name=district_name,
                 refusal=REFUSALS.get(code, "请求未被接受") if refusal else None,
                 refusal_detail=refusal.message if refusal else None, officers=officers, orders=orders,
                 assigned_by_name=names.get(shown.get("assigned_by") or "", "市局"),
                 source_label=SOURCES.get(shown["source"], shown["source"]),
                 sector_label=SECTORS.get(shown["sector"] or "", shown["sector"] or ""),
                 venue_label=VENUES.get(shown["venue"] or "", shown["venue"] or ""),
                 labels=STATE_LABELS_V2, diagram=as_mermaid(Track(shown["track"]), current=shown["state"],
                                                            version=shown["machine_version"]),
                 **{"notice": DUTY_DONE.get(request.query_params.get("ok", "")), **extra})


@router.get("/board/handoffs/{handoff_id}/letter")
def handoff_letter(handoff_id: str, request: Request) -> Response:
    """A handoff's letter (移送书, 协助函 …) as the API holds it, for a reader who may see the handoff."""
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    actor, who = signed
    with request.app.state.runtime.db.read() as session:
        try:
            handoff, case_row = handoff_answers.get_visible(session, actor, handoff_id[:36])
            shown = handoff_answers.handoff_json(session, handoff, case_row)
        except DomainError:
            return _page(request, "login", 404, who=who, error="没有这份文书，或无权查看")
    return _page(request, "letter", who=who, handoff=shown)


@router.post("/board/cases/{case_id}/events")
async def fire_from_form(case_id: str, request: Request) -> Response:
    """Fire an event from its form through the API's own command (`EventWriter.fire`, SPEC §3's
    refusal order): the form's version is the If-Match and its key the Idempotency-Key, so a stale
    form is refused and a double click records the event once. Success: back to the case page."""
    signed = await _signed_form(request)
    if isinstance(signed, Response):
        return signed
    actor, who, fields = signed
    event = _field(fields, "event")[:40]
    runtime = request.app.state.runtime
    with runtime.db.read() as session:
        try:
            version = queries.get_case(session, actor, case_id, runtime.rules)["machine_version"]
        except DomainError:
            return _page(request, "login", 404, who=who, error="没有这个案件，或无权查看")
    model = EVENT_DATA_BY_VERSION.get(version, EVENT_DATA_BY_VERSION[1]).get(event)
    data = data_of(fields, controls(model.model_json_schema(), [], {"to_district": [], "agency": []})) if model else {}
    body: dict = {"event": event, "data": data}
    reason = _field(fields, "reason").strip()
    if reason:
        body["reason"] = reason
    writer: EventWriter = request.app.state.events
    try:
        await writer.fire(EventRequest(actor, case_id, json.dumps(body).encode(), _field(fields, "version") or None,
                                       _field(fields, "key")[:200] or None))
    except DomainError as refusal:
        return _case_view(request, actor, who, case_id, status=STATUS.get(refusal.code, 400), failed=event,
                          refusal=refusal, submitted=fields)
    EVENTS_FIRED.labels(event).inc()
    return RedirectResponse(f"/board/cases/{case_id}?{urlencode({'done': event})}", status_code=303)
