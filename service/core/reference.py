"""Loading the default data set into a fresh database, and reading it back as `Rules`."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.config import Settings
from service.core.models import Agency, District
from service.core.reference_data import DISTRICTS, default_agencies
from state_machines.calendar import WorkCalendar, parse_holiday_file
from state_machines.case_machine import Rules
from state_machines.credit_grades import load as load_grade_rules
from state_machines.recommendations import Thresholds


def ensure_reference_data(session: Session) -> None:
    """Insert the districts and agencies that are missing; never overwrite an admin's edits."""
    have = set(session.scalars(select(District.code)))
    for code, (name, prefix) in DISTRICTS.items():
        if code not in have:
            session.add(District(code=code, name=name, case_prefix=prefix))
    have = set(session.scalars(select(Agency.code)))
    for row in default_agencies():
        if row["code"] not in have:
            session.add(Agency(**row, channel={"type": "inbox"}))
    session.flush()


def load_calendar(settings: Settings) -> WorkCalendar:
    """The working-day calendar; a bad holiday file stops the start with the line that is wrong."""
    if not settings.holiday_file:
        return WorkCalendar()
    text = Path(settings.holiday_file).read_text(encoding="utf-8")
    return WorkCalendar(configured=parse_holiday_file(text))


def load_rules(session: Session, settings: Settings) -> Rules:
    return Rules(
        calendar=load_calendar(settings),
        districts=frozenset(session.scalars(select(District.code))),
        agencies={code: kind for code, kind in session.execute(select(Agency.code, Agency.kind))},
        ruling_districts=settings.ruling_district_set(),
        hearing_threshold_individual=settings.hearing_threshold_individual,
        hearing_threshold_organisation=settings.hearing_threshold_organisation,
        due_soon_workdays=settings.due_soon_workdays,
        major_case_threshold=settings.major_case_threshold,
        assistance_workdays=settings.assistance_workdays,
        case_prefixes={code: prefix for code, prefix in session.execute(select(District.code, District.case_prefix))},
        collective_after_hearing=settings.collective_after_hearing,
        city_reviews_districts=settings.city_reviews_districts,
        grade_rules=load_grade_rules(settings.credit_rules_file),
    )


def district_prefixes(session: Session) -> dict[str, tuple[str, str]]:
    return {d.code: (d.name, d.case_prefix) for d in session.scalars(select(District))}


DEFAULT_THRESHOLDS = Thresholds()
