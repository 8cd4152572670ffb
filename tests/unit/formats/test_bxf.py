"""BXF (SMPTE ST 2021) schedules: the written corpus, round trips, updates."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.model import ChannelInfo, Event, EventKind, FindingCode, Severity
from scheduleflow.server.core.timecode import RATES, frames_to_us
from scheduleflow.server.core.timeparse import parse_instant
from scheduleflow.server.formats import Format, detect_format, parse_document, render_document
from scheduleflow.server.formats.bxf import META_FRAME_RATE, META_XML, NAMESPACE, BxfSchedule
from tests.profiles import examples

from . import _strategies as s

CORPUS = Path(__file__).parent / "corpus_bxf"


def _read(name: str) -> BxfSchedule:
    content = (CORPUS / name).read_bytes()
    assert detect_format(content) is Format.BXF
    doc = parse_document(content)
    assert isinstance(doc, BxfSchedule)
    return doc


def _us(text: str) -> int:
    return parse_instant(text).us


def _round_trip(doc: BxfSchedule, channel: ChannelInfo | None = None) -> BxfSchedule:
    out = render_document(Format.BXF, channel or doc.channels[0], doc.events, pretty=True)
    back = parse_document(out, Format.BXF)
    assert isinstance(back, BxfSchedule)
    return back


def test_program_and_spots_2017() -> None:
    doc = _read("schedule_2017_program_and_spots.xml")
    assert doc.channels[0] == ChannelInfo("north.tv", "North TV evening", "")
    assert not doc.update
    ids = [e.id[-4:] for e in doc.events]
    assert ids == ["00a1", "00a2", "00a3", "00a4"]
    program, spot, promo, part2 = doc.events
    assert (program.start_us, program.duration_us) == (_us("2025-06-01T19:00:00Z"), (14 * 60 + 30) * 10**6 + 480_000)
    assert program.fixed_start and program.kind is EventKind.PROGRAM and program.title == "Harbour Lights"
    assert program.asset_id == "HL-0104-1"
    assert spot.kind is EventKind.COMMERCIAL and spot.asset_id == "SB-030"
    assert spot.title == "Seaside Bakery summer"  # no EventTitle, no ProgramName: the content's name
    assert spot.metadata["isci"] == "SBKY0030" and spot.metadata["ad_id"] == "SBKY0030000H"
    assert promo.kind is EventKind.PROMO and promo.title == "Coming up: Quiz Night"
    assert part2.duration_us == 939_520_000 and program.metadata[META_FRAME_RATE] == "25"
    # Advertiser and Series are not modelled: kept verbatim.
    assert "Seaside Bakery" in spot.metadata[META_XML]
    assert "<SeriesName>Harbour Lights</SeriesName>" in program.metadata[META_XML]
    # The secondary event is reported, not silently dropped.
    (note,) = [f for f in doc.findings if f.severity is Severity.INFO]
    assert "1 non-primary" in note.message and note.event_ids[0].endswith("00b1")


def test_2008_drop_frame_without_a_frame_rate_reads_as_29_97_drop_frame() -> None:
    doc = _read("schedule_2008_drop_frame.xml")
    report, ad = doc.events
    assert doc.channels[0].display_name == "WKXX 4-1"
    # 00:10:00;00 is 17,982 frames of 1001/30000 s.
    assert report.duration_us == 599_999_400 == frames_to_us(17_982, RATES["29.97DF"])
    # 00:01:00;02 is the first label of minute one: 1,800 frames.
    assert ad.duration_us == frames_to_us(1_800, RATES["29.97DF"]) == 60_060_000
    assert ad.asset_id == "ACME1060" and ad.metadata["isci"] == "ACME1060"
    assert report.metadata[META_FRAME_RATE] == "29.97DF"


def test_59_94_drop_frame_and_end_times_in_the_channel_zone() -> None:
    doc = _read("schedule_5994_end_times.xml")
    final, post = doc.events
    assert doc.channels[0] == ChannelInfo("hd.sports", "HD Sports", "America/New_York")
    assert final.start_us == _us("2025-01-11T01:00:00Z")  # 20:00 in New York
    assert final.duration_us == 2 * 3600 * 10**6
    assert post.start_us == _us("2025-01-11T03:00:00Z")
    # 00:29:59;56 at 59.94 DF: 29 minutes lose 4 labels each but 2 tens.
    count = (29 * 60 + 59) * 60 + 56 - 4 * (29 - 2)
    assert post.duration_us == frames_to_us(count, RATES["59.94DF"])
    assert any(f.code is FindingCode.NORMALISED_TIMESTAMP for f in doc.findings)


def test_30_and_50_fps_and_a_duration_off_the_frame_grid() -> None:
    doc = _read("schedule_30_and_50.xml")
    thirty, fifty, off = doc.events
    assert thirty.start_us == _us("2025-02-01T12:00:00.5Z")
    assert thirty.duration_us == frames_to_us(10 * 30 + 29, RATES["30"])
    assert fifty.start_us == _us("2025-02-01T12:01:00.98Z") and fifty.duration_us == 1_500_000
    (warning,) = [f for f in doc.findings if f.code is FindingCode.NOT_WHOLE_FRAMES]
    assert warning.severity is Severity.WARNING and warning.event_ids == (off.id,)
    assert warning.location is not None and warning.location.line == 33


def test_update_lists_adds_replacements_and_deletes() -> None:
    doc = _read("update_add_replace_delete.xml")
    assert doc.update
    assert [e.id[-4:] for e in doc.events] == ["00a9", "00a3"]
    assert [d[-4:] for d in doc.deleted_ids] == ["00a2"]
    assert doc.window is not None
    assert (doc.window.start_us, doc.window.end_us) == (_us("2025-06-01T19:00:00Z"), _us("2025-06-01T20:00:00Z"))
    # The update's action does not travel into what is kept.
    assert all("action=" not in e.metadata.get(META_XML, "") for e in doc.events)


def test_every_corpus_schedule_round_trips_exactly() -> None:
    for path in sorted(CORPUS.glob("schedule_*.xml")):
        doc = _read(path.name)
        back = _round_trip(doc)
        assert list(back.events) == list(doc.events), path.name
        assert back.channels[0].display_name == doc.channels[0].display_name


def test_export_writes_the_2017_namespace_for_a_2008_message() -> None:
    doc = _read("schedule_2008_drop_frame.xml")
    out = render_document(Format.BXF, ChannelInfo("wkxx.tv"), doc.events)
    assert f'xmlns="{NAMESPACE}"'.encode() in out and b"2021/2008" not in out
    assert b'frameRate="29.97"' in out and b"00:10:00;00" in out


def test_export_of_an_edited_event_takes_the_modelled_fields_from_the_event() -> None:
    doc = _read("schedule_2017_program_and_spots.xml")
    spot = doc.events[1]
    edited = spot._replace(title="Bakery autumn", asset_id="SB-031", start_us=spot.start_us + 40_000)
    back = _round_trip(doc, doc.channels[0]).events[1]
    assert back == spot
    out = render_document(Format.BXF, doc.channels[0], [edited])
    again = parse_document(out).events[0]
    assert (again.title, again.asset_id, again.start_us) == ("Bakery autumn", "SB-031", spot.start_us + 40_000)
    assert "Seaside Bakery</AdvertiserName>" in again.metadata[META_XML]


# ---- properties

_BXF_KEYS = s.non_empty.filter(lambda k: k not in (META_XML, META_FRAME_RATE))
_events = st.builds(
    Event,
    id=s.non_empty,
    start_us=s.starts_us,
    duration_us=s.durations_us,
    asset_id=s.text,
    title=s.text,
    kind=st.sampled_from(EventKind),
    fixed_start=st.booleans(),
    metadata=st.dictionaries(_BXF_KEYS, s.text, max_size=4),
    # BXF has no place for XMLTV guide details.
    details=st.none(),
)


@settings(max_examples=examples(60), deadline=None)
@given(channel=s.channels, events=st.lists(_events, max_size=6, unique_by=lambda e: e.id), pretty=st.booleans())
def test_random_schedules_round_trip_through_bxf(channel: ChannelInfo, events: list[Event], pretty: bool) -> None:
    out = render_document(Format.BXF, channel, events, pretty=pretty)
    back = parse_document(out, Format.BXF)
    assert list(back.events) == events
    assert back.channels[0].id == channel.id
    assert back.channels[0].time_zone == channel.time_zone


_rates = st.sampled_from(sorted(RATES))


@st.composite
def _framed_events(draw: st.DrawFn) -> list[Event]:
    rate_name = draw(_rates)
    rate = RATES[rate_name]
    base = draw(st.integers(1_600_000_000, 1_900_000_000)) * 10**6
    events = []
    for i in range(draw(st.integers(1, 5))):
        start = base + frames_to_us(draw(st.integers(0, 24 * 3600 * rate.nominal)), rate)
        duration = frames_to_us(draw(st.integers(1, 2 * 3600 * rate.nominal)), rate)
        events.append(
            Event(f"e{i}", start, duration, f"a{i}", "t", EventKind.PROGRAM, False, {META_FRAME_RATE: rate_name})
        )
    return events


@settings(max_examples=examples(80), deadline=None)
@given(events=_framed_events(), zone=s.zones)
def test_frame_exact_schedules_round_trip_through_timecodes(events: list[Event], zone: str) -> None:
    channel = ChannelInfo("tc.example", "TC", zone)
    out = render_document(Format.BXF, channel, events)
    assert b"<SmpteDuration" in out
    back = parse_document(out, Format.BXF)
    assert list(back.events) == events
