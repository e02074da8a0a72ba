"""The process's short-lived trust in bearer tokens: token hash → the actor it was found to be.

Why more than a dict with expiry times: under load every request of a busy token arrived at
the moment its entry expired, and each one then looked the principal up on its own, in the
thread pool, while the event path waited behind them (a stampede every `ttl` seconds, which
showed in the tail latency). Here one lookup per token is in flight at a time, the requests
that need it wait for that one, and a token in use is looked up again in the background during
the second half of its time, so its requests keep being answered from memory.

What is promised is unchanged: an answer is trusted for at most `ttl` seconds from the moment
it was read (a principal disabled or a token rotated in another process is refused here within
that time), and `clear()` (a change made through this process) is effective at once, including
against a lookup that was already under way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from fastapi.concurrency import run_in_threadpool

from state_machines.principals import Actor

MAX_ENTRIES = 10_000

Lookup = Callable[[], Actor | None]


class ActorCache:
    """Used from event loops only; `clear` may also be called from a route's thread."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Actor]] = {}  # token hash -> (trusted until, actor)
        self._lookups: dict[str, asyncio.Task] = {}
        self._generation = 0  # moved by clear(): a lookup begun before it stores nothing

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
        # a read begun before the change keeps answering whoever awaits it already, but a request
        # that comes after the change starts a read of its own instead of joining that one
        self._lookups = {}

    async def actor(self, key: str, ttl: float, lookup: Lookup) -> Actor | None:
        """The actor behind this token hash, or None for an unknown or disabled token."""
        if ttl <= 0:  # no caching: every request reads the principal itself
            return await run_in_threadpool(lookup)
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            if hit[0] - now < ttl / 2:
                self._lookup(key, ttl, lookup)  # refreshed in the background; this request needs not wait
            return hit[1]
        # shielded: a client that goes away must not cancel the lookup others are waiting for
        return await asyncio.shield(self._lookup(key, ttl, lookup))

    def _lookup(self, key: str, ttl: float, lookup: Lookup) -> asyncio.Task:
        loop = asyncio.get_running_loop()
        task = self._lookups.get(key)
        if task is None or task.done() or task.get_loop() is not loop:
            task = loop.create_task(self._read(key, ttl, lookup))
            task.add_done_callback(_retrieve)
            self._lookups[key] = task
        return task

    async def _read(self, key: str, ttl: float, lookup: Lookup) -> Actor | None:
        generation, read_at = self._generation, time.monotonic()
        try:
            actor = await run_in_threadpool(lookup)
        finally:
            if self._lookups.get(key) is asyncio.current_task():
                del self._lookups[key]
        if generation == self._generation:
            if actor is None:
                self._entries.pop(key, None)
            else:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[key] = (read_at + ttl, actor)  # trusted from when it was read
        return actor


def _retrieve(task: asyncio.Task) -> None:
    """A background refresh that failed (the database away) leaves the entry to expire as usual;
    its error reaches whoever awaited it, and is not logged again as never retrieved."""
    if not task.cancelled():
        task.exception()
