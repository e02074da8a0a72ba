"""Risk grades A–D (SPEC §11) on parties and in each case's `risk`, from the rules file."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine

from service.core.config import Settings
from tests.helpers import ADMIN_TOKEN, Api, credit_code, penalty_case
from tests.integration.credit.listing_support import A, B, at, listed, penalise

FIXTURES = Path(__file__).parent / "fixtures"


def company(n: int) -> dict:
    return {"respondent": {"name": f"某公司{n}", "credit_code": credit_code(n)}}


def test_grades_by_the_default_rule(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    b_officer = api.principal("officer", B)
    with time_machine.travel(at("2023-01-10"), tick=False):
        old = penalise(api, officer, supervisor, penalty_case(A, parties=company(1)))  # B: > 2 years ago
    with time_machine.travel(at("2026-03-02"), tick=False):
        recent = penalise(api, officer, supervisor, penalty_case(A, parties=company(2)))  # C
        on_list = penalise(api, officer, supervisor, penalty_case(A, parties=company(3)))  # D
        listed(api, supervisor, city, on_list)
        clean = api.create(officer, penalty_case(A, parties=company(4)))  # A
        grades = {}
        for case in (old, recent, on_list, clean):
            party = api.get(city, f"/parties/{case['parties']['respondent']['id']}").json()
            grades[case["id"]] = (party["grade"], [r["code"] for r in party["grade_reasons"]])
        assert grades[old["id"]] == ("B", ["earlier_penalty"])
        assert grades[recent["id"]] == ("C", ["penalty_within_2y", "earlier_penalty"])
        assert grades[on_list["id"]] == ("D", ["listed", "penalty_within_2y", "earlier_penalty"])
        assert grades[clean["id"]] == ("A", [])

        by_grade = {g: [p["id"] for p in api.get(city, "/parties", grade=g).json()["items"]] for g in "ABCD"}
        assert by_grade["C"] == [recent["parties"]["respondent"]["id"]]
        assert by_grade["D"] == [on_list["parties"]["respondent"]["id"]]
        assert by_grade["B"] == [old["parties"]["respondent"]["id"]]
        assert clean["parties"]["respondent"]["id"] in by_grade["A"]
        assert api.get(officer, "/parties", grade="C").status_code == 403
        assert api.get(city, "/parties", grade="E").status_code == 422

        # the case's risk: the party's grade on the day the case was received, the case itself left out
        again = api.create(b_officer, penalty_case(B, parties=company(2)))
        assert again["risk"]["grade"] == "C"
        assert [r["code"] for r in again["risk"]["grade_reasons"]] == ["penalty_within_2y", "earlier_penalty"]
        assert api.create(b_officer, penalty_case(B, parties=company(3)))["risk"]["grade"] == "D"
        assert api.create(b_officer, penalty_case(B, parties=company(1)))["risk"]["grade"] == "B"
        assert recent["risk"]["grade"] == "A"  # its own decision does not count in its record


@pytest.fixture
def settings(database_url: str, request) -> Settings:
    extra = {"credit_rules_file": str(FIXTURES / "strict-grades.toml")} if "strict" in request.node.name else {}
    return Settings(database_url=database_url, bootstrap_admin_token=ADMIN_TOKEN, **extra)


def test_grades_by_a_strict_rules_file(api: Api) -> None:
    officer, supervisor, city = api.principal("officer", A), api.principal("supervisor", A), api.principal("city")
    b_officer = api.principal("officer", B)
    with time_machine.travel(at("2020-01-10"), tick=False):
        old = penalise(api, officer, supervisor, penalty_case(A, parties=company(1)))
    with time_machine.travel(at("2026-03-02"), tick=False):
        busy = api.create(officer, penalty_case(A, parties=company(5)))
        api.create(b_officer, penalty_case(B, parties=company(5)))
        party = api.get(city, f"/parties/{old['parties']['respondent']['id']}").json()
        assert (party["grade"], [r["code"] for r in party["grade_reasons"]]) == ("C", ["any_penalty"])
        party = api.get(city, f"/parties/{busy['parties']['respondent']['id']}").json()
        assert (party["grade"], [r["code"] for r in party["grade_reasons"]]) == ("C", ["open_cases"])
