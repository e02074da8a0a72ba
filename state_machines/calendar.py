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
configured holiday file (`parse_holiday_file`); for a year neither knows, Monday to Friday,
and every answer touching it is marked `provisional`.

Holiday file format (UTF-8 text, one entry per line, `#` starts a comment):

    # year 2027, from the State Council's notice (国务院办公厅关于2027年部分节假日安排的通知)
    year 2027
    2027-01-01 holiday 元旦
    2027-02-06..2027-02-12 holiday 春节
    2027-02-14 workday 春节调休

`year Y` declares that the file knows year Y completely (dates of a year not declared are
refused); a `holiday` is a rest day even on a weekday, a `workday` a working day even on a
weekend; anything after the kind is a free-text label. A file that breaks any rule is refused
with the number of the line that is wrong.
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
    _known: dict[date, bool] = field(default_factory=dict, repr=False, compare=False)

    def kind_of(self, day: date) -> CalendarKind:
        if day.year in self._official_years:
            return CalendarKind.official
        if day.year in self.configured:
            return CalendarKind.configured
        return CalendarKind.provisional

    def is_workday(self, day: date) -> bool:
        """Memoised per day: every case read asks it for each running clock, and
        `chinese_calendar.is_workday` validates its argument on every call."""
        known = self._known.get(day)
        if known is None:
            known = self._known[day] = self._lookup(day)
        return known

    def _lookup(self, day: date) -> bool:
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


class HolidayFileError(ValueError):
    def __init__(self, line_no: int, line: str, problem: str) -> None:
        super().__init__(f"holiday file line {line_no}: {problem}: {line.strip()!r}")
        self.line_no = line_no


def _parse_day(text: str) -> date:
    return date.fromisoformat(text)


def parse_holiday_file(text: str) -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    """Parse the holiday file format above into `WorkCalendar.configured`."""
    years: dict[int, tuple[set[date], set[date]]] = {}
    seen: dict[date, int] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        words = content.split()
        if words[0] == "year":
            if len(words) != 2 or not words[1].isdigit() or not 1900 < int(words[1]) < 2200:
                raise HolidayFileError(line_no, line, "expected `year YYYY`")
            years.setdefault(int(words[1]), (set(), set()))
            continue
        if len(words) < 2 or words[1] not in ("holiday", "workday"):
            raise HolidayFileError(line_no, line, "expected `YYYY-MM-DD[..YYYY-MM-DD] holiday|workday [label]`")
        first_text, _, last_text = words[0].partition("..")
        try:
            first = _parse_day(first_text)
            last = _parse_day(last_text) if last_text else first
        except ValueError:
            raise HolidayFileError(line_no, line, "not a date (YYYY-MM-DD)") from None
        if last < first or (last - first).days > 31:
            raise HolidayFileError(line_no, line, "a range runs forward and spans at most 31 days")
        day = first
        while day <= last:
            if day.year not in years:
                raise HolidayFileError(line_no, line, f"year {day.year} is not declared by a `year` line above")
            if day in seen:
                raise HolidayFileError(line_no, line, f"{day} is already listed on line {seen[day]}")
            seen[day] = line_no
            holidays, workdays = years[day.year]
            (holidays if words[1] == "holiday" else workdays).add(day)
            day += timedelta(days=1)
    return {year: (frozenset(h), frozenset(w)) for year, (h, w) in years.items()}


def _official_years() -> frozenset[int]:
    holidays = chinese_calendar.constants.holidays
    return frozenset(d.year for d in holidays)
