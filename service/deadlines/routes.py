"""The caller's in-app notifications, and the escalations the city bureau oversees (SPEC §4)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.models import Notification
from service.core.pagination import by_time_and_id, page
from service.core.schemas import documented
from service.deadlines import service
from service.deadlines.schemas import EscalationPage, NotificationPage, NotificationReadOut
from state_machines.errors import Forbidden, NotFound
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES
from state_machines.types import CHINA_TZ

router = APIRouter(tags=["notifications"])


@router.get("/notifications", **documented(NotificationPage))
def list_notifications(actor: CurrentActor, session: ReadSession, unread: bool | None = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 50,
                       cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict:
    query = select(Notification).where(Notification.principal_id == actor.id)
    if unread is True:
        query = query.where(Notification.read_at.is_(None))
    query = by_time_and_id(query, Notification.created_at, Notification.id, cursor, limit, newest_first=True)
    rows, next_cursor = page(session.scalars(query), limit, lambda n: (n.created_at.isoformat(), n.id))
    return {"items": [{"id": n.id, "kind": n.kind, "case_id": n.case_id, "subject": n.subject, "body": n.body,
                       "created_at": n.created_at.astimezone(CHINA_TZ).isoformat(),
                       "read_at": n.read_at.astimezone(CHINA_TZ).isoformat() if n.read_at else None} for n in rows],
            "next_cursor": next_cursor}


@router.post("/notifications/{notification_id}/read", **documented(NotificationReadOut))
def mark_read(notification_id: str, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    with runtime.db.write() as session:
        note = session.get(Notification, notification_id)
        if note is None or note.principal_id != actor.id:
            raise NotFound("no such notification")
        note.read_at = note.read_at or datetime.now(UTC)
        return {"id": note.id, "read_at": note.read_at.astimezone(CHINA_TZ).isoformat()}


@router.get("/escalations", **documented(EscalationPage))
def list_escalations(actor: CurrentActor, session: ReadSession,
                     district: Annotated[str | None, Query(max_length=6)] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 50,
                     cursor: Annotated[str | None, Query(max_length=200)] = None) -> dict:
    """超期督办: the city and auditors see every district, a district its own."""
    if actor.role in DISTRICT_ROLES:
        if district not in (None, actor.district):
            raise Forbidden("you read your own district's escalations only")
        district = actor.district
    elif actor.role not in OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read escalations")
    return service.escalation_page(session, district, limit, cursor)
