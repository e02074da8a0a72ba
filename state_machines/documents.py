"""The bureau's numbered documents (SPEC §12 "Case file") and the case events that issue them.

Data beside the machine tables: which paper the procedure wants at which step, per machine
version and track. The service numbers and records one document per kind an event issues, in
the event's transaction; everything else about a document (its text, HTML, PDF) is rendered
later from what was recorded.
"""

from __future__ import annotations

from typing import NamedTuple

from .vocabulary import Track


class DocumentKind(NamedTuple):
    name: str
    title: str
    word: str
    """The kind's word in the document number: 东市监<word>〔2026〕12号."""


KINDS: dict[str, DocumentKind] = {k.name: k for k in (
    DocumentKind("filing_approval", "立案审批表", "立"),
    DocumentKind("investigation_report", "调查终结报告", "调终"),
    DocumentKind("review_opinion", "审核意见书", "审"),
    DocumentKind("penalty_notice", "行政处罚告知书", "罚告"),
    DocumentKind("hearing_notice", "听证通知书", "听"),
    DocumentKind("penalty_decision", "行政处罚决定书", "处罚"),
    DocumentKind("service_receipt", "送达回证", "送"),
    DocumentKind("closing_approval", "结案审批表", "结"),
    DocumentKind("acceptance_notice", "受理通知书", "裁受"),
    DocumentKind("defence_notice", "答辩通知书", "裁答"),
    DocumentKind("ruling", "行政裁决书", "裁"),
)}

SERVICE_WAYS: dict[str, str] = {
    "direct": "直接送达", "mail": "邮寄送达", "electronic": "电子送达", "announcement": "公告送达",
}
"""The ways of service (行政处罚法 art. 61; 市场监督管理行政处罚程序规定 ch. 5 送达)."""

P, R = Track.penalty, Track.ruling

# (event, track or None for both) -> kinds issued; version 1 and version 2 each have their table
_V1: dict[tuple[str, Track | None], tuple[str, ...]] = {
    ("accept", P): ("filing_approval",),
    ("accept", R): ("acceptance_notice", "defence_notice"),
    ("notify_penalty", P): ("penalty_notice",),
    ("decide", P): ("penalty_decision",),
    ("rule", R): ("ruling",),
    ("record_service", None): ("service_receipt",),
    ("close", None): ("closing_approval",),
    ("dismiss", None): ("closing_approval",),
}
_V2: dict[tuple[str, Track | None], tuple[str, ...]] = {
    **_V1,
    ("conclude_investigation", P): ("investigation_report",),
    ("pass_review", P): ("review_opinion",),
    ("schedule_hearing", P): ("hearing_notice",),
}
TABLES = {1: _V1, 2: _V2}

DOCUMENT_EVENTS: frozenset[str] = frozenset(event for table in TABLES.values() for event, _ in table)
"""Every event that may issue a document: the one check the event path makes for all others."""

ON_DEMAND_AFTER: dict[str, tuple[str, ...]] = {
    "investigation_report": ("conclude_investigation",),
    "review_opinion": ("pass_review",),
    "penalty_notice": ("notify_penalty",),
    "hearing_notice": ("schedule_hearing",),
    "penalty_decision": ("decide",),
    "ruling": ("rule",),
}
"""Kinds that state what an event decided: issued on demand only once that event happened (its data
fills them). The approval forms and the ruling track's notices may be drawn up at any time."""


def kinds_for(version: int, track: Track | str, event: str) -> tuple[str, ...]:
    """The documents `event` issues on a case of this machine version and track."""
    table = TABLES.get(version, _V2)
    track = Track(track)
    return table.get((event, track)) or table.get((event, None)) or ()
