"""Reading cases: who may see which case, one case, the list, the history."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, Select, bindparam, case, cast, exists, func, literal_column, select, union
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from service.audit.service import EVENT_FIELDS, event_item
from service.cases import ports
from service.cases.models import Case, CaseParty, Document, Party
from service.cases.view import case_json, load_parties_of, risks, snapshot
from service.core.models import Event
from service.core.pagination import by_time_and_id, decode_cursor, page
from state_machines.case_machine import Rules, allowed_events
from state_machines.errors import Forbidden, InvalidData, NotFound
from state_machines.identifiers import CREDIT_CODE_CHARS
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import CITY_DIVISION, FINAL_STATES, STATE_LABELS_V2, STATES_V2, Role, Track

CASE_READERS = DISTRICT_ROLES | OVERSIGHT_ROLES | {Role.reviewer}


def _readers_only(actor: Actor) -> None:
    """404 for roles that never see cases (partners, admins), before any query."""
    if actor.role not in CASE_READERS:
        raise NotFound("no such case")


_VISIBILITY = select(Case.id, Case.district, Case.transferred_to).where(Case.id == bindparam("case_id"))


def check_visible(session: Session, actor: Actor, case_id: str, *, city_reviews_districts: bool = True) -> None:
    """404 unless this actor may see the case, never revealing that it exists.

    Reads the three columns visibility needs, not the whole case: for a history or the
    documents, the case row itself was a third of the request.
    """
    _readers_only(actor)
    _shared_only(session, actor, session.execute(_VISIBILITY, {"case_id": case_id}).one_or_none(),
                 city_reviews_districts=city_reviews_districts)


def case_access(session: Session, actor: Actor, case_id: str, *,
                city_reviews_districts: bool = True) -> tuple[Case, bool]:
    """The case and whether the actor sees it only as a share (an asked district: read and add_note).

    Writers use `lock_cases`, which also locks the rows and reads the parties."""
    _readers_only(actor)
    row = session.get(Case, case_id)
    return row, _shared_only(session, actor, row, city_reviews_districts=city_reviews_districts)


def _shared_only(session: Session, actor: Actor, row, *, city_reviews_districts: bool = True) -> bool:
    """Whether the actor sees the case only as a share; 404 when not at all, never revealing it exists.

    `row` is the case, or a row of its id, district and transferred_to, or None."""
    if row is None:
        raise NotFound("no such case")
    if actor.sees_district(row.district, city_reviews_districts=city_reviews_districts):
        return False
    if ports.shared(session, actor, row):
        return True
    raise NotFound("no such case")


def get_case(session: Session, actor: Actor, case_id: str, rules: Rules, now: datetime | None = None) -> dict:
    row, shared_only = case_access(session, actor, case_id, city_reviews_districts=rules.city_reviews_districts)
    return case_json(session, row, actor, rules, now or datetime.now(UTC), shared_only=shared_only)


def list_cases(session: Session, actor: Actor, rules: Rules, *, district: str | None = None,
               state: str | None = None, kind: str | None = None, overdue: bool | None = None,
               due_before: datetime | None = None, limit: int = 50, cursor: str | None = None,
               now: datetime | None = None, campaign: str | None = None, tag: str | None = None,
               venue: str | None = None, sector: str | None = None) -> dict:
    now = now or datetime.now(UTC)
    query = case_filter(session, actor, rules, district=district, state=state, kind=kind, overdue=overdue,
                        due_before=due_before, now=now, campaign=campaign, tag=tag, venue=venue, sector=sector)
    rows, next_cursor = page(session.scalars(by_time_and_id(query, Case.created_at, Case.id, cursor, limit)), limit,
                             lambda r: (r.created_at.isoformat(), r.id))
    return {"items": cases_json(session, actor, rules, rows, now), "next_cursor": next_cursor}


def cases_json(session: Session, actor: Actor, rules: Rules, rows: list[Case], now: datetime) -> list[dict]:
    """A page of cases as SPEC §6 shows them, their parties and records loaded for all at once."""
    parties = load_parties_of(session, [r.id for r in rows])
    respondents = {case_id: p["respondent"][1].id if "respondent" in p else None for case_id, p in parties.items()}
    records = risks(session, [(r, respondents[r.id]) for r in rows], rules.grade_rules)
    return [case_json(session, r, actor, rules, now, parties=parties[r.id], record=records[r.id]) for r in rows]


def case_filter(session: Session, actor: Actor, rules: Rules, *, district: str | None = None,
                state: str | None = None, kind: str | None = None, overdue: bool | None = None,
                due_before: date | datetime | None = None, now: datetime | None = None,
                campaign: str | None = None, tag: str | None = None, venue: str | None = None,
                sector: str | None = None, q: str | None = None, officer: str | None = None) -> Select:
    """The cases this reader may list, narrowed by the filters: `GET /cases` and the workbench's list.

    `q` searches the number, a party's name, a credit code, the title and the description (a
    substring; PostgreSQL's `pg_trgm` indexes serve it, SQLite scans); `officer` is the first officer.
    """
    now = now or datetime.now(UTC)
    if actor.role not in CASE_READERS:
        raise Forbidden(f"role {actor.role} does not read cases")
    if actor.role in DISTRICT_ROLES:
        if district not in (None, actor.district):
            raise Forbidden("you read your own district's cases only")
        district = actor.district
    elif actor.role is Role.reviewer and not (actor.district == CITY_DIVISION and rules.city_reviews_districts):
        if district not in (None, actor.district):
            raise Forbidden("you review your own district's cases only")
        district = actor.district
    if state is not None and state not in STATES_V2:
        raise InvalidData(f"unknown state {state}", fields=["state"])
    query = select(Case)
    if district:
        query = query.where(Case.district == district)
    if state:
        query = query.where(Case.state == state)
    if kind:
        query = query.where(Case.kind == kind)
    today = now.astimezone(CHINA_TZ).date()
    if overdue is True:
        query = query.where(Case.next_bureau_due < today)
    elif overdue is False:
        query = query.where((Case.next_bureau_due.is_(None)) | (Case.next_bureau_due >= today))
    if due_before is not None:
        query = query.where(Case.next_bureau_due <= due_before)
    if campaign:
        query = query.where(Case.campaign_id == campaign)
    if venue:
        query = query.where(Case.venue == venue)
    if sector:
        query = query.where(Case.sector == sector)
    if tag:
        query = query.where(has_tag(session, tag))
    if officer:
        query = query.where(Case.assigned_officer == officer)
    if q and q.strip():
        query = query.where(_search(q.strip()))
    return query


WORK_SORTS = {
    "due": (Case.next_bureau_due.asc().nulls_last(), Case.number),  # the order ix_cases_next_bureau_due reads
    "received": (Case.received_at.desc(), Case.id),
    "updated": (Case.updated_at.desc(), Case.id),
    "number": (Case.number,),
}
HOUSEKEEPING = frozenset({"add_note", "attach", "detach", "record_facts", "assign", "pause_clock", "resume_clock",
                          "extend_deadline", "record_amounts", "ask_city", "record_service", "record_payment",
                          "record_publication"})
"""Events that record something without being the case's next step: not what a person "owes"."""


def work_list(session: Session, actor: Actor, rules: Rules, *, horizon: date, sort: str = "owed",
              offset: int = 0, limit: int = 50, open_only: bool = True, now: datetime | None = None,
              condition: ColumnElement[bool] | None = None, **filters) -> tuple[list[dict], bool]:
    """The workbench's list (issue 23): `case_filter`'s cases, those owed first, a page by offset.

    "Owed" in the ordering is a bureau clock due by `horizon` (overdue or due soon), for an
    officer on a case of theirs or of nobody yet: computing every case's allowed events to sort a
    million would not be cheap. The page itself then marks, from the allowed events, the cases
    whose next step the reader may take (`mine`). Returns the rows and whether more follow.
    """
    now = now or datetime.now(UTC)
    query = case_filter(session, actor, rules, now=now, **filters)
    if condition is not None:  # e.g. the cases behind an assessment figure
        query = query.where(condition)
    if open_only and not filters.get("state"):
        query = query.where(Case.state.not_in(FINAL_STATES))
    if sort == "owed" and actor.role is Role.officer:
        rows = _owed_first(session, query, actor, horizon, offset, limit + 1)
    else:  # for everyone else "owed first" is the due order itself: what is due by `horizon` comes first
        order = WORK_SORTS.get(sort, WORK_SORTS["due"])
        rows = list(session.scalars(query.order_by(*order).offset(offset).limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    parties = load_parties_of(session, [r.id for r in rows])
    items = []
    for r in rows:
        held = parties[r.id]
        respondent = held.get("respondent")
        steps = [e for e in allowed_events(snapshot(r, *(respondent or (None, None))), actor, rules, now)
                 if e not in HOUSEKEEPING] if r.state not in FINAL_STATES else []
        items.append({"id": r.id, "number": r.number, "title": r.title, "district": r.district, "kind": r.kind,
                      "state": r.state, "state_label": STATE_LABELS_V2[r.state], "due": r.next_bureau_due,
                      "received_at": r.received_at, "updated_at": r.updated_at, "officer": r.assigned_officer,
                      "respondent": respondent[0].name if respondent else "", "steps": steps,
                      "mine": bool(steps) and (actor.role is not Role.officer
                                               or r.assigned_officer in (None, actor.id))})
    return items, more


def board_list(session: Session, actor: Actor, horizon: date) -> list[Case]:
    """The open cases of the board's list: a district's own; the city's, those due by `horizon`
    (what needs attention); none for another role. Due first, at most 200."""
    query = select(Case).where(Case.state.not_in(FINAL_STATES))
    if actor.role in DISTRICT_ROLES:
        query = query.where(Case.district == actor.district)
    elif actor.role in OVERSIGHT_ROLES:  # the city's list: what needs attention
        query = query.where(Case.next_bureau_due <= horizon)
    else:  # not reached: the board admits the API's case readers only
        return []
    return list(session.scalars(query.order_by(Case.next_bureau_due.is_(None), Case.next_bureau_due, Case.number)
                                .limit(200)))


def open_by_district_and_state(session: Session) -> list[tuple[str, str, int]]:
    """How many open cases each district has in each state (the city's board)."""
    return list(session.execute(select(Case.district, Case.state, func.count())
                                .where(Case.state.not_in(FINAL_STATES))
                                .group_by(Case.district, Case.state)))


def clocks_by_district(session: Session, today: date, horizon: date) -> dict[str, tuple[int, int]]:
    """Each district's open cases overdue (a bureau clock due before `today`) and due soon (by `horizon`)."""
    return {d: (int(o or 0), int(s or 0)) for d, o, s in session.execute(
        select(Case.district, func.sum(case((Case.next_bureau_due < today, 1), else_=0)),
               func.sum(case(((Case.next_bureau_due >= today) & (Case.next_bureau_due <= horizon), 1), else_=0)))
        .where(Case.state.not_in(FINAL_STATES)).group_by(Case.district))}


def in_states(states: tuple[str, ...], track_states: dict[Track, tuple[str, ...]] | None = None) -> ColumnElement[bool]:
    """Cases in one of `states`, or on a track in one of that track's `track_states`: a `condition`
    for `work_list` and `count_open` (the board's queues)."""
    condition = Case.state.in_(states)
    for track, more in (track_states or {}).items():
        condition = condition | ((Case.track == track.value) & Case.state.in_(more))
    return condition


def count_open(session: Session, actor: Actor, rules: Rules, condition: ColumnElement[bool]) -> int:
    """How many open cases this reader may list meet `condition` (a board queue's count)."""
    query = case_filter(session, actor, rules).where(condition).where(Case.state.not_in(FINAL_STATES))
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _owed_first(session: Session, query: Select, actor: Actor, horizon: date, offset: int, limit: int) -> list[Case]:
    """An officer's page: the cases due by `horizon` that are theirs or nobody's, then the rest, each
    part in due order. Two index-ordered queries: sorting by a CASE expression would sort the whole
    district (a second at a million cases)."""
    owed = (Case.next_bureau_due <= horizon) & (Case.assigned_officer.is_(None) | (Case.assigned_officer == actor.id))
    rest = (Case.next_bureau_due.is_(None) | (Case.next_bureau_due > horizon)
            | (Case.assigned_officer.is_not(None) & (Case.assigned_officer != actor.id)))
    order = WORK_SORTS["due"]
    first = list(session.scalars(query.where(owed).order_by(*order).offset(offset).limit(limit)))
    if len(first) == limit:
        return first
    if first or offset == 0:
        owed_count = offset + len(first)
    else:
        owed_count = session.scalar(select(func.count()).select_from(query.where(owed).subquery()))
    later = session.scalars(query.where(rest).order_by(*order).offset(max(0, offset - owed_count))
                            .limit(limit - len(first)))
    return first + list(later)


WHOLE_CASE_NUMBER = re.compile(r"\S+〔\d{4}〕\d+号")
"""A case number as the service writes it; its substrings (〔2026〕, 12号) still search every column."""


def _search(q: str):
    """Number, title, description or a party's name containing `q`, or a party's credit code equal to it.

    A union of the matching ids, one branch per column: on PostgreSQL each branch can use its
    `pg_trgm` index (an OR over the columns and a subquery would scan the table).
    """
    if WHOLE_CASE_NUMBER.fullmatch(q):  # a whole number (东市监知〔2026〕0012号) is that case: the unique index
        return Case.number == q
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    branches = [*(select(Case.id).where(column.ilike(pattern, escape="\\"))
                  for column in (Case.number, Case.title, Case.description)),
                select(CaseParty.case_id).where(CaseParty.name.ilike(pattern, escape="\\"))]
    code = q.upper()
    if len(code) == 18 and all(c in CREDIT_CODE_CHARS for c in code):  # only what can be a credit code
        # looks one up: a join over every party of every case would also mislead the planner's estimate
        # into reading the whole district (a fifth of a second at a million cases)
        branches.append(select(CaseParty.case_id).join(Party, Party.id == CaseParty.party_id)
                        .where(Party.credit_code == code))
    return Case.id.in_(union(*branches))


def has_tag(session: Session, tag: str):
    """`tag` is one of the case's tags (a JSON list): jsonb containment on PostgreSQL, json_each on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(Case.tags, JSONB).contains(cast(func.json_build_array(tag), JSONB))
    return exists(select(1).select_from(func.json_each(Case.tags).table_valued("value").alias("tag_values"))
                  .where(literal_column("tag_values.value") == tag))


def case_documents(session: Session, actor: Actor, case_id: str) -> dict:
    """`GET /cases/{id}/documents`: the documents the case's events generated, the oldest first."""
    check_visible(session, actor, case_id)
    rows = session.scalars(select(Document).where(Document.case_id == case_id).order_by(Document.created_at,
                                                                                         Document.id))
    return {"items": [{"id": d.id, "kind": d.kind, "title": d.title, "html": d.html,
                       "created_at": d.created_at.astimezone(CHINA_TZ).isoformat()} for d in rows],
            "next_cursor": None}


_HISTORY = (
    select(*(getattr(Event, name) for name in EVENT_FIELDS))
    .where(Event.stream_id == bindparam("case_id"), Event.seq > bindparam("after"))
    .order_by(Event.seq)
    .limit(bindparam("rows"))
)


def history(session: Session, actor: Actor, case_id: str, *, limit: int = 1000, cursor: str | None = None,
            city_reviews_districts: bool = True) -> dict:
    """A case's events in seq order, read as plain rows (ORM objects cost about twice as much)."""
    check_visible(session, actor, case_id, city_reviews_districts=city_reviews_districts)
    after = int(decode_cursor(cursor, 1)[0]) if cursor else 0
    rows = session.connection().execute(_HISTORY, {"case_id": case_id, "after": after, "rows": limit + 1}).all()
    page_rows, next_cursor = page(rows, limit, lambda e: (e[0],))
    return {"items": [event_item(e) for e in page_rows], "next_cursor": next_cursor}
