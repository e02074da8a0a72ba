"""The seed's reporting calendar (SPEC §12): action plans and contacts, district summaries and the
city's compilation. The monthly submissions and their corrections are in `routes`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import select

from notifications.report_files import Table
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import ERRORS, Strict, documented
from service.reports import access, plans, summaries, timeliness
from service.reports.access import scope as _scope
from service.reports.models import ActionPlan, DistrictSummary
from service.reports.routes import _report_doc, _respond
from service.reports.schemas import (
    ActionPlanOut,
    ActionPlanPage,
    CalendarOut,
    CityReportSummaryOut,
    ContactsOut,
    DistrictSummaryOut,
    DistrictSummaryPage,
)
from state_machines.case_machine import today_in_china
from state_machines.errors import Forbidden, NotFound
from state_machines.principals import OVERSIGHT_ROLES, Actor

router = APIRouter(tags=["reports"])
Year = Annotated[int, Query(ge=1990, le=2100)]
SummaryPeriod = Literal["midyear", "annual"]
PHONE = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8}(-[0-9]{1,6})?)$"  # ASCII digits: [0-9], since \d is any script's
EMAIL = r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$"


class ContactIn(Strict):
    name: Annotated[str, Field(min_length=2, max_length=50)]
    post: Annotated[str, Field(min_length=1, max_length=50)]
    """职务."""
    phone: Annotated[str, Field(pattern=PHONE)]
    """A mobile (13812345678) or a landline with its area code (0477-8581234)."""
    email: Annotated[str, Field(pattern=EMAIL, max_length=254)]


class AttachmentIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    content_type: Annotated[str, Field(min_length=3, max_length=100)]
    content_base64: Annotated[str, Field(min_length=4)]


class ActionPlanIn(Strict):
    year: Annotated[int, Field(ge=1990, le=2100)]
    plan: Annotated[str, Field(min_length=10, max_length=100_000)]
    """专项行动方案 (text)."""
    responsible: ContactIn
    """责任人."""
    liaison: ContactIn
    """联络员."""
    attachment: AttachmentIn | None = None
    """The plan as a file (e.g. the signed .docx or PDF), base64; `IPCASE_ACTION_PLAN_ATTACHMENT_MAX_BYTES`."""


def _supervisor(actor: Actor, what: str) -> None:
    access.reporting_supervisor(actor, what)


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/reports/action-plans", status_code=201, **documented(ActionPlanOut, 201))
def submit_action_plan(body: ActionPlanIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """专项行动方案及责任人、联络员名单 for a year (due `IPCASE_ACTION_PLAN_DUE`, 26 March); submitted again,
    the plan and the contacts are replaced (audited as a revision; lateness stays the first's)."""
    _supervisor(actor, "action plan")
    attachment = plans.decode_attachment(body.attachment.model_dump() if body.attachment else None)
    with runtime.db.write() as session:
        row = plans.submit(session, actor_id=actor.id, district=actor.district, year=body.year, plan=body.plan,
                           responsible=body.responsible.model_dump(), liaison=body.liaison.model_dump(),
                           attachment=attachment, now=_now())
        return plans.plan_json(row)


@router.get("/reports/action-plans", **documented(ActionPlanPage))
def action_plans(actor: CurrentActor, session: ReadSession, year: Year,
                 district: Annotated[str | None, Query(max_length=6)] = None) -> dict:
    scope = _scope(actor, district)
    query = select(ActionPlan).where(ActionPlan.year == year).order_by(ActionPlan.district)
    if scope:
        query = query.where(ActionPlan.district == scope)
    return {"items": [plans.plan_json(r) for r in session.scalars(query)], "next_cursor": None}


@router.get("/reports/action-plans/{district}/{year}/attachment", response_class=Response,
            responses={200: {"description": "the plan's attached file",
                             "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                 "format": "binary"}}}},
                       **ERRORS})
def action_plan_attachment(actor: CurrentActor, session: ReadSession, district: Annotated[str, Path(max_length=6)],
                           year: Annotated[int, Path(ge=1990, le=2100)]) -> Response:
    scope = _scope(actor, district)
    row = session.scalar(select(ActionPlan).where(ActionPlan.district == scope, ActionPlan.year == year))
    if row is None or row.attachment is None:
        raise NotFound("no attachment")
    return Response(row.attachment, media_type="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename=\"plan-{district}-{year}\"",
                             "X-Content-SHA256": row.attachment_sha256 or ""})


def _oversight(actor: Actor, what: str) -> None:
    if actor.role not in OVERSIGHT_ROLES:
        raise Forbidden(f"{what} is the city bureau's")


@router.get("/reports/contacts", **_report_doc(ContactsOut))
def contacts(actor: CurrentActor, session: ReadSession, year: Year,
             format: Literal["json", "xlsx", "csv", "html"] = "json") -> Response | dict:
    """责任人、联络员名单: every district's responsible person and liaison, late and missing plans marked."""
    _oversight(actor, "the contact list")
    report = plans.contacts(session, year, today_in_china(_now()))
    table = Table(report["title"], f"报送截止 {report['due']}", [(c["key"], c["label"]) for c in report["columns"]],
                  report["rows"])
    return _respond(report, table, format, f"contacts-{year}")


class SummaryIn(Strict):
    year: Annotated[int, Field(ge=1990, le=2100)]
    period: SummaryPeriod
    progress: Annotated[str, Field(min_length=10, max_length=50_000)]
    """工作开展情况."""
    results: Annotated[str, Field(min_length=1, max_length=50_000)]
    """主要成效."""
    problems: Annotated[str, Field(min_length=1, max_length=50_000)]
    """存在问题."""
    next_steps: Annotated[str, Field(min_length=1, max_length=50_000)]
    """下步打算."""


@router.post("/reports/summaries", status_code=201, **documented(DistrictSummaryOut, 201))
def submit_summary(body: SummaryIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """A district's 阶段性总结 (midyear, due 20 June) or 全年总结 (annual, due 28 November): its sections
    and its figures from 1 January to the due date, frozen, audited."""
    _supervisor(actor, "summary")
    sections = {key: getattr(body, key) for key in summaries.SECTIONS}
    with runtime.db.write() as session:
        row = summaries.submit(session, actor_id=actor.id, district=actor.district, year=body.year,
                               period=body.period, sections=sections, now=_now())
        return summaries.summary_json(row)


@router.get("/reports/summaries", **documented(DistrictSummaryPage))
def district_summaries(actor: CurrentActor, session: ReadSession, year: Year, period: SummaryPeriod | None = None,
                       district: Annotated[str | None, Query(max_length=6)] = None) -> dict:
    scope = _scope(actor, district)
    query = select(DistrictSummary).where(DistrictSummary.year == year).order_by(DistrictSummary.district,
                                                                                 DistrictSummary.period)
    if scope:
        query = query.where(DistrictSummary.district == scope)
    if period:
        query = query.where(DistrictSummary.period == period)
    return {"items": [summaries.summary_json(r) for r in session.scalars(query)], "next_cursor": None}


@router.get("/reports/summaries/city", **_report_doc(CityReportSummaryOut))
def city_summary(actor: CurrentActor, session: ReadSession, year: Year, period: SummaryPeriod,
                 format: Literal["json", "xlsx", "csv", "html"] = "json") -> Response | dict:
    """The city's summary compiled from the districts': each district's sections, who is late, the summed figures."""
    _oversight(actor, "the city's summary")
    report = summaries.city(session, year, period, today_in_china(_now()))
    columns = [("district_name", "单位"), ("state", "报送情况"), ("submitted_at", "报送时间")] + [
        (key, label) for key, label in summaries.SECTIONS.items()]
    rows = [{"district_name": d["district_name"], "state": d["state"], "submitted_at": d["submitted_at"],
             **{s["key"]: s["text"] for s in d["sections"]}} for d in report["districts"]]
    figures = Table("汇总数据", f"{report['figures_period']['from']} 至 {report['figures_period']['to']}",
                    [("label", "指标"), ("value", "合计")],
                    [{"label": f["label"], "value": f["value"]} for f in report["figures"]],
                    numeric=frozenset({"value"}))
    table = Table(report["title"], f"报送截止 {report['due']}", columns, rows, sections=[figures])
    return _respond(report, table, format, f"summary-city-{year}-{period}")



@router.get("/reports/calendar", **documented(CalendarOut))
def reporting_calendar(actor: CurrentActor, session: ReadSession,
                       district: Annotated[str | None, Query(max_length=6)] = None) -> dict:
    """报送: what is due around today (months, the action plan, the summaries) and who is late; a district
    sees its own."""
    scope = _scope(actor, district)
    today = today_in_china(_now())
    return {"today": today.isoformat(), "items": timeliness.due_items(session, today, scope)}
