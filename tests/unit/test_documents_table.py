"""The documents' table (SPEC §12) against the machine tables: every event that issues a document is
an event of that version (a renamed event cannot silently stop issuing its paper), on the right track."""

from __future__ import annotations

from state_machines.case_table import ROW_BY_EVENT
from state_machines.case_table_v2 import ROW_BY_EVENT_V2
from state_machines.documents import DOCUMENT_EVENTS, KINDS, TABLES, kinds_for
from state_machines.vocabulary import Track

ROWS = {1: ROW_BY_EVENT, 2: ROW_BY_EVENT_V2}


def test_every_issuing_event_is_an_event_of_its_version_and_track() -> None:
    for version, table in TABLES.items():
        for (event, track), kinds in table.items():
            row = ROWS[version].get(event)
            assert row is not None, (version, event)
            assert track is None or row.track in (None, track), (version, event)
            assert kinds and all(kind in KINDS for kind in kinds)


def test_the_steps_of_the_law_issue_their_papers() -> None:
    assert kinds_for(2, Track.penalty, "notify_penalty") == ("penalty_notice",)
    assert kinds_for(2, Track.penalty, "decide") == ("penalty_decision",)
    assert kinds_for(1, Track.penalty, "decide") == ("penalty_decision",)
    assert kinds_for(2, Track.ruling, "accept") == ("acceptance_notice", "defence_notice")
    assert kinds_for(1, Track.penalty, "pass_review") == ()  # no review in version 1
    assert kinds_for(2, Track.penalty, "add_note") == ()
    assert "add_note" not in DOCUMENT_EVENTS and "decide" in DOCUMENT_EVENTS


def test_numbers_words_are_distinct() -> None:
    words = [kind.word for kind in KINDS.values()]
    assert len(set(words)) == len(words)
