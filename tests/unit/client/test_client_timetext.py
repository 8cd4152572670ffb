"""Durations and times as typed on the command line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from scheduleflow.client._timetext import parse_duration, parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("5m", timedelta(minutes=5)),
        ("3h", timedelta(hours=3)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1H30M", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("250ms", timedelta(milliseconds=250)),
        ("1.5s", timedelta(seconds=1.5)),
        ("1m30s500ms", timedelta(seconds=90.5)),
        ("PT3M", timedelta(minutes=3)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("PT0.5S", timedelta(seconds=0.5)),
        ("P1W", timedelta(weeks=1)),
        ("pt3m", timedelta(minutes=3)),
        ("90", timedelta(seconds=90)),
        ("2.5", timedelta(seconds=2.5)),
        (180, timedelta(minutes=3)),
        (0.25, timedelta(seconds=0.25)),
        ("0s", timedelta(0)),
    ],
)
def test_durations(text: str | float, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "5x", "m5", "-5m", "1h 30m", "P1M", "P1Y", "abc", -3])
def test_bad_durations(text: str | float) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-22T09:30:00Z", datetime(2025, 11, 22, 9, 30, tzinfo=UTC)),
        ("2025-11-22t09:30:00z", datetime(2025, 11, 22, 9, 30, tzinfo=UTC)),
        ("2025-11-22T10:30:00+01:00", datetime(2025, 11, 22, 10, 30, tzinfo=timezone(timedelta(hours=1)))),
        ("2025-11-22 09:30:00.250Z", datetime(2025, 11, 22, 9, 30, 0, 250000, tzinfo=UTC)),
    ],
)
def test_times(text: str, expected: datetime) -> None:
    assert parse_time(text) == expected


def test_times_need_an_offset() -> None:
    with pytest.raises(ValueError, match="no offset"):
        parse_time("2025-11-22T09:30:00")
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_time("yesterday")
