"""The case file over HTTP (SPEC §12): attachments, the archive, the archive's public key, and the
check of stored files against the chains."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from service.casefile import archive, keys, review
from service.casefile import service as casefile
from service.casefile.schemas import (
    AttachmentListOut,
    AttachmentOut,
    FilesVerifyOut,
    ReviewedCaseOut,
    ReviewResultsOut,
    ReviewRoundOut,
)
from service.casefile.store import store_for
from service.core.deps import CurrentActor, ReadSession, RuntimeDep, require
from service.core.runtime import Runtime
from service.core.schemas import ErrorEnvelope, documented, documented_file, documented_with_files
from state_machines.errors import InvalidData
from state_machines.types import Day, ShortText, Text
from state_machines.vocabulary import Role

router = APIRouter(tags=["case file"])

UPLOAD_PATH = re.compile(r"^/api/v1/cases/[^/]+/attachments$")
MULTIPART_OVERHEAD = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def body_limits(runtime: Runtime) -> tuple[tuple[str, re.Pattern, int], ...]:
    """The request-size limit of the upload route (the rest of the API keeps `IPCASE_MAX_BODY_BYTES`)."""
    return (("POST", UPLOAD_PATH, runtime.settings.attachment_max_bytes + MULTIPART_OVERHEAD),)


def _store(runtime: Runtime):
    return store_for(runtime.db, runtime.settings.attachment_dir)


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266 with RFC 5987's `filename*` for any name (Chinese ones included), and an ASCII fallback."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%' else "_" for ch in name) or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


_UPLOAD_DOC = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
                                "description": "one file: image, PDF, office document or plain text, "
                                               "checked by its content; at most IPCASE_ATTACHMENT_MAX_BYTES"}}}}}},
}
_UPLOAD_REFUSALS = {413: {"model": ErrorEnvelope, "description": "payload_too_large"},
                    415: {"model": ErrorEnvelope, "description": "unsupported_media_type: the content is not an "
                                                                 "allowed kind"}}
_INTEGRITY = {500: {"model": ErrorEnvelope,
                    "description": "integrity_failed: a stored file no longer matches the chain"}}


def _with(doc: dict, extra: dict) -> dict:
    return {**doc, "responses": {**doc["responses"], **extra}}


@router.post("/cases/{case_id}/attachments", status_code=201, openapi_extra=_UPLOAD_DOC,
             **_with(documented(AttachmentOut, 201), _UPLOAD_REFUSALS))
async def upload(case_id: str, request: Request, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """Attach a file to the case (multipart field `file`): stored once by its SHA-256, which enters the
    case's hash chain in an `attach` event. The case's officers and supervisors, while it is open."""
    await run_in_threadpool(casefile.check_may_attach, runtime.db, actor, case_id, runtime.rules)
    form = await request.form(max_files=1, max_fields=2)
    try:
        upload_file = form.get("file")
        if not isinstance(upload_file, UploadFile):
            raise InvalidData("send one file as the multipart/form-data field `file`", fields=["file"])
        return await run_in_threadpool(casefile.attach, runtime.db, _store(runtime), actor, case_id,
                                       upload_file.file, upload_file.filename, runtime.rules,
                                       runtime.settings.attachment_max_bytes)
    finally:
        await form.close()


@router.get("/cases/{case_id}/attachments", **documented(AttachmentListOut))
def list_attachments(case_id: str, actor: CurrentActor, session: ReadSession, runtime: RuntimeDep) -> dict:
    """The case's attachments, removed ones included (`detached`), in the order attached."""
    return casefile.list_attachments(session, actor, case_id, runtime.rules)


@router.get("/cases/{case_id}/attachments/{attachment_id}/content",
            **_with(documented_file("application/octet-stream", description="the file, with its own content type"),
                    _INTEGRITY))
def download(case_id: str, attachment_id: str, actor: CurrentActor, session: ReadSession,
             runtime: RuntimeDep) -> StreamingResponse:
    """The file, streamed, after its content was checked against the hash in the case's chain."""
    attachment, chunks = casefile.open_attachment(session, _store(runtime), actor, case_id, attachment_id,
                                                  runtime.rules)
    headers = {"Content-Disposition": content_disposition(attachment.name), "Content-Length": str(attachment.size),
               "ETag": f'"{attachment.sha256}"', "Cache-Control": "private, no-store"}
    return StreamingResponse(chunks, media_type=attachment.content_type, headers=headers)


@router.post("/cases/{case_id}/attachments/{attachment_id}/detach", **documented(AttachmentOut))
def detach(case_id: str, attachment_id: str, actor: CurrentActor, runtime: RuntimeDep,
           reason: Annotated[str, Body(embed=True, min_length=1, max_length=2000)]) -> dict:
    """Remove a file from the case file: an audited `detach` event; its bytes are kept."""
    return casefile.detach(runtime.db, actor, case_id, attachment_id, reason, runtime.rules)


@router.get("/cases/{case_id}/archive",
            **_with(documented_file("application/zip", description="the archive (卷宗); 409 guard_failed while "
                                                                   "the case is not closed"), _INTEGRITY))
def export_archive(case_id: str, actor: CurrentActor, session: ReadSession, runtime: RuntimeDep) -> StreamingResponse:
    """The closed case's archive (卷宗) as one ZIP: 卷内目录, documents, attachments, history and a
    signed manifest; check it with `ipcase archive verify` or `scripts/verify_archive.py`."""
    key = keys.load_or_create(runtime.settings.archive_key_path)
    out, name = archive.build(session, _store(runtime), key, actor, case_id, runtime.rules)

    def stream() -> Iterator[bytes]:
        with out:
            while chunk := out.read(1 << 20):
                yield chunk

    size = out.seek(0, 2)
    out.seek(0)
    return StreamingResponse(stream(), media_type="application/zip",
                             headers={"Content-Disposition": content_disposition(name),
                                      "Content-Length": str(size)})


@router.get("/archive/public-key",
            **documented_file("application/x-pem-file", description="the PEM public key", refusals=False))
def archive_public_key(runtime: RuntimeDep) -> Response:
    """The bureau's archive public key (Ed25519, PEM): what checks an archive's signature offline.
    Public; fetch it once and keep it with the archives."""
    key = keys.load_or_create(runtime.settings.archive_key_path)
    return Response(keys.public_pem(key), media_type="application/x-pem-file",
                    headers={"X-Key-Fingerprint": keys.fingerprint(key)})


@router.get("/audit/verify/files", **documented(FilesVerifyOut))
def verify_files(actor: CurrentActor, session: ReadSession, runtime: RuntimeDep) -> dict:
    """Every file the case chains recorded, read and hashed: missing or swapped files by case."""
    require(actor, Role.auditor, Role.city, Role.admin)
    return casefile.verify_files(session, _store(runtime))


class RoundOpen(BaseModel):
    """A review round: a period and districts (default all) sampled `sample_size` closed cases each
    (default 3), or the cases chosen by `case_ids`."""

    model_config = ConfigDict(extra="forbid")
    title: ShortText
    period_from: Day
    period_to: Day
    districts: Annotated[list[Annotated[str, Field(max_length=6)]], Field(max_length=20)] | None = None
    sample_size: Annotated[int, Field(ge=1, le=100)] | None = None
    case_ids: Annotated[list[Annotated[str, Field(max_length=36)]], Field(max_length=500)] | None = None


class Deduction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: Annotated[str, Field(max_length=64)]
    points: Annotated[int, Field(ge=0, le=100)]
    comment: Annotated[str, Field(max_length=2000)] | None = None


class ScoreIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    deductions: Annotated[list[Deduction], Field(max_length=50)]


class RectifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rectification: Text


@router.post("/case-file-reviews", status_code=201, tags=["case file review"], **documented(ReviewRoundOut, 201))
def open_review_round(body: RoundOpen, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """案卷评查: the city opens a round; the sample is drawn and recorded in the round's first event."""
    configured = json.loads(runtime.settings.review_checklist) if runtime.settings.review_checklist else None
    with runtime.db.write() as session:
        return review.open_round(session, actor, body.model_dump(), runtime.rules.calendar,
                                 runtime.settings.review_rectify_workdays, configured, runtime.rules.districts)


@router.get("/case-file-reviews/{round_id}", tags=["case file review"], **documented(ReviewRoundOut))
def get_review_round(round_id: str, actor: CurrentActor, session: ReadSession) -> dict:
    """The round and its cases (a district's officers and supervisors see their own cases' results)."""
    return review.get_round(session, actor, round_id)


@router.post("/case-file-reviews/{round_id}/cases/{case_id}/score", tags=["case file review"],
             **documented(ReviewedCaseOut))
def score_case_file(round_id: str, case_id: str, body: ScoreIn, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """A city reviewer scores one sampled file: points deducted per checklist item, each with a comment."""
    with runtime.db.write() as session:
        return review.score(session, actor, round_id, case_id, [d.model_dump(exclude_none=True)
                                                                for d in body.deductions])


@router.post("/case-file-reviews/{round_id}/cases/{case_id}/rectification", tags=["case file review"],
             **documented(ReviewedCaseOut))
def rectify_case_file(round_id: str, case_id: str, body: RectifyIn, actor: CurrentActor,
                      runtime: RuntimeDep) -> dict:
    """The district's supervisor answers a result with its rectification (整改), due by `rectify_due`."""
    with runtime.db.write() as session:
        return review.rectify(session, actor, round_id, case_id, body.rectification)


@router.post("/case-file-reviews/{round_id}/close", tags=["case file review"], **documented(ReviewRoundOut))
def close_review_round(round_id: str, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    """The city closes the round once every sampled file is scored."""
    with runtime.db.write() as session:
        return review.close_round(session, actor, round_id)


@router.get("/case-file-reviews/{round_id}/results", tags=["case file review"],
            **documented_with_files(ReviewResultsOut, XLSX))
def review_results(round_id: str, actor: CurrentActor, session: ReadSession,
                   format: Annotated[Literal["json", "xlsx"], Query()] = "json") -> Response:
    """Results per district and per checklist item (and per case), as JSON or XLSX."""
    data = review.results(session, actor, round_id)
    if format == "xlsx":
        return Response(review.results_xlsx(data), media_type=XLSX,
                        headers={"Content-Disposition": content_disposition(f"案卷评查-{round_id[:8]}.xlsx")})
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")

