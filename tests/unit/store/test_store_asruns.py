"""The store contract for as-run logs, on every adapter."""

from __future__ import annotations

import pytest

from scheduleflow.server.core.errors import NotFound
from scheduleflow.server.core.model import ChannelInfo, Window
from scheduleflow.server.core.reconcile import AsRunEntry
from scheduleflow.server.store import Store

S = 1_000_000


def _entry(n: int, start_s: int, planned: str = "") -> AsRunEntry:
    return AsRunEntry(f"r{n}", planned, start_s * S, 10 * S, f"a{n}", "tïtle <&>", "Aired Without Discrepancy")


async def test_a_stored_log_reads_back_without_spending_a_revision(store: Store) -> None:
    before = await store.upsert_channel(ChannelInfo("ch"))
    entries = [_entry(1, 0, "e1"), _entry(2, 10), _entry(3, 100, "e3")]
    first = await store.save_asrun("ch", entries, window=Window(0, 110 * S), schedule_revision=0)
    second = await store.save_asrun("ch", entries[:1], window=Window(0, 10 * S), schedule_revision=0)
    assert second > first > 0
    assert (await store.get_channel("ch")).revision == before.revision
    # The same entry from two logs is one airing.
    assert await store.read_asruns("ch", None) == entries
    assert await store.read_asruns("ch", Window(5 * S, 50 * S)) == entries[:2]
    assert await store.read_asruns("ch", Window(500 * S, 600 * S)) == []


async def test_as_runs_need_the_channel(store: Store) -> None:
    with pytest.raises(NotFound):
        await store.save_asrun("ghost", [_entry(1, 0)], window=Window(0, S), schedule_revision=0)
    with pytest.raises(NotFound):
        await store.read_asruns("ghost", None)
