"""ScheduleFlow XML: reading, writing, the XSD, hardening."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import ChannelInfo, Event, EventKind, Location
from scheduleflow.server.core.timeparse import parse_instant
from scheduleflow.server.formats import Format, Limits, parse_document, render_document
from scheduleflow.server.formats import _xml_safety as safety
from scheduleflow.server.formats.native_xml import xml_schema

NS = "https://scheduleflow.dev/schema/v1"
SAMPLE = f"""<?xml version="1.0" encoding="UTF-8"?>
<schedule xmlns="{NS}" version="1" revision="3">
  <channel id="bbc1.example" time-zone="Europe/London"><display-name>BBC One</display-name></channel>
  <event id="e1" start="2025-11-22T09:30:00Z" duration="PT30M" kind="program" fixed-start="true" asset="A123">
    <title>News &amp; weather</title>
    <meta key="artist">Someone</meta>
    <meta key="category">news</meta>
  </event>
  <event id="e2" start="2025-07-01T10:00:00" duration="00:15:00" kind="commercial" fixed-start="0"/>
  <event id="e3" start="2025-07-01T10:15:00+02:00" duration="90" kind="jingle" fixed-start="1"/>
</schedule>
""".encode()


def us(text: str) -> int:
    return parse_instant(text).us


def test_sample_is_read() -> None:
    doc = parse_document(SAMPLE, Format.XML)
    assert doc.channels == (ChannelInfo("bbc1.example", "BBC One", "Europe/London"),)
    assert doc.events == (
        Event(
            id="e1",
            start_us=us("2025-11-22T09:30:00Z"),
            duration_us=30 * 60 * 10**6,
            asset_id="A123",
            title="News & weather",
            kind=EventKind.PROGRAM,
            fixed_start=True,
            metadata={"artist": "Someone", "category": "news"},
        ),
        # Local time in the channel's zone: BST in July.
        Event(id="e2", start_us=us("2025-07-01T09:00:00Z"), duration_us=15 * 60 * 10**6, kind=EventKind.COMMERCIAL),
        Event(
            id="e3",
            start_us=us("2025-07-01T08:15:00Z"),
            duration_us=90 * 10**6,
            kind=EventKind.JINGLE,
            fixed_start=True,
        ),
    )
    assert tuple(doc.locations) == (Location(line=4), Location(line=9), Location(line=10))


def test_local_times_use_the_default_zone_without_a_channel_zone() -> None:
    content = (
        f'<schedule xmlns="{NS}" version="1"><event id="a" start="2025-07-01T10:00:00" duration="PT1M"/></schedule>'
    )
    doc = parse_document(content.encode(), Format.XML, default_zone="America/New_York")
    assert doc.events[0].start_us == us("2025-07-01T14:00:00Z")
    assert doc.channels == ()
    with pytest.raises(InvalidInput, match="unknown time zone 'Nowhere/Town'") as info:
        parse_document(content.encode(), Format.XML, default_zone="Nowhere/Town")
    assert info.value.violations[0].where.field == "time_zone"


def test_non_positive_durations_are_read_for_validate_to_report() -> None:
    content = f"""<schedule xmlns="{NS}" version="1">
<event id="zero" start="2025-07-01T10:00:00Z" duration="PT0S"/>
<event id="negative" start="2025-07-01T10:00:00Z" duration="-PT5M"/>
</schedule>"""
    doc = parse_document(content.encode(), Format.XML)
    assert [e.duration_us for e in doc.events] == [0, -300 * 10**6]
    assert doc.findings == ()


def test_comments_processing_instructions_and_cdata_are_harmless() -> None:
    content = f"""<?xml version="1.0"?>
<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?>
<schedule xmlns="{NS}" version="1"><!-- a comment -->
<event id="a" start="2025-01-01T00:00:00Z" duration="PT1M"><title><![CDATA[<b>&]]> <!-- c -->y<?pi?>z</title></event>
</schedule>"""
    assert parse_document(content.encode(), Format.XML).events[0].title == "<b>& yz"


def test_a_schema_location_hint_is_allowed_and_never_fetched() -> None:
    content = f"""<schedule xmlns="{NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="{NS} http://127.0.0.1:9/scheduleflow-v1.xsd" version="1"/>"""
    assert parse_document(content.encode(), Format.XML).events == ()


def test_prefixed_namespace_is_read() -> None:
    content = f'<sf:schedule xmlns:sf="{NS}" version="1"><sf:event id="a" start="2025-01-01T00:00:00Z" duration="PT1M"/></sf:schedule>'
    assert [e.id for e in parse_document(content.encode()).events] == ["a"]


@pytest.mark.parametrize(
    ("limits", "body", "message"),
    [
        (
            Limits(max_text=5),
            '<event id="abcdef" start="2025-01-01T00:00:00Z" duration="PT1M"/>',
            "event id is 6 characters long; at most 5",
        ),
        (
            Limits(max_text=5),
            '<event id="a" start="2025-01-01T00:00:00Z" duration="PT1M"><title>abcdef</title></event>',
            "event title is 6",
        ),
        (
            Limits(max_metadata_entries=1),
            '<event id="a" start="2025-01-01T00:00:00Z" duration="PT1M"><meta key="x"/><meta key="y"/></event>',
            "has 2 meta entries; at most 1",
        ),
        (
            Limits(max_depth=3),
            '<event id="a" start="2025-01-01T00:00:00Z" duration="PT1M"><title><b/></title></event>',
            "nested more than 3 levels",
        ),
    ],
)
def test_limits_apply_per_field(limits: Limits, body: str, message: str) -> None:
    content = f'<schedule xmlns="{NS}" version="1">\n{body}\n</schedule>'
    with pytest.raises(InvalidInput, match=message) as info:
        parse_document(content.encode(), Format.XML, limits=limits)
    assert info.value.violations[0].where.line == 2


def test_the_parser_itself_never_expands_entities_even_past_the_prolog_check(tmp_path: Path) -> None:
    """Defence in depth: if the prolog scan ever missed a DOCTYPE spelling,
    the parser still neither reads files nor expands entities."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    content = (
        f'<!DOCTYPE schedule [<!ENTITY xxe SYSTEM "file://{secret}"><!ENTITY lol "lollollollol">]>'
        f'<schedule xmlns="{NS}" version="1"><event><title>&xxe;&lol;</title></event></schedule>'
    ).encode()
    texts = []
    for action, el in safety.iterparse(content, ("{*}event",)):
        if action == "end":
            texts.append(etree.tostring(el))
    assert texts
    assert b"TOP-SECRET" not in b"".join(texts)
    assert b"lollollol" not in b"".join(texts)


# ---- rendering


EVENTS = [
    Event(
        "e1",
        us("2025-11-22T09:30:00.25Z"),
        30 * 60 * 10**6,
        "A1",
        'Tom & "Jerry" <live>',
        EventKind.LIVE,
        True,
        {"b": "2", "a": "x\ty"},
    ),
    Event("e2", us("2025-11-22T10:00:00Z"), 10**6),
]


def test_render_compact_is_one_event_per_line() -> None:
    out = render_document(Format.XML, ChannelInfo("c.example", "C", "UTC"), EVENTS, revision=7).decode()
    lines = out.splitlines()
    assert lines[0] == '<?xml version="1.0" encoding="UTF-8"?>'
    assert lines[1] == f'<schedule xmlns="{NS}" version="1" revision="7">'
    assert lines[2] == '<channel id="c.example" time-zone="UTC"><display-name>C</display-name></channel>'
    assert lines[3] == (
        '<event id="e1" start="2025-11-22T09:30:00.25Z" duration="PT30M" kind="live" fixed-start="true" asset="A1">'
        '<title>Tom &amp; "Jerry" &lt;live&gt;</title><meta key="a">x\ty</meta><meta key="b">2</meta></event>'
    )
    assert lines[4] == '<event id="e2" start="2025-11-22T10:00:00Z" duration="PT1S" kind="program"/>'
    assert lines[5] == "</schedule>"


def test_render_pretty_is_indented_and_equivalent() -> None:
    channel = ChannelInfo("c.example", "C", "UTC")
    pretty = render_document(Format.XML, channel, EVENTS, pretty=True)
    assert b'\n  <event id="e1"' in pretty
    assert b"\n    <title>" in pretty
    assert parse_document(pretty).events == parse_document(render_document(Format.XML, channel, EVENTS)).events
    assert xml_schema().validate(etree.fromstring(pretty))


def test_render_refuses_text_xml_cannot_carry() -> None:
    bad = Event("e1", 0, 10**6, title="bell\x07")
    with pytest.raises(InvalidInput, match=r"event 'e1': title holds U\+0007") as info:
        render_document(Format.XML, ChannelInfo(), [bad])
    assert info.value.violations[0].where.field == "events[0].title"


# ---- the XSD says what the parser says


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ('<event id="a" start="x" duration="PT1M"/>', True),
        ('<event id="a" start="x" duration="P1W"/>', True),
        ('<event id="a" start="x" duration="P1DT2H3M4.5S"/>', True),
        ('<event id="a" start="x" duration="-01:02:03.5"/>', True),
        ('<event id="a" start="x" duration="12.25"/>', True),
        ('<event id="a" start="x" duration="P"/>', False),
        ('<event id="a" start="x" duration="PT"/>', False),
        ('<event id="a" start="x" duration="P1DT"/>', False),
        ('<event id="a" start="x" duration="1:60:00"/>', False),
        ('<event id="a" start="x" duration=" PT1M"/>', False),
        ('<event id="a" start="x" duration="PT\u0661M"/>', False),
        ('<event id="" start="x" duration="PT1M"/>', False),
        ('<event id="a" start="x" duration="PT1M" kind="PROGRAM"/>', False),
        ('<event id="a" start="x" duration="PT1M"><meta key="">v</meta></event>', False),
        ('<event id="a" start="x" duration="PT1M"><meta key="k">v</meta><title>t</title></event>', False),
        ('<event id="a" start="x" duration="PT1M"><title>t</title><title>u</title></event>', False),
    ],
)
def test_xsd_and_parser_agree(body: str, valid: bool) -> None:
    content = f'<schedule xmlns="{NS}" version="1">{body}</schedule>'.encode()
    assert xml_schema().validate(etree.fromstring(content)) is valid
    if valid:
        # "x" is not a start: that is a finding, not a refusal.
        assert parse_document(content, Format.XML).findings
    else:
        with pytest.raises(InvalidInput):
            parse_document(content, Format.XML)
