"""The playout-state part of the store contract: both adapters, one behaviour."""

from __future__ import annotations

import pytest

from scheduleflow.server.core.errors import NotFound
from scheduleflow.server.core.model import ChannelInfo, EventKind
from scheduleflow.server.store import ImportMode, Store
from tests.unit.store._store_helpers import MINUTE, at, ev, ids, span


async def test_a_state_is_read_back_in_effect_from_its_instant(store: Store) -> None:
    await store.upsert_channel(ChannelInfo("ch"))
    assert await store.read_playout_state("ch") is None
    await store.save_playout_state("ch", from_us=at(0), at_us=at(60), revision=1, state='{"a":1}')
    await store.save_playout_state("ch", from_us=at(60), at_us=at(120), revision=2, state='{"a":2}')

    latest = await store.read_playout_state("ch")
    assert latest is not None
    assert (latest.at_us, latest.revision, latest.state) == (at(120), 2, '{"a":2}')
    assert latest.save_time_us > 0
    middle = await store.read_playout_state("ch", at_us=at(90))
    assert middle is not None and middle.state == '{"a":1}'
    assert await store.read_playout_state("ch", at_us=at(59)) is None


async def test_saving_a_window_again_drops_the_states_that_followed_it(store: Store) -> None:
    await store.upsert_channel(ChannelInfo("ch"))
    for k in range(4):
        await store.save_playout_state("ch", from_us=at(60 * k), at_us=at(60 * (k + 1)), revision=k + 1, state=f"{k}")
    await store.save_playout_state("ch", from_us=at(60), at_us=at(120), revision=5, state="again")

    latest = await store.read_playout_state("ch")
    assert latest is not None and (latest.at_us, latest.state) == (at(120), "again")


async def test_a_reset_forgets_the_states_after_an_instant_or_all(store: Store) -> None:
    await store.upsert_channel(ChannelInfo("ch"))
    for k in range(3):
        await store.save_playout_state("ch", from_us=at(60 * k), at_us=at(60 * (k + 1)), revision=k + 1, state=f"{k}")

    assert await store.reset_playout_state("ch", after_us=at(60)) == 2
    kept = await store.read_playout_state("ch")
    assert kept is not None and kept.state == "0"
    assert await store.reset_playout_state("ch") == 1
    assert await store.read_playout_state("ch") is None


async def test_deleting_the_channel_deletes_its_states(store: Store) -> None:
    await store.commit_events("ch", [ev("a", 0)], mode=ImportMode.REPLACE_ALL, window=None)
    await store.save_playout_state("ch", from_us=at(0), at_us=at(60), revision=1, state="x")
    await store.delete_channel("ch")
    await store.upsert_channel(ChannelInfo("ch"))
    assert await store.read_playout_state("ch") is None


async def test_an_absent_channel_has_no_state_to_read_save_or_reset(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.read_playout_state("nope")
    with pytest.raises(NotFound):
        await store.save_playout_state("nope", from_us=0, at_us=1, revision=1, state="x")
    with pytest.raises(NotFound):
        await store.reset_playout_state("nope")


async def test_a_continuation_reads_the_plays_around_the_window_and_the_state_in_one_call(store: Store) -> None:
    """The plays that end in the lookback before the window and those that
    start in the reach after it, by (start, id), with what the rules read;
    the state in effect at the window's start."""
    stored = [
        ev("long-ago", 0, 30, metadata={"item_id": "x"}),  # ends at 30, before the lookback (60..120)
        ev("at-edge", 30, 30),  # ends at 60: not after the lookback's start
        ev("long", 40, 50, kind=EventKind.FILLER, title="Long", fixed_start=True),  # ends at 90
        ev("b2", 95, 25, metadata={"artist": "A", "item_id": "y"}),  # ends at 120, the window's start
        ev("b1", 95, 10, metadata={"artist": "A", "item_id": "y"}),
        ev("across", 110, 20),  # overlaps the window's start: not history
        ev("inside", 150, 10),
        ev("a1", 180, 10, metadata={"show": "S"}),  # starts at the window's end
        ev("a2", 230, 10),  # starts at 240 - 10: inside the reach (180..240)
        ev("far", 240, 10),  # starts at the reach's end
    ]
    await store.commit_events("ch", stored, mode=ImportMode.REPLACE_ALL, window=None)
    await store.save_playout_state("ch", from_us=at(0), at_us=at(100), revision=1, state='{"early":1}')
    await store.save_playout_state("ch", from_us=at(100), at_us=at(200), revision=1, state='{"late":1}')
    window = span(120, 180)

    found = await store.read_continuation("ch", window, lookback_us=60 * MINUTE, reach_us=60 * MINUTE)

    assert ids(found.plays) == ["long", "b1", "b2", "a1", "a2"]
    by_id = {e.id: e for e in stored}
    for play in found.plays:
        full = by_id[play.id]
        assert (play.start_us, play.duration_us, play.asset_id, play.kind, dict(play.metadata)) == (
            full.start_us,
            full.duration_us,
            full.asset_id,
            full.kind,
            dict(full.metadata),
        )
        assert (play.title, play.fixed_start, play.details) == ("", False, None)  # not read: the rules never look
    assert found.state is not None and (found.state.at_us, found.state.state) == (at(100), '{"early":1}')


async def test_a_continuation_reads_only_the_sides_asked_for(store: Store) -> None:
    await store.commit_events(
        "ch", [ev("before", 100, 10), ev("after", 200, 10)], mode=ImportMode.REPLACE_ALL, window=None
    )
    await store.save_playout_state("ch", from_us=at(0), at_us=at(100), revision=1, state="s")
    window = span(120, 180)

    back = await store.read_continuation("ch", window, lookback_us=60 * MINUTE, reach_us=0, with_state=False)
    ahead = await store.read_continuation("ch", window, lookback_us=0, reach_us=60 * MINUTE)

    assert (ids(back.plays), back.state) == (["before"], None)
    assert ids(ahead.plays) == ["after"] and ahead.state is not None
    with pytest.raises(NotFound):
        await store.read_continuation("nope", window, lookback_us=MINUTE, reach_us=MINUTE)
