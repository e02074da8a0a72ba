"""Who is acting, and what their role lets them see and fire (SPEC §1)."""

from __future__ import annotations

from dataclasses import dataclass

from .case_table import Who, row_of
from .vocabulary import CITY_DIVISION, Role

DISTRICT_ROLES = frozenset({Role.officer, Role.supervisor})
OVERSIGHT_ROLES = frozenset({Role.city, Role.auditor})


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role
    district: str | None = None
    agency: str | None = None
    legal_qualified: bool = False  # 法律职业资格, reviewers only (行政处罚法 art. 58 ¶2; SPEC §10.2)

    def sees_district(self, district: str, *, city_reviews_districts: bool = True) -> bool:
        """Whether cases of `district` are visible: its own people, the city and auditors; a reviewer
        of its district, and one of 150600 every district's (`IPCASE_CITY_REVIEWS_DISTRICTS`)."""
        if self.role in OVERSIGHT_ROLES:
            return True
        if self.role is Role.reviewer:
            return self.district == district or (city_reviews_districts and self.district == CITY_DIVISION)
        return self.role in DISTRICT_ROLES and self.district == district


def is_city(actor: Actor) -> bool:
    """The city bureau (SPEC §12): its `city` principals and the supervisors of 150600, its own team,
    who assign, take over and supervise the districts' cases and draft and issue the bulletins."""
    return actor.role is Role.city or (actor.role is Role.supervisor and actor.district == CITY_DIVISION)


def may_fire(actor: Actor, event: str, *, shared_only: bool = False, version: int = 1) -> bool:
    """The role rule of one event over the case API (not the state or the guard).

    `shared_only` is an asked district reading a case through an accepted assistance
    request: it may add notes, nothing more (SPEC §6 assistance). A reviewer fires only the
    review events of version 2, and nobody else fires them (SPEC §10.2).
    """
    row = row_of(event, version)
    if row is None:
        return False
    who = row.who
    if actor.role is Role.reviewer:
        return who is Who.reviewer and not shared_only
    if actor.role not in DISTRICT_ROLES:
        return False
    if shared_only:
        return event == "add_note"
    if who is Who.officer:
        return True
    return who is Who.supervisor and actor.role is Role.supervisor


def may_file(actor: Actor, *, shared_only: bool = False) -> bool:
    """Who adds to or removes from a case's file (SPEC §12: its officers): an officer or a
    supervisor of the case's district (the caller checks the district), never a share."""
    return actor.role in DISTRICT_ROLES and not shared_only
