"""The status board in real headless Chromium (Debian's `chromium`, driven by Playwright over CDP)."""

from __future__ import annotations

import os
import shutil

import pytest
import time_machine  # noqa: F401  (imported so a missing test extra fails loudly, not here)

from tests.helpers import Api, penalty_case

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"playwright is not installed: {exc}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def test_city_signs_in_sees_the_districts_and_a_case_diagram(api: Api, live_server: str, browser, tmp_path) -> None:
    officer = api.principal("officer", "150602")
    overdue = api.create(officer, penalty_case(received_at="2025-09-26T09:00:00+08:00"))
    api.ok(officer, overdue["id"], "add_note", {"text": "现场检查笔录"})
    city = api.principal("city")

    page = browser.new_page()
    page.goto(f"{live_server}/board")
    assert page.url.endswith("/board/login")
    page.fill("input[name=token]", "wrong-token")
    page.click("#sign-in")
    assert "令牌无效" in page.content()
    page.fill("input[name=token]", city)
    page.click("#sign-in")
    page.wait_for_selector("#districts")
    table = page.inner_text("#districts")
    assert "东胜区" in table and "伊金霍洛旗" in table
    row = page.locator("#districts tr", has_text="东胜区").inner_text()
    assert "1" in row
    page.click(f"text={overdue['number']}")
    page.wait_for_selector("#diagram svg", timeout=20_000)
    assert page.inner_text("#state") == "已收到"
    svg = page.inner_html("#diagram")
    assert "已收到" in svg and "current" in svg
    assert "现场检查笔录" in page.inner_text("#history")
    assert "filing_decision" not in page.inner_text("#deadlines") and "立案审查期限" in page.inner_text("#deadlines")
    page.screenshot(path=str(tmp_path / "case.png"), full_page=True)
    if (target := os.environ.get("IPCASE_SCREENSHOT_DIR")):
        page.screenshot(path=f"{target}/board-case.png", full_page=True)


def test_a_district_sees_only_its_own_work_list(api: Api, live_server: str, browser) -> None:
    own = api.create(api.principal("officer", "150602"), penalty_case())
    other = api.create(api.principal("officer", "150603"), penalty_case("150603"))
    page = browser.new_page()
    page.goto(f"{live_server}/board/login")
    page.fill("input[name=token]", api.principal("supervisor", "150602"))
    page.click("#sign-in")
    page.wait_for_selector("#worklist")
    listed = page.inner_text("#worklist")
    assert own["number"] in listed and other["number"] not in listed
    page.goto(f"{live_server}/board/cases/{other['id']}")
    assert "无权查看" in page.content()
