"""The update hub: committed changes fan out to the WatchSchedule streams.

Rules:

1. ``publish`` never blocks and never waits for a watcher: each subscription
   has a bounded buffer, and one that overflows is marked so its stream
   resynchronises with a snapshot (a slow playout system must not slow the
   others, nor grow the server's memory).
2. Changes of one channel are delivered in revision order, each once. The hub
   remembers the newest revision it published per channel and drops what it
   has seen (a change may arrive twice: from this replica's commit and from
   the database's notification); a revision that skips ahead is delivered
   anyway, and the stream fills the hole from the store's change log.
3. A change is serialized once, however many streams carry it.
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
from functools import cached_property

from scheduleflow.server.messages import convert
from scheduleflow.server.store import ChangeRecord
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

#: Changes a watcher may fall behind before it is resynchronised.
DEFAULT_BUFFER = 256


@dataclass(eq=False)
class Published:
    """A change as streams send it: the record, and its bytes made once."""

    change: ChangeRecord

    @cached_property
    def wire(self) -> bytes:
        return change_message(self.change).SerializeToString()


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
    """One stream's view of the hub: a bounded buffer of changes."""

    channels: frozenset[str]
    capacity: int
    queue: asyncio.Queue[Published | _Closed] = field(default_factory=asyncio.Queue)
    #: Set when changes were dropped because the buffer was full; the stream
    #: must resynchronise and then clear it.
    overflowed: bool = False

    def offer(self, item: Published) -> None:
        if self.overflowed:
            return
        if self.queue.qsize() >= self.capacity:
            self.overflowed = True
            # Wake the stream even though the change itself was dropped.
            self.queue.put_nowait(_OVERFLOW)
            return
        self.queue.put_nowait(item)

    async def next(self) -> Published | _Closed:
        return await self.queue.get()


_OVERFLOW = Published(ChangeRecord("", 0, 0, (), (), ()))


def is_overflow(item: Published | _Closed) -> bool:
    return item is _OVERFLOW


class UpdateHub:
    """In-process fan-out of committed changes to subscriptions."""

    def __init__(self, *, buffer: int = DEFAULT_BUFFER) -> None:
        self.buffer = buffer
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
        sub = Subscription(frozenset(channels), self.buffer)
        if self.closed:
            sub.queue.put_nowait(CLOSED)
            return sub
        for ch in sub.channels:
            self._subs.setdefault(ch, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
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
        item = Published(change)
        for sub in subs:
            sub.offer(item)

    def close(self) -> None:
        """Tell every stream to end (server shutdown)."""
        self.closed = True
        for subs in self._subs.values():
            for sub in subs:
                with contextlib.suppress(asyncio.QueueFull):
                    sub.queue.put_nowait(CLOSED)
