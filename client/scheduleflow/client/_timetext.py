"""Durations and instants as people type them on a command line or in a playlist file.

Durations: ``90s``, ``5m``, ``3h``, ``1h30m``, ``2d``, ``250ms``, ``1.5s``;
ISO 8601 (``PT3M``, ``P1DT2H``); or bare seconds (``90``, ``2.5``).
Instants: RFC 3339 with ``Z`` or an offset; a time without one is refused,
because on a command line it is ambiguous which zone was meant.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_SHORT_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
_SHORT = re.compile(r"(?:\d+(?:\.\d+)?(?:ms|d|h|m|s))+")
# ISO 8601 durations without years and months: those have no fixed length.
_ISO = re.compile(
    r"P(?:(?P<w>\d+)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?"
)


def parse_duration(text: str | float) -> timedelta:
    """The span ``text`` spells; ``ValueError`` with the accepted forms otherwise."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        if text < 0:
            raise ValueError(f"a duration must not be negative, got {text}")
        return timedelta(seconds=text)
    s = str(text).strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return timedelta(seconds=float(s))
    if _SHORT.fullmatch(s.lower()):
        return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in _SHORT_PART.findall(s.lower())))
    iso = _ISO.fullmatch(s.upper())
    # "P" and "PT" alone match the pattern but name no span.
    if iso and any(iso.groupdict().values()) and not s.upper().endswith("T"):
        g = {k: float(v.replace(",", ".")) if v else 0.0 for k, v in iso.groupdict().items()}
        return timedelta(weeks=g["w"], days=g["d"], hours=g["h"], minutes=g["m"], seconds=g["s"])
    raise ValueError(f"not a duration: {text!r} (write e.g. 90s, 5m, 3h, 1h30m, PT3M, or seconds)")


def parse_time(text: str) -> datetime:
    """The instant an RFC 3339 timestamp names, as an aware datetime."""
    s = text.strip()
    try:
        # RFC 3339 allows a lowercase "t" and "z" and a space for "T"; fromisoformat wants them upper.
        value = datetime.fromisoformat(s.upper() if "t" in s or "z" in s else s)
    except ValueError:
        raise ValueError(f"not an RFC 3339 time: {text!r} (write e.g. 2025-11-22T09:30:00Z)") from None
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no offset: add Z for UTC or an offset such as +01:00")
    return value
