"""案卷评查 (SPEC §12): the city reviews a sample of closed cases' files against a checklist.

A round (city) samples closed cases per district and period, or takes chosen cases; the city's
reviewers (role `city`, or a `reviewer` of 150600) score each file, deducting points per
checklist item with a comment; the district's supervisor answers each result with its
rectification (整改) by the round's `rectify_due` (working days from the opening, configuration);
the city closes the round. Every step is an event of the round's own hash-chained stream
(`review_round`), checked by `audit verify` like every other stream. Results per district and
per item, as JSON or XLSX, feed the annual assessment (issue 14).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.report_files import Table, to_xlsx
from service.audit.service import append_to_stream
from service.casefile.models import ReviewedCase, ReviewRound
from service.cases.models import Case
from state_machines.calendar import WorkCalendar
from state_machines.errors import Forbidden, GuardFailed, InvalidData, NotFound
from state_machines.principals import Actor
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import CITY_DIVISION, FINAL_STATES, Role

DEFAULT_CHECKLIST = (  # SPEC §12's default items; points sum to 100
    ("jurisdiction", "管辖", 10), ("two_officers", "两名以上执法人员", 10), ("evidence", "证据", 20),
    ("legal_basis", "法律依据", 15), ("procedure", "程序步骤及时限", 15), ("service", "文书送达", 10),
    ("discretion", "自由裁量", 10), ("archive", "案卷完整", 10),
)


def checklist_of(configured: list[dict] | None) -> list[dict]:
    if configured:
        return [{"item": str(i["item"]), "label": str(i.get("label", i["item"])), "points": int(i["points"])}
                for i in configured]
    return [{"item": item, "label": label, "points": points} for item, label, points in DEFAULT_CHECKLIST]


def _city_reviewer(actor: Actor) -> bool:
    return actor.role is Role.city or (actor.role is Role.reviewer and actor.district == CITY_DIVISION)


def _reads_all(actor: Actor) -> bool:
    return _city_reviewer(actor) or actor.role is Role.auditor


def open_round(session: Session, actor: Actor, body: dict, calendar: WorkCalendar, rectify_workdays: int,
               checklist: list[dict] | None, districts: frozenset[str], now: datetime | None = None) -> dict:
    if actor.role is not Role.city:
        raise Forbidden("the city bureau opens review rounds")
    now = now or datetime.now(UTC)
    period_from, period_to = body["period_from"], body["period_to"]
    if period_to < period_from:
        raise InvalidData("period_to is before period_from", fields=["period_to"])
    chosen = body.get("case_ids") or []
    wanted = sorted(set(body.get("districts") or districts))
    if unknown := [d for d in wanted if d not in districts]:
        raise InvalidData(f"unknown district(s): {', '.join(unknown)}", fields=["districts"])
    round_id = str(uuid.uuid4())
    if chosen:
        cases = session.execute(select(Case.id, Case.district, Case.state).where(Case.id.in_(chosen))).all()
        if len(cases) != len(set(chosen)):
            raise InvalidData("some chosen cases do not exist", fields=["case_ids"])
        if open_ := [c.id for c in cases if c.state not in FINAL_STATES]:
            raise GuardFailed(f"only closed cases are reviewed: {', '.join(open_)}")
        sample = [(c.id, c.district) for c in cases]
    else:
        size = body.get("sample_size") or 3
        start = datetime.combine(period_from, time(), CHINA_TZ)
        end = datetime.combine(period_to, time.max, CHINA_TZ)
        rows = session.execute(select(Case.id, Case.district).where(
            Case.district.in_(wanted), Case.state.in_(sorted(FINAL_STATES)), Case.closed_at >= start,
            Case.closed_at <= end).order_by(Case.district, Case.id)).all()
        rng = random.Random(round_id)  # the draw is recorded in the round's first event
        sample = []
        for district in wanted:
            pool = [(r.id, r.district) for r in rows if r.district == district]
            sample += rng.sample(pool, min(size, len(pool)))
    today = now.astimezone(CHINA_TZ).date()
    head = ReviewRound(id=round_id, title=body["title"], period_from=period_from, period_to=period_to,
                       districts=wanted, checklist=checklist_of(checklist), state="open",
                       rectify_due=calendar.add_workdays(today, rectify_workdays), created_by=actor.id,
                       created_at=now, updated_at=now, version=0, head_hash=None)
    session.add(head)
    for case_id, district in sample:
        session.add(ReviewedCase(round_id=round_id, case_id=case_id, district=district))
    append_to_stream(session, head, "review_round", "open", "open", actor.id, now, data={
        "title": head.title, "period_from": period_from.isoformat(), "period_to": period_to.isoformat(),
        "districts": wanted, "checklist": head.checklist, "rectify_due": head.rectify_due.isoformat(),
        "cases": [case_id for case_id, _ in sample]})
    session.flush()
    return round_json(session, actor, head, now)


def _round(session: Session, round_id: str, *, lock: bool = False) -> ReviewRound:
    query = select(ReviewRound).where(ReviewRound.id == round_id)
    head = session.scalar(query.with_for_update() if lock else query)
    if head is None:
        raise NotFound("no such review round")
    return head


def _item(session: Session, head: ReviewRound, case_id: str) -> ReviewedCase:
    item = session.get(ReviewedCase, (head.id, case_id))
    if item is None:
        raise NotFound("this case is not in the round")
    return item


def score(session: Session, actor: Actor, round_id: str, case_id: str, deductions: list[dict],
          now: datetime | None = None) -> dict:
    if not _city_reviewer(actor):
        raise Forbidden("the city's reviewers score case files")
    now = now or datetime.now(UTC)
    head = _round(session, round_id, lock=True)
    if head.state != "open":
        raise GuardFailed("the round is closed")
    item = _item(session, head, case_id)
    points = {i["item"]: i["points"] for i in head.checklist}
    seen: set[str] = set()
    for d in deductions:
        if d["item"] not in points:
            raise InvalidData(f"unknown checklist item {d['item']!r}", fields=["deductions"])
        if d["item"] in seen or not 0 <= d["points"] <= points[d["item"]]:
            raise InvalidData(f"{d['item']}: once, 0 to {points[d['item']]} points", fields=["deductions"])
        if d["points"] and not (d.get("comment") or "").strip():
            raise InvalidData(f"{d['item']}: a deduction needs a comment", fields=["deductions"])
        seen.add(d["item"])
    item.deductions = deductions
    item.score = sum(points.values()) - sum(d["points"] for d in deductions)
    item.reviewed_by, item.reviewed_at = actor.id, now
    append_to_stream(session, head, "review_round", "score", head.state, actor.id, now,
                     data={"case_id": case_id, "deductions": deductions, "score": item.score})
    session.flush()
    return item_json(item, head, now)


def rectify(session: Session, actor: Actor, round_id: str, case_id: str, text: str,
            now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    head = _round(session, round_id, lock=True)
    item = _item(session, head, case_id)
    if actor.role is not Role.supervisor or actor.district != item.district:
        raise Forbidden("the supervisor of the case's district answers its review")
    if head.state != "open":
        raise GuardFailed("the round is closed")
    if item.score is None:
        raise GuardFailed("the case file has not been scored yet")
    item.rectification, item.rectified_at = text, now
    append_to_stream(session, head, "review_round", "rectify", head.state, actor.id, now,
                     data={"case_id": case_id, "rectification": text,
                           "late": now.astimezone(CHINA_TZ).date() > head.rectify_due})
    session.flush()
    return item_json(item, head, now)


def close_round(session: Session, actor: Actor, round_id: str, now: datetime | None = None) -> dict:
    if actor.role is not Role.city:
        raise Forbidden("the city bureau closes review rounds")
    now = now or datetime.now(UTC)
    head = _round(session, round_id, lock=True)
    if head.state != "open":
        raise GuardFailed("the round is already closed")
    unscored = session.scalars(select(ReviewedCase.case_id).where(ReviewedCase.round_id == round_id,
                                                                  ReviewedCase.score.is_(None))).all()
    if unscored:
        raise GuardFailed(f"{len(unscored)} sampled case file(s) not scored yet", cases=list(unscored))
    append_to_stream(session, head, "review_round", "close", "closed", actor.id, now)
    session.flush()
    return round_json(session, actor, head, now)


def item_json(item: ReviewedCase, head: ReviewRound, now: datetime) -> dict:
    overdue = item.rectification is None and item.score is not None and \
        now.astimezone(CHINA_TZ).date() > head.rectify_due
    return {"case_id": item.case_id, "district": item.district, "score": item.score,
            "deductions": item.deductions or [], "reviewed_by": item.reviewed_by,
            "rectification": item.rectification, "rectified": item.rectification is not None,
            "rectification_overdue": overdue}


def _visible_items(session: Session, actor: Actor, head: ReviewRound) -> list[ReviewedCase]:
    query = select(ReviewedCase).where(ReviewedCase.round_id == head.id).order_by(ReviewedCase.district,
                                                                                   ReviewedCase.case_id)
    if not _reads_all(actor):
        if actor.role not in (Role.officer, Role.supervisor):
            raise NotFound("no such review round")
        query = query.where(ReviewedCase.district == actor.district)  # a district sees its own results
    return list(session.scalars(query))


def round_json(session: Session, actor: Actor, head: ReviewRound, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    return {"id": head.id, "title": head.title, "period_from": head.period_from.isoformat(),
            "period_to": head.period_to.isoformat(), "districts": head.districts, "checklist": head.checklist,
            "rectify_due": head.rectify_due.isoformat(), "state": head.state, "version": head.version,
            "cases": [item_json(i, head, now) for i in _visible_items(session, actor, head)]}


def get_round(session: Session, actor: Actor, round_id: str) -> dict:
    return round_json(session, actor, _round(session, round_id), datetime.now(UTC))


def results(session: Session, actor: Actor, round_id: str) -> dict:
    """Per district (cases, scored, average score, rectified, overdue) and per checklist item
    (points deducted, files deducted), over what the caller may see."""
    head = _round(session, round_id)
    now = datetime.now(UTC)
    items = [item_json(i, head, now) for i in _visible_items(session, actor, head)]
    by_district: dict[str, dict] = {}
    for i in items:
        d = by_district.setdefault(i["district"], {"district": i["district"], "cases": 0, "scored": 0,
                                                   "average_score": None, "rectified": 0, "overdue": 0, "_sum": 0})
        d["cases"] += 1
        if i["score"] is not None:
            d["scored"] += 1
            d["_sum"] += i["score"]
        d["rectified"] += i["rectified"]
        d["overdue"] += i["rectification_overdue"]
    for d in by_district.values():
        total = d.pop("_sum")
        d["average_score"] = round(total / d["scored"], 1) if d["scored"] else None
    by_item = {c["item"]: {"item": c["item"], "label": c["label"], "points": c["points"], "deducted": 0,
                           "files": 0} for c in head.checklist}
    for i in items:
        for d in i["deductions"]:
            if d["points"]:
                by_item[d["item"]]["deducted"] += d["points"]
                by_item[d["item"]]["files"] += 1
    return {"round_id": head.id, "title": head.title, "state": head.state,
            "districts": sorted(by_district.values(), key=lambda d: d["district"]),
            "items": list(by_item.values()), "cases": items}


def results_xlsx(data: dict) -> bytes:
    """The results as XLSX through the one formula-safe writer (`notifications.report_files`): district
    codes and case ids stay text, only points and counts are numbers."""
    by_district = Table("按地区", data["title"], [("district", "地区"), ("cases", "抽查案卷"), ("scored", "已评"),
                                                 ("average_score", "平均分"), ("rectified", "已整改"),
                                                 ("overdue", "整改逾期")], data["districts"],
                        numeric=frozenset({"cases", "scored", "average_score", "rectified", "overdue"}))
    by_item = Table("按评查项目", data["title"], [("item", "项目"), ("label", "名称"), ("points", "分值"),
                                                 ("deducted", "扣分合计"), ("files", "扣分案卷数")], data["items"],
                    numeric=frozenset({"points", "deducted", "files"}))
    cases = Table("案卷", data["title"], [("case_id", "案件"), ("district", "地区"), ("score", "得分"),
                                         ("rectified", "已整改"), ("overdue", "整改逾期")],
                  [{"case_id": c["case_id"], "district": c["district"], "score": c["score"],
                    "rectified": "是" if c["rectified"] else "否",
                    "overdue": "是" if c["rectification_overdue"] else "否"} for c in data["cases"]],
                  numeric=frozenset({"score"}))
    by_district.sections = [by_item, cases]
    return to_xlsx(by_district)

