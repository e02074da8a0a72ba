"""Hand-computed deadlines across the 2024–2026 holidays, and the holiday file.

Each row was counted by hand on the State Council's holiday notices (国务院办公厅关于2024年/2025年/
2026年部分节假日安排的通知); the comment shows the count. "wd" = working days, the start day not
counted (民法典 art. 201); day and month periods ending on a rest day roll to the next working day
(民法典 art. 203, 民事诉讼法 art. 85).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from state_machines.calendar import CalendarKind, HolidayFileError, WorkCalendar, parse_holiday_file
from state_machines.clocks import Period, Unit

WD, D, M = Unit.workdays, Unit.days, Unit.months
EXAMPLE_2027 = Path(__file__).parents[2] / "state_machines" / "calendars" / "example-2027.txt"

TABLE = [
    # start, period, due, calendar
    # 1. filing_decision 15 wd from Fri 26 Sep 2025: Sun 28 Sep (调休) 1, 29–30 →3, National Day 1–8 Oct off,
    #    9–10 →5, Sat 11 Oct (调休) 6, 13–17 →11, 20–23 →15.
    (date(2025, 9, 26), Period(WD, 15), date(2025, 10, 23), CalendarKind.official),
    # 2. acceptance_decision 5 wd from Thu 8 Feb 2024: 9 Feb 1, Spring Festival 10–17 off, Sun 18 Feb (调休) 2,
    #    19–21 →5.
    (date(2024, 2, 8), Period(WD, 5), date(2024, 2, 21), CalendarKind.official),
    # 3. 5 wd from Fri 2 Feb 2024: Sun 4 Feb (调休) 1, 5–8 →5.
    (date(2024, 2, 2), Period(WD, 5), date(2024, 2, 8), CalendarKind.official),
    # 4. 15 wd from Mon 20 Jan 2025: 21–24 →4, Sun 26 Jan (调休) 5, 27 Jan 6, Spring Festival 28 Jan–4 Feb off,
    #    5–7 Feb →9, Sat 8 Feb (调休) 10, 10–14 →15.
    (date(2025, 1, 20), Period(WD, 15), date(2025, 2, 14), CalendarKind.official),
    # 5. case_closing 90 days from 3 Jul 2024 = 1 Oct 2024, National Day (1–7 Oct) → Tue 8 Oct.
    (date(2024, 7, 3), Period(D, 90), date(2024, 10, 8), CalendarKind.official),
    # 6. ruling 3 months from 31 Jul 2025 = Fri 31 Oct 2025, a working day.
    (date(2025, 7, 31), Period(M, 3), date(2025, 10, 31), CalendarKind.official),
    # 7. ruling 3 months from 30 Nov 2025: no 30 Feb, so 28 Feb 2026, a Saturday made a working day (调休).
    (date(2025, 11, 30), Period(M, 3), date(2026, 2, 28), CalendarKind.official),
    # 8. confirmation_application 30 days from 1 Sep 2024 = 1 Oct, National Day → 8 Oct.
    (date(2024, 9, 1), Period(D, 30), date(2024, 10, 8), CalendarKind.official),
    # 9. fine_payment 15 days from 20 Jan 2025 = 4 Feb, last day of the Spring Festival → Wed 5 Feb.
    (date(2025, 1, 20), Period(D, 15), date(2025, 2, 5), CalendarKind.official),
    # 10. publication 20 wd from Mon 9 Feb 2026: 10–13 →4, Sat 14 Feb (调休) 5, Spring Festival 15–23 off,
    #     24–27 →9, Sat 28 Feb (调休) 10, 2–6 Mar →15, 9–13 Mar →20.
    (date(2026, 2, 9), Period(WD, 20), date(2026, 3, 13), CalendarKind.official),
    # 11. reconsideration_request 3 days from Thu 12 Sep 2024 = Sun 15 Sep, Mid-Autumn 15–17 → Wed 18 Sep.
    (date(2024, 9, 12), Period(D, 3), date(2024, 9, 18), CalendarKind.official),
    # 12. statement 5 wd from Fri 18 Sep 2026: Sun 20 Sep (调休) 1, 21–24 →5.
    (date(2026, 9, 18), Period(WD, 5), date(2026, 9, 24), CalendarKind.official),
    # 13. defence 15 days from 16 Sep 2026 = 1 Oct, National Day (1–7 Oct) → Thu 8 Oct.
    (date(2026, 9, 16), Period(D, 15), date(2026, 10, 8), CalendarKind.official),
    # 14. 1 month from 31 Jan 2024: 29 Feb 2024 (leap year), a Thursday.
    (date(2024, 1, 31), Period(M, 1), date(2024, 2, 29), CalendarKind.official),
    # 15. 5 wd from Thu 31 Dec 2026 with 2027 unknown: weekends only, 1 Jan 2027 counts: 1, 4–7 Jan →5.
    (date(2026, 12, 31), Period(WD, 5), date(2027, 1, 7), CalendarKind.provisional),
    # 16. 3 months from 30 Nov 2026 = Sun 28 Feb 2027, unknown year: weekend → Mon 1 Mar 2027.
    (date(2026, 11, 30), Period(M, 3), date(2027, 3, 1), CalendarKind.provisional),
]


@pytest.mark.parametrize(("start", "period", "due", "kind"), TABLE,
                         ids=[f"{i + 1}-{r[0]}+{r[1].amount}{r[1].unit}" for i, r in enumerate(TABLE)])
def test_hand_computed_deadlines(start: date, period: Period, due: date, kind: CalendarKind) -> None:
    calendar = WorkCalendar()
    assert period.add(calendar, start) == due
    assert calendar.worst_kind({start, due}) is kind


def test_a_configured_2027_file_replaces_the_provisional_count() -> None:
    calendar = WorkCalendar(configured=parse_holiday_file(EXAMPLE_2027.read_text(encoding="utf-8")))
    # 1 Jan 2027 is a configured holiday: 4–8 Jan →5.
    assert Period(WD, 5).add(calendar, date(2026, 12, 31)) == date(2027, 1, 8)
    assert calendar.worst_kind({date(2026, 12, 31), date(2027, 1, 8)}) is CalendarKind.configured
    # Spring Festival 6–12 Feb configured, Sun 14 Feb a make-up working day: from Thu 4 Feb, 5 Feb 1, 14 Feb 2.
    assert Period(WD, 2).add(calendar, date(2027, 2, 4)) == date(2027, 2, 14)
    # a 30-day period ending on 1 May 2027 (configured holiday 1–5 May) rolls to Thu 6 May.
    assert Period(D, 30).add(calendar, date(2027, 4, 1)) == date(2027, 5, 6)


@pytest.mark.parametrize(("text", "line"), [
    ("year 2027\n2027-13-01 holiday 元旦\n", 2),
    ("year 2027\n\n# comment\n2027-01-01 vacation\n", 4),
    ("2027-01-01 holiday\n", 1),
    ("year 2027\n2027-01-01 holiday\n2027-01-01 workday\n", 3),
    ("year 27\n", 1),
    ("year 2027\n2027-02-10..2027-02-01 holiday\n", 2),
    ("year 2027\n2027-12-31..2028-01-02 holiday\n", 2),
])
def test_a_bad_holiday_file_names_the_wrong_line(text: str, line: int) -> None:
    with pytest.raises(HolidayFileError) as error:
        parse_holiday_file(text)
    assert error.value.line_no == line and f"line {line}" in str(error.value)


def test_working_days_between_counts_make_up_days() -> None:
    calendar = WorkCalendar()
    # (26 Sep, 12 Oct] 2025: 28, 29, 30 Sep, 9, 10, 11 Oct are working days.
    assert calendar.workdays_between(date(2025, 9, 26), date(2025, 10, 12)) == 6
