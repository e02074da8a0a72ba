"""Request and response shapes of the bureau's numbered documents (SPEC §12; issue 23, "Typed API").

The response models are documentation: the routes return the dicts `service.item` builds and nothing
validates them at run time; tests/integration/core/test_openapi_types.py validates real answers.
Named `BureauDocument…`: the handoffs' letters are `DocumentOut` (one name per model in the OpenAPI,
which generated clients need).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from service.core.schemas import Out, Page
from state_machines.documents import KINDS


class DocumentIn(BaseModel):
    """Draw up a document now; its kind is one of SPEC §12's papers (a 送达回证 comes from `record_service`)."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=40, description=f"one of {', '.join(KINDS)}")


class BureauDocumentLinksOut(Out):
    html: str
    pdf: str


class BureauDocumentOut(Out):
    """A numbered document as issued (its text is rendered on download)."""

    id: str
    case_id: str
    kind: str = Field(description=f"one of {', '.join(KINDS)}")
    title: str = Field(description="行政处罚决定书 …; a decision imposing no penalty is a 不予行政处罚决定书")
    number: str = Field(description="per district, kind and year, from 1: 东市监处罚〔2026〕12号")
    event: str | None = Field(description="the case event that issued it; null when drawn up on demand")
    event_seq: int = Field(description="the case's version when it was issued")
    created_at: datetime
    links: BureauDocumentLinksOut


class BureauDocumentPage(Page[BureauDocumentOut]):
    """Every document of the case (one page: `next_cursor` is always null)."""
