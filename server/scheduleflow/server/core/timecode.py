"""SMPTE timecodes (ST 12) and frame-based spans, converted exactly.

Rules:

1. A frame rate is a rational number of frames per second (30000/1001 for
   "29.97"), never a float: ``n`` frames last ``n * den / num`` seconds, and the
   only rounding anywhere is the last step to whole microseconds (half up), so
   a span read from frames and written back gives the same frames.
2. Drop-frame counting (29.97 and 59.94 DF) skips the labels ``;00`` and
   ``;01`` (``;00``-``;03`` at 59.94) at the start of every minute except
   each tenth, as ST 12-1 says; a label that names a dropped frame is an
   error, not a silent neighbour.
3. The separator says drop-frame: ``;`` or ``.`` is drop-frame, ``:`` or
   ``,`` is not (ST 258, section 8, which BXF cites). A drop-frame separator
   at a rate that has no drop-frame counting is an error.
4. A span in microseconds is "whole frames" at a rate when some integer
   frame count rounds to it exactly; ``frames_of`` returns that count or None,
   which is how a duration that is not a whole number of frames is found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from scheduleflow.server.core.model import MICROS_PER_SECOND

__all__ = [
    "RATES",
    "FrameRate",
    "Timecode",
    "TimecodeError",
    "frames_of",
    "frames_to_us",
    "parse_rate",
    "parse_timecode",
]


class TimecodeError(ValueError):
    """A timecode or frame rate that cannot be read; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class FrameRate:
    """A frame rate: ``num / den`` frames per second, counted drop-frame or not."""

    #: How the rate is recorded in metadata: "25", "29.97DF", "59.94".
    name: str
    num: int
    den: int
    drop_frame: bool = False

    @property
    def nominal(self) -> int:
        """Frames per timecode second: 30 for 29.97, 60 for 59.94."""
        return -(-self.num // self.den)

    @property
    def attribute(self) -> str:
        """The rate as BXF's ``frameRate`` attribute writes it (xs:decimal)."""
        return self.name.removesuffix("DF")

    @property
    def _dropped(self) -> int:
        # ST 12-1: two labels a minute at 30 (29.97), four at 60 (59.94).
        return self.nominal // 15


#: The rates BXF traffic and automation use, by the name recorded in metadata.
RATES: dict[str, FrameRate] = {
    r.name: r
    for r in (
        FrameRate("23.976", 24000, 1001),
        FrameRate("24", 24, 1),
        FrameRate("25", 25, 1),
        FrameRate("29.97", 30000, 1001),
        FrameRate("29.97DF", 30000, 1001, drop_frame=True),
        FrameRate("30", 30, 1),
        FrameRate("50", 50, 1),
        FrameRate("59.94", 60000, 1001),
        FrameRate("59.94DF", 60000, 1001, drop_frame=True),
        FrameRate("60", 60, 1),
    )
}
#: frameRate attribute values as decimals -> the non-drop rate of that speed.
_BY_DECIMAL = {Decimal(r.attribute): r for r in RATES.values() if not r.drop_frame}
_BY_DECIMAL[Decimal("29.970")] = RATES["29.97"]
_BY_DECIMAL[Decimal("23.98")] = RATES["23.976"]


def parse_rate(attribute: str, *, drop_frame: bool = False) -> FrameRate:
    """The rate a ``frameRate`` attribute names ("25", "29.97", "30000/1001"),
    drop-frame when the timecode's separator says so (rule 3)."""
    text = attribute.strip()
    try:
        if "/" in text:
            num, _, den = text.partition("/")
            value = Decimal(int(num)) / Decimal(int(den))
            rate = next((r for r in _BY_DECIMAL.values() if r.num * int(den) == int(num) * r.den), None)
        else:
            value = Decimal(text)
            rate = _BY_DECIMAL.get(value.normalize()) or _BY_DECIMAL.get(value)
    except (InvalidOperation, ValueError, ZeroDivisionError):
        rate, value = None, Decimal(0)
    if rate is None:
        known = ", ".join(dict.fromkeys(r.attribute for r in _BY_DECIMAL.values()))
        raise TimecodeError(f"frame rate {attribute!r} is not one we convert exactly; use one of {known}")
    del value
    if drop_frame:
        if rate.den != 1001 or rate.nominal not in (30, 60):
            raise TimecodeError(
                f"a drop-frame timecode (';' or '.') at {rate.name} frames per second: drop-frame counting "
                "exists only at 29.97 and 59.94; use ':' or say frameRate=\"29.97\""
            )
        return RATES[rate.name + "DF"]
    return rate


_TIMECODE = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})([:;.,])([0-9]{2})")


@dataclass(frozen=True, slots=True)
class Timecode:
    """A timecode label as written: hours, minutes, seconds, frames, separator."""

    hours: int
    minutes: int
    seconds: int
    frames: int
    drop_frame: bool

    def frame_count(self, rate: FrameRate) -> int:
        """Frames since 00:00:00:00 at ``rate`` (rules 2 and 3)."""
        if self.frames >= rate.nominal:
            raise TimecodeError(
                f"frame {self.frames:02d} does not exist at {rate.name} frames per second (frames run 00-{rate.nominal - 1:02d})"
            )
        total_minutes = self.hours * 60 + self.minutes
        count = (total_minutes * 60 + self.seconds) * rate.nominal + self.frames
        if not rate.drop_frame:
            return count
        drop = rate._dropped
        if self.seconds == 0 and self.frames < drop and self.minutes % 10:
            raise TimecodeError(
                f"{self.text()} names a frame that drop-frame counting skips: minute {self.minutes:02d} starts at "
                f";{drop:02d}"
            )
        return count - drop * (total_minutes - total_minutes // 10)

    def text(self) -> str:
        sep = ";" if self.drop_frame else ":"
        return f"{self.hours:02d}:{self.minutes:02d}:{self.seconds:02d}{sep}{self.frames:02d}"

    @staticmethod
    def from_frames(count: int, rate: FrameRate) -> Timecode:
        """The label of frame ``count`` (inverse of ``frame_count``); hours may pass 23."""
        if count < 0:
            raise TimecodeError("a timecode cannot be negative")
        if rate.drop_frame:
            drop = rate._dropped
            per_minute = rate.nominal * 60 - drop
            per_ten = per_minute * 10 + drop
            tens, rest = divmod(count, per_ten)
            # The first minute of ten keeps all its labels; the others lose ``drop``.
            extra = 0 if rest < drop else drop * ((rest - drop) // per_minute)
            count += drop * 9 * tens + extra
        frames = count % rate.nominal
        seconds_total = count // rate.nominal
        return Timecode(seconds_total // 3600, seconds_total // 60 % 60, seconds_total % 60, frames, rate.drop_frame)


def parse_timecode(text: str) -> Timecode:
    """``HH:MM:SS:FF`` (``;`` / ``.`` before FF for drop-frame); ``TimecodeError`` otherwise."""
    m = _TIMECODE.fullmatch(text.strip())
    if m is None:
        raise TimecodeError(f"{text!r} is not a SMPTE timecode: write HH:MM:SS:FF (HH:MM:SS;FF for drop-frame)")
    hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3])
    if minutes > 59 or seconds > 59:
        raise TimecodeError(f"{text!r}: minutes and seconds of a timecode run 00-59")
    return Timecode(hours, minutes, seconds, int(m[5]), m[4] in ";.")


def frames_to_us(count: int, rate: FrameRate) -> int:
    """``count`` frames at ``rate`` in microseconds, rounded half up (rule 1)."""
    numerator = count * rate.den * MICROS_PER_SECOND
    return (2 * numerator + rate.num) // (2 * rate.num)


def frames_of(span_us: int, rate: FrameRate) -> int | None:
    """The frame count that ``frames_to_us`` turns into ``span_us``, or None
    when the span is not a whole number of frames at ``rate`` (rule 4)."""
    if span_us < 0:
        return None
    count = (span_us * rate.num + rate.den * MICROS_PER_SECOND // 2) // (rate.den * MICROS_PER_SECOND)
    return count if frames_to_us(count, rate) == span_us else None
