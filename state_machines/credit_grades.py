"""Risk grades A–D of a party (信用风险分级, SPEC §11) from a rules file.

The default file, `credit_rules/risk-grades.toml`, states SPEC's rule: `D` on the list, `C` a
penalty within 2 years, `B` any earlier penalty, `A` none. Another file of the same shape
(`IPCASE_CREDIT_RULES_FILE`) replaces it; a bad file stops the start with what is wrong.
"""

from __future__ import annotations

import calendar as _calendar
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

GRADES = ("A", "B", "C", "D")
CONDITIONS = ("listed", "penalties_within", "penalties_any", "open_cases_elsewhere")
DEFAULT_FILE = Path(__file__).parent / "credit_rules" / "risk-grades.toml"


class GradeRulesError(ValueError):
    pass


@dataclass(frozen=True)
class GradeRule:
    grade: str
    when: str
    code: str
    text: str
    count: int = 1
    months: int | None = None


@dataclass(frozen=True)
class GradeRules:
    rules: tuple[GradeRule, ...]
    default: str = "A"


@dataclass(slots=True)  # not frozen: built for every case shown, and a frozen init costs twice as much
class GradeFacts:
    """What the grade of a party on `as_of` reads."""

    as_of: date
    listed: bool
    penalty_days: tuple[date, ...]  # days of the party's standing penalty decisions on or before as_of
    open_cases_elsewhere: int = 0


def parse(text: str) -> GradeRules:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise GradeRulesError(f"risk rules file: {exc}") from None
    default = raw.get("default", "A")
    if default not in GRADES:
        raise GradeRulesError(f"risk rules file: default {default!r} is not one of {GRADES}")
    rules = []
    for n, item in enumerate(raw.get("rule", []), start=1):
        if item.get("grade") not in GRADES or item.get("when") not in CONDITIONS:
            raise GradeRulesError(f"risk rules file: rule {n} needs grade in {GRADES} and when in {CONDITIONS}")
        if item["when"] == "penalties_within" and not isinstance(item.get("months"), int):
            raise GradeRulesError(f"risk rules file: rule {n} (penalties_within) needs months")
        rules.append(GradeRule(grade=item["grade"], when=item["when"], code=str(item.get("code") or item["when"]),
                               text=str(item.get("text") or ""), count=int(item.get("count", 1)),
                               months=item.get("months")))
    return GradeRules(tuple(rules), default)


@lru_cache
def load(path: str | None = None) -> GradeRules:
    return parse(Path(path or DEFAULT_FILE).read_text(encoding="utf-8"))


def default_rules() -> GradeRules:
    return load(None)


@lru_cache(maxsize=4096)
def months_before(day: date, months: int) -> date:
    """`day` less whole months, the end of a shorter month kept (§4 month arithmetic, not rolled)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


def _matches(rule: GradeRule, facts: GradeFacts) -> bool:
    if rule.when == "listed":
        return facts.listed
    if rule.when == "open_cases_elsewhere":
        return facts.open_cases_elsewhere >= rule.count
    if rule.when == "penalties_any":
        return sum(1 for d in facts.penalty_days if d <= facts.as_of) >= rule.count
    since = months_before(facts.as_of, rule.months or 0)
    return sum(1 for d in facts.penalty_days if since <= d <= facts.as_of) >= rule.count


def grade(facts: GradeFacts, rules: GradeRules) -> tuple[str, list[dict]]:
    """The grade and the reasons: every matching rule, in the file's order.

    Read for every case shown (its `risk`): a party with nothing on record, most of them, costs
    one test; the rest a pass over their few penalty days per rule."""
    if not (facts.listed or facts.penalty_days or facts.open_cases_elsewhere):
        return rules.default, []
    matched = [r for r in rules.rules if _matches(r, facts)]
    reasons = [{"code": r.code, "grade": r.grade, "text": r.text} for r in matched]
    return (matched[0].grade if matched else rules.default), reasons


def penalty_days(days: Iterable[date | None]) -> tuple[date, ...]:
    return tuple(sorted(d for d in days if d is not None))
