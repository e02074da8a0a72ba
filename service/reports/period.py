"""The reporting calendar's dates (SPEC §12, the seed): the statistical month, its deadline, the
action plan's and the summaries' due dates. Pure date arithmetic over the settings' text, so the
reports, the submissions, the reminders and the assessment all count the same days.

`IPCASE_STAT_MONTH`: `calendar` or `ending:D`. With `ending:20` the month "2026-03" is
2026-02-21..2026-03-20 and "2027-01" is 2026-12-21..2027-01-20 (a December case after the 20th
counts in January, and in the new year's totals).
`IPCASE_STAT_DUE`: `day:N` (the first Nth after the period's end) or `after:N` days.
"""

from __future__ import annotations

from datetime import date, timedelta

from service.core.config import get_settings


def _parse(text: str, kinds: tuple[str, ...], low: int, high: int) -> tuple[str, int]:
    kind, _, number = text.strip().partition(":")
    if kind not in kinds or not number.isdigit() or not low <= int(number) <= high:
        raise ValueError(f"{text!r}: expected one of {'/'.join(k + ':N' for k in kinds)} with N in {low}..{high}")
    return kind, int(number)


def ending_day(rule: str | None = None) -> int | None:
    """None for calendar months, else the day of the month a statistical month ends on (1..28)."""
    rule = (rule if rule is not None else get_settings().stat_month).strip()
    if rule == "calendar":
        return None
    return _parse(rule, ("ending",), 1, 28)[1]


def _first_of_next(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def bounds(month: str, rule: str | None = None) -> tuple[date, date]:
    """First and last day (inclusive) of the statistical month `YYYY-MM`."""
    first = date.fromisoformat(month + "-01")
    end_day = ending_day(rule)
    if end_day is None:
        return first, _first_of_next(first) - timedelta(days=1)
    previous = (first - timedelta(days=1)).replace(day=end_day)
    return previous + timedelta(days=1), first.replace(day=end_day)


def month_of(day: date, rule: str | None = None) -> str:
    """The statistical month a day belongs to."""
    end_day = ending_day(rule)
    if end_day is not None and day.day > end_day:
        day = _first_of_next(day)
    return f"{day:%Y-%m}"


def shift(month: str, by: int) -> str:
    year, number = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + by, 12)
    return f"{year:04d}-{number + 1:02d}"


def due(month: str, rule: str | None = None, due_rule: str | None = None) -> date:
    """The day month `month` is due: submitted on it or before is on time."""
    end = bounds(month, rule)[1]
    kind, number = _parse(due_rule if due_rule is not None else get_settings().stat_due, ("day", "after"), 1, 31)
    if kind == "after":
        return end + timedelta(days=number)
    if not 1 <= number <= 28:
        raise ValueError("day:N needs N in 1..28")
    day = end + timedelta(days=1)
    while day.day != number:
        day += timedelta(days=1)
    return day


def year_start(year: int, rule: str | None = None) -> date:
    """The first day of the statistical year: that of its January (year-to-date totals count from it)."""
    return bounds(f"{year:04d}-01", rule)[0]


def yearly_due(year: int, month_day: str) -> date:
    """`MM-DD` of `year` (action plan 03-26, summaries 06-20 and 11-28)."""
    return date.fromisoformat(f"{year:04d}-{month_day}")


def summary_due(year: int, period: str) -> date:
    settings = get_settings()
    return yearly_due(year, settings.summary_midyear_due if period == "midyear" else settings.summary_annual_due)


def action_plan_due(year: int) -> date:
    return yearly_due(year, get_settings().action_plan_due)
