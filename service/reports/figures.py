"""附件1 (monthly statistics), 附件2 (case details), the bi-monthly bulletin and summaries.

Every figure is an SQL aggregation grouped by district, so a report reads a handful of
grouped rows whatever the number of cases: one pass over the period's events, one over the
cases received in it, one over decisions, one over open cases at the period's end. The city's
figures are the sum of its districts'. What counts (SPEC §6 Reports): what happened in the
period by its event's time; amounts on the decision's date; open and overdue at the end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from service.assistance.models import AssistanceRequest
from service.cases.models import Case, CaseParty, Party
from service.cases.view import money
from service.core.models import District, Event, Principal
from service.reports import period as calendar
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import KINDS, OUTCOMES, SECTORS, SOURCES, STATE_LABELS_V2, VENUES


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    money: bool = False


EVENT_FIGURES: dict[str, Figure] = {
    "accept": Figure("filed", "立案（受理）数"),
    "reject": Figure("rejected", "不予立案（受理）数"),
    "start_mediation": Figure("mediations", "开展调解数"),
    "mediation_succeeded": Figure("mediated", "调解成功数"),
    "request_confirmation": Figure("confirmation_requested", "申请司法确认数"),
    "court_confirmed": Figure("confirmed", "司法确认数"),
    "rule": Figure("rulings", "作出行政裁决数"),
    "decide": Figure("penalty_decisions", "作出行政处罚决定数"),
    "refer_to_police": Figure("referred", "移送公安机关数"),
    "police_accepted": Figure("police_accepted", "公安机关立案数"),
    "police_declined": Figure("police_declined", "公安机关不予立案数"),
    "police_concluded": Figure("criminal", "刑事处理终结数"),
    "transfer_jurisdiction": Figure("transfers_out", "移送管辖数"),
    "transfer_accepted": Figure("transfers_accepted", "移送管辖被接收数"),
}
"""Figures that count one case event in the period."""

FIGURES: tuple[Figure, ...] = (
    Figure("received", "收到案件数"),
    Figure("received_online", "其中：网络平台案件数"),
    *EVENT_FIGURES.values(),
    Figure("closed", "结案数"),
    Figure("fines", "罚款金额（元）", money=True),
    Figure("confiscations", "没收金额（元）", money=True),
    Figure("case_value", "收到案件案值（元）", money=True),
    Figure("assistance_sent", "发出协查请求数"),
    Figure("assistance_received", "收到协查请求数"),
    Figure("assistance_answered", "答复协查请求数"),
    Figure("open_at_end", "期末在办案件数"),
    Figure("overdue_at_end", "期末超期案件数"),
)
BREAKDOWNS = {"kind": ("案件类型", {k: v[1] for k, v in KINDS.items()}), "sector": ("重点领域", SECTORS),
              "venue": ("重点场所", VENUES), "source": ("案件来源", SOURCES)}


@dataclass(frozen=True)
class Period:
    start: date  # first day
    end: date  # last day, inclusive

    @classmethod
    def month(cls, month: str, rule: str | None = None) -> Period:
        """The statistical month `YYYY-MM` (`IPCASE_STAT_MONTH`: calendar, or ending on a day)."""
        return cls(*calendar.bounds(month, rule))

    @classmethod
    def year_to_date(cls, month: str, rule: str | None = None) -> Period:
        """From the statistical year's first day to the end of month `month` (附件1's 累计)."""
        return cls(calendar.year_start(int(month[:4]), rule), calendar.bounds(month, rule)[1])

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), CHINA_TZ).astimezone(UTC)

    @property
    def until(self) -> datetime:
        """The first instant after the period (China time)."""
        return datetime.combine(self.end + timedelta(days=1), time(), CHINA_TZ).astimezone(UTC)

    def as_dict(self) -> dict:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _zero() -> dict[str, int]:
    return {f.key: 0 for f in FIGURES}


def figures_by_district(session: Session, period: Period, district: str | None = None) -> dict[str, dict]:
    """{district: {figure: value, "by_kind": {...}, ...}} for every district with anything to count."""
    since, until = period.since, period.until
    scope = (lambda column: column == district) if district else (lambda column: literal(True))
    out: dict[str, dict] = defaultdict(lambda: {**_zero(), **{name: defaultdict(int) for name in BREAKDOWNS}})

    events = session.execute(
        select(Case.district, Event.event, func.count(), func.sum(case((Event.to_state == "closed", 1), else_=0)))
        .join(Case, Case.id == Event.stream_id)
        .where(Event.stream_type == "case", Event.at >= since, Event.at < until, scope(Case.district))
        .group_by(Case.district, Event.event))
    for d, event, count, closed in events:
        if event in EVENT_FIGURES:
            out[d][EVENT_FIGURES[event].key] += count
        out[d]["closed"] += int(closed or 0)

    online = or_(Case.source == "online_platform", Case.venue == "online_platform")
    received = session.execute(
        select(Case.district, Case.kind, Case.sector, Case.venue, Case.source, func.count(),
               func.sum(case((online, 1), else_=0)), func.coalesce(func.sum(Case.case_value), 0))
        .where(Case.received_at >= since, Case.received_at < until, scope(Case.district))
        .group_by(Case.district, Case.kind, Case.sector, Case.venue, Case.source))
    for d, kind, sector, venue, source, count, on_line, value in received:
        figures = out[d]
        figures["received"] += count
        figures["received_online"] += int(on_line or 0)
        figures["case_value"] += int(value or 0)
        for name, key in (("kind", kind), ("sector", sector or "other"), ("venue", venue or "other"),
                          ("source", source)):
            figures[name][key] += count

    decided = session.execute(
        select(Case.district, func.coalesce(func.sum(Case.fine), 0), func.coalesce(func.sum(Case.confiscation), 0))
        .where(Case.decided_at >= since, Case.decided_at < until, scope(Case.district)).group_by(Case.district))
    for d, fines, confiscations in decided:
        out[d]["fines"] += int(fines)
        out[d]["confiscations"] += int(confiscations)

    # "at the end" of a period that has not ended yet is now: a clock due later this month is not
    # overdue today (a due date is the end of its day, so at the period's end a clock due on its
    # last day has run out, and today one due yesterday has)
    now = datetime.now(UTC)
    last_overdue_day = period.end if until <= now else now.astimezone(CHINA_TZ).date() - timedelta(days=1)
    as_of = min(until, now)
    open_at_end = and_(Case.received_at < as_of, or_(Case.closed_at.is_(None), Case.closed_at >= as_of))
    still_open = session.execute(
        select(Case.district, func.count(), func.sum(case((Case.next_bureau_due <= last_overdue_day, 1), else_=0)))
        .where(open_at_end, scope(Case.district)).group_by(Case.district))
    for d, count, overdue in still_open:
        out[d]["open_at_end"] += count
        out[d]["overdue_at_end"] += int(overdue or 0)

    for column, key in ((AssistanceRequest.from_district, "assistance_sent"),
                        (AssistanceRequest.to_district, "assistance_received")):
        rows = session.execute(select(column, func.count())
                               .where(AssistanceRequest.created_at >= since, AssistanceRequest.created_at < until,
                                      AssistanceRequest.kind != "transfer", column.is_not(None), scope(column))
                               .group_by(column))
        for d, count in rows:
            out[d][key] += count
    answered = session.execute(
        select(AssistanceRequest.to_district, func.count())
        .join(Event, Event.stream_id == AssistanceRequest.id)
        .where(Event.stream_type == "assistance", Event.event == "reply", Event.at >= since, Event.at < until,
               AssistanceRequest.to_district.is_not(None), scope(AssistanceRequest.to_district))
        .group_by(AssistanceRequest.to_district))
    for d, count in answered:
        out[d]["assistance_answered"] += count
    return dict(out)


def _total(per_district: dict[str, dict]) -> dict:
    total = {**_zero(), **{name: defaultdict(int) for name in BREAKDOWNS}}
    for figures in per_district.values():
        for f in FIGURES:
            total[f.key] += figures[f.key]
        for name in BREAKDOWNS:
            for key, count in figures[name].items():
                total[name][key] += count
    return total


def _present(figures: dict) -> dict:
    """Figures as the API shows them: money as decimal strings, every breakdown category listed."""
    return {
        "figures": [{"key": f.key, "label": f.label,
                     "value": money(figures[f.key]) if f.money else figures[f.key]} for f in FIGURES],
        "breakdowns": {name: {"label": label, "rows": [{"key": k, "label": text, "value": figures[name].get(k, 0)}
                                                       for k, text in categories.items()]}
                       for name, (label, categories) in BREAKDOWNS.items()},
    }


def _figures_of(per_district: dict[str, dict], district: str | None) -> dict:
    figures = per_district.get(district) if district else _total(per_district)
    return figures or {**_zero(), **{name: {} for name in BREAKDOWNS}}


def monthly(session: Session, period: Period, district: str | None, ytd: Period | None = None) -> dict:
    """附件1 全市知识产权行政保护工作数据统计表 for one district or the whole city, with a row per district.

    With `ytd` (the statistical year to the period's end), `ytd` holds the year's 累计 figures too."""
    per_district = figures_by_district(session, period, district)
    figures = _figures_of(per_district, district)
    names = dict(session.execute(select(District.code, District.name).order_by(District.code)).all())
    rows = [{"district": code, "district_name": name,
             **{f.key: (money(per_district[code][f.key]) if f.money else per_district[code][f.key])
                if code in per_district else (money(0) if f.money else 0) for f in FIGURES}}
            for code, name in names.items() if district in (None, code)]
    return {"title": "全市知识产权行政保护工作数据统计表", "attachment": "附件1", "period": period.as_dict(),
            "district": district, "district_name": _district_name(session, district), **_present(figures),
            "by_district": rows, **({"ytd": year_to_date(session, ytd, district)} if ytd else {})}


def year_to_date(session: Session, period: Period, district: str | None) -> dict:
    """本年累计: the figures from the statistical year's start to the period's end."""
    figures = _figures_of(figures_by_district(session, period, district), district)
    return {"period": period.as_dict(), "figures": _present(figures)["figures"]}


def bulletin(session: Session, period: Period, title: str = "全市知识产权行政保护工作通报") -> dict:
    """Districts side by side, ranked by cases closed, then by fewest overdue."""
    per_district = figures_by_district(session, period)
    names = dict(session.execute(select(District.code, District.name)).all())
    rows = [{"district": code, "district_name": name,
             **{f.key: (money(per_district.get(code, {}).get(f.key, 0)) if f.money
                        else per_district.get(code, {}).get(f.key, 0)) for f in FIGURES}}
            for code, name in names.items()]
    rows.sort(key=lambda r: (-r["closed"], r["overdue_at_end"], -r["received"], r["district"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    total = _total(per_district)
    return {"title": title, "period": period.as_dict(),
            "columns": [{"key": f.key, "label": f.label} for f in FIGURES], "rows": rows,
            "total": {f.key: money(total[f.key]) if f.money else total[f.key] for f in FIGURES}}


def _district_name(session: Session, district: str | None) -> str:
    if district is None:
        return "全市"
    return session.scalar(select(District.name).where(District.code == district)) or district


DETAIL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "案件编号"), ("title", "案件名称"), ("kind", "案件类型"), ("district", "办案单位"),
    ("respondent", "当事人"), ("respondent_credit_code", "统一社会信用代码"), ("complainant", "投诉人/权利人"),
    ("received_on", "收到日期"), ("filed_on", "立案日期"), ("closed_on", "结案日期"), ("state", "案件状态"),
    ("case_value", "案值（元）"), ("illegal_turnover", "非法经营额（元）"), ("fine", "罚款（元）"),
    ("confiscation", "没收（元）"), ("outcome", "处理结果"), ("referred_to_police", "是否移送公安"),
    ("officer", "承办人"),
)
DETAIL_MONEY = ("case_value", "illegal_turnover", "fine", "confiscation")
OUTCOME_LABELS = dict(zip(OUTCOMES, ("处罚", "不予处罚", "裁决", "调解结案", "撤销立案", "移送司法（刑事）",
                                     "司法确认", "诉讼维持", "不予立案", "撤回", "移送管辖"), strict=True))


def case_details(session: Session, period: Period, district: str | None) -> dict:
    """附件2 查办案件明细表: one row per case with an event in the period."""
    since, until = period.since, period.until
    touched = select(Event.stream_id).where(Event.stream_type == "case", Event.at >= since, Event.at < until)
    if district:  # narrow before the per-case aggregation, not after: a district is a ninth of the city
        touched = touched.join(Case, Case.id == Event.stream_id).where(Case.district == district)
    touched = touched.distinct().subquery()
    # per listed case, through the (stream_id, seq) index: aggregating all events of the touched
    # cases as a join made PostgreSQL scan the whole event table (2,000,000 rows in the benchmark)
    of_case = (Event.stream_type == "case") & (Event.stream_id == Case.id)
    filed_at = select(func.min(Event.at)).where(of_case, Event.event == "accept").scalar_subquery()
    referred = select(Event.id).where(of_case, Event.event == "refer_to_police").exists()
    respondent = (select(CaseParty.case_id, CaseParty.name, Party.credit_code)
                  .join(Party, Party.id == CaseParty.party_id).where(CaseParty.role == "respondent").subquery())
    complainant = select(CaseParty.case_id, CaseParty.name).where(CaseParty.role == "complainant").subquery()
    # the columns the table shows, not the ORM entity: building 40-column objects per row was
    # most of the time spent in Python
    query = (
        select(Case.number, Case.title, Case.kind, Case.received_at, Case.closed_at, Case.state, Case.outcome,
               *(getattr(Case, m) for m in DETAIL_MONEY), filed_at.label("filed_at"), referred.label("referred"),
               respondent.c.name.label("respondent"), respondent.c.credit_code, complainant.c.name.label("complainant"),
               Principal.name.label("officer"), District.name.label("district_name"))
        .join(touched, touched.c.stream_id == Case.id)
        .join(District, District.code == Case.district)
        .outerjoin(respondent, respondent.c.case_id == Case.id)
        .outerjoin(complainant, complainant.c.case_id == Case.id)
        .outerjoin(Principal, Principal.id == Case.assigned_officer)
        .order_by(Case.district, Case.year, Case.seq)
    )
    if district:
        query = query.where(Case.district == district)

    def day(moment: datetime | None) -> str | None:
        return moment.astimezone(CHINA_TZ).date().isoformat() if moment else None

    rows = []
    for c in session.execute(query):
        rows.append({
            "number": c.number, "title": c.title, "kind": KINDS[c.kind][1], "district": c.district_name,
            "respondent": c.respondent, "respondent_credit_code": c.credit_code, "complainant": c.complainant,
            "received_on": day(c.received_at), "filed_on": day(c.filed_at), "closed_on": day(c.closed_at),
            "state": STATE_LABELS_V2[c.state], **{m: money(getattr(c, m)) for m in DETAIL_MONEY},
            "outcome": OUTCOME_LABELS.get(c.outcome, "") if c.outcome else "",
            "referred_to_police": "是" if c.referred else "否", "officer": c.officer,
        })
    return {"title": "查办案件明细表", "attachment": "附件2", "period": period.as_dict(), "district": district,
            "district_name": _district_name(session, district),
            "columns": [{"key": k, "label": label} for k, label in DETAIL_COLUMNS], "rows": rows}
