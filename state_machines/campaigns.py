"""Campaigns and inspections (专项行动, SPEC §12): the rules that need no database.

A campaign has a kind, a period, the districts taking part, a plan, phases where its kind has
them (an exhibition: 展前排查, 展中巡查, 展后追查) and targets. Here: which kind needs what, whether
phases lie in the period and in order, which phase and period an inspection's date falls in,
and whether a district met its targets (per month for inspections of listed GI products, the
share of sampling, the number of distinct stores whose authorisation was checked).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .errors import InvalidData

KINDS: dict[str, str] = {
    "blue_sky": "蓝天专项行动",
    "special_symbol": "特殊标志保护",
    "holiday": "节日节点专项行动",
    "exhibition": "展会知识产权保护",
    "gi": "地理标志专项检查",
    "ecommerce": "电商平台授权信息抽查",
    "model_market": "知识产权保护规范化市场",
    "other": "其他",
}

HOLIDAYS: dict[str, str] = {
    "spring_festival": "春节", "may_day": "五一", "mid_autumn": "中秋", "national_day": "国庆",
    "new_year": "元旦",
}

PHASES: dict[str, str] = {"before": "展前排查", "during": "展中巡查", "after": "展后追查"}
"""An exhibition's phases, in their order."""

METHODS: dict[str, str] = {"on_site": "现场检查", "online": "网络检查", "sampling": "抽样检查"}
RESULTS: dict[str, str] = {"compliant": "未发现问题", "problem_found": "发现问题", "referred": "移交处理"}
FINDING_RESULTS = frozenset({"problem_found", "referred"})
"""Results that are findings: only these may open a case."""

GI_CATEGORIES: dict[str, str] = {
    "protected_product": "地理标志保护产品", "collective_mark": "集体商标", "certification_mark": "证明商标",
}
REGISTER_KINDS: dict[str, str] = {"gi_product": "地理标志产品", "platform": "电商平台", "store": "网店",
                                  "market": "市场"}
MARKET_STATUSES: dict[str, str] = {"none": "未参与", "cultivating": "培育中", "model": "知识产权保护规范化市场",
                                   "revoked": "已撤销"}

TARGETS_BY_KIND: dict[str, frozenset[str]] = {
    "gi": frozenset({"inspections", "inspections_per_month", "sampling_ratio"}),
    "ecommerce": frozenset({"inspections", "stores_checked"}),
}
"""Targets a kind may set; every kind may set a plain number of `inspections`."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end


def check_campaign(kind: str, period: Period, phases: dict[str, Period] | None, targets: dict,
                   plan: dict | None, holiday: str | None) -> None:
    """Refuse (422, naming the fields) a campaign whose parts do not fit its kind or its period."""
    if period.end < period.start:
        raise InvalidData("the period ends before it starts", fields=["period"])
    if kind == "exhibition":
        if not phases or set(phases) != set(PHASES):
            raise InvalidData("an exhibition has the phases before, during and after", fields=["phases"])
        previous: Period | None = None
        for name in PHASES:
            phase = phases[name]
            if phase.end < phase.start:
                raise InvalidData(f"phase {name} ends before it starts", fields=[f"phases.{name}"])
            if not (period.holds(phase.start) and period.holds(phase.end)):
                raise InvalidData(f"phase {name} lies outside the period", fields=[f"phases.{name}"])
            if previous is not None and phase.start <= previous.end:
                raise InvalidData(f"phase {name} must start after the previous phase ends",
                                  fields=[f"phases.{name}"])
            previous = phase
    elif phases:
        raise InvalidData(f"a campaign of kind {kind} has no phases", fields=["phases"])
    allowed = TARGETS_BY_KIND.get(kind, frozenset()) | {"inspections"}
    extra = sorted(set(targets) - allowed)
    if extra:
        raise InvalidData(f"kind {kind} sets no target {', '.join(extra)}", fields=[f"targets.{n}" for n in extra])
    if kind == "holiday":
        if holiday is None:
            raise InvalidData("a holiday campaign names its node (holiday)", fields=["holiday"])
        if not plan or not plan.get("text") or not plan.get("emergency_contact"):
            raise InvalidData("a holiday campaign has its 工作预案 (plan.text) and an emergency contact "
                              "(plan.emergency_contact)", fields=["plan"])
    elif holiday is not None:
        raise InvalidData("only a holiday campaign names a holiday node", fields=["holiday"])


def check_inspection_day(day: date, period: Period, phases: dict[str, Period] | None, phase: str | None,
                         today: date) -> None:
    """The inspection's date lies in the campaign's period, and in its phase where the kind has phases."""
    if day > today:
        raise InvalidData("an inspection is recorded after it took place", fields=["date"])
    if not period.holds(day):
        raise InvalidData(f"the date lies outside the campaign's period {period.start} – {period.end}",
                          fields=["date"])
    if phases:
        if phase is None:
            raise InvalidData("name the phase of the exhibition (before, during, after)", fields=["phase"])
        if not phases[phase].holds(day):
            raise InvalidData(f"the date lies outside the phase {phase} "
                              f"({phases[phase].start} – {phases[phase].end})", fields=["date", "phase"])
    elif phase is not None:
        raise InvalidData("this campaign has no phases", fields=["phase"])


@dataclass(frozen=True)
class InspectionFact:
    """What target arithmetic reads of one inspection."""

    day: date
    method: str
    result: str
    listed_product: bool
    store_id: str | None


def months_of(period: Period) -> list[tuple[int, int]]:
    out, (y, m) = [], (period.start.year, period.start.month)
    while (y, m) <= (period.end.year, period.end.month):
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _month_end(year: int, month: int) -> date:
    first_next = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date.fromordinal(first_next.toordinal() - 1)


def _status(done: float, target: float, over: bool) -> str:
    """`met` once reached; `missed` when the time is over without it; `open` while it may still be met."""
    if done >= target:
        return "met"
    return "missed" if over else "open"


def evaluate_targets(targets: dict, period: Period, inspections: Iterable[InspectionFact], today: date) -> dict:
    """Each target of one district: what it asks, what was done, and `met` / `missed` / `open`.

    `inspections_per_month` counts the inspections of listed GI products in each calendar month
    of the period; a month is missed once it has ended below the target. `sampling_ratio` is the
    share of sampling among all the district's inspections, judged at the period's end.
    """
    facts = list(inspections)
    over = today > period.end
    out: dict[str, dict] = {}
    if "inspections" in targets:
        out["inspections"] = {"target": targets["inspections"], "done": len(facts),
                              "status": _status(len(facts), targets["inspections"], over)}
    if "inspections_per_month" in targets:
        n = targets["inspections_per_month"]
        months = []
        for year, month in months_of(period):
            done = sum(1 for f in facts if f.listed_product and (f.day.year, f.day.month) == (year, month))
            ended = today > min(_month_end(year, month), period.end)
            months.append({"month": f"{year:04d}-{month:02d}", "target": n, "done": done,
                           "status": _status(done, n, ended)})
        statuses = {m["status"] for m in months}
        overall = "missed" if "missed" in statuses else "open" if "open" in statuses else "met"
        out["inspections_per_month"] = {"target": n, "months": months, "status": overall}
    if "sampling_ratio" in targets:
        ratio = Decimal(str(targets["sampling_ratio"]))
        sampled = sum(1 for f in facts if f.method == "sampling")
        share = (Decimal(sampled) / Decimal(len(facts))) if facts else Decimal(0)
        status = "met" if facts and share >= ratio else "missed" if over else "open"
        out["sampling_ratio"] = {"target": str(ratio), "done": f"{share:.4f}", "sampled": sampled,
                                 "inspections": len(facts), "status": status}
    if "stores_checked" in targets:
        stores = {f.store_id for f in facts if f.store_id}
        out["stores_checked"] = {"target": targets["stores_checked"], "done": len(stores),
                                 "status": _status(len(stores), targets["stores_checked"], over)}
    return out
