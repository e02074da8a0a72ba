"""Who reads and who submits the reporting calendar's and the assessment's figures (one rule for both)."""

from __future__ import annotations

from state_machines.errors import Forbidden
from state_machines.principals import DISTRICT_ROLES, OVERSIGHT_ROLES, Actor
from state_machines.vocabulary import CITY_DIVISION, Role


def scope(actor: Actor, district: str | None, what: str = "reports") -> str | None:
    """None: every district; else the one district the caller may read. A district role reads its own
    district's only; the city and auditors read all (or the one they ask for); the rest nothing."""
    if actor.role in DISTRICT_ROLES:
        if district not in (None, actor.district):
            raise Forbidden(f"you read your own district's {what} only")
        return actor.district
    if actor.role not in OVERSIGHT_ROLES:
        raise Forbidden(f"role {actor.role} does not read {what}")
    return district


def reporting_supervisor(actor: Actor, what: str) -> None:
    """A district's supervisor submits its district's reports; the city bureau owes none (it receives them)."""
    if actor.role is not Role.supervisor:
        raise Forbidden(f"a district supervisor submits the district's {what}")
    if actor.district == CITY_DIVISION:
        raise Forbidden(f"the city bureau ({CITY_DIVISION}) owes no {what}: the districts report to it")
