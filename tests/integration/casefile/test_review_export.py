"""Issue 15 #2: the review rounds' results workbook is written by the one formula-safe writer."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.helpers import Api, bearer
from tests.integration.casefile.test_review import TODAY, A, _closed_cases


@pytest.fixture(params=["database"])
def store_kind(request) -> str:  # the store plays no part here: one run per database
    return request.param


def test_the_results_workbook_goes_through_the_formula_safe_writer(api: Api) -> None:
    """Issue 15 #2: the review results were written by their own openpyxl code; the round's title
    (user text) now stands in every sheet's heading, and no cell is a formula."""
    _closed_cases(api, A, 1)
    city = api.principal("city")
    title = '=HYPERLINK("http://evil.example/","评查")'
    opened = api.client.post("/api/v1/case-file-reviews", headers=bearer(city),
                             json={"title": title, "period_from": "2026-01-01", "period_to": TODAY,
                                   "districts": [A], "sample_size": 1})
    assert opened.status_code == 201, opened.text
    xlsx = api.get(city, f"/case-file-reviews/{opened.json()['id']}/results", format="xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["按地区", "按评查项目", "案卷"]
    for sheet in book.worksheets:
        values = [c.value for row in sheet.iter_rows() for c in row]
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), sheet.title
        assert values[0] == f"{sheet.title}（{title}）"
