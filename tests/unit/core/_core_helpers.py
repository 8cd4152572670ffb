"""Helpers of the core unit tests: instants computed by ``datetime``, never by the code under test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR


def utc_us(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0, *, offset_min: int = 0) -> int:
    """The instant of a wall-clock time at a fixed UTC offset, as microseconds since the epoch."""
    dt = datetime(y, mo, d, h, mi, s, us, tzinfo=timezone(timedelta(minutes=offset_min)))
    return (dt - EPOCH) // timedelta(microseconds=1)
