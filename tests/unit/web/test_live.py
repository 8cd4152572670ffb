"""The live bridge's frames: what a WatchSchedule message becomes for the browser."""

from __future__ import annotations

import json
from typing import Any

from scheduleflow.server.core.model import Event
from scheduleflow.server.live.hub import change_message
from scheduleflow.server.messages import convert
from scheduleflow.server.observe.stats import Stats
from scheduleflow.server.store import ChangeRecord
from scheduleflow.server.web.live import MAX_REMOVED_IDS, LiveBridge
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

HOUR_US = 3_600_000_000


def _parse(frame: bytes) -> dict[str, Any]:
    fields = dict(line.split(": ", 1) for line in frame.decode().strip().split("\n"))
    return {"id": fields.get("id"), "event": fields["event"], **json.loads(fields["data"])}


def _bridge() -> LiveBridge:
    return LiveBridge(service=None, stats=Stats())  # type: ignore[arg-type]  # frames need neither


def test_a_change_says_its_revision_and_where_it_touched_the_timeline() -> None:
    added = [Event("a", 10 * HOUR_US, HOUR_US), Event("b", 2 * HOUR_US, HOUR_US // 2)]
    removed = tuple(f"old{i}" for i in range(MAX_REMOVED_IDS + 5))
    wire = change_message(ChangeRecord("ch", 7, 1_000_000, added, (), removed)).SerializeToString()
    frame = _parse(_bridge()._frame("ch", wire))
    assert frame["event"] == "change" and frame["id"] == "7"
    assert frame["span_ms"] == [2 * 3_600_000, 11 * 3_600_000]
    assert frame["added"] == 2 and frame["removed"] == MAX_REMOVED_IDS + 5
    assert len(frame["removed_ids"]) == MAX_REMOVED_IDS  # the page redraws when more went
    assert frame["commit_ms"] == 1000 and frame["channel_deleted"] is False


def test_a_frame_is_made_once_for_all_pages() -> None:
    bridge = _bridge()
    wire = change_message(ChangeRecord("ch", 2, 0, (), (), ("x",))).SerializeToString()
    assert bridge._frame("ch", wire) is bridge._frame("ch", wire)


def test_a_snapshot_is_a_resync_and_a_heartbeat_carries_the_revision() -> None:
    snapshot = spb.WatchScheduleResponse(snapshot=pb.Snapshot(channel_id="ch", revision=9, resync=True))
    assert _parse(_bridge()._frame("ch", snapshot.SerializeToString())) == {"id": "9", "event": "resync", "revision": 9}
    beat = spb.WatchScheduleResponse(
        heartbeat=pb.Heartbeat(server_time=convert.instant_to_pb(5_000_000), revisions={"ch": 4})
    )
    assert _parse(_bridge()._frame("ch", beat.SerializeToString())) == {
        "id": "4",
        "event": "heartbeat",
        "revision": 4,
        "server_ms": 5000,
    }
