"""XMLTV: importing real-world listings, exporting valid files."""

from __future__ import annotations

import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import ChannelInfo, Event, EventKind, FindingCode, Severity
from scheduleflow.server.core.timeparse import parse_instant
from scheduleflow.server.formats import Format, parse_document, render_document
from tests.tools import need

MINUTE = 60 * 10**6

LISTING = """<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE tv SYSTEM "xmltv.dtd">
<tv generator-info-name="tv_grab_example" source-info-name="Example">
  <channel id="bbc1.example">
    <display-name lang="en">BBC One</display-name>
    <display-name>BBC1</display-name>
    <icon src="http://example.com/bbc1.png"/>
  </channel>
  <programme start="20250701093000 +0100" stop="20250701100000 +0100" channel="bbc1.example" vps-start="x">
    <title lang="en">Caf\xe9 News</title>
    <title lang="fr">Les nouvelles</title>
    <sub-title>Morning</sub-title>
    <desc lang="en">
       Headlines and weather.
    </desc>
    <credits>
      <director>Ann</director>
      <actor role="Host">Bob<image type="person">http://example.com/bob.jpg</image></actor>
      <actor>Cat</actor>
    </credits>
    <date>2025</date>
    <category lang="en">News</category>
    <category lang="en">Current affairs</category>
    <length units="minutes">30</length>
    <country>GB</country>
    <episode-num system="xmltv_ns">2 . 9 . 0/1</episode-num>
    <episode-num>S3E10</episode-num>
    <episode-num system="dd_progid">EP0001</episode-num>
    <video><aspect>16:9</aspect></video>
    <previously-shown start="20250601"/>
    <premiere/>
    <new/>
    <subtitles type="teletext"><language>English</language></subtitles>
    <rating system="BBFC"><value>PG</value><icon src="pg.png"/></rating>
    <star-rating><value>3/5</value></star-rating>
    <review type="text">Fine.</review>
  </programme>
  <programme start="20250701100000 +0100" channel="bbc1.example"><title>Weather</title></programme>
  <programme start="20250701101500 +0100" stop="20250701110000 +0100" channel="bbc1.example" clumpidx="0/2"><title>A</title></programme>
  <programme start="20250701101500 +0100" stop="20250701110000 +0100" channel="bbc1.example" clumpidx="1/2"><title>B</title></programme>
  <programme start="20250701110000" stop="20250701113000" channel="bbc1.example"><title>Film</title></programme>
</tv>
""".encode("latin-1")


def us(text: str) -> int:
    return parse_instant(text).us


def test_a_real_world_listing_is_read() -> None:
    doc = parse_document(LISTING)
    assert [replace(c, details=None) for c in doc.channels] == [ChannelInfo("bbc1.example", "BBC One", "")]
    first = doc.events[0]
    # The guide details are test_xmltv_lossless's; here the flat view.
    assert first._replace(details=None) == Event(
        id="bbc1.example@20250701T083000Z",
        start_us=us("2025-07-01T08:30:00Z"),
        duration_us=30 * MINUTE,
        title="Café News",
        metadata={
            "sub_title": "Morning",
            "description": "Headlines and weather.",
            "director": "Ann",
            "actor": "Bob; Cat",
            "date": "2025",
            "category": "News; Current affairs",
            "country": "GB",
            "episode": "2 . 9 . 0/1",
            "episode_onscreen": "S3E10",
            "episode.dd_progid": "EP0001",
            "previously_shown": "true",
            "premiere": "true",
            "new": "true",
            "rating.BBFC": "PG",
            "star_rating": "3/5",
        },
    )
    assert [(e.id, e.title, e.duration_us // MINUTE) for e in doc.events[1:]] == [
        # No stop: it lasts until the next programme starts.
        ("bbc1.example@20250701T090000Z", "Weather", 15),
        # A clump: same slot, told apart by clumpidx.
        ("bbc1.example@20250701T091500Z", "A", 45),
        ("bbc1.example@20250701T091500Z#1", "B", 45),
        # No offset: UTC.
        ("bbc1.example@20250701T110000Z", "Film", 30),
    ]
    assert [loc.line for loc in doc.locations] == [9, 38, 39, 40, 41]
    assert all(e.kind is EventKind.PROGRAM and not e.fixed_start for e in doc.events)
    assert not [f for f in doc.findings if f.severity is Severity.ERROR]


def test_the_last_programme_without_stop_is_left_out_with_a_warning() -> None:
    content = b"""<tv><channel id="a.b"><display-name>A</display-name></channel>
<programme start="20250701100000 +0000" channel="a.b"><title>One</title></programme>
<programme start="20250701110000 +0000" channel="a.b"><title>Two</title></programme>
</tv>"""
    doc = parse_document(content)
    assert [e.id for e in doc.events] == ["a.b@20250701T100000Z"]
    assert not [f for f in doc.findings if f.severity is Severity.ERROR]
    (finding,) = [f for f in doc.findings if f.severity is Severity.WARNING]
    assert finding.code is FindingCode.MISSING_FIELD
    assert "'Two'" in finding.message
    assert finding.event_ids == ("a.b@20250701T110000Z",)
    assert finding.location is not None
    assert (finding.location.line, finding.location.column) == (3, 1)


MULTI = b"""<tv>
<channel id="one.example"><display-name>One</display-name></channel>
<channel id="two.example"><display-name>Two</display-name></channel>
<programme start="20250701100000" stop="20250701110000" channel="one.example"><title>1a</title></programme>
<programme start="20250701100000" stop="20250701103000" channel="two.example"><title>2a</title></programme>
<programme start="20250701110000" stop="20250701120000" channel="one.example"><title>1b</title></programme>
<programme start="20250701120000" stop="20250701130000" channel="three.example"><title>3a</title></programme>
</tv>"""


def test_channel_id_picks_one_channel_of_several() -> None:
    one = parse_document(MULTI, channel_id="one.example")
    assert [e.title for e in one.events] == ["1a", "1b"]
    assert [replace(c, details=None) for c in one.channels] == [ChannelInfo("one.example", "One")]
    # A channel named only by its programmes has no display name.
    three = parse_document(MULTI, channel_id="three.example")
    assert three.channels == (ChannelInfo("three.example", ""),)
    with pytest.raises(InvalidInput, match=r"has 3 channels \(one.example, two.example, three.example\)"):
        parse_document(MULTI)


def test_an_empty_listing_is_an_empty_document() -> None:
    assert parse_document(b'<?xml version="1.0"?><tv/>').events == ()


def test_ids_and_assets_written_by_export_come_back() -> None:
    events = [Event("my-id", us("2025-07-01T10:00:00Z"), 30 * MINUTE, asset_id="A-1", title="T")]
    content = render_document(Format.XMLTV, ChannelInfo("c.example"), events)
    assert [event._replace(details=None) for event in parse_document(content).events] == events


def test_export_writes_the_zone_offset_of_each_instant() -> None:
    events = [
        Event("summer", us("2025-07-01T09:00:00Z"), 30 * MINUTE, title="S"),
        Event("winter", us("2025-12-01T09:00:00.75Z"), 30 * MINUTE, title="W"),
    ]
    out = render_document(Format.XMLTV, ChannelInfo("c.example", "C", "Europe/London"), events).decode()
    assert 'start="20250701100000 +0100" stop="20250701103000 +0100"' in out
    # XMLTV has whole seconds: the fraction is dropped.
    assert 'start="20251201090000 +0000" stop="20251201093000 +0000"' in out


def test_export_refuses_times_xmltv_cannot_spell() -> None:
    late = Event("late", us("9999-12-31T20:00:00Z"), MINUTE, title="T")
    with pytest.raises(InvalidInput, match="outside years 0001-9999"):
        render_document(Format.XMLTV, ChannelInfo("c.example", "C", "Australia/Sydney"), [late])


def test_export_of_an_empty_title_writes_the_id() -> None:
    out = render_document(Format.XMLTV, ChannelInfo("c.example"), [Event("e1", 0, MINUTE)])
    assert b"<title>e1</title>" in out


@pytest.mark.parametrize("channel_id", ["bbc1", "", "BBC One.example", "a..b", "a_b.c"])
def test_export_refuses_channel_ids_xmltv_cannot_name(channel_id: str) -> None:
    with pytest.raises(InvalidInput, match="cannot be written as XMLTV"):
        render_document(Format.XMLTV, ChannelInfo(channel_id), [])


def test_export_order_follows_the_dtd() -> None:
    meta = {
        "star_rating": "3/5",
        "rating": "PG",
        "new": "true",
        "episode": "1.2.",
        "country": "GB",
        "category": "News",
        "actor": "Bob",
        "description": "D",
        "sub_title": "S",
        "artist": "not carried",
    }
    out = render_document(
        Format.XMLTV, ChannelInfo("c.example"), [Event("e", 0, MINUTE, title="T", metadata=meta)]
    ).decode()
    order = [
        "<title>",
        "<sub-title>",
        "<desc>",
        "<credits>",
        "<category>",
        "<country>",
        "xmltv_ns",
        "scheduleflow-id",
        "<new/>",
        "<rating>",
        "<star-rating>",
    ]
    positions = [out.index(tag) for tag in order]
    assert positions == sorted(positions)
    assert "not carried" not in out


def _rich_export() -> bytes:
    channel = ChannelInfo("bbc1.example", 'BBC One & "Friends" <HD>', "Europe/London")
    meta = {
        "sub_title": "Morning <edition>",
        "description": "Line one.\nLine two & more.",
        "director": "Ann",
        "actor": "Bob; Cat",
        "date": "2025",
        "category": "News",
        "keyword": "weather",
        "language": "en",
        "orig_language": "fr",
        "url": "https://example.com/?a=1&b=2",
        "country": "GB",
        "episode": "2 . 9 . 0/1",
        "episode_onscreen": "S3E10",
        "episode.dd_progid": "EP0001",
        "previously_shown": "true",
        "premiere": "Series premiere",
        "last_chance": "true",
        "new": "true",
        "rating.BBFC": "PG",
        "star_rating": "3/5",
    }
    # Text the validator's byte-level heuristics would take for mis-encoding
    # (C1 controls, U+FFFD before "]", "ï¿½"), episode numbers in digits Perl
    # does not count as digits, blank values: all must still validate.
    awkward = {
        "sub_title": "C1 \x85 control \x9f",
        "description": "replacement \ufffd] and ï¿½ and ¿Qué?",
        "episode": "\u0661.\u0662.",
        "keyword": "   ",
    }
    events = [
        Event("e1", us("2025-07-01T09:00:00Z"), 30 * MINUTE, "A-1", "News 📺 'special'", metadata=meta),
        Event("e2", us("2025-07-01T09:30:00Z"), 15 * MINUTE, title=""),
        Event("e3", us("2025-12-01T09:45:00Z"), 45 * MINUTE, title="Film", metadata={"episode": "not xmltv_ns"}),
        Event("e4", us("2025-12-01T10:30:00Z"), 15 * MINUTE, title="  ", metadata=awkward),
    ]
    return render_document(Format.XMLTV, channel, events, pretty=True)


def test_export_passes_the_reference_validator(tmp_path: Path) -> None:
    validator = need("tv_validate_file")
    for pretty in (True, False):
        content = (
            _rich_export()
            if pretty
            else render_document(Format.XMLTV, ChannelInfo("x.example"), [Event("e", 0, MINUTE)])
        )
        path = tmp_path / f"export-{pretty}.xml"
        path.write_bytes(content)
        # XMLTV_SUPPLEMENT: read xmltv.dtd from the package, not from the web.
        env = {**os.environ, "XMLTV_SUPPLEMENT": "/usr/share/xmltv"}
        result = subprocess.run(
            [validator, str(path)], capture_output=True, text=True, env=env, timeout=60, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Validated ok" in result.stdout


def test_the_rich_export_reads_back() -> None:
    doc = parse_document(_rich_export())
    assert [e.id for e in doc.events] == ["e1", "e2", "e3", "e4"]
    assert doc.events[0].asset_id == "A-1"
    assert doc.events[0].metadata["description"] == "Line one.\nLine two & more."
    assert doc.events[1].title == "e2"
    assert doc.events[2].metadata == {"episode": "not xmltv_ns"}
    # Awkward text comes back as it was; blank values and titles do not.
    assert doc.events[3].title == "e4"
    assert doc.events[3].metadata == {
        "sub_title": "C1 \x85 control \x9f",
        "description": "replacement \ufffd] and ï¿½ and ¿Qué?",
        "episode": "\u0661.\u0662.",
    }
