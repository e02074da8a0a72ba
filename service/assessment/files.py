"""The assessment as files: the one formula-safe writer (`notifications.report_files`) for XLSX and
HTML, and the HTML through the documents' renderer for PDF."""

from __future__ import annotations

from notifications.report_files import Table, to_html, to_xlsx
from service.documents.render import pdf_from_html
from service.reports.files import MEDIA as REPORT_MEDIA
from state_machines.assessment import FIGURE_LABELS

MEDIA = {"xlsx": REPORT_MEDIA["xlsx"], "html": REPORT_MEDIA["html"], "pdf": "application/pdf"}


def _figures(figures: dict) -> str:
    return "，".join(f"{FIGURE_LABELS.get(k, k)} {v}" for k, v in figures.items())


def table(report: dict) -> Table:
    """One row per district (rank, each item's points, adjustment, total), then the evidence per item."""
    items = report["items"]
    columns = [("rank", "排名"), ("district_name", "单位")] + \
        [(i["key"], f"{i['label']}（{i['weight']:g}分）") for i in items] + \
        [("adjustment", "调整"), ("total", "总分")]
    rows = [{"rank": r["rank"], "district_name": r["district_name"], "adjustment": r["adjustment"],
             "total": r["total"], **{i["key"]: i["points"] for i in r["items"]}} for r in report["districts"]]
    numeric = frozenset({"rank", "adjustment", "total", *(i["key"] for i in items)})
    details = [{"district_name": r["district_name"], "item": i["label"], "value": i["value"], "score": i["score"],
                "weight": i["weight"], "points": i["points"], "figures": _figures(i["figures"]),
                "cases": "、".join(i["case_ids"])} for r in report["districts"] for i in r["items"]]
    detail = Table("考核明细", f"{report['year']}年度", [("district_name", "单位"), ("item", "考核项目"),
                                                      ("value", "原始值"), ("score", "得分率"), ("weight", "权重"),
                                                      ("points", "得分"), ("figures", "依据"), ("cases", "案件")],
                   details, numeric=frozenset({"value", "score", "weight", "points"}))
    adjustments = [{"district_name": r["district_name"], "points": a["points"], "reason": a["reason"],
                    "created_at": a["created_at"]} for r in report["districts"] for a in r["adjustments"]]
    adjusted = Table("考核调整", f"{report['year']}年度", [("district_name", "单位"), ("points", "调整分"),
                                                      ("reason", "理由"), ("created_at", "时间")],
                     adjustments, numeric=frozenset({"points"}))
    return Table(report["title"], f"权重合计 {report['total_weight']:g} 分", columns, rows, None,
                 [detail, adjusted], numeric=numeric)


def render(report: dict, fmt: str) -> bytes | str:
    t = table(report)
    if fmt == "xlsx":
        return to_xlsx(t)
    if fmt == "pdf":
        return pdf_from_html(to_html(t))
    return to_html(t)
