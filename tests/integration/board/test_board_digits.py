"""Issue 15 #5/#9 on the board: a number typed or linked with digits Python's str.isdigit() accepts
but int() does not ("²", superscripts) was a 500, and Arabic-Indic digits ("٢٠٢٦") were read as a
year; only ASCII digits are a number, anything else is a 422 (or the field's own refusal)."""

from __future__ import annotations

import pytest

from tests.helpers import Api
from tests.integration.board.test_city_duties_forms import CONTACTS, as_browser, send, settings  # noqa: F401
from tests.integration.board.test_event_forms import HIDDEN
from tests.integration.board.test_intake import FORM, intake_page

NOT_ASCII = ["²⁰²⁶", "٢٠٢٦", "²"]


@pytest.mark.parametrize("text", NOT_ASCII)
def test_board_lists_refuse_digits_that_are_not_ascii(api: Api, text: str) -> None:
    city = api.principal("city")
    as_browser(api, city)
    assessment = api.client.get("/board/assessment", params={"year": text})
    assert assessment.status_code == 422 and "年份无效" in assessment.text
    for name in ("year", "page"):
        listed = api.client.get("/board/cases", params={name: text})
        assert listed.status_code == 422, (name, listed.status_code)


@pytest.mark.parametrize("text", NOT_ASCII)
def test_board_forms_refuse_digits_that_are_not_ascii(api: Api, text: str) -> None:
    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    hidden = dict(HIDDEN.findall(intake_page(api, officer).text))
    intake = api.client.post("/board/intake", data={**hidden, **FORM, "marks_count": text}, follow_redirects=False)
    assert intake.status_code == 422 and 'id="err-marks_count"' in intake.text
    assert api.get(officer, "/cases").json()["items"] == []
    plan = send(api, supervisor, "/board/reports/action-plan", year=text, plan="一、总体要求……二、重点任务……",
                **CONTACTS)
    assert plan.status_code == 422, plan.status_code
