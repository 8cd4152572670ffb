"""Timestamps and durations in the spellings schedules arrive in, to and from UTC.

Rules:

1. Every instant leaves this module as ``int`` microseconds since the epoch, UTC.
2. Accepted instants:
   - RFC 3339 with ``Z`` or an offset: ``2025-11-22T09:30:00+01:00``
     (``T`` or a space; fractions up to microseconds);
   - XMLTV: ``20251122093000 +0100`` (``YYYYMMDDhhmmss``, ``hhmm`` and ``hh``
     parts may be dropped from the right; no offset means UTC, as xmltv.dtd says);
   - a local wall-clock time without offset (``2025-11-22T09:30[:00[.f]]``), read
     in the channel's IANA zone. A local time that a DST change skips or repeats
     is an error naming the two candidates, never a guess.
3. Accepted durations: ISO 8601 ``PT1H30M``/``P1DT2H``/``PT0.5S``, ``HH:MM:SS[.f]``,
   or a number of seconds.
4. Errors are ``TimestampError`` with a finding code and a message that says
   what to fix. ``datetime.fromisoformat`` is not used because it accepts
   spellings RFC 3339 does not (week dates, no separators) and says nothing
   useful when it fails; these grammars are small enough to state as regexes.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduleflow.server.core.errors import quote
from scheduleflow.server.core.model import (
    MAX_DURATION_US,
    MAX_INSTANT_US,
    MICROS_PER_SECOND,
    MIN_INSTANT_US,
    FindingCode,
)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_RFC3339 = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[Tt ](?P<h>\d{2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?)?"
    r"(?P<tz>[Zz]|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)
_XMLTV = re.compile(
    r"(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})(?:(?P<h>\d{2})(?:(?P<mi>\d{2})(?:(?P<s>\d{2}))?)?)?"
    r"(?:\s*(?P<tz>[+-]\d{4}|Z|UTC|GMT))?",
    re.ASCII,
)
_ISO_DURATION = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)(?:[.,](?P<f>\d{1,9}))?S)?)?",
    re.ASCII,
)
_CLOCK_DURATION = re.compile(r"(?P<h>\d+):(?P<m>\d{2}):(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?", re.ASCII)
_SECONDS = re.compile(r"(?P<s>\d+)(?:\.(?P<f>\d{1,9}))?", re.ASCII)


class TimestampError(ValueError):
    """A timestamp or duration that cannot be read; ``code`` says which kind."""

    def __init__(self, message: str, code: FindingCode = FindingCode.INVALID_TIMESTAMP) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True, slots=True)
class ParsedInstant:
    """An instant in UTC and how it was spelled."""

    us: int
    #: "utc" (Z or +00:00), "offset" (another offset), "local" (read in a zone)
    spelling: str
    #: The text had nonzero digits below a microsecond, which ``us`` dropped.
    finer: bool = False


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ``TimestampError`` if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimestampError(
            f"unknown time zone {quote(name)!r}: use an IANA name such as 'Europe/London' or 'UTC'"
        ) from exc


def _fraction_us(frac: str | None) -> int:
    if not frac:
        return 0
    # Beyond microseconds we truncate: schedules have no use for nanoseconds and
    # rounding could carry into the next second. Callers say so (``finer_fraction``).
    return int(frac[:6].ljust(6, "0"))


def finer_fraction(frac: str | None) -> bool:
    """Whether a fraction's digits (after the point) go below a microsecond
    with a nonzero digit: what reading it to the microsecond truncates."""
    return frac is not None and frac[6:].strip("0") != ""


def _civil(y: int, mo: int, d: int, h: int, mi: int, s: int, text: str) -> None:
    if not 1 <= mo <= 12:
        raise TimestampError(f"{quote(text)!r}: month {mo} is out of range 01-12")
    last = calendar.monthrange(y, mo)[1] if y >= 1 else 31
    if not 1 <= d <= last:
        raise TimestampError(f"{quote(text)!r}: day {d} is out of range for {calendar.month_name[mo]} {y} (1-{last})")
    if h > 23:
        raise TimestampError(f"{quote(text)!r}: hour {h} is out of range 00-23")
    if mi > 59:
        raise TimestampError(f"{quote(text)!r}: minute {mi} is out of range 00-59")
    if s == 60:
        raise TimestampError(f"{quote(text)!r}: leap second :60 is not supported; use :59")
    if s > 59:
        raise TimestampError(f"{quote(text)!r}: second {s} is out of range 00-59")
    if y < 1:
        raise TimestampError(f"{quote(text)!r}: year 0000 is out of range")


def _offset_minutes(tz: str, text: str) -> int:
    if tz in ("Z", "z", "UTC", "GMT"):
        return 0
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise TimestampError(f"{quote(text)!r}: offset {tz} is out of range (at most ±23:59)")
    return sign * (hours * 60 + minutes)


def _to_us(naive: datetime, offset_s: int) -> int:
    delta = naive.replace(tzinfo=UTC) - _EPOCH
    us = (delta.days * 86_400 + delta.seconds) * MICROS_PER_SECOND + delta.microseconds - offset_s * MICROS_PER_SECOND
    if not MIN_INSTANT_US <= us <= MAX_INSTANT_US:
        raise TimestampError("instant lies outside years 0001-9999 once normalised to UTC")
    return us


def local_to_us(naive: datetime, tz: ZoneInfo, text: str = "") -> int:
    """A wall-clock time in ``tz`` as UTC microseconds; DST gaps and overlaps raise."""
    label = text or naive.isoformat()
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    off0, off1 = first.utcoffset(), second.utcoffset()
    assert off0 is not None
    assert off1 is not None
    if off0 != off1:
        roundtrip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if roundtrip != naive:
            raise TimestampError(
                f"{quote(label)!r} does not exist in {tz.key}: the clocks skip it at a DST change; "
                f"give an offset ({_fmt_off(off0)} or {_fmt_off(off1)}) or a time outside the gap",
                FindingCode.NONEXISTENT_LOCAL_TIME,
            )
        raise TimestampError(
            f"{quote(label)!r} happens twice in {tz.key} at a DST change; "
            f"give an offset to say which: {_fmt_off(off0)} (first) or {_fmt_off(off1)} (second)",
            FindingCode.AMBIGUOUS_LOCAL_TIME,
        )
    # Whole seconds, not minutes: before standard time, zones ran on local mean
    # time (Europe/London -0:01:15 until 1847), and truncating it would be wrong.
    return _to_us(naive, int(off0.total_seconds()))


def _fmt_off(off: timedelta) -> str:
    minutes = int(off.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_instant(text: str, tz: ZoneInfo | None = None) -> ParsedInstant:
    """Read ``text`` in any accepted spelling; local times are read in ``tz``.

    Without ``tz`` a local time is an error that asks for an offset or a zone.
    """
    s = text.strip()
    m = _RFC3339.fullmatch(s)
    if m is not None:
        return _from_match(m, s, tz, local_ok=True)
    m = _XMLTV.fullmatch(s)
    if m is not None:
        return _from_match(m, s, tz, local_ok=False)
    raise TimestampError(
        f"{quote(text)!r} is not a timestamp: use RFC 3339 ('2025-11-22T09:30:00Z' or '...+01:00'), "
        "XMLTV ('20251122093000 +0100') or a local time ('2025-11-22T09:30:00') with a channel zone"
    )


def _from_match(m: re.Match[str], s: str, tz: ZoneInfo | None, *, local_ok: bool) -> ParsedInstant:
    g = m.groupdict()
    y, mo, d = int(g["y"]), int(g["mo"]), int(g["d"])
    h, mi, sec = int(g["h"] or 0), int(g["mi"] or 0), int(g["s"] or 0)
    _civil(y, mo, d, h, mi, sec, s)
    naive = datetime(y, mo, d, h, mi, sec, _fraction_us(g.get("f")))
    finer = finer_fraction(g.get("f"))
    if g["tz"] is None:
        if not local_ok:
            # xmltv.dtd: "If no time zone is given, UTC is assumed."
            return ParsedInstant(_to_us(naive, 0), "utc", finer)
        if tz is None:
            raise TimestampError(
                f"{quote(s)!r} has no offset and no time zone to read it in: add 'Z' or an offset, or give the channel's zone"
            )
        if tz.key == "UTC":
            return ParsedInstant(_to_us(naive, 0), "utc", finer)
        return ParsedInstant(local_to_us(naive, tz, s), "local", finer)
    offset = _offset_minutes(g["tz"], s)
    return ParsedInstant(_to_us(naive, offset * 60), "utc" if offset == 0 else "offset", finer)


def parse_duration(text: str | float) -> int:
    """A duration as microseconds: ISO 8601, ``HH:MM:SS[.f]`` or seconds."""
    if isinstance(text, bool):
        raise TimestampError(f"{text!r} is not a duration: give seconds or ISO 8601 such as 'PT30M'")
    if isinstance(text, int):
        us = text * MICROS_PER_SECOND
    elif isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise TimestampError(f"{text!r} is not a duration: give a finite number of seconds")
        us = round(text * MICROS_PER_SECOND)
    else:
        s = text.strip()
        negative = s.startswith("-")
        body = s[1:] if negative else s
        us = _parse_duration_text(body, text)
        if us == 0 and any(c in "123456789" for c in body):
            # Only digits below a microsecond can read as zero: say what was
            # sent, not "PT0S", a value the caller never wrote.
            raise TimestampError(
                f"duration {text!r} is shorter than a microsecond, the finest step a schedule keeps",
                FindingCode.INVALID_DURATION,
            )
        if negative:
            us = -us
    if abs(us) > MAX_DURATION_US:
        raise TimestampError(
            f"duration {(quote(text) if isinstance(text, str) else text)!r} is longer than the longest event allowed (366 days)"
        )
    return us


def _parse_duration_text(body: str, text: str) -> int:
    m = _ISO_DURATION.fullmatch(body)
    if m is not None and body not in ("P", "PT") and not body.endswith("T"):
        g = m.groupdict()
        seconds = (
            int(g["w"] or 0) * 7 * 86_400
            + int(g["d"] or 0) * 86_400
            + int(g["h"] or 0) * 3_600
            + int(g["m"] or 0) * 60
            + int(g["s"] or 0)
        )
        return _checked_seconds(seconds, text) + _fraction_us(g["f"])
    m = _CLOCK_DURATION.fullmatch(body)
    if m is not None:
        g = m.groupdict()
        if int(g["m"]) > 59 or int(g["s"]) > 59:
            raise TimestampError(f"{quote(text)!r}: minutes and seconds of HH:MM:SS must be 00-59")
        seconds = int(g["h"]) * 3_600 + int(g["m"]) * 60 + int(g["s"])
        return _checked_seconds(seconds, text) + _fraction_us(g["f"])
    m = _SECONDS.fullmatch(body)
    if m is not None:
        return _checked_seconds(int(m["s"]), text) + _fraction_us(m["f"])
    raise TimestampError(
        f"{quote(text)!r} is not a duration: use ISO 8601 ('PT30M', 'PT1H2M3.5S'), 'HH:MM:SS' or seconds"
    )


def _checked_seconds(seconds: int, text: str) -> int:
    # Check before multiplying: '99999999999999999H' must be refused, not
    # turned into a huge integer the store and protobuf cannot hold.
    if seconds > MAX_DURATION_US // MICROS_PER_SECOND:
        raise TimestampError(f"duration {quote(text)!r} is longer than the longest event allowed (366 days)")
    return seconds * MICROS_PER_SECOND


def format_duration(us: int) -> str:
    """ISO 8601 duration that ``parse_duration`` reads back exactly: 'PT1H30M', 'PT0.5S'."""
    if us == 0:
        return "PT0S"
    sign = "-" if us < 0 else ""
    us = abs(us)
    seconds, frac = divmod(us, MICROS_PER_SECOND)
    h, rest = divmod(seconds, 3_600)
    m, s = divmod(rest, 60)
    out = "PT"
    if h:
        out += f"{h}H"
    if m:
        out += f"{m}M"
    if s or frac:
        out += f"{s}" + (f".{frac:06d}".rstrip("0") if frac else "") + "S"
    return sign + out


def to_datetime(us: int, tz: ZoneInfo | None = None) -> datetime:
    """UTC microseconds as an aware datetime (in ``tz`` when given)."""
    dt = _EPOCH + timedelta(microseconds=us)
    return dt.astimezone(tz) if tz is not None else dt


#: 400 Gregorian years, in microseconds: the calendar repeats after them exactly.
_CYCLE_US = 146_097 * 86_400 * 1_000_000
#: The last instant whose local time fits ``datetime`` in any zone (offsets are under a day).
_LAST_SAFE_US = MAX_INSTANT_US - 86_400 * 1_000_000


def _cycles_back(us: int) -> int:
    """Whole 400-year cycles to move ``us`` back by so that its local time fits ``datetime``.

    Messages can name instants after 9999 (the end of an event on 31 December
    9999, when a cooldown lets an asset return), or whose local time is in
    10000; ``datetime`` stops at 9999. Moved back by whole cycles, the date and
    the weekday are the same, and so is a zone's offset (its rule for the far
    future repeats every year); the caller adds the years back.
    """
    return 0 if us <= _LAST_SAFE_US else (us - _LAST_SAFE_US - 1) // _CYCLE_US + 1


def format_rfc3339(us: int, tz: ZoneInfo | None = None) -> str:
    """RFC 3339 with 'Z' (or the zone's offset at that instant), fraction only when needed.

    After 9999 the year has five digits (see ``_cycles_back``).
    """
    if cycles := _cycles_back(us):
        year, rest = format_rfc3339(us - cycles * _CYCLE_US, tz).split("-", 1)
        return f"{int(year) + 400 * cycles}-{rest}"
    dt = to_datetime(us, tz)
    # Not strftime's %Y: glibc does not pad years before 1000 to four digits.
    base = f"{dt.year:04d}" + dt.strftime("-%m-%dT%H:%M:%S")
    if dt.microsecond:
        base += f".{dt.microsecond:06d}".rstrip("0")
    off = dt.utcoffset()
    if tz is None or not off:
        return base + "Z"
    return base + _fmt_off(off)


def format_xmltv(us: int, tz: ZoneInfo | None = None) -> str:
    """XMLTV 'YYYYMMDDhhmmss +zzzz' (seconds precision, as the format has).

    Raises OverflowError after 9999, unlike ``format_rfc3339``: a document
    must spell its times the way other XMLTV tools read them, so the exporter
    refuses such an event instead.
    """
    dt = to_datetime(us, tz)
    off = dt.utcoffset() or timedelta(0)
    return f"{dt.year:04d}" + dt.strftime("%m%d%H%M%S") + " " + _fmt_off(off).replace(":", "")


def format_xmltv_offset(us: int, offset_s: int) -> str:
    """XMLTV 'YYYYMMDDhhmmss +zzzz' at a fixed UTC offset (seconds; whole
    minutes are written). OverflowError outside years 1-9999."""
    dt = to_datetime(us) + timedelta(seconds=offset_s)
    sign = "-" if offset_s < 0 else "+"
    minutes = abs(offset_s) // 60
    return f"{dt.year:04d}" + dt.strftime("%m%d%H%M%S") + f" {sign}{minutes // 60:02d}{minutes % 60:02d}"
