"""EventTable and Picked: events kept as columns read back exactly as given."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.model import Event, EventKind
from scheduleflow.server.core.table import EventTable, Picked
from tests.profiles import examples

SHARED = {"artist": "A", "category": "music"}

events = st.builds(
    Event,
    id=st.text(min_size=1, max_size=12),
    start_us=st.integers(min_value=-(2**62), max_value=2**62),
    duration_us=st.integers(min_value=-(2**40), max_value=2**40),
    asset_id=st.sampled_from(["", "a1", "a2", "ümlaut", "🎬"]),
    title=st.text(max_size=20),
    kind=st.sampled_from(list(EventKind)),
    fixed_start=st.booleans(),
    metadata=st.one_of(st.just({}), st.just(SHARED), st.dictionaries(st.text(max_size=4), st.text(max_size=4))),
)


@settings(max_examples=examples(60))
@given(st.lists(events, max_size=2500))
def test_a_table_gives_back_every_event_as_given(given_events: list[Event]) -> None:
    table = EventTable(given_events)

    assert len(table) == len(given_events)
    assert list(table) == given_events
    assert [table[i] for i in range(len(table))] == given_events
    assert table == tuple(given_events) == EventTable(given_events)
    assert table.ids() == [e.id for e in given_events]
    assert table.starts() == [e.start_us for e in given_events]
    assert table.durations() == [e.duration_us for e in given_events]
    if given_events:
        assert table[-1] == given_events[-1]
        assert table[1:4] == given_events[1:4]


def test_strings_across_chunk_seams_and_of_every_width_read_back() -> None:
    # More than one sealed chunk of 1,024, with ASCII, Latin-1, BMP and astral text.
    texts = [f"{'x' * (i % 7)}{'é🎬ü中'[i % 4] * (i % 3)}{i}" for i in range(3000)]
    given = [Event(t, i, 1, title=t[::-1]) for i, t in enumerate(texts)]

    table = EventTable(given)

    assert list(table) == given
    assert table[1023] == given[1023] and table[1024] == given[1024] and table[2999] == given[2999]


def test_moving_a_start_and_dropping_events() -> None:
    given = [Event(f"e{i}", i * 10, 10) for i in range(5)]
    table = EventTable(given)

    table.set_start(2, 999)
    kept = table.without({0, 3})

    assert table[2] == given[2]._replace(start_us=999)
    assert list(kept) == [given[1], given[2]._replace(start_us=999), given[4]]


def test_picked_reads_the_chosen_events_only_when_asked() -> None:
    given = [Event(f"e{i}", i, 1) for i in range(6)]

    picked = Picked(EventTable(given), [5, 1, 3])

    assert len(picked) == 3
    assert picked == (given[5], given[1], given[3])
    assert picked[1:] == [given[1], given[3]]
