"""督导考核 (SPEC §12): `GET /assessment?year=` (JSON, XLSX, PDF, HTML) and the city's adjustments."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from service.assessment import files
from service.assessment import service as assessments
from service.assessment.schemas import AdjustmentIn, AdjustmentOut, AssessmentOut
from service.core.deps import CurrentActor, ReadSession, RuntimeDep
from service.core.schemas import ERRORS, documented

router = APIRouter(tags=["assessment"])
Format = Literal["json", "xlsx", "pdf", "html"]


def _doc() -> dict:
    content = {media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
               for media in files.MEDIA.values()}
    return {"response_model": None, "responses": {
        200: {"model": AssessmentOut, "description": "the assessment: JSON, or the file `format` asks for",
              "content": content}, **ERRORS}}


@router.get("/assessment", **_doc())
def get_assessment(actor: CurrentActor, session: ReadSession, runtime: RuntimeDep,
                   year: Annotated[int, Query(ge=1990, le=2100)],
                   district: Annotated[str | None, Query(min_length=6, max_length=6)] = None,
                   format: Format = "json") -> Response | dict:  # noqa: A002
    """Every district's score for the year, item by item with its evidence (the city and auditors);
    a district's officers and supervisors read their own row only."""
    report = assessments.assessment(session, actor, runtime.settings, year, district)
    if format == "json":
        return report
    body = files.render(report, format)
    headers = {} if format == "html" else {"Content-Disposition": f'attachment; filename="assessment-{year}.{format}"'}
    return Response(body, media_type=files.MEDIA[format], headers=headers)


@router.post("/assessment/adjustments", status_code=201, **documented(AdjustmentOut, 201))
def post_adjustment(body: AdjustmentIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """The city adds or takes points from a district's year, with the documented reason (audited)."""
    with runtime.db.write() as session:
        return assessments.adjust(session, actor, runtime.settings, body.model_dump())
