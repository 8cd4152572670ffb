"""Hostile names reach the caller as our status, bounded, never as the transport's.

gRPC carries a status's message and details in trailing metadata, capped at
16 KiB by default; an error that quoted a 60 KB name whole would arrive as
RESOURCE_EXHAUSTED "metadata size exceeds hard limit". Every RPC gets the
longest names the limits allow (a text field may hold 64 KiB).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest

from scheduleflow.client import AsyncClient, ScheduleFlowError
from scheduleflow.client._convert import make_event
from scheduleflow.v1 import schedule_pb2 as pb

#: Just under the 64 KiB a text field may hold.
LONG = "a" * 60_000
START = datetime(2025, 11, 22, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

#: What a status may quote of the caller's text: a 200-character prefix and "…", in quotes.
QUOTED = 210
MESSAGE_BYTES = 1024


def _assert_bounded(err: ScheduleFlowError, *codes: grpc.StatusCode) -> None:
    assert err.code in codes, (err.code, err.message[:300])
    texts = [err.message, *(f for pair in err.field_violations for f in pair)]
    assert len(err.message.encode()) <= MESSAGE_BYTES
    for text in texts:
        longest = max((len(run) for run in re.findall(r"\S+", text)), default=0)
        assert longest <= QUOTED, text[:300]


def _cases() -> list[tuple[str, Callable[[AsyncClient], Awaitable[Any]], tuple[grpc.StatusCode, ...]]]:
    bad = (grpc.StatusCode.INVALID_ARGUMENT,)
    missing = (grpc.StatusCode.NOT_FOUND,)
    json_long_key = json.dumps({"channel": {"id": "c"}, "events": [], LONG: 1}).encode()
    json_long_event_key = json.dumps(
        {"channel": {"id": "c"}, "events": [{"id": "e", "start": "2025-11-22T09:00:00Z", "duration": "PT1H", LONG: 1}]}
    ).encode()
    xml_long_root = b"<" + LONG.encode() + b"/>"
    xml_long_child = (
        b'<schedule xmlns="https://scheduleflow.dev/schema/v1" version="1"><' + LONG.encode() + b"/></schedule>"
    )
    xmltv_long = b'<tv><programme start="20251122090000 +0000" channel="c"><' + LONG.encode() + b"/></programme></tv>"
    mismatched = b"<tv><" + LONG.encode() + b"></b></tv>"
    playlist = pb.Playlist(items=[pb.PlaylistItem(id=LONG, asset_id="x")])
    return [
        ("validate xml root", lambda c: c.validate(document=xml_long_root), bad),
        ("validate xml child", lambda c: c.validate(document=xml_long_child), bad),
        ("validate xmltv child", lambda c: c.validate(document=xmltv_long, format="xmltv"), bad),
        ("validate mismatched tag", lambda c: c.validate(document=mismatched, format="xmltv"), bad),
        ("validate json key", lambda c: c.validate(document=json_long_key), bad),
        ("validate json event key", lambda c: c.validate(document=json_long_event_key), bad),
        ("validate zone", lambda c: c.validate([make_event("e", START, HOUR)], time_zone=LONG), bad),
        ("import json key", lambda c: c.import_document(LONG, json_long_key), bad),
        ("import xml root", lambda c: c.import_document(LONG, xml_long_root), bad),
        ("export", lambda c: c.export(LONG), missing),
        (
            "schedule",
            lambda c: c.schedule(LONG, playlist, window=(START, START + HOUR), time_zone=LONG),
            bad,
        ),
        ("get channel", lambda c: c.get_channel(LONG), missing),
        ("upsert channel zone", lambda c: c.upsert_channel(LONG, time_zone=LONG), bad),
        ("delete channel", lambda c: c.delete_channel(LONG), missing),
        ("list events", lambda c: c.list_events(LONG), missing),
        ("list channels token", lambda c: c.list_channels(page_token=LONG), bad),
        ("list events token", lambda c: c.list_events("c", page_token=LONG), bad + missing),
    ]


@pytest.mark.parametrize("case", _cases(), ids=lambda case: case[0])
async def test_a_hostile_name_gets_a_bounded_status(client: AsyncClient, case: Any) -> None:
    _, call, codes = case
    with pytest.raises(ScheduleFlowError) as caught:
        await call(client)
    _assert_bounded(caught.value, *codes)


async def test_findings_quote_a_prefix_of_hostile_names(client: AsyncClient) -> None:
    events = [make_event(f"{i}{LONG[:20_000]}", f"x{LONG[:20_000]}", HOUR) for i in range(100)]
    events += [make_event(f"{i}{LONG[:20_000]}", START, HOUR, asset_id=LONG) for i in range(2)] * 2
    response = await client.validate(events)
    assert len(response.findings) >= 102
    for finding in response.findings:
        longest = max(len(run) for run in re.findall(r"\S+", finding.message))
        assert longest <= QUOTED, finding.message[:300]


async def test_a_watch_of_a_hostile_name_gets_a_bounded_status(client: AsyncClient) -> None:
    with pytest.raises(ScheduleFlowError) as caught:
        async for _ in client.watch_schedule([LONG, ""]):
            pass
    _assert_bounded(caught.value, grpc.StatusCode.INVALID_ARGUMENT)
