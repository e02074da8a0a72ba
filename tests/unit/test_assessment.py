"""督导考核's pure rules: the rules file, each normalisation, points, adjustments and ranks."""

from __future__ import annotations

import pytest

from state_machines import assessment as asm
from state_machines.assessment import AssessmentRulesError, Evidence, Item, Rules

PROVIDERS = ("clock_timeliness", "escalations", "case_file_review", "rectifications", "reports_on_time",
             "summaries_on_time", "cases")


def test_the_default_rules_weigh_100_points_and_name_known_providers() -> None:
    rules = asm.load(None, PROVIDERS)
    assert rules.total_weight == 100
    assert [i.key for i in rules.items] == ["clock_timeliness", "overdue", "case_file_review", "reports_on_time",
                                            "summaries_on_time", "rectifications_on_time", "penalty_cases_closed",
                                            "ip_right_cases", "ecommerce_cases"]
    assert rules.max_adjustment == 10


@pytest.mark.parametrize(("text", "words"), [
    ("", "at least one"),
    ("[[item]]\nkey='x'\nlabel='x'\nprovider='cases'\nmethod='median'\nweight=1", "method"),
    ("[[item]]\nkey='x'\nlabel='x'\nprovider='nope'\nmethod='ratio'\nweight=1", "unknown provider"),
    ("[[item]]\nkey='x'\nlabel='x'\nprovider='cases'\nmethod='inverse'\nweight=1", "zero_at"),
    ("[[item]]\nkey='x'\nlabel='x'\nprovider='cases'\nmethod='ratio'\nweight=-1", "weight"),
    ("[[item]]\nkey='x'\nlabel='x'\nprovider='cases'\nmethod='ratio'\nweight=1\nfilter={colour=['red']}", "filter"),
    ("[[item]]\nkey='x'\nlabel='x'\nprovider='cases'\nmethod='ratio'\nweight=1\n"
     "[[item]]\nkey='x'\nlabel='y'\nprovider='cases'\nmethod='ratio'\nweight=1", "distinct"),
    ("[[item]\n", "assessment rules"),
])
def test_a_bad_rules_file_says_what_is_wrong(text: str, words: str) -> None:
    with pytest.raises(AssessmentRulesError, match=words):
        asm.parse(text, PROVIDERS)


def _item(method: str, **kw) -> Item:
    return Item(key="k", label="k", provider="cases", method=method, weight=10, **kw)


@pytest.mark.parametrize(("item", "value", "best", "score"), [
    (_item("ratio"), 0.75, None, 0.75),
    (_item("percent"), 85, None, 0.85),
    (_item("inverse", zero_at=10), 2, None, 0.8),
    (_item("inverse", zero_at=10), 25, None, 0.0),  # never below 0
    (_item("target", target=4), 2, None, 0.5),
    (_item("target", target=4), 9, None, 1.0),  # never above 1
    (_item("relative"), 2, 3, 2 / 3),
    (_item("relative", when_missing=1.0), 0, 0, 1.0),  # nobody has any: nobody is behind
    (_item("ratio", when_missing=0.8), None, None, 0.8),  # nothing to measure
])
def test_normalise(item: Item, value, best, score: float) -> None:
    assert asm.normalise(item, value, best) == pytest.approx(score)


def test_points_adjustments_and_shared_ranks() -> None:
    rules = Rules(items=(Item("a", "甲", "x", "ratio", 60), Item("b", "乙", "cases", "relative", 40)))
    evidence = {"a": {"1": Evidence(1.0), "2": Evidence(0.5), "3": Evidence(0.5)},
                "b": {"1": Evidence(1), "2": Evidence(4, {"cases": 4}, ("c1",), "/board?district=2"),
                      "3": Evidence(4)}}
    rows = asm.assess(rules, {"1": "一", "2": "二", "3": "三"}, evidence, {"1": -5.0})
    by = {r["district"]: r for r in rows}
    assert [i["points"] for i in by["1"]["items"]] == [60.0, 10.0]
    assert (by["1"]["subtotal"], by["1"]["adjustment"], by["1"]["total"]) == (70.0, -5.0, 65.0)
    assert by["2"]["total"] == by["3"]["total"] == 70.0
    assert [(r["district"], r["rank"]) for r in rows] == [("2", 1), ("3", 1), ("1", 3)]
    assert by["2"]["items"][1]["case_ids"] == ["c1"] and by["2"]["items"][1]["link"] == "/board?district=2"


def test_a_district_without_evidence_gets_the_items_missing_score() -> None:
    rules = Rules(items=(Item("a", "甲", "x", "percent", 20, when_missing=0.8),))
    [row] = asm.assess(rules, {"9": "九"}, {"a": {}})
    assert row["items"][0]["value"] is None and row["items"][0]["points"] == 16.0


def test_relative_compares_the_assessed_districts_only() -> None:
    rules = Rules(items=(Item("n", "数", "cases", "relative", 10),))
    [row] = asm.assess(rules, {"1": "一"}, {"n": {"1": Evidence(2), "150600": Evidence(50)}})
    assert row["items"][0]["points"] == 10.0  # the city's team's 50 cases set no bar
