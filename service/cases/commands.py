"""Case commands: one transaction each, the rules from `state_machines`.

`fire_events` is the heart of the service: lock the cases, check each request in SPEC §3's
refusal order, run the machine, append the hash-chained event and bump the version, all in
one transaction, so concurrent requests are serialised and none is lost or applied twice.
It takes a batch, so that `EventWriter` can commit concurrent events together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from types import SimpleNamespace

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.cases import ports
from service.cases.models import AMOUNT_COLUMNS, Case, CaseParty, IdempotencyKey, Party
from service.cases.queries import CASE_READERS, _readers_only, _shared_only
from service.cases.view import (
    as_respondent_case,
    case_json,
    next_due,
    record_of,
    respondent_cases,
    snapshot,
    to_cents,
)
from service.core.models import Principal
from service.core.schemas import decode_json_body
from state_machines import case_machine_v2, data_guards_v2
from state_machines.case_machine import (
    Rules,
    Step,
    check_request,
    decide,
)
from state_machines.documents import DOCUMENT_EVENTS
from state_machines.errors import DomainError, InvalidData, VersionConflict
from state_machines.principals import Actor
from state_machines.vocabulary import FINAL_STATES, Role

IDEMPOTENCY_TTL = timedelta(hours=24)


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    # isascii: str.isdigit() also accepts "²" and other digits int() refuses
    if len(value) > 20 or not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise InvalidData('If-Match must be a case version such as 3 or "3"', fields=["If-Match"])
    return int(text)


def _request_hash(event: object, data: object, reason: object) -> str:
    return hashlib.sha256(audit.canonical({"event": event, "data": data, "reason": reason})).hexdigest()


@dataclass(frozen=True)
class EventRequest:
    """One `POST /cases/{id}/events` as it arrived: who, which case, the raw body, the two headers."""

    actor: Actor
    case_id: str
    body: bytes
    if_match: str | None = None
    idempotency_key: str | None = None


_CASES, _CASE_PARTIES, _PARTIES = Case.__table__, CaseParty.__table__, Party.__table__
_CASE_NAMES = tuple(c.key for c in _CASES.c)
_CASE_PARTY_NAMES = tuple(c.key for c in _CASE_PARTIES.c)
_PARTY_NAMES = tuple(c.key for c in _PARTIES.c)

_LOCKED_CASES_WITH_PARTIES = (
    select(*_CASES.c, *_CASE_PARTIES.c, *_PARTIES.c)
    .select_from(_CASES.outerjoin(_CASE_PARTIES, _CASE_PARTIES.c.case_id == _CASES.c.id)
                 .outerjoin(_PARTIES, _PARTIES.c.id == _CASE_PARTIES.c.party_id))
    .where(_CASES.c.id.in_(bindparam("case_ids", expanding=True)))
    .order_by(_CASES.c.id)
    .with_for_update(of=_CASES)
)

EVENT_COLUMNS = frozenset(("state", "facts", *AMOUNT_COLUMNS, "marks_count", "outcome", "closed_at", "decided_at",
                           "next_bureau_due", "next_due", "updated_at", "version", "head_hash"))
"""The columns of a case that an event may change (`apply_step`); `write_cases` stores these."""

_UPDATE_CASE = (
    _CASES.update().where(_CASES.c.id == bindparam("case_id"))
    .values({name: bindparam(name) for name in sorted(EVENT_COLUMNS)})
)


class LockedCase(SimpleNamespace):
    """A case read by `lock_cases`: its columns as attributes. Only `EVENT_COLUMNS` can be set,
    so that a change elsewhere fails at once rather than being silently left out of `write_cases`."""

    def __setattr__(self, name: str, value: object) -> None:
        if name not in EVENT_COLUMNS:
            raise AttributeError(f"{name} is not a column an event changes (EVENT_COLUMNS)")
        super().__setattr__(name, value)


def lock_cases(session: Session, case_ids: set[str]) -> dict[str, tuple[LockedCase, dict]]:
    """Lock the cases and read them with their parties, in one round trip for any number of cases.

    Rows are locked in id order, so two batches sharing cases wait for each other instead of
    deadlocking. The cases and parties come back as plain objects with the columns as
    attributes, not ORM instances: loading and flushing a 40-column entity cost several
    times the SQL on the hottest path of the service. `write_cases` stores them.
    """
    locked: dict[str, tuple[LockedCase, dict]] = {}
    if case_ids:
        n_case, n_link = len(_CASE_NAMES), len(_CASE_NAMES) + len(_CASE_PARTY_NAMES)
        for values in session.connection().execute(_LOCKED_CASES_WITH_PARTIES, {"case_ids": sorted(case_ids)}):
            case_id = values[0]
            if case_id not in locked:
                locked[case_id] = (LockedCase(**dict(zip(_CASE_NAMES, values[:n_case], strict=True))), {})
            link = values[n_case:n_link]
            if link[0] is not None:
                cp = SimpleNamespace(**dict(zip(_CASE_PARTY_NAMES, link, strict=True)))
                locked[case_id][1][cp.role] = (cp, SimpleNamespace(**dict(zip(_PARTY_NAMES, values[n_link:],
                                                                                  strict=True))))
    return locked


def write_cases(session: Session, rows: list[LockedCase]) -> None:
    """Store the columns an event changes of cases read by `lock_cases`, in one statement.

    Only those: a description or title is not re-sent (and re-stored) with every event."""
    if rows:
        session.connection().execute(_UPDATE_CASE, [
            {"case_id": row.id, **{name: getattr(row, name) for name in EVENT_COLUMNS}} for row in rows])


_STAFF_ROLES = (str(Role.officer), str(Role.supervisor))
_DISTRICT_STAFF = (
    select(Principal.id, Principal.role, Principal.district)
    .where(Principal.district.in_(bindparam("districts", expanding=True)), Principal.disabled.is_(False))
)


def district_staff(session: Session, districts: set[str]) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """Each district's active officers and supervisors, and every active principal of it, in one query.

    Version 2 checks the officers, panel and presiding principal an event names against them
    (SPEC §10.2, §10.3); a batch reads them once for all its version-2 cases' districts."""
    staff: dict[str, tuple[set[str], set[str]]] = {d: (set(), set()) for d in districts}
    if districts:
        for pid, role, district in session.connection().execute(_DISTRICT_STAFF, {"districts": sorted(districts)}):
            if role in _STAFF_ROLES:
                staff[district][0].add(pid)
            staff[district][1].add(pid)
    return {d: (frozenset(s), frozenset(p)) for d, (s, p) in staff.items()}


def _respondent_id(parties: dict) -> str | None:
    return parties["respondent"][1].id if "respondent" in parties else None


Answer = dict | Callable[[], dict]  # the case after the event, or how to render it after the commit


def fire_events(session: Session, requests: list[EventRequest], rules: Rules) -> list[Answer | DomainError]:
    """Fire events in the caller's transaction, in order, each as if it had the case to itself.

    Each request gets the case as it is after its event, or its refusal (which changes nothing);
    a later request on the same case sees the earlier ones. The locks, stored idempotent
    answers, respondents' records and event rows cost one statement each for the whole batch,
    which is what makes committing many concurrent events together cheap (see `EventWriter`).
    Any other exception means the batch is unusable: the caller must roll it all back.
    """
    batch = _EventBatch(session, requests, rules)
    answers: list[Answer | DomainError] = []
    for request in requests:
        now = datetime.now(UTC)
        try:
            checked = batch.check(request, now)
        except DomainError as refusal:
            answers.append(refusal)
            continue
        answers.append(checked if isinstance(checked, dict) else batch.apply(request, *checked, now))
    with _one_round_trip(session, bool(batch.changed)):
        audit.insert_events(session, batch.events)
        write_cases(session, [batch.cases[case_id][0] for case_id in batch.changed])
    return answers


def _one_round_trip(session: Session, writes: bool) -> AbstractContextManager:
    """On PostgreSQL, the batch's INSERT of events and UPDATE of cases go to the server together
    (psycopg's pipeline mode): the writer thread, which every event of the process waits for,
    spent most of each batch waiting on such round trips. Neither statement's result is read.
    A batch of refusals writes nothing and opens no pipeline (its closing sync is a round trip)."""
    connection = session.connection()
    if not writes or connection.dialect.name != "postgresql":
        return nullcontext()
    session.flush()  # what the ORM holds (answers kept for their keys, handoffs) first: it reads results
    return connection.connection.driver_connection.pipeline()


class _EventBatch:
    """What `fire_events` reads once for a whole batch and keeps current as its events apply."""

    def __init__(self, session: Session, requests: list[EventRequest], rules: Rules) -> None:
        self.session, self.rules = session, rules
        self.cases = lock_cases(session, {r.case_id for r in requests if r.actor.role in CASE_READERS})
        keys = {(r.actor.id, r.case_id, r.idempotency_key) for r in requests if r.idempotency_key}
        self.answered: dict[tuple[str, str, str], IdempotencyKey] = {}
        if keys:
            stored = session.scalars(select(IdempotencyKey).where(
                IdempotencyKey.principal_id.in_({k[0] for k in keys}),
                IdempotencyKey.stream_id.in_({k[1] for k in keys}), IdempotencyKey.key.in_({k[2] for k in keys})))
            self.answered = {k: s for s in stored if (k := (s.principal_id, s.stream_id, s.key)) in keys}
        # the respondents' records, updated in memory as this batch's events change their cases
        self.records = respondent_cases(session, [(row, _respondent_id(p)) for row, p in self.cases.values()])
        self.events: list[dict] = []
        self.changed: dict[str, None] = {}  # the cases whose events applied, in order
        self._staff: dict[str, tuple[frozenset[str], frozenset[str]]] | None = None

    def staff_of(self, row: LockedCase, event: object) -> tuple[frozenset[str], frozenset[str]] | None:
        """The district's staff when the event names people (version 2: officers, panels, presiding),
        read once per batch for every version-2 district in it, and only if some event needs it."""
        if row.machine_version == 1 or event not in data_guards_v2.NAMES_PEOPLE:
            return None
        if self._staff is None:
            self._staff = district_staff(self.session, {r.district for r, _ in self.cases.values()
                                                        if r.machine_version != 1})
        return self._staff.get(row.district)

    def check(self, request: EventRequest, now: datetime) -> dict | tuple[LockedCase, dict, bool, Step, str]:
        """SPEC §3's refusal order up to the machine's decision; nothing is changed yet.

        Returns the stored answer of a repeated Idempotency-Key, or what `apply` needs.
        """
        actor, case_id = request.actor, request.case_id
        _readers_only(actor)
        row, parties = self.cases.get(case_id, (None, {}))
        shared_only = _shared_only(self.session, actor, row, city_reviews_districts=self.rules.city_reviews_districts)
        body = decode_json_body(request.body)
        if not isinstance(body, dict):
            raise InvalidData("the body must be an object {event, data?, reason?}", fields=["body"])
        extra = sorted(set(body) - {"event", "data", "reason"})
        if extra:
            raise InvalidData(f"unknown field(s): {', '.join(extra)}", fields=extra)
        event, data, reason = body.get("event"), body.get("data", {}), body.get("reason")
        expected_version = parse_if_match(request.if_match)
        key = request.idempotency_key
        if key is not None and not 1 <= len(key) <= 200:
            raise InvalidData("Idempotency-Key must be 1 to 200 characters", fields=["Idempotency-Key"])
        request_hash = _request_hash(event, data, reason) if key else ""
        if key:
            stored = self.answered.get((actor.id, case_id, key))
            if stored is not None and stored.created_at > now - IDEMPOTENCY_TTL:
                if stored.request_hash != request_hash:
                    raise InvalidData("this Idempotency-Key was used with another request body",
                                      fields=["Idempotency-Key"])
                return stored.response
        check_request(actor, event, data, reason, shared_only=shared_only, version=row.machine_version)
        snap = snapshot(row, *(parties.get("respondent") or (None, None)), staff=self.staff_of(row, event))
        if row.machine_version != 1:
            case_machine_v2.check_actor(snap, actor, event)  # a 403 that reads the case comes before If-Match
        if expected_version is not None and expected_version != row.version:
            raise VersionConflict(f"the case is at version {row.version}, not {expected_version}",
                                  current_version=row.version)
        step = decide(snap, actor, event, data, reason, self.rules, now, shared_only=shared_only)
        return row, parties, shared_only, step, request_hash

    def apply(self, request: EventRequest, row: LockedCase, parties: dict, shared_only: bool, step: Step,
              request_hash: str, now: datetime) -> Answer:
        """Store a decided event; from here on a failure aborts the whole batch, not this request.

        The answer is rendered later, outside the batch, unless an Idempotency-Key stores it now:
        building the case's JSON took a quarter of the writer thread's time, and every event of
        the process waits while that thread works."""
        actor, key = request.actor, request.idempotency_key
        apply_step(self.session, row, parties, step, actor.id, self.rules, now, idempotency_key=key,
                   events=self.events)
        self.changed[row.id] = None
        party_id = _respondent_id(parties)
        if party_id is not None:
            mine = self.records.setdefault(party_id, [])
            listed_until = next((c.listed_until for c in mine if c.listed_until), None)
            mine[:] = [c for c in mine if c.case_id != row.id] + [as_respondent_case(row, listed_until)]
        record = record_of(row, party_id, self.records, self.rules.grade_rules)
        if not key:
            # rendered by the caller after the commit, off the writer's thread: the case as it is
            # now (a later event of the batch on the same case changes `row` in place)
            return partial(case_json, None, SimpleNamespace(**vars(row)), actor, self.rules, now, parties=parties,
                           shared_only=shared_only, record=record)
        response = case_json(self.session, row, actor, self.rules, now, parties=parties, shared_only=shared_only,
                             record=record)  # stored with its key in this transaction
        stale = self.answered.pop((actor.id, row.id, key), None)
        if stale is not None:  # expired: the key starts afresh
            self.session.delete(stale)
            self.session.flush()
        answer = IdempotencyKey(principal_id=actor.id, stream_id=row.id, key=key, request_hash=request_hash,
                                response=response, created_at=now)
        self.session.add(answer)
        self.answered[(actor.id, row.id, key)] = answer
        return response


def advance(session: Session, row: Case, parties: dict, actor: Actor, actor_id: str, event: str, data: dict,
            reason: str | None, rules: Rules, now: datetime, *, recorded: dict | None = None) -> Step:
    """Run the machine on a locked case and store the result at once (handoff answers, transfers).

    `recorded` adds what the caller knows beyond the event's data (a handoff answer's id and
    note) to the audited event.
    """
    snap = snapshot(row, *(parties.get("respondent") or (None, None)))
    step = decide(snap, actor, event, data, reason, rules, now)
    apply_step(session, row, parties, step, actor_id, rules, now, recorded=recorded)
    session.flush()
    return step


def apply_step(session: Session, row: Case | LockedCase, parties: dict, step: Step, actor_id: str,
               rules: Rules, now: datetime, *, idempotency_key: str | None = None, recorded: dict | None = None,
               events: list[dict] | None = None) -> None:
    """Store a decided step: the case's new state and clocks, its hash-chained event, its handoffs.

    `row` is an ORM case (flushed by the session) or a plain one from `lock_cases` (stored
    by the caller with `write_cases`).

    With `events`, the event row is added to that list for the caller to insert with others;
    without, it is inserted now.
    """
    _apply(row, step, now)
    new_version = row.version + 1
    appended = audit.event_row(
        stream_type="case", stream_id=row.id, seq=new_version, event=step.event, from_state=step.from_state,
        to_state=step.to_state, actor=actor_id, at=now, data={**step.data, **(recorded or {})}, reason=step.reason,
        prev_hash=row.head_hash, idempotency_key=idempotency_key,
    )
    if events is None:
        audit.insert_events(session, [appended])
    else:
        events.append(appended)
    row.version, row.head_hash = new_version, appended["hash"]
    if step.event in DOCUMENT_EVENTS:  # 立案审批表, 告知书, 决定书 …: a number and a row, rendered on download
        ports.issue_documents(session, row, parties, step, actor_id, now)
    if step.event in ports.PENALTY_FALLS:  # one set lookup for every other event
        if events:  # the case event first in the log, then the listings it revokes
            audit.insert_events(session, events)
            events.clear()
        ports.penalty_fell(session, row, step.event, actor_id, now)
    if step.to_state in FINAL_STATES and step.from_state not in FINAL_STATES:
        if events:  # the case event first in the log, then the orders it closes
            audit.insert_events(session, events)
            events.clear()
        ports.case_ended(session, row, step.to_state, now)
    if step.openings and events:
        # the handoffs' events are inserted now: the case events before them go first, so the
        # log's id order (`/audit/events`) has every handoff after the case event that opened it
        audit.insert_events(session, events)
        events.clear()
    if not step.openings:
        return
    ports.open_handoffs(session, row, parties, step.openings, rules, actor_id, now)
    for opening in step.openings:
        if opening.kind in ("transfer", "designation"):  # assistance requests, not handoffs
            ports.open_other(opening.kind, session, row, opening, actor_id, now, rules, step.reason)


def _apply(row: Case | LockedCase, step: Step, now: datetime) -> None:
    row.state = step.to_state
    row.facts = step.facts
    for name, value in step.amounts.items():
        setattr(row, name, to_cents(value))
    if "marks_count" in step.facts:
        row.marks_count = step.facts["marks_count"]
    if step.outcome:
        row.outcome = step.outcome
    if step.to_state in FINAL_STATES and row.closed_at is None:
        row.closed_at = now
    if step.event == "decide":
        row.decided_at = now
    elif step.event in ("court_overturned", "administrative_review_revoked"):  # the decision is gone
        row.decided_at = None
    row.next_bureau_due = next_due(step.facts, bureau_only=True, version=row.machine_version)
    row.next_due = next_due(step.facts, bureau_only=False, version=row.machine_version)
    row.updated_at = now


