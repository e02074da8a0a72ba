"""通报 (issue 20): the city drafts, edits and issues bulletins; every district reads the issued ones
and answers the rectifications ordered of it; the city accepts them. `GET /reports/bulletin` stays the
city's live comparison; an issued bulletin is what the districts read."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.bulletins import render, service
from service.bulletins.schemas import (
    AnswerIn,
    BulletinDetailOut,
    BulletinIn,
    BulletinPage,
    BulletinPatch,
    RectificationOut,
    RectificationPage,
)
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import ERRORS, documented

router = APIRouter(tags=["bulletins"])
BulletinId = Annotated[str, "bulletin id (UUID)"]
District = Annotated[str, "district code"]


def _body(model) -> dict:
    return model.model_dump(by_alias=True, exclude_unset=True)


@router.post("/bulletins", status_code=201, **documented(BulletinDetailOut, 201))
def create(body: BulletinIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Draft a bulletin (the city): its figures are computed when read until it is issued."""
    now = datetime.now(UTC)
    with runtime.db.write() as session:
        data = body.model_dump(by_alias=True)
        return service.detail_json(session, service.create(session, actor, data, now), now, actor)


@router.get("/bulletins", **documented(BulletinPage))
def list_bulletins(actor: CurrentActor, session: ReadSession,
                   year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   cursor: Annotated[str | None, Query(max_length=500)] = None) -> dict:
    """Issued bulletins, newest period first (the city and auditors see the drafts too); pages of
    `limit`, the next from `cursor` (SPEC §6)."""
    return service.list_bulletins(session, actor, year, limit=limit, cursor=cursor)


@router.get("/bulletins/rectifications", **documented(RectificationPage))
def rectifications(actor: CurrentActor, session: ReadSession, overdue: bool = False,
                   district: Annotated[str | None, Query(max_length=6)] = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 50,
                   cursor: Annotated[str | None, Query(max_length=500)] = None) -> dict:
    """The rectifications ordered (a district: its own, another district's is 403); `overdue=true`: past
    their date and not accepted; pages of `limit`, the next from `cursor` (SPEC §6)."""
    return service.rectification_list(session, actor, datetime.now(UTC), overdue=overdue, district=district,
                                      limit=limit, cursor=cursor)


_PDF = "application/pdf"
_HTML = "text/html; charset=utf-8"


@router.get("/bulletins/{bulletin_id}", response_model=None, responses={
    200: {"model": BulletinDetailOut, "description": "the bulletin: JSON, or the HTML or PDF `format` asks for",
          "content": {"text/html": {"schema": {"type": "string"}},
                      _PDF: {"schema": {"type": "string", "format": "binary"}}}},
    503: {"description": "pdf_unavailable: the server has no Pango (the HTML form answers)"}, **ERRORS})
def get_bulletin(bulletin_id: BulletinId, actor: CurrentActor, session: ReadSession,
                 format: Literal["json", "html", "pdf"] = "json") -> Response | dict:  # noqa: A002
    """One bulletin; an issued one is every district's to read, a draft the city's and the auditors'."""
    now = datetime.now(UTC)
    detail = service.detail_json(session, service.visible(session, actor, bulletin_id), now, actor)
    if format == "json":
        return detail
    name = quote(f"{detail['title']}_{detail['number'] or '草稿'}.{format}")
    if format == "pdf":
        return Response(render.pdf(detail), media_type=_PDF,
                        headers={"Content-Disposition": f"attachment; filename=\"bulletin.pdf\"; "
                                                        f"filename*=UTF-8''{name}"})
    return Response(render.html(detail), media_type=_HTML)


@router.patch("/bulletins/{bulletin_id}", **documented(BulletinDetailOut))
def update(bulletin_id: BulletinId, body: BulletinPatch, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Edit a draft (the city); an issued bulletin is frozen (409)."""
    now = datetime.now(UTC)
    with runtime.db.write() as session:
        return service.detail_json(session, service.update(session, actor, bulletin_id, _body(body), now), now,
                                   actor)


@router.post("/bulletins/{bulletin_id}/issue", **documented(BulletinDetailOut))
def issue(bulletin_id: BulletinId, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Issue (印发): the figures and texts frozen, the year's next number, every district told."""
    now = datetime.now(UTC)
    with runtime.db.write() as session:
        return service.detail_json(session, service.issue(session, actor, bulletin_id, now), now, actor)


@router.post("/bulletins/{bulletin_id}/rectifications/{district}/answers", status_code=201,
             **documented(RectificationOut, 201))
def answer(bulletin_id: BulletinId, district: District, body: AnswerIn, actor: CurrentActor,
           runtime: RuntimeDep) -> dict:
    """The criticised district's supervisor reports its rectification (once or more, until accepted)."""
    with runtime.db.write() as session:
        return service.answer(session, actor, bulletin_id, district, body.text, datetime.now(UTC))


@router.post("/bulletins/{bulletin_id}/rectifications/{district}/accept", **documented(RectificationOut))
def accept(bulletin_id: BulletinId, district: District, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """The city accepts the rectification as done (整改完成)."""
    with runtime.db.write() as session:
        return service.accept(session, actor, bulletin_id, district, datetime.now(UTC))
