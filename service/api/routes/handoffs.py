"""Handoffs to partner agencies and the case's documents (SPEC §5, §6)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select

from notifications.delivery import SIGNATURE_HEADER, signature_matches
from state_machines.errors import Forbidden, NotFound
from state_machines.principals import Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import Role

from ... import handoffs as service
from ...cases import check_visible
from ...models import Agency, Document, Handoff
from ...schemas import Strict, decode_json_body
from ..deps import CurrentActor, ReadSession, RuntimeDep
from ..errors import Unauthorized

router = APIRouter(tags=["handoffs"])

Status = Literal["pending", "delivered", "answered", "closed", "failed", "expired"]


class AnswerIn(Strict):
    """Documents the answer body; it is validated by the service."""

    decision: str
    note: str | None = None
    reference: str | None = None
    until: str | None = None
    channel: Literal["partner", "paper"] | None = None


def _body(raw: bytes) -> dict:
    return service.validate_answer_body(decode_json_body(raw))


@router.get("/handoffs")
def list_handoffs(actor: CurrentActor, session: ReadSession,
                  case_id: Annotated[str | None, Query(max_length=36)] = None,
                  agency: Annotated[str | None, Query(max_length=64)] = None,
                  status: Status | None = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 50,
                  cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict:
    return service.list_handoffs(session, actor, case_id=case_id, agency=agency, status=status, limit=limit,
                                 cursor=cursor)


@router.get("/handoffs/{handoff_id}")
def get_handoff(handoff_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    h, case = service.get_visible(session, actor, handoff_id)
    return service.handoff_json(session, h, case)


_ANSWER_DOC = {"requestBody": {"required": True, "content": {"application/json": {"schema":
                                                                                 AnswerIn.model_json_schema()}}}}


@router.post("/handoffs/{handoff_id}/answer", openapi_extra=_ANSWER_DOC)
async def answer(handoff_id: str, request: Request, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    body = _body(await request.body())
    channel = body.pop("channel", None) or ("paper" if actor.role is Role.supervisor else "partner")

    def run() -> dict:
        with runtime.db.write() as session:
            return service.answer(session, actor, handoff_id, body, runtime.rules, channel=channel)

    return await run_in_threadpool(run)


@router.post("/handoffs/{handoff_id}/retry")
def retry(handoff_id: str, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        return service.retry(session, actor, handoff_id)


@router.post("/handoffs/{handoff_id}/callback", openapi_extra=_ANSWER_DOC)
async def callback(handoff_id: str, request: Request, runtime: RuntimeDep,
                   signature: Annotated[str | None, Header(alias=SIGNATURE_HEADER)] = None) -> dict:
    """The partner's system answers here, signed with its shared secret like our deliveries (no token)."""
    raw = await request.body()
    with runtime.db.read() as session:
        h = session.get(Handoff, handoff_id)
        agency = session.get(Agency, h.agency) if h else None
    if h is None:
        raise NotFound("no such handoff")
    secret = (agency.channel or {}).get("secret")
    if not secret or not signature_matches(secret, raw, signature):
        raise Unauthorized(f"a callback must be signed: {SIGNATURE_HEADER}: sha256=<HMAC-SHA256 of the body>")
    body = _body(raw)
    if body.pop("channel", None) not in (None, "partner"):
        raise Forbidden("a callback answers as the agency")
    partner = Actor(id=f"agency:{h.agency}", role=Role.partner, agency=h.agency)

    def run() -> dict:
        with runtime.db.write() as session:
            return service.answer(session, partner, handoff_id, body, runtime.rules, channel="callback")

    return await run_in_threadpool(run)


@router.get("/cases/{case_id}/documents")
def documents(case_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    check_visible(session, actor, case_id)
    rows = session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.created_at,
                                                                                         Document.id))
    return {"items": [{"id": d.id, "kind": d.kind, "title": d.title, "html": d.html,
                       "created_at": d.created_at.astimezone(CHINA_TZ).isoformat()} for d in rows],
            "next_cursor": None}
