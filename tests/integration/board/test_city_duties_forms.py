"""The city's duties as board forms (issue 23 for issue 20): 督办 replies and closing, 通报 rectification
answers and acceptance. Each form does what its API does (checked through the API afterwards), refuses
the wrong role or district and a forged form with nothing recorded, and shows its refusal in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.core.config import Settings
from state_machines.case_machine import today_in_china
from tests.helpers import Api, bearer, board_cookie, penalty_case
from tests.integration.cases.v2_support import district_people, person, v2_settings

A, B = "150602", "150603"
CSRF = "c" * 43


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def as_browser(api: Api, token: str) -> None:
    """The test client as a signed-in browser of `token`'s principal, holding the CSRF cookie `CSRF`."""
    api.client.cookies.clear()
    api.client.cookies.set("ipcase_session", board_cookie(api.client, token).split("=", 1)[1])
    api.client.cookies.set("ipcase_csrf", CSRF)


def page(api: Api, token: str, path: str) -> str:
    as_browser(api, token)
    response = api.client.get(path)
    assert response.status_code == 200, response.text
    return response.text


def send(api: Api, token: str, path: str, csrf: str = CSRF, **fields: str):
    as_browser(api, token)
    return api.client.post(path, data={"csrf": csrf, **fields}, follow_redirects=False)


def open_order(api: Api) -> dict:
    a, b = district_people(api, A), district_people(api, B)
    city = person(api, "city")
    case = api.create(a.officer.token, penalty_case(A))
    api.ok(a.supervisor.token, case["id"], "accept", {"co_officer": a.co_officer.id})
    made = api.client.post("/api/v1/oversight/supervision-orders", headers=bearer(city.token),
                           json={"case_id": case["id"], "expectation": "请查明涉案商品来源并报送办理进展"})
    assert made.status_code == 201, made.text
    return {"a": a, "b": b, "city": city, "case": case, "order": made.json()}


def order_now(api: Api, w: dict) -> dict:
    return api.get(w["city"].token, f"/oversight/supervision-orders/{w['order']['id']}").json()


def test_a_supervisor_replies_from_the_case_page_and_the_city_closes_from_the_queue(api: Api) -> None:
    w = open_order(api)
    oid, cid = w["order"]["id"], w["case"]["id"]
    reply_path, close_path = f"/board/supervision-orders/{oid}/reply", f"/board/supervision-orders/{oid}/close"
    case_page = page(api, w["a"].supervisor.token, f"/board/cases/{cid}")
    table = case_page.split('id="case-supervision-orders"')[1].split("</table>")[0]
    assert f'id="order-{oid}-reply"' in table and "报送督办回复" in table and f'id="order-{oid}-close"' not in table
    assert f'id="order-{oid}-reply"' not in page(api, w["a"].officer.token, f"/board/cases/{cid}")

    # refusals, nothing recorded: an officer, another district's supervisor, a forged form, an empty reply
    officer = send(api, w["a"].officer.token, reply_path, case_id=cid, progress="已查明")
    assert officer.status_code == 403 and "您无权办理此事项" in officer.text
    other = send(api, w["b"].supervisor.token, reply_path, progress="已查明")
    assert other.status_code == 404 and "没有这个事项，或无权查看" in other.text
    forged = send(api, w["a"].supervisor.token, reply_path, csrf="x" * 43, case_id=cid, progress="已查明")
    assert forged.status_code == 403 and "表单已失效" in forged.text
    empty = send(api, w["a"].supervisor.token, reply_path, case_id=cid, progress="   ")
    assert empty.status_code == 422
    beside = empty.text.split(f'id="order-{oid}-reply"')[1].split("</form>")[0]
    assert f'id="err-{oid}-reply">此项填写有误' in beside and 'aria-invalid="true"' in beside
    assert order_now(api, w)["replies"] == [] and order_now(api, w)["state"] == "open"

    done = send(api, w["a"].supervisor.token, reply_path, case_id=cid, progress="已查明涉案商品来源，正在调查")
    assert done.status_code == 303 and done.headers["location"] == f"/board/cases/{cid}?ok=reply"
    assert "督办回复已报送" in page(api, w["a"].supervisor.token, done.headers["location"])
    replied = order_now(api, w)
    assert replied["state"] == "replied"
    assert [r["progress"] for r in replied["replies"]] == ["已查明涉案商品来源，正在调查"]
    assert replied["replies"][0]["actor"] == w["a"].supervisor.id

    # closing: the city's, from the 督办事项 queue
    queue = page(api, w["city"].token, "/board/queues/orders")
    assert f'id="order-{oid}-close"' in queue and "办结督办事项" in queue
    refused = send(api, w["a"].supervisor.token, close_path, conclusion="办结")
    assert refused.status_code == 403 and "您无权办理此事项" in refused.text
    assert send(api, w["city"].token, close_path, csrf="", conclusion="办结").status_code == 403
    assert order_now(api, w)["state"] == "replied"
    closed = send(api, w["city"].token, close_path, conclusion="已按要求办理")
    assert closed.status_code == 303 and closed.headers["location"] == "/board/queues/orders?ok=close"
    assert "督办事项已办结" in page(api, w["city"].token, closed.headers["location"])
    assert order_now(api, w)["state"] == "closed"
    late = send(api, w["a"].supervisor.token, reply_path, case_id=cid, progress="补充进展")
    assert late.status_code == 409 and "该事项已办结" in late.text
    assert len(order_now(api, w)["replies"]) == 1


def test_anonymous_forms_go_to_the_sign_in_page(api: Api) -> None:
    api.client.cookies.clear()
    for path in ("/board/supervision-orders/x/reply", "/board/supervision-orders/x/close", "/board/reports/monthly",
                 "/board/reports/action-plan", "/board/reports/summary",
                 f"/board/bulletins/x/rectifications/{B}/answer", f"/board/bulletins/x/rectifications/{B}/accept"):
        response = api.client.post(path, data={"csrf": CSRF}, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/board/login"


def issued_bulletin(api: Api, city: str) -> str:
    today = today_in_china(datetime.now(UTC))
    body = {"title": "关于全市知识产权行政保护工作情况的通报", "from": (today - timedelta(days=31)).isoformat(),
            "to": (today - timedelta(days=1)).isoformat(), "commendations": [],
            "criticisms": [{"district": B, "text": "超期案件较多，保护工作薄弱。",
                            "rectify_by": (today + timedelta(days=30)).isoformat()}]}
    draft = api.client.post("/api/v1/bulletins", json=body, headers=bearer(city))
    assert draft.status_code == 201, draft.text
    issued = api.client.post(f"/api/v1/bulletins/{draft.json()['id']}/issue", headers=bearer(city))
    assert issued.status_code == 200, issued.text
    return draft.json()["id"]


def rectification(api: Api, city: str, bid: str) -> dict:
    items = api.get(city, "/bulletins/rectifications").json()["items"]
    return next(r for r in items if r["bulletin_id"] == bid and r["district"] == B)


def test_the_criticised_district_answers_its_rectification_and_the_city_accepts(api: Api) -> None:
    city, auditor = api.principal("city"), api.principal("auditor")
    sup_a, sup_b = api.principal("supervisor", A), api.principal("supervisor", B)
    officer_b = api.principal("officer", B)
    bid = issued_bulletin(api, city)
    answer = f"/board/bulletins/{bid}/rectifications/{B}/answer"
    accept = f"/board/bulletins/{bid}/rectifications/{B}/accept"
    assert f'id="rect-{bid}-{B}-answer"' in page(api, sup_b, "/board/bulletins")
    for who in (sup_a, officer_b, city):
        assert f'id="rect-{bid}-{B}-answer"' not in page(api, who, "/board/bulletins")

    officer = send(api, officer_b, answer, text="已整改")
    assert officer.status_code == 403 and "您无权办理此事项" in officer.text
    other = send(api, sup_a, answer, text="已整改")
    assert other.status_code == 404 and "没有这个事项" in other.text
    assert send(api, sup_b, answer, csrf="x" * 43, text="已整改").status_code == 403
    empty = send(api, sup_b, answer, text="")
    assert empty.status_code == 422
    assert f'id="err-{bid}-{B}">此项填写有误' in empty.text.split(f'id="rect-{bid}-{B}-answer"')[1]
    early = send(api, city, accept)  # nothing answered yet
    assert early.status_code == 409 and "不满足办理条件" in early.text
    assert rectification(api, city, bid)["state"] == "open" and rectification(api, city, bid)["answers"] == []

    done = send(api, sup_b, answer, text="已完成超期案件清理，建立周调度制度")
    assert done.status_code == 303 and done.headers["location"] == "/board/bulletins?ok=answer"
    assert "整改情况已报告" in page(api, sup_b, done.headers["location"])
    answered = rectification(api, city, bid)
    assert answered["state"] == "answered" and answered["answers"][0]["text"] == "已完成超期案件清理，建立周调度制度"

    assert f'id="rect-{bid}-{B}-accept"' in page(api, city, "/board/bulletins")
    for who in (sup_b, auditor):
        refused = send(api, who, accept)
        assert refused.status_code == 403 and "您无权办理此事项" in refused.text
    assert send(api, city, accept, csrf="").status_code == 403
    assert rectification(api, city, bid)["state"] == "answered"
    accepted = send(api, city, accept)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/board/bulletins?ok=accept"
    assert "整改已验收" in page(api, city, accepted.headers["location"])
    assert rectification(api, city, bid)["state"] == "accepted"
    again = send(api, sup_b, answer, text="补充")
    assert again.status_code == 409 and "不满足办理条件" in again.text
    assert len(rectification(api, city, bid)["answers"]) == 1


CONTACTS = {"responsible_name": "张伟", "responsible_post": "副局长", "responsible_phone": "13812345678",
            "responsible_email": "zhangwei@example.cn", "liaison_name": "李娜", "liaison_post": "科员",
            "liaison_phone": "0477-8581234", "liaison_email": "lina@example.cn"}
SECTIONS = {"progress": "全年共办理专利侵权纠纷案件若干件，开展专项行动三次。", "results": "办案时效明显提升",
            "problems": "办案力量不足", "next_steps": "加强培训，完善机制"}


def test_a_district_supervisor_reports_from_the_board(api: Api) -> None:
    sup, officer = api.principal("supervisor", A), api.principal("officer", A)
    sup_b, city = api.principal("supervisor", B), api.principal("city")
    board = page(api, sup, "/board")
    for form in ("report-monthly", "report-plan", "report-summary"):
        assert f'id="{form}"' in board and f'id="{form}"' not in page(api, officer, "/board")
    month = board.split('id="monthly-month" name="month" value="')[1].split('"')[0]
    year = today_in_china(datetime.now(UTC)).year

    # the month's figures: refused to an officer, forged, a month not ended; then confirmed as the API does
    refused = send(api, officer, "/board/reports/monthly", month=month)
    assert refused.status_code == 403 and "您无权办理此事项" in refused.text
    assert send(api, sup, "/board/reports/monthly", csrf="", month=month).status_code == 403
    bad = send(api, sup, "/board/reports/monthly", month="2026-13")
    assert bad.status_code == 422 and 'id="err-monthly-month">此项填写有误' in bad.text
    assert api.get(city, "/reports/monthly/submissions", month=month).json()["items"] == []
    done = send(api, sup, "/board/reports/monthly", month=month)
    assert done.status_code == 303 and done.headers["location"] == "/board?ok=monthly"
    assert "月度统计数据已确认报送" in page(api, sup, "/board?ok=monthly")
    [row] = api.get(city, "/reports/monthly/submissions", month=month).json()["items"]
    assert row["district"] == A and row["version"] == 1
    again = send(api, sup, "/board/reports/monthly", month=month)  # a correction needs a reason
    assert again.status_code in (409, 422) and "未报送" in again.text
    assert len(api.get(city, "/reports/monthly/submissions", month=month).json()["items"]) == 1

    # the year's action plan with its responsible person and liaison
    plan = {"year": str(year), "plan": "一、总体要求……二、重点任务……", **CONTACTS}
    assert send(api, sup_b, "/board/reports/action-plan", csrf="x" * 43, **plan).status_code == 403
    city_refused = send(api, city, "/board/reports/action-plan", **plan)  # the city owes none
    assert city_refused.status_code == 403 and "未报送：您无权办理此事项" in city_refused.text
    wrong = send(api, sup, "/board/reports/action-plan", **{**plan, "liaison_phone": "12345"})
    assert wrong.status_code == 422 and 'id="err-plan-liaison_phone">此项填写有误' in wrong.text
    assert 'value="张伟"' in wrong.text  # what was typed comes back
    assert api.get(city, "/reports/action-plans", year=year).json()["items"] == []
    sent = send(api, sup, "/board/reports/action-plan", **plan)
    assert sent.status_code == 303 and sent.headers["location"] == "/board?ok=plan"
    [stored] = api.get(city, "/reports/action-plans", year=year).json()["items"]
    assert stored["district"] == A and stored["responsible"]["name"] == "张伟"
    assert stored["liaison"]["phone"] == "0477-8581234"

    # a summary (last year's annual: always after its due month)
    summary = {"year": str(year - 1), "period": "annual", **SECTIONS}
    short = send(api, sup, "/board/reports/summary", **{**summary, "progress": "太短"})
    assert short.status_code == 422 and 'id="err-summary-progress">此项填写有误' in short.text
    assert send(api, officer, "/board/reports/summary", **summary).status_code == 403
    assert api.get(city, "/reports/summaries", year=year - 1).json()["items"] == []
    filed = send(api, sup, "/board/reports/summary", **summary)
    assert filed.status_code == 303 and filed.headers["location"] == "/board?ok=summary"
    [kept] = api.get(city, "/reports/summaries", year=year - 1).json()["items"]
    assert kept["district"] == A and kept["period"] == "annual"
    twice = send(api, sup, "/board/reports/summary", **summary)
    assert twice.status_code == 409 and "不满足办理条件" in twice.text
