"""FastAPI dependencies as `Annotated` aliases: the runtime, a read session, the calling actor."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from state_machines.principals import Actor
from state_machines.vocabulary import Role

from ..principals import actor_of, find_by_token, hash_token
from ..runtime import Runtime
from .errors import Unauthorized

_ACTOR_CACHE_SECONDS = 30.0


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def read_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.db.read() as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]


def current_actor(request: Request, runtime: RuntimeDep) -> Actor:
    """The principal behind the bearer token; cached briefly so a request costs no extra query."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send Authorization: Bearer <token>")
    key = hash_token(token.strip())
    cache: dict[str, tuple[float, Actor]] = request.app.state.actor_cache
    hit = cache.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    with runtime.db.read() as session:
        principal = find_by_token(session, token.strip())
    if principal is None:
        raise Unauthorized("unknown token")
    actor = actor_of(principal)
    if len(cache) > 10_000:
        cache.clear()
    cache[key] = (now + _ACTOR_CACHE_SECONDS, actor)
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(actor: Actor, *roles: Role) -> None:
    from state_machines.errors import Forbidden

    if actor.role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
