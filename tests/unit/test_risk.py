"""The respondent's record (state_machines.risk) at its edges: five and two years, the case
itself, overturned decisions, other districts, the dishonest list on the day of receipt."""

from __future__ import annotations

from datetime import UTC, date, datetime

from state_machines.risk import RespondentCase, assess

RECEIVED = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def other(case_id: str, *, kind: str = "trademark_infringement", state: str = "closed", district: str = "150602",
          decided: datetime | None = None, penalised: bool = True, listed: date | None = None) -> RespondentCase:
    return RespondentCase(case_id, kind, state, district, decided, penalised, listed)


def record(*cases: RespondentCase, kind: str = "trademark_infringement") -> dict:
    return assess("me", kind, "150602", RECEIVED, [other("me", state="received", decided=None), *cases])


def test_prior_penalties_count_five_years_back_to_the_day() -> None:
    r = record(other("a", decided=datetime(2021, 3, 10, 2, 0, tzinfo=UTC)),   # exactly 5 years: counts
               other("b", decided=datetime(2021, 3, 10, 1, 59, tzinfo=UTC)),  # a minute earlier: does not
               other("c", decided=datetime(2026, 3, 11, tzinfo=UTC)))         # after receipt: does not
    assert r["prior_penalties_5y"] == 1 and r["repeat_infringement"] is True
    assert r["prior_same_kind_2y"] == 0


def test_unpenalised_overturned_and_the_case_itself_do_not_count() -> None:
    r = record(other("a", decided=datetime(2025, 1, 1, tzinfo=UTC), penalised=False),
               other("b", decided=None),
               other("me", decided=datetime(2025, 1, 1, tzinfo=UTC)))
    assert r["prior_penalties_5y"] == 0 and r["repeat_infringement"] is False


def test_repeat_infringement_is_trademark_on_trademark_only() -> None:
    prior_patent = other("a", kind="patent_counterfeit", decided=datetime(2025, 6, 1, tzinfo=UTC))
    assert record(prior_patent)["repeat_infringement"] is False
    assert record(prior_patent)["prior_penalties_5y"] == 1
    prior_tm = other("b", decided=datetime(2025, 6, 1, tzinfo=UTC))
    assert record(prior_tm, kind="patent_counterfeit")["repeat_infringement"] is False
    assert record(prior_tm, kind="patent_counterfeit")["prior_same_kind_2y"] == 0
    assert record(prior_tm)["prior_same_kind_2y"] == 1


def test_open_cases_elsewhere_are_unfinished_cases_of_other_districts() -> None:
    r = record(other("a", state="filed", district="150603"), other("b", state="closed", district="150603"),
               other("c", state="filed", district="150602"))
    assert r["open_cases_elsewhere"] == 1


def test_dishonest_list_entry_must_run_on_the_day_of_receipt() -> None:
    # 2026-03-10 02:00 UTC is 10:00 on 10 March in China
    assert record(other("a", listed=date(2026, 3, 10)))["on_dishonest_list"] is True
    assert record(other("a", listed=date(2026, 3, 9)))["on_dishonest_list"] is False
    assert assess("x", "trademark_infringement", "150602", RECEIVED, [])["on_dishonest_list"] is False
