"""The store contract for ``commit_channels``: several channels, one transaction."""

from __future__ import annotations

import pytest

from scheduleflow.server.core.errors import InvalidInput, NotFound, RevisionMismatch
from scheduleflow.server.core.model import ChannelInfo
from scheduleflow.server.store import ChannelCommit, ImportMode, Store
from tests.unit.store._store_helpers import ev, ids

ALL = ImportMode.REPLACE_ALL


async def test_each_channel_gets_its_own_revision_and_change_in_request_order(store: Store) -> None:
    await store.commit_events("b", [ev("old", 0)], mode=ALL, window=None)

    results = await store.commit_channels(
        [
            ChannelCommit("b", [ev("b1", 0), ev("b2", 30)], ALL, None),
            ChannelCommit("a", [ev("a1", 0)], ALL, None, channel=ChannelInfo("a", "Channel A")),
        ]
    )

    assert [(r.channel.id, r.channel.revision, r.added, r.removed) for r in results] == [("b", 2, 2, 1), ("a", 1, 1, 0)]
    assert (await store.get_channel("a")).display_name == "Channel A"
    assert ids((await store.read_events("b", None))[1]) == ["b1", "b2"]
    changes = await store.changes_since("b", 1)
    assert changes is not None and [c.revision for c in changes] == [2]
    assert [c.revision for c in await store.changes_since("a", 0) or []] == [1]


async def test_one_failing_channel_leaves_every_channel_untouched(store: Store) -> None:
    await store.commit_events("b", [ev("old", 0)], mode=ALL, window=None)

    with pytest.raises(RevisionMismatch):
        await store.commit_channels(
            [
                ChannelCommit("a", [ev("a1", 0)], ALL, None),
                ChannelCommit("b", [ev("b1", 0)], ALL, None, expected_revision=7),
            ]
        )

    with pytest.raises(NotFound):
        await store.get_channel("a")
    assert ids((await store.read_events("b", None))[1]) == ["old"]


async def test_a_dry_run_of_several_channels_writes_nothing(store: Store) -> None:
    results = await store.commit_channels(
        [ChannelCommit("a", [ev("a1", 0)], ALL, None, dry_run=True), ChannelCommit("b", [], ALL, None, dry_run=True)]
    )

    assert [(r.channel.id, r.added, r.dry_run) for r in results] == [("a", 1, True), ("b", 0, True)]
    with pytest.raises(NotFound):
        await store.get_channel("a")


async def test_a_channel_twice_or_a_mixed_dry_run_is_refused(store: Store) -> None:
    with pytest.raises(InvalidInput):
        await store.commit_channels([ChannelCommit("a", [], ALL, None), ChannelCommit("a", [], ALL, None)])
    with pytest.raises(InvalidInput):
        await store.commit_channels(
            [ChannelCommit("a", [], ALL, None), ChannelCommit("b", [], ALL, None, dry_run=True)]
        )
