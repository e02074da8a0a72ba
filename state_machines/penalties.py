"""What a sanction is, and when one is heavier than another (SPEC §10.3), as small pure functions.

A `Sanction` is the comparable part of an investigation's proposal, a review's proposal, a
penalty notice, a collective discussion's conclusion and a decision: fine, confiscation
(illegal gains plus illegal property, yuan) and measures. Facts store it as JSON with amounts
as decimal strings, so `from_json` reads any of those shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

MEASURE_LABELS: dict[str, str] = {
    "warning": "警告",
    "order_to_stop": "责令停止违法行为",
    "destruction": "没收、销毁侵权商品和工具",
    "suspension": "责令停产停业",
    "closure": "责令关闭",
    "practice_restriction": "限制从业",
    "downgrade": "降低资质等级",
    "revocation": "吊销许可证件/营业执照",
}
MEASURES: tuple[str, ...] = tuple(MEASURE_LABELS)

NOT_A_PENALTY: frozenset[str] = frozenset({"order_to_stop"})
"""责令停止违法行为 is a corrective order, not a penalty (行政处罚法 art. 9, 28)."""

HEARING_MEASURES: frozenset[str] = frozenset({"suspension", "closure", "practice_restriction", "downgrade",
                                              "revocation"})
"""Measures that carry a hearing right whatever the amounts (市场监督管理行政处罚听证办法 art. 5)."""

ZERO = Decimal(0)


@dataclass(frozen=True)
class Sanction:
    fine: Decimal = ZERO
    confiscation: Decimal = ZERO
    measures: frozenset[str] = frozenset()

    @classmethod
    def of(cls, fine: object = None, confiscation: object = None, measures: Iterable[str] | None = None) -> Sanction:
        return cls(Decimal(str(fine)) if fine not in (None, "") else ZERO,
                   Decimal(str(confiscation)) if confiscation not in (None, "") else ZERO,
                   frozenset(measures or ()))

    @classmethod
    def from_json(cls, raw: Mapping | None, prefix: str = "") -> Sanction:
        """Read `{fine, confiscation, measures}`; with `prefix="proposed_"` a notice's fields."""
        raw = raw or {}
        return cls.of(raw.get(f"{prefix}fine"), raw.get(f"{prefix}confiscation"), raw.get(f"{prefix}measures"))

    def to_json(self) -> dict:
        return {"fine": f"{self.fine:.2f}", "confiscation": f"{self.confiscation:.2f}",
                "measures": sorted(self.measures)}

    @property
    def penalty_measures(self) -> frozenset[str]:
        return self.measures - NOT_A_PENALTY


def is_penalty(s: Sanction) -> bool:
    """A penalty: fine > 0, confiscation > 0, or a measure other than `order_to_stop` (art. 9)."""
    return s.fine > 0 or s.confiscation > 0 or bool(s.penalty_measures)


def not_heavier(a: Sanction, b: Sanction) -> bool:
    """A is not heavier than B: each amount ≤ and its measures ⊆ (order_to_stop ignored). Partial order."""
    return a.fine <= b.fine and a.confiscation <= b.confiscation and a.penalty_measures <= b.penalty_measures


def heavier(a: Sanction, b: Sanction) -> bool:
    return not not_heavier(a, b)


def carries_hearing_right(s: Sanction, respondent_type: str, individual_threshold: Decimal,
                          organisation_threshold: Decimal) -> bool:
    """听证办法 art. 5: a fine or a confiscation reaching the threshold of the respondent's type, or a
    heavy measure. `individual` → 自然人 amounts; anything else (organisations, 个体工商户 with a
    credit code) → 法人或者其他组织 amounts (SPEC §10.9)."""
    threshold = individual_threshold if respondent_type == "individual" else organisation_threshold
    return s.fine >= threshold or s.confiscation >= threshold or bool(s.measures & HEARING_MEASURES)


def within_limitation(violation_ended_on: date | None, discovered_on: date, public_safety: bool,
                      add_months) -> bool:
    """行政处罚法 art. 36: 2 years (24 months by §4), 5 years when life, health, safety or financial
    security was harmed; `add_months(start, n)` is the calendar's month arithmetic (not rolled).
    An unknown end of the violation does not bar the case."""
    if violation_ended_on is None:
        return True
    return add_months(violation_ended_on, 60 if public_safety else 24) >= discovered_on


SURCHARGE_RATE = Decimal("0.03")
ONE_DAY = timedelta(days=1)


def surcharge(fine: Decimal, due: date | None, today: date, paid_on: date | None = None,
              pauses: Iterable[tuple[date, date | None]] = ()) -> Decimal:
    """加处罚款 (行政处罚法 art. 72): 3 % of the fine per day unpaid after `due`, capped at the fine.

    Days from the day after `due` through `paid_on` (or today) are counted, except days inside
    `pauses` (administrative review or litigation, art. 73 ¶3), each `(from, until)`: `from` is
    the first day paused, `until` the day it ended, itself counted again (None: still running).
    """
    if due is None or fine <= 0:
        return ZERO
    end = paid_on if paid_on is not None else today
    if end <= due:
        return ZERO
    days = (end - due).days
    for start, until in pauses:
        last = min(until - ONE_DAY, end) if until is not None else end
        first = max(start, due + ONE_DAY)
        if last >= first:
            days -= (last - first).days + 1
    return min(fine, (fine * SURCHARGE_RATE * max(days, 0)).quantize(Decimal("0.01")))
