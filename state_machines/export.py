"""The case machine as JSON and as a Mermaid state diagram (`GET /state-machine`).

Both are generated from the table the machine itself is built from (`case_table.ROWS` for
version 1, `case_table_v2.ROWS_V2` for version 2), so the published diagram cannot drift from
the behaviour. Both carry the machine version (SPEC §10.9).
"""

from __future__ import annotations

from .case_table import ORIGIN, ROWS, SAME, Row, origins
from .case_table_v2 import ROWS_V2, origins_v2
from .errors import InvalidData
from .event_data import EVENT_DATA, REASON_REQUIRED
from .event_data_v2 import EVENT_DATA_BY_VERSION, REASON_REQUIRED_BY_VERSION
from .vocabulary import FINAL_STATES, MACHINE_VERSIONS, STATE_LABELS, STATE_LABELS_V2, Track

TABLES: dict[int, tuple[Row, ...]] = {1: ROWS, 2: ROWS_V2}
LABELS: dict[int, dict[str, str]] = {1: STATE_LABELS, 2: STATE_LABELS_V2}


def check_version(version: object) -> int:
    """`GET /state-machine?version=`: an unknown version is a 422 (SPEC §10.9)."""
    if version not in MACHINE_VERSIONS:
        raise InvalidData(f"unknown machine version {version!r}", fields=["version"])
    return version  # type: ignore[return-value]


def _rows(track: Track, version: int = 1) -> list[Row]:
    return [r for r in TABLES[version] if r.track in (None, track)]


def _origins(row: Row, version: int) -> tuple[str, ...]:
    return origins(row) if version == 1 else origins_v2(row)


def _states(track: Track, version: int = 1) -> list[str]:
    """States reachable from `received` in this track (ORIGIN rows return to visited states)."""
    reached, frontier = {"received"}, ["received"]
    while frontier:
        state = frontier.pop()
        for r in _rows(track, version):
            if state in r.sources and r.dest not in (SAME, ORIGIN) and r.dest not in reached:
                reached.add(r.dest)
                frontier.append(r.dest)
    return [s for s in LABELS[version] if s in reached]


def as_json(track: Track, version: int = 1) -> dict:
    states = set(_states(track, version))
    labels = LABELS[version]
    event_data = EVENT_DATA if version == 1 else EVENT_DATA_BY_VERSION[version]
    reason_required = REASON_REQUIRED if version == 1 else REASON_REQUIRED_BY_VERSION[version]
    return {
        "track": str(track),
        "version": version,
        "initial": "received",
        "states": [
            {"name": s, "label": labels[s], "final": s in FINAL_STATES} for s in _states(track, version)
        ],
        "events": [
            {
                "event": r.event,
                "from": [s for s in r.sources if s in states],
                "to": {SAME: None, ORIGIN: "origin"}.get(r.dest, r.dest),
                "internal": r.dest == SAME,
                "who": str(r.who),
                "reason_required": r.event in reason_required,
                "data": {
                    name: {"required": field.is_required()} for name, field in event_data[r.event].model_fields.items()
                },
            }
            for r in _rows(track, version)
        ],
    }


def as_mermaid(track: Track, current: str | None = None, version: int = 1) -> str:
    """A `stateDiagram-v2`; internal events are listed in a note, `current` is highlighted."""
    lines = ["stateDiagram-v2", f"  %% ipcase case machine, track {track}, version {version}", "  direction LR"]
    labels = LABELS[version]
    for s in _states(track, version):
        lines.append(f'  state "{labels[s]} {s}" as {s}')
    lines.append("  [*] --> received")
    internal: list[str] = []
    states = set(_states(track, version))
    for r in _rows(track, version):
        if r.dest == SAME:
            internal.append(r.event)
            continue
        targets = [o for o in _origins(r, version) if o in states] if r.dest == ORIGIN else [r.dest]
        for source in (s for s in r.sources if s in states):
            for target in targets:
                lines.append(f"  {source} --> {target}: {r.event}")
    for s in sorted(FINAL_STATES & states):
        lines.append(f"  {s} --> [*]")
    lines.append(f"  note right of received: internal events, no state change — {', '.join(internal)}")
    if current:
        lines.append("  classDef current fill:#ffd7a8,stroke:#c0392b,stroke-width:3px")
        lines.append(f"  class {current} current")
    return "\n".join(lines) + "\n"
