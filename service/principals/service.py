"""Changing a principal after creation: rename, disable, enable, rotate its token (SPEC §10.9).

Each actual change is appended to the principal's own hash-chained audit stream (never the
token) and logged; authentication itself stays in `service.core.principals`, which every
request needs and which may not depend on the audit chain.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.audit import service as audit
from service.core.models import Principal
from service.core.principals import end_board_sessions, hash_password, hash_token, new_token
from state_machines.errors import GuardFailed, InvalidData, NotFound
from state_machines.vocabulary import Role

log = logging.getLogger("ipcase.principals")
CONSOLE = "cli"
"""The actor recorded for a change made with the `ipcase` command on the server's console."""


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
                     disabled: bool | None = None, legal_qualified: bool | None = None) -> Principal:
    """Rename, disable or enable, or mark a reviewer's 法律职业资格; an actual change is audited, a
    repeated one records nothing.

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
    if legal_qualified is not None and legal_qualified != principal.legal_qualified:
        if principal.role != Role.reviewer:
            raise InvalidData("legal_qualified is for reviewers only", fields=["legal_qualified"])
        principal.legal_qualified = legal_qualified
        _record(session, principal, "set_legal_qualified", actor, before, {"legal_qualified": legal_qualified})
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


def set_credentials(session: Session, principal_id: str, actor: str, *, username: str | None = None,
                    password: str | None = None) -> Principal:
    """Set the principal's board username and/or password (issue 23); audited, never the password or its hash.

    A username is unique (a taken one is a 422 naming `username`); a password needs a username to
    sign in with, so the first password without one takes the principal's id as its username.
    """
    principal = _locked(session, principal_id)
    changed: dict = {}
    if username is not None and not re.fullmatch(r"[\w.@-]{2,64}", username):
        raise InvalidData("a username has 2 to 64 letters, digits, '.', '@', '-' or '_'", fields=["username"])
    if username is not None and username != principal.username:
        if session.scalar(select(Principal.id).where(Principal.username == username, Principal.id != principal_id)):
            raise InvalidData("that username is taken", fields=["username"])
        principal.username = username
        changed["username"] = username
    if password is not None:
        principal.password_hash = hash_password(password)
        end_board_sessions(session, principal.id)  # whoever knew the old password is signed out
        changed["password"] = "set"
        if principal.username is None:
            principal.username = principal.id
            changed["username"] = principal.id
    if changed:
        _record(session, principal, "set_credentials", actor, _status(principal), changed)
    session.flush()
    return principal
