"""Rendering a stored document as HTML or PDF (A4, GB/T 9704 公文 layout), on download.

Everything a document says comes from its row (`BureauDocument.data`, frozen at issue) and the
static reference data, so two downloads give the same text. The names of the officers are the
one thing read at render time (principals are renamed rarely, and a copy of every name on
every event would cost the event path a query).

PDF: WeasyPrint (Pango lays the CJK text out and embeds subsets of the fonts it used). The
templates ask for 仿宋 (FangSong), 黑体 and 方正小标宋 where the machine has them and fall
back to Noto Serif/Sans CJK (Debian `fonts-noto-cjk`), which is what the image ships.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from notifications.messages import environment
from service.casefile import entries
from service.casefile.entries import Entry
from service.core.config import get_settings
from service.core.errors import PdfUnavailable
from service.core.models import Principal
from service.core.reference_data import DISTRICTS
from service.documents.models import BureauDocument
from service.documents.service import ordered, title_of
from state_machines.documents import KINDS, SERVICE_WAYS
from state_machines.penalties import MEASURE_LABELS
from state_machines.types import CHINA_TZ
from state_machines.vocabulary import KINDS as CASE_KINDS

AMOUNT_LABELS = {
    "case_value": "案值", "illegal_turnover": "非法经营额", "illegal_gains": "违法所得",
    "direct_loss": "权利人直接损失", "unsold_stock_value": "尚未销售的侵权产品货值",
    "fine": "罚款", "confiscation": "没收违法所得及非法财物", "compensation": "赔偿",
}
SERVED_PAPERS = {"request_copy": "请求书副本", "penalty_notice": "行政处罚告知书", "decision": "行政处罚决定书"}
PARTY_TYPES = {"individual": "自然人", "organisation": "法人或者其他组织"}


def chinese_date(value: str | date | datetime | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00")) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = (value.astimezone(CHINA_TZ) if value.tzinfo else value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def yuan(value: object) -> str:
    return "" if value in (None, "") else f"{value}元"


def issuer(district: str) -> str:
    place = DISTRICTS.get(district, (district, ""))[0]
    return f"{place}{get_settings().document_issuer_suffix}"


def _names(session: Session, ids: list[str]) -> list[str]:
    if not ids:
        return []
    names = dict(session.execute(select(Principal.id, Principal.name).where(Principal.id.in_(ids))).all())
    return [names.get(i, i) for i in ids]


def context(session: Session, doc: BureauDocument) -> dict:
    data = doc.data
    case = data["case"]
    event = data.get("event") or {"name": None, "data": {}, "reason": None, "at": None}
    return {
        "doc": {"id": doc.id, "kind": doc.kind, "number": doc.number, "title": title_of(doc),
                "date": chinese_date(doc.created_at), "event": doc.event},
        "case": case,
        "kind_label": CASE_KINDS.get(case["kind"], (None, case["kind"]))[1],
        "event": event,
        "d": event.get("data") or {},
        "facts": case.get("facts", {}),
        "service": data.get("service"),
        "issuer": issuer(doc.district),
        "officers": _names(session, case.get("officers") or []),
        "amounts": [(AMOUNT_LABELS.get(name, name), value) for name, value in case.get("amounts", {}).items()],
        "measure_labels": MEASURE_LABELS, "party_types": PARTY_TYPES, "ways": SERVICE_WAYS,
        "served_papers": SERVED_PAPERS, "kinds": KINDS,
    }


@lru_cache
def _environment():
    env = environment().overlay()
    env.filters["cdate"] = chinese_date
    env.filters["yuan"] = yuan
    return env


def render_html(session: Session, doc: BureauDocument) -> str:
    return _environment().get_template(f"documents/{doc.kind}.html").render(**context(session, doc))


def render_pdf(session: Session, doc: BureauDocument) -> bytes:
    return pdf_from_html(render_html(session, doc))


def pdf_from_html(html: str) -> bytes:
    """Any page of ours as a PDF (the bulletins, issue 20): the same lazy WeasyPrint, the same 503."""
    try:
        from weasyprint import HTML
    except OSError as missing:
        raise PdfUnavailable("PDF rendering needs Pango and a CJK font on the server "
                             "(apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk); "
                             f"the HTML form is available ({missing})") from None
    return HTML(string=html).write_pdf()


def file_name(doc: BureauDocument, extension: str) -> str:
    """`行政处罚决定书_东市监处罚〔2026〕12号.pdf`: the title and number, as archives name their papers."""
    return f"{title_of(doc)}_{doc.number}.{extension}"


def documents_for_archive(session: Session, case_id: str) -> list[tuple[str, bytes]]:
    """Every document of the case as (file name, PDF bytes), in the order they were issued: what the
    archive (卷宗) binds. No permission check: the caller exports a case it may read."""
    return [(entry.name, entry.data) for entry in archive_entries(session, case_id)]


def archive_entries(session: Session, case_id: str) -> list[Entry]:
    """The documents as the archive's catalogue lists them: 题名, 文号 and date with each PDF."""
    docs = ordered(session.scalars(select(BureauDocument).where(BureauDocument.case_id == case_id)))
    return [Entry(name=file_name(doc, "pdf"), data=render_pdf(session, doc), title=title_of(doc), number=doc.number,
                  date=doc.created_at.astimezone(CHINA_TZ).date().isoformat()) for doc in docs]


entries.provide(archive_entries)  # the case file binds them without importing this package
