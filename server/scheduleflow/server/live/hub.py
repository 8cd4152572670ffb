"""The update hub: committed changes fan out to the WatchSchedule streams.

Rules:

1. ``publish`` never blocks and never waits for a watcher: each subscription
   has a buffer bounded in changes and in bytes, and all of them together a
   bound in bytes. One that overflows drops what it holds at once (stale:
   the stream will resynchronise) and its stream gets a resync snapshot the
   next time it reads, with no stale change first. A slow playout system
   must not slow the others, nor grow the server's memory. When the total
   is reached, the fullest buffer overflows to make room.
2. Changes of one channel are delivered in revision order, each once. The hub
   remembers the newest revision it published per channel and drops what it
   has seen (a change may arrive twice: from this replica's commit and from
   the database's notification); a revision that skips ahead is delivered
   anyway, and the stream fills the hole from the store's change log.
3. A change is serialized once, however many streams carry it, and a
   buffered change is only its bytes (``Published``): the change record's
   Python objects, 7-8x larger (measured: 333 KB against 44 KB of wire for
   1,000 events), are not kept alive by a buffer.
4. On shutdown every subscription is told to end, so streams can close with
   UNAVAILABLE and clients reconnect elsewhere.

Two feeders exist: the service publishes its own commits directly (enough
with one replica), and with PostgreSQL a listener publishes what every replica
commits, from LISTEN/NOTIFY plus the change log (``PostgresFeed`` in
``scheduleflow.server.live.feed``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from scheduleflow.server.messages import convert
from scheduleflow.server.store import ChangeRecord
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

#: Changes a watcher may fall behind before it is resynchronised.
DEFAULT_BUFFER = 256
#: Bytes one watcher's buffer may hold (about ninety 1,000-event changes).
DEFAULT_BUFFER_BYTES = 4 << 20
#: Bytes all the buffers together may hold.
DEFAULT_TOTAL_BYTES = 64 << 20
#: What one buffered change costs besides its bytes (the object, the queue slot).
_ITEM_OVERHEAD = 200


@dataclass(eq=False, slots=True, frozen=True)
class Published:
    """A change as streams send it: which one, and its bytes, made once."""

    channel_id: str
    revision: int
    wire: bytes

    @classmethod
    def of(cls, change: ChangeRecord) -> Published:
        return cls(change.channel_id, change.revision, change_message(change).SerializeToString())

    @property
    def size(self) -> int:
        """What holding it in a buffer costs, in bytes."""
        return len(self.wire) + _ITEM_OVERHEAD


def change_message(c: ChangeRecord) -> spb.WatchScheduleResponse:
    return spb.WatchScheduleResponse(
        change=pb.ChannelChange(
            channel_id=c.channel_id,
            revision=c.revision,
            commit_time=convert.instant_to_pb(c.commit_time_us),
            added=convert.events_to_pb(c.added),
            updated=convert.events_to_pb(c.updated),
            removed_event_ids=list(c.removed_ids),
            channel_deleted=c.channel_deleted,
        )
    )


class _Closed:
    """Sentinel: the hub is shutting down."""


CLOSED = _Closed()


@dataclass(eq=False)
class Subscription:
    """One stream's view of the hub: a buffer of changes bounded in count and bytes."""

    channels: frozenset[str]
    capacity: int
    max_bytes: int = DEFAULT_BUFFER_BYTES
    hub: UpdateHub | None = None
    queue: asyncio.Queue[Published | _Closed] = field(default_factory=asyncio.Queue)
    #: Set when changes were dropped because the buffer was full; the stream
    #: must resynchronise and then call ``resynced``.
    overflowed: bool = False
    #: Bytes of the changes in the buffer.
    buffered_bytes: int = 0

    def offer(self, item: Published) -> None:
        if self.overflowed:
            return
        size = item.size
        if (
            self.queue.qsize() >= self.capacity
            or self.buffered_bytes + size > self.max_bytes
            or (self.hub is not None and not self.hub.reserve(size, self))
        ):
            self.overflow()
            return
        self.queue.put_nowait(item)
        self.buffered_bytes += size

    def overflow(self) -> None:
        """Drop what is buffered (stale: the stream resynchronises) and wake the stream for its resync."""
        closed = False
        while not self.queue.empty():
            closed = closed or self.queue.get_nowait() is CLOSED
        self._release(self.buffered_bytes)
        self.overflowed = True
        self.queue.put_nowait(CLOSED if closed else _OVERFLOW)

    def resynced(self) -> None:
        """The stream has sent its resync snapshot: buffer changes again."""
        self.overflowed = False

    async def next(self) -> Published | _Closed:
        item = await self.queue.get()
        if isinstance(item, Published) and item is not _OVERFLOW:
            self._release(item.size)
        return item

    def _release(self, size: int) -> None:
        self.buffered_bytes -= size
        if self.hub is not None:
            self.hub.total_bytes -= size


_OVERFLOW = Published("", 0, b"")


def is_overflow(item: Published | _Closed) -> bool:
    return item is _OVERFLOW


class UpdateHub:
    """In-process fan-out of committed changes to subscriptions."""

    def __init__(
        self,
        *,
        buffer: int = DEFAULT_BUFFER,
        buffer_bytes: int = DEFAULT_BUFFER_BYTES,
        total_bytes: int = DEFAULT_TOTAL_BYTES,
    ) -> None:
        self.buffer = buffer
        self.buffer_bytes = buffer_bytes
        self.max_total_bytes = total_bytes
        #: Bytes buffered across every subscription (a change held by several
        #: counts once per buffer: the real figure is at most this).
        self.total_bytes = 0
        #: Subscriptions whose buffer overflowed (bytes, count, or the total).
        self.overflows = 0
        self._all: set[Subscription] = set()
        self._subs: dict[str, set[Subscription]] = {}
        self._newest: dict[str, int] = {}
        self.closed = False
        self.published = 0

    @property
    def watchers(self) -> int:
        return len({s for subs in self._subs.values() for s in subs})

    def watching(self, channel_id: str) -> bool:
        """Whether any subscription here follows ``channel_id``."""
        return channel_id in self._subs

    def watched_channels(self) -> list[str]:
        return list(self._subs)

    def newest(self, channel_id: str) -> int:
        return self._newest.get(channel_id, 0)

    def subscribe(self, channels: Iterable[str]) -> Subscription:
        sub = Subscription(frozenset(channels), self.buffer, self.buffer_bytes, self)
        if self.closed:
            sub.queue.put_nowait(CLOSED)
            return sub
        self._all.add(sub)
        for ch in sub.channels:
            self._subs.setdefault(ch, set()).add(sub)
        return sub

    def reserve(self, size: int, sub: Subscription) -> bool:
        """Room for ``size`` more bytes in ``sub``'s buffer within the total,
        overflowing the fullest buffers first; False when ``sub`` is the fullest."""
        while self.total_bytes + size > self.max_total_bytes:
            fullest = max(self._all, key=lambda s: s.buffered_bytes, default=None)
            if fullest is None or fullest is sub or fullest.buffered_bytes == 0:
                return False
            self.overflows += 1
            fullest.overflow()
        self.total_bytes += size
        return True

    def unsubscribe(self, sub: Subscription) -> None:
        self._all.discard(sub)
        sub._release(sub.buffered_bytes)
        sub.hub = None
        for ch in sub.channels:
            subs = self._subs.get(ch)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[ch]

    def publish(self, change: ChangeRecord) -> None:
        """Hand a committed change to every subscription of its channel (once per revision)."""
        if change.revision <= self._newest.get(change.channel_id, 0):
            return
        self._newest[change.channel_id] = change.revision
        self.published += 1
        subs = self._subs.get(change.channel_id)
        if not subs:
            return
        item = Published.of(change)
        for sub in subs:
            was = sub.overflowed
            sub.offer(item)
            if sub.overflowed and not was and sub.hub is not None:
                self.overflows += 1

    def close(self) -> None:
        """Tell every stream to end (server shutdown)."""
        self.closed = True
        for subs in self._subs.values():
            for sub in subs:
                with contextlib.suppress(asyncio.QueueFull):
                    sub.queue.put_nowait(CLOSED)
