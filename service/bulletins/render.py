"""A bulletin as a printable page (HTML) and a PDF (issue 13's renderer): A4 公文 layout, the red
header of the city bureau, the number, the ranked table and the texts. An issued bulletin renders
from its frozen row only, so every print says the same."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service.documents.render import chinese_date, issuer, pdf_from_html
from state_machines.vocabulary import CITY_DIVISION

# the table's columns on paper (the JSON has every figure): what the seed ranks districts by
PRINTED = ("received", "filed", "closed", "penalty_decisions", "fines", "referred", "open_at_end", "overdue_at_end")


@lru_cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cdate"] = chinese_date
    return env


def html(detail: dict) -> str:
    labels = {c["key"]: c["label"] for c in detail["report"]["columns"]}
    return _environment().get_template("bulletin.html").render(
        b=detail, issuer=issuer(CITY_DIVISION), columns=[(k, labels.get(k, k)) for k in PRINTED])


def pdf(detail: dict) -> bytes:
    return pdf_from_html(html(detail))
