"""Principals and agencies (admin), SPEC §6."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import Field, HttpUrl
from sqlalchemy import select

from notifications.channels import webhook_url_refusal
from state_machines.errors import InvalidData, NotFound
from state_machines.vocabulary import Role

from ...models import Agency, Principal
from ...principals import create_principal
from ...schemas import PrincipalCreate, Strict
from ..deps import CurrentActor, ReadSession, RuntimeDep, require

router = APIRouter(tags=["admin"])


@router.post("/principals", status_code=201)
def post_principal(body: PrincipalCreate, actor: CurrentActor, runtime: RuntimeDep) -> dict:
    require(actor, Role.admin)
    with runtime.db.write() as session:
        principal, token = create_principal(session, name=body.name, role=body.role, district=body.district,
                                            agency=body.agency)
    return {"id": principal.id, "token": token}


@router.get("/principals")
def list_principals(actor: CurrentActor, session: ReadSession) -> dict:
    require(actor, Role.admin)
    rows = session.scalars(select(Principal).order_by(Principal.created_at, Principal.id))
    return {"items": [{"id": p.id, "name": p.name, "role": p.role, "district": p.district, "agency": p.agency,
                       "created_at": p.created_at.isoformat()} for p in rows], "next_cursor": None}


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


@router.get("/agencies")
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


@router.patch("/agencies/{code}")
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
