"""As-run logs: BXF ``<AsRun>`` messages and the same in ScheduleFlow JSON.

Rules:

1. BXF as-runs are read and written by ``bxf`` (its hardened reader). The
   JSON form is for systems that do not speak BXF::

       {"scheduleflow_asrun": 1, "channel": "north.tv",
        "entries": [{"id": "l1", "event_id": "e1", "start": "2025-06-01T19:00:00Z",
                     "duration": "PT30S", "asset_id": "SB-030", "title": "...",
                     "status": "Aired Without Discrepancy"}]}

   ``event_id`` (the scheduled event) may be absent for an entry put on air
   by hand; ``id`` defaults to ``asrun-<n>``. Times and durations take every
   spelling the native formats take.
2. Errors name a JSON pointer (or a line and column for BXF); nothing is
   guessed. Size, entry count and text limits are the documents' (``Limits``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import ChannelInfo, Finding
from scheduleflow.server.core.reconcile import AsRunEntry
from scheduleflow.server.core.timeparse import TimestampError, format_duration, format_rfc3339, zone
from scheduleflow.server.formats import bxf
from scheduleflow.server.formats._common import read_duration, read_instant
from scheduleflow.server.formats._xml_safety import check_size
from scheduleflow.server.formats.detect import Format, detect_format
from scheduleflow.server.formats.limits import Limits

__all__ = ["AsRunLog", "parse_asrun", "render_asrun"]

_DEFAULT_LIMITS = Limits()
JSON_MARKER = "scheduleflow_asrun"
_TEXT_FIELDS = ("id", "event_id", "asset_id", "title", "status")


class AsRunLog:
    """A parsed as-run log: its channel, entries (in log order) and notes."""

    __slots__ = ("channel", "entries", "findings")

    def __init__(self, channel: ChannelInfo, entries: list[AsRunEntry], findings: tuple[Finding, ...] = ()) -> None:
        self.channel = channel
        self.entries = entries
        self.findings = findings


def parse_asrun(
    content: bytes, fmt: Format | None = None, *, default_zone: str = "UTC", limits: Limits = _DEFAULT_LIMITS
) -> AsRunLog:
    """Read an as-run log; ``fmt=None`` detects BXF or JSON."""
    check_size(content, limits)
    fmt = detect_format(content) if fmt is None else Format(fmt)
    if fmt is Format.BXF:
        channel, entries, findings = bxf.parse_asrun(content, default_zone=default_zone, limits=limits)
        return AsRunLog(channel, entries, findings)
    if fmt is Format.JSON:
        return _parse_json(content, zone(default_zone or "UTC"), limits)
    raise InvalidInput.at(
        f"an as-run log is BXF (<BxfMessage> of <AsRun>) or ScheduleFlow JSON ({{{JSON_MARKER!r}: 1}}), not {fmt.value}",
        field="document.format",
    )


def _parse_json(content: bytes, tz: ZoneInfo, limits: Limits) -> AsRunLog:
    try:
        data = json.loads(content)
    except (ValueError, RecursionError) as exc:
        line, column = getattr(exc, "lineno", 0), getattr(exc, "colno", 0)
        raise InvalidInput.at(f"not valid JSON: {getattr(exc, 'msg', exc)}", line=line, column=column) from None
    if not isinstance(data, dict) or data.get(JSON_MARKER) != 1:
        raise InvalidInput.at(f'an as-run log in JSON is an object with "{JSON_MARKER}": 1', field=f"/{JSON_MARKER}")
    channel = data.get("channel", "")
    if not isinstance(channel, str):
        raise InvalidInput.at("channel must be a string", field="/channel")
    items = data.get("entries")
    if not isinstance(items, list):
        raise InvalidInput.at("entries must be an array of as-run entries", field="/entries")
    if len(items) > limits.max_events:
        raise InvalidInput.at(f"more than {limits.max_events} entries: split the log", field="/entries")
    entries = []
    for index, item in enumerate(items):
        entries.append(_entry(item, index, tz, limits))
    return AsRunLog(ChannelInfo(id=channel), entries)


def _entry(item: Any, index: int, tz: ZoneInfo, limits: Limits) -> AsRunEntry:
    pointer = f"/entries/{index}"
    if not isinstance(item, dict):
        raise InvalidInput.at("an as-run entry is an object", field=pointer)
    unknown = set(item) - {*_TEXT_FIELDS, "start", "duration"}
    if unknown:
        raise InvalidInput.at(f"unknown field {sorted(unknown)[0]!r}", field=f"{pointer}/{sorted(unknown)[0]}")
    texts: dict[str, str] = {}
    for name in _TEXT_FIELDS:
        value = item.get(name, "")
        if not isinstance(value, str):
            raise InvalidInput.at(f"{name} must be a string", field=f"{pointer}/{name}")
        if len(value) > limits.max_text:
            raise InvalidInput.at(f"{name} is longer than {limits.max_text} characters", field=f"{pointer}/{name}")
        texts[name] = value
    if "start" not in item or "duration" not in item:
        missing = "start" if "start" not in item else "duration"
        raise InvalidInput.at(f"an as-run entry needs {missing}", field=f"{pointer}/{missing}")
    start, duration = item["start"], item["duration"]
    try:
        if not isinstance(start, str):
            raise TimestampError("start must be a timestamp string")
        start_us = read_instant(start, tz).us
    except TimestampError as exc:
        raise InvalidInput.at(exc.message, field=f"{pointer}/start") from None
    try:
        if isinstance(duration, bool) or not isinstance(duration, str | int | float):
            raise ValueError("duration must be a string or a number of seconds")
        duration_us = read_duration(duration)
    except ValueError as exc:
        raise InvalidInput.at(str(exc), field=f"{pointer}/duration") from None
    return AsRunEntry(
        id=texts["id"] or f"asrun-{index + 1}",
        planned_id=texts["event_id"],
        start_us=start_us,
        duration_us=duration_us,
        asset_id=texts["asset_id"],
        title=texts["title"],
        status=texts["status"],
    )


def render_asrun(fmt: Format, channel: ChannelInfo, entries: Sequence[AsRunEntry], *, pretty: bool = False) -> bytes:
    """Write ``entries`` as a BXF or JSON as-run log that ``parse_asrun`` reads back."""
    fmt = Format(fmt)
    if fmt is Format.BXF:
        return b"".join(bxf.render_asrun_parts(channel, entries, pretty=pretty))
    if fmt is not Format.JSON:
        raise InvalidInput.at("as-run logs are exported as BXF or JSON", field="format")
    doc = {
        JSON_MARKER: 1,
        "channel": channel.id,
        "entries": [
            {
                "id": e.id,
                **({"event_id": e.planned_id} if e.planned_id else {}),
                "start": format_rfc3339(e.start_us),
                "duration": format_duration(e.duration_us),
                **({"asset_id": e.asset_id} if e.asset_id else {}),
                **({"title": e.title} if e.title else {}),
                **({"status": e.status} if e.status else {}),
            }
            for e in entries
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2 if pretty else None).encode()
