"""Starts that cannot be read are findings, not exceptions: one per event,
with its code, its event id and where it was written; the event is left out."""

from __future__ import annotations

import pytest

from scheduleflow.server.core.model import Finding, FindingCode, Location, ScheduleDocument, Severity
from scheduleflow.server.formats import Format, parse_document

NS = "https://scheduleflow.dev/schema/v1"

XML = f"""<schedule xmlns="{NS}" version="1">
  <channel id="c.example" time-zone="Europe/London"/>
  <event id="ok" start="2025-11-22T09:30:00Z" duration="PT30M"/>
  <event id="feb30" start="2025-02-30T09:30:00Z" duration="PT30M"/>
  <event id="gap" start="2025-03-30T01:30:00" duration="PT30M"/>
  <event id="twice" start="2025-10-26T01:30:00" duration="PT30M"/>
  <event id="junk" start="next tuesday" duration="PT30M"/>
</schedule>
""".encode()

JSON = b"""{"scheduleflow": 1,
 "channel": {"id": "c.example", "time_zone": "Europe/London"},
 "events": [
  {"id": "ok", "start": "2025-11-22T09:30:00Z", "duration": "PT30M"},
  {"id": "feb30", "start": "2025-02-30T09:30:00Z", "duration": "PT30M"},
  {"id": "gap", "start": "2025-03-30T01:30:00", "duration": "PT30M"},
  {"id": "twice", "start": "2025-10-26T01:30:00", "duration": "PT30M"},
  {"id": "junk", "start": "next tuesday", "duration": "PT30M"}
 ]}
"""

EXPECTED_CODES = {
    "feb30": FindingCode.INVALID_TIMESTAMP,
    "gap": FindingCode.NONEXISTENT_LOCAL_TIME,
    "twice": FindingCode.AMBIGUOUS_LOCAL_TIME,
    "junk": FindingCode.INVALID_TIMESTAMP,
}


def _errors(doc: ScheduleDocument) -> dict[str, Finding]:
    found = {}
    for finding in doc.findings:
        if finding.severity is Severity.ERROR:
            (event_id,) = finding.event_ids
            found[event_id] = finding
    return found


def test_xml_timestamp_findings() -> None:
    doc = parse_document(XML, Format.XML)
    assert [e.id for e in doc.events] == ["ok"]
    errors = _errors(doc)
    assert {k: f.code for k, f in errors.items()} == EXPECTED_CODES
    # Line of the event, column of its start attribute.
    assert errors["feb30"].location == Location(line=4, column=21)
    assert errors["gap"].location == Location(line=5, column=19)
    assert errors["twice"].location == Location(line=6, column=21)
    assert "+00:00 or +01:00" in errors["gap"].message
    assert "+01:00 (first) or +00:00 (second)" in errors["twice"].message


@pytest.mark.parametrize("channel_last", [False, True])
def test_json_timestamp_findings(channel_last: bool) -> None:
    content = JSON
    if channel_last:
        # The zone arrives after the events that need it.
        content = content.replace(b' "channel": {"id": "c.example", "time_zone": "Europe/London"},\n', b"")
        content = content.replace(b" ]}", b' ],\n "channel": {"id": "c.example", "time_zone": "Europe/London"}}')
    doc = parse_document(content, Format.JSON)
    assert [e.id for e in doc.events] == ["ok"]
    errors = _errors(doc)
    assert {k: f.code for k, f in errors.items()} == EXPECTED_CODES
    first_event_line = 3 if channel_last else 4
    for index, event_id in enumerate(["feb30", "gap", "twice", "junk"], start=1):
        assert errors[event_id].location == Location(
            line=first_event_line + index, column=3, field=f"/events/{index}/start"
        )


def test_xmltv_timestamp_findings() -> None:
    content = b"""<tv>
<programme start="20250230093000 +0000" stop="20250230100000 +0000" channel="c.example"><title>Feb</title></programme>
<programme start="20250330013000" stop="20250330020000" channel="c.example"><title>No offset means UTC</title></programme>
<programme start="20250330023000 +0000" stop="20250330020000 +0000" channel="c.example"><title>Stops first</title></programme>
</tv>"""
    doc = parse_document(content, Format.XMLTV)
    errors = _errors(doc)
    assert {k: f.code for k, f in errors.items()} == {
        "c.example@20250230093000 +0000": FindingCode.INVALID_TIMESTAMP,
        "c.example@20250330T023000Z": FindingCode.INVALID_DURATION,
    }
    assert errors["c.example@20250230093000 +0000"].location == Location(line=2, column=12)
    # A stop before the start is an error at its stop attribute (XMLTV forbids
    # it), and the programme is left out.
    assert errors["c.example@20250330T023000Z"].location == Location(line=4, column=41)
    # A DST change is no concern of XMLTV's: every time is UTC or has an offset.
    assert [e.duration_us for e in doc.events] == [30 * 60 * 10**6]


def test_normalised_starts_are_summarised_in_one_note_per_spelling() -> None:
    content = b"""{"scheduleflow": 1, "channel": {"time_zone": "Europe/Paris"}, "events": [
  {"id": "a", "start": "2025-07-01T10:00:00+02:00", "duration": 60},
  {"id": "b", "start": "2025-07-01T10:01:00+02:00", "duration": 60},
  {"id": "c", "start": "2025-07-01T10:02:00", "duration": 60},
  {"id": "d", "start": "2025-07-01T08:03:00Z", "duration": 60}
 ]}"""
    doc = parse_document(content)
    notes = [f for f in doc.findings if f.code is FindingCode.NORMALISED_TIMESTAMP]
    assert [(f.severity, f.event_ids) for f in notes] == [(Severity.INFO, ("a", "b")), (Severity.INFO, ("c",))]
    assert "2 event starts were given with a UTC offset" in notes[0].message
    assert "local time in Europe/Paris" in notes[1].message
