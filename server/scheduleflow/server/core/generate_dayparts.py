"""Dayparts and time slots: local-time ranges turned into UTC spans, day by day.

Rules:

1. A daypart is read on each local calendar date in the channel's zone, so
   "06:00-09:00" is 05:00-08:00Z on a BST day and 06:00-09:00Z on a GMT day,
   and the span is shorter or longer on the day the clocks change when it
   straddles the change.
2. Local times the clocks skip or repeat are resolved so that a scheduler can
   predict them (``local_instant``), and each one met is an INFO finding:
   a boundary in a skipped hour takes effect at the transition instant, the
   first instant whose local clock reads at or past it (London, 30 Mar 2025:
   01:30 and 02:00 both take effect at 01:00Z, when the clocks jump from 01:00
   GMT to 02:00 BST); a boundary in a repeated hour takes its first occurrence
   (London, 26 Oct 2025: 01:30 is 00:30Z, in BST) unless the rule asks for the
   second (01:30Z, in GMT).
3. ``days_of_week`` names the local day on which the range or slot starts.
4. Time slots come before dayparts and the first listed of either wins where
   they overlap: each instant belongs to at most one of them. Outside all of
   them the default context applies.
5. A slot lasts its length, or until the next slot starts, whichever is
   sooner. Slots that land on one instant (several skipped local times) leave
   the instant to the one whose local time is latest: it is the time the
   clock shows then.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduleflow.server.core.model import Finding, FindingCode, Location, Severity, Window
from scheduleflow.server.core.playlist import Daypart, TimeSlot

_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_US_PER_S = 1_000_000


def parse_local_time(text: str) -> time | None:
    """``"HH:MM"`` (``"24:00"`` is the next midnight) or ``None`` if malformed."""
    if not _HHMM.fullmatch(text):
        return None
    if text == "24:00":
        return time(0, 0)
    return time(int(text[:2]), int(text[3:]))


def _to_us(dt: datetime) -> int:
    return (dt - _EPOCH) // _ONE_US


def local_instant(d: date, t: time, zone: ZoneInfo, *, second: bool = False) -> tuple[int, str]:
    """The instant of local time ``t`` on date ``d`` (rule 2), and ``""``,
    ``"skipped"`` or ``"repeated"`` for how the clocks treat that local time."""
    naive = datetime.combine(d, t)
    first = _to_us(naive.replace(tzinfo=zone, fold=0))
    later = _to_us(naive.replace(tzinfo=zone, fold=1))
    if first == later:
        return first, ""
    if (_EPOCH + timedelta(microseconds=first)).astimezone(zone).replace(tzinfo=None) == naive:
        return (later if second else first), "repeated"
    # Skipped: read with the offset after the change it lies before the
    # transition, with the offset before it after; the transition is the
    # first whole second in between whose local clock reads at or past ``t``.
    lo, hi = min(first, later) // _US_PER_S, -(-max(first, later) // _US_PER_S)
    while lo < hi:
        mid = (lo + hi) // 2
        if (_EPOCH + timedelta(seconds=mid)).astimezone(zone).replace(tzinfo=None) >= naive:
            hi = mid
        else:
            lo = mid + 1
    return lo * _US_PER_S, "skipped"


class Dayparts:
    """Which slot or daypart holds an instant (an index: the slots first, then
    the dayparts, as the rules list them), or ``None``."""

    def __init__(
        self,
        dayparts: Sequence[Daypart],
        zone: ZoneInfo,
        window: Window,
        slots: Sequence[TimeSlot] = (),
    ) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._index: list[int] = []
        self._zone = zone
        self._window = window
        #: INFO findings for the skipped and repeated local times met (rule 2).
        self.findings: list[Finding] = []
        #: Where a slot starts or ends inside the window: the engine fills up to each exactly.
        self.slot_bounds: list[int] = []
        if dayparts or slots:
            self._build(dayparts, slots)

    def _resolve(self, d: date, t: time, text: str, field: str, second: bool) -> int:
        us, how = local_instant(d, t, self._zone, second=second)
        if how and self._window.start_us <= us <= self._window.end_us:
            at = (_EPOCH + timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%SZ")
            if how == "skipped":
                self.findings.append(
                    Finding(
                        FindingCode.NONEXISTENT_LOCAL_TIME,
                        Severity.INFO,
                        f"{text} does not exist on {d.isoformat()} in {self._zone.key} (the clocks skip it); "
                        f"it takes effect at the change, {at}",
                        location=Location(field=field),
                    )
                )
            else:
                which = "second" if second else "first"
                self.findings.append(
                    Finding(
                        FindingCode.AMBIGUOUS_LOCAL_TIME,
                        Severity.INFO,
                        f"{text} happens twice on {d.isoformat()} in {self._zone.key} (the clocks repeat it); "
                        f"its {which} occurrence, {at}, is used",
                        location=Location(field=field),
                    )
                )
        return us

    def _build(self, dayparts: Sequence[Daypart], slots: Sequence[TimeSlot]) -> None:
        zone, window = self._zone, self._window
        first = _local_date(window.start_us, zone) - timedelta(days=1)
        last = _local_date(window.end_us, zone)
        spans = self._slot_spans(slots, first, last)
        for k, dp in enumerate(dayparts):
            start_t = parse_local_time(dp.start_local)
            end_t = parse_local_time(dp.end_local)
            assert start_t is not None, "validated by the caller"
            assert end_t is not None, "validated by the caller"
            here = f"rules.dayparts[{k}]"
            days = set(dp.days_of_week)
            mine: list[tuple[int, int]] = []
            d = first
            while d <= last:
                if not days or d.isoweekday() in days:
                    end_day = d if end_t > start_t else d + timedelta(days=1)
                    s = self._resolve(d, start_t, dp.start_local, f"{here}.start_local", dp.second_occurrence)
                    e = self._resolve(end_day, end_t, dp.end_local, f"{here}.end_local", dp.second_occurrence)
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

    def _slot_spans(self, slots: Sequence[TimeSlot], first: date, last: date) -> list[list[tuple[int, int]]]:
        """Each slot's spans in the window (rule 5); records the slot bounds."""
        window = self._window
        spans: list[list[tuple[int, int]]] = [[] for _ in slots]
        if not slots:
            return spans
        # A week either side: "until the next slot" may reach that far.
        occurrences: list[tuple[int, time, int]] = []
        d = first - timedelta(days=7)
        while d <= last + timedelta(days=8):
            for k, slot in enumerate(slots):
                if not slot.days_of_week or d.isoweekday() in slot.days_of_week:
                    t = parse_local_time(slot.start_local)
                    assert t is not None, "validated by the caller"
                    inside = first <= d <= last
                    field = f"rules.time_slots[{k}].start_local"
                    if inside:
                        us = self._resolve(d, t, slot.start_local, field, slot.second_occurrence)
                    else:
                        us = local_instant(d, t, self._zone, second=slot.second_occurrence)[0]
                    occurrences.append((us, t, k))
            d += timedelta(days=1)
        occurrences.sort()
        bounds: set[int] = set()
        for j, (start, _t, k) in enumerate(occurrences):
            nxt = next((o[0] for o in occurrences[j + 1 :] if o[0] > start), None)
            if j + 1 < len(occurrences) and occurrences[j + 1][0] == start:
                continue  # rule 5: a later local time holds this instant
            end = nxt if nxt is not None else window.end_us
            if slots[k].length_us:
                end = min(end, start + slots[k].length_us)
            s, e = max(start, window.start_us), min(end, window.end_us)
            if s < e:
                spans[k].append((s, e))
                bounds.update(x for x in (s, e) if window.start_us < x < window.end_us)
        self.slot_bounds = sorted(bounds)
        return spans

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
