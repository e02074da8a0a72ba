"""The 422 kind of machine version 2's guards (see `guards_v2`): well-formed event data that is
wrong for this case (people not of the district, a panel's size, a hearing's presider, the next
extension step's fields). Checked before the 409 guards of `guards_v2.check`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from . import clocks as ck
from . import guards as v1
from .calendar import WorkCalendar
from .clocks_v2 import CLOCKS_V2
from .errors import InvalidData
from .event_data import EventData
from .guards_v2 import clock_state, decision_of
from .penalties import is_penalty
from .procedure_v2 import current_notice
from .vocabulary import Track

if TYPE_CHECKING:
    from .case_machine import CaseSnapshot, Rules


NAMES_PEOPLE = frozenset({"accept", "assign", "conclude_hearing"})
"""The events whose data names principals of the case's district (officers, panel, presiding): only
they need `district_staff` on the snapshot, so the event path reads the staff for them alone."""


def _staff_check(case: CaseSnapshot, ids: list[str], field: str) -> None:
    staff = case.district_staff
    if staff is not None:
        strangers = [i for i in ids if i not in staff]
        if strangers:
            raise InvalidData(f"{', '.join(strangers)} is not an officer or supervisor of district {case.district}",
                              fields=[field])


def _panel_check(ids: list[str], field: str = "panel") -> None:
    if len(set(ids)) != len(ids):
        raise InvalidData("panel members must be distinct", fields=[field])
    if len(ids) < 3 or len(ids) % 2 == 0:
        raise InvalidData("a panel (合议组) has an odd number of members, three or more "
                          "(专利纠纷行政裁决和调解办法 art. 20)", fields=[field])


def check_accept(case: CaseSnapshot, fields: dict) -> None:
    given = {f for f in ("co_officer", "officers", "panel") if f in fields}
    if case.track is Track.ruling:
        wanted = "panel"
    elif case.source == "superior" or not case.facts.get("officers"):
        wanted = "officers"  # registered by the city (交办): no first officer
    else:
        wanted = "co_officer"
    extra = sorted(given - {wanted})
    if extra:
        raise InvalidData(f"accept of this case takes {wanted}, not {', '.join(extra)}", fields=extra)
    if wanted not in given:
        raise InvalidData(f"accept of this case needs {wanted} (行政处罚法 art. 42)", fields=[wanted])
    if wanted == "panel":
        _panel_check(fields["panel"])
        _staff_check(case, fields["panel"], "panel")
    elif wanted == "officers":
        ids = fields["officers"]
        if len(ids) < 2 or len(set(ids)) != len(ids):
            raise InvalidData("officers: two or more distinct principals (行政处罚法 art. 42)", fields=["officers"])
        _staff_check(case, ids, "officers")
    else:
        first = case.facts["officers"][0]
        if fields["co_officer"] == first:
            raise InvalidData("co_officer must not be the first officer", fields=["co_officer"])
        _staff_check(case, [fields["co_officer"]], "co_officer")


def check_data(case: CaseSnapshot, event: str, data: EventData, rules: Rules, now: datetime) -> None:
    fields = data.model_dump(exclude_none=True)
    if event != "extend_deadline":
        v1.check_data(case, event, data, rules)
    if event == "accept":
        check_accept(case, fields)
    elif event == "assign":
        if case.track is Track.ruling and case.facts.get("panel"):
            _panel_check(fields["officers"], "officers")
        _staff_check(case, fields["officers"], "officers")
    elif event == "request_hearing" and "requested_at" in fields and fields["requested_at"] > now:
        raise InvalidData("requested_at may not be in the future", fields=["requested_at"])
    elif event == "schedule_hearing" and "served_at" in fields:
        notice = current_notice(case.facts)
        if notice is not None and fields["served_at"] < datetime.fromisoformat(notice["served_at"]):
            raise InvalidData("the hearing notice cannot be served before the penalty notice", fields=["served_at"])
    elif event == "conclude_hearing":
        presider = fields["presided_by"]
        if presider in case.facts.get("officers", []):
            raise InvalidData("the hearing is presided by someone not among the case's officers "
                              "(行政处罚法 art. 64(四))", fields=["presided_by"])
        known = case.district_principals if case.district_principals is not None else case.district_staff
        if known is not None and presider not in known:
            raise InvalidData(f"{presider} is not a principal of district {case.district}", fields=["presided_by"])
    elif event == "decide" and is_penalty(decision_of(fields)) and not fields.get("legal_basis"):
        raise InvalidData("a penalty decision needs its legal_basis", fields=["legal_basis"])
    elif event == "extend_deadline":
        _check_extension_fields(case, fields)


def _check_extension_fields(case: CaseSnapshot, fields: dict) -> None:
    """Version 1's rule on the next extension step's fields, over version 2's clocks."""
    name = fields["deadline"]
    spec, state = CLOCKS_V2[name], clock_state(case, name)
    if state is None or not state.active or state.steps_used >= len(spec.extension_steps):
        return
    step = spec.extension_steps[state.steps_used]
    given = {f for f in ck.EXTENSION_FIELDS if f in fields}
    extra = sorted(given - set(step.needs))
    if extra:
        raise InvalidData(f"{', '.join(extra)} not taken by the next extension step of {name}", fields=extra)
    missing = sorted(set(step.needs) - given)
    if missing:
        raise InvalidData(f"the next extension step of {name} needs {', '.join(missing)}", fields=missing)
    if "collective_decision" in step.needs and fields["collective_decision"] is not True:
        raise InvalidData("collective_decision must be true", fields=["collective_decision"])
    if "until" in fields:
        if fields["until"] <= state.due:
            raise InvalidData(f"until must be later than the current due date {state.due}", fields=["until"])
        if step.cap is not None and fields["until"] > step.cap.add(WorkCalendar(), state.due, roll=False):
            raise InvalidData("until is past the step's limit", fields=["until"])
