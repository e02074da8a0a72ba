"""Principals and their tokens: random, shown once, stored as SHA-256.

A token has 256 bits of entropy, so a fast hash is as safe as a slow one here, and it lets
every request authenticate with one indexed lookup.

An admin may disable a principal (its token is refused from then on), enable it again, rename
it and rotate its token (the old one stops working). Each change is an event of the principal's
own audit stream (SPEC §8), so who cut off whom, and when, is in the hash-chained trail.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.core.models import Agency, District, Principal
from state_machines.errors import InvalidData
from state_machines.principals import Actor
from state_machines.vocabulary import CITY_DIVISION, Role


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "ipc_" + secrets.token_urlsafe(32)


def actor_of(p: Principal) -> Actor:
    return Actor(id=p.id, role=Role(p.role), district=p.district, agency=p.agency,
                 legal_qualified=bool(p.legal_qualified))


def create_principal(session: Session, *, name: str, role: Role, district: str | None = None,
                     agency: str | None = None, token: str | None = None,
                     principal_id: str | None = None, legal_qualified: bool | None = None) -> tuple[Principal, str]:
    """Validate the role's binding (SPEC §6, §10.2) and store the principal; returns the clear token."""
    if legal_qualified is not None and role is not Role.reviewer:
        raise InvalidData("legal_qualified is for reviewers only", fields=["legal_qualified"])
    if role in (Role.officer, Role.supervisor, Role.reviewer):
        if not district:
            raise InvalidData(f"a {role} needs a district", fields=["district"])
    elif role is Role.city:
        if district not in (None, CITY_DIVISION):
            raise InvalidData("the city role takes no district (or 150600)", fields=["district"])
        district = None
    elif district is not None:
        raise InvalidData(f"a {role} takes no district", fields=["district"])
    if role is Role.partner:
        if not agency:
            raise InvalidData("a partner needs an agency", fields=["agency"])
    elif agency is not None:
        raise InvalidData(f"a {role} takes no agency", fields=["agency"])
    if district is not None and session.get(District, district) is None:
        raise InvalidData(f"unknown district {district}", fields=["district"])
    if agency is not None and session.get(Agency, agency) is None:
        raise InvalidData(f"unknown agency {agency}", fields=["agency"])
    token = token or new_token()
    principal = Principal(id=principal_id or str(uuid.uuid4()), name=name, role=str(role), district=district,
                          agency=agency, token_hash=hash_token(token), created_at=datetime.now(UTC),
                          legal_qualified=bool(legal_qualified))
    session.add(principal)
    session.flush()
    return principal, token


def find_by_token(session: Session, token: str) -> Principal | None:
    """The principal holding this token, disabled or not (see `authenticate` for a caller)."""
    return session.scalar(select(Principal).where(Principal.token_hash == hash_token(token)))


def authenticate(session: Session, token: str) -> Principal | None:
    """The enabled principal holding this token: what every request (API and board) is let in by."""
    return session.scalar(select(Principal).where(Principal.token_hash == hash_token(token),
                                                  Principal.disabled.is_(False)))


def ensure_admin(session: Session, bootstrap_token: str | None) -> str | None:
    """Create the first admin: with the configured token, or a new one returned to print once.

    The bootstrap admin's id derives from its token, so a restart with the same
    `IPCASE_BOOTSTRAP_ADMIN_TOKEN` after that admin's token was rotated (or the admin disabled)
    does not bring the old token back as a new admin; a new token still creates one (recovery).
    """
    if bootstrap_token:
        bootstrap_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"ipcase:bootstrap-admin:{hash_token(bootstrap_token)}"))
        if session.get(Principal, bootstrap_id) is None and find_by_token(session, bootstrap_token) is None:
            create_principal(session, name="bootstrap admin", role=Role.admin, token=bootstrap_token,
                             principal_id=bootstrap_id)
        return None
    if session.scalar(select(Principal.id).limit(1)) is not None:
        return None
    _, token = create_principal(session, name="admin", role=Role.admin)
    return token
