"""Working days and period arithmetic for statutory clocks (SPEC §4).

Counting rule implemented here, with its sources:
- The day a period starts is not counted (民法典 art. 201; 民事诉讼法 art. 85 ¶2).
- A period in working days counts the days the official calendar marks as working days,
  make-up working days (调休) included.
- A period in days ends N days after the start; a period in months ends on the same-numbered
  day of the last month, or that month's last day when it has no such day (民法典 art. 202).
- A period in days or months whose last day is a rest day ends on the next working day
  (民法典 art. 203; 民事诉讼法 art. 85 ¶3; 行政处罚法 art. 85). Binding for the civil-procedure
  clocks, applied to the others by default (`roll=True`).

Which days are working days: `chinese-calendar` for the years it ships; for later years a
configured table of holidays and make-up days (see `WorkCalendar.configured`); for a year
neither knows, Monday to Friday, and every answer touching it is marked `provisional`.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

import chinese_calendar


class CalendarKind(StrEnum):
    official = "official"
    configured = "configured"
    provisional = "provisional"


@dataclass
class WorkCalendar:
    """A working-day calendar; `configured` maps a year to (holidays, make-up working days)."""

    configured: dict[int, tuple[frozenset[date], frozenset[date]]] = field(default_factory=dict)
    _official_years: frozenset[int] = field(default_factory=lambda: _official_years())

    def kind_of(self, day: date) -> CalendarKind:
        if day.year in self._official_years:
            return CalendarKind.official
        if day.year in self.configured:
            return CalendarKind.configured
        return CalendarKind.provisional

    def is_workday(self, day: date) -> bool:
        kind = self.kind_of(day)
        if kind is CalendarKind.official:
            return chinese_calendar.is_workday(day)
        if kind is CalendarKind.configured:
            holidays, workdays = self.configured[day.year]
            if day in workdays:
                return True
            if day in holidays:
                return False
        return day.weekday() < 5

    def worst_kind(self, days: Iterable[date]) -> CalendarKind:
        """The least certain calendar any of `days` came from (provisional < configured < official)."""
        order = [CalendarKind.provisional, CalendarKind.configured, CalendarKind.official]
        kinds = {self.kind_of(d) for d in days}
        return next((k for k in order if k in kinds), CalendarKind.official)

    def next_workday_on_or_after(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself not counted); n=0 gives start."""
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def workdays_between(self, after: date, until: date) -> int:
        """Working days in (after, until]: what a working-day clock used or paused."""
        count, day = 0, after
        while day < until:
            day += timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return count

    def add_days(self, start: date, n: int, roll: bool = True) -> date:
        end = start + timedelta(days=n)
        return self.next_workday_on_or_after(end) if roll else end

    def add_months(self, start: date, n: int, roll: bool = True) -> date:
        month_index = start.month - 1 + n
        year, month = start.year + month_index // 12, month_index % 12 + 1
        last = _stdlib_calendar.monthrange(year, month)[1]
        end = date(year, month, min(start.day, last))
        return self.next_workday_on_or_after(end) if roll else end


def _official_years() -> frozenset[int]:
    holidays = chinese_calendar.constants.holidays
    return frozenset(d.year for d in holidays)
