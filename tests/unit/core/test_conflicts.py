"""core.conflicts: each conflict kind, resolved by the later-wins rule, with a finding naming both."""

from __future__ import annotations

from scheduleflow.server.core.conflicts import CLUMP_KEY, is_clump_pair, resolve_later_wins
from scheduleflow.server.core.model import Event, FindingCode, Location, Severity
from scheduleflow.server.core.validate import validate_events

MIN = 60_000_000
T0 = 1_763_769_600_000_000


def ev(event_id: str, start: int, length: int, title: str = "", clump: str = "") -> Event:
    return Event(
        event_id, T0 + start * MIN, length * MIN, title=title or event_id, metadata={CLUMP_KEY: clump} if clump else {}
    )


def spans(events: list[Event]) -> list[tuple[str, int, int]]:
    return [(e.id, (e.start_us - T0) // MIN, e.duration_us // MIN) for e in events]


def test_an_overlapped_event_is_trimmed_to_where_the_later_one_starts() -> None:
    events = [ev("film", 0, 90), ev("sport", 60, 60)]

    kept, where, findings = resolve_later_wins(events, [Location(line=3), Location(line=4)])

    assert spans(kept) == [("film", 0, 60), ("sport", 60, 60)]
    assert [w.line for w in where] == [3, 4]
    (finding,) = findings
    assert (finding.code, finding.severity, finding.event_ids) == (
        FindingCode.CONFLICT_RESOLVED,
        Severity.WARNING,
        ("film", "sport"),
    )
    assert finding.location == Location(line=4) and "trimmed" in finding.message and "line 3" in finding.message
    assert validate_events(kept).summary.error_count == 0


def test_of_two_events_with_one_start_the_later_in_the_document_stays() -> None:
    events = [ev("a", 0, 30, title="Old"), ev("a2", 0, 45, title="Corrected"), ev("b", 45, 15)]

    kept, _, findings = resolve_later_wins(events, [])

    assert spans(kept) == [("a2", 0, 45), ("b", 45, 15)]
    (finding,) = findings
    assert finding.event_ids == ("a", "a2") and "dropped" in finding.message


def test_an_exact_duplicate_is_dropped_whatever_its_id() -> None:
    events = [ev("x", 0, 30, title="News"), ev("x", 0, 30, title="News")]

    kept, _, findings = resolve_later_wins(events, [])

    assert spans(kept) == [("x", 0, 30)]
    assert len(findings) == 1 and "repeats" in findings[0].message


def test_document_order_does_not_matter_only_starts_do() -> None:
    events = [ev("late", 60, 60), ev("early", 0, 90)]

    kept, _, findings = resolve_later_wins(events, [])

    assert spans(kept) == [("early", 0, 60), ("late", 60, 60)]
    assert findings[0].event_ids == ("early", "late")


def test_a_clump_shares_its_slot_and_is_trimmed_as_one() -> None:
    events = [ev("n", 0, 60, clump="0/2"), ev("w", 0, 60, clump="1/2"), ev("q", 30, 30)]

    kept, _, findings = resolve_later_wins(events, [])

    assert spans(kept) == [("n", 0, 30), ("w", 0, 30), ("q", 30, 30)]
    assert len(findings) == 1
    assert is_clump_pair(kept[0], kept[1]) and not is_clump_pair(kept[0], kept[2])


def test_validation_does_not_call_a_clump_an_overlap_but_does_call_other_overlaps() -> None:
    clump = [ev("n", 0, 60, clump="0/2"), ev("w", 0, 60, clump="1/2")]
    same_slot = [ev("n", 0, 60), ev("w", 0, 60)]

    assert validate_events(clump).summary.error_count == 0
    assert validate_events(clump).summary.overlap_total_us == 0
    assert [f.code for f in validate_events(same_slot).findings] == [FindingCode.OVERLAP]


def test_nothing_to_resolve_changes_nothing() -> None:
    events = [ev("a", 0, 30), ev("b", 30, 30), ev("c", 90, 30)]

    kept, _, findings = resolve_later_wins(events, [])

    assert kept == events and findings == []


def test_a_guide_without_conflicts_keeps_its_columns() -> None:
    from scheduleflow.server.core.table import EventTable

    table = EventTable([ev("b", 30, 30), ev("a", 0, 30), ev("c", 60, 30)])  # out of order, no conflict

    kept, _, findings = resolve_later_wins(table, [])

    assert kept is table and findings == []
    touching = EventTable([ev("a", 0, 30), ev("b", 29, 30)])
    assert resolve_later_wins(touching, [])[2] != []
