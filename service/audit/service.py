"""The hash chain of the audit log (SPEC §8), defined once here.

Canonical form of an event, hashed with SHA-256 (hex):

    json.dumps({"stream_type", "stream_id", "seq", "event", "from_state", "to_state",
                "actor", "at", "data", "reason", "prev_hash"},
               sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

`at` is UTC with microseconds, `YYYY-MM-DDTHH:MM:SS.ffffffZ`; `data` holds only strings,
integers, booleans, null, lists and objects (amounts are decimal strings), so it reads back
from either database exactly as it was hashed. The first event of a stream has
`prev_hash` = 64 zeros. A stream's own row stores its length (`version`) and head hash, so
dropping the last event is detected as well as changing any.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.assessment.models import AssessmentAdjustment
from service.assistance.models import AssistanceRequest
from service.bulletins.models import Bulletin
from service.campaigns.models import Campaign, RegisterEntry
from service.casefile.models import ReviewRound
from service.cases.models import Case
from service.core.models import Event, Principal
from service.credit.models import DishonestEntry
from service.handoffs.models import Handoff
from service.oversight.models import SupervisionOrder
from service.reports.models import ActionPlan, DistrictSummary, ReportSubmission
from state_machines.types import CHINA_TZ

STREAMS = {"case": Case, "handoff": Handoff, "assistance": AssistanceRequest, "report": ReportSubmission,
           "dishonest": DishonestEntry, "principal": Principal, "campaign": Campaign, "register": RegisterEntry,
           "review_round": ReviewRound, "bulletin": Bulletin, "supervision": SupervisionOrder,
           "action_plan": ActionPlan, "district_summary": DistrictSummary, "adjustment": AssessmentAdjustment}
"""Every table whose rows head an audit stream (their `version` is the stream's length)."""
LAZY_STREAMS = frozenset({"principal"})
"""Streams whose head exists before its first event (a principal is audited from its first change)."""

GENESIS = "0" * 64


def format_at(at: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffffZ` (the same text as strftime's, for years 1000–9999, faster)."""
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical(fields: dict) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(*, stream_type: str, stream_id: str, seq: int, event: str, from_state: str | None,
               to_state: str, actor: str, at: datetime, data: dict, reason: str | None,
               prev_hash: str) -> str:
    fields = {
        "stream_type": stream_type, "stream_id": stream_id, "seq": seq, "event": event,
        "from_state": from_state, "to_state": to_state, "actor": actor, "at": format_at(at),
        "data": data, "reason": reason, "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Appended:
    """What a caller needs back from an appended event: its hash, the stream's new head."""

    hash: str


_INSERT_EVENT = Event.__table__.insert().inline()  # nothing read back: no RETURNING of the new id


def event_row(*, stream_type: str, stream_id: str, seq: int, event: str, from_state: str | None, to_state: str,
              actor: str, at: datetime, data: dict, reason: str | None, prev_hash: str,
              idempotency_key: str | None = None) -> dict:
    """The row of one event with its hash, ready for `insert_events`; the hash is the stream's new head."""
    digest = event_hash(stream_type=stream_type, stream_id=stream_id, seq=seq, event=event,
                        from_state=from_state, to_state=to_state, actor=actor, at=at, data=data,
                        reason=reason, prev_hash=prev_hash)
    return {"stream_type": stream_type, "stream_id": stream_id, "seq": seq, "event": event,
            "from_state": from_state, "to_state": to_state, "actor": actor, "at": at, "data": data,
            "reason": reason, "prev_hash": prev_hash, "hash": digest, "idempotency_key": idempotency_key}


def insert_events(session: Session, rows: list[dict]) -> None:
    """Append event rows in one statement (a batch of events becomes one multi-row INSERT).

    A Core INSERT rather than ORM objects: events are never updated or read back in the
    transaction that writes them, and the unit of work costs several times the statement on
    the hottest path of the service.
    """
    if rows:
        session.execute(_INSERT_EVENT, rows)


def new_event(session: Session, **fields) -> Appended:
    """Append one event to its stream now (fields as `event_row`); the caller stores `.hash` as the head."""
    row = event_row(**fields)
    insert_events(session, [row])
    return Appended(row["hash"])


def append_to_stream(session: Session, head, stream_type: str, event: str, to_state: str, actor: str,
                     now: datetime, data: dict | None = None, reason: str | None = None,
                     state_attr: str = "state") -> Appended:
    """Append the next event of a stream whose head row (handoff, request, list entry) carries
    `version`, `head_hash`, `updated_at` and a state column, and move the head along."""
    row = new_event(session, stream_type=stream_type, stream_id=head.id, seq=head.version + 1, event=event,
                    from_state=getattr(head, state_attr) if head.version else None, to_state=to_state, actor=actor,
                    at=now, data=data or {}, reason=reason, prev_hash=head.head_hash or GENESIS)
    head.version, head.head_hash, head.updated_at = head.version + 1, row.hash, now
    setattr(head, state_attr, to_state)
    return row


@dataclass
class VerifyResult:
    ok: bool
    events_checked: int
    first_bad: dict | None = None

    def as_dict(self) -> dict:
        out: dict = {"ok": self.ok, "events_checked": self.events_checked}
        if self.first_bad is not None:
            out["first_bad"] = self.first_bad
        return out


def _heads(session: Session) -> dict[str, tuple[str, int, str]]:
    """stream_id -> (stream_type, length, head hash) for every stream with a head row."""
    heads = {}
    for stream_type, model in STREAMS.items():
        query = select(model.id, model.version, model.head_hash)
        if stream_type in LAZY_STREAMS:
            query = query.where(model.version > 0)
        for sid, version, head in session.execute(query):
            heads[sid] = (stream_type, version, head)
    return heads


def verify(session: Session) -> VerifyResult:
    """Recompute every chain in one ordered pass and name the first bad event."""
    heads = _heads(session)
    checked = 0
    current: str | None = None
    expected_seq, prev = 1, GENESIS
    seen: set[str] = set()

    def bad(stream_id: str, seq: int | None, problem: str, event_id: int | None = None) -> VerifyResult:
        return VerifyResult(False, checked, {"stream_id": stream_id, "seq": seq, "event_id": event_id,
                                             "problem": problem})

    def close_stream(stream_id: str, length: int, last_hash: str) -> VerifyResult | None:
        head = heads.get(stream_id)
        if head is None:
            return bad(stream_id, None, "events of a stream that has no head row")
        if head[1] != length or head[2] != last_hash:
            # the first event the head and the chain disagree on: a missing one, an extra one, or the last
            first = length + 1 if head[1] > length else head[1] + 1 if head[1] < length else length
            return bad(stream_id, first,
                       f"stream head says {head[1]} events ending {head[2][:12]}…, chain has {length}")
        return None

    # Core rows streamed from a server-side cursor: a million ORM rows would cost more than the hashing
    rows = session.connection().execution_options(stream_results=True, yield_per=10_000).execute(
        select(Event.id, Event.stream_type, Event.stream_id, Event.seq, Event.event, Event.from_state,
               Event.to_state, Event.actor, Event.at, Event.data, Event.reason, Event.prev_hash,
               Event.hash).order_by(Event.stream_id, Event.seq)
    )
    for (event_id, stream_type, stream_id, seq, event, from_state, to_state, actor, at, data, reason,
         prev_hash, stored_hash) in rows:
        if stream_id != current:
            if current is not None and (problem := close_stream(current, expected_seq - 1, prev)):
                return problem
            current, expected_seq, prev = stream_id, 1, GENESIS
            seen.add(current)
        checked += 1
        if seq != expected_seq:
            return bad(stream_id, expected_seq, f"event {expected_seq} is missing", event_id)
        if prev_hash != prev:
            return bad(stream_id, seq, "prev_hash does not match the previous event", event_id)
        digest = event_hash(stream_type=stream_type, stream_id=stream_id, seq=seq, event=event,
                            from_state=from_state, to_state=to_state, actor=actor, at=at, data=data,
                            reason=reason, prev_hash=prev_hash)
        if digest != stored_hash:
            return bad(stream_id, seq, "hash does not match the event's content", event_id)
        prev, expected_seq = stored_hash, expected_seq + 1
    if current is not None and (problem := close_stream(current, expected_seq - 1, prev)):
        return problem
    for stream_id in heads.keys() - seen:
        return bad(stream_id, 1, "stream has a head row but no events")
    return VerifyResult(True, checked)


EVENT_FIELDS = ("seq", "event", "from_state", "to_state", "actor", "at", "data", "reason", "prev_hash", "hash")


def event_json(e: Event) -> dict:
    """An event as the history shows it."""
    return event_item(tuple(getattr(e, name) for name in EVENT_FIELDS))


def event_item(values: tuple) -> dict:
    """`EVENT_FIELDS` in order to the history's item; `at` in China time."""
    item = dict(zip(EVENT_FIELDS, values, strict=True))
    item["at"] = item["at"].astimezone(CHINA_TZ).isoformat()
    return item
