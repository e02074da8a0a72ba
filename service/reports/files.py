"""Reports to files: the report dicts of `reports` laid out as tables for CSV, XLSX and HTML."""

from __future__ import annotations

from notifications.report_files import Table, to_csv, to_html, to_xlsx
from service.reports.figures import DETAIL_MONEY, FIGURES

FIGURE_KEYS = frozenset(f.key for f in FIGURES)

MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def _subtitle(report: dict) -> str:
    return f"{report.get('district_name', '全市')} {report['period']['from']} 至 {report['period']['to']}"


def monthly_table(report: dict) -> Table:
    columns = [("district_name", "单位")] + [(f.key, f.label) for f in FIGURES]
    totals = {"district_name": "合计", **{f["key"]: f["value"] for f in report["figures"]}}
    sections = []
    for breakdown in report["breakdowns"].values():
        rows = [{"label": r["label"], "value": r["value"]} for r in breakdown["rows"]]
        sections.append(Table(breakdown["label"], _subtitle(report), [("label", breakdown["label"]),
                                                                      ("value", "收到案件数")], rows,
                              {"label": "合计", "value": sum(r["value"] for r in rows)},
                              numeric=frozenset({"value"})))
    if report.get("ytd"):
        ytd = report["ytd"]
        rows = [{"label": f["label"], "month": f["value"], "ytd": y["value"]}
                for f, y in zip(report["figures"], ytd["figures"], strict=True)]
        sections.append(Table("本年累计", f"{report.get('district_name', '全市')} {ytd['period']['from']} 至 "
                              f"{ytd['period']['to']}", [("label", "指标"), ("month", "本期"), ("ytd", "本年累计")],
                              rows, numeric=frozenset({"month", "ytd"})))
    return Table(f"附件1 {report['title']}", _subtitle(report), columns, report["by_district"], totals, sections,
                 numeric=FIGURE_KEYS)


def details_table(report: dict) -> Table:
    columns = [(c["key"], c["label"]) for c in report["columns"]]
    totals = {"number": f"合计 {len(report['rows'])} 件"}
    for key in ("case_value", "illegal_turnover", "fine", "confiscation"):
        totals[key] = f"{sum(float(r[key] or 0) for r in report['rows']):.2f}"
    return Table(f"附件2 {report['title']}", _subtitle(report), columns, report["rows"], totals,
                 numeric=frozenset(DETAIL_MONEY))


def bulletin_table(report: dict) -> Table:
    columns = [("rank", "排名"), ("district_name", "单位")] + [(c["key"], c["label"]) for c in report["columns"]]
    return Table(report["title"], f"{report['period']['from']} 至 {report['period']['to']}", columns, report["rows"],
                 {"rank": "", "district_name": "全市合计", **report["total"]}, numeric=FIGURE_KEYS | {"rank"})


def render(table: Table, fmt: str) -> bytes | str:
    return {"csv": to_csv, "xlsx": to_xlsx, "html": to_html}[fmt](table)
