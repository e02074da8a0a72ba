"""The bureau's numbered documents of a case (SPEC §12): list, draw up on demand, download as HTML or PDF.

`/cases/{id}/documents` stays what it was (the letters to other agencies); the bureau's own
numbered papers are `/cases/{id}/bureau-documents`. Reading follows the case: whoever reads the
case reads its documents, anyone else gets 404.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Response
from fastapi.concurrency import run_in_threadpool

from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import documented, documented_file
from service.documents import render, service
from service.documents.schemas import BureauDocumentOut, BureauDocumentPage, DocumentIn
from state_machines.documents import KINDS

router = APIRouter(tags=["documents"])

CaseId = Annotated[str, "case id (UUID)"]


@router.get("/cases/{case_id}/bureau-documents", **documented(BureauDocumentPage))
def list_documents(case_id: CaseId, actor: CurrentActor, session: ReadSession, runtime: RuntimeDep,
                   kind: Annotated[Literal[tuple(KINDS)] | None, Query()] = None) -> dict:  # type: ignore[valid-type]
    """The case's numbered documents in the order they were issued (立案审批表 … 结案审批表)."""
    docs = service.case_documents(session, actor, case_id, kind=kind,
                                  city_reviews_districts=runtime.rules.city_reviews_districts)
    return {"items": [service.item(d) for d in docs], "next_cursor": None}


@router.post("/cases/{case_id}/bureau-documents", status_code=201, **documented(BureauDocumentOut, 201))
def issue_document(case_id: CaseId, body: DocumentIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Draw up a document now (an officer or supervisor of the case's district): numbered, audited as
    the case event `issue_document`."""
    with runtime.db.write() as session:
        return service.issue_on_demand(session, actor, case_id, body.kind, datetime.now(UTC),
                                       city_reviews_districts=runtime.rules.city_reviews_districts)


_PDF = "application/pdf"
_HTML = "text/html; charset=utf-8"


def _wants_pdf(fmt: str | None, accept: str | None) -> bool:
    if fmt is not None:
        return fmt == "pdf"
    return bool(accept) and _PDF in accept and "text/html" not in accept.split(_PDF)[0]


@router.get("/cases/{case_id}/bureau-documents/{document_id}",
            **documented_file("text/html", "application/pdf", description="the document as HTML (default) or PDF"))
async def get_document(case_id: CaseId, document_id: str, actor: CurrentActor, runtime: RuntimeDep,
                       format: Annotated[Literal["html", "pdf"] | None, Query()] = None,  # noqa: A002
                       accept: Annotated[str | None, Header()] = None) -> Response:
    """One document, rendered now from what was recorded at issue: `?format=pdf` or `Accept: application/pdf`
    for the PDF (A4, GB/T 9704), HTML otherwise."""
    pdf = _wants_pdf(format, accept)

    def run() -> tuple[bytes, str]:
        with runtime.db.read() as session:
            doc = service.one_document(session, actor, case_id, document_id,
                                       city_reviews_districts=runtime.rules.city_reviews_districts)
            if pdf:
                return render.render_pdf(session, doc), render.file_name(doc, "pdf")
            return render.render_html(session, doc).encode(), render.file_name(doc, "html")

    content, name = await run_in_threadpool(run)
    disposition = "attachment" if pdf else "inline"
    return Response(content, media_type=_PDF if pdf else _HTML, headers={
        "Content-Disposition": f"{disposition}; filename=\"document.{'pdf' if pdf else 'html'}\"; "
                               f"filename*=UTF-8''{quote(name)}"})
