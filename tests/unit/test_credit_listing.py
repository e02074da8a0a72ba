"""The listing table and risk grades of SPEC §11 as pure rules: periods, guards, the rules file."""

from __future__ import annotations

from datetime import date

import pytest

from state_machines import credit_grades as cg
from state_machines import credit_listing as cl
from state_machines.calendar import WorkCalendar
from state_machines.errors import Forbidden, GuardFailed, InvalidData, InvalidTransition
from state_machines.principals import Actor
from state_machines.vocabulary import Role

SUP = Actor(id="s", role=Role.supervisor, district="150602")
CITY = Actor(id="c", role=Role.city)


def listing(state: str, **kw) -> cl.Listing:
    return cl.Listing(state=state, district="150602", case_district="150602", **kw)


def test_until_is_36_months_not_rolled_and_29_february_ends_on_28() -> None:
    assert cl.until_of(date(2026, 3, 7)) == date(2029, 3, 7)  # a Wednesday: no roll anyway
    assert cl.until_of(date(2028, 2, 29)) == date(2031, 2, 28)
    assert cl.until_of(date(2026, 1, 3)) == date(2029, 1, 3)  # a Saturday stays a Saturday


@pytest.mark.parametrize(("today", "allowed"), [(date(2027, 2, 10), False), (date(2027, 3, 9), False),
                                                (date(2027, 3, 10), True)])
def test_repair_is_open_twelve_months_after_listed_on(today: date, allowed: bool) -> None:
    entry = listing("listed", listed_on=date(2026, 3, 10), until=date(2029, 3, 10))
    data = {"conditions": {"penalty_performed": True, "no_new_serious_violation": True,
                           "credit_commitment_signed": True}, "credit_commitment": "承诺"}
    if allowed:
        assert cl.decide(entry, SUP, "apply_repair", data, None, today, WorkCalendar()).to_state == "repair_applied"
    else:
        with pytest.raises(GuardFailed):
            cl.decide(entry, SUP, "apply_repair", data, None, today, WorkCalendar())


def test_the_table_refuses_by_state_role_field_and_period() -> None:
    cal = WorkCalendar()
    with pytest.raises(InvalidTransition) as refused:
        cl.decide(listing("proposed"), CITY, "consent", {}, None, date(2026, 3, 2), cal)
    assert refused.value.extra["allowed_events"] == ["notify"]
    with pytest.raises(Forbidden):
        cl.decide(listing("proposed"), CITY, "notify", {}, None, date(2026, 3, 2), cal)
    with pytest.raises(InvalidData):
        cl.decide(listing("proposed"), SUP, "notify", {"until": date(2030, 1, 1)}, None, date(2026, 3, 2), cal)
    step = cl.decide(listing("proposed"), SUP, "notify", {}, None, date(2026, 3, 2), cal)
    assert step.facts["statement_due"] == "2026-03-09"
    notified = listing("notified", facts=step.facts)
    with pytest.raises(GuardFailed):
        cl.decide(notified, CITY, "consent", {}, None, date(2026, 3, 9), cal)
    assert cl.decide(notified, CITY, "consent", {}, None, date(2026, 3, 10), cal).to_state == "consented"
    with pytest.raises(Forbidden):
        cl.decide(listing("listed", until=date(2026, 1, 1)), SUP, "expire", {}, None, date(2026, 3, 2), cal)
    assert cl.decide(listing("listed", until=date(2026, 3, 1)), SUP, "expire", {}, None, date(2026, 3, 2), cal,
                     system=True).to_state == "expired"
    assert cl.allowed_events(listing("consented"), SUP) == ["listed"]
    assert cl.allowed_events(listing("notified"), SUP, consent_required=False) == ["record_statement", "listed"]


def facts(*penalties: date, listed: bool = False, open_cases: int = 0) -> cg.GradeFacts:
    return cg.GradeFacts(date(2026, 3, 2), listed, penalties, open_cases)


def test_the_default_rule_is_specs() -> None:
    rules = cg.default_rules()
    assert cg.grade(facts(), rules) == ("A", [])
    assert cg.grade(facts(date(2024, 3, 1)), rules)[0] == "B"  # 2 years and a day
    assert cg.grade(facts(date(2024, 3, 2)), rules)[0] == "C"
    assert cg.grade(facts(open_cases=5), rules)[0] == "A"  # a count, not a grade (§10.9)
    graded, reasons = cg.grade(facts(date(2026, 1, 1), listed=True), rules)
    assert graded == "D" and [r["code"] for r in reasons] == ["listed", "penalty_within_2y", "earlier_penalty"]


def test_a_bad_rules_file_names_what_is_wrong() -> None:
    with pytest.raises(cg.GradeRulesError, match="rule 1"):
        cg.parse('[[rule]]\ngrade = "E"\nwhen = "listed"\n')
    with pytest.raises(cg.GradeRulesError, match="months"):
        cg.parse('[[rule]]\ngrade = "C"\nwhen = "penalties_within"\n')
    with pytest.raises(cg.GradeRulesError):
        cg.parse("default = ")
