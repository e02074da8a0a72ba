"""`sweep_deadlines`: the scheduled flow that warns of, and escalates, statutory clocks (SPEC §4)."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow

from service.bulletins import reminders as bulletin_reminders
from service.credit import listing
from service.deadlines import service as deadlines

from . import context


@flow(name="sweep_deadlines", retries=2, retry_delay_seconds=30)
def sweep_deadlines(now: datetime | None = None) -> dict:
    """One idempotent pass: run it as often as you like, each change is announced once."""
    runtime = context.current()
    now = now or datetime.now(UTC)
    with runtime.db.write() as session:
        result = deadlines.sweep(session, runtime.rules, now).as_dict()
        result["listings_expired"] = len(listing.expire(session, now))  # SPEC §11: the day after `until`
        result["bulletins"] = bulletin_reminders.remind(session, now)  # issue 20: 通报 due, 整改 overdue
        return result


@flow(name="report_reminders", retries=2, retry_delay_seconds=60)
def report_reminders(now: datetime | None = None) -> dict:
    """Daily: each report (monthly figures, action plan, summaries) reminds its district `IPCASE_REPORT_REMIND_DAYS`
    before it is due, and the day after, the city hears who has not submitted (each once)."""
    from service.reports import reminders as reminders

    runtime = context.current()
    with runtime.db.write() as session:
        return reminders.remind(session, now or datetime.now(UTC))
