"""The update hub's buffers are bounded in bytes, per stream and in total; an
overflow drops the stale changes at once and the stream's next read is its resync."""

from __future__ import annotations

from scheduleflow.server.core.model import Event
from scheduleflow.server.live.hub import CLOSED, Published, UpdateHub, is_overflow
from scheduleflow.server.store import ChangeRecord

T0 = 1_763_800_000 * 10**6


def _change(channel: str, revision: int, events: int = 100) -> ChangeRecord:
    added = tuple(Event(f"{revision}-{i}", T0 + i * 60_000_000, 60_000_000, title="x" * 20) for i in range(events))
    return ChangeRecord(channel, revision, T0, added, (), ())


def _size(events: int = 100) -> int:
    return Published.of(_change("c", 1, events)).size


async def test_a_stream_over_its_bytes_gets_only_the_resync_marker_and_holds_nothing() -> None:
    hub = UpdateHub(buffer=1000, buffer_bytes=3 * _size() + 10, total_bytes=1 << 30)
    sub = hub.subscribe(["c"])
    for revision in range(1, 4):
        hub.publish(_change("c", revision))
    assert sub.buffered_bytes == hub.total_bytes > 0
    assert not sub.overflowed
    hub.publish(_change("c", 4))  # one too many
    assert sub.overflowed
    assert (sub.buffered_bytes, hub.total_bytes, hub.overflows) == (0, 0, 1)
    assert sub.queue.qsize() == 1
    assert is_overflow(await sub.next())  # no stale change first
    hub.publish(_change("c", 5))  # dropped: the stream has not resynchronised yet
    assert sub.queue.empty()
    sub.resynced()
    hub.publish(_change("c", 6))
    item = await sub.next()
    assert isinstance(item, Published) and item.revision == 6
    assert hub.total_bytes == 0


async def test_the_total_overflows_the_fullest_stream_to_make_room() -> None:
    hub = UpdateHub(buffer=1000, buffer_bytes=1 << 30, total_bytes=5 * _size() + 10)
    stalled = hub.subscribe(["a"])
    reading = hub.subscribe(["b"])
    for revision in range(1, 5):
        hub.publish(_change("a", revision))
    assert stalled.buffered_bytes == hub.total_bytes
    hub.publish(_change("b", 1))
    hub.publish(_change("b", 2))  # past the total: the stalled stream gives way
    assert stalled.overflowed and not reading.overflowed
    assert hub.total_bytes == reading.buffered_bytes == 2 * _size()
    assert hub.total_bytes <= hub.max_total_bytes
    first = await reading.next()
    assert isinstance(first, Published) and first.revision == 1


async def test_a_lone_stream_past_the_total_overflows_itself() -> None:
    hub = UpdateHub(buffer=1000, buffer_bytes=1 << 30, total_bytes=2 * _size() + 10)
    sub = hub.subscribe(["c"])
    for revision in range(1, 4):
        hub.publish(_change("c", revision))
    assert sub.overflowed
    assert hub.total_bytes == 0


async def test_an_overflow_keeps_the_end_of_the_stream() -> None:
    hub = UpdateHub(buffer=2, buffer_bytes=1 << 30, total_bytes=1 << 30)
    sub = hub.subscribe(["c"])
    hub.publish(_change("c", 1))
    hub.close()
    sub.overflow()
    assert await sub.next() is CLOSED


async def test_leaving_releases_what_was_buffered() -> None:
    hub = UpdateHub()
    sub = hub.subscribe(["c"])
    hub.publish(_change("c", 1, events=1000))
    assert hub.total_bytes > 0
    hub.unsubscribe(sub)
    assert hub.total_bytes == 0


def test_a_buffered_change_is_its_bytes_not_its_record() -> None:
    item = Published.of(_change("c", 1, events=1000))
    assert not hasattr(item, "__dict__")  # slots: the channel, the revision and the wire only
    assert item.size < 2 * len(item.wire)
