"""As-run logs in JSON and BXF: what is refused (with its place), and round trips."""

from __future__ import annotations

import json

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import ChannelInfo
from scheduleflow.server.core.reconcile import AsRunEntry
from scheduleflow.server.core.timecode import RATES, Timecode, TimecodeError, frames_of, parse_rate, parse_timecode
from scheduleflow.server.formats import Format
from scheduleflow.server.formats.asrun import parse_asrun, render_asrun

_ENTRY = {"event_id": "e1", "start": "2025-06-02T20:00:00Z", "duration": "PT30S"}


def _json(entries: object, **extra: object) -> bytes:
    return json.dumps({"scheduleflow_asrun": 1, "entries": entries, **extra}).encode()


@pytest.mark.parametrize(
    ("content", "message", "field"),
    [
        (b'{"scheduleflow_asrun": 1, "entries": [}', "not valid JSON", ""),
        (b'{"scheduleflow": 1, "events": []}', '"scheduleflow_asrun": 1', "/scheduleflow_asrun"),
        (_json([], channel=7), "channel must be a string", "/channel"),
        (_json({}), "entries must be an array", "/entries"),
        (_json([5]), "an as-run entry is an object", "/entries/0"),
        (_json([{**_ENTRY, "colour": "red"}]), "unknown field 'colour'", "/entries/0/colour"),
        (_json([{**_ENTRY, "title": 3}]), "title must be a string", "/entries/0/title"),
        (_json([{"event_id": "e1", "duration": "PT1S"}]), "needs start", "/entries/0/start"),
        (_json([{**_ENTRY, "start": 12}]), "start must be a timestamp", "/entries/0/start"),
        (_json([{**_ENTRY, "start": "yesterday"}]), "is not a timestamp", "/entries/0/start"),
        (_json([{**_ENTRY, "duration": True}]), "duration must be", "/entries/0/duration"),
        (_json([{**_ENTRY, "duration": "half an hour"}]), "is not a duration", "/entries/0/duration"),
    ],
)
def test_a_json_as_run_is_refused_with_its_place(content: bytes, message: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_asrun(content, Format.JSON)
    assert message in info.value.message
    assert info.value.violations[0].where.field == field


def test_an_as_run_is_bxf_or_json() -> None:
    with pytest.raises(InvalidInput, match="an as-run log is BXF"):
        parse_asrun(b"<tv></tv>")
    with pytest.raises(InvalidInput, match="exported as BXF or JSON"):
        render_asrun(Format.XML, ChannelInfo("x"), [])


def test_a_schedule_is_not_an_as_run_and_the_reverse() -> None:
    from pathlib import Path

    from scheduleflow.server.formats import parse_document

    corpus = Path(__file__).parent / "corpus_bxf"
    with pytest.raises(InvalidInput, match="send it to ReconcileAsRun"):
        parse_document((corpus / "asrun_all_outcomes.xml").read_bytes())
    with pytest.raises(InvalidInput, match="holds <AsRun> entries"):
        parse_asrun((corpus / "asrun_plan.xml").read_bytes())


@pytest.mark.parametrize("fmt", [Format.BXF, Format.JSON])
def test_entries_round_trip_whatever_they_hold(fmt: Format) -> None:
    entries = [
        AsRunEntry("a", "e1", 0, 30_000_000, "H1", "Title <&>", "Aired Without Discrepancy"),
        AsRunEntry("b", "", 30_000_000, 1_234_567, "", "by hand", "Inserted by Operator; Technical Difficulty"),
        AsRunEntry("c", "not a uuid", 60_000_000, 1, "", "", "a status of our own"),
    ]
    back = parse_asrun(render_asrun(fmt, ChannelInfo("rt.tv"), entries, pretty=True), fmt)
    assert back.entries == entries


def test_timecode_corners() -> None:
    assert parse_rate("30000/1001") == RATES["29.97"]
    assert parse_rate("29.970", drop_frame=True) == RATES["29.97DF"]
    assert parse_rate("59.94", drop_frame=True) == RATES["59.94DF"]
    with pytest.raises(TimecodeError, match="not one we convert"):
        parse_rate("1/0")
    with pytest.raises(TimecodeError, match="minutes and seconds"):
        parse_timecode("00:61:00:00")
    with pytest.raises(TimecodeError, match="cannot be negative"):
        Timecode.from_frames(-1, RATES["25"])
    assert frames_of(-1, RATES["25"]) is None
    # Hours past a day count on: the label of a 25-hour span.
    assert Timecode.from_frames(25 * 3600 * 25, RATES["25"]).text() == "25:00:00:00"


_HEAD = (
    b'<?xml version="1.0"?>\n<BxfMessage xmlns="http://smpte-ra.org/schemas/2021/2017/BXF" id="urn:uuid:'
    b'00000000-0000-4000-8000-000000000001" dateTime="2025-06-02T00:00:00Z" messageType="Information" origin="a"'
    b' originType="Automation" userName="u">\n<BxfData>\n<Schedule type="Primary" scheduleId="urn:uuid:'
    b'00000000-0000-4000-8000-000000000002">\n'
)
_TAIL = b"</Schedule>\n</BxfData>\n</BxfMessage>\n"


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        (b"<AsRun>\n<Other/>\n</AsRun>\n", "needs a <BasicAsRun> or a <CompleteAsRun>", 5),
        (
            b"<AsRun><BasicAsRun><AsRunEventId><Null/></AsRunEventId>\n</BasicAsRun></AsRun>\n",
            "needs its <AsRunDetail>",
            5,
        ),
        (
            b"<AsRun><BasicAsRun><AsRunEventId><Null/></AsRunEventId><AsRunDetail><Status>Unknown</Status>"
            b"<Type>Primary</Type>\n<Duration><UtcDuration>PT1S</UtcDuration></Duration></AsRunDetail></BasicAsRun></AsRun>\n",
            "needs a <StartDateTime> and a <Duration>",
            5,
        ),
        (
            b"<AsRun><BasicAsRun><AsRunEventId><Null/></AsRunEventId><AsRunDetail><Status>Unknown</Status>"
            b"<Type>Primary</Type><StartDateTime><UtcDateTime>2025-02-30T00:00:00Z</UtcDateTime></StartDateTime>\n"
            b"<Duration><UtcDuration>PT1S</UtcDuration></Duration></AsRunDetail></BasicAsRun></AsRun>\n",
            "as-run entry 'asrun-1'",
            5,
        ),
        (b"<AsRun>&bad;</AsRun>\n", "undefined entity", 5),
    ],
)
def test_a_malformed_bxf_as_run_is_refused_at_its_line(body: bytes, message: str, line: int) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_asrun(_HEAD + body + _TAIL)
    assert message in info.value.message
    where = info.value.violations[0].where
    assert where.line == line and where.column > 0
