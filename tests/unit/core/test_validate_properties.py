"""Validate against brute-force oracles: overlaps, overlap and gap totals, input order.

The oracles are deliberately naive (all pairs, every boundary) so that they are
obviously right; schedules are small and on a coarse grid so that ties, touching
events and nested events come up often.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.model import FindingCode, Location, Window
from scheduleflow.server.core.validate import InputEvent, Rules, validate
from tests.profiles import examples
from tests.unit.core._core_helpers import MINUTE, utc_us

T0 = utc_us(2025, 11, 22)
PROPERTY = settings(max_examples=examples(120), deadline=None)


@dataclass(frozen=True)
class Slot:
    start: int
    end: int


def _schedule(min_duration: int) -> st.SearchStrategy[list[InputEvent]]:
    event = st.tuples(
        st.integers(0, 40),  # start, in 5-minute steps
        st.integers(min_duration, 12),  # duration, in 5-minute steps
        st.sampled_from(["news", "film", "ad", "song"]),
        st.sampled_from(["", "Queen", "Abba"]),
        st.sampled_from(["", "pop", "rock"]),
    )

    def build(rows: list[tuple[int, int, str, str, str]]) -> list[InputEvent]:
        return [
            InputEvent(
                f"e{i}",
                T0 + start * 5 * MINUTE,
                duration * 5 * MINUTE,
                asset_id=asset,
                metadata={k: v for k, v in (("artist", artist), ("category", category)) if v},
                # A place that names the event, not its position, so that
                # shuffling the input cannot change where findings point.
                location=Location(field=f"event e{i}"),
            )
            for i, (start, duration, asset, artist, category) in enumerate(rows)
        ]

    return st.lists(event, max_size=25).map(build)


def _in_start_order() -> st.SearchStrategy[list[InputEvent]]:
    """Schedules as they usually arrive: in start order, mostly back to back,
    ids that sort like their events. The validator takes shortcuts for these."""
    step = st.tuples(
        st.integers(1, 6),  # duration, in 5-minute steps
        st.sampled_from([0, 0, 0, 1, -1]),  # shift from the previous end: none, a gap or an overlap
        st.sampled_from(["news", "film", "ad"]),
    )

    def build(rows: list[tuple[int, int, str]]) -> list[InputEvent]:
        events = []
        start = T0
        for i, (duration, shift, asset) in enumerate(rows):
            start += shift * 5 * MINUTE
            events.append(
                InputEvent(
                    f"e{i:03d}",
                    start,
                    duration * 5 * MINUTE,
                    asset_id=asset,
                    location=Location(field=f"event e{i:03d}"),
                )
            )
            start += duration * 5 * MINUTE
        return events

    return st.lists(step, max_size=25).map(build)


def _slots(events: list[InputEvent]) -> list[tuple[str, Slot]]:
    slots = []
    for e in events:
        assert isinstance(e.start, int)
        assert e.duration_us is not None
        if e.duration_us > 0:
            slots.append((e.id, Slot(e.start, e.start + e.duration_us)))
    return slots


def _coverage(slots: list[Slot], lo: int, hi: int) -> list[tuple[int, int, int]]:
    """(start, end, how many slots cover it) for each piece of [lo, hi) between boundaries."""
    points = sorted({lo, hi, *(s.start for s in slots), *(s.end for s in slots)})
    points = [p for p in points if lo <= p <= hi]
    return [(a, b, sum(1 for s in slots if s.start <= a < s.end)) for a, b in itertools.pairwise(points)]


_WINDOWS = st.none() | st.tuples(st.integers(-5, 45), st.integers(1, 60)).map(
    lambda w: Window(T0 + w[0] * 5 * MINUTE, T0 + (w[0] + w[1]) * 5 * MINUTE)
)


@PROPERTY
@given(_schedule(min_duration=-1))
def test_overlap_findings_name_exactly_the_events_that_overlap_another(events: list[InputEvent]) -> None:
    slots = _slots(events)
    expected = {
        a_id
        for a_id, a in slots
        for b_id, b in slots
        if a_id != b_id and a.start < b.end and b.start < a.end  # half-open intervals
    }
    report = validate(events, rules=Rules(max_findings=10_000))
    found = {i for f in report.findings if f.code is FindingCode.OVERLAP for i in f.event_ids}
    assert found == expected


@PROPERTY
@given(_schedule(min_duration=-1))
def test_overlap_total_is_the_time_covered_by_two_or_more_events(events: list[InputEvent]) -> None:
    slots = [s for _, s in _slots(events)]
    lo = min((s.start for s in slots), default=0)
    hi = max((s.end for s in slots), default=0)
    expected = sum(b - a for a, b, n in _coverage(slots, lo, hi) if n >= 2)
    assert validate(events).summary.overlap_total_us == expected


@PROPERTY
@given(_schedule(min_duration=-1), _WINDOWS, st.integers(0, 3))
def test_gap_total_is_the_uncovered_time_from_first_start_to_last_end_and_window_edges(
    events: list[InputEvent], window: Window | None, threshold_steps: int
) -> None:
    slots = [s for _, s in _slots(events)]
    starts = [s.start for s in slots] + ([window.start_us] if window else [])
    ends = [s.end for s in slots] + ([window.end_us] if window else [])
    expected = sum(b - a for a, b, n in _coverage(slots, min(starts), max(ends)) if n == 0) if starts else 0
    # The threshold decides which gaps are reported, never how much dead air there is.
    rules = Rules(gap_threshold_us=threshold_steps * 5 * MINUTE)
    report = validate(events, window=window, rules=rules)
    assert report.summary.gap_total_us == expected


@PROPERTY
@given(_schedule(min_duration=1), _WINDOWS, st.integers(0, 3))
def test_each_reported_gap_is_dead_air_longer_than_the_threshold(
    events: list[InputEvent], window: Window | None, threshold_steps: int
) -> None:
    slots = [s for _, s in _slots(events)]
    threshold = threshold_steps * 5 * MINUTE
    report = validate(events, window=window, rules=Rules(gap_threshold_us=threshold, max_findings=10_000))
    gaps = [f.span for f in report.findings if f.code is FindingCode.GAP]
    for span in gaps:
        assert span is not None
        assert span.end_us - span.start_us > threshold
        assert not any(s.start < span.end_us and span.start_us < s.end for s in slots)
    reported = sum(s.end_us - s.start_us for s in gaps if s is not None)
    assert reported <= report.summary.gap_total_us


@PROPERTY
@given(_schedule(min_duration=-1), _WINDOWS, st.randoms(use_true_random=False))
def test_shuffled_input_gives_the_same_report(
    events: list[InputEvent], window: Window | None, rng: random.Random
) -> None:
    rules = Rules(
        gap_threshold_us=5 * MINUTE,
        asset_cooldown_us=30 * MINUTE,
        artist_separation_us=20 * MINUTE,
        category_separation_us=10 * MINUTE,
        max_findings=10_000,
    )
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert validate(shuffled, window=window, rules=rules) == validate(events, window=window, rules=rules)


@PROPERTY
@given(_in_start_order(), _WINDOWS, st.randoms(use_true_random=False))
def test_a_schedule_in_start_order_gives_the_same_report_as_shuffled(
    events: list[InputEvent], window: Window | None, rng: random.Random
) -> None:
    rules = Rules(gap_threshold_us=5 * MINUTE, asset_cooldown_us=30 * MINUTE, max_findings=10_000)
    report = validate(events, window=window, rules=rules)
    shuffled = list(events)
    rng.shuffle(shuffled)
    assert validate(shuffled, window=window, rules=rules) == report
    slots = _slots(events)
    overlapping = {
        a_id for a_id, a in slots for b_id, b in slots if a_id != b_id and a.start < b.end and b.start < a.end
    }
    assert {i for f in report.findings if f.code is FindingCode.OVERLAP for i in f.event_ids} == overlapping
