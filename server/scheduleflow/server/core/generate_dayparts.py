"""Dayparts: local-time ranges turned into UTC spans, day by day.

Rules:

1. A daypart is read on each local calendar date in the channel's zone, so
   "06:00-09:00" is 05:00-08:00Z on a BST day and 06:00-09:00Z on a GMT day,
   and the span is shorter or longer on the day the clocks change when it
   straddles the change.
2. A local time the clocks skip (01:30 on a spring-forward night in London)
   is read with the offset before the change, i.e. it lands just after the
   change (PEP 495 ``fold=0``); a local time that happens twice is its first
   occurrence. Both are what ``zoneinfo`` does, so no special cases here.
3. ``days_of_week`` names the local day on which the range starts.
4. Where dayparts overlap, the one listed first wins: each instant belongs to
   at most one daypart. Outside every daypart the default context applies.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduleflow.server.core.model import Window
from scheduleflow.server.core.playlist import Daypart

_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def parse_local_time(text: str) -> time | None:
    """``"HH:MM"`` (``"24:00"`` is the next midnight) or ``None`` if malformed."""
    if not _HHMM.fullmatch(text):
        return None
    if text == "24:00":
        return time(0, 0)
    return time(int(text[:2]), int(text[3:]))


def _to_us(d: date, t: time, zone: ZoneInfo) -> int:
    return (datetime.combine(d, t, tzinfo=zone) - _EPOCH) // _ONE_US


class Dayparts:
    """Which daypart (index into the rules' list) holds an instant, or ``None``."""

    def __init__(self, dayparts: Sequence[Daypart], zone: ZoneInfo, window: Window) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._index: list[int] = []
        if dayparts:
            self._build(dayparts, zone, window)

    def _build(self, dayparts: Sequence[Daypart], zone: ZoneInfo, window: Window) -> None:
        first = _local_date(window.start_us, zone) - timedelta(days=1)
        last = _local_date(window.end_us, zone)
        spans: list[list[tuple[int, int]]] = []
        for dp in dayparts:
            start_t = parse_local_time(dp.start_local)
            end_t = parse_local_time(dp.end_local)
            assert start_t is not None, "validated by the caller"
            assert end_t is not None, "validated by the caller"
            days = set(dp.days_of_week)
            mine: list[tuple[int, int]] = []
            d = first
            while d <= last:
                if not days or d.isoweekday() in days:
                    end_day = d if end_t > start_t else d + timedelta(days=1)
                    s, e = _to_us(d, start_t, zone), _to_us(end_day, end_t, zone)
                    s, e = max(s, window.start_us), min(e, window.end_us)
                    if s < e:
                        if mine and s <= mine[-1][1]:
                            mine[-1] = (mine[-1][0], max(mine[-1][1], e))
                        else:
                            mine.append((s, e))
                d += timedelta(days=1)
            spans.append(mine)
        # Flatten with "first listed wins": sweep the elementary intervals
        # between all boundaries. A few boundaries per day, so this is cheap.
        bounds = sorted({x for mine in spans for span in mine for x in span})
        ptr = [0] * len(spans)
        for lo, hi in itertools.pairwise(bounds):
            owner = -1
            for k, mine in enumerate(spans):
                while ptr[k] < len(mine) and mine[ptr[k]][1] <= lo:
                    ptr[k] += 1
                if owner < 0 and ptr[k] < len(mine) and mine[ptr[k]][0] <= lo:
                    owner = k
            if owner < 0:
                continue
            if self._index and self._index[-1] == owner and self._ends[-1] == lo:
                self._ends[-1] = hi
            else:
                self._starts.append(lo)
                self._ends.append(hi)
                self._index.append(owner)

    def at(self, instant_us: int) -> int | None:
        p = bisect.bisect_right(self._starts, instant_us) - 1
        if p >= 0 and instant_us < self._ends[p]:
            return self._index[p]
        return None

    def next_change(self, instant_us: int) -> int | None:
        """The first instant after ``instant_us`` where the context changes, if any."""
        p = bisect.bisect_right(self._starts, instant_us) - 1
        if p >= 0 and instant_us < self._ends[p]:
            return self._ends[p]
        if p + 1 < len(self._starts):
            return self._starts[p + 1]
        return None

    def touched(self, start_us: int, end_us: int) -> list[int | None]:
        """Every context (daypart index or ``None``) that holds some instant of [start, end)."""
        out: list[int | None] = []
        starts, ends, n = self._starts, self._ends, len(self._starts)
        t = start_us
        # p: the first span that ends after t.
        p = max(bisect.bisect_right(starts, t) - 1, 0)
        if p < n and ends[p] <= t:
            p += 1
        while t < end_us:
            ctx: int | None
            if p < n and starts[p] <= t:
                ctx, t = self._index[p], ends[p]
                p += 1
            else:
                ctx, t = None, starts[p] if p < n else end_us
            if ctx not in out:
                out.append(ctx)
        return out

    def spans(self) -> list[tuple[int, int, int]]:
        """The flattened spans (start, end, daypart index), for tests and notes."""
        return list(zip(self._starts, self._ends, self._index, strict=True))


def _local_date(instant_us: int, zone: ZoneInfo) -> date:
    return (_EPOCH + timedelta(microseconds=instant_us)).astimezone(zone).date()
