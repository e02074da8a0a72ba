"""Case intake as a form (issue 23): registered through the API's own function, refusals beside their inputs."""

from __future__ import annotations

import re

from tests.helpers import Api, board_cookie, credit_code
from tests.integration.board.test_event_forms import HIDDEN

FORM = {"kind": "trademark_infringement", "source": "complaint", "title": "销售假冒注册商标的羊绒衫",
        "description": "权利人投诉某服装店销售假冒其注册商标的羊绒衫。", "respondent_name": "东胜区某服装店",
        "respondent_type": "organisation", "respondent_credit_code": credit_code(11), "sector": "food",
        "venue": "market", "case_value": "8800.50", "received_at": "2026-12-01T09:30", "tags": "羊绒，春节"}


def intake_page(api: Api, token: str):
    api.client.cookies.clear()
    api.client.cookies.set("ipcase_session", board_cookie(api.client, token).split("=", 1)[1])
    return api.client.get("/board/intake")


def test_an_officer_registers_a_case_from_the_form(api: Api) -> None:
    officer = api.principal("officer", "150602")
    page = intake_page(api, officer)
    assert page.status_code == 200 and '<label for="i-title">案件名称 *</label>' in page.text
    hidden = dict(HIDDEN.findall(page.text))
    response = api.client.post("/board/intake", data={**hidden, **FORM}, follow_redirects=False)
    assert response.status_code == 303, response.text
    case_id = re.match(r"/board/cases/([^?]+)\?done=create", response.headers["location"]).group(1)
    case = api.get(officer, f"/cases/{case_id}").json()
    assert case["title"] == FORM["title"] and case["district"] == "150602"
    assert case["parties"]["respondent"]["credit_code"] == credit_code(11)
    assert case["amounts"]["case_value"] == "8800.50" and case["tags"] == ["羊绒", "春节"]
    assert case["received_at"].startswith("2026-12-01T09:30:00+08:00")
    assert "已办理：登记" in api.client.get(response.headers["location"]).text


def test_a_wrong_credit_code_is_refused_beside_it_and_nothing_is_registered(api: Api) -> None:
    officer = api.principal("officer", "150602")
    hidden = dict(HIDDEN.findall(intake_page(api, officer).text))
    wrong = credit_code(11)[:-1] + ("0" if credit_code(11)[-1] != "0" else "1")
    response = api.client.post("/board/intake", data={**hidden, **FORM, "respondent_credit_code": wrong,
                                                      "received_at": "1980-01-01T09:00"})
    assert response.status_code == 422
    assert 'id="err-respondent_credit_code" role="alert">此项填写有误</span>' in response.text
    assert 'id="err-received_at" role="alert">' in response.text
    assert f'value="{FORM["title"]}"' in response.text  # what was typed comes back
    assert api.get(officer, "/cases").json()["items"] == []


def test_the_live_credit_code_check(api: Api) -> None:
    officer = api.principal("officer", "150602")
    intake_page(api, officer)
    ok = api.client.get("/board/check/credit-code", params={"respondent_credit_code": credit_code(11).lower()})
    assert ok.status_code == 200 and "校验通过" in ok.text
    last = "0" if credit_code(11)[-1] != "0" else "1"
    wrong = api.client.get("/board/check/credit-code", params={"respondent_credit_code": credit_code(11)[:-1] + last})
    assert f"校验位应为 {credit_code(11)[-1]}" in wrong.text
    short = api.client.get("/board/check/credit-code", params={"complainant_credit_code": "9115"})
    assert "已输入 4 位" in short.text
    assert "<script" not in api.client.get("/board/check/credit-code",
                                           params={"respondent_credit_code": "<script>"}).text


def test_the_city_does_not_register_on_the_board(api: Api) -> None:
    city = api.principal("city")
    assert intake_page(api, city).status_code == 403
