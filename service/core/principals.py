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
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from service.core.models import Agency, BoardSession, District, Principal
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


# --- the workbench's sign-in (issue 23): passwords for people, server-side board sessions ---

PASSWORD_MIN, PASSWORD_MAX = 10, 128
_hasher = None


def _argon2():
    """argon2id with the library's defaults (RFC 9106's second recommendation), made once."""
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


def check_password_shape(password: str, field: str = "password") -> None:
    """A password of 10 to 128 characters: long enough to resist guessing within the rate limit."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InvalidData(f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters", fields=[field])


def hash_password(password: str) -> str:
    check_password_shape(password)
    return _argon2().hash(password)


_DUMMY_HASH: list[str] = []


def verify_password(session: Session, username: str, password: str) -> Principal | None:
    """The enabled principal with this username and password, or None.

    An unknown name costs one argon2 verification too, so the time taken does not tell whether
    the name exists.
    """
    from argon2.exceptions import InvalidHashError, VerificationError

    principal = session.scalar(select(Principal).where(Principal.username == username)) if username else None
    stored = principal.password_hash if principal is not None else None
    if stored is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(_argon2().hash(secrets.token_urlsafe(16)))
        stored, principal = _DUMMY_HASH[0], None
    try:
        _argon2().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if principal is None or principal.disabled:
        return None
    return principal


def open_board_session(session: Session, principal_id: str, seconds: int) -> str:
    """Start a board session; returns the random id for the cookie (stored only as its SHA-256)."""
    now = datetime.now(UTC)
    sid = secrets.token_urlsafe(32)
    session.add(BoardSession(id_hash=hash_token(sid), principal_id=principal_id, created_at=now,
                             expires_at=now + timedelta(seconds=seconds)))
    session.execute(delete(BoardSession).where(BoardSession.expires_at < now))  # the expired, swept as we go
    session.flush()
    return sid


def board_session_principal(session: Session, sid: str) -> Principal | None:
    """The enabled principal of an unexpired board session, or None (unknown, tampered, expired, disabled)."""
    return session.scalar(select(Principal).join(BoardSession, BoardSession.principal_id == Principal.id)
                          .where(BoardSession.id_hash == hash_token(sid), BoardSession.expires_at > datetime.now(UTC),
                                 Principal.disabled.is_(False)))


def close_board_session(session: Session, sid: str) -> None:
    session.execute(delete(BoardSession).where(BoardSession.id_hash == hash_token(sid)))


def end_board_sessions(session: Session, principal_id: str) -> None:
    """Sign the principal out of every browser: its password changed (perhaps because it leaked)."""
    session.execute(delete(BoardSession).where(BoardSession.principal_id == principal_id))
