"""The status board in real headless Chromium (Debian's `chromium`, driven by Playwright over CDP)."""

from __future__ import annotations

import os
import shutil

import pytest
import time_machine  # noqa: F401  (imported so a missing test extra fails loudly, not here)

from tests.helpers import Api, bearer, credit_code, penalty_case

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


def token_sign_in(page, token: str) -> None:
    """The first-time form: a token (the machines' credential), no password set."""
    if not page.is_visible("#token"):
        page.click("text=首次登录")
    page.fill("#token", token)
    page.click("#sign-in-token")


def test_city_signs_in_sees_the_districts_and_a_case_diagram(api: Api, live_server: str, browser, tmp_path) -> None:
    officer = api.principal("officer", "150602")
    overdue = api.create(officer, penalty_case(received_at="2025-09-26T09:00:00+08:00"))
    api.ok(officer, overdue["id"], "add_note", {"text": "现场检查笔录"})
    city = api.principal("city")

    page = browser.new_page()
    page.goto(f"{live_server}/board")
    assert page.url.endswith("/board/login")
    token_sign_in(page, "wrong-token")
    assert "令牌无效" in page.content()
    token_sign_in(page, city)
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
    token_sign_in(page, api.principal("supervisor", "150602"))
    page.wait_for_selector("#worklist")
    listed = page.inner_text("#worklist")
    assert own["number"] in listed and other["number"] not in listed
    page.goto(f"{live_server}/board/cases/{other['id']}")
    assert "无权查看" in page.content()


ATTACKER = "http://attacker.test"


def serve_foreign_page(page, html: str) -> None:
    """A page of another site (attacker.test, answered by the browser itself: no server, no DNS)."""
    page.route(f"{ATTACKER}/**", lambda route: route.fulfill(status=200, content_type="text/html", body=html))


def auto_submitting_form(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    return (f'<html><body><form id="f" method="post" action="{action}">{inputs}</form>'
            '<script>document.getElementById("f").submit()</script></body></html>')


def test_a_foreign_pages_sign_in_form_does_not_sign_the_browser_in(api: Api, live_server: str, browser) -> None:
    """Login CSRF: a foreign page posting the attacker's token must not leave the victim signed in as him."""
    attacker = api.principal("officer", "150603")
    api.create(attacker, penalty_case("150603"))
    page = browser.new_page()
    page.goto(f"{live_server}/board/login")  # the victim has been here before: a CSRF cookie of its own
    serve_foreign_page(page, auto_submitting_form(f"{live_server}/board/login",
                                                  {"token": attacker, "csrf": "guessed-" + "x" * 40}))
    page.goto(f"{ATTACKER}/prize")
    page.wait_for_url(f"{live_server}/**")
    page.goto(f"{live_server}/board")
    assert page.url.endswith("/board/login")
    assert page.locator("#worklist").count() == 0
    assert not [c for c in page.context.cookies() if c["name"] == "ipcase_session"]


def test_a_foreign_pages_sign_out_form_does_not_sign_the_browser_out(api: Api, live_server: str, browser) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/board/login")
    token_sign_in(page, api.principal("city"))
    page.wait_for_selector("#districts")
    serve_foreign_page(page, auto_submitting_form(f"{live_server}/board/logout", {}))
    page.goto(f"{ATTACKER}/news")
    page.wait_for_url(f"{live_server}/**")
    page.goto(f"{live_server}/board")
    page.wait_for_selector("#districts")
    page.click("#sign-out")  # the board's own button still signs out
    page.wait_for_url("**/board/login")
    page.goto(f"{live_server}/board")
    assert page.url.endswith("/board/login")


def test_the_case_page_draws_its_diagram_under_the_csp_and_cannot_be_framed(api: Api, live_server: str,
                                                                            browser) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    page = browser.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server}/board/login")
    token_sign_in(page, officer)
    page.wait_for_selector("#worklist")
    response = page.goto(f"{live_server}/board/cases/{case['id']}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("#diagram svg", timeout=20_000)
    assert "current" in page.inner_html("#diagram")
    assert violations == []
    serve_foreign_page(page, f'<html><body><iframe id="board" src="{live_server}/board/login"></iframe></body></html>')
    page.goto(f"{ATTACKER}/framed")
    page.wait_for_timeout(1000)
    framed = [f for f in page.frames if f is not page.main_frame]
    assert framed and all("sign-in" not in f.content() for f in framed if not f.is_detached())


def test_an_officer_signs_in_with_a_password_finds_a_case_and_fires_events(api: Api, live_server: str, browser,
                                                                         tmp_path) -> None:
    """Issue 23: the password, the search by a party's name in Chinese, `accept`, an event with a
    date and an amount, a refusal in Chinese beside its field; screenshots of the list and the case."""
    officer = api.principal("officer", "150602")
    supervisor = api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case(parties={"respondent": {"name": "鄂尔多斯市某羊绒制品有限公司",
                                                                    "credit_code": credit_code(7)}}))
    api.create(officer, penalty_case(parties={"respondent": {"name": "另一家公司", "credit_code": credit_code(8)}}))
    for token, username in ((supervisor, "wang.fuze"), (officer, "zhang.banan")):
        principal = next(p for p in api.get(api.admin, "/principals").json()["items"]
                         if p["role"] == ("supervisor" if token == supervisor else "officer"))
        assert api.client.patch(f"/api/v1/principals/{principal['id']}", headers=bearer(api.admin),
                                json={"username": username, "password": "Ordos-2026-密码"}).status_code == 200
    page = browser.new_page()
    page.goto(f"{live_server}/board/login")
    page.fill("#username", "wang.fuze")
    page.fill("#password", "not-the-password")
    page.click("#sign-in")
    assert "账号或密码错误" in page.inner_text("#login-error")
    page.fill("#password", "Ordos-2026-密码")
    page.click("#sign-in")
    page.wait_for_selector("#worklist")
    assert not [c for c in page.context.cookies() if supervisor in c["value"]]
    page.evaluate("window.samePage = true")
    page.fill("#q", "羊绒制品")
    page.click("#search-button")  # htmx: the list is replaced in place, the address follows
    page.wait_for_url("**/board?*q=*")
    page.wait_for_function("!document.querySelector('#worklist').innerText.includes('另一家公司')")
    assert page.evaluate("window.samePage === true")  # a partial update, not a new page
    listed = page.inner_text("#worklist")
    assert case["number"] in listed and "另一家公司" not in listed
    page.screenshot(path=str(tmp_path / "worklist.png"), full_page=True)
    if (target := os.environ.get("IPCASE_SCREENSHOT_DIR")):
        page.screenshot(path=f"{target}/board-worklist.png", full_page=True)
    page.click(f"text={case['number']}")
    page.click("#event-accept summary")
    page.click("#fire-accept")
    page.wait_for_selector("#done")
    assert "受理/立案" in page.inner_text("#done")
    page.click("#event-extend_deadline summary")  # a date the API refuses (not the extension's next step)
    page.select_option("#f-extend_deadline-deadline", "case_closing")
    page.fill("#f-extend_deadline-until", "2026-01-01")
    page.fill("#f-extend_deadline-reason", "案情复杂")
    page.click("#fire-extend_deadline")
    page.wait_for_selector("#refusal")
    assert page.inner_text("#err-f-extend_deadline-until") == "此项填写有误"
    page.click("#sign-out")
    page.wait_for_url("**/board/login")
    page.fill("#username", "zhang.banan")
    page.fill("#password", "Ordos-2026-密码")
    page.click("#sign-in")
    page.wait_for_selector("#worklist")
    page.goto(f"{live_server}/board/cases/{case['id']}")
    page.click("#event-record_amounts summary")  # an amount
    page.fill("#f-record_amounts-amounts-illegal_gains", "3200.50")
    page.click("#fire-record_amounts")
    page.wait_for_selector("#done")
    assert api.get(officer, f"/cases/{case['id']}").json()["amounts"]["illegal_gains"] == "3200.50"
    page.screenshot(path=str(tmp_path / "case-forms.png"), full_page=True)
    if (target := os.environ.get("IPCASE_SCREENSHOT_DIR")):
        page.screenshot(path=f"{target}/board-case-forms.png", full_page=True)


def test_keyboard_only_intake_with_the_live_credit_code_check(api: Api, live_server: str, browser) -> None:
    """Issue 23: a case registered with the keyboard alone (Tab, arrows, typing, Enter)."""
    officer = api.principal("officer", "150602")
    page = browser.new_page()
    page.goto(f"{live_server}/board/login")
    token_sign_in(page, officer)
    page.wait_for_selector("#worklist")
    page.goto(f"{live_server}/board/intake")
    page.focus("#i-kind")
    for _ in range(3):  # （请选择） → 专利侵权纠纷 → 假冒专利 → 商标侵权
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # 投诉
    page.keyboard.press("Tab")
    page.keyboard.type("销售假冒注册商标的羊绒衫")
    page.keyboard.press("Tab")
    page.keyboard.type("市场巡查发现某服装店销售假冒羊绒衫。")
    page.focus("#i-respondent_name")
    page.keyboard.type("东胜区某服装店")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type(credit_code(21)[:-1] + ("0" if credit_code(21)[-1] != "0" else "1"))
    page.wait_for_selector("#check-respondent .error")
    assert f"校验位应为 {credit_code(21)[-1]}" in page.inner_text("#check-respondent")
    page.keyboard.press("Backspace")
    page.keyboard.type(credit_code(21)[-1])
    page.wait_for_selector("#check-respondent .ok")
    page.keyboard.press("Enter")
    page.wait_for_selector("#done")
    assert page.inner_text("#state") == "已收到" and "东胜区某服装店" in page.content()
    assert [c["title"] for c in api.get(officer, "/cases").json()["items"]] == ["销售假冒注册商标的羊绒衫"]


def test_a_supervisor_opens_its_approvals_queue_from_the_board(api: Api, live_server: str, browser,
                                                                 tmp_path) -> None:
    """Issue 23's queues: 待办队列 from the district board, the count, the queue as a work list."""
    officer = api.principal("officer", "150602")
    supervisor = api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case())
    elsewhere = api.create(api.principal("officer", "150603"), penalty_case("150603"))
    page = browser.new_page()
    page.goto(f"{live_server}/board/login")
    token_sign_in(page, supervisor)
    page.wait_for_selector("#worklist")
    page.click("#queues-link")
    page.wait_for_selector("#queues")
    assert page.inner_text("#queue-approvals") == "待我审批"
    assert page.locator("#queues tr", has_text="待我审批").locator(".count").inner_text() == "1"
    page.click("#queue-approvals")
    page.wait_for_selector("#worklist")
    listed = page.inner_text("#worklist")
    assert case["number"] in listed and elsewhere["number"] not in listed and "受理/立案" in listed
    page.screenshot(path=str(tmp_path / "queue.png"), full_page=True)
    if (target := os.environ.get("IPCASE_SCREENSHOT_DIR")):
        page.screenshot(path=f"{target}/board-queue.png", full_page=True)
