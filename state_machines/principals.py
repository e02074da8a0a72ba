"""Who is acting, and what their role lets them see and fire (SPEC §1)."""

from __future__ import annotations

from dataclasses import dataclass

from .case_table import ROW_BY_EVENT, Who
from .vocabulary import Role

DISTRICT_ROLES = frozenset({Role.officer, Role.supervisor})
OVERSIGHT_ROLES = frozenset({Role.city, Role.auditor})


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role
    district: str | None = None
    agency: str | None = None

    def sees_district(self, district: str) -> bool:
        """Whether cases of `district` are visible: its own people, the city and auditors."""
        if self.role in OVERSIGHT_ROLES:
            return True
        return self.role in DISTRICT_ROLES and self.district == district


def may_fire(actor: Actor, event: str, *, shared_only: bool = False) -> bool:
    """The role rule of one event over the case API (not the state or the guard).

    `shared_only` is an asked district reading a case through an accepted assistance
    request: it may add notes, nothing more (SPEC §6 assistance).
    """
    who = ROW_BY_EVENT[event].who
    if actor.role not in DISTRICT_ROLES:
        return False
    if shared_only:
        return event == "add_note"
    if who is Who.officer:
        return True
    return who is Who.supervisor and actor.role is Role.supervisor
