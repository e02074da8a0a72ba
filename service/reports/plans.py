"""专项行动方案及责任人、联络员名单 (the seed: each district by 26 March): a district's plan for a year,
its responsible person and its liaison, and the city's contact list built from them.

A plan is submitted by the district's supervisor and may be submitted again (people change): the
row keeps the latest and when it was first submitted (lateness is judged by that); both are
events of the plan's audit stream, the attachment by its SHA-256.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.core.config import get_settings
from service.reports import period as calendar
from service.reports.models import ActionPlan
from service.reports.timeliness import reporting_districts
from state_machines.case_machine import today_in_china
from state_machines.errors import GuardFailed, InvalidData
from state_machines.types import CHINA_TZ

CONTACT_COLUMNS = (
    ("district_name", "单位"), ("state", "报送情况"), ("submitted_on", "报送日期"),
    ("responsible_name", "责任人"), ("responsible_post", "职务"), ("responsible_phone", "电话"),
    ("responsible_email", "电子邮箱"), ("liaison_name", "联络员"), ("liaison_post", "职务"),
    ("liaison_phone", "电话"), ("liaison_email", "电子邮箱"),
)


def decode_attachment(attachment: dict | None) -> tuple[str, str, bytes] | None:
    """(name, type, bytes) of a base64 attachment, refused beyond the configured size."""
    if attachment is None:
        return None
    try:
        content = base64.b64decode(attachment["content_base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidData("attachment.content_base64 is not base64", fields=["attachment"]) from exc
    limit = get_settings().action_plan_attachment_max_bytes
    if len(content) > limit:
        raise InvalidData(f"the attachment is {len(content)} bytes; at most {limit}", fields=["attachment"])
    if not content:
        raise InvalidData("the attachment is empty", fields=["attachment"])
    return attachment["name"], attachment["content_type"], content


def submit(session: Session, *, actor_id: str, district: str, year: int, plan: str, responsible: dict,
           liaison: dict, attachment: tuple[str, str, bytes] | None, now: datetime) -> ActionPlan:
    with session.no_autoflush:  # the insert waits for the flush below, where a racing twin is caught
        return _submit(session, actor_id=actor_id, district=district, year=year, plan=plan,
                       responsible=responsible, liaison=liaison, attachment=attachment, now=now)


def _submit(session: Session, *, actor_id: str, district: str, year: int, plan: str, responsible: dict,
            liaison: dict, attachment: tuple[str, str, bytes] | None, now: datetime) -> ActionPlan:
    row = session.scalar(select(ActionPlan).where(ActionPlan.district == district, ActionPlan.year == year)
                         .with_for_update())
    digest = hashlib.sha256(attachment[2]).hexdigest() if attachment else None
    if row is None:
        row = ActionPlan(id=str(uuid.uuid4()), district=district, year=year, first_submitted_at=now, version=0,
                         head_hash=audit.GENESIS, state="submitted", updated_at=now)
        session.add(row)
        event = "submit"
    else:
        event = "revise"
    row.plan, row.responsible, row.liaison, row.submitted_by = plan, responsible, liaison, actor_id
    if attachment:
        row.attachment_name, row.attachment_type, row.attachment = attachment
        row.attachment_sha256 = digest
    due = calendar.action_plan_due(year)
    data = {"district": district, "year": year, "responsible": responsible, "liaison": liaison,
            "plan_sha256": hashlib.sha256(plan.encode()).hexdigest(), "attachment_sha256": row.attachment_sha256,
            "due": due.isoformat(), "late": _day(row.first_submitted_at) > due}
    audit.append_to_stream(session, row, "action_plan", event, "submitted", actor_id, now, data=data)
    try:  # two first submissions racing: the unique constraint lets one through
        session.flush()
    except IntegrityError as exc:
        raise GuardFailed("this plan was submitted at the same moment by another request: retry") from exc
    return row


_day = today_in_china  # the China date of a moment


def plan_json(row: ActionPlan) -> dict:
    due = calendar.action_plan_due(row.year)
    return {"id": row.id, "district": row.district, "year": row.year, "plan": row.plan,
            "responsible": row.responsible, "liaison": row.liaison,
            "attachment": {"name": row.attachment_name, "content_type": row.attachment_type,
                           "sha256": row.attachment_sha256, "size": len(row.attachment or b"")}
            if row.attachment_sha256 else None,
            "submitted_by": row.submitted_by,
            "first_submitted_at": row.first_submitted_at.astimezone(CHINA_TZ).isoformat(),
            "updated_at": row.updated_at.astimezone(CHINA_TZ).isoformat(), "version": row.version,
            "due": due.isoformat(), "late": _day(row.first_submitted_at) > due}


def contacts(session: Session, year: int, today) -> dict:
    """The city's list: every district, its responsible person and liaison, late and missing marked."""
    due = calendar.action_plan_due(year)
    plans = {p.district: p for p in session.scalars(select(ActionPlan).where(ActionPlan.year == year))}
    rows = []
    for code, name in reporting_districts(session).items():
        plan = plans.get(code)
        row = {"district": code, "district_name": name}
        if plan is None:
            row.update(state="逾期未报" if today > due else "未报送", submitted_on=None, late=today > due,
                       submitted=False)
        else:
            late = _day(plan.first_submitted_at) > due
            row.update(state="逾期报送" if late else "已报送", submitted_on=_day(plan.first_submitted_at).isoformat(),
                       late=late, submitted=True)
        for who in ("responsible", "liaison"):
            person = (plan and getattr(plan, who)) or {}
            for field in ("name", "post", "phone", "email"):
                row[f"{who}_{field}"] = person.get(field)
        rows.append(row)
    return {"title": f"{year}年知识产权行政保护专项行动责任人、联络员名单", "year": year, "due": due.isoformat(),
            "columns": [{"key": k, "label": label} for k, label in CONTACT_COLUMNS], "rows": rows,
            "late": [r["district"] for r in rows if r["late"]]}
