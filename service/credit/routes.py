"""Parties, the 失信 list and typical cases (SPEC §6 Credit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from notifications.report_files import Table, to_csv, to_html, to_xlsx
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import Strict, documented, documented_with_files
from service.credit import grades, listing
from service.credit import service as credit
from service.credit.schemas import (
    DishonestEntryOut,
    DishonestEntryPage,
    PartyDetailOut,
    PartySearchOut,
    PublicationPage,
    TypicalCaseOut,
    TypicalCasePage,
)
from service.reports.files import MEDIA
from state_machines.credit_listing import STATE_LABELS
from state_machines.types import Day, ShortText

router = APIRouter(tags=["credit"])


@router.get("/parties", **documented(PartySearchOut))
def find_parties(actor: CurrentActor, session: ReadSession, runtime: RuntimeDep,
                 credit_code: Annotated[str | None, Query(max_length=18)] = None,
                 name: Annotated[str | None, Query(min_length=2, max_length=100)] = None,
                 grade: Literal["A", "B", "C", "D"] | None = None) -> dict:
    if grade is not None:
        items = grades.parties_by_grade(session, actor, grade, datetime.now(UTC), runtime.rules.grade_rules)
        return {"items": items, "next_cursor": None}
    return credit.find_parties(session, actor, credit_code=credit_code, name=name)


@router.get("/parties/{party_id}", **documented(PartyDetailOut))
def get_party(party_id: str, actor: CurrentActor, session: ReadSession, runtime: RuntimeDep) -> dict:
    return credit.get_party(session, actor, party_id, runtime.rules.grade_rules)


class Proposal(Strict):
    """SPEC §10.9: `until` is not a field (it is computed at `listed`): giving one is a 422."""

    party_id: Annotated[str, Field(max_length=36)]
    case_id: Annotated[str, Field(max_length=36)]
    basis: ShortText
    detail: Annotated[str, Field(min_length=1, max_length=2000)]


class RepairConditions(Strict):
    penalty_performed: bool
    no_new_serious_violation: bool
    credit_commitment_signed: bool


class ListingData(Strict):
    served_at: Day | None = None
    statement: Annotated[str | None, Field(max_length=5000)] = None
    defence: Annotated[str | None, Field(max_length=5000)] = None
    hearing_requested: bool | None = None
    hearing_held: bool | None = None
    waived: bool | None = None
    approval_document: Annotated[str | None, Field(max_length=200)] = None
    decision: Annotated[str | None, Field(max_length=2000)] = None
    listed_on: Day | None = None
    conditions: RepairConditions | None = None
    credit_commitment: Annotated[str | None, Field(max_length=5000)] = None


class ListingEvent(Strict):
    event: Literal["notify", "record_statement", "consent", "refuse", "listed", "apply_repair", "repair",
                   "refuse_repair"]
    data: ListingData = ListingData()
    reason: Annotated[str | None, Field(max_length=2000)] = None


@router.post("/dishonest-list", status_code=201, **documented(DishonestEntryOut, 201))
def propose(body: Proposal, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        return listing.propose(session, actor, body.model_dump(), runtime.settings.listing_ground_list())


@router.post("/dishonest-list/{entry_id}/events", **documented(DishonestEntryOut))
def fire(entry_id: str, body: ListingEvent, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    data = body.data.model_dump(exclude_none=True)
    with runtime.db.write() as session:
        return listing.fire(session, actor, entry_id, {"event": body.event, "data": data, "reason": body.reason},
                            runtime.rules.calendar, consent_required=runtime.settings.listing_consent)


EntryState = Literal[tuple(STATE_LABELS)]  # type: ignore[valid-type]
DISHONEST_COLUMNS = [("party_name", "当事人"), ("credit_code", "统一社会信用代码"), ("id_number", "身份证号（脱敏）"),
                     ("basis", "列入事由"), ("detail", "具体情形"), ("listed_on", "列入日期"), ("until", "列入期限至"),
                     ("state_label", "状态"), ("decision", "决定"), ("district", "作出决定机关")]
PUBLICATION_COLUMNS = [("party_name", "当事人名称"), ("credit_code", "统一社会信用代码"), ("basis", "列入事由"),
                       ("case_number", "行政处罚决定书文号（案件编号）"), ("listed_on", "列入日期"),
                       ("until", "届满日期"), ("authority", "作出决定机关")]


def _file(table: Table, format: str, name: str) -> Response:
    if format == "html":
        return Response(to_html(table), media_type=MEDIA["html"])
    body = to_csv(table) if format == "csv" else to_xlsx(table)
    return Response(body, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'})


@router.get("/dishonest-list", **documented_with_files(DishonestEntryPage, MEDIA["csv"], MEDIA["xlsx"]))
def list_entries(actor: CurrentActor, session: ReadSession, state: EntryState | None = None,
                 format: Literal["json", "csv", "xlsx"] = "json") -> Response | dict:
    items = listing.list_entries(session, actor, state)
    if format == "json":
        return {"items": items, "next_cursor": None}
    rows = [{"party_name": e["party"]["name"], "credit_code": e["party"]["credit_code"],
             "id_number": e["party"]["id_number"], **e} for e in items]
    return _file(Table("严重违法失信名单（工作台账）", f"共 {len(rows)} 条", DISHONEST_COLUMNS, rows), format,
                 "dishonest-list")


@router.get("/dishonest-list/publication",
            **documented_with_files(PublicationPage, MEDIA["csv"], MEDIA["xlsx"], MEDIA["html"]))
def publication(actor: CurrentActor, session: ReadSession,
                format: Literal["json", "csv", "xlsx", "html"] = "json") -> Response | dict:
    """The entries on the list today (listed, not expired, not revoked), personal data minimised: what a
    publication system (信用中国（内蒙古）, the bureau's site) imports, and a page the city can publish."""
    items = listing.publication(session, actor, datetime.now(UTC))
    if format == "json":
        return {"items": items, "next_cursor": None}
    title = "鄂尔多斯市市场监督管理局 严重违法失信名单（知识产权）"
    return _file(Table(title, f"共 {len(items)} 条，更新于 {datetime.now(UTC).date().isoformat()}",
                       PUBLICATION_COLUMNS, items), format, "dishonest-list-publication")


@router.get("/dishonest-list/{entry_id}", **documented(DishonestEntryOut))
def get_entry(entry_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    return listing.get_entry(session, actor, entry_id)


class Nomination(Strict):
    case_id: Annotated[str, Field(max_length=36)]
    summary: Annotated[str, Field(min_length=1, max_length=5000)]


@router.post("/typical-cases", status_code=201, **documented(TypicalCaseOut, 201))
def nominate(body: Nomination, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        return credit.nominate(session, actor, body.case_id, body.summary)


TYPICAL_COLUMNS = [("number", "案件编号"), ("title", "案件名称"), ("kind_label", "案件类型"), ("district", "办案单位"),
                   ("respondent", "当事人"), ("summary", "案情简介")]


@router.get("/typical-cases", **documented_with_files(TypicalCasePage, MEDIA["html"]))
def typical_cases(actor: CurrentActor, session: ReadSession,
                  year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                  format: Literal["json", "html"] = "json") -> Response | dict:
    items = credit.list_typical(session, actor, year)
    if format == "json":
        return {"items": items, "next_cursor": None}
    title = f"{year or ''}年知识产权行政保护典型案例" if year else "知识产权行政保护典型案例"
    html = to_html(Table(title, "（供4·26世界知识产权日发布，已去除个人信息）", TYPICAL_COLUMNS, items))
    return Response(html, media_type=MEDIA["html"])
