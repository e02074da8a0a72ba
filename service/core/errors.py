"""The error envelope of SPEC §6: `{"error": {"code", "message", ...}}` for every refusal."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from state_machines.errors import DomainError

log = logging.getLogger("ipcase.api")

STATUS = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "invalid_transition": 409,
    "version_conflict": 409,
    "guard_failed": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "validation_error": 422,
    "too_many_requests": 429,
    "database_unavailable": 503,
    "pdf_unavailable": 503,
    "integrity_failed": 500,  # a stored file no longer matches its hash in the audit chain
}


class Unauthorized(DomainError):
    code = "unauthorized"


class TooManyRequests(DomainError):
    code = "too_many_requests"


class PdfUnavailable(DomainError):
    """The PDF renderer's system libraries (Pango) are missing: the HTML form still answers."""

    code = "pdf_unavailable"


class PayloadTooLarge(DomainError):
    """An upload over the configured limit (the case file's attachments)."""

    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """An upload whose content (sniffed, not its name) is none of the allowed kinds."""

    code = "unsupported_media_type"


class IntegrityFailed(DomainError):
    """A stored file no longer matches the hash its audit event holds: never served, always a 500."""

    code = "integrity_failed"


def error_response(code: str, message: str, status: int | None = None, **extra: object) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if code == "unauthorized" else None
    return JSONResponse({"error": {"code": code, "message": message, **extra}},
                        status_code=status or STATUS.get(code, 400), headers=headers)


def _where(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        extra = exc.extra
        if exc.code == "validation_error" and not extra.get("fields"):
            extra = {**extra, "fields": ["body"]}  # SPEC §10.9: every 422 carries error.fields
        return error_response(exc.code, exc.message, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        message = "; ".join(f"{_where(tuple(e.get('loc', ())))}: {e.get('msg')}" for e in errors[:10])
        return error_response("validation_error", message or "invalid request",
                              fields=sorted({_where(tuple(e.get("loc", ()))) for e in errors}))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                413: "payload_too_large"}.get(exc.status_code)
        if code is None:
            # FastAPI answers 400 for a body its JSON parser gave up on (thousands of nested
            # brackets, an integer of 5,000 digits): that is a body at fault, SPEC §6's 422.
            return error_response("validation_error", f"the body could not be read as JSON: {exc.detail}",
                                  fields=["body"])
        return error_response(code, str(exc.detail), exc.status_code)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        # The database went away (restart, failover, network) or stayed locked past the timeout.
        # Nothing was committed; the pool reconnects on the next checkout (pre-ping), so the
        # client may simply retry.
        if not (isinstance(exc, OperationalError) or exc.connection_invalidated):
            return await _unexpected(request, exc)
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc.orig)
        response = error_response("database_unavailable", "the database is unavailable; retry in a moment")
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response("internal_error", "an unexpected error occurred; it has been logged", 500)
