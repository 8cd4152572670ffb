"""WatchSchedule bridged to the browser as server-sent events.

A live page holds one ``EventSource`` per channel. Each one is a real
WatchSchedule (``ScheduleFlowService.watch_schedule``, the generator the gRPC
method runs), so the page gets the stream's guarantees for free: resumption
from a revision (the browser's ``Last-Event-ID``, which is the revision of
the last frame), catch-up from the change log, a resync when the log no
longer reaches back, heartbeats, and an end when the server drains.

What crosses to the browser is small: the page redraws a change by asking
for its view again (findings must be recomputed anyway), so a frame says
which revision it is and where it touched the timeline, not the events
themselves. The frames:

- ``change``: ``{revision, commit_ms, added, updated, removed, span_ms,
  removed_ids, channel_deleted}``; ``span_ms`` is ``[first start, last end]``
  of the added and updated events, so a page showing another day can skip it.
- ``resync``: ``{revision}``; the stream could not say what changed: redraw.
- ``heartbeat``: ``{revision, server_ms}``, every :data:`HEARTBEAT_S`.
- ``end``: ``{message}``; the server is shutting down. The browser reconnects
  (``retry:``) and resumes from its last revision, here or on another replica.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from aiohttp import web

from scheduleflow.server.core.errors import InvalidInput, ScheduleFlowError
from scheduleflow.server.messages import convert
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.rpc.service import ScheduleFlowService
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

HEARTBEAT_S = 15
#: How long the browser waits before reconnecting (ms).
RETRY_MS = 1000
#: Removed ids listed in a frame; beyond them the page just redraws.
MAX_REMOVED_IDS = 200
#: A window no event of a real schedule overlaps (the first microsecond of
#: 1970): the page never uses a snapshot's events, it asks for its view again,
#: so a resync snapshot should not read and carry the channel's events.
_EMPTY_WINDOW = pb.TimeWindow(start_time=convert.instant_to_pb(0), end_time=convert.instant_to_pb(1))


class LiveBridge:
    """Serves ``/api/channels/{id}/live``."""

    def __init__(self, service: ScheduleFlowService, stats: Stats) -> None:
        self.service = service
        self.stats = stats
        #: Frames by the wire bytes they were made from: every stream of a
        #: channel gets the same bytes object for a change (the hub serializes
        #: it once), so the frame is made once too. Bytes cache their hash.
        self._frames: OrderedDict[bytes, bytes] = OrderedDict()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        channel_id = request.match_info["channel_id"]
        revision = await self._resume_point(request, channel_id)
        watch = spb.WatchScheduleRequest(
            channel_ids=[channel_id], from_revisions={channel_id: revision}, window=_EMPTY_WINDOW
        )
        watch.heartbeat_interval.seconds = HEARTBEAT_S
        # The generator reads nothing from its gRPC context; there is none here.
        stream = self.service.watch_schedule(watch, None)
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-store",
                # Reverse proxies (nginx) would otherwise buffer the stream.
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        self.stats.open_pages += 1
        try:
            await response.write(f"retry: {RETRY_MS}\n\n".encode())
            try:
                async for wire in stream:
                    await response.write(self._frame(channel_id, wire))
            except ScheduleFlowError as exc:
                await response.write(_sse("end", {"message": exc.message}, None))
        except ConnectionError:
            pass  # the browser went away (closed the tab, lost the network)
        finally:
            self.stats.open_pages -= 1
            await stream.aclose()  # type: ignore[attr-defined]
        return response

    async def _resume_point(self, request: web.Request, channel_id: str) -> int:
        """The revision the browser has: ``Last-Event-ID`` on a reconnect,
        else ``?revision=`` (from its view), else the channel's current one."""
        text = request.headers.get("Last-Event-ID") or request.query.get("revision")
        if text is None:
            return (await self.service.store.get_channel(channel_id)).revision
        if not text.isascii() or not text.isdigit() or len(text) > 18:
            raise InvalidInput.at(f"{text!r}: give the revision the page shows, a whole number", field="revision")
        await self.service.store.get_channel(channel_id)  # NotFound: 404 before the stream starts
        return int(text)

    def _frame(self, channel_id: str, wire: bytes) -> bytes:
        frame = self._frames.get(wire)
        if frame is not None:
            return frame
        message = spb.WatchScheduleResponse.FromString(wire)
        kind = message.WhichOneof("update")
        if kind == "change":
            c = message.change
            frame = _sse("change", _change_summary(c), c.revision)
        elif kind == "snapshot":
            frame = _sse("resync", {"revision": message.snapshot.revision}, message.snapshot.revision)
        else:
            heartbeat = message.heartbeat
            revision = heartbeat.revisions.get(channel_id, 0)
            # Not cached: a heartbeat is made for one stream.
            return _sse("heartbeat", {"revision": revision, "server_ms": _ms(heartbeat.server_time)}, revision)
        self._frames[wire] = frame
        if len(self._frames) > 64:
            self._frames.popitem(last=False)
        return frame


def _ms(ts: Any) -> int:
    return int(ts.seconds * 1000 + ts.nanos // 1_000_000)


def _change_summary(c: pb.ChannelChange) -> dict[str, Any]:
    starts: list[int] = []
    ends: list[int] = []
    for e in (*c.added, *c.updated):
        start = _ms(e.start_time)
        starts.append(start)
        ends.append(start + int(e.duration.seconds * 1000 + e.duration.nanos // 1_000_000))
    return {
        "revision": c.revision,
        "commit_ms": _ms(c.commit_time),
        "added": len(c.added),
        "updated": len(c.updated),
        "removed": len(c.removed_event_ids),
        "span_ms": [min(starts), max(ends)] if starts else None,
        "removed_ids": list(c.removed_event_ids[:MAX_REMOVED_IDS]),
        "channel_deleted": c.channel_deleted,
    }


def _sse(event: str, data: dict[str, Any], revision: int | None) -> bytes:
    head = f"id: {revision}\n" if revision is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
