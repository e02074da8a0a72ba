"""Reports (SPEC §6): 附件1, 附件2, the bulletin and summaries, and monthly submissions."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from service.audit import service as audit
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.pagination import decode_cursor, page
from service.core.schemas import ERRORS, Strict, documented
from service.reports import access
from service.reports import figures as reports
from service.reports import files as report_views
from service.reports import period as calendar
from service.reports.models import ReportSubmission
from service.reports.schemas import (
    BulletinOut,
    CaseDetailsReportOut,
    MonthlyReportOut,
    SubmissionOut,
    SubmissionPage,
    SubmissionVersionsOut,
)
from state_machines.case_machine import today_in_china
from state_machines.errors import Forbidden, GuardFailed, InvalidData, NotFound
from state_machines.principals import OVERSIGHT_ROLES
from state_machines.types import CHINA_TZ, Day

router = APIRouter(tags=["reports"])
Format = Literal["json", "csv", "xlsx", "html"]
MONTH_PATTERN = r"^(199[0-9]|20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"  # SPEC §10.8: 1990..2100
"""ASCII digits: pydantic's patterns are Rust regexes, where \\d is any script's digit ("20２６-01")."""
Month = Annotated[str | None, Query(pattern=MONTH_PATTERN)]


def _report_doc(model: type) -> dict:
    """The report's JSON shape (`format=json`) and its files (csv, xlsx, html), documented only."""
    files = {media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
             for media in report_views.MEDIA.values()}
    return {"response_model": None, "responses": {
        200: {"model": model, "description": "the report: JSON, or the file `format` asks for", "content": files},
        **ERRORS}}


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
    scope = access.scope(actor, district)
    period = _period(month, start, to)
    report = reports.monthly(session, period, scope, ytd=reports.Period.year_to_date(month) if month else None)
    return _respond(report, report_views.monthly_table(report), format, f"fujian1-{period.start:%Y-%m}")


@router.get("/reports/case-details", **_report_doc(CaseDetailsReportOut))
def case_details(actor: CurrentActor, session: ReadSession, month: Month = None,
                 start: Annotated[Day | None, Query(alias="from")] = None, to: Day | None = None,
                 district: Annotated[str | None, Query(max_length=6)] = None,
                 format: Format = "json") -> Response | dict:
    scope = access.scope(actor, district)
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
    """半年总结 and 年度总结: the bulletin's aggregation from the statistical year's start to the summary's
    configured due day (`IPCASE_SUMMARY_MIDYEAR_DUE`, `IPCASE_SUMMARY_ANNUAL_DUE`; 20 June, 28 November)."""
    if actor.role not in OVERSIGHT_ROLES:
        raise Forbidden("summaries are the city bureau's")
    end = calendar.summary_due(year, period)
    title = f"{year}年全市知识产权行政保护工作{'半年' if period == 'midyear' else '年度'}总结"
    report = reports.bulletin(session, reports.Period(calendar.year_start(year), end), title=title)
    return _respond(report, report_views.bulletin_table(report), format, f"summary-{year}-{period}")


class SubmissionIn(Strict):
    month: Annotated[str, Field(pattern=MONTH_PATTERN)]
    reason: Annotated[str | None, Field(min_length=2, max_length=2000)] = None
    """Required to correct a month already submitted: the correction becomes the next version."""


@router.post("/reports/monthly/submissions", status_code=201, **documented(SubmissionOut, 201))
def submit(body: SubmissionIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """The district supervisor confirms the month's figures; they are frozen as a snapshot, audited.

    A month already submitted is corrected only as a new version with a `reason`: the earlier ones
    are kept as they were, and the first version's stream records the correction."""
    access.reporting_supervisor(actor, "monthly figures")
    now = datetime.now(UTC)
    period = reports.Period.month(body.month)
    if period.end >= today_in_china(now):
        raise GuardFailed("a month is submitted after it has ended")
    with runtime.db.write() as session, session.no_autoflush:
        # Corrections serialise on the month's first version: once its row is locked, the versions
        # read next include every correction committed meanwhile, so the next revision is free.
        mine = (ReportSubmission.district == actor.district, ReportSubmission.month == body.month)
        session.scalar(select(ReportSubmission.id).where(*mine, ReportSubmission.revision == 1).with_for_update())
        versions = list(session.scalars(select(ReportSubmission).where(*mine).order_by(ReportSubmission.revision)
                                        .execution_options(populate_existing=True)))
        if versions and not (body.reason and body.reason.strip()):
            raise GuardFailed(f"{body.month} was submitted already; its figures are frozen: "
                              "a correction is a new version and gives its reason")
        if not versions and body.reason:
            raise InvalidData("a first submission corrects nothing: leave out reason", fields=["reason"])
        snapshot = {"monthly": reports.monthly(session, period, actor.district,
                                               ytd=reports.Period.year_to_date(body.month)),
                    "case_details": reports.case_details(session, period, actor.district)}
        revision = len(versions) + 1
        row = ReportSubmission(id=str(uuid.uuid4()), district=actor.district, month=body.month, snapshot=snapshot,
                               submitted_by=actor.id, submitted_at=now, version=1, head_hash="",
                               revision=revision, reason=body.reason)
        figures = {f["key"]: f["value"] for f in snapshot["monthly"]["figures"]}
        event = audit.new_event(session, stream_type="report", stream_id=row.id, seq=1,
                                event="submit" if revision == 1 else "correct",
                                from_state=None, to_state="submitted", actor=actor.id, at=now,
                                data={"district": actor.district, "month": body.month, "version": revision,
                                      "figures": figures,
                                      **({"corrects": versions[-1].id} if versions else {})},
                                reason=body.reason, prev_hash=audit.GENESIS)
        row.head_hash = event.hash
        session.add(row)
        if versions:  # the correction, on the stream of the month's first submission
            first = versions[0]
            before = {f["key"]: f["value"] for f in versions[-1].snapshot["monthly"]["figures"]}
            recorded = audit.new_event(
                session, stream_type="report", stream_id=first.id, seq=first.version + 1, event="corrected",
                from_state="submitted", to_state="submitted", actor=actor.id, at=now,
                data={"version": revision, "submission": row.id,
                      "changed": {k: [before.get(k), v] for k, v in figures.items() if before.get(k) != v}},
                reason=body.reason, prev_hash=first.head_hash)
            first.version, first.head_hash = first.version + 1, recorded.hash
        try:  # two first submissions racing: the unique constraint lets one through (no autoflush before)
            session.flush()
        except IntegrityError as exc:
            raise GuardFailed("another version of this month was submitted at the same moment: retry") from exc
        return submission_json(row)


def submission_json(row: ReportSubmission) -> dict:
    due = calendar.due(row.month)
    return {"id": row.id, "district": row.district, "month": row.month, "version": row.revision,
            "reason": row.reason, "due": due.isoformat(), "late": today_in_china(row.submitted_at) > due,
            "submitted_by": row.submitted_by,
            "submitted_at": row.submitted_at.astimezone(CHINA_TZ).isoformat(), "snapshot": row.snapshot}


@router.get("/reports/monthly/submissions", **documented(SubmissionPage))
def submissions(actor: CurrentActor, session: ReadSession, month: Month = None,
                district: Annotated[str | None, Query(max_length=6)] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict:
    """Every version of every submission in scope, by month, district and version, a page at a time
    (SPEC §6); without the frozen reports, which one version's read gives."""
    query = select(ReportSubmission)
    scope = access.scope(actor, district)
    if scope:
        query = query.where(ReportSubmission.district == scope)
    if month:
        query = query.where(ReportSubmission.month == month)
    if cursor:
        m, d, r = decode_cursor(cursor, (str, str, int))
        query = query.where(or_(ReportSubmission.month > m,
                                and_(ReportSubmission.month == m, ReportSubmission.district > d),
                                and_(ReportSubmission.month == m, ReportSubmission.district == d,
                                     ReportSubmission.revision > r)))
    query = query.order_by(ReportSubmission.month, ReportSubmission.district, ReportSubmission.revision)
    rows, next_cursor = page(session.scalars(query.limit(limit + 1)), limit,
                             lambda r: (r.month, r.district, r.revision))
    return {"items": [{k: v for k, v in submission_json(r).items() if k != "snapshot"} for r in rows],
            "next_cursor": next_cursor}


@router.get("/reports/monthly/submissions/{district}/{month}/versions/{version}", **documented(SubmissionOut))
def submission(actor: CurrentActor, session: ReadSession, district: Annotated[str, Path(max_length=6)],
               month: Annotated[str, Path(pattern=MONTH_PATTERN)],
               version: Annotated[int, Path(ge=1, le=10_000)]) -> dict:
    """One version of a month's submission with its frozen 附件1 and 附件2."""
    scope = access.scope(actor, district)
    row = session.scalar(select(ReportSubmission).where(ReportSubmission.district == scope,
                                                        ReportSubmission.month == month,
                                                        ReportSubmission.revision == version))
    if row is None:
        raise NotFound(f"{district} has no version {version} of {month}")
    return submission_json(row)




@router.get("/reports/monthly/submissions/{district}/{month}/versions", **documented(SubmissionVersionsOut))
def submission_versions(actor: CurrentActor, session: ReadSession, district: Annotated[str, Path(max_length=6)],
                        month: Annotated[str, Path(pattern=MONTH_PATTERN)]) -> dict:
    """A month's versions side by side: each version's 附件1 figures and what changed from the one before."""
    scope = access.scope(actor, district)
    rows = list(session.scalars(select(ReportSubmission).where(
        ReportSubmission.district == scope, ReportSubmission.month == month).order_by(ReportSubmission.revision)))
    if not rows:
        raise NotFound(f"{district} has not submitted {month}")
    versions, before = [], None
    for row in rows:
        figures = {f["key"]: f["value"] for f in row.snapshot["monthly"]["figures"]}
        versions.append({"version": row.revision, "id": row.id, "reason": row.reason,
                         "submitted_by": row.submitted_by,
                         "submitted_at": row.submitted_at.astimezone(CHINA_TZ).isoformat(), "figures": figures,
                         "changed": {k: {"from": before.get(k), "to": v} for k, v in figures.items()
                                     if before.get(k) != v} if before is not None else {}})
        before = figures
    labels = [{"key": f["key"], "label": f["label"]} for f in rows[0].snapshot["monthly"]["figures"]]
    return {"district": scope, "month": month, "columns": labels, "versions": versions}
