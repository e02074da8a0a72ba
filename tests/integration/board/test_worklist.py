"""The workbench's work list (issue 23): search, filters, the owed cases first, pages; scoped as the API."""

from __future__ import annotations

import re

import pytest

from service.board import routes as board_routes
from tests.helpers import Api, board_cookie, credit_code, penalty_case


def party(name: str, n: int) -> dict:
    return {"respondent": {"name": name, "credit_code": credit_code(n)}}


@pytest.fixture
def cases(api: Api) -> dict:
    officer = api.principal("officer", "150602")
    made = {
        "liquor": api.create(officer, penalty_case(parties=party("鄂尔多斯市伊金霍洛旗某酒行", 1))),
        "cashmere": api.create(officer, penalty_case(title="销售假冒羊绒衫", description="市场巡查发现仿冒鄂尔多斯商标",
                                                     kind="trademark_violation", parties=party("东胜区某服装店", 2))),
        "old": api.create(officer, penalty_case(title="逾期未立案的旧投诉", parties=party("某五金店", 3),
                                                received_at="2025-09-26T09:00:00+08:00")),
    }
    other = api.principal("officer", "150603")
    made["elsewhere"] = api.create(other, penalty_case("150603", title="别处的案件", parties=party("别处公司", 4)))
    return {"officer": officer, "other": other, **made}


def rows(page: str) -> list[str]:
    """The case numbers listed, in order."""
    table = page.split('id="worklist"')[1].split("</table>")[0]
    return re.findall(r'<a href="/board/cases/[^"]+">([^<]+)</a>', table)


def listing(api: Api, token: str, path: str = "/board/cases", **params) -> str:
    api.client.cookies.clear()
    response = api.client.get(path, params=params, headers={"cookie": board_cookie(api.client, token)})
    assert response.status_code == 200, response.text
    return response.text


def test_search_by_party_name_number_credit_code_title_and_text(api: Api, cases: dict) -> None:
    officer = cases["officer"]
    assert rows(listing(api, officer, q="伊金霍洛旗某酒行")) == [cases["liquor"]["number"]]
    assert rows(listing(api, officer, q="羊绒")) == [cases["cashmere"]["number"]]
    assert rows(listing(api, officer, q="仿冒鄂尔多斯")) == [cases["cashmere"]["number"]]  # the description
    assert rows(listing(api, officer, q=credit_code(3))) == [cases["old"]["number"]]
    assert rows(listing(api, officer, q=credit_code(3).lower())) == [cases["old"]["number"]]
    assert rows(listing(api, officer, q=cases["liquor"]["number"])) == [cases["liquor"]["number"]]
    assert rows(listing(api, officer, q="%")) == []  # a LIKE wildcard is a character, not "everything"
    assert rows(listing(api, officer, q="别处")) == []  # another district's case: not found, as in the API


def test_filters_narrow_the_list(api: Api, cases: dict) -> None:
    officer = cases["officer"]
    assert rows(listing(api, officer, kind="trademark_violation")) == [cases["cashmere"]["number"]]
    assert rows(listing(api, officer, clock="overdue")) == [cases["old"]["number"]]
    assert cases["old"]["number"] not in rows(listing(api, officer, clock="due_soon"))
    assert set(rows(listing(api, officer, state="received"))) == {cases[k]["number"] for k in ("liquor", "cashmere",
                                                                                                "old")}
    assert rows(listing(api, officer, state="closed")) == []
    assert len(rows(listing(api, officer, tag="春节", venue="market", sector="food"))) == 3
    assert rows(listing(api, officer, tag="no-such-tag")) == []
    city = api.principal("city")
    assert rows(listing(api, city, q="别处")) == [cases["elsewhere"]["number"]]  # the city reads every district


def test_the_cases_owed_come_first_with_the_step_named_in_chinese(api: Api, cases: dict) -> None:
    page = listing(api, cases["officer"], "/board")
    listed = rows(page)
    assert listed[0] == cases["old"]["number"]  # overdue: first, though received first of all
    assert set(listed) == {cases[k]["number"] for k in ("liquor", "cashmere", "old")}
    assert "已超期" in page and 'class="mine"' not in page  # accepting is the supervisor's step
    supervisor = listing(api, api.principal("supervisor", "150602"), "/board")
    assert rows(supervisor)[0] == cases["old"]["number"]
    assert "受理/立案" in supervisor and supervisor.count('class="mine"') == 3
    by_number = rows(listing(api, cases["officer"], sort="number"))
    assert by_number == sorted(by_number)


def test_pages_of_the_list(api: Api, cases: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(board_routes, "PAGE_SIZE", 2)
    first = listing(api, cases["officer"], sort="number")
    assert len(rows(first)) == 2 and 'id="next-page"' in first and 'id="prev-page"' not in first
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "sort=number" in link and "page=2" in link
    api.client.cookies.clear()
    second = api.client.get(link, headers={"cookie": board_cookie(api.client, cases["officer"])}).text
    assert len(rows(second)) == 1 and 'id="prev-page"' in second and 'id="next-page"' not in second
    assert set(rows(first)) | set(rows(second)) == {cases[k]["number"] for k in ("liquor", "cashmere", "old")}


@pytest.mark.parametrize("size", [1, 2])
def test_an_officers_owed_first_pages_join_into_the_whole_list(api: Api, cases: dict, size: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The officer's list is two queries (owed, then the rest): its pages must still read as one list."""
    whole = rows(listing(api, cases["officer"], "/board"))
    monkeypatch.setattr(board_routes, "PAGE_SIZE", size)
    paged: list[str] = []
    for page in range(1, 5):
        paged += rows(listing(api, cases["officer"], "/board", page=page))
    assert paged == whole and whole[0] == cases["old"]["number"] and len(whole) == 3


@pytest.mark.parametrize("params", [{"state": "nonsense"}, {"kind": "x"}, {"clock": "soon"}, {"page": "0"},
                                    {"page": "abc"}, {"sort": "DROP"}, {"q": "x" * 101}, {"venue": "moon"}])
def test_a_bad_filter_is_a_422_page_not_a_500(api: Api, cases: dict, params: dict) -> None:
    for path in ("/board/cases", "/board"):
        api.client.cookies.clear()
        response = api.client.get(path, params=params, headers={"cookie": board_cookie(api.client, cases["officer"])})
        assert response.status_code == 422, (path, params, response.status_code)
        assert "输入有误" in response.text


def test_the_list_shows_times_and_chinese_labels(api: Api, cases: dict) -> None:
    page = listing(api, cases["officer"], "/board/cases", state="all")
    assert "已收到" in page or "收到" in page
    assert "商标侵权" in page and "bureau" not in page
    assert re.search(r"<td>\d{4}-\d{2}-\d{2}</td>", page)  # the nearest deadline, a plain date


@pytest.mark.postgres_only
def test_the_search_has_trigram_indexes_on_postgresql(api: Api) -> None:
    from sqlalchemy import text

    with api.client.app.state.runtime.db.read() as session:
        names = set(session.scalars(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%_trgm'")))
    assert names == {"ix_cases_title_trgm", "ix_cases_description_trgm", "ix_cases_number_trgm",
                     "ix_case_parties_name_trgm"}
