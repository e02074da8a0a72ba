"""Settings whose meaning revision 2 changed."""

from __future__ import annotations

import logging

import pytest

from service.core import config
from service.core.config import Settings


def test_ruling_districts_still_work_but_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    config._warn_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="ipcase"):
        assert Settings(ruling_districts="150603").ruling_district_set() == {"150600", "150603"}
        Settings(ruling_districts="150603").ruling_district_set()
    warnings = [r for r in caplog.records if "IPCASE_RULING_DISTRICTS is deprecated" in r.getMessage()]
    assert len(warnings) == 1


def test_without_ruling_districts_the_city_alone_rules_and_nothing_is_said(caplog: pytest.LogCaptureFixture) -> None:
    config._warn_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="ipcase"):
        assert Settings().ruling_district_set() == {"150600"}
    assert not caplog.records


@pytest.mark.parametrize("field,value", [
    ("action_plan_due", "02-29"), ("action_plan_due", "02-30"), ("summary_midyear_due", "04-31"),
    ("summary_annual_due", "11-31"), ("summary_annual_due", "02-31"), ("stat_due", "after:0"),
])
def test_reporting_days_are_real_in_every_year(field: str, value: str) -> None:
    with pytest.raises(ValueError):
        Settings(**{field: value})


def test_reporting_days_that_exist_are_accepted() -> None:
    settings = Settings(action_plan_due="02-28", summary_midyear_due="06-30", summary_annual_due="12-31",
                        stat_due="after:1")
    assert settings.summary_annual_due == "12-31"
