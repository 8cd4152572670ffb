"""Between protobuf messages and the domain: checked on the way in, exact both ways."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from google.protobuf import duration_pb2, timestamp_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import (
    MAX_DURATION_US,
    MAX_INSTANT_US,
    MIN_INSTANT_US,
    Channel,
    ChannelDetails,
    Credit,
    Event,
    EventKind,
    Finding,
    FindingCode,
    Fragment,
    LangText,
    Location,
    ProgrammeDetails,
    Severity,
    Window,
)
from scheduleflow.server.messages import convert
from scheduleflow.v1 import schedule_pb2 as pb
from tests.profiles import examples
from tests.unit.core._core_helpers import HOUR, MINUTE, SECOND, utc_us
from tests.unit.formats._strategies import programme_details

PROPERTY = settings(max_examples=examples(100), deadline=None)

#: Timestamp seconds of 0001-01-01T00:00:00Z and of 9999-12-31T23:59:59Z.
MIN_SECONDS = -62_135_596_800
MAX_SECONDS = 253_402_300_799


def _field_of(err: InvalidInput) -> str:
    [violation] = err.violations
    return violation.where.field


# -- Timestamp ---------------------------------------------------------------


def test_timestamp_becomes_microseconds_dropping_nanoseconds_below_one() -> None:
    ts = timestamp_pb2.Timestamp(seconds=1_763_803_800, nanos=123_456_999)
    assert convert.instant_from_pb(ts, "start_time") == utc_us(2025, 11, 22, 9, 30, 0, 123_456)


@pytest.mark.parametrize("nanos", [-1, 1_000_000_000])
def test_timestamp_nanos_out_of_range_is_invalid_at_the_nanos_field(nanos: int) -> None:
    ts = timestamp_pb2.Timestamp(seconds=0, nanos=nanos)
    with pytest.raises(InvalidInput, match=f"nanos {nanos} is out of range") as caught:
        convert.instant_from_pb(ts, "events[2].start_time")
    assert _field_of(caught.value) == "events[2].start_time.nanos"


@pytest.mark.parametrize("seconds", [MIN_SECONDS - 1, MAX_SECONDS + 1])
def test_timestamp_outside_years_0001_to_9999_is_invalid_at_its_field(seconds: int) -> None:
    with pytest.raises(InvalidInput, match="outside years 0001-9999") as caught:
        convert.instant_from_pb(timestamp_pb2.Timestamp(seconds=seconds), "window.end_time")
    assert _field_of(caught.value) == "window.end_time"


def test_first_and_last_timestamps_are_accepted() -> None:
    assert convert.instant_from_pb(timestamp_pb2.Timestamp(seconds=MIN_SECONDS), "t") == MIN_INSTANT_US
    last = timestamp_pb2.Timestamp(seconds=MAX_SECONDS, nanos=999_999_999)
    assert convert.instant_from_pb(last, "t") == MAX_INSTANT_US


def test_instant_before_1970_becomes_negative_seconds_and_positive_nanos() -> None:
    assert convert.instant_to_pb(-1) == timestamp_pb2.Timestamp(seconds=-1, nanos=999_999_000)


@PROPERTY
@given(st.integers(MIN_INSTANT_US, MAX_INSTANT_US))
def test_instant_round_trips_through_timestamp(us: int) -> None:
    assert convert.instant_from_pb(convert.instant_to_pb(us), "t") == us


# -- Duration ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "nanos", "us"),
    [(90, 0, 90 * SECOND), (1, 500_000_000, 1_500_000), (-1, -500_000_000, -1_500_000), (0, -1_000, -1), (0, 0, 0)],
)
def test_duration_becomes_signed_microseconds(seconds: int, nanos: int, us: int) -> None:
    assert convert.span_from_pb(duration_pb2.Duration(seconds=seconds, nanos=nanos), "d") == us


@pytest.mark.parametrize(("seconds", "nanos"), [(1, -1), (-1, 1), (0, 1_000_000_000), (0, -1_000_000_000)])
def test_duration_with_mixed_signs_or_nanos_out_of_range_is_invalid(seconds: int, nanos: int) -> None:
    with pytest.raises(InvalidInput, match="out of range or has the wrong sign") as caught:
        convert.span_from_pb(duration_pb2.Duration(seconds=seconds, nanos=nanos), "events[0].duration")
    assert _field_of(caught.value) == "events[0].duration.nanos"


@pytest.mark.parametrize("seconds", [366 * 86_400 + 1, -(366 * 86_400 + 1)])
def test_duration_longer_than_366_days_is_invalid(seconds: int) -> None:
    with pytest.raises(InvalidInput, match="366 days") as caught:
        convert.span_from_pb(duration_pb2.Duration(seconds=seconds), "rules.asset_cooldown")
    assert _field_of(caught.value) == "rules.asset_cooldown"


def test_negative_span_keeps_one_sign_in_the_duration() -> None:
    assert convert.span_to_pb(-1_500_000) == duration_pb2.Duration(seconds=-1, nanos=-500_000_000)


@PROPERTY
@given(st.integers(-MAX_DURATION_US, MAX_DURATION_US))
def test_span_round_trips_through_duration(us: int) -> None:
    assert convert.span_from_pb(convert.span_to_pb(us), "d") == us


# -- windows and rules -------------------------------------------------------


def test_window_must_end_after_it_starts() -> None:
    ts = timestamp_pb2.Timestamp(seconds=100)
    with pytest.raises(InvalidInput) as caught:
        convert.window_from_pb(pb.TimeWindow(start_time=ts, end_time=ts), "window")
    assert _field_of(caught.value) == "window.end_time"


def test_window_needs_both_ends() -> None:
    with pytest.raises(InvalidInput, match="both start_time and end_time"):
        convert.window_from_pb(pb.TimeWindow(start_time=timestamp_pb2.Timestamp(seconds=1)), "window")


def test_window_round_trips() -> None:
    window = Window(utc_us(2025, 11, 22), utc_us(2025, 11, 23))
    assert convert.window_from_pb(convert.window_to_pb(window), "window") == window


def test_rules_convert_spans_and_fall_back_to_the_default_max_findings() -> None:
    rules = convert.rules_from_pb(
        pb.ValidationRules(gap_threshold=duration_pb2.Duration(seconds=300), ignore_gaps=True), 250
    )
    assert rules.gap_threshold_us == 5 * MINUTE
    assert rules.ignore_gaps
    assert rules.max_findings == 250


def test_negative_rule_span_is_invalid_at_its_field() -> None:
    with pytest.raises(InvalidInput, match="must not be negative") as caught:
        convert.rules_from_pb(pb.ValidationRules(artist_separation=duration_pb2.Duration(seconds=-60)), 100)
    assert _field_of(caught.value) == "rules.artist_separation"


# -- events ------------------------------------------------------------------

_TEXT = st.text(max_size=12)
_EVENTS = st.builds(
    Event,
    id=st.text(min_size=1, max_size=12),
    start_us=st.integers(MIN_INSTANT_US, MAX_INSTANT_US),
    duration_us=st.integers(1, MAX_DURATION_US),
    asset_id=_TEXT,
    title=_TEXT,
    kind=st.sampled_from(EventKind),
    fixed_start=st.booleans(),
    metadata=st.dictionaries(_TEXT, _TEXT, max_size=3),
    details=st.one_of(st.none(), programme_details),
)


@PROPERTY
@given(st.lists(_EVENTS, max_size=5))
def test_events_round_trip_through_protobuf(events: list[Event]) -> None:
    assert convert.events_from_pb(convert.events_to_pb(events)) == events


def test_unspecified_event_kind_reads_as_program() -> None:
    msg = pb.Event(id="a", start_time=timestamp_pb2.Timestamp(seconds=0), duration=duration_pb2.Duration(seconds=1))
    [event] = convert.events_from_pb([msg])
    assert event.kind is EventKind.PROGRAM


def test_unknown_event_kind_is_invalid_at_its_field() -> None:
    msg = pb.Event(id="a", start_time=timestamp_pb2.Timestamp(seconds=0), duration=duration_pb2.Duration(seconds=1))
    msg.kind = 99  # type: ignore[assignment]  # open enum: unknown values arrive from newer clients
    with pytest.raises(InvalidInput, match="unknown event kind 99") as caught:
        convert.events_from_pb([msg], "events.events")
    assert _field_of(caught.value) == "events.events[0].kind"


def test_placed_events_accept_start_text_in_the_zone_given() -> None:
    msg = pb.Event(id="a", start_text="2025-11-22T09:30:00", duration=duration_pb2.Duration(seconds=1))
    (event,) = convert.events_from_pb([msg], "fixed_events", ZoneInfo("Europe/Paris"))
    assert event.start_us == 1_763_800_200_000_000  # 08:30Z


@pytest.mark.parametrize(
    ("msg", "field"),
    [
        (pb.Event(start_time=timestamp_pb2.Timestamp(), duration=duration_pb2.Duration(seconds=1)), "events[0].id"),
        (pb.Event(id="a", duration=duration_pb2.Duration(seconds=1)), "events[0].start_time"),
        (
            pb.Event(id="a", start_text="2025-11-22T09:30:00", duration=duration_pb2.Duration(seconds=1)),
            "events[0].start_text",  # a local time with no zone to read it in
        ),
        (pb.Event(id="a", start_time=timestamp_pb2.Timestamp()), "events[0].duration"),
        (
            pb.Event(id="a", start_time=timestamp_pb2.Timestamp(), duration=duration_pb2.Duration()),
            "events[0].duration",
        ),
    ],
)
def test_placed_events_need_an_id_an_instant_and_a_positive_duration(msg: pb.Event, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        convert.events_from_pb([msg])
    assert _field_of(caught.value) == field


_PLAIN = pb.Event(id="a", start_time=timestamp_pb2.Timestamp(seconds=60), duration=duration_pb2.Duration(seconds=60))


def _unknown_kind() -> pb.Event:
    msg = pb.Event()
    msg.CopyFrom(_PLAIN)
    msg.kind = 99  # type: ignore[assignment]  # open enum: unknown values arrive from newer clients
    return msg


@pytest.mark.parametrize(
    "msg",
    [
        pb.Event(start_time=timestamp_pb2.Timestamp(seconds=60), duration=duration_pb2.Duration(seconds=60)),
        pb.Event(id="b", start_text="2025-11-22T09:30:00Z", duration=duration_pb2.Duration(seconds=60)),
        pb.Event(id="b", duration=duration_pb2.Duration(seconds=60)),
        pb.Event(id="b", start_time=timestamp_pb2.Timestamp(seconds=60)),
        pb.Event(
            id="b",
            start_time=timestamp_pb2.Timestamp(seconds=MAX_SECONDS + 1),
            duration=duration_pb2.Duration(seconds=1),
        ),
        pb.Event(id="b", start_time=timestamp_pb2.Timestamp(seconds=60), duration=duration_pb2.Duration(seconds=-60)),
        _unknown_kind(),
    ],
    ids=["no id", "text start", "no start", "no duration", "start out of range", "negative duration", "unknown kind"],
)
def test_placed_events_leave_any_unusual_event_to_the_general_path(msg: pb.Event) -> None:
    assert convert.placed_events_from_pb([_PLAIN, msg]) is None


def test_placed_events_keep_an_epoch_start_and_a_zero_duration_that_were_given() -> None:
    # Both read as zeros, like an unset field: presence decides, and Validate reports the duration.
    msg = pb.Event(id="a", start_time=timestamp_pb2.Timestamp(), duration=duration_pb2.Duration(), asset_id="x")
    assert convert.placed_events_from_pb([msg]) == [Event("a", 0, 0, "x")]


def test_placed_events_read_every_field() -> None:
    msg = pb.Event(
        id="a",
        start_time=timestamp_pb2.Timestamp(seconds=1_763_803_800, nanos=1_000),
        duration=duration_pb2.Duration(seconds=3600, nanos=2_000),
        asset_id="x",
        title="News",
        kind=pb.EVENT_KIND_LIVE,
        fixed_start=True,
        metadata={"artist": "Queen"},
    )
    [event] = convert.placed_events_from_pb([msg]) or []
    assert event == Event(
        "a", utc_us(2025, 11, 22, 9, 30) + 1, HOUR + 2, "x", "News", EventKind.LIVE, True, {"artist": "Queen"}
    )
    assert type(event) is Event


@pytest.mark.parametrize(("start_nanos", "duration_nanos"), [(1_500, 0), (0, 2_500)])
def test_an_event_time_finer_than_a_microsecond_leaves_the_fast_path_and_is_marked(
    start_nanos: int, duration_nanos: int
) -> None:
    msg = pb.Event(
        id="a",
        start_time=timestamp_pb2.Timestamp(seconds=1_763_803_800, nanos=start_nanos),
        duration=duration_pb2.Duration(seconds=3600, nanos=duration_nanos),
    )
    assert convert.placed_events_from_pb([msg]) is None
    [event] = convert.input_events_from_pb([msg])
    assert event.finer
    assert (event.start, event.duration_us) == (
        utc_us(2025, 11, 22, 9, 30) + start_nanos // 1000,
        HOUR + duration_nanos // 1000,
    )
    text = pb.Event(id="b", start_text="2025-11-22T09:30:00.0000001Z", duration=duration_pb2.Duration(seconds=60))
    whole = pb.Event(id="c", start_text="2025-11-22T09:30:00.000001Z", duration=duration_pb2.Duration(seconds=60))
    finer: list[str] = []
    convert.events_from_pb([msg, text, whole], finer=finer)
    assert finer == ["a", "b"]


def test_input_event_keeps_a_text_start_for_validate_to_read() -> None:
    msg = pb.Event(id="a", start_text="20251122093000 +0100", duration=duration_pb2.Duration(seconds=-60))
    [event] = convert.input_events_from_pb([msg], "events.events")
    assert event.start == "20251122093000 +0100"
    assert event.duration_us == -MINUTE  # Validate reports it; conversion does not drop it


def test_findings_about_request_events_name_their_field_path() -> None:
    from scheduleflow.server.core.validate import validate

    msg = pb.Event(id="a", start_text="not a time", duration=duration_pb2.Duration(seconds=60))
    inputs = convert.input_events_from_pb([msg], "events.events")
    [finding] = validate(inputs, field_prefix="events.events").findings
    assert finding.location == Location(field="events.events[0]")


def test_input_event_reads_an_instant_start() -> None:
    msg = pb.Event(
        id="a", start_time=timestamp_pb2.Timestamp(seconds=1_763_803_800), duration=duration_pb2.Duration(seconds=3600)
    )
    [event] = convert.input_events_from_pb([msg])
    assert event.start == utc_us(2025, 11, 22, 9, 30)
    assert event.duration_us == HOUR


def test_input_event_without_start_or_duration_leaves_them_missing() -> None:
    [event] = convert.input_events_from_pb([pb.Event(id="a")])
    assert event.start is None
    assert event.duration_us is None


# -- findings and summaries --------------------------------------------------

_FINDINGS = st.builds(
    Finding,
    code=st.sampled_from(FindingCode),
    severity=st.sampled_from(Severity),
    message=_TEXT,
    event_ids=st.lists(st.text(min_size=1, max_size=6), max_size=3).map(tuple),
    location=st.none() | st.builds(Location, st.integers(0, 10**6), st.integers(0, 10**4), _TEXT),
    span=st.none()
    | st.tuples(st.integers(MIN_INSTANT_US, MAX_INSTANT_US), st.integers(MIN_INSTANT_US, MAX_INSTANT_US)).map(
        lambda t: Window(min(t), max(t))
    ),
)


@PROPERTY
@given(_FINDINGS)
def test_findings_round_trip_through_protobuf(finding: Finding) -> None:
    assert convert.finding_from_pb(convert.finding_to_pb(finding)) == finding


def test_finding_codes_map_to_the_proto_enum_by_name() -> None:
    finding = Finding(FindingCode.SEPARATION_BREACH, Severity.WARNING, "m", ("a", "b"))
    msg = convert.finding_to_pb(finding)
    assert msg.code == pb.FINDING_CODE_SEPARATION_BREACH
    assert msg.severity == pb.SEVERITY_WARNING
    assert not msg.HasField("location")
    assert not msg.HasField("span")


def test_channel_details_reach_the_channel_message() -> None:
    details = ChannelDetails(
        display_names=(LangText("BBC One", "en"), LangText("BBC Un", "cy")),
        document_attributes=(("date", "20251122"), ("source-info-name", "Guide")),
        document_verbatim=(Fragment(2, "<x-state/>"),),
    )
    msg = convert.channel_to_pb(Channel("bbc1.example", "BBC One", details=details))
    assert [(t.value, t.lang) for t in msg.details.display_names] == [("BBC One", "en"), ("BBC Un", "cy")]
    assert [(a.name, a.value) for a in msg.details.document_attributes] == [
        ("date", "20251122"),
        ("source-info-name", "Guide"),
    ]
    assert [(f.position, f.xml) for f in msg.details.document_verbatim] == [(2, "<x-state/>")]


def test_details_from_the_api_are_checked_at_their_field() -> None:
    event = Event("a", 0, SECOND, details=ProgrammeDetails(verbatim=(Fragment(0, "<x>unclosed"),)))
    with pytest.raises(InvalidInput) as caught:
        convert.events_from_pb(convert.events_to_pb([event]))
    assert caught.value.violations[0].where.field == "events[0].details.verbatim[0].xml"
    bad_role = Event("a", 0, SECOND, details=ProgrammeDetails(credits=(Credit("dancer", "Ann"),)))
    with pytest.raises(InvalidInput, match="role 'dancer'"):
        convert.events_from_pb(convert.events_to_pb([bad_role]))


def test_unknown_offsets_stay_apart_from_utc() -> None:
    for offset in (None, 0, 3600):
        event = Event("a", 0, SECOND, details=ProgrammeDetails(start_offset=offset))
        assert convert.events_from_pb(convert.events_to_pb([event])) == [event]
