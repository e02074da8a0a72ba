"""The small machine of an assistance request (协查 / 联合执法 / 移送管辖), SPEC §6.

`requested → accepted | declined`, `accepted → replied` (more replies may follow),
`replied → completed`; `extend` is an internal event, once, before the answer clock runs out.
Who fires what depends on the side: the asked district answers, the asking district completes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from transitions import Machine

from .types import Day, ShortText, Text


class Side(StrEnum):
    asked = "asked"
    asking = "asking"
    city = "city"  # version 2: the city bureau designates a disputed transfer (SPEC §10.5)


STATE_LABELS = {
    "requested": "已发出",
    "accepted": "已接受",
    "declined": "已拒绝",
    "replied": "已答复",
    "completed": "已完成",
}
FINAL_STATES = frozenset({"declined", "completed"})


@dataclass(frozen=True)
class AssistanceRow:
    event: str
    sources: tuple[str, ...]
    dest: str | None  # None: internal
    side: Side


ROWS: tuple[AssistanceRow, ...] = (
    AssistanceRow("accept", ("requested",), "accepted", Side.asked),
    AssistanceRow("decline", ("requested",), "declined", Side.asked),
    AssistanceRow("reply", ("accepted", "replied"), "replied", Side.asked),
    AssistanceRow("complete", ("replied",), "completed", Side.asking),
    AssistanceRow("extend", ("requested", "accepted", "replied"), None, Side.asked),
)
EVENTS = tuple(r.event for r in ROWS)

MACHINE = Machine(model=None, states=list(STATE_LABELS), initial="requested",
                  auto_transitions=False, ignore_invalid_triggers=True, name="assistance")
for _row in ROWS:
    MACHINE.add_transition(_row.event, list(_row.sources), _row.dest)


# ---- version 2 (SPEC §10.5, §10.9): a transfer is accepted or disputed; the city designates ----------

STATE_LABELS_V2 = {**STATE_LABELS, "disputed": "管辖争议待指定", "designated": "已指定管辖"}
FINAL_STATES_V2 = FINAL_STATES | {"designated"}

ROWS_V2: tuple[AssistanceRow, ...] = (
    AssistanceRow("accept", ("requested",), "accepted", Side.asked),
    AssistanceRow("decline", ("requested",), "declined", Side.asked),  # investigation/joint requests only
    AssistanceRow("dispute", ("requested",), "disputed", Side.asked),  # transfer only: replaces decline
    AssistanceRow("designate", ("disputed",), "designated", Side.city),  # `district`; any, the disputing one too
    AssistanceRow("reply", ("accepted", "replied"), "replied", Side.asked),
    AssistanceRow("complete", ("replied",), "completed", Side.asking),
    AssistanceRow("extend", ("requested", "accepted", "replied"), None, Side.asked),
)

MACHINE_V2 = Machine(model=None, states=list(STATE_LABELS_V2), initial="requested",
                     auto_transitions=False, ignore_invalid_triggers=True, name="assistance-v2")
for _row in ROWS_V2:
    MACHINE_V2.add_transition(_row.event, list(_row.sources), _row.dest)


class _Token:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def next_state(state: str, event: str, *, version: int = 1) -> str | None:
    """Run the machine of `version`; None when the event is not allowed from `state`."""
    token = _Token(state)
    machine = MACHINE if version == 1 else MACHINE_V2
    if event not in machine.events or not machine.events[event].trigger(token):
        return None
    return token.state


def allowed_events(state: str, side: Side | None, *, kind: str = "investigation", supervisor: bool = True,
                   version: int = 1) -> list[str]:
    """Events this side may fire now; a transfer is accepted or declined (version 2: disputed) by a
    supervisor only, never extended; the city designates a disputed transfer."""
    if side is None:
        return []
    machine, rows = (MACHINE, ROWS) if version == 1 else (MACHINE_V2, ROWS_V2)
    triggers = set(machine.get_triggers(state))
    events = [r.event for r in rows if r.event in triggers and r.side is side]
    if kind == "transfer":
        answers = ("accept", "decline") if version == 1 else ("accept", "dispute", "designate")
        return [e for e in events if e in answers] if supervisor or side is Side.city else []
    return [e for e in events if e not in ("dispute", "designate")]


REASON_REQUIRED = frozenset({"decline", "extend"})
REASON_REQUIRED_V2 = REASON_REQUIRED | {"dispute"}


class ReplyData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    findings: Text
    date: Day | None = None  # a joint operation's date
    place: ShortText | None = None


class ExtendData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    until: Day


class NoData(BaseModel):
    model_config = ConfigDict(extra="forbid")


EVENT_DATA: dict[str, type[BaseModel]] = {
    "accept": NoData, "decline": NoData, "reply": ReplyData, "complete": NoData, "extend": ExtendData,
}


class DesignateData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    district: ShortText


EVENT_DATA_V2: dict[str, type[BaseModel]] = {**EVENT_DATA, "dispute": NoData, "designate": DesignateData}


DESIGNATION_EVENTS_V1 = {"transfer_designated": "transfer_accepted", "transfer_designated_back": "transfer_declined"}
"""A version-1 case, designated (§10.9): the events of its own table that end a transfer the same way."""


def designation_event(designated: str, sending_district: str) -> str:
    """The system event on the original case when the city designates (SPEC §10.5, §10.9)."""
    return "transfer_designated_back" if designated == sending_district else "transfer_designated"
