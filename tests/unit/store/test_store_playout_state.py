"""The playout-state part of the store contract: both adapters, one behaviour."""

from __future__ import annotations

import pytest

from scheduleflow.server.core.errors import NotFound
from scheduleflow.server.core.model import ChannelInfo
from scheduleflow.server.store import ImportMode, Store
from tests.unit.store._store_helpers import at, ev


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
