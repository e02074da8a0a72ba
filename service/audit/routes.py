"""The audit trail and its integrity check (SPEC §8): auditor, city and admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from service.audit import service as audit
from service.audit.schemas import AuditEventPage, VerifyOut
from service.core.deps import CurrentActor, ReadSession, require
from service.core.models import Event
from service.core.pagination import decode_cursor, page
from service.core.schemas import documented
from state_machines.types import Timestamp
from state_machines.vocabulary import Role

router = APIRouter(tags=["audit"])
AUDIT_ROLES = (Role.auditor, Role.city, Role.admin)


@router.get("/audit/events", **documented(AuditEventPage))
def audit_events(
    actor: CurrentActor,
    session: ReadSession,
    case_id: Annotated[str | None, Query(max_length=36)] = None,
    actor_id: Annotated[str | None, Query(alias="actor", max_length=36)] = None,
    from_: Annotated[Timestamp | None, Query(alias="from")] = None,
    to: Timestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> dict:
    require(actor, *AUDIT_ROLES)
    query = select(Event)
    if case_id:
        query = query.where(Event.stream_id == case_id)
    if actor_id:
        query = query.where(Event.actor == actor_id)
    if from_:
        query = query.where(Event.at >= from_)
    if to:
        query = query.where(Event.at <= to)
    if cursor:
        query = query.where(Event.id > decode_cursor(cursor, (int,))[0])
    rows, next_cursor = page(session.scalars(query.order_by(Event.id).limit(limit + 1)), limit, lambda e: (e.id,))
    items = [{"id": e.id, "stream_type": e.stream_type, "stream_id": e.stream_id, **audit.event_json(e)} for e in rows]
    return {"items": items, "next_cursor": next_cursor}


@router.get("/audit/verify", **documented(VerifyOut))
def verify(actor: CurrentActor, session: ReadSession) -> dict:
    require(actor, *AUDIT_ROLES)
    return audit.verify(session).as_dict()
