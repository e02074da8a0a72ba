"""The bulletins' daily pass (run with the deadline sweep): a period ended without a bulletin issued
for it → the city is reminded; a rectification past its date and not accepted → the city and the
district's supervisors are told, once.

Like the report reminders, each reminder is a unique row written before anything is sent, so the
pass is idempotent (a rerun, or two racing, send nothing twice).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.messages import render
from service.bulletins.models import Bulletin, BulletinRectification, BulletinReminder
from service.bulletins.service import last_ended_period
from service.core.inbox import district_names, inbox
from service.core.models import Principal
from service.core.sql import insert_if_absent
from state_machines.case_machine import today_in_china
from state_machines.vocabulary import CITY_DIVISION, Role


def remind(session: Session, now: datetime) -> dict:
    today = today_in_china(now)
    channel = inbox(session, now)
    people: dict[str | None, list[str]] = {}
    for pid, role, district in session.execute(
            select(Principal.id, Principal.role, Principal.district)
            .where(Principal.role.in_([Role.supervisor.value, Role.city.value]), Principal.disabled.is_(False))):
        people.setdefault(None if role == Role.city else district, []).append(pid)
    # the city bureau: its `city` people and 150600's supervisors, who draft, issue and accept bulletins too
    city = people.get(None, []) + people.get(CITY_DIVISION, [])
    sent: dict = {"bulletin_due": None, "rectifications_overdue": []}

    period = last_ended_period(today)
    issued = session.scalar(select(Bulletin.id).where(Bulletin.state == "issued",
                                                      Bulletin.period_from <= period.start,
                                                      Bulletin.period_to >= period.end).limit(1))
    key = f"{period.start.isoformat()}/{period.end.isoformat()}"
    if issued is None and insert_if_absent(session, BulletinReminder, {"kind": "due", "key": key, "created_at": now},
                                           ["kind", "key"]):
        sent["bulletin_due"] = key
        for pid in city:
            channel.send(render("bulletin_due", pid, period_from=period.start.isoformat(),
                                period_to=period.end.isoformat()))

    names = district_names(session)
    overdue = session.execute(
        select(BulletinRectification, Bulletin.number).join(Bulletin, Bulletin.id == BulletinRectification.bulletin_id)
        .where(BulletinRectification.done_on.is_(None), BulletinRectification.due_on < today))
    for rect, number in overdue:
        if not insert_if_absent(session, BulletinReminder, {"kind": "overdue", "key": rect.id, "created_at": now},
                                ["kind", "key"]):
            continue
        sent["rectifications_overdue"].append({"district": rect.district, "number": number})
        for pid in city + people.get(rect.district, []):
            channel.send(render("rectification_overdue", pid, number=number, due_on=rect.due_on.isoformat(),
                                district_name=names.get(rect.district, rect.district),
                                answered=bool(rect.answers)))
    session.flush()
    return sent
