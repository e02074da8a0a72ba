"""Reports (SPEC §6): 附件1, 附件2, the bulletin and summaries, and monthly submissions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import select

from service.audit import service as audit
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import ERRORS, Strict, documented
from service.reports import figures as reports
from service.reports import files as report_views
from service.reports.models import ReportSubmission
from service.reports.schemas import (
    BulletinOut,
    CaseDetailsReportOut,
    MonthlyReportOut,
    SubmissionOut,
    SubmissionPage,
)
from state_machines.errors import Forbidden, GuardFailed, InvalidData
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ, Day
from state_machines.vocabulary import Role

router = APIRouter(tags=["reports"])
Format = Literal["json", "csv", "xlsx", "html"]
MONTH_PATTERN = r"^(199\d|20\d{2}|2100)-(0[1-9]|1[0-2])$"  # SPEC §10.8: 1990..2100
Month = Annotated[str | None, Query(pattern=MONTH_PATTERN)]


def _report_doc(model: type) -> dict:
    """The report's JSON shape (`format=json`) and its files (csv, xlsx, html), documented only."""
    files = {media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
             for media in report_views.MEDIA.values()}
    return {"response_model": None, "responses": {
        200: {"model": model, "description": "the report: JSON, or the file `format` asks for", "content": files},
        **ERRORS}}


def _scope(actor: Actor, district: str | None) -> str | None:
    """A district role reads its own district's reports only; the city and auditors read all."""
    if actor.role in DISTRICT_ROLES:
        if district not in (None, actor.district):
            raise Forbidden("you read your own district's reports only")
        return actor.district
    if actor.role not in OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read reports")
    return district


def _period(month: str | None, start: date | None, end: date | None) -> reports.Period:
    if month:
        return reports.Period.month(month)
    if start and end and start <= end and (end - start).days <= 366 and 1900 <= start.year and end.year < 2200:
        return reports.Period(start, end)
    raise InvalidData("give month=YYYY-MM, or from and to (at most a year apart)", fields=["month", "from", "to"])


def _respond(report: dict, table, fmt: str, name: str) -> Response | dict:
    if fmt == "json":
        return report
    body = report_views.render(table, fmt)
    headers = {} if fmt == "html" else {"Content-Disposition": f'attachment; filename="{name}.{fmt}"'}
    return Response(body, media_type=report_views.MEDIA[fmt], headers=headers)


@router.get("/reports/monthly", **_report_doc(MonthlyReportOut))
def monthly(actor: CurrentActor, session: ReadSession, month: Month = None,
            start: Annotated[Day | None, Query(alias="from")] = None, to: Day | None = None,
            district: Annotated[str | None, Query(max_length=6)] = None, format: Format = "json") -> Response | dict:
    scope = _scope(actor, district)
    period = _period(month, start, to)
    report = reports.monthly(session, period, scope)
    return _respond(report, report_views.monthly_table(report), format, f"fujian1-{period.start:%Y-%m}")


@router.get("/reports/case-details", **_report_doc(CaseDetailsReportOut))
def case_details(actor: CurrentActor, session: ReadSession, month: Month = None,
                 start: Annotated[Day | None, Query(alias="from")] = None, to: Day | None = None,
                 district: Annotated[str | None, Query(max_length=6)] = None,
                 format: Format = "json") -> Response | dict:
    scope = _scope(actor, district)
    period = _period(month, start, to)
    report = reports.case_details(session, period, scope)
    return _respond(report, report_views.details_table(report), format, f"fujian2-{period.start:%Y-%m}")


@router.get("/reports/bulletin", **_report_doc(BulletinOut))
def bulletin(actor: CurrentActor, session: ReadSession, start: Annotated[Day, Query(alias="from")],
             to: Day, format: Format = "json") -> Response | dict:
    if actor.role not in OVERSIGHT_ROLES:
        raise Forbidden("the bulletin compares districts: the city bureau and auditors read it")
    report = reports.bulletin(session, _period(None, start, to))
    return _respond(report, report_views.bulletin_table(report), format, f"bulletin-{start}")


@router.get("/reports/summary", **_report_doc(BulletinOut))
def summary(actor: CurrentActor, session: ReadSession, year: Annotated[int, Query(ge=2000, le=2100)],
            period: Literal["midyear", "annual"], format: Format = "html") -> Response | dict:
    """半年总结 (to 20 June) and 年度总结 (to 28 November): the bulletin's aggregation over the longer range."""
    if actor.role not in OVERSIGHT_ROLES:
        raise Forbidden("summaries are the city bureau's")
    end = date(year, 6, 20) if period == "midyear" else date(year, 11, 28)
    title = f"{year}年全市知识产权行政保护工作{'半年' if period == 'midyear' else '年度'}总结"
    report = reports.bulletin(session, reports.Period(date(year, 1, 1), end), title=title)
    return _respond(report, report_views.bulletin_table(report), format, f"summary-{year}-{period}")


class SubmissionIn(Strict):
    month: Annotated[str, Field(pattern=MONTH_PATTERN)]


@router.post("/reports/monthly/submissions", status_code=201, **documented(SubmissionOut, 201))
def submit(body: SubmissionIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """The district supervisor confirms the month's figures; they are frozen as a snapshot, audited."""
    if actor.role is not Role.supervisor:
        raise Forbidden("a district supervisor confirms the district's monthly figures")
    now = datetime.now(UTC)
    period = reports.Period.month(body.month)
    if period.end >= now.astimezone(CHINA_TZ).date():
        raise GuardFailed("a month is submitted after it has ended")
    with runtime.db.write() as session:
        existing = session.scalar(select(ReportSubmission).where(ReportSubmission.district == actor.district,
                                                                 ReportSubmission.month == body.month))
        if existing is not None:
            raise GuardFailed(f"{body.month} was submitted already; its figures are frozen")
        snapshot = {"monthly": reports.monthly(session, period, actor.district),
                    "case_details": reports.case_details(session, period, actor.district)}
        row = ReportSubmission(id=str(uuid.uuid4()), district=actor.district, month=body.month, snapshot=snapshot,
                               submitted_by=actor.id, submitted_at=now, version=1, head_hash="")
        event = audit.new_event(session, stream_type="report", stream_id=row.id, seq=1, event="submit",
                                from_state=None, to_state="submitted", actor=actor.id, at=now,
                                data={"district": actor.district, "month": body.month,
                                      "figures": {f["key"]: f["value"] for f in snapshot["monthly"]["figures"]}},
                                reason=None, prev_hash=audit.GENESIS)
        row.head_hash = event.hash
        session.add(row)
        session.flush()
        return submission_json(row)


def submission_json(row: ReportSubmission) -> dict:
    return {"id": row.id, "district": row.district, "month": row.month, "submitted_by": row.submitted_by,
            "submitted_at": row.submitted_at.astimezone(CHINA_TZ).isoformat(), "snapshot": row.snapshot}


@router.get("/reports/monthly/submissions", **documented(SubmissionPage))
def submissions(actor: CurrentActor, session: ReadSession, month: Month = None) -> dict:
    query = select(ReportSubmission).order_by(ReportSubmission.month, ReportSubmission.district)
    if actor.role in DISTRICT_ROLES:
        query = query.where(ReportSubmission.district == actor.district)
    elif actor.role not in OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read reports")
    if month:
        query = query.where(ReportSubmission.month == month)
    return {"items": [submission_json(r) for r in session.scalars(query)], "next_cursor": None}


