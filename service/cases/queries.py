"""Reading cases: who may see which case, one case, the list, the history."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, cast, exists, func, literal_column, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from service.cases import ports
from service.cases.models import Case, Event
from service.cases.view import case_json, load_parties_of, risks
from service.core.pagination import by_time_and_id, decode_cursor, page
from state_machines.case_machine import Rules
from state_machines.errors import Forbidden, InvalidData, NotFound
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import CITY_DIVISION, STATES_V2, Role

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
    rows, next_cursor = page(session.scalars(by_time_and_id(query, Case.created_at, Case.id, cursor, limit)), limit,
                             lambda r: (r.created_at.isoformat(), r.id))
    parties = load_parties_of(session, [r.id for r in rows])
    respondents = {case_id: p["respondent"][1].id if "respondent" in p else None for case_id, p in parties.items()}
    records = risks(session, [(r, respondents[r.id]) for r in rows], rules.grade_rules)
    return {"items": [case_json(session, r, actor, rules, now, parties=parties[r.id], record=records[r.id])
                      for r in rows], "next_cursor": next_cursor}


def has_tag(session: Session, tag: str):
    """`tag` is one of the case's tags (a JSON list): jsonb containment on PostgreSQL, json_each on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(Case.tags, JSONB).contains(cast(func.json_build_array(tag), JSONB))
    return exists(select(1).select_from(func.json_each(Case.tags).table_valued("value").alias("tag_values"))
                  .where(literal_column("tag_values.value") == tag))


_EVENT_FIELDS = ("seq", "event", "from_state", "to_state", "actor", "at", "data", "reason", "prev_hash", "hash")


def event_json(e: Event) -> dict:
    """An event as the history shows it."""
    return _event_item(tuple(getattr(e, name) for name in _EVENT_FIELDS))


def _event_item(values: tuple) -> dict:
    """`_EVENT_FIELDS` in order to the history's item; `at` in China time."""
    item = dict(zip(_EVENT_FIELDS, values, strict=True))
    item["at"] = item["at"].astimezone(CHINA_TZ).isoformat()
    return item


_HISTORY = (
    select(*(getattr(Event, name) for name in _EVENT_FIELDS))
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
    return {"items": [_event_item(e) for e in page_rows], "next_cursor": next_cursor}
