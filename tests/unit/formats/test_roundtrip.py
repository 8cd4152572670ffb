"""parse(render(x)) == x: exactly for ScheduleFlow XML and JSON, and for
XMLTV on everything XMLTV carries."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from scheduleflow.server.core.model import ChannelInfo, Event, Severity
from scheduleflow.server.formats import Format, parse_document, render_document
from scheduleflow.server.formats.native_xml import xml_schema
from tests.profiles import examples

from . import _strategies as s

_SETTINGS = settings(max_examples=examples(60), deadline=None)


def _expected_channels(channel: ChannelInfo) -> tuple[ChannelInfo, ...]:
    # A channel with nothing to say is not written at all.
    return (channel,) if channel.id or channel.display_name or channel.time_zone or channel.details else ()


@_SETTINGS
@given(
    channel=s.channels, events=st.lists(s.events, max_size=6), pretty=st.booleans(), revision=st.integers(0, 2**63 - 1)
)
def test_xml_round_trip_is_exact_and_valid_against_the_xsd(
    channel: ChannelInfo, events: list[Event], pretty: bool, revision: int
) -> None:
    content = render_document(Format.XML, channel, events, revision=revision, pretty=pretty)
    tree = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True))
    assert xml_schema().validate(tree), xml_schema().error_log
    doc = parse_document(content, Format.XML)
    assert list(doc.events) == events
    assert doc.channels == _expected_channels(channel)
    assert not [f for f in doc.findings if f.severity is Severity.ERROR]
    assert len(doc.locations) == len(events)


@_SETTINGS
@given(
    channel=s.channels, events=st.lists(s.events, max_size=6), pretty=st.booleans(), revision=st.integers(0, 2**63 - 1)
)
def test_json_round_trip_is_exact(channel: ChannelInfo, events: list[Event], pretty: bool, revision: int) -> None:
    content = render_document(Format.JSON, channel, events, revision=revision, pretty=pretty)
    doc = parse_document(content, Format.JSON)
    assert list(doc.events) == events
    assert doc.channels == _expected_channels(channel)
    assert not [f for f in doc.findings if f.severity is Severity.ERROR]
    assert [loc.field for loc in doc.locations] == [f"/events/{i}" for i in range(len(events))]


@_SETTINGS
@given(
    channel_id=s.xmltv_channel_ids,
    name=s.xmltv_text,
    zone=s.zones,
    events=st.lists(s.xmltv_events, max_size=6),
    pretty=st.booleans(),
)
def test_xmltv_round_trip_keeps_what_xmltv_carries(
    channel_id: str, name: str, zone: str, events: list[Event], pretty: bool
) -> None:
    content = render_document(Format.XMLTV, ChannelInfo(channel_id, name, zone), events, pretty=pretty)
    doc = parse_document(content, Format.XMLTV)
    # Events without guide details come back with those the guide now holds
    # (test_xmltv_lossless checks them); the rest is as it was.
    assert [event._replace(details=None) for event in doc.events] == events
    # XMLTV has no place for a time zone: offsets are written per instant.
    assert [replace(c, details=None) for c in doc.channels] == [ChannelInfo(channel_id, name, "")]
    assert not [f for f in doc.findings if f.severity is Severity.ERROR]


@settings(max_examples=examples(25), deadline=None)
@given(channel=s.channels, events=st.lists(s.events, max_size=4))
def test_xml_and_json_carry_the_same_schedule(channel: ChannelInfo, events: list[Event]) -> None:
    via_xml = parse_document(render_document(Format.XML, channel, events))
    via_json = parse_document(render_document(Format.JSON, channel, events))
    assert via_xml.events == via_json.events
    assert via_xml.channels == via_json.channels
