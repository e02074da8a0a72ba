"""The token cache: one lookup per token at a time, refreshed ahead of expiry, cleared at once."""

from __future__ import annotations

import asyncio
import threading
import time

from service.core.actor_cache import ActorCache
from state_machines.principals import Actor
from state_machines.vocabulary import Role

OFFICER = Actor(id="p1", role=Role.officer, district="150602")


class Principals:
    """What the database would answer, counting the reads; a read can be held open."""

    def __init__(self) -> None:
        self.reads = 0
        self.answer: Actor | None = OFFICER
        self.gate = threading.Event()
        self.gate.set()

    def lookup(self) -> Actor | None:
        self.reads += 1
        answer = self.answer
        self.gate.wait(5)
        return answer


def test_requests_that_miss_together_share_one_read() -> None:
    principals, cache = Principals(), ActorCache()

    async def main() -> list[Actor | None]:
        principals.gate.clear()
        waiting = [asyncio.create_task(cache.actor("k", 2.0, principals.lookup)) for _ in range(16)]
        await asyncio.sleep(0.05)
        principals.gate.set()
        return await asyncio.gather(*waiting)

    assert asyncio.run(main()) == [OFFICER] * 16
    assert principals.reads == 1


def test_a_token_in_use_is_read_again_in_the_background_before_it_expires() -> None:
    principals, cache = Principals(), ActorCache()

    async def main() -> None:
        assert await cache.actor("k", 0.4, principals.lookup) == OFFICER
        assert await cache.actor("k", 0.4, principals.lookup) == OFFICER
        assert principals.reads == 1  # first half of its time: from memory
        await asyncio.sleep(0.25)
        principals.gate.clear()  # the refresh is held: requests meanwhile are still answered at once
        answers = [await cache.actor("k", 0.4, principals.lookup) for _ in range(5)]
        await asyncio.sleep(0.02)  # the refresh, started by the first of them, is reading
        answers += [await cache.actor("k", 0.4, principals.lookup) for _ in range(5)]
        assert answers == [OFFICER] * 10 and principals.reads == 2
        principals.gate.set()
        await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # past the first entry's expiry: the refreshed one answers
        assert await cache.actor("k", 0.4, principals.lookup) == OFFICER
        assert principals.reads == 2

    asyncio.run(main())


def test_a_disabled_principal_found_by_the_refresh_is_refused_at_the_next_request() -> None:
    principals, cache = Principals(), ActorCache()

    async def main() -> None:
        await cache.actor("k", 0.4, principals.lookup)
        await asyncio.sleep(0.25)
        principals.answer = None  # disabled in another process
        assert await cache.actor("k", 0.4, principals.lookup) == OFFICER  # still within its time
        await asyncio.sleep(0.05)
        assert await cache.actor("k", 0.4, principals.lookup) is None

    asyncio.run(main())


def test_an_answer_is_never_trusted_longer_than_ttl_after_it_was_read() -> None:
    principals, cache = Principals(), ActorCache()

    async def main() -> None:
        principals.gate.clear()
        pending = asyncio.create_task(cache.actor("k", 0.3, principals.lookup))
        await asyncio.sleep(0.2)  # a slow read: its answer dates from when it began
        principals.gate.set()
        await pending
        principals.answer = None
        await asyncio.sleep(0.15)
        started = time.monotonic()
        assert await cache.actor("k", 0.3, principals.lookup) is None
        assert time.monotonic() - started < 0.2

    asyncio.run(main())


def test_clear_wins_over_a_read_already_under_way() -> None:
    principals, cache = Principals(), ActorCache()

    async def main() -> None:
        principals.gate.clear()
        pending = asyncio.create_task(cache.actor("k", 2.0, principals.lookup))
        await asyncio.sleep(0.05)
        cache.clear()  # e.g. the token was rotated through this process meanwhile
        principals.answer = None
        principals.gate.set()
        assert await pending == OFFICER  # the request that asked before the change
        assert await cache.actor("k", 2.0, principals.lookup) is None  # nothing stale was kept
        assert principals.reads == 2

    asyncio.run(main())


def test_a_request_after_clear_does_not_join_a_read_begun_before_it() -> None:
    """Issue 15 #9 (effective at once): a request that arrives after the principal was disabled, while
    a read begun before the change is still under way, reads again instead of sharing the stale read."""
    principals, cache = Principals(), ActorCache()

    async def main() -> None:
        principals.gate.clear()
        before = asyncio.create_task(cache.actor("k", 2.0, principals.lookup))
        await asyncio.sleep(0.05)  # its read has the principal enabled, and is held open
        cache.clear()  # disabled through this process
        principals.answer = None
        after = asyncio.create_task(cache.actor("k", 2.0, principals.lookup))
        await asyncio.sleep(0.05)
        principals.gate.set()
        assert await before == OFFICER  # asked before the change
        assert await after is None
        assert principals.reads == 2

    asyncio.run(main())


def test_no_cache_reads_every_time() -> None:
    principals, cache = Principals(), ActorCache()

    async def main() -> None:
        for _ in range(3):
            assert await cache.actor("k", 0, principals.lookup) == OFFICER

    asyncio.run(main())
    assert principals.reads == 3


def test_a_failed_read_reaches_its_waiters_and_the_next_request_reads_again() -> None:
    cache, calls = ActorCache(), []

    def broken() -> Actor | None:
        calls.append(1)
        raise ConnectionError("database away")

    async def main() -> None:
        for _ in range(2):
            try:
                await cache.actor("k", 2.0, broken)
            except ConnectionError:
                pass
            else:
                raise AssertionError("the error must reach the request")

    asyncio.run(main())
    assert len(calls) == 2
