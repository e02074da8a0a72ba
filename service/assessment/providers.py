"""The evidence of each assessment item, per district, for a year: a registry of small providers.

A provider is `(session, year) -> {district: Evidence}`; each runs one or two aggregate queries
(GROUP BY district), never a loop over cases, so a year over a million cases answers in seconds.
A new item is a function here and a line in `PROVIDERS` (the lead wires the summaries' and the
bulletins' rectifications this way), then an `[[item]]` in the rules file naming it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from functools import partial
from urllib.parse import urlencode

from sqlalchemy import and_, bindparam, case, func, or_, select, text
from sqlalchemy.orm import Session

from service.bulletins.service import rectifications as bulletin_rectifications
from service.casefile.models import ReviewedCase, ReviewRound
from service.cases.models import Case
from service.core.db import UTCDateTime
from service.core.models import District
from service.deadlines.models import Escalation
from service.reports import period as calendar
from service.reports import timeliness
from state_machines.assessment import Evidence, Item
from state_machines.case_machine import today_in_china
from state_machines.clocks import Owner
from state_machines.clocks_v2 import CLOCKS_BY_VERSION
from state_machines.types import CHINA_TZ

Provider = Callable[[Session, int], dict[str, Evidence]]
Owed = Mapping[str, dict]
"""`timeliness.on_time`'s answer: {district: {"monthly": (on time, due), "summaries": …, "action_plan": …}}."""
IDS_SHOWN = 50
"""The most case ids an item lists per district; beyond, the figures and the link say the rest."""

CITY_CLOCKS = frozenset({"designation"})
"""Bureau clocks that are the city's, not the district's (SPEC §10.9: 指定管辖 is the city bureau's)."""
BUREAU_CLOCKS: tuple[str, ...] = tuple(sorted({name for table in CLOCKS_BY_VERSION.values()
                                               for name, spec in table.items()
                                               if spec.owner is Owner.bureau and not spec.option
                                               and name not in CITY_CLOCKS}))
"""The district bureau's own duties (an option such as applying for enforcement is no duty, the
city's designation is not the district's): what timeliness and 超期督办 count."""
OWN_PREFIXES = ("supervision_reply:",)
"""Escalations of the district's own duties that run on another row (a 督办 order's reply, one per
order): counted in 超期督办 and nowhere else. A partner's handoff answer, an assistance answer and a
disputed transfer waiting for the city are not the district's own duties: never counted."""


def _own_escalation():
    """The escalations of the district's own bureau duties, by clock name."""
    return or_(Escalation.clock.in_(BUREAU_CLOCKS), *[Escalation.clock.startswith(p) for p in OWN_PREFIXES])


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The year in China time, as UTC instants [start, end)."""
    return (datetime.combine(date(year, 1, 1), time(), CHINA_TZ).astimezone(UTC),
            datetime.combine(date(year + 1, 1, 1), time(), CHINA_TZ).astimezone(UTC))


def today() -> date:
    return today_in_china(datetime.now(UTC))


def board_link(district: str, **filters: object) -> str:
    """The board's case list narrowed to the cases behind a figure (`/board/cases` takes these filters)."""
    shown = {k: v for k, v in filters.items() if v not in (None, "")}
    return "/board/cases?" + urlencode({"district": district, **shown})


def _ids(rows) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for district, case_id in rows:
        if len(found[district]) < IDS_SHOWN and case_id not in found[district]:
            found[district].append(case_id)
    return {d: tuple(ids) for d, ids in found.items()}


def _districts(session: Session) -> set[str]:
    return set(session.scalars(select(District.code)).all())


_CLOCKS_SQL = {
    # One pass over the year's cases and their clocks, per district (PostgreSQL: the generated column
    # `clock_summary` of migration 0013, `name|status|due|ended_on` per clock; SQLite: the JSON facts):
    # a clock ended (met, or closed with the case) on or before its due day is on time, after it late;
    # one still running past its due day is late too. Dates are ISO text: they compare as dates.
    "postgresql": """
        SELECT c.district,
          sum(CASE WHEN split_part(t, '|', 2) IN ('met', 'lapsed') AND split_part(t, '|', 4) <> ''
                    AND split_part(t, '|', 4) <= split_part(t, '|', 3) THEN 1 ELSE 0 END),
          sum(CASE WHEN split_part(t, '|', 2) IN ('met', 'lapsed') AND split_part(t, '|', 4) > split_part(t, '|', 3)
                   THEN 1 ELSE 0 END),
          sum(CASE WHEN split_part(t, '|', 2) = 'running' AND split_part(t, '|', 3) < :today THEN 1 ELSE 0 END)
        FROM cases c CROSS JOIN LATERAL unnest(c.clock_summary) AS t
        WHERE c.received_at < :end_at AND (c.closed_at IS NULL OR c.closed_at >= :start_at)
          AND split_part(t, '|', 1) IN :names AND split_part(t, '|', 3) >= :first AND split_part(t, '|', 3) <= :last
        GROUP BY c.district""",
    "sqlite": """
        SELECT c.district,
          sum(CASE WHEN json_extract(cl.value, '$.status') IN ('met', 'lapsed')
                    AND json_extract(cl.value, '$.ended_on') <= json_extract(cl.value, '$.due') THEN 1 ELSE 0 END),
          sum(CASE WHEN json_extract(cl.value, '$.status') IN ('met', 'lapsed')
                    AND json_extract(cl.value, '$.ended_on') > json_extract(cl.value, '$.due') THEN 1 ELSE 0 END),
          sum(CASE WHEN json_extract(cl.value, '$.status') = 'running' AND json_extract(cl.value, '$.due') < :today
                   THEN 1 ELSE 0 END)
        FROM cases c, json_each(c.facts, '$.clocks') AS cl
        WHERE c.received_at < :end_at AND (c.closed_at IS NULL OR c.closed_at >= :start_at)
          AND cl.key IN :names AND json_extract(cl.value, '$.due') >= :first
          AND json_extract(cl.value, '$.due') <= :last
        GROUP BY c.district""",
}


def clock_timeliness(session: Session, year: int) -> dict[str, Evidence]:
    """办案时限: the bureau's clocks that fell due in the year, met on time / all that are decided
    (met on time, met late, or still running past due); the overdue ones are the escalations' cases."""
    start_at, end_at = year_bounds(year)
    statement = text(_CLOCKS_SQL[session.get_bind().dialect.name]).bindparams(
        bindparam("names", expanding=True), bindparam("start_at", type_=UTCDateTime),
        bindparam("end_at", type_=UTCDateTime))
    rows = session.execute(statement, {"start_at": start_at, "end_at": end_at, "names": list(BUREAU_CLOCKS),
                                       "first": f"{year}-01-01",
                                       "last": f"{year}-12-31", "today": today().isoformat()}).all()
    late_ids = _ids(session.execute(select(Escalation.district, Escalation.case_id).where(
        Escalation.due >= date(year, 1, 1), Escalation.due <= date(year, 12, 31), Escalation.clock.in_(BUREAU_CLOCKS))
        .order_by(Escalation.district, Escalation.due, Escalation.case_id)).all())
    out = {}
    for district, on_time, late, open_late in rows:
        on_time, late, open_late = int(on_time or 0), int(late or 0), int(open_late or 0)
        decided = on_time + late + open_late
        out[district] = Evidence(on_time / decided if decided else None,
                                 {"on_time": on_time, "late": late, "open_overdue": open_late},
                                 late_ids.get(district, ()), board_link(district, clock="overdue"))
    return out


def escalations(session: Session, year: int) -> dict[str, Evidence]:
    """超期督办: the bureau's overdue clocks reported to the city whose due day fell in the year."""
    in_year = and_(Escalation.due >= date(year, 1, 1), Escalation.due <= date(year, 12, 31), _own_escalation())
    counts = dict(session.execute(select(Escalation.district, func.count()).where(in_year)
                                  .group_by(Escalation.district)).all())
    ids = _ids(session.execute(select(Escalation.district, Escalation.case_id).where(in_year)
                               .order_by(Escalation.district, Escalation.due, Escalation.case_id)).all())
    districts = _districts(session)
    return {d: Evidence(float(counts.get(d, 0)), {"escalations": int(counts.get(d, 0))}, ids.get(d, ()),
                        board_link(d, clock="overdue")) for d in set(districts) | set(counts)}


def _round_in_year(year: int):
    return and_(ReviewRound.period_to >= date(year, 1, 1), ReviewRound.period_to <= date(year, 12, 31))


def case_file_review(session: Session, year: int) -> dict[str, Evidence]:
    """案卷评查: the average score of the district's files scored in rounds whose period ends in the year."""
    scored = and_(ReviewedCase.score.is_not(None), _round_in_year(year))
    rows = session.execute(select(ReviewedCase.district, func.count(), func.sum(ReviewedCase.score),
                                  func.min(ReviewedCase.score))
                           .join(ReviewRound, ReviewRound.id == ReviewedCase.round_id)
                           .where(scored).group_by(ReviewedCase.district)).all()
    ids = _ids(session.execute(select(ReviewedCase.district, ReviewedCase.case_id)
                               .join(ReviewRound, ReviewRound.id == ReviewedCase.round_id).where(scored)
                               .order_by(ReviewedCase.district, ReviewedCase.score, ReviewedCase.case_id)).all())
    return {d: Evidence(float(total) / n, {"files": int(n), "lowest": int(low)}, ids.get(d, ()))
            for d, n, total, low in rows}


def rectifications(session: Session, year: int) -> dict[str, Evidence]:
    """整改 done on time / all whose due day has passed (done or not): the files with points deducted in
    the year's case-file review rounds (by the round's `rectify_due`), and the rectifications ordered
    by the year's bulletins (通报批评, done when the city accepts them)."""
    scored = and_(_round_in_year(year), ReviewedCase.score.is_not(None))
    rows = session.execute(select(ReviewedCase.district, ReviewedCase.case_id, ReviewedCase.deductions,
                                  ReviewedCase.rectified_at, ReviewRound.rectify_due)
                           .join(ReviewRound, ReviewRound.id == ReviewedCase.round_id)
                           .where(scored).order_by(ReviewedCase.district, ReviewedCase.case_id)).all()
    now_day = today()
    tally: dict[str, dict[str, int]] = defaultdict(lambda: {"on_time": 0, "late": 0, "outstanding": 0})
    behind: list[tuple[str, str]] = []
    for district, case_id, deductions, rectified_at, due in rows:  # the year's sampled files: a few dozen
        if not any(d.get("points") for d in deductions or []):
            continue  # nothing deducted, nothing to rectify
        if rectified_at is not None:
            late = rectified_at.astimezone(CHINA_TZ).date() > due
            tally[district]["late" if late else "on_time"] += 1
        elif now_day > due:
            tally[district]["outstanding"] += 1
            late = True
        else:
            continue
        if late:
            behind.append((district, case_id))
    for ordered in bulletin_rectifications(session, year):  # a few a year
        done, due = ordered["done_on"], ordered["due_on"]
        if done is not None:
            tally[ordered["district"]]["on_time" if done <= due else "late"] += 1
        elif now_day > due:
            tally[ordered["district"]]["outstanding"] += 1
    ids = _ids(behind)
    out = {}
    for district, t in tally.items():
        counted = t["on_time"] + t["late"] + t["outstanding"]
        out[district] = Evidence(t["on_time"] / counted if counted else None, dict(t), ids.get(district, ()))
    return out


def reports_on_time(session: Session, year: int, owed: Owed | None = None) -> dict[str, Evidence]:
    """统计报表: the year's statistical months whose due date has passed (`IPCASE_STAT_MONTH`,
    `IPCASE_STAT_DUE`), first submitted by it / those months (the reporting calendar's count)."""
    out = {}
    for district, counts in (owed if owed is not None else timeliness.on_time(session, year, today())).items():
        on_time, due = counts["monthly"]
        if due:
            out[district] = Evidence(on_time / due, {"months": due, "on_time": on_time,
                                                     "late_or_missing": due - on_time},
                                     link=f"/api/v1/reports/monthly/submissions?district={district}")
    return out


def _case_condition(year: int, filters: Mapping[str, object]):
    start_at, end_at = year_bounds(year)
    column = {"received": Case.received_at, "closed": Case.closed_at, "decided": Case.decided_at}[
        str(filters.get("date", "received"))]
    conditions = []
    for name, col in (("kinds", Case.kind), ("outcomes", Case.outcome), ("sectors", Case.sector),
                      ("sources", Case.source), ("venues", Case.venue)):
        if values := filters.get(name):
            conditions.append(col.in_(list(values)))  # type: ignore[call-overload]
    where = [column >= start_at, column < end_at]
    if conditions:
        where.append(or_(*conditions) if filters.get("match") == "any" else and_(*conditions))
    if excluded := filters.get("exclude_states"):
        where.append(Case.state.not_in(list(excluded)))  # type: ignore[call-overload]
    return and_(*where)


def case_counts(session: Session, year: int, wanted: Mapping[str, Mapping[str, object]]) -> dict[str, dict]:
    """Cases of a kind, sector, source, venue or outcome (the seed's priorities) per district, counted
    by the day they were received, decided or closed in the year: every such item of the rules in ONE
    pass over the cases (a conditional count per item), item key → {district: Evidence}."""
    keys = list(wanted)
    conditions = [_case_condition(year, wanted[k]) for k in keys]
    rows = session.execute(select(Case.district, *[func.sum(case((c, 1), else_=0)) for c in conditions])
                           .where(or_(*conditions)).group_by(Case.district)).all()
    counts = {row[0]: row[1:] for row in rows}
    districts = _districts(session) | set(counts)
    out: dict[str, dict] = {}
    for index, key in enumerate(keys):
        filters = wanted[key]
        link_filters = {name: ",".join(filters[name]) for name in  # type: ignore[arg-type]
                        ("kinds", "outcomes", "sectors", "sources", "venues", "exclude_states") if filters.get(name)}
        if filters.get("match") == "any":
            link_filters["match"] = "any"
        out[key] = {}
        for d in districts:
            n = int((counts.get(d) or [0] * len(keys))[index] or 0)
            out[key][d] = Evidence(float(n), {"cases": n},
                                   link=board_link(d, year=year, date=filters.get("date", "received"), **link_filters))
    return out


def cases(session: Session, year: int, *, filters: Mapping[str, object]) -> dict[str, Evidence]:
    """One `cases` item alone (the service counts all of them in one pass with `case_counts`)."""
    return case_counts(session, year, {"_": filters})["_"]


def summaries_on_time(session: Session, year: int, owed: Owed | None = None) -> dict[str, Evidence]:
    """半年/年度总结 by their due dates (`IPCASE_SUMMARY_MIDYEAR_DUE`, `IPCASE_SUMMARY_ANNUAL_DUE`), and the
    year's action plan by `IPCASE_ACTION_PLAN_DUE`: reports on time / reports due."""
    out = {}
    plan_due = int(calendar.action_plan_due(year) < today())
    for district, counts in (owed if owed is not None else timeliness.on_time(session, year, today())).items():
        on_time, due = counts["summaries"]
        plan_on_time = int(bool(counts["action_plan"])) if plan_due else 0
        if due + plan_due:
            out[district] = Evidence((on_time + plan_on_time) / (due + plan_due),
                                     {"summaries": due, "summaries_on_time": on_time,
                                      "action_plan_due": plan_due, "action_plan_on_time": plan_on_time},
                                     link=f"/api/v1/reports/calendar?district={district}")
    return out


PROVIDERS: dict[str, Provider] = {
    "clock_timeliness": clock_timeliness,
    "escalations": escalations,
    "case_file_review": case_file_review,
    "rectifications": rectifications,
    "reports_on_time": reports_on_time,
    "summaries_on_time": summaries_on_time,
}
"""Provider name (the rules file's `provider`) → function; `cases` is built per item from its filter."""
PROVIDER_NAMES: tuple[str, ...] = (*PROVIDERS, "cases")


ON_TIME_PROVIDERS = frozenset({"reports_on_time", "summaries_on_time"})
"""Providers that read the reporting calendar's count (`timeliness.on_time`): computed once, given to both."""


def provider_for(item: Item, owed: Owed | None = None) -> Provider:
    if item.provider == "cases":
        return partial(cases, filters=item.filter)
    if item.provider in ON_TIME_PROVIDERS and owed is not None:
        return partial(PROVIDERS[item.provider], owed=owed)
    return PROVIDERS[item.provider]
