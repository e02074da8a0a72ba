"""The case machine as JSON and as a Mermaid state diagram (`GET /state-machine`).

Both are generated from `case_table.ROWS`, the table the machine itself is built from, so
the published diagram cannot drift from the behaviour.
"""

from __future__ import annotations

from .case_table import ORIGIN, ROWS, SAME, Row, origins
from .event_data import EVENT_DATA, REASON_REQUIRED
from .vocabulary import FINAL_STATES, STATE_LABELS, Track


def _rows(track: Track) -> list[Row]:
    return [r for r in ROWS if r.track in (None, track)]


def _states(track: Track) -> list[str]:
    """States reachable from `received` in this track (ORIGIN rows return to visited states)."""
    reached, frontier = {"received"}, ["received"]
    while frontier:
        state = frontier.pop()
        for r in _rows(track):
            if state in r.sources and r.dest not in (SAME, ORIGIN) and r.dest not in reached:
                reached.add(r.dest)
                frontier.append(r.dest)
    return [s for s in STATE_LABELS if s in reached]


def as_json(track: Track) -> dict:
    states = set(_states(track))
    return {
        "track": str(track),
        "initial": "received",
        "states": [
            {"name": s, "label": STATE_LABELS[s], "final": s in FINAL_STATES} for s in _states(track)
        ],
        "events": [
            {
                "event": r.event,
                "from": [s for s in r.sources if s in states],
                "to": {SAME: None, ORIGIN: "origin"}.get(r.dest, r.dest),
                "internal": r.dest == SAME,
                "who": str(r.who),
                "reason_required": r.event in REASON_REQUIRED,
                "data": {
                    name: {"required": field.is_required()} for name, field in EVENT_DATA[r.event].model_fields.items()
                },
            }
            for r in _rows(track)
        ],
    }


def as_mermaid(track: Track, current: str | None = None) -> str:
    """A `stateDiagram-v2`; internal events are listed in a note, `current` is highlighted."""
    lines = ["stateDiagram-v2", "  direction LR"]
    for s in _states(track):
        lines.append(f'  state "{STATE_LABELS[s]} {s}" as {s}')
    lines.append("  [*] --> received")
    internal: list[str] = []
    states = set(_states(track))
    for r in _rows(track):
        if r.dest == SAME:
            internal.append(r.event)
            continue
        targets = [o for o in origins(r) if o in states] if r.dest == ORIGIN else [r.dest]
        for source in (s for s in r.sources if s in states):
            for target in targets:
                lines.append(f"  {source} --> {target}: {r.event}")
    for s in sorted(FINAL_STATES & set(_states(track))):
        lines.append(f"  {s} --> [*]")
    lines.append(f"  note right of received: internal events, no state change — {', '.join(internal)}")
    if current:
        lines.append("  classDef current fill:#ffd7a8,stroke:#c0392b,stroke-width:3px")
        lines.append(f"  class {current} current")
    return "\n".join(lines) + "\n"
