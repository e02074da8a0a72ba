"""FastAPI dependencies as `Annotated` aliases: the runtime, a read session, the calling actor."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from typing import Annotated, NoReturn

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from service.core.actor_cache import ActorCache
from service.core.errors import TooManyRequests, Unauthorized
from service.core.principals import actor_of, authenticate, hash_token
from service.core.runtime import Runtime
from state_machines.principals import Actor
from state_machines.vocabulary import Role


async def get_runtime(request: Request) -> Runtime:
    # `async` so FastAPI calls it inline: a plain `def` dependency costs a thread hop per request
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def read_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.db.read() as session:
        yield session


ReadSession = Annotated[Session, Depends(read_session)]


class AuthFailures:
    """Failed authentications per client address in a sliding minute: guessing tokens gets 429."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._seen: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        window = self._seen[client]
        while window and window[0] < now - 60:
            window.popleft()
        return window

    def count(self, client: str) -> bool:
        """Count a failed authentication (API or board sign-in); whether the address is past the limit."""
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            window = self._recent(client, time.monotonic())
            window.append(time.monotonic())
            return len(window) > self.per_minute

    def limited(self, client: str) -> bool:
        """Whether the address is past the limit now, counting nothing: a password guess is refused
        unchecked then (else a right guess among the refusals would still get in; issue 23)."""
        with self._lock:
            return len(self._recent(client, time.monotonic())) >= self.per_minute

    def refuse(self, client: str, message: str) -> NoReturn:
        """Count a failed authentication; past the limit the answer is 429 instead of 401.

        Valid tokens are never slowed down: only requests that fail to authenticate are counted
        and refused, so colleagues behind the same address keep working.
        """
        if self.count(client):
            raise TooManyRequests("too many failed authentications from this address; wait a minute")
        raise Unauthorized(message)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def forget_principals(request: Request) -> None:
    """Empty this process's token cache after a principal changed (disabled, enabled, rotated).

    Other worker processes have caches of their own; theirs expire within
    `principal_cache_seconds`, after which the token is looked up again.
    """
    request.app.state.actor_cache.clear()


async def current_actor(request: Request, runtime: RuntimeDep) -> Actor:
    """The enabled principal behind the bearer token; cached briefly so a request costs no extra query.

    `async` so a cached token is answered on the event loop without a thread hop; only a
    lookup goes to the thread pool (`ActorCache`: one at a time per token, refreshed ahead of
    expiry). The cache is per process and trusted for `principal_cache_seconds` (default 2): a
    principal disabled or a token rotated in another process is refused here within that time;
    through this process, at once (`forget_principals`).
    """
    failures: AuthFailures = request.app.state.auth_failures
    client = client_address(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        failures.refuse(client, "send Authorization: Bearer <token>")
    key = hash_token(token)

    def lookup() -> Actor | None:
        with runtime.db.read() as session:
            principal = authenticate(session, token)
            return None if principal is None else actor_of(principal)

    cache: ActorCache = request.app.state.actor_cache
    actor = await cache.actor(key, runtime.settings.principal_cache_seconds, lookup)
    if actor is None:
        failures.refuse(client, "unknown or disabled token")
    return actor


CurrentActor = Annotated[Actor, Depends(current_actor)]


def require(actor: Actor, *roles: Role) -> None:
    from state_machines.errors import Forbidden

    if actor.role not in roles:
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")
