"""Issue 23 with machine version 2 (issue 12's review): a reviewer passes a review from its queue,
in headless Chromium, as it would at its desk."""

from __future__ import annotations

import pytest

from service.core.config import Settings
from tests.e2e.test_board_chromium import browser, token_sign_in  # noqa: F401 (the fixture)
from tests.helpers import Api, penalty_case
from tests.integration.cases.v2_support import district_people, investigation, v2_settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def test_a_reviewer_passes_a_review_from_its_queue(api: Api, live_server: str, browser) -> None:  # noqa: F811
    people = district_people(api)
    case = api.create(people.officer.token, penalty_case())
    waiting = api.create(people.officer.token, penalty_case(title="尚未提交审核的案件"))
    api.ok(people.supervisor.token, case["id"], "accept", {"co_officer": people.co_officer.id})
    api.ok(people.officer.token, case["id"], "conclude_investigation", investigation(5000))
    api.ok(people.supervisor.token, case["id"], "submit_review", {})
    page = browser.new_page()
    page.goto(f"{live_server}/board/login")
    token_sign_in(page, people.reviewer.token)
    page.wait_for_selector("#queues-link")
    page.click("#queues-link")
    page.wait_for_selector("#queues")
    assert page.locator("#queues tr", has_text="待法制审核").locator(".count").inner_text() == "1"
    page.click("#queue-review")
    page.wait_for_selector("#worklist")
    listed = page.inner_text("#worklist")
    assert case["number"] in listed and waiting["number"] not in listed
    page.click(f"text={case['number']}")
    page.click("#event-pass_review summary")
    page.fill("#f-pass_review-opinion", "事实清楚，证据确凿，适用法律正确")
    form = page.locator("#event-pass_review")
    assert "practice_restriction" not in form.inner_text() and "限制从业" in form.inner_text()
    form.locator("select").first.select_option("penalty")  # 处理结果 (the proposal's outcome)
    form.locator("input[type=number]").first.fill("5000")
    page.click("#fire-pass_review")
    page.wait_for_load_state()
    assert page.is_visible("#done"), page.inner_text("main")[:1500]
    assert api.get(people.reviewer.token, f"/cases/{case['id']}").json()["state"] == "reviewed"
    page.goto(f"{live_server}/board/queues")
    assert page.locator("#queues tr", has_text="待法制审核").locator(".count").inner_text() == "0"
