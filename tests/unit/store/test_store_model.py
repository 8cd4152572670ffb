"""Property: any sequence of commits leaves a store where a plain dict model says.

The model below is the contract's commit semantics written as directly as
possible (no indexes, no SQL). Hypothesis draws commits on a small grid so
that overlaps, moves, no-ops, conflicts and stale revisions all happen often.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.errors import FailedPrecondition, RevisionMismatch
from scheduleflow.server.core.model import Event, EventKind, Window
from scheduleflow.server.store import CommitResult, ImportMode, Store
from tests.profiles import examples
from tests.unit.store._store_helpers import MINUTE, T0

UNIT = 10 * MINUTE


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and a_end > b_start


@dataclass
class Model:
    """One channel, kept the obvious way."""

    events: dict[str, Event] = field(default_factory=dict)
    revision: int = 0
    exists: bool = False

    def commit(
        self, events: list[Event], mode: ImportMode, window: Window | None, expected: int | None, dry_run: bool
    ) -> tuple[int, int, int, int]:
        """Apply (unless ``dry_run``) and return (added, updated, removed, unchanged)."""
        actual = self.revision if self.exists else 0
        if expected is not None and expected != actual:
            raise RevisionMismatch("stale", expected=expected, actual=actual)
        added = [e for e in events if e.id not in self.events]
        updated = [e for e in events if e.id in self.events and self.events[e.id] != e]
        unchanged = len(events) - len(added) - len(updated)
        incoming = {e.id for e in events}
        if mode is ImportMode.MERGE:
            moving = {e.id for e in (*added, *updated)}
            for new in (*added, *updated):
                for old in self.events.values():
                    if old.id not in moving and overlaps(new.start_us, new.end_us, old.start_us, old.end_us):
                        raise FailedPrecondition(f"{new.id} overlaps {old.id}")
            removed: list[str] = []
        elif mode is ImportMode.REPLACE_ALL:
            removed = [i for i in self.events if i not in incoming]
        else:
            assert window is not None
            removed = [
                e.id for e in self.events.values() if e.id not in incoming and window.overlaps(e.start_us, e.end_us)
            ]
        if not dry_run:
            self.exists = True
            for removed_id in removed:
                del self.events[removed_id]
            for event in events:
                self.events[event.id] = event
            if added or updated or removed:
                self.revision += 1
        return len(added), len(updated), len(removed), unchanged

    def schedule(self) -> list[Event]:
        return sorted(self.events.values(), key=lambda e: (e.start_us, e.id))


#: (start, duration, title, metadata) of one event, in grid units.
Body = tuple[int, int, str, dict[str, str]]
#: (events by id, mode, (window start, window length), expected_revision kind, dry run)
Step = tuple[dict[str, Body], ImportMode, tuple[int, int], str, bool]

event_bodies = st.tuples(
    st.integers(0, 12),  # start, in units
    st.integers(0, 4),  # duration, in units (0: an instant)
    st.sampled_from(["A", "B"]),  # title
    st.sampled_from([{}, {"artist": "x"}, {"artist": "y", "genre": "z"}]),
)
commits = st.tuples(
    st.dictionaries(st.sampled_from([f"e{i}" for i in range(7)]), event_bodies, max_size=5),
    st.sampled_from(list(ImportMode)),
    st.tuples(st.integers(0, 12), st.integers(1, 6)),  # window start and length, in units
    st.sampled_from(["none", "none", "right", "stale"]),  # expected_revision
    st.booleans(),  # dry run
)

_channel_numbers = itertools.count()


def build(event_id: str, body: Body) -> Event:
    start, duration, title, metadata = body
    kind = EventKind.PROGRAM if title == "A" else EventKind.PROMO
    return Event(event_id, T0 + start * UNIT, duration * UNIT, f"asset-{event_id}", title, kind, False, metadata)


@settings(max_examples=examples(50), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(commits, min_size=1, max_size=8))
async def test_commits_match_a_plain_model(store: Store, steps: list[Step]) -> None:
    # One fresh channel per example: the store fixture is shared by all of them.
    channel_id = f"model-{next(_channel_numbers)}"
    model = Model()
    for raw_events, mode, (window_start, window_length), expectation, dry_run in steps:
        events = [build(event_id, body) for event_id, body in raw_events.items()]
        window = Window(T0 + window_start * UNIT, T0 + (window_start + window_length) * UNIT)
        expected = {"right": model.revision, "none": None, "stale": model.revision + 1}[expectation]
        try:
            want: tuple[int, int, int, int] | type[Exception] = model.commit(
                events, mode, window, expected, dry_run=True
            )
        except (FailedPrecondition, RevisionMismatch) as exc:
            want = type(exc)
        try:
            result: CommitResult | type[Exception] = await store.commit_events(
                channel_id, events, mode=mode, window=window, expected_revision=expected, dry_run=dry_run
            )
        except (FailedPrecondition, RevisionMismatch) as exc:
            result = type(exc)

        event(f"{mode}: {result.__name__ if isinstance(result, type) else 'committed'}")
        if isinstance(result, CommitResult):
            assert isinstance(want, tuple)
            assert (result.added, result.updated, result.removed, result.unchanged) == want
            model.commit(events, mode, window, expected, dry_run)
            would_change = dry_run and any(want[:3])  # a dry run reports the revision it would reach
            assert result.channel.revision == model.revision + would_change
            assert (result.change is None) == (dry_run or not any(want[:3]))
        else:
            assert result == want

        if model.exists:
            channel, schedule = await store.read_events(channel_id, None)
            assert schedule == model.schedule()
            assert (channel.revision, channel.event_count) == (model.revision, len(model.events))
            _, in_window = await store.read_events(channel_id, window)
            assert in_window == [e for e in model.schedule() if window.overlaps(e.start_us, e.end_us)]

    if model.exists:
        # The log replays to the same schedule, one record per revision.
        replayed: dict[str, Event] = {}
        records = await store.changes_since(channel_id, 0) or []
        assert [r.revision for r in records] == list(range(1, model.revision + 1))
        for record in records:
            replayed.update({e.id: e for e in (*record.added, *record.updated)})
            for removed_id in record.removed_ids:
                del replayed[removed_id]
        assert replayed == model.events


def test_lazy_rows_remember_texts_within_a_budget() -> None:
    """Rows read twice reuse their JSON texts, but distinct texts (a guide's
    details and descriptions) are not all held until the commit ends."""
    from scheduleflow.server.store import _rows

    events = [
        Event(f"e{i}", T0 + i * MINUTE, MINUTE, metadata={"description": f"{i} " + "x" * 1000}) for i in range(10_000)
    ]
    rows = _rows.LazyRows(events)
    assert list(rows) == [_rows.event_row(e) for e in events]
    assert list(rows) == [_rows.event_row(e) for e in events]  # read again: remembered or made anew, the same
    assert 0 < rows._cached_chars <= _rows._MAX_CACHED_CHARS < 10_000 * 1000
    rows.forget()
    assert rows._cached_chars == 0 and rows[5] == _rows.event_row(events[5])
