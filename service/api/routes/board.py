"""The read-only HTML status board (Jinja2, no front-end build): sign in with a token, kept in a cookie.

The city and auditors see the districts side by side; a district sees its own work list; each
case page shows its state, deadlines, history and the machine's Mermaid diagram with the
current state highlighted (mermaid.js is served from the package, no CDN).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import case, func, select

from state_machines.clocks import CLOCK_LABELS
from state_machines.errors import DomainError
from state_machines.export import as_mermaid
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import FINAL_STATES, KINDS, NON_FINAL_STATES, STATE_LABELS, Track

from ... import cases as case_service
from ... import reports
from ...models import Case, District, Principal
from ...principals import actor_of, find_by_token

router = APIRouter(include_in_schema=False)
COOKIE = "ipcase_token"
HERE = Path(__file__).parents[2]
templates = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))


def _page(name: str, status: int = 200, **context: object) -> HTMLResponse:
    return HTMLResponse(templates.get_template(f"board/{name}.html").render(**context), status_code=status)


def _signed_in(request: Request) -> tuple[Actor, str] | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    with request.app.state.runtime.db.read() as session:
        principal = find_by_token(session, token)
        return (actor_of(principal), principal.name) if principal else None


@router.get("/board/login")
def login_form() -> HTMLResponse:
    return _page("login", who=None, error=None)


@router.post("/board/login")
async def login(request: Request) -> Response:
    fields = parse_qs((await request.body()).decode("utf-8", "replace"))
    token = (fields.get("token") or [""])[0].strip()
    with request.app.state.runtime.db.read() as session:
        principal = find_by_token(session, token) if token else None
    if principal is None or principal.role not in {r.value for r in DISTRICT_ROLES | OVERSIGHT_ROLES}:
        return _page("login", 401, who=None, error="令牌无效，或该账号不使用看板")
    response = RedirectResponse("/board", status_code=303)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=12 * 3600)
    return response


@router.post("/board/logout")
def logout() -> Response:
    response = RedirectResponse("/board/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get("/board/static/mermaid.min.js")
def mermaid_js() -> FileResponse:
    return FileResponse(HERE / "static" / "mermaid.min.js", media_type="text/javascript")


def _worklist(session, actor: Actor, today, horizon) -> list[dict]:
    names = dict(session.execute(select(District.code, District.name)).all())
    query = select(Case).where(Case.state.not_in(FINAL_STATES))
    if actor.role in DISTRICT_ROLES:
        query = query.where(Case.district == actor.district)
    else:  # the city's list: what needs attention
        query = query.where(Case.next_bureau_due <= horizon)
    rows = session.scalars(query.order_by(Case.next_bureau_due.is_(None), Case.next_bureau_due, Case.number)
                           .limit(200))
    return [{"id": c.id, "number": c.number, "title": c.title, "district_name": names.get(c.district, c.district),
             "state_label": STATE_LABELS[c.state], "due": c.next_bureau_due,
             "flag": "overdue" if c.next_bureau_due and c.next_bureau_due < today
             else "due_soon" if c.next_bureau_due and c.next_bureau_due <= horizon else ""} for c in rows]


@router.get("/board")
def board(request: Request) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return RedirectResponse("/board/login", status_code=303)
    actor, who = signed
    runtime = request.app.state.runtime
    now = datetime.now(UTC)
    today = now.astimezone(CHINA_TZ).date()
    horizon = runtime.rules.calendar.add_workdays(today, runtime.rules.due_soon_workdays)
    with runtime.db.read() as session:
        worklist = _worklist(session, actor, today, horizon)
        if actor.role in DISTRICT_ROLES:
            name = session.scalar(select(District.name).where(District.code == actor.district))
            return _page("district", who=who, district_name=name, cases=worklist, today=today)
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
        districts = [{"name": name, "by_state": by_state.get(code, {}), "open": sum(by_state.get(code, {}).values()),
                      "overdue": clocks.get(code, (0, 0))[0], "due_soon": clocks.get(code, (0, 0))[1],
                      "month": {k: month.get(code, {}).get(k, 0) for k in ("received", "filed", "closed")}}
                     for code, name in session.execute(select(District.code, District.name).order_by(District.code))]
    return _page("city", who=who, districts=districts, states=NON_FINAL_STATES, labels=STATE_LABELS,
                 cases=worklist, today=today)


@router.get("/board/cases/{case_id}")
def case_page(case_id: str, request: Request) -> Response:
    signed = _signed_in(request)
    if signed is None:
        return RedirectResponse("/board/login", status_code=303)
    actor, who = signed
    runtime = request.app.state.runtime
    with runtime.db.read() as session:
        try:
            shown = case_service.get_case(session, actor, case_id, runtime.rules)
            history = case_service.history(session, actor, case_id)["items"]
        except DomainError:
            return _page("login", 404, who=who, error="没有这个案件，或无权查看")
        names = dict(session.execute(select(Principal.id, Principal.name)).all())
    for item in history:
        item["actor"] = names.get(item["actor"], item["actor"])
    respondent = shown["parties"].get("respondent", {}).get("name", "")
    return _page("case", who=who, case=shown, history=history, clock_labels=CLOCK_LABELS, respondent=respondent,
                 kind_label=KINDS[shown["kind"]][1], diagram=as_mermaid(Track(shown["track"]), current=shown["state"]))
