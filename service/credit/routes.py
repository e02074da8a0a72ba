"""Parties, the 失信 list and typical cases (SPEC §6 Credit)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from notifications.report_files import Table, to_csv, to_html, to_xlsx
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import Strict
from service.credit import service as credit
from service.reports.files import MEDIA
from state_machines.types import Day

router = APIRouter(tags=["credit"])


@router.get("/parties")
def find_parties(actor: CurrentActor, session: ReadSession,
                 credit_code: Annotated[str | None, Query(max_length=18)] = None,
                 name: Annotated[str | None, Query(min_length=2, max_length=100)] = None) -> dict:
    return credit.find_parties(session, actor, credit_code=credit_code, name=name)


@router.get("/parties/{party_id}")
def get_party(party_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    return credit.get_party(session, actor, party_id)


class Proposal(Strict):
    party_id: Annotated[str, Field(max_length=36)]
    basis: Annotated[str, Field(min_length=1, max_length=2000)]
    until: Day
    case_id: Annotated[str | None, Field(max_length=36)] = None


class DecisionData(Strict):
    decision: Annotated[str | None, Field(max_length=2000)] = None
    on_application: bool = False


class DishonestEvent(Strict):
    event: Literal["approve", "reject", "repair"]
    data: DecisionData = DecisionData()
    reason: Annotated[str | None, Field(max_length=2000)] = None


@router.post("/dishonest-list", status_code=201)
def propose(body: Proposal, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        return credit.propose(session, actor, body.model_dump())


@router.post("/dishonest-list/{entry_id}/events")
def decide(entry_id: str, body: DishonestEvent, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        return credit.decide(session, actor, entry_id, body.model_dump(exclude_none=True))


EntryState = Literal[tuple(credit.DISHONEST_LABELS)]  # type: ignore[valid-type]
DISHONEST_COLUMNS = [("party_name", "当事人"), ("credit_code", "统一社会信用代码"), ("id_number", "身份证号（脱敏）"),
                     ("basis", "认定依据"), ("until", "列入期限至"), ("state_label", "状态"), ("decision", "决定"),
                     ("district", "提出单位")]


@router.get("/dishonest-list", response_model=None)
def list_entries(actor: CurrentActor, session: ReadSession, state: EntryState | None = None,
                 format: Literal["json", "csv", "xlsx"] = "json") -> Response | dict:
    items = credit.list_entries(session, actor, state)
    if format == "json":
        return {"items": items, "next_cursor": None}
    rows = [{"party_name": e["party"]["name"], "credit_code": e["party"]["credit_code"],
             "id_number": e["party"]["id_number"], **e} for e in items]
    table = Table("严重失信主体名单", f"共 {len(rows)} 条", DISHONEST_COLUMNS, rows)
    body = to_csv(table) if format == "csv" else to_xlsx(table)
    return Response(body, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="dishonest-list.{format}"'})


class Nomination(Strict):
    case_id: Annotated[str, Field(max_length=36)]
    summary: Annotated[str, Field(min_length=1, max_length=5000)]


@router.post("/typical-cases", status_code=201)
def nominate(body: Nomination, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        return credit.nominate(session, actor, body.case_id, body.summary)


TYPICAL_COLUMNS = [("number", "案件编号"), ("title", "案件名称"), ("kind_label", "案件类型"), ("district", "办案单位"),
                   ("respondent", "当事人"), ("summary", "案情简介")]


@router.get("/typical-cases", response_model=None)
def typical_cases(actor: CurrentActor, session: ReadSession,
                  year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                  format: Literal["json", "html"] = "json") -> Response | dict:
    items = credit.list_typical(session, actor, year)
    if format == "json":
        return {"items": items, "next_cursor": None}
    title = f"{year or ''}年知识产权行政保护典型案例" if year else "知识产权行政保护典型案例"
    html = to_html(Table(title, "（供4·26世界知识产权日发布，已去除个人信息）", TYPICAL_COLUMNS, items))
    return Response(html, media_type=MEDIA["html"])
