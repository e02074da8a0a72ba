"""Handoff queries and answers (SPEC §5, §6): who sees a handoff, who answers it, what it moves.

An answer is one transaction: the answer row, the handoff's audited status change, and the
case event it fires (audited with the partner as actor), so the case never says one thing and
the handoff another.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.messages import render
from service.cases.commands import advance
from service.cases.models import Case, Document
from service.cases.view import load_parties
from service.core.inbox import inbox
from service.core.models import Principal
from service.core.pagination import by_time_and_id, page
from service.handoffs.models import Handoff, HandoffAnswer
from service.handoffs.outbox import append_event
from state_machines import handoffs as hk
from state_machines.errors import Forbidden, InvalidData, InvalidTransition, NotFound
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import BOUNDS_TEXT, CHINA_TZ, day_in_bounds
from state_machines.vocabulary import FINAL_STATES, Role

CHANNELS = ("partner", "paper", "callback")
SANCTION_FIELDS = ("fine", "confiscation", "measures")
"""What an administrative review's `changed` answer carries (SPEC §10.9); the case event validates it."""
ACCEPTED_CALLBACKS = "accepted_callbacks"
"""Key in `Handoff.detail`: the signatures (hex → t) of the callbacks recorded lately, to answer a replay."""
_ADDRESS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+|[^\s@'\"<>(){}\[\],;:]+@[^\s@'\"<>(){}\[\],;:]+")

_external_replies: list[Callable[..., Any]] = []


def provide_external_reply(recorder: Callable[..., Any]) -> None:
    """`(session, handoff_id, note, actor_id, now)`: another region's bureau answered an `assistance`
    handoff; the assistance domain, above this one in the layers, fills this when it is imported
    (the ports pattern of `service/cases/ports.py`)."""
    _external_replies[:] = [recorder]


def _record_external_reply(*args: Any) -> None:
    if not _external_replies:
        raise RuntimeError("no assistance domain registered: import service.assistance.service before answering")
    _external_replies[0](*args)


def shown_error(error: str | None) -> str | None:
    """`last_error` as shown: no URL, query string, credentials or e-mail address.

    Deliveries no longer put an address into their errors; this also hides what errors stored
    before that (security review finding 6) still carry.
    """
    return _ADDRESS.sub("<address>", error) if error else error


def _visible(actor: Actor, h: Handoff, case_district: str) -> bool:
    if actor.role in OVERSIGHT_ROLES:
        return True
    if actor.role is Role.partner:
        return actor.agency == h.agency
    return actor.role in DISTRICT_ROLES and actor.district == case_district


def get_visible(session: Session, actor: Actor, handoff_id: str, *, lock: bool = False) -> tuple[Handoff, Case]:
    query = select(Handoff, Case).join(Case, Case.id == Handoff.case_id).where(Handoff.id == handoff_id)
    if lock:
        query = query.with_for_update(of=Handoff)
    row = session.execute(query).first()
    if row is None or not _visible(actor, row[0], row[1].district):
        raise NotFound("no such handoff")
    return row[0], row[1]


def handoff_json(session: Session, h: Handoff, case: Case) -> dict:
    answers = session.scalars(select(HandoffAnswer).where(HandoffAnswer.handoff_id == h.id).order_by(HandoffAnswer.id))
    document = session.get(Document, h.document_id)
    out = {
        "id": h.id, "case_id": h.case_id, "case_number": case.number, "kind": h.kind, "agency": h.agency,
        "status": h.status, "attempts": h.attempts, "due": h.due.isoformat() if h.due else None,
        "answer_clock": h.answer_clock, "last_error": shown_error(h.last_error),
        "answers": [{"decision": a.decision, "note": a.note, "reference": a.reference,
                     "until": a.until.isoformat() if a.until else None, "channel": a.channel, "actor": a.actor,
                     "at": a.at.astimezone(CHINA_TZ).isoformat()} for a in answers],
        "allowed_decisions": hk.allowed_decisions(hk.kinds_for(case.machine_version)[h.kind], h.status,
                                                  _decisions(session, h)),
        "created_at": h.created_at.astimezone(CHINA_TZ).isoformat(),
        "delivered_at": h.delivered_at.astimezone(CHINA_TZ).isoformat() if h.delivered_at else None,
        "letter_title": document.title,
        "letter_html": document.html,
    }
    if h.reconsideration_of:
        out["reconsideration_of"] = h.reconsideration_of
    return out


def _decisions(session: Session, h: Handoff) -> list[str]:
    return list(session.scalars(select(HandoffAnswer.decision).where(HandoffAnswer.handoff_id == h.id)
                                .order_by(HandoffAnswer.id)))


def list_handoffs(session: Session, actor: Actor, *, case_id: str | None, agency: str | None, status: str | None,
                  limit: int, cursor: str | None) -> dict:
    query = select(Handoff, Case).join(Case, Case.id == Handoff.case_id)
    if actor.role is Role.partner:
        if agency not in (None, actor.agency):
            raise Forbidden("a partner reads the handoffs addressed to its own agency only")
        query = query.where(Handoff.agency == actor.agency)
    elif actor.role in DISTRICT_ROLES:
        query = query.where(Case.district == actor.district)
    elif actor.role not in OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read handoffs")
    if case_id:
        query = query.where(Handoff.case_id == case_id)
    if agency:
        query = query.where(Handoff.agency == agency)
    if status:
        query = query.where(Handoff.status == status)
    query = by_time_and_id(query, Handoff.created_at, Handoff.id, cursor, limit)
    rows, next_cursor = page(session.execute(query), limit, lambda r: (r[0].created_at.isoformat(), r[0].id))
    return {"items": [handoff_json(session, h, c) for h, c in rows], "next_cursor": next_cursor}


def _may_answer(actor: Actor, h: Handoff, case: Case, channel: str) -> None:
    if channel == "callback":
        return  # authenticated by the agency's signature
    if actor.role is Role.partner and actor.agency == h.agency and channel == "partner":
        return
    if actor.role is Role.city and h.agency == hk.CITY_BUREAU and channel == "partner":
        return  # the city bureau answers what is addressed to it (疑难案件请示)
    if actor.role is Role.supervisor and actor.district == case.district and channel == "paper":
        return
    raise Forbidden("only the addressed agency answers a handoff; a supervisor of the case's district may "
                    "record a paper answer with channel: paper")


@dataclass(frozen=True)
class SignedCallback:
    """The verified signature of a callback: a replay of it within the window changes nothing."""

    hexdigest: str
    t: int
    window_seconds: int


def answer(session: Session, actor: Actor, handoff_id: str, body: dict, rules, *, channel: str,
           now: datetime | None = None, signed: SignedCallback | None = None) -> dict:
    """Record a decision and fire its case event, in one transaction.

    A principal that may not answer this handoff gets 403 (the id is the letter's own, known to
    whoever holds it); `channel: callback` was authenticated by the agency's signature, and a
    callback whose signature was already recorded (a replay) answers the handoff as it is and
    records nothing. The check runs under the handoff's row lock, so two copies of one request
    sent at once record it once.
    """
    now = now or datetime.now(UTC)
    query = select(Handoff, Case).join(Case, Case.id == Handoff.case_id).where(Handoff.id == handoff_id)
    # populate_existing: the row as it is once locked, not as an earlier read of this session saw it
    row = session.execute(query.with_for_update(of=Handoff).execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound("no such handoff")
    h, case = row
    _may_answer(actor, h, case, channel)
    if signed is not None:
        accepted = dict((h.detail or {}).get(ACCEPTED_CALLBACKS, {}))
        if signed.hexdigest in accepted:
            return handoff_json(session, h, case)
    actor_id = actor.id
    decision, until = body["decision"], body.get("until")
    until_day = date.fromisoformat(until) if isinstance(until, str) else until
    kind = hk.kinds_for(case.machine_version)[h.kind]
    sanction = {name: body[name] for name in SANCTION_FIELDS if body.get(name) is not None}
    if sanction and decision != "changed":
        raise InvalidData("fine, confiscation and measures go with the decision `changed` only",
                          fields=sorted(sanction))
    outcome = hk.check_decision(kind, h.status, _decisions(session, h), decision, until_day, h.due)
    session.add(HandoffAnswer(handoff_id=h.id, decision=decision, note=body.get("note"),
                              reference=body.get("reference"), until=until_day, channel=channel, actor=actor_id,
                              at=now))
    if outcome.decision.case_event:
        case_row = session.scalar(select(Case).where(Case.id == case.id).with_for_update())
        parties = load_parties(session, case_row.id)
        recorded = {"handoff_id": h.id, "decision": decision, "channel": channel,
                    **{k: body[k] for k in ("note", "reference") if body.get(k)}}
        try:
            advance(session, case_row, parties, Actor(actor_id, Role.supervisor, case.district), actor_id,
                    outcome.decision.case_event, sanction, None, rules, now, recorded=recorded)
        except InvalidTransition as exc:
            raise InvalidTransition(f"the case is {case_row.state}: {exc.message}", allowed_events=[]) from None
    elif h.kind == "assistance":
        _record_external_reply(session, h.id, body.get("note"), actor_id, now)
    elif h.kind == "difficult_case":
        _record_city_answer(session, h, case, body.get("note"), actor_id, rules, now)
    h.due = outcome.due
    if signed is not None:
        # forget what the window refuses anyway, so the record stays a handful of entries
        horizon = now.timestamp() - 2 * signed.window_seconds
        kept = {mac: t for mac, t in accepted.items() if t >= horizon}
        h.detail = {**(h.detail or {}), ACCEPTED_CALLBACKS: {**kept, signed.hexdigest: signed.t}}
    append_event(session, h, f"answer:{decision}", outcome.status, actor_id, now,
                 {"decision": decision, "channel": channel, **({"until": until_day.isoformat()} if until_day else {})})
    session.flush()
    return handoff_json(session, h, session.get(Case, h.case_id))


def _record_city_answer(session: Session, h: Handoff, case: Case, note: str | None, actor_id: str, rules,
                        now: datetime) -> None:
    """疑难案件请示: the city's answer becomes a note on the case, and its people are told."""
    text = f"市局答复（{h.detail.get('question', '请示')}）：{note or '（无文字答复）'}"
    case_row = session.scalar(select(Case).where(Case.id == case.id).with_for_update())
    if case_row.state not in FINAL_STATES:
        advance(session, case_row, load_parties(session, case_row.id), Actor(actor_id, Role.supervisor,
                case_row.district), actor_id, "add_note", {"text": text[:10_000]}, None, rules, now,
                recorded={"handoff_id": h.id})
    channel = inbox(session, now)
    recipients = {case_row.assigned_officer} - {None} | set(session.scalars(select(Principal.id).where(
        Principal.role == Role.supervisor.value, Principal.district == case_row.district)))
    for pid in sorted(recipients):
        channel.send(render("city_answered", pid, case_id=case_row.id, number=case_row.number,
                            title=case_row.title, question=h.detail.get("question", ""), answer=note or ""))


def retry(session: Session, actor: Actor, handoff_id: str, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    h, case = get_visible(session, actor, handoff_id, lock=True)
    if not (actor.role is Role.supervisor and actor.district == case.district) and actor.role is not Role.city:
        raise Forbidden("a supervisor of the case's district or the city bureau retries a failed delivery")
    if h.status != "failed":
        raise InvalidTransition(f"only a failed handoff is retried; this one is {h.status}", allowed_events=[])
    h.attempts, h.next_attempt_at, h.claimed_until = 0, now, None
    append_event(session, h, "retry", "pending", actor.id, now)
    session.flush()
    return handoff_json(session, h, case)


def validate_answer_body(body: object) -> dict:
    if not isinstance(body, dict):
        raise InvalidData("the body must be an object {decision, note?, reference?, until?}", fields=["body"])
    extra = sorted(set(body) - {"decision", "note", "reference", "until", "channel", *SANCTION_FIELDS})
    if extra:
        raise InvalidData(f"unknown field(s): {', '.join(extra)}", fields=extra)
    if not isinstance(body.get("decision"), str) or not body["decision"]:
        raise InvalidData("`decision` is required", fields=["decision"])
    for name, cap in (("note", 10_000), ("reference", 200)):
        if body.get(name) is not None and (not isinstance(body[name], str) or len(body[name]) > cap):
            raise InvalidData(f"`{name}` must be text of at most {cap} characters", fields=[name])
    if body.get("until") is not None:
        try:
            day_in_bounds(date.fromisoformat(body["until"]))  # SPEC §10.8
        except (TypeError, ValueError):
            raise InvalidData(f"`until` must be a date YYYY-MM-DD {BOUNDS_TEXT}", fields=["until"]) from None
    if body.get("channel") not in (None, "partner", "paper"):
        raise InvalidData("`channel` is partner or paper", fields=["channel"])
    return body
