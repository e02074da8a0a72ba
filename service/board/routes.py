"""The HTML board and workbench (Jinja2, no front-end build): sign in with a password (or a token).

The city and auditors see the districts side by side; a district sees its work list (search,
filters, pages, the cases it owes something on first; `/board/cases` for every reader); each
case page shows what the case holds, its handoffs and letters, its history and the machine's
Mermaid diagram, and a form for each event the reader may fire now, fired through the API's own
command. Intake is a form too. mermaid.js and htmx are served from the package, no CDN.

This module holds the work list, the lists and intake; sign-in, sessions and CSRF are in
`signin.py`, the case page and its event forms in `case_page.py`.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from service.assessment.providers import _case_condition as assessment_condition
from service.assistance.service import disputed_transfers
from service.board.case_page import FIELD_REFUSALS, REFUSALS
from service.board.forms import ascii_digits
from service.board.labels import DUTY_DONE, event_label, field_label, value_label
from service.board.signin import HERE, _field, _page, _signed_form, _signed_in
from service.campaigns import progress as campaign_progress
from service.campaigns import service as campaigns
from service.cases import queries, registration
from service.core.errors import STATUS
from service.core.middleware import EVENTS_FIRED
from service.core.models import District, Principal
from service.core.schemas import CaseCreate
from service.oversight import service as oversight
from service.reports import figures as reports
from service.reports import period as report_period
from service.reports import timeliness as report_timeliness
from state_machines.campaigns import KINDS as CAMPAIGN_KINDS
from state_machines.errors import DomainError, InvalidData
from state_machines.identifiers import credit_code_check_character, credit_code_problem
from state_machines.principals import DISTRICT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import (
    KINDS,
    NON_FINAL_STATES_V2,
    OUTCOMES,
    SECTORS,
    SOURCES,
    STATE_LABELS_V2,
    STATES_V2,
    VENUES,
    Role,
)

router = APIRouter(include_in_schema=False)


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
    rows = queries.board_list(session, actor, horizon)  # none for a role `_signed_in` does not admit
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
        for district, state, count in queries.open_by_district_and_state(session):
            by_state[district][state] = count
        clocks = queries.clocks_by_district(session, today, horizon)
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
