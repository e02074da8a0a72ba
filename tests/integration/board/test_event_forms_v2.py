"""Event forms on a machine-version-2 case (issue 23): people chosen from the district, nested objects."""

from __future__ import annotations

import pytest

from service.core.config import Settings
from tests.helpers import Api, penalty_case
from tests.integration.board.test_event_forms import form_of, page_as, submit
from tests.integration.cases.v2_support import district_people, v2_settings


@pytest.fixture
def settings(database_url: str) -> Settings:
    return v2_settings(database_url)


def test_accept_with_a_co_officer_then_conclude_with_a_nested_proposal(api: Api) -> None:
    people = district_people(api)
    case = api.create(people.officer.token, penalty_case())
    page = page_as(api, people.supervisor.token, case["id"]).text
    accept = page.split('id="event-accept"')[1].split("</form>")[0]
    assert f'<option value="{people.co_officer.id}">' in accept and "（办案人员）" in accept
    response = submit(api, case["id"], form_of(page, "accept"), **{"d.co_officer": people.co_officer.id})
    assert response.status_code == 303, response.text
    shown = api.get(people.supervisor.token, f"/cases/{case['id']}").json()
    assert shown["officers"] == [people.officer.id, people.co_officer.id]

    page = page_as(api, people.officer.token, case["id"]).text
    conclude = page.split('id="event-conclude_investigation"')[1].split("</form>")[0]
    assert '<strong id="f-conclude_investigation-proposal">处理建议 *</strong>' in conclude
    assert 'name="d.proposal.measures" value="warning"' in conclude  # a list of enum values: checkboxes
    fields = {"d.facts": "销售假冒注册商标的白酒", "d.evidence": "现场检查笔录",
              "d.legal_basis": "商标法第六十条第二款", "d.proposal.outcome": "no_penalty", "d.proposal.fine": "5000"}
    refused = submit(api, case["id"], form_of(page, "conclude_investigation"), **fields)
    assert refused.status_code == 422  # no_penalty with a fine: the API's own check
    assert 'id="err-f-conclude_investigation-proposal" role="alert">此项填写有误</span>' in refused.text
    assert 'value="5000"' in refused.text  # what was typed comes back
    response = submit(api, case["id"], form_of(page, "conclude_investigation"),
                      **{**fields, "d.proposal.outcome": "penalty", "d.proposal.measures": "warning"})
    assert response.status_code == 303, response.text
    facts = api.get(people.officer.token, f"/cases/{case['id']}/history").json()["items"][-1]["data"]
    assert facts["proposal"]["outcome"] == "penalty" and facts["proposal"]["measures"] == ["warning"]
    assert facts["proposal"]["fine"] in ("5000", "5000.00")


def test_the_reviewers_list_marks_the_review_it_owes_and_the_form_passes_it(api: Api) -> None:
    from tests.integration.board.test_worklist import rows
    from tests.integration.cases.v2_support import investigation

    people = district_people(api)
    case = api.create(people.officer.token, penalty_case())
    waiting = api.create(people.officer.token, penalty_case(title="尚未审核的案件"))
    api.ok(people.supervisor.token, case["id"], "accept", {"co_officer": people.co_officer.id})
    api.ok(people.officer.token, case["id"], "conclude_investigation", investigation(3000))
    api.ok(people.supervisor.token, case["id"], "submit_review", {})
    api.client.cookies.clear()
    page = page_as(api, people.reviewer.token, case["id"])
    response = api.client.get("/board")
    assert response.status_code == 200, response.text[-800:]
    board = response.text
    assert rows(board)[0] == case["number"] and waiting["number"] in rows(board)
    assert "法制审核通过" in board and board.count('class="mine"') == 1 and "登记新案件" not in board
    response = submit(api, case["id"], form_of(page.text, "pass_review"), **{"d.opinion": "事实清楚，证据确凿"})
    assert response.status_code == 303, response.text
    assert api.get(people.reviewer.token, f"/cases/{case['id']}").json()["state"] == "reviewed"
