"""The handoff outbox (SPEC §5): handoffs written in the event's transaction, then delivered.

Opening a handoff renders its letter and stores both with the event that opened them, so a
crash after commit loses nothing. Delivery is driven from here too: `claim_due` leases the
pending handoffs whose next attempt is due (a lease, so a dead worker's handoffs are taken up
again), `record_attempt` stores each attempt and schedules the next by the backoff, or marks
the handoff `failed` after the last one.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from notifications.delivery import Letter
from notifications.letters import render_letter
from service.audit import service as audit
from service.cases import ports
from service.cases.models import Case, CaseParty, Document, Party
from service.cases.view import money
from service.core.config import get_settings
from service.core.models import Agency, District
from service.handoffs.models import DeliveryAttempt, Handoff
from state_machines import handoffs as hk
from state_machines.case_machine import Opening, Rules, today_in_china
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import KINDS, Track

AMOUNT_LABELS = {
    "case_value": "案值", "illegal_turnover": "非法经营额", "illegal_gains": "违法所得",
    "direct_loss": "权利人直接损失", "unsold_stock_value": "尚未销售的侵权产品货值",
    "fine": "罚款", "confiscation": "没收", "compensation": "赔偿",
}
LEASE = timedelta(seconds=120)
LETTER_DEFAULTS = {"grounds": "", "reconsideration": False, "question": "", "agreement": "", "effective_on": "",
                   "reason": "", "request": "", "received_on": "", "decision": None}
"""What a letter template may mention that only some openings carry."""


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def append_event(session: Session, h: Handoff, event: str, to_status: str, actor: str, now: datetime,
                 data: dict | None = None) -> None:
    """Every change of a handoff's status is an audited event of its own stream."""
    audit.append_to_stream(session, h, "handoff", event, to_status, actor, now, data, state_attr="status")


def _party_text(cp: CaseParty, party: Party) -> str:
    return f"{cp.name}（统一社会信用代码 {party.credit_code}）" if party.credit_code else cp.name


def letter_context(session: Session, case: Case, parties: dict[str, tuple[CaseParty, Party]], agency: Agency,
                   handoff_id: str, title: str, detail: dict, now: datetime) -> dict:
    districts = dict(session.execute(select(District.code, District.name)).all())
    respondent = parties.get("respondent")
    complainant = parties.get("complainant")
    return {
        "title": title,
        "agency_name": agency.name,
        "handoff_id": handoff_id,
        "sender": f"{districts.get(case.district, case.district)}市场监督管理局（知识产权局）",
        "date": chinese_date(today_in_china(now)),
        "case": {
            "number": case.number, "title": case.title, "kind_label": KINDS[case.kind][1],
            "respondent": _party_text(*respondent) if respondent else "",
            "complainant": _party_text(*complainant) if complainant else "",
            "received_on": chinese_date(case.received_at.astimezone(CHINA_TZ).date()),
            "amounts": [(label, money(getattr(case, name))) for name, label in AMOUNT_LABELS.items()
                        if getattr(case, name) is not None],
            "marks_count": case.marks_count, "description": case.description,
            "district_name": districts.get(case.district, case.district),
        },
        **LETTER_DEFAULTS,
        **detail,
    }


def open_handoffs(session: Session, case: Case, parties: dict[str, tuple[CaseParty, Party]],
                  openings: list[Opening], rules: Rules, actor: str, now: datetime) -> list[Handoff]:
    """Write each opening as a handoff with its letter, in the caller's transaction."""
    opened = []
    kinds = hk.kinds_for(case.machine_version)  # version 2 names its agencies itself (§10.4, §10.7)
    for opening in openings:
        if opening.kind not in kinds:
            continue  # e.g. `transfer`: an assistance request, not a handoff
        kind = kinds[opening.kind]
        code = hk.target_agency(kind, opening.agency, case.district, Track(case.track), rules.agencies)
        agency = session.get(Agency, code)
        handoff_id = str(uuid.uuid4())
        detail = dict(opening.detail)
        reconsideration_of = None
        if detail.pop("reconsideration", False):
            reconsideration_of = session.scalar(
                select(Handoff.id).where(Handoff.case_id == case.id, Handoff.kind == "criminal_referral")
                .order_by(Handoff.created_at.desc()).limit(1))
            detail["reconsideration"] = True
        context = letter_context(session, case, parties, agency, handoff_id, kind.title, detail, now)
        html = render_letter(kind.name, **context)
        document = Document(id=str(uuid.uuid4()), case_id=case.id, kind=kind.name, title=kind.title, html=html,
                            created_at=now)
        session.add(document)
        clock = ("reconsideration_decision" if reconsideration_of else kind.answer_clock)
        h = Handoff(id=handoff_id, case_id=case.id, kind=kind.name, agency=code, status="pending", attempts=0,
                    version=0, head_hash="", document_id=document.id, answer_clock=clock,
                    reconsideration_of=reconsideration_of, detail=detail, next_attempt_at=now, created_at=now,
                    updated_at=now)
        session.add(h)
        append_event(session, h, "open", "pending", actor, now,
                     {"kind": kind.name, "agency": code, "case_id": case.id, "document_id": document.id})
        if (agency.channel or {}).get("type", "inbox") == "inbox":
            mark_delivered(session, h, rules, now, channel="inbox")
        opened.append(h)
    return opened


def handoff_kind(name: str) -> hk.HandoffKind:
    """A handoff kind by name, for what every version shares (title, answer period): version 2's
    table holds version 1's kinds too; the decisions a case takes come from `hk.kinds_for(version)`."""
    return hk.KINDS_V2[name]


def mark_delivered(session: Session, h: Handoff, rules: Rules, now: datetime, channel: str) -> None:
    kind = handoff_kind(h.kind)
    h.delivered_at, h.next_attempt_at, h.claimed_until, h.last_error = now, None, None, None
    if h.due is None:
        h.due = hk.answer_due(kind, rules.calendar, today_in_china(now))
    # delivery does not undo an answer that outran it (a paper answer)
    status = h.status if h.status in ("answered", "closed") else ("closed" if not kind.decisions else "delivered")
    append_event(session, h, "delivered", status, "system", now, {"channel": channel})


def has_due(session: Session, now: datetime) -> bool:
    return bool(session.scalar(select(exists().where(
        Handoff.status == "pending", Handoff.next_attempt_at <= now,
        or_(Handoff.claimed_until.is_(None), Handoff.claimed_until < now)))))


def claim_due(session: Session, now: datetime, limit: int = 50, lease: timedelta = LEASE) -> list[str]:
    """Lease up to `limit` due handoffs to this dispatcher; others skip them until the lease ends."""
    query = (select(Handoff.id).where(
        Handoff.status == "pending", Handoff.next_attempt_at <= now,
        or_(Handoff.claimed_until.is_(None), Handoff.claimed_until < now))
        .order_by(Handoff.next_attempt_at).limit(limit).with_for_update(skip_locked=True))
    ids = list(session.scalars(query))
    if ids:
        session.execute(update(Handoff).where(Handoff.id.in_(ids)).values(claimed_until=now + lease))
    return ids


@dataclass(frozen=True)
class Delivery:
    letter: Letter
    channel: dict


def prepare(session: Session, handoff_id: str, public_url: str, *,
            webhook_allow_private: bool | None = None) -> Delivery | None:
    """The letter to deliver and the agency's channel, or None when the handoff is no longer pending.

    The letter carries the webhook address policy (IPCASE_WEBHOOK_ALLOW_PRIVATE) to the delivery,
    read from the process settings unless the caller passes it.
    """
    if webhook_allow_private is None:
        webhook_allow_private = get_settings().webhook_allow_private
    h = session.get(Handoff, handoff_id)
    if h is None or h.status != "pending":
        return None
    case = session.get(Case, h.case_id)
    document = session.get(Document, h.document_id)
    agency = session.get(Agency, h.agency)
    callback = f"{public_url.rstrip('/')}/api/v1/handoffs/{h.id}/callback"
    letter = Letter(handoff_id=h.id, kind=h.kind, title=document.title, case_number=case.number, agency=h.agency,
                    html=document.html, callback_url=callback, webhook_allow_private=webhook_allow_private)
    return Delivery(letter, dict(agency.channel or {"type": "inbox"}))


def record_attempt(session: Session, handoff_id: str, rules: Rules, backoff: list[float], *, ok: bool,
                   error: str | None, permanent: bool, channel: str, now: datetime | None = None) -> str:
    """Store one attempt; schedule the next by the backoff, or mark the handoff failed after the last."""
    now = now or datetime.now(UTC)
    h = session.scalar(select(Handoff).where(Handoff.id == handoff_id).with_for_update())
    if h is None or h.status != "pending":
        return h.status if h else "missing"
    h.attempts += 1
    session.add(DeliveryAttempt(handoff_id=h.id, attempt=h.attempts, channel=channel, ok=ok, error=error, at=now))
    if ok:
        mark_delivered(session, h, rules, now, channel)
    elif permanent or h.attempts > len(backoff):
        h.last_error, h.claimed_until, h.next_attempt_at = error, None, None
        append_event(session, h, "delivery_failed", "failed", "system", now,
                     {"attempts": h.attempts, "error": (error or "")[:500]})
    else:
        h.last_error, h.claimed_until = error, None
        h.next_attempt_at = now + timedelta(seconds=backoff[h.attempts - 1])
    return h.status


ports.provide_handoffs(open_handoffs)  # case events open handoffs through it (cases may not import us)
