"""Principals and agencies (admin), SPEC §6."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import Field, HttpUrl, model_validator
from sqlalchemy import select

from notifications.channels import webhook_url_refusal
from service.core.deps import CurrentActor, ReadSession, RuntimeDep, forget_principals, require
from service.core.models import Agency, Principal
from service.core.principals import create_principal
from service.core.schemas import PrincipalCreate, Strict, documented
from service.principals.schemas import AgencyOut, AgencyPage, PrincipalOut, PrincipalPage, TokenOut
from service.principals.service import rotate_token, set_credentials, update_principal
from state_machines.errors import Forbidden, InvalidData, NotFound
from state_machines.types import ShortText
from state_machines.vocabulary import Role

router = APIRouter(tags=["admin"])


@router.post("/principals", status_code=201, **documented(TokenOut, 201))
def post_principal(body: PrincipalCreate, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    require(actor, Role.admin)
    with runtime.db.write() as session:
        principal, token = create_principal(session, name=body.name, role=body.role, district=body.district,
                                            agency=body.agency, legal_qualified=body.legal_qualified)
    return {"id": principal.id, "token": token}


def principal_json(p: Principal) -> dict:
    return {"id": p.id, "name": p.name, "role": p.role, "district": p.district, "agency": p.agency,
            "disabled": p.disabled, "legal_qualified": p.legal_qualified, "created_at": p.created_at.isoformat(),
            "username": p.username, "password_set": p.password_hash is not None}


@router.get("/principals", **documented(PrincipalPage))
def list_principals(actor: CurrentActor, session: ReadSession,
                    district: Annotated[str | None, Query(max_length=6)] = None,
                    role: Role | None = None) -> dict:
    """Everything to admins; to a supervisor, the ids and names of its district's enabled principals,
    so that it can name officers (`co_officer`, `officers`, `panel`, `presided_by`; SPEC §10.9)."""
    if actor.role is Role.supervisor:
        if district not in (None, actor.district):
            raise Forbidden("you read your own district's people only")
        query = select(Principal).where(Principal.district == actor.district, Principal.disabled.is_(False))
        if role is not None:
            query = query.where(Principal.role == str(role))
        rows = session.scalars(query.order_by(Principal.created_at, Principal.id))
        return {"items": [{"id": p.id, "name": p.name, "role": p.role} for p in rows], "next_cursor": None}
    require(actor, Role.admin)
    query = select(Principal)
    if district is not None:
        query = query.where(Principal.district == district)
    if role is not None:
        query = query.where(Principal.role == str(role))
    rows = session.scalars(query.order_by(Principal.created_at, Principal.id))
    return {"items": [principal_json(p) for p in rows], "next_cursor": None}


class PrincipalPatch(Strict):
    """SPEC §10.9: an admin renames, disables or enables a principal; a disabled one's token is refused."""

    name: ShortText | None = None
    disabled: bool | None = None
    legal_qualified: bool | None = None
    """法律职业资格 (reviewers only, SPEC §10.2)."""
    username: Annotated[str | None, Field(pattern=r"^[\w.@-]{2,64}$")] = None
    """The board's sign-in name (issue 23); unique."""
    password: Annotated[str | None, Field(min_length=10, max_length=128)] = None
    """The board's password (issue 23), stored as argon2id; never shown again."""

    @model_validator(mode="after")
    def _something(self) -> PrincipalPatch:
        if all(v is None for v in (self.name, self.disabled, self.legal_qualified, self.username, self.password)):
            raise ValueError("give name, disabled, legal_qualified, username and/or password")
        return self


PrincipalId = Annotated[str, Path(max_length=36)]


@router.patch("/principals/{principal_id}", **documented(PrincipalOut))
def patch_principal(principal_id: PrincipalId, body: PrincipalPatch, actor: CurrentActor, runtime: RuntimeDep,
                    request: Request) -> dict:
    """Rename, disable or enable: effective at once here, within `IPCASE_PRINCIPAL_CACHE_SECONDS` elsewhere."""
    require(actor, Role.admin)
    with runtime.db.write() as session:
        principal = update_principal(session, principal_id, actor.id, name=body.name, disabled=body.disabled,
                                     legal_qualified=body.legal_qualified)
        if body.username is not None or body.password is not None:
            principal = set_credentials(session, principal_id, actor.id, username=body.username,
                                        password=body.password)
        answer = principal_json(principal)
    forget_principals(request)
    return answer


@router.post("/principals/{principal_id}/token", **documented(TokenOut))
def post_principal_token(principal_id: PrincipalId, actor: CurrentActor, runtime: RuntimeDep,
                         request: Request) -> dict:
    """Rotate the principal's token: the new one is returned this once, the old one stops working."""
    require(actor, Role.admin)
    with runtime.db.write() as session:
        principal, token = rotate_token(session, principal_id, actor.id)
        answer = {"id": principal.id, "token": token}
    forget_principals(request)
    return answer


def agency_json(a: Agency, *, details: bool = True) -> dict:
    """An agency; its channel's address only with `details` (admins), its secret never.

    Everyone else needs to know that an agency exists and how it is reached (the channel's type),
    not the partner's webhook URL or mailbox (security review finding 6).
    """
    channel = dict(a.channel or {"type": "inbox"})
    if not details:
        channel = {"type": channel.get("type", "inbox")}
    elif "secret" in channel:
        channel.pop("secret")
        channel["secret_set"] = True
    return {"code": a.code, "kind": a.kind, "division": a.division, "name": a.name, "channel": channel}


@router.get("/agencies", **documented(AgencyPage))
def list_agencies(actor: CurrentActor, session: ReadSession) -> dict:
    rows = session.scalars(select(Agency).order_by(Agency.code))
    details = actor.role is Role.admin
    return {"items": [agency_json(a, details=details) for a in rows], "next_cursor": None}


class Webhook(Strict):
    type: Literal["webhook"]
    url: HttpUrl
    secret: Annotated[str, Field(min_length=16, max_length=200)]


class Email(Strict):
    type: Literal["email"]
    address: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=200)]


class Inbox(Strict):
    type: Literal["inbox"]


class AgencyPatch(Strict):
    channel: Annotated[Webhook | Email | Inbox, Field(discriminator="type")]


@router.patch("/agencies/{code}", **documented(AgencyOut))
def patch_agency(code: str, body: AgencyPatch, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    require(actor, Role.admin)
    with runtime.db.write() as session:
        agency = session.get(Agency, code)
        if agency is None:
            raise NotFound(f"no agency {code}")
        channel = body.channel.model_dump(mode="json")
        if channel["type"] == "webhook":
            # the address policy of SPEC §5; delivery checks the resolved addresses again
            reason = webhook_url_refusal(channel["url"], allow_private=runtime.settings.webhook_allow_private)
            if reason:
                raise InvalidData(f"channel.url: {reason}", fields=["channel.url"])
        agency.channel = channel
        session.flush()
        return agency_json(agency)
