"""Shared pieces: the fast timestamp paths agree with timeparse, durations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.model import MAX_INSTANT_US, MIN_INSTANT_US
from scheduleflow.server.core.timeparse import TimestampError, format_rfc3339, format_xmltv, parse_instant, zone
from scheduleflow.server.formats._common import read_duration, read_instant
from tests.profiles import examples

from . import _strategies as s


@settings(max_examples=examples(200), deadline=None)
# A day's margin: local time in a zone east of UTC on 9999-12-31 is in year
# 10000, which format_xmltv cannot spell (datetime overflows).
@given(us=st.integers(MIN_INSTANT_US + 86_400 * 10**6, MAX_INSTANT_US - 86_400 * 10**6), zone_name=s.zones)
def test_fast_paths_agree_with_parse_instant(us: int, zone_name: str) -> None:
    tz = zone(zone_name)
    for text in (format_rfc3339(us), format_xmltv(us, tz)):
        assert read_instant(text, tz) == parse_instant(text, tz)


@pytest.mark.parametrize(
    "text",
    [
        "2025-02-30T00:00:00Z",
        "2025-06-30T23:59:60Z",
        "2025-06-30T24:00:00Z",
        "0000-01-01T00:00:00Z",
        "00010101000000 +0100",
        "99991231235959 -0100",
        "20250101000000 +2400",
        "20250101000000 +0060",
        "20250230000000 +0000",
    ],
)
def test_fast_paths_leave_errors_to_parse_instant(text: str) -> None:
    with pytest.raises(TimestampError) as expected:
        parse_instant(text, zone("UTC"))
    with pytest.raises(TimestampError) as got:
        read_instant(text, zone("UTC"))
    assert (got.value.code, got.value.message) == (expected.value.code, expected.value.message)


@pytest.mark.parametrize(
    "text",
    ["9999-12-31T23:59:59.999999Z", "0001-01-01T00:00:00Z", "20250101000000 -0000", "2024-02-29T12:00:00.5Z"],
)
def test_fast_paths_at_the_edges(text: str) -> None:
    assert read_instant(text, None) == parse_instant(text, zone("UTC"))


@pytest.mark.parametrize(
    ("value", "us"),
    [
        ("PT30M", 1800 * 10**6),
        ("PT0.5S", 500_000),
        ("01:00:00", 3600 * 10**6),
        ("90", 90 * 10**6),
        (1.5, 1_500_000),
        (-60, -60 * 10**6),
    ],
)
def test_read_duration(value: str | float, us: int) -> None:
    assert read_duration(value) == us
    assert read_duration(value) == us  # and again, from the cache


@pytest.mark.parametrize("value", ["P", "PT", "1 hour", " PT1M", "PT1M ", "P400D", float("inf"), float("nan"), True])
def test_read_duration_refuses(value: str | float) -> None:
    with pytest.raises(ValueError, match=r"duration|finite"):
        read_duration(value)


def test_text_pool_shares_equal_texts_and_gives_up_on_unique_ones() -> None:
    from scheduleflow.server.core.sharing import TextPool, _Memo

    pool = TextPool()
    first = "".join(["ne", "ws"])
    second = "".join(["n", "ews"])
    assert first is not second
    assert pool.share(first) is first
    assert pool.share(second) is first
    unique = TextPool()
    for i in range(_Memo._TRIAL):
        unique.share(f"text {i}")
    text = "".join(["a", "b"])
    assert unique.share(text) is text
    assert unique.share("".join(["a", "b"])) is not text  # off: nothing is remembered


def test_text_pool_shares_equal_metadata_dicts_and_gives_up_on_unique_ones() -> None:
    from scheduleflow.server.core.sharing import TextPool, _Memo

    pool = TextPool()
    first = {"artist": "A", "category": "music"}
    assert pool.share_metadata(first) is first
    assert pool.share_metadata({"artist": "A", "category": "music"}) is first
    assert pool.share_metadata({"category": "music", "artist": "A"}) is not first  # another order: kept apart
    unique = TextPool()
    for i in range(_Memo._TRIAL):
        unique.share_metadata({"desc": f"episode {i}"})
    again = {"desc": "episode 1"}
    assert unique.share_metadata(again) is again


def test_text_pool_judges_again_as_lookups_double() -> None:
    """A pool that paid at its first verdict still turns off once later values
    are mostly new (a guide whose first programmes repeat, then never again)."""
    from scheduleflow.server.core.sharing import TextPool, _Memo

    pool = TextPool()
    for i in range(_Memo._TRIAL):
        pool.share(f"rerun {i % 10}")
    kept = "".join(["rerun ", "1"])
    assert pool.share(kept) is not kept  # still on: the first verdict found it paying
    for i in range(3 * _Memo._TRIAL):
        pool.share(f"new {i}")
    text = "".join(["rerun ", "1"])
    assert pool.share(text) is text  # off: a later verdict found it mostly new


def test_text_pool_shares_values_by_type() -> None:
    from scheduleflow.server.core.model import LangText, Link
    from scheduleflow.server.core.sharing import TextPool

    pool = TextPool()
    text = LangText("https://a.example", "en")
    link = Link("https://a.example", "en")
    assert text == link  # NamedTuples compare as tuples
    assert pool.share_value(text) is text
    assert pool.share_value(link) is link
    assert pool.share_value(LangText("https://a.example", "en")) is text
    assert pool.share_value((link,)) is not pool.share_value((text,))
