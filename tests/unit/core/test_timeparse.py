"""Timestamps and durations in every spelling schedules arrive in, to UTC and back."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.model import MAX_DURATION_US, MAX_INSTANT_US, MIN_INSTANT_US, FindingCode
from scheduleflow.server.core.timeparse import (
    TimestampError,
    format_duration,
    format_rfc3339,
    format_xmltv,
    parse_duration,
    parse_instant,
    zone,
)
from tests.profiles import examples
from tests.unit.core._core_helpers import DAY, EPOCH, HOUR, MINUTE, SECOND, utc_us

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")

PROPERTY = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- RFC 3339 ----------------------------------------------------------------


def test_utc_helper_agrees_with_known_epoch_seconds() -> None:
    # Anchors checked by hand: 2000-01-01 is 10957 days after 1970-01-01, and
    # 2025-11-22 is 20089 + 325 days after it.
    assert utc_us(2000, 1, 1) == 946_684_800 * SECOND
    assert utc_us(2025, 11, 22, 9, 30) == 1_763_803_800 * SECOND


def test_rfc3339_with_z_is_read_as_utc() -> None:
    parsed = parse_instant("2025-11-22T09:30:00Z")
    assert parsed.us == 1_763_803_800 * SECOND
    assert parsed.spelling == "utc"


@pytest.mark.parametrize(
    ("text", "utc_hour", "utc_minute"),
    [
        ("2025-11-22T09:30:00+01:00", 8, 30),
        ("2025-11-22T09:30:00-05:30", 15, 0),
        ("2025-11-22T09:30:00+0100", 8, 30),
        ("2025-11-22T09:30:00+05:45", 3, 45),
    ],
)
def test_rfc3339_offset_is_subtracted_to_reach_utc(text: str, utc_hour: int, utc_minute: int) -> None:
    parsed = parse_instant(text)
    assert parsed.us == utc_us(2025, 11, 22, utc_hour, utc_minute)
    assert parsed.spelling == "offset"


def test_rfc3339_zero_offset_counts_as_utc_spelling() -> None:
    assert parse_instant("2025-11-22T09:30:00+00:00").spelling == "utc"


@pytest.mark.parametrize(
    ("fraction", "micros"),
    [(".5", 500_000), (".123456", 123_456), (".000001", 1), (".123456789", 123_456), (".999999999", 999_999)],
)
def test_fractions_keep_microseconds_and_truncate_beyond(fraction: str, micros: int) -> None:
    assert parse_instant(f"2025-11-22T09:30:00{fraction}Z").us == utc_us(2025, 11, 22, 9, 30, 0, micros)


@pytest.mark.parametrize("text", ["2025-11-22 09:30:00Z", "2025-11-22t09:30:00z", "2025-11-22T09:30Z"])
def test_rfc3339_accepts_space_or_lowercase_separator_and_no_seconds(text: str) -> None:
    assert parse_instant(text).us == utc_us(2025, 11, 22, 9, 30)


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_instant("  2025-11-22T09:30:00Z\n").us == utc_us(2025, 11, 22, 9, 30)


# -- XMLTV -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20251122093000 +0100", utc_us(2025, 11, 22, 8, 30)),
        ("20251122093000 -0500", utc_us(2025, 11, 22, 14, 30)),
        ("20251122093000+0100", utc_us(2025, 11, 22, 8, 30)),
        ("20251122093000 Z", utc_us(2025, 11, 22, 9, 30)),
        ("202511220930", utc_us(2025, 11, 22, 9, 30)),
        ("2025112209", utc_us(2025, 11, 22, 9)),
        ("20251122", utc_us(2025, 11, 22)),
    ],
)
def test_xmltv_full_and_truncated_forms(text: str, expected: int) -> None:
    assert parse_instant(text).us == expected


def test_xmltv_without_offset_is_utc_even_with_a_channel_zone() -> None:
    # xmltv.dtd: "If no time zone is given, UTC is assumed."
    parsed = parse_instant("20250701093000", NEW_YORK)
    assert parsed.us == utc_us(2025, 7, 1, 9, 30)
    assert parsed.spelling == "utc"


# -- local times in a zone ---------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "text", "expected"),
    [
        (LONDON, "2025-11-22T09:30:00", utc_us(2025, 11, 22, 9, 30)),  # GMT
        (LONDON, "2025-07-01T09:30:00", utc_us(2025, 7, 1, 8, 30)),  # BST +01:00
        (NEW_YORK, "2025-11-22T09:30:00", utc_us(2025, 11, 22, 14, 30)),  # EST -05:00
        (NEW_YORK, "2025-07-01T09:30:00", utc_us(2025, 7, 1, 13, 30)),  # EDT -04:00
        (LORD_HOWE, "2025-07-01T12:00:00", utc_us(2025, 7, 1, 1, 30)),  # +10:30
        (LORD_HOWE, "2025-01-15T12:00:00", utc_us(2025, 1, 15, 1, 0)),  # +11:00
    ],
)
def test_local_time_is_read_in_the_channel_zone(tz: ZoneInfo, text: str, expected: int) -> None:
    parsed = parse_instant(text, tz)
    assert parsed.us == expected
    assert parsed.spelling == "local"


def test_local_time_in_the_utc_zone_counts_as_utc() -> None:
    parsed = parse_instant("2025-11-22T09:30:00", zone("UTC"))
    assert parsed == parse_instant("2025-11-22T09:30:00Z")


def test_local_time_without_a_zone_asks_for_an_offset_or_zone() -> None:
    with pytest.raises(TimestampError, match="no offset and no time zone") as caught:
        parse_instant("2025-11-22T09:30:00")
    assert caught.value.code is FindingCode.INVALID_TIMESTAMP


def test_local_time_before_standard_time_keeps_the_seconds_of_local_mean_time() -> None:
    # London ran on local mean time, -0:01:15, until 1847.
    assert parse_instant("1800-06-01T12:00:00", LONDON).us == utc_us(1800, 6, 1, 12, 1, 15)


@pytest.mark.parametrize(
    ("tz", "text", "first", "second"),
    [
        (LONDON, "2025-03-30T01:30:00", "+00:00", "+01:00"),
        (NEW_YORK, "2025-03-09T02:30:00", "-05:00", "-04:00"),
        (LORD_HOWE, "2025-10-05T02:15:00", "+10:30", "+11:00"),
    ],
)
def test_time_skipped_by_spring_dst_change_is_nonexistent(tz: ZoneInfo, text: str, first: str, second: str) -> None:
    with pytest.raises(TimestampError) as caught:
        parse_instant(text, tz)
    assert caught.value.code is FindingCode.NONEXISTENT_LOCAL_TIME
    assert "does not exist" in caught.value.message
    assert first in caught.value.message
    assert second in caught.value.message


@pytest.mark.parametrize(
    ("tz", "text", "first", "second"),
    [
        (LONDON, "2025-10-26T01:30:00", "+01:00", "+00:00"),
        (NEW_YORK, "2025-11-02T01:30:00", "-04:00", "-05:00"),
        (LORD_HOWE, "2025-04-06T01:45:00", "+11:00", "+10:30"),
    ],
)
def test_time_repeated_by_autumn_dst_change_is_ambiguous(tz: ZoneInfo, text: str, first: str, second: str) -> None:
    with pytest.raises(TimestampError) as caught:
        parse_instant(text, tz)
    assert caught.value.code is FindingCode.AMBIGUOUS_LOCAL_TIME
    assert f"{first} (first) or {second} (second)" in caught.value.message


@pytest.mark.parametrize(
    ("tz", "text", "expected"),
    [
        (LONDON, "2025-03-30T00:59:59", utc_us(2025, 3, 30, 0, 59, 59)),  # last second of GMT
        (LONDON, "2025-03-30T02:00:00", utc_us(2025, 3, 30, 1, 0)),  # first of BST
        (LONDON, "2025-10-26T00:59:59", utc_us(2025, 10, 25, 23, 59, 59)),  # before the repeat
        (LONDON, "2025-10-26T02:00:00", utc_us(2025, 10, 26, 2, 0)),  # after the repeat
        (NEW_YORK, "2025-03-09T01:59:59", utc_us(2025, 3, 9, 6, 59, 59)),
        (NEW_YORK, "2025-03-09T03:00:00", utc_us(2025, 3, 9, 7, 0)),
        (NEW_YORK, "2025-11-02T00:59:59", utc_us(2025, 11, 2, 4, 59, 59)),
        (NEW_YORK, "2025-11-02T02:00:00", utc_us(2025, 11, 2, 7, 0)),
        # Lord Howe moves its clocks by 30 minutes: 02:00 -> 02:30 and 02:00 -> 01:30.
        (LORD_HOWE, "2025-10-05T01:59:59", utc_us(2025, 10, 4, 15, 29, 59)),
        (LORD_HOWE, "2025-10-05T02:30:00", utc_us(2025, 10, 4, 15, 30)),
        (LORD_HOWE, "2025-04-06T01:29:59", utc_us(2025, 4, 5, 14, 29, 59)),
        (LORD_HOWE, "2025-04-06T02:00:00", utc_us(2025, 4, 5, 15, 30)),
    ],
)
def test_times_just_outside_a_dst_change_are_read_normally(tz: ZoneInfo, text: str, expected: int) -> None:
    assert parse_instant(text, tz).us == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("2025-10-05T02:00:00", FindingCode.NONEXISTENT_LOCAL_TIME),
        ("2025-10-05T02:29:59", FindingCode.NONEXISTENT_LOCAL_TIME),
        ("2025-04-06T01:30:00", FindingCode.AMBIGUOUS_LOCAL_TIME),
        ("2025-04-06T01:59:59", FindingCode.AMBIGUOUS_LOCAL_TIME),
    ],
)
def test_lord_howe_gap_and_overlap_last_thirty_minutes(text: str, code: FindingCode) -> None:
    with pytest.raises(TimestampError) as caught:
        parse_instant(text, LORD_HOWE)
    assert caught.value.code is code


def test_an_offset_settles_a_time_that_would_be_ambiguous_locally() -> None:
    assert parse_instant("2025-10-26T01:30:00+00:00", LONDON).us == utc_us(2025, 10, 26, 1, 30)


def test_unknown_zone_names_the_zone_and_suggests_iana() -> None:
    with pytest.raises(TimestampError, match=r"'Mars/Olympus'.*IANA"):
        zone("Mars/Olympus")


# -- impossible dates and range ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2025-02-29T00:00:00Z", "day 29 is out of range for February 2025"),
        ("2025-04-31T00:00:00Z", "day 31 is out of range for April 2025"),
        ("2025-11-00T00:00:00Z", "day 0"),
        ("2025-13-01T00:00:00Z", "month 13"),
        ("2025-00-01T00:00:00Z", "month 0"),
        ("2025-11-22T24:00:00Z", "hour 24"),
        ("2025-11-22T09:60:00Z", "minute 60"),
        ("2025-06-30T23:59:60Z", "leap second"),
        ("2025-11-22T09:30:61Z", "second 61"),
        ("0000-01-01T00:00:00Z", "year 0000"),
        ("20250229093000 +0000", "day 29"),
        ("20251322", "month 13"),
    ],
)
def test_impossible_date_or_time_names_the_problem(text: str, problem: str) -> None:
    with pytest.raises(TimestampError, match=problem) as caught:
        parse_instant(text)
    assert caught.value.code is FindingCode.INVALID_TIMESTAMP


def test_february_29_exists_in_a_leap_year() -> None:
    assert parse_instant("2024-02-29T00:00:00Z").us == utc_us(2024, 2, 29)


def test_first_and_last_instants_of_years_0001_to_9999_are_accepted() -> None:
    assert parse_instant("0001-01-01T00:00:00Z").us == MIN_INSTANT_US
    assert parse_instant("9999-12-31T23:59:59.999999Z").us == MAX_INSTANT_US


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"])
def test_instant_that_leaves_years_0001_to_9999_once_in_utc_is_refused(text: str) -> None:
    with pytest.raises(TimestampError, match="outside years 0001-9999"):
        parse_instant(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-22T23:59:00+23:59", utc_us(2025, 11, 22)),
        ("2025-11-22T00:00:00-23:59", utc_us(2025, 11, 22, 23, 59)),
    ],
)
def test_offsets_up_to_23_59_are_accepted(text: str, expected: int) -> None:
    assert parse_instant(text).us == expected


@pytest.mark.parametrize("text", ["2025-11-22T09:30:00+24:00", "2025-11-22T09:30:00-00:60", "20251122093000 +2400"])
def test_offsets_beyond_23_59_are_refused(text: str) -> None:
    with pytest.raises(TimestampError, match="out of range"):
        parse_instant(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2025-11-22",
        "2025-11-22T9:30:00Z",
        "2025-W47-6T09:30:00Z",
        "2025-11-22T09:30:00+1",
        "2025-11-22T09:30:00 Z",
        "2025-11-22T09:30:00.Z",
        "20251122093000 +01",
        "2025112209300",
        "1763803800",  # epoch seconds read as XMLTV: month 80
        "\uff12\uff10\uff12\uff15-11-22T09:30:00Z",  # fullwidth digits: not RFC 3339
        "\u0662\u0660\u0662\u0665\u0661\u0661\u0662\u0662",  # Arabic-Indic digits: not XMLTV
    ],
)
def test_garbage_is_not_a_timestamp(text: str) -> None:
    with pytest.raises(TimestampError) as caught:
        parse_instant(text)
    assert caught.value.code is FindingCode.INVALID_TIMESTAMP


def test_garbage_message_shows_the_accepted_spellings() -> None:
    with pytest.raises(TimestampError) as caught:
        parse_instant("next tuesday")
    assert "'next tuesday' is not a timestamp" in caught.value.message
    for example in ("2025-11-22T09:30:00Z", "20251122093000 +0100", "2025-11-22T09:30:00"):
        assert example in caught.value.message


# -- durations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1H30M", 90 * MINUTE),
        ("P1DT2H", 26 * HOUR),
        ("P1W", 7 * DAY),
        ("PT0.5S", SECOND // 2),
        ("PT1,25S", 1_250_000),
        ("PT0.123456789S", 123_456),
        ("PT0S", 0),
        ("01:30:00", 90 * MINUTE),
        ("100:00:00", 100 * HOUR),
        ("00:00:01.25", 1_250_000),
        ("90", 90 * SECOND),
        ("1.5", 1_500_000),
        (" PT30M ", 30 * MINUTE),
        (90, 90 * SECOND),
        (1.5, 1_500_000),
        (0.1, 100_000),
    ],
)
def test_duration_spellings(text: str | float, expected: int) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-PT30M", -30 * MINUTE),
        ("-00:00:05", -5 * SECOND),
        ("-90", -90 * SECOND),
        (-90, -90 * SECOND),
        (-1.5, -1_500_000),
    ],
)
def test_negative_durations_are_read_so_validate_can_report_them(text: str | float, expected: int) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "P", "PT", "P1DT", "1H", "PT1.5H", "PT-5M", "--5", "00:60:00", "00:00:60", "abc", "1e3", "\u0661\u0662"],
)
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(TimestampError):
        parse_duration(text)


@pytest.mark.parametrize("value", [True, float("nan"), float("inf"), float("-inf")])
def test_booleans_and_non_finite_numbers_are_not_durations(value: float) -> None:
    with pytest.raises(TimestampError, match="not a duration"):
        parse_duration(value)


def test_a_duration_of_366_days_is_the_longest_accepted() -> None:
    assert parse_duration("P366D") == MAX_DURATION_US


@pytest.mark.parametrize(
    "value", ["P367D", "PT99999999999999999999H", "8785:00:00", "31622401", 366 * 86_400 + 1, 1e300, "-P367D"]
)
def test_durations_longer_than_366_days_are_refused(value: str | float) -> None:
    with pytest.raises(TimestampError, match="366 days"):
        parse_duration(value)


@pytest.mark.parametrize(
    ("us", "text"),
    [
        (0, "PT0S"),
        (90 * MINUTE, "PT1H30M"),
        (SECOND // 2, "PT0.5S"),
        (1, "PT0.000001S"),
        (-90 * SECOND, "-PT1M30S"),
        (26 * HOUR + 5 * SECOND, "PT26H5S"),
    ],
)
def test_format_duration_writes_iso_8601(us: int, text: str) -> None:
    assert format_duration(us) == text


@PROPERTY
@given(st.integers(-MAX_DURATION_US, MAX_DURATION_US))
def test_format_duration_is_read_back_exactly(us: int) -> None:
    assert parse_duration(format_duration(us)) == us


# -- formatting instants -----------------------------------------------------


@pytest.mark.parametrize(
    ("us", "tz", "text"),
    [
        (0, None, "1970-01-01T00:00:00Z"),
        (utc_us(2025, 11, 22, 9, 30, 0, 500_000), None, "2025-11-22T09:30:00.5Z"),
        (utc_us(2025, 7, 1, 8, 30), LONDON, "2025-07-01T09:30:00+01:00"),
        (utc_us(2025, 11, 22, 9, 30), LONDON, "2025-11-22T09:30:00Z"),
        (utc_us(2025, 11, 22, 14, 30), NEW_YORK, "2025-11-22T09:30:00-05:00"),
        (MIN_INSTANT_US, None, "0001-01-01T00:00:00Z"),
        (MAX_INSTANT_US, None, "9999-12-31T23:59:59.999999Z"),
    ],
)
def test_format_rfc3339(us: int, tz: ZoneInfo | None, text: str) -> None:
    assert format_rfc3339(us, tz) == text


@pytest.mark.parametrize(
    ("us", "tz", "text"),
    [
        (utc_us(2025, 11, 22, 9, 30, 0, 999_999), None, "20251122093000 +0000"),
        (utc_us(2025, 7, 1, 8, 30), LONDON, "20250701093000 +0100"),
        (utc_us(2025, 1, 15, 1, 0), LORD_HOWE, "20250115120000 +1100"),
        (MIN_INSTANT_US, None, "00010101000000 +0000"),
    ],
)
def test_format_xmltv(us: int, tz: ZoneInfo | None, text: str) -> None:
    assert format_xmltv(us, tz) == text


# Zones whose offsets are whole minutes from 1950 on (local mean time, with
# offsets in seconds, ended everywhere before that; RFC 3339 cannot spell it).
_ZONES = st.sampled_from(
    [
        None,
        ZoneInfo("UTC"),
        LONDON,
        NEW_YORK,
        LORD_HOWE,
        ZoneInfo("Asia/Kathmandu"),
        ZoneInfo("America/St_Johns"),
        ZoneInfo("Etc/GMT-14"),
        ZoneInfo("Etc/GMT+12"),
    ]
)
_SINCE_1950 = st.integers(utc_us(1950, 1, 1), utc_us(9999, 12, 30))


@PROPERTY
@given(_SINCE_1950, _ZONES)
def test_format_rfc3339_is_read_back_to_the_same_instant(us: int, tz: ZoneInfo | None) -> None:
    assert parse_instant(format_rfc3339(us, tz)).us == us


@PROPERTY
@given(_SINCE_1950, _ZONES)
def test_format_xmltv_is_read_back_to_the_same_second(us: int, tz: ZoneInfo | None) -> None:
    assert parse_instant(format_xmltv(us, tz)).us == us - us % SECOND


@PROPERTY
@given(st.integers(MIN_INSTANT_US, MAX_INSTANT_US))
def test_format_rfc3339_in_utc_is_read_back_over_the_whole_range(us: int) -> None:
    assert parse_instant(format_rfc3339(us)).us == us


def _offset_text(minutes: int, colon: bool) -> str:
    sign = "-" if minutes < 0 else "+"
    hh, mm = divmod(abs(minutes), 60)
    return f"{sign}{hh:02d}{':' if colon else ''}{mm:02d}"


@PROPERTY
@given(
    st.integers(MIN_INSTANT_US, MAX_INSTANT_US),
    st.integers(-(23 * 60 + 59), 23 * 60 + 59),
    st.booleans(),
    st.booleans(),
)
def test_any_instant_written_at_any_fixed_offset_is_read_back(
    us: int, offset_min: int, colon: bool, xmltv: bool
) -> None:
    # The text is written here, by datetime, independently of timeparse's formatters.
    try:
        local = EPOCH.replace(tzinfo=None) + timedelta(microseconds=us) + timedelta(minutes=offset_min)
    except OverflowError:
        local = None  # the wall-clock time falls outside years 1-9999: nothing to spell
    assume(local is not None)
    assert local is not None
    wall = f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    if xmltv:
        text = wall.replace("-", "").replace("T", "").replace(":", "") + " " + _offset_text(offset_min, colon=False)
        assert parse_instant(text).us == us - us % SECOND
    else:
        text = f"{wall}.{local.microsecond:06d}{_offset_text(offset_min, colon)}"
        assert parse_instant(text).us == us


_LOCAL_ZONES = st.sampled_from([LONDON, NEW_YORK, LORD_HOWE, ZoneInfo("Asia/Kathmandu"), ZoneInfo("America/St_Johns")])


@settings(max_examples=examples(300), deadline=None)
@given(
    st.one_of(
        # Anywhere in the calendar (local mean time included)...
        st.datetimes(datetime(1, 1, 2), datetime(9999, 12, 30)),
        # ...and the small hours of 2025's DST change days, where gaps and overlaps are.
        st.builds(
            lambda day, t: datetime.combine(day, t),
            st.sampled_from([date(2025, 3, 9), date(2025, 3, 30), date(2025, 4, 6), date(2025, 10, 5)])
            | st.sampled_from([date(2025, 10, 26), date(2025, 11, 2)]),
            st.times(time(0, 0), time(3, 59, 59, 999_999)),
        ),
    ),
    _LOCAL_ZONES,
)
def test_local_time_is_zoneinfos_instant_or_a_gap_or_overlap_exactly_when_folds_differ(
    naive: datetime, tz: ZoneInfo
) -> None:
    text = naive.isoformat(timespec="microseconds")
    before = naive.replace(tzinfo=tz, fold=0).utcoffset()
    after = naive.replace(tzinfo=tz, fold=1).utcoffset()
    assert before is not None
    assert after is not None
    if before == after:
        expected = (naive.replace(tzinfo=tz) - EPOCH) // timedelta(microseconds=1)
        assert parse_instant(text, tz).us == expected
        return
    with pytest.raises(TimestampError) as caught:
        parse_instant(text, tz)
    # PEP 495: in a gap the clocks go forward (fold=1 has the larger offset);
    # in an overlap they go back.
    expected_code = FindingCode.NONEXISTENT_LOCAL_TIME if after > before else FindingCode.AMBIGUOUS_LOCAL_TIME
    assert caught.value.code is expected_code


def test_an_instant_after_9999_is_written_with_a_five_digit_year() -> None:
    # Messages name such instants: the end of an event on 31 December 9999.
    assert format_rfc3339(MAX_INSTANT_US + 1) == "10000-01-01T00:00:00Z"
    assert format_rfc3339(MAX_INSTANT_US + 1 + DAY + 1_500_000) == "10000-01-02T00:00:01.5Z"


_CYCLE_US = 146_097 * DAY  # 400 Gregorian years


@given(st.integers(MAX_INSTANT_US - _CYCLE_US + 1, MAX_INSTANT_US), st.integers(1, 3))
def test_after_9999_the_calendar_repeats_every_400_years(us: int, cycles: int) -> None:
    cycle_us = _CYCLE_US
    year, rest = format_rfc3339(us).split("-", 1)
    assert format_rfc3339(us + cycles * cycle_us) == f"{int(year) + 400 * cycles}-{rest}"


def test_a_local_time_in_10000_is_written_with_its_zones_offset() -> None:
    # The last instant of 9999 in UTC is already 10000 in Tokyo (UTC+9, no DST).
    assert format_rfc3339(MAX_INSTANT_US, ZoneInfo("Asia/Tokyo")) == "10000-01-01T08:59:59.999999+09:00"


@given(st.integers(MAX_INSTANT_US - _CYCLE_US + 1, MAX_INSTANT_US), _ZONES)
def test_near_and_after_9999_a_zones_local_time_repeats_every_400_years(us: int, tz: ZoneInfo | None) -> None:
    year, rest = format_rfc3339(us - _CYCLE_US, tz).split("-", 1)
    assert format_rfc3339(us, tz) == f"{int(year) + 400}-{rest}"


def test_digits_below_a_microsecond_are_truncated_and_said() -> None:
    from scheduleflow.server.core.timeparse import parse_instant

    parsed = parse_instant("2025-11-22T09:00:00.123456789Z")
    assert parsed.us % 1_000_000 == 123456
    assert parsed.finer
    assert not parse_instant("2025-11-22T09:00:00.123456000Z").finer
    assert not parse_instant("2025-11-22T09:00:00.5Z").finer


@pytest.mark.parametrize("text", ["PT0.0000001S", "0.0000009", "00:00:00.0000001"])
def test_a_duration_under_a_microsecond_is_refused_as_sent(text: str) -> None:
    from scheduleflow.server.core.model import FindingCode
    from scheduleflow.server.core.timeparse import TimestampError, parse_duration

    with pytest.raises(TimestampError) as exc:
        parse_duration(text)
    assert repr(text) in exc.value.message
    assert "PT0S" not in exc.value.message
    assert exc.value.code is FindingCode.INVALID_DURATION
    assert parse_duration("PT0S") == 0
    assert parse_duration("PT0.0000015S") == 1
