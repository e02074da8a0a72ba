"""Delivering handoffs (SPEC §5): `dispatch_handoffs` leases the due handoffs of the outbox and runs
one `deliver_handoff` task per handoff, concurrently.

The outbox, not Prefect's memory, holds the retry schedule (attempts, next attempt, backoff),
so a worker killed between attempts loses nothing: the lease runs out and the next dispatch
takes the handoff up again, with the same letter and the same idempotency key. One flow run
per pass rather than per handoff, because a flow run costs about a second (shared/NOTES.md)
while tasks inside one are cheap.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from prefect import flow, task
from prefect.futures import PrefectFuture

from notifications.delivery import DeliveryError, deliver_email, deliver_webhook
from service.handoffs import outbox

from . import context


@task(name="deliver_handoff")
def deliver_handoff(handoff_id: str) -> str:
    """One delivery attempt of one handoff; returns the handoff's status afterwards."""
    runtime = context.current()
    settings = runtime.settings
    with runtime.db.read() as session:
        delivery = outbox.prepare(session, handoff_id, settings.public_url,
                                  webhook_allow_private=settings.webhook_allow_private)
    if delivery is None:
        return "not pending"
    channel = delivery.channel.get("type", "inbox")
    ok, error, permanent = True, None, False
    try:
        if channel == "webhook":
            deliver_webhook(delivery.letter, delivery.channel["url"], delivery.channel["secret"],
                            datetime.now(UTC).isoformat(), settings.delivery_timeout_seconds)
        elif channel == "email":
            deliver_email(delivery.letter, delivery.channel["address"], settings.smtp_url,
                          "ipcase@localhost", settings.delivery_timeout_seconds)
    except DeliveryError as exc:
        ok, error, permanent = False, str(exc), exc.permanent
    with runtime.db.write() as session:
        return outbox.record_attempt(session, handoff_id, runtime.rules, settings.backoff_seconds(), ok=ok,
                                     error=error, permanent=permanent, channel=channel)


def _prefect_answers(runtime) -> bool:
    """Before a lingering run claims more: one `GET /health` at most every 2 s, and only when something is due."""
    with runtime.db.read() as session:
        if not outbox.has_due(session, datetime.now(UTC)):
            return True
    return runtime.orchestrator.probe(max_age=2.0)


@flow(name="dispatch_handoffs")
def dispatch_handoffs(limit: int = 50, linger_seconds: float = 0.0, max_seconds: float = 0.0) -> dict[str, str]:
    """Deliver every handoff whose next attempt is due; returns handoff id → status after its last attempt.

    With `linger_seconds` the run stays open and takes handoffs that fall due later (woken at
    commit, or by the poll), until nothing has come for that long or `max_seconds` have passed:
    a new letter then costs a task run, not a flow run (about a second, shared/NOTES.md). Every
    attempt is still a task run of its own in Prefect.
    """
    runtime = context.current()
    settings = runtime.settings
    lease = timedelta(seconds=settings.delivery_lease_seconds)
    started = last_work = time.monotonic()
    attempts: list[tuple[str, PrefectFuture]] = []
    first = True
    while True:
        seen = runtime.outbox_signal.generation
        if not first and not _prefect_answers(runtime):
            break  # Prefect went away while the run lingered: claim nothing more, let the dispatcher back off
        with runtime.db.write() as session:
            ids = outbox.claim_due(session, datetime.now(UTC), limit, lease)
        attempts += [(handoff_id, deliver_handoff.submit(handoff_id)) for handoff_id in ids]
        first = False
        now = time.monotonic()
        if ids:
            last_work = now
        if now - last_work >= linger_seconds or (max_seconds and now - started >= max_seconds):
            break
        runtime.outbox_signal.wait(min(settings.dispatch_poll_seconds, linger_seconds), seen)
    return {handoff_id: future.result() for handoff_id, future in attempts}
