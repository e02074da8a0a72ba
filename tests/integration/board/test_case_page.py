"""The case page shows what the case holds (issue 23): handoffs with their letters, Chinese labels, readable times."""

from __future__ import annotations

import re

from tests.helpers import Api, board_cookie, penalty_case


def as_reader(api: Api, token: str, path: str):
    api.client.cookies.clear()
    return api.client.get(path, headers={"cookie": board_cookie(api.client, token)})


def test_a_referral_shows_with_its_letter_to_whom_may_see_it(api: Api) -> None:
    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case(amounts={"illegal_turnover": 80000}))
    api.ok(supervisor, case["id"], "accept")
    api.ok(supervisor, case["id"], "refer_to_police", {"grounds": "非法经营额 8 万元，涉嫌假冒注册商标罪"})
    page = as_reader(api, officer, f"/board/cases/{case['id']}").text
    table = page.split('id="handoffs"')[1].split("</table>")[0]
    assert "涉嫌犯罪案件移送书" in table and "公安" in table
    assert not re.search(r"<td>(pending|delivered|answered|closed)</td>", table)  # statuses in Chinese
    link = re.search(r'href="(/board/handoffs/[^"]+/letter)">涉嫌犯罪案件移送书', table).group(1)
    letter = as_reader(api, officer, link)
    assert letter.status_code == 200 and "涉嫌犯罪案件移送书" in letter.text and case["number"] in letter.text
    assert "<script" not in letter.text.split('id="letter"')[1]
    assert as_reader(api, api.principal("officer", "150603"), link).status_code == 404
    history = page.split('id="history"')[1]
    assert "移送公安机关" in history and "refer_to_police" not in history
    assert re.search(r"<td>\d{4}-\d{2}-\d{2} \d{2}:\d{2}</td>", history)


def test_description_parties_and_amounts_in_chinese(api: Api) -> None:
    officer = api.principal("officer", "150602")
    case = api.create(officer, penalty_case())
    page = as_reader(api, officer, f"/board/cases/{case['id']}").text
    assert "权利人投诉某商贸公司销售假冒其注册商标的白酒。" in page
    assert "某商贸有限公司" in page and "案值（元）</th><td>12000.50 元" in page
    deadlines = page.split('id="deadlines"')[1].split("</table>")[0]
    assert "立案审查期限" in deadlines and "本局" in deadlines and "bureau" not in deadlines


def test_no_english_state_word_outside_the_diagram(api: Api) -> None:
    """The state is shown in Chinese only (the machine's identifier stays in the API and the diagram)."""
    from state_machines.vocabulary import STATES_V2

    officer, supervisor = api.principal("officer", "150602"), api.principal("supervisor", "150602")
    case = api.create(officer, penalty_case())
    api.ok(supervisor, case["id"], "accept")
    page = as_reader(api, officer, f"/board/cases/{case['id']}").text
    assert '<strong id="state">已立案/受理</strong>' in page
    text = re.sub(r'<pre class="mermaid".*?</pre>|<script.*?</script>|<[^>]+>', " ", page, flags=re.S)
    assert [s for s in STATES_V2 if re.search(rf"\b{s}\b", text)] == []
