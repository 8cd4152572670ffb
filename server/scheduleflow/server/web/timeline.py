"""The schedule page's time grid: which window a view shows, its days and hour marks.

Rules:

1. No I/O: query parameters (a mapping of strings) in, a :class:`Grid` out,
   or ``InvalidInput`` naming the parameter and what to write instead.
2. A day is local midnight to the next local midnight in the zone the page
   shows (the channel's zone, or UTC), so a DST change day is 23 or 25 hours
   long: the grid says so rather than drawing 24 hours that did not happen.
   Where a zone skips midnight itself (clocks jump 00:00 -> 01:00), the day
   starts at the jump: ``datetime`` with ``fold=0`` resolves a skipped time
   with the offset before the jump, which is exactly that instant.
3. Hour marks step in real hours from the day's start, labelled with the
   local wall-clock time: on a 23-hour day 01:00 is followed by 03:00; on a
   25-hour day 02:00 appears twice, the second time with its new offset.
4. The browser does no time-zone arithmetic: instants go out as milliseconds
   since the epoch beside their labels.
5. A view is at most :data:`MAX_DAYS` days; an explicit window at most
   :data:`MAX_WINDOW_US` (seven local days can be 169 hours). The bound is the
   page's promise that the browser only ever gets the window it shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduleflow.server.core import timeparse
from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import MICROS_PER_SECOND, Window
from scheduleflow.server.core.validate import Rules

MAX_DAYS = 7
MAX_WINDOW_US = 8 * 86_400 * MICROS_PER_SECOND
_HOUR_US = 3600 * MICROS_PER_SECOND
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_UTC = timeparse.zone("UTC")


@dataclass(frozen=True, slots=True)
class Day:
    """One local day of the view: [start_us, end_us) and how it reads."""

    date: str
    label: str
    start_us: int
    end_us: int

    @property
    def hours(self) -> float:
        return (self.end_us - self.start_us) / _HOUR_US


@dataclass(frozen=True, slots=True)
class Tick:
    """An hour mark: its instant and its local label; ``shift`` marks the
    first mark after the zone's offset changed (a DST change)."""

    us: int
    label: str
    offset: str
    shift: bool


@dataclass(frozen=True, slots=True)
class Grid:
    """What a view shows: the window, the zone it is drawn in, its days and hour marks."""

    window: Window
    zone: str
    days: tuple[Day, ...]
    ticks: tuple[Tick, ...]


def local_midnight_us(day: date, tz: ZoneInfo) -> int:
    """The first instant of ``day`` in ``tz`` (rule 2)."""
    return _us(datetime(day.year, day.month, day.day, tzinfo=tz))


def _us(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=_UTC)
    return (delta.days * 86_400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds


def _offset(us: int, tz: ZoneInfo) -> str:
    off = timeparse.to_datetime(us, tz).utcoffset() or timedelta(0)
    minutes = int(off.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def grid(window: Window, tz: ZoneInfo, zone_name: str) -> Grid:
    """The days and hour marks of ``window`` drawn in ``tz``."""
    days: list[Day] = []
    ticks: list[Tick] = []
    start = window.start_us
    while start < window.end_us:
        local = timeparse.to_datetime(start, tz)
        next_day = local.date() + timedelta(days=1)
        end = min(window.end_us, local_midnight_us(next_day, tz))
        days.append(Day(local.date().isoformat(), local.strftime("%a %d %b %Y"), start, end))
        start = end
    previous = ""
    at = window.start_us
    while at < window.end_us:
        local = timeparse.to_datetime(at, tz)
        offset = _offset(at, tz)
        ticks.append(Tick(at, local.strftime("%H:%M"), offset, bool(previous) and offset != previous))
        previous = offset
        at += _HOUR_US
    return Grid(window, zone_name, tuple(days), tuple(ticks))


def view_grid(params: Mapping[str, str], channel_zone: str, *, today: date | None = None) -> Grid:
    """The grid a view's query parameters ask for.

    ``zone``: ``local`` (the channel's zone, default) or ``utc``. Then either
    ``date`` (YYYY-MM-DD, default today) and ``days`` (1..7, default 1), or an
    explicit ``start`` and ``end`` (RFC 3339).
    """
    zone_param = params.get("zone", "local")
    if zone_param not in ("local", "utc"):
        raise InvalidInput.at(f"{zone_param!r}: use local (the channel's zone) or utc", field="zone")
    zone_name = channel_zone if zone_param == "local" and channel_zone else "UTC"
    tz = timeparse.zone(zone_name)
    if "start" in params or "end" in params:
        return grid(_explicit_window(params), tz, zone_name)
    days = _int_param(params, "days", 1)
    if days < 1:
        raise InvalidInput.at("give at least 1 day", field="days")
    if days > MAX_DAYS:
        raise InvalidInput.at(f"{days} is too large a window: a view shows 1 to {MAX_DAYS} days", field="days")
    text = params.get("date")
    if text is None:
        first = today if today is not None else datetime.now(tz).date()
    else:
        if not _DATE.fullmatch(text):
            raise InvalidInput.at(f"{text!r}: give a calendar date as YYYY-MM-DD", field="date")
        try:
            first = date.fromisoformat(text)
        except ValueError as exc:
            raise InvalidInput.at(f"{text!r}: {exc}", field="date") from None
    try:
        last = first + timedelta(days=days)
        window = Window(local_midnight_us(first, tz), local_midnight_us(last, tz))
    except (OverflowError, ValueError):
        raise InvalidInput.at(f"{text!r}: too close to the end of the calendar", field="date") from None
    return grid(window, tz, zone_name)


def _explicit_window(params: Mapping[str, str]) -> Window:
    bounds = []
    for name in ("start", "end"):
        text = params.get(name)
        if not text:
            raise InvalidInput.at("give both start and end (RFC 3339), or date and days", field=name)
        try:
            parsed = timeparse.parse_instant(text)
        except timeparse.TimestampError as exc:
            # Without a zone a local time is refused: the message says to add Z or an offset.
            raise InvalidInput.at(exc.message, field=name) from None
        bounds.append(parsed.us)
    start, end = bounds
    if end <= start:
        raise InvalidInput.at("end must be after start", field="end")
    if end - start > MAX_WINDOW_US:
        raise InvalidInput.at(
            f"the window is {(end - start) / (86_400 * MICROS_PER_SECOND):.1f} days: a view shows at most "
            f"{MAX_WINDOW_US // (86_400 * MICROS_PER_SECOND)} days; ask for a smaller window",
            field="end",
        )
    return Window(start, end)


def _int_param(params: Mapping[str, str], name: str, default: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 6:
        raise InvalidInput.at(f"{text!r}: give a whole number", field=name)
    return int(text)


#: Query parameters naming a rule, and the Rules field each sets.
RULE_PARAMS = {
    "gap_threshold": "gap_threshold_us",
    "cooldown": "asset_cooldown_us",
    "artist_separation": "artist_separation_us",
    "category_separation": "category_separation_us",
}


def view_rules(params: Mapping[str, str], max_findings: int) -> Rules:
    """The Validate rules a view asks for: spans as seconds, ``PT1H`` or ``HH:MM:SS``."""
    spans: dict[str, int] = {}
    for name, attr in RULE_PARAMS.items():
        text = params.get(name)
        if not text:
            continue
        try:
            spans[attr] = timeparse.parse_duration(text)
        except timeparse.TimestampError as exc:
            raise InvalidInput.at(exc.message, field=name) from None
        if spans[attr] < 0:
            raise InvalidInput.at(f"{text!r}: must not be negative (0 turns the rule off)", field=name)
    return Rules(
        gap_threshold_us=spans.get("gap_threshold_us", 0),
        asset_cooldown_us=spans.get("asset_cooldown_us", 0),
        artist_separation_us=spans.get("artist_separation_us", 0),
        category_separation_us=spans.get("category_separation_us", 0),
        max_findings=max_findings,
    )
