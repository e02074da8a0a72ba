"""Request shapes of SPEC §6 (pydantic); unknown fields are refused, text lengths are capped."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from state_machines.errors import InvalidData
from state_machines.identifiers import credit_code_problem, id_number_problem
from state_machines.types import Amount, Code, Day, ShortText, Text, Timestamp, encodable
from state_machines.vocabulary import KINDS, SECTORS, SOURCES, VENUES, Role

Kind = Literal[tuple(KINDS)]  # type: ignore[valid-type]
Source = Literal[tuple(SOURCES)]  # type: ignore[valid-type]
Sector = Literal[tuple(SECTORS)]  # type: ignore[valid-type]
Venue = Literal[tuple(VENUES)]  # type: ignore[valid-type]


def decode_json_body(raw: bytes) -> object:
    """A request body parsed by hand (where SPEC §3's refusal order puts 404 before 422), with the same
    rules as the models: valid JSON, valid UTF-8, text every database can store."""
    try:
        return encodable(json.loads((raw or b"null").decode("utf-8")))
    except (ValueError, UnicodeDecodeError):
        raise InvalidData("the body is not valid JSON (or holds text that cannot be stored)", fields=["body"]) from None
    except RecursionError:  # thousands of nested brackets: refused, not a 500
        raise InvalidData("the body is nested too deeply", fields=["body"]) from None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _valid_unicode(cls, value: object) -> object:
        return encodable(value)


class PartyIn(Strict):
    name: ShortText
    type: Literal["organisation", "individual"] | None = None
    credit_code: str | None = Field(default=None, max_length=18)
    id_number: str | None = Field(default=None, max_length=32)
    foreign: bool = False

    @model_validator(mode="after")
    def _identifiers(self) -> PartyIn:
        if self.credit_code is not None:
            self.credit_code = self.credit_code.strip().upper()
            if problem := credit_code_problem(self.credit_code):
                raise ValueError(f"credit_code: {problem}")
        if self.id_number is not None:
            self.id_number = self.id_number.strip().upper()
            if not self.foreign and (problem := id_number_problem(self.id_number)):
                raise ValueError(f"id_number: {problem}")
            if self.foreign and not (5 <= len(self.id_number) and self.id_number.isalnum()):
                raise ValueError("id_number: a foreign document number has 5 to 32 letters or digits")
        if self.type is None:
            self.type = "organisation" if self.credit_code else "individual"
        if self.type == "individual" and self.credit_code:
            raise ValueError("an individual has no unified social credit code")
        if self.type == "organisation" and self.id_number:
            raise ValueError("an organisation is identified by its credit code, not an ID number")
        return self


class PartiesIn(Strict):
    respondent: PartyIn
    complainant: PartyIn | None = None


class AmountsIn(Strict):
    case_value: Amount | None = None
    illegal_turnover: Amount | None = None
    illegal_gains: Amount | None = None
    direct_loss: Amount | None = None
    unsold_stock_value: Amount | None = None


class CaseCreate(Strict):
    kind: Kind
    district: Code
    source: Source
    title: ShortText
    description: Text
    parties: PartiesIn
    sector: Sector | None = None
    venue: Venue | None = None
    tags: list[ShortText] = Field(default_factory=list, max_length=20)
    amounts: AmountsIn | None = None
    marks_count: int | None = Field(default=None, ge=0, le=100_000)
    received_at: Timestamp | None = None
    violation_ended_on: Day | None = None
    patent_type: Literal["invention", "utility_model", "design", "none"] | None = None
    """Machine version 2 (SPEC §10.4): required on `patent_dispute`; `none` only on `patent_counterfeit`."""
    public_safety: bool = False
    """Machine version 2 (SPEC §10.3 accept): life, health, safety or financial security: 5 years' limitation."""


class PrincipalCreate(Strict):
    name: ShortText
    role: Role
    district: Code | None = None
    agency: Code | None = None
    legal_qualified: bool | None = None
    """法律职业资格 (reviewers only, SPEC §10.2)."""


class EventIn(Strict):
    """Documents `POST /cases/{id}/events`; the body is parsed by the service, in SPEC §3's order."""

    event: str
    data: dict = Field(default_factory=dict)
    reason: str | None = None


# ---- Response shapes (issue 23, "Typed API") ------------------------------------------------------
# They document the answers in the OpenAPI; the routes keep returning the dicts they build, and
# nothing validates those against the models at run time (`documented`). The test
# tests/integration/core/test_openapi_types.py validates real answers against them, so a model
# that drifts from the code fails there. `extra="forbid"`: a key the code adds must be added here.


class Out(BaseModel):
    """A response shape: every key the answer may hold is declared; optional ones may be absent."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(BaseModel):
    """SPEC §6: a machine-readable `code` and a human `message`, plus details some refusals carry."""

    model_config = ConfigDict(extra="allow")

    code: str
    message: str
    fields: list[str] | None = None
    """On a 422: the request's fields at fault (`body` when it is the body as a whole)."""
    allowed_events: list[str] | None = None
    """On an `invalid_transition`: the events the caller may fire now."""


T = TypeVar("T")


class ErrorEnvelope(Out):
    error: ErrorBody


class Page(Out, Generic[T]):
    """Every list (SPEC §6): a page of items and the cursor of the next one (null on the last)."""

    items: list[T]
    next_cursor: str | None


class EventOut(Out):
    """An event of a stream's hash-chained log (a case's history; every stream in the audit trail)."""

    seq: int
    event: str
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    data: dict[str, Any]
    reason: str | None
    prev_hash: str
    hash: str


ERRORS: dict[int | str, dict] = {
    401: {"model": ErrorEnvelope, "description": "unauthorized: no, an unknown or a disabled token"},
    403: {"model": ErrorEnvelope, "description": "forbidden: the caller's role or district may not do this"},
    404: {"model": ErrorEnvelope, "description": "not_found (also what a record the caller may not see answers)"},
    409: {"model": ErrorEnvelope, "description": "invalid_transition, version_conflict or guard_failed"},
    422: {"model": ErrorEnvelope, "description": "validation_error: `error.fields` names the fields at fault"},
}


def answer_dict(model: type[BaseModel]) -> object:
    """What a route keeps answering through at run time: a plain `dict`, checked and serialised by
    pydantic-core as before (FastAPI's pure-Python `jsonable_encoder`, which `response_model=None`
    would use instead, costs about 20 ms more for a page of 50 cases). Its schema is a reference
    to `model`, which `responses` puts in the components (the test checks that every one resolves)."""
    return Annotated[dict, WithJsonSchema({"$ref": f"#/components/schemas/{model.__name__}"})]


def documented(model: type[BaseModel], status: int = 200, description: str = "Successful Response") -> dict:
    """Route decorator arguments that document `model` as the answer, and the error envelope, without
    validating the returned dict against it at run time: `@router.get("/x", **documented(XOut))`."""
    return {"response_model": answer_dict(model),
            "responses": {status: {"model": model, "description": description}, **ERRORS}}


def _binary(media_types: tuple[str, ...]) -> dict:
    return {media.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for media in media_types}


def documented_with_files(model: type[BaseModel], *media_types: str, status: int = 200,
                          description: str = "the JSON answer, or the file `format` asks for") -> dict:
    """A route answering `model` as JSON by default and a file for another `format` (`Response | dict`,
    `response_model=None` as before: nothing is validated at run time)."""
    return {"response_model": None, "responses": {
        status: {"model": model, "description": description, "content": _binary(media_types)}, **ERRORS}}


def documented_file(*media_types: str, description: str = "the file", refusals: bool = True) -> dict:
    """A route answering only a file (a `Response` it builds): typed as binary content, no JSON; its
    refusals in the error envelope (`refusals=False` for a public route that refuses nothing)."""
    return {"response_class": Response, "responses": {
        200: {"description": description, "content": _binary(media_types)}, **(ERRORS if refusals else {})}}
