"""通报 (issue 20; SPEC §12, the seed's reporting calendar): every two months the city bureau issues a
bulletin that sets the districts' figures side by side, ranked, praises the good (表扬) and criticises
(通报批评) where infringement is frequent or protection weak, ordering a rectification (整改) by a date.

A bulletin is a draft while the city writes it (its figures computed when read); issuing freezes the
figures and the texts, gives it the year's next number (the document counters of issue 19, under the
kind `bulletin` of the city), delivers it to every district's inbox and opens a rectification per
criticised district. Every change is an event of the bulletin's audit stream (`bulletin`).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from notifications.messages import render
from service.audit import service as audit
from service.bulletins.models import Bulletin, BulletinRectification
from service.core.config import get_settings
from service.core.inbox import district_names, inbox
from service.core.models import Principal
from service.core.pagination import decode_cursor, page
from service.core.reference_data import DISTRICTS
from service.documents import numbering
from service.reports import figures as reports
from service.reports import period as stat
from state_machines.case_machine import today_in_china
from state_machines.errors import Forbidden, GuardFailed, InvalidData, NotFound
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor, is_city
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import CITY_DIVISION, Role

STREAM = "bulletin"
COUNTER_KIND = "bulletin"  # the document counters' kind: one counter per year, of the city
DEFAULT_TITLE = "全市知识产权行政保护工作通报"


# --- who -------------------------------------------------------------------------------------------

def _own_district(actor: Actor) -> str | None:
    """The district a reader is limited to (its rectifications, its answers), None for the city and auditors."""
    return actor.district if actor.role in DISTRICT_ROLES and not is_city(actor) else None


def _reader(actor: Actor) -> None:
    if actor.role not in DISTRICT_ROLES | OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read bulletins")


def _writer(actor: Actor) -> None:
    """The city bureau (`is_city`: its `city` role and 150600's supervisors) drafts, issues and accepts."""
    if not is_city(actor):
        raise Forbidden("the city bureau drafts, issues and accepts bulletins (auditors read them)")


def _sees_drafts(actor: Actor) -> bool:
    return actor.role in OVERSIGHT_ROLES or is_city(actor)


# --- periods ---------------------------------------------------------------------------------------

def _months() -> int:
    return get_settings().bulletin_months


def period_of(day: date, months: int | None = None, rule: str | None = None) -> reports.Period:
    """The block of `months` statistical months (from January) holding `day`: with 2, Jan–Feb, Mar–Apr, …

    Statistical months as `IPCASE_STAT_MONTH` counts them (`service.reports.period`): with `ending:20`
    the Jan–Feb block runs from 21 December to 20 February, as the monthly reports do."""
    months = months or _months()
    month = stat.month_of(day, rule)
    first = f"{month[:4]}-{(int(month[5:7]) - 1) // months * months + 1:02d}"
    return reports.Period(stat.bounds(first, rule)[0], stat.bounds(stat.shift(first, months - 1), rule)[1])


def last_ended_period(today: date, months: int | None = None, rule: str | None = None) -> reports.Period:
    """The latest period that has ended by `today`: the default of a new bulletin."""
    return period_of(period_of(today, months, rule).start - timedelta(days=1), months, rule)


def number_head(year: int) -> str:
    head = get_settings().bulletin_number_head or f"{DISTRICTS[CITY_DIVISION][1]}通"
    return f"{head}〔{year}〕"


# --- writing ---------------------------------------------------------------------------------------

def _remarks(session: Session, commendations: list[dict], criticisms: list[dict], period_to: date) -> dict:
    """Checked texts: known districts (not the city itself, which writes the bulletin), one criticism
    per district, a rectification due after the period."""
    names = district_names(session)
    bad = [f"commendations[{i}].district" for i, c in enumerate(commendations) if c["district"] not in names]
    bad += [f"criticisms[{i}].district" for i, c in enumerate(criticisms) if c["district"] not in names]
    if bad:
        raise InvalidData("no such district", fields=bad)
    city = [f"commendations[{i}].district" for i, c in enumerate(commendations) if c["district"] == CITY_DIVISION]
    city += [f"criticisms[{i}].district" for i, c in enumerate(criticisms) if c["district"] == CITY_DIVISION]
    if city:
        raise InvalidData("the city bureau issues the bulletin: it neither commends nor criticises itself",
                          fields=city)
    seen: set[str] = set()
    for i, c in enumerate(criticisms):
        if c["district"] in seen:
            raise InvalidData("one criticism per district (write both in one text)",
                              fields=[f"criticisms[{i}].district"])
        seen.add(c["district"])
        if c["rectify_by"] <= period_to:
            raise InvalidData("a rectification is due after the period it answers",
                              fields=[f"criticisms[{i}].rectify_by"])
    return {"commendations": [{"district": c["district"], "text": c["text"]} for c in commendations],
            "criticisms": [{"district": c["district"], "text": c["text"], "rectify_by": c["rectify_by"].isoformat()}
                           for c in criticisms]}


def _period(start: date | None, end: date | None, now: datetime) -> reports.Period:
    if start is None and end is None:
        return last_ended_period(today_in_china(now))
    if start is None or end is None or start > end or (end - start).days > 366:
        raise InvalidData("give from and to (at most a year apart), or neither for the last ended period",
                          fields=["from", "to"])
    return reports.Period(start, end)


def create(session: Session, actor: Actor, body: dict, now: datetime) -> Bulletin:
    _writer(actor)
    period = _period(body.get("from"), body.get("to"), now)
    remarks = _remarks(session, body.get("commendations") or [], body.get("criticisms") or [], period.end)
    row = Bulletin(id=str(uuid.uuid4()), title=body["title"], period_from=period.start, period_to=period.end,
                   state="draft", remarks=remarks, figures=None, created_by=actor.id, created_at=now,
                   updated_at=now, version=0, head_hash="")
    audit.append_to_stream(session, row, STREAM, "draft", "draft", actor.id, now,
                           data={"title": row.title, **period.as_dict(), **remarks})
    session.add(row)
    session.flush()
    return row


def _locked(session: Session, bulletin_id: str) -> Bulletin:
    row = session.scalar(select(Bulletin).where(Bulletin.id == bulletin_id).with_for_update())
    if row is None:
        raise NotFound("no such bulletin")
    return row


def update(session: Session, actor: Actor, bulletin_id: str, changes: dict, now: datetime) -> Bulletin:
    """A draft's title, period or texts (a list given replaces the list); an issued bulletin is frozen."""
    _writer(actor)
    row = _locked(session, bulletin_id)
    if row.state != "draft":
        raise GuardFailed(f"bulletin {row.number} is issued: it is frozen")
    start, end = changes.get("from", row.period_from), changes.get("to", row.period_to)
    period = _period(start, end, now)
    current = row.remarks  # a list not given (or null) stays as it is
    commendations = changes.get("commendations")
    criticisms = changes.get("criticisms")
    remarks = _remarks(
        session,
        current["commendations"] if commendations is None else commendations,
        [{**c, "rectify_by": date.fromisoformat(c["rectify_by"])} for c in current["criticisms"]]
        if criticisms is None else criticisms,
        period.end)
    row.title = changes.get("title") or row.title
    row.period_from, row.period_to, row.remarks = period.start, period.end, remarks
    audit.append_to_stream(session, row, STREAM, "edit", "draft", actor.id, now,
                           data={"title": row.title, **period.as_dict(), **remarks})
    session.flush()
    return row


def issue(session: Session, actor: Actor, bulletin_id: str, now: datetime) -> Bulletin:
    """Freeze, number (the year's next), open the rectifications, tell every district.

    422 a rectification due today or before (a district cannot be ordered to have rectified
    already); 409 a period not ended yet (its figures would still change)."""
    _writer(actor)
    row = _locked(session, bulletin_id)
    if row.state != "draft":
        raise GuardFailed(f"bulletin {row.number} is issued already")
    today = today_in_china(now)  # SPEC §3's order: a bad field (422) before a guard (409)
    late = [f"criticisms[{i}].rectify_by" for i, c in enumerate(row.remarks["criticisms"])
            if date.fromisoformat(c["rectify_by"]) <= today]
    if late:
        raise InvalidData(f"a rectification is due after the day of issue ({today})", fields=late)
    if row.period_to >= today:
        raise GuardFailed(f"the period ends {row.period_to}: a bulletin is issued once its period has ended")
    year = now.astimezone(CHINA_TZ).year
    names = district_names(session)
    snapshot = reports.bulletin(session, reports.Period(row.period_from, row.period_to), title=row.title)
    seq = numbering.allocate(session, CITY_DIVISION, COUNTER_KIND, year)
    row.year, row.seq, row.number = year, seq, f"{number_head(year)}{seq}号"
    row.figures, row.issued_by, row.issued_at = snapshot, actor.id, now
    row.remarks = {kind: [{**r, "district_name": names.get(r["district"], r["district"])} for r in items]
                   for kind, items in row.remarks.items()}
    for c in row.remarks["criticisms"]:
        session.add(BulletinRectification(id=str(uuid.uuid4()), bulletin_id=row.id, district=c["district"],
                                          due_on=date.fromisoformat(c["rectify_by"]), answers=[]))
    digest = hashlib.sha256(audit.canonical(snapshot)).hexdigest()
    audit.append_to_stream(session, row, STREAM, "issue", "issued", actor.id, now,
                           data={"number": row.number, "figures_sha256": digest, **row.remarks})
    _deliver(session, row, names, now)
    session.flush()
    return row


def _deliver(session: Session, row: Bulletin, names: dict[str, str], now: datetime) -> None:
    """Every district's supervisors hear of it; a criticised district's message names its rectification."""
    criticised = {c["district"]: c for c in row.remarks["criticisms"]}
    praised = {c["district"] for c in row.remarks["commendations"]}
    channel = inbox(session, now)
    for pid, district in session.execute(
            select(Principal.id, Principal.district).where(Principal.role == Role.supervisor.value,
                                                           Principal.disabled.is_(False))):
        if district not in names:
            continue
        c = criticised.get(district)
        channel.send(render("bulletin_issued", pid, number=row.number, title=row.title,
                            period_from=row.period_from.isoformat(), period_to=row.period_to.isoformat(),
                            district_name=names[district], praised=district in praised,
                            rectify_by=c["rectify_by"] if c else None))


def _rectification(session: Session, bulletin_id: str, district: str) -> BulletinRectification:
    found = session.scalar(select(BulletinRectification).where(BulletinRectification.bulletin_id == bulletin_id,
                                                               BulletinRectification.district == district))
    if found is None:
        raise NotFound("this bulletin orders no rectification of that district")
    return found


def answer(session: Session, actor: Actor, bulletin_id: str, district: str, text: str, now: datetime) -> dict:
    """The criticised district's supervisor reports what it has rectified (once or more, until accepted)."""
    if actor.role is not Role.supervisor or actor.district != district:
        if actor.role in DISTRICT_ROLES and actor.district != district:
            raise NotFound("this bulletin orders no rectification of your district")
        raise Forbidden("the criticised district's supervisor answers its rectification")
    row = _locked(session, bulletin_id)
    if row.state != "issued":
        raise NotFound("no such bulletin")
    rect = _rectification(session, bulletin_id, district)
    if rect.done_on is not None:
        raise GuardFailed("the rectification is accepted already")
    entry = {"by": actor.id, "at": _china(now.isoformat()), "text": text}
    rect.answers = [*rect.answers, entry]
    audit.append_to_stream(session, row, STREAM, "answer_rectification", "issued", actor.id, now,
                           data={"district": district, "text": text})
    session.flush()
    return rectification_json(rect, row, district_names(session), today_in_china(now))


def accept(session: Session, actor: Actor, bulletin_id: str, district: str, now: datetime) -> dict:
    """The city accepts a district's rectification as done (after at least one answer)."""
    _writer(actor)
    row = _locked(session, bulletin_id)
    if row.state != "issued":
        raise NotFound("no such bulletin")
    rect = _rectification(session, bulletin_id, district)
    if rect.done_on is not None:
        raise GuardFailed("the rectification is accepted already")
    if not rect.answers:
        raise GuardFailed("the district has not answered yet")
    today = today_in_china(now)
    rect.done_on, rect.accepted_by = today, actor.id
    audit.append_to_stream(session, row, STREAM, "accept_rectification", "issued", actor.id, now,
                           data={"district": district, "done_on": today.isoformat()})
    session.flush()
    return rectification_json(rect, row, district_names(session), today)


# --- reading ---------------------------------------------------------------------------------------

def visible(session: Session, actor: Actor, bulletin_id: str) -> Bulletin:
    """One bulletin: a draft is the city's and the auditors' (anyone else: 404), an issued one everyone's."""
    _reader(actor)
    row = session.get(Bulletin, bulletin_id)
    if row is None or (row.state != "issued" and not _sees_drafts(actor)):
        raise NotFound("no such bulletin")
    return row


def _day_cursor(cursor: str, kinds: tuple[type, ...]) -> list:
    """A keyset cursor led by a day (issued as its ISO text): the day parsed, or 422 as any bad cursor."""
    first, *rest = decode_cursor(cursor, (str, *kinds))
    try:
        return [date.fromisoformat(first), *rest]
    except ValueError:
        raise InvalidData("bad cursor: pass back a next_cursor this service issued, unchanged",
                          fields=["cursor"]) from None


def list_bulletins(session: Session, actor: Actor, year: int | None = None, *, limit: int = 50,
                   cursor: str | None = None) -> dict:
    """`{items, next_cursor}`, the newest period first (SPEC §6 keyset pagination)."""
    _reader(actor)
    query = select(Bulletin)
    if not _sees_drafts(actor):
        query = query.where(Bulletin.state == "issued")
    if year is not None:
        query = query.where(Bulletin.year == year)
    if cursor:
        to, at, last = _day_cursor(cursor, (datetime, str))
        query = query.where(or_(Bulletin.period_to < to,
                                and_(Bulletin.period_to == to, Bulletin.created_at < at),
                                and_(Bulletin.period_to == to, Bulletin.created_at == at, Bulletin.id < last)))
    query = query.order_by(Bulletin.period_to.desc(), Bulletin.created_at.desc(), Bulletin.id.desc()).limit(limit + 1)
    rows, next_cursor = page(session.scalars(query), limit,
                             lambda r: (r.period_to.isoformat(), r.created_at.isoformat(), r.id))
    return {"items": [summary_json(r) for r in rows], "next_cursor": next_cursor}


def summary_json(row: Bulletin) -> dict:
    return {"id": row.id, "number": row.number, "title": row.title,
            "period": {"from": row.period_from.isoformat(), "to": row.period_to.isoformat()},
            "state": row.state, "created_at": row.created_at.astimezone(CHINA_TZ).isoformat(),
            "issued_at": row.issued_at.astimezone(CHINA_TZ).isoformat() if row.issued_at else None}


def detail_json(session: Session, row: Bulletin, now: datetime, actor: Actor) -> dict:
    """The bulletin whole: a draft's figures as of now, an issued one's as frozen.

    The criticisms are public to every reader; the rectifications (what a district answered) are
    the city's and the auditors' to read whole, a district's people read their own district's only."""
    names = district_names(session)
    figures = row.figures or reports.bulletin(session, reports.Period(row.period_from, row.period_to),
                                              title=row.title)

    def named(items: list[dict]) -> list[dict]:
        return [{**r, "district_name": r.get("district_name") or names.get(r["district"], r["district"])}
                for r in items]

    query = select(BulletinRectification).where(BulletinRectification.bulletin_id == row.id)
    mine = _own_district(actor)
    if mine is not None:
        query = query.where(BulletinRectification.district == mine)
    rects = session.scalars(query.order_by(BulletinRectification.district))
    today = today_in_china(now)
    return {**summary_json(row), "report": figures,
            "commendations": named(row.remarks["commendations"]), "criticisms": named(row.remarks["criticisms"]),
            "rectifications": [rectification_json(r, row, names, today) for r in rects],
            "links": {"html": f"/api/v1/bulletins/{row.id}?format=html",
                      "pdf": f"/api/v1/bulletins/{row.id}?format=pdf"}}


def _china(at: str) -> str:
    """An answer's time as every other time of the API: China time, with its +08:00."""
    return datetime.fromisoformat(at).astimezone(CHINA_TZ).isoformat()


def rectification_json(rect: BulletinRectification, row: Bulletin, names: dict[str, str], today: date) -> dict:
    state = "accepted" if rect.done_on else "answered" if rect.answers else "open"
    return {"bulletin_id": row.id, "bulletin_number": row.number, "district": rect.district,
            "district_name": names.get(rect.district, rect.district), "due_on": rect.due_on.isoformat(),
            "done_on": rect.done_on.isoformat() if rect.done_on else None, "state": state,
            "overdue": rect.done_on is None and rect.due_on < today,
            "answers": [{**a, "at": _china(a["at"])} for a in rect.answers]}


def rectification_list(session: Session, actor: Actor, now: datetime, *, overdue: bool = False,
                       district: str | None = None, limit: int = 50, cursor: str | None = None) -> dict:
    """The rectifications ordered, earliest due first, `{items, next_cursor}`: the city's all, a
    district's its own (asking for another's is 403, as `/escalations`); `overdue`: due before today,
    not accepted (the city's list of what to chase)."""
    _reader(actor)
    today = today_in_china(now)
    query = select(BulletinRectification, Bulletin).join(Bulletin, Bulletin.id == BulletinRectification.bulletin_id)
    mine = _own_district(actor)
    if mine is not None:
        if district not in (None, mine):
            raise Forbidden("you read your own district's rectifications only")
        district = mine
    if district is not None:
        query = query.where(BulletinRectification.district == district)
    if overdue:
        query = query.where(BulletinRectification.done_on.is_(None), BulletinRectification.due_on < today)
    if cursor:
        due, code, last = _day_cursor(cursor, (str, str))
        query = query.where(or_(BulletinRectification.due_on > due,
                                and_(BulletinRectification.due_on == due, BulletinRectification.district > code),
                                and_(BulletinRectification.due_on == due, BulletinRectification.district == code,
                                     BulletinRectification.id > last)))
    query = query.order_by(BulletinRectification.due_on, BulletinRectification.district,
                           BulletinRectification.id).limit(limit + 1)
    rows, next_cursor = page(session.execute(query).all(), limit,
                             lambda pair: (pair[0].due_on.isoformat(), pair[0].district, pair[0].id))
    names = district_names(session)
    return {"items": [rectification_json(rect, row, names, today) for rect, row in rows], "next_cursor": next_cursor}


def rectifications(session: Session, year: int) -> list[dict]:
    """For the annual assessment: every rectification ordered by a bulletin issued in `year`, as
    `{district, due_on, done_on}` (dates; `done_on` None while not accepted), with the bulletin's number."""
    rows = session.execute(
        select(BulletinRectification.district, BulletinRectification.due_on, BulletinRectification.done_on,
               Bulletin.number)
        .join(Bulletin, Bulletin.id == BulletinRectification.bulletin_id)
        .where(Bulletin.year == year).order_by(BulletinRectification.district, BulletinRectification.due_on))
    return [{"district": d, "due_on": due, "done_on": done, "bulletin_number": number}
            for d, due, done, number in rows]
