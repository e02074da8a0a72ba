"""The respondent's record on a case (SPEC §6 Risk), from the respondent's other cases.

Rules, each relative to the day the case was received (so a case's record does not change
as later cases are decided):
- `prior_penalties_5y`: other cases decided with a fine or confiscation in the five years
  before receipt (an overturned decision no longer counts: its decision date is cleared);
- `repeat_infringement`: a trademark-infringement case whose respondent has such a prior
  trademark-infringement penalty (商标法 art. 60: 五年内实施两次以上商标侵权行为);
- `open_cases_elsewhere`: the respondent's unfinished cases in other districts;
- `on_dishonest_list`: an approved 失信 entry still running on the day of receipt;
- `prior_same_kind_2y` (internal, feeds the referral hints): penalties of the same kind
  within two years;
- `grade` A–D and `grade_reasons` (SPEC §11, `credit_grades`): the party's grade on the day of
  receipt, from the other cases' standing penalties and the list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from .credit_grades import GradeFacts, GradeRules, default_rules, grade
from .types import CHINA_TZ
from .vocabulary import FINAL_STATES


@dataclass(frozen=True)
class RespondentCase:
    """One case of the respondent, as much of it as the record needs."""

    case_id: str
    kind: str
    state: str
    district: str
    decided_at: datetime | None
    penalised: bool
    listed_until: date | None  # the latest end of an approved dishonest-list entry of the party


def years_before(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year - years, day=28)


NO_RECORD = {"prior_penalties_5y": 0, "open_cases_elsewhere": 0, "on_dishonest_list": False,
             "repeat_infringement": False, "prior_same_kind_2y": 0, "grade": "A", "grade_reasons": []}


def assess(case_id: str, kind: str, district: str, received_at: datetime,
           cases: Iterable[RespondentCase], grade_rules: GradeRules | None = None) -> dict:
    """The record of case `case_id` given every case of its respondent (itself included)."""
    five, two = years_before(received_at, 5), years_before(received_at, 2)
    prior = same_kind = trademark = open_elsewhere = 0
    listed = False
    received_day = received_at.astimezone(CHINA_TZ).date()
    penalty_days = []
    for other in cases:
        listed = listed or (other.listed_until is not None and other.listed_until >= received_day)
        if other.state not in FINAL_STATES and other.district != district:
            open_elsewhere += 1
        if (other.case_id != case_id and other.penalised and other.decided_at is not None
                and other.decided_at <= received_at):
            penalty_days.append(other.decided_at.astimezone(CHINA_TZ).date())
        if (other.case_id == case_id or not other.penalised or other.decided_at is None
                or not five <= other.decided_at <= received_at):
            continue
        prior += 1
        if other.kind == kind and other.decided_at >= two:
            same_kind += 1
        if other.kind == "trademark_infringement":
            trademark += 1
    graded, reasons = grade(GradeFacts(received_day, listed, tuple(penalty_days), open_elsewhere),
                            grade_rules or default_rules())
    return {"prior_penalties_5y": prior, "open_cases_elsewhere": open_elsewhere, "on_dishonest_list": listed,
            "repeat_infringement": kind == "trademark_infringement" and trademark > 0,
            "prior_same_kind_2y": same_kind, "grade": graded, "grade_reasons": reasons}
