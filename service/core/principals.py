"""Principals and their tokens: random, shown once, stored as SHA-256.

A token has 256 bits of entropy, so a fast hash is as safe as a slow one here, and it lets
every request authenticate with one indexed lookup.

An admin may disable a principal (its token is refused from then on), enable it again, rename
it and rotate its token (the old one stops working). Each change is an event of the principal's
own audit stream (SPEC §8), so who cut off whom, and when, is in the hash-chained trail.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.core.models import Agency, District, Principal
from state_machines.errors import GuardFailed, InvalidData, NotFound
from state_machines.principals import Actor
from state_machines.vocabulary import CITY_DIVISION, Role

log = logging.getLogger("ipcase.principals")
CONSOLE = "cli"
"""The actor recorded for a change made with the `ipcase` command on the server's console."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return "ipc_" + secrets.token_urlsafe(32)


def actor_of(p: Principal) -> Actor:
    return Actor(id=p.id, role=Role(p.role), district=p.district, agency=p.agency)


def create_principal(session: Session, *, name: str, role: Role, district: str | None = None,
                     agency: str | None = None, token: str | None = None,
                     principal_id: str | None = None) -> tuple[Principal, str]:
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
    principal = Principal(id=principal_id or str(uuid.uuid4()), name=name, role=str(role), district=district,
                          agency=agency, token_hash=hash_token(token), created_at=datetime.now(UTC))
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


def _status(p: Principal) -> str:
    return "disabled" if p.disabled else "active"


def _record(session: Session, p: Principal, event: str, actor: str, from_status: str, data: dict) -> None:
    """Append the change to the principal's audit stream (never the token) and log it."""
    now = datetime.now(UTC)
    row = audit.new_event(session, stream_type="principal", stream_id=p.id, seq=p.version + 1, event=event,
                          from_state=from_status, to_state=_status(p), actor=actor, at=now, data=data,
                          reason=None, prev_hash=p.head_hash or audit.GENESIS)
    p.version, p.head_hash = p.version + 1, row.hash
    log.info("principal %s: %s by %s", event, p.id, actor,
             extra={"audit": {"stream": "principal", "principal": p.id, "event": event, "actor": actor, **data}})


def _locked(session: Session, principal_id: str) -> Principal:
    principal = session.get(Principal, principal_id, with_for_update=True)
    if principal is None:
        raise NotFound(f"no principal {principal_id}")
    return principal


def update_principal(session: Session, principal_id: str, actor: str, *, name: str | None = None,
                     disabled: bool | None = None) -> Principal:
    """Rename, disable or enable; an actual change is audited, a repeated one records nothing.

    The last enabled admin cannot be disabled: nobody could enable anyone again through the API.
    """
    principal = _locked(session, principal_id)
    before = _status(principal)
    if name is not None and name != principal.name:
        old, principal.name = principal.name, name
        _record(session, principal, "rename", actor, before, {"from": old, "to": name})
    if disabled is not None and disabled != principal.disabled:
        if disabled and principal.role == Role.admin and session.scalar(
                select(func.count()).select_from(Principal)
                .where(Principal.role == str(Role.admin), Principal.disabled.is_(False))) <= 1:
            raise GuardFailed("the last enabled admin cannot be disabled")
        principal.disabled = disabled
        _record(session, principal, "disable" if disabled else "enable", actor, before, {})
    session.flush()
    return principal


def rotate_token(session: Session, principal_id: str, actor: str) -> tuple[Principal, str]:
    """Give the principal a new token and return it (shown this once); the old one stops working."""
    principal = _locked(session, principal_id)
    token = new_token()
    principal.token_hash = hash_token(token)
    _record(session, principal, "rotate_token", actor, _status(principal), {})
    session.flush()
    return principal, token


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
