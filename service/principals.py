"""Principals and their tokens: random, shown once, stored as SHA-256.

A token has 256 bits of entropy, so a fast hash is as safe as a slow one here, and it lets
every request authenticate with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from state_machines.errors import InvalidData
from state_machines.principals import Actor
from state_machines.vocabulary import CITY_DIVISION, Role

from .models import Agency, District, Principal


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "ipc_" + secrets.token_urlsafe(32)


def actor_of(p: Principal) -> Actor:
    return Actor(id=p.id, role=Role(p.role), district=p.district, agency=p.agency)


def create_principal(session: Session, *, name: str, role: Role, district: str | None = None,
                     agency: str | None = None, token: str | None = None) -> tuple[Principal, str]:
    """Validate the role's binding (SPEC §6) and store the principal; returns the clear token."""
    if role in (Role.officer, Role.supervisor):
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
    principal = Principal(id=str(uuid.uuid4()), name=name, role=str(role), district=district, agency=agency,
                          token_hash=hash_token(token), created_at=datetime.now(UTC))
    session.add(principal)
    session.flush()
    return principal, token


def find_by_token(session: Session, token: str) -> Principal | None:
    return session.scalar(select(Principal).where(Principal.token_hash == hash_token(token)))


def ensure_admin(session: Session, bootstrap_token: str | None) -> str | None:
    """Create the first admin: with the configured token, or a new one returned to print once."""
    if bootstrap_token:
        if find_by_token(session, bootstrap_token) is None:
            create_principal(session, name="bootstrap admin", role=Role.admin, token=bootstrap_token)
        return None
    if session.scalar(select(Principal.id).limit(1)) is not None:
        return None
    _, token = create_principal(session, name="admin", role=Role.admin)
    return token
