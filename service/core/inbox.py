"""The in-app inbox every domain writes to: the notification primitive below all of them (issue 17).

Messages are rendered by `notifications.messages` and stored as `Notification` rows, one per
recipient; `GET /notifications` (the deadlines package's routes) reads them back.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.channels import InboxChannel
from notifications.messages import Message, render
from service.core.models import District, Notification, Principal
from state_machines.vocabulary import Role


def inbox(session: Session, now: datetime) -> InboxChannel:
    def store(message: Message) -> None:
        session.add(Notification(id=str(uuid.uuid4()), principal_id=message.recipient_id, case_id=message.case_id,
                                 kind=message.kind, subject=message.subject, body=message.body, created_at=now))

    return InboxChannel(store)


def tell_supervisors(session: Session, district: str, kind: str, now: datetime, *, case_id: str | None = None,
                     **context: object) -> None:
    """A district's (enabled) supervisors hear of something in their inbox: the city's 交办, 督办 and
    提级管辖, a transfer designated back. The one place that picks a district's supervisors to tell."""
    channel = inbox(session, now)
    for pid in session.scalars(select(Principal.id).where(Principal.role == Role.supervisor.value,
                                                          Principal.district == district,
                                                          Principal.disabled.is_(False))):
        channel.send(render(kind, pid, case_id=case_id, **context))


def district_names(session: Session) -> dict[str, str]:
    """Code → name of every district, in code order (what messages, lists and bulletins show)."""
    return dict(session.execute(select(District.code, District.name).order_by(District.code)).all())
