"""What the three formats share: the duration grammar, kinds, text rules, and
the collector that turns parsed entries into a ``ScheduleDocument``.

Rules:

1. One duration grammar (``DURATION_PATTERN``) for the parsers, the XSD and
   the JSON Schema; ASCII digits only (``\\d`` would take Arabic-Indic digits).
2. Text must be XML-compatible in every format (no C0 controls but tab, LF
   and CR; no surrogates; no U+FFFE/U+FFFF), so that whatever one format
   imports every other format can export.
3. A start that cannot be read is a ``Finding`` and the event is left out;
   anything else that is wrong is ``InvalidInput`` (raised by the parsers).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import (
    MAX_INSTANT_US,
    MIN_INSTANT_US,
    ChannelInfo,
    Event,
    EventKind,
    Finding,
    FindingCode,
    Location,
    Places,
    ScheduleDocument,
    Severity,
)
from scheduleflow.server.core.table import EventTable
from scheduleflow.server.core.timeparse import (
    ParsedInstant,
    TimestampError,
    finer_fraction,
    parse_duration,
    parse_instant,
    zone,
)
from scheduleflow.server.formats.limits import Limits

_S = r"[0-9]+([.,][0-9]{1,9})?S"
_T = rf"T([0-9]+H([0-9]+M)?({_S})?|[0-9]+M({_S})?|{_S})"
_ISO = rf"P([0-9]+W([0-9]+D)?({_T})?|[0-9]+D({_T})?|{_T})"
_CLOCK = r"[0-9]+:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,9})?"
_SECONDS = r"[0-9]+(\.[0-9]{1,9})?"
#: ISO 8601 (at least one component), HH:MM:SS[.f] or seconds, optionally
#: negative (a negative span is read and left for Validate to report).
#: Written without anchors, look-arounds or (?:) groups so that XSD, ECMA-262 (JSON
#: Schema) and Python all read it the same way; the schema files repeat it
#: and a test checks that they do.
DURATION_PATTERN = rf"-?({_ISO}|{_CLOCK}|{_SECONDS})"
_DURATION = re.compile(DURATION_PATTERN)

DURATION_HINT = "use ISO 8601 such as 'PT30M' or 'PT1H2M3.5S', 'HH:MM:SS[.f]', or a number of seconds"

#: Kinds as documents spell them (lower case); EventKind values are the
#: proto suffixes (upper case).
KIND_BY_NAME: dict[str, EventKind] = {kind.value.lower(): kind for kind in EventKind}
KIND_NAMES = tuple(KIND_BY_NAME)

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: How many event ids a summary finding lists.
_SUMMARY_IDS = 20


def read_duration(text: str | int | float) -> int:
    """A duration in microseconds; ``ValueError`` with what to fix otherwise."""
    if isinstance(text, str):
        return _read_duration_text(text)
    try:
        return parse_duration(text)
    except TimestampError as exc:
        raise ValueError(exc.message) from None


# Schedules repeat a handful of durations ("PT30M") a hundred thousand times.
@lru_cache(maxsize=4096)
def _read_duration_text(text: str) -> int:
    if _DURATION.fullmatch(text) is None:
        raise ValueError(f"{text!r} is not a duration: {DURATION_HINT}")
    try:
        return parse_duration(text)
    except TimestampError as exc:
        raise ValueError(exc.message) from None


_FRACTION = re.compile(r"[.,]([0-9]+)")


def duration_is_finer(text: str | int | float) -> bool:
    """Whether a duration as written has nonzero digits below a microsecond,
    which ``read_duration`` truncates (toward zero) and the caller reports.
    A float is judged by its shortest spelling, the one the JSON held."""
    if isinstance(text, int):  # bool included
        return False
    return _fraction_is_finer(text if isinstance(text, str) else repr(text))


@lru_cache(maxsize=4096)
def _fraction_is_finer(text: str) -> bool:
    m = _FRACTION.search(text)
    return m is not None and finer_fraction(m.group(1))


_CANONICAL_UTC = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?Z")
_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
#: XMLTV's full spelling, as XMLTV exports (ours included) write it.
_FULL_XMLTV = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2})([0-9]{2}) ([+-])([0-9]{2})([0-9]{2})")


def read_instant(text: str, tz: ZoneInfo | None) -> ParsedInstant:
    """``timeparse.parse_instant``, with fast paths for the spellings exports
    write ("2025-11-22T09:30:00.25Z", XMLTV "20251122093000 +0100"): 2.5 us
    instead of 11 us, a quarter of the time of reading a 250,000-event
    document. Anything a fast path does not take for certain (Feb 30, a leap
    second, a far offset, another spelling) goes to parse_instant, which also
    words the errors. A test holds both to the same results."""
    m = _CANONICAL_UTC.fullmatch(text)
    if m is not None:
        y, mo, d, h, mi, sec, frac = m.groups()
        fraction = int(frac.ljust(6, "0")) if frac else 0
        found = _fast_instant(y, mo, d, h, mi, sec, fraction, "+", "00", "00")
        if found is not None:
            return found
    m = _FULL_XMLTV.fullmatch(text)
    if m is not None:
        y, mo, d, h, mi, sec, sign, oh, om = m.groups()
        found = _fast_instant(y, mo, d, h, mi, sec, 0, sign, oh, om)
        if found is not None:
            return found
    return parse_instant(text, tz)


def _fast_instant(
    y: str, mo: str, d: str, h: str, mi: str, sec: str, fraction: int, sign: str, oh: str, om: str
) -> ParsedInstant | None:
    hour, minute, second, off_h, off_m = int(h), int(mi), int(sec), int(oh), int(om)
    if hour > 23 or minute > 59 or second > 59 or off_h > 23 or off_m > 59:
        return None
    try:
        days = date(int(y), int(mo), int(d)).toordinal() - _UNIX_EPOCH_ORDINAL
    except ValueError:
        return None
    offset = (off_h * 3_600 + off_m * 60) * (-1 if sign == "-" else 1)
    us = (days * 86_400 + hour * 3_600 + minute * 60 + second - offset) * 1_000_000 + fraction
    if not MIN_INSTANT_US <= us <= MAX_INSTANT_US:
        return None
    return ParsedInstant(us, "offset" if offset else "utc")


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a document is read.

    Reading creates a few hundred thousand container objects (events,
    locations) and no cycles; left on, the collector keeps re-traversing
    them, which measured 40% of the time to read 250,000 JSON events. The
    previous state is restored, so code that keeps the collector off stays
    in charge; a parse in another thread at the same time is only affected
    in that its collections may wait until this one ends."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def end_problem(start_us: int, duration_us: int) -> str | None:
    """Why start + duration cannot be an instant (years 0001-9999), or None.

    Not a finding like a bad start: start and duration each read fine, but
    the event cannot be stored or sent (google.protobuf.Timestamp stops at
    year 9999), so the document is refused."""
    end = start_us + duration_us
    if end > MAX_INSTANT_US:
        return "the event would end after 9999-12-31T23:59:59Z: shorten the duration or move the start"
    if end < MIN_INSTANT_US:
        return "the event would end before 0001-01-01T00:00:00Z: fix the duration"
    return None


def illegal_char(text: str) -> str | None:
    """The first character XML cannot carry, as 'U+XXXX', or None."""
    m = _XML_ILLEGAL.search(text)
    return None if m is None else f"U+{ord(m.group()):04X}"


def check_exportable(channel: ChannelInfo, events: Sequence[Event]) -> None:
    """``InvalidInput`` naming the first field with text no format can carry (rule 2).

    Imports refuse such text, but events can also arrive through the API; an
    export must fail loudly rather than write a document nobody can read."""
    channel_texts = [("id", channel.id), ("display name", channel.display_name), ("time zone", channel.time_zone)]
    if channel.details is not None:
        channel_texts += [("details", text) for text in detail_texts(channel.details)]
    for what, value in channel_texts:
        bad = illegal_char(value)
        if bad:
            raise InvalidInput.at(f"the channel's {what} holds {bad}, {_CANNOT_CARRY}", field=f"channel.{what}")
    for index, event in enumerate(events):
        texts = [("id", event.id), ("asset_id", event.asset_id), ("title", event.title)]
        texts += [(f"metadata[{key!r}]", key + value) for key, value in event.metadata.items()]
        if event.details is not None:
            texts += [("details", text) for text in detail_texts(event.details)]
        for what, value in texts:
            bad = illegal_char(value)
            if bad:
                raise InvalidInput.at(
                    f"event {event.id!r}: {what} holds {bad}, {_CANNOT_CARRY}", field=f"events[{index}].{what}"
                )


def detail_texts(value: object) -> Iterator[str]:
    """Every text in guide details (or one of their parts)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, tuple):
            stack.extend(item)


_CANNOT_CARRY = "which schedule documents cannot carry (XML 1.0 has no way to write it)"


class Encoder:
    """Gathers rendered text and encodes it to UTF-8 a batch at a time.

    One str of a whole 100 MB document is 200-400 MB (a title with an emoji
    makes every character 4 bytes), then its bytes once more; batches keep
    only the bytes, and check each batch for text XML cannot carry while it
    is small and hot in cache."""

    __slots__ = ("_batch", "_chunks", "_fix", "_refuse", "_suspect")

    #: Pieces (one per event) per batch.
    BATCH = 1024

    def __init__(
        self,
        refuse: Callable[[], None],
        *,
        suspect: Callable[[str], bool] = lambda text: illegal_char(text) is not None,
        fix: Callable[[str], str] | None = None,
    ) -> None:
        """``refuse`` raises naming the field at fault when ``suspect`` says a
        batch may hold text no format can carry (and returns if none does);
        ``fix`` rewrites each batch before it is encoded."""
        self._batch: list[str] = []
        self._chunks: list[bytes] = []
        self._refuse = refuse
        self._suspect = suspect
        self._fix = fix

    def write(self, piece: str) -> None:
        self._batch.append(piece)
        if len(self._batch) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        text = "".join(self._batch)
        self._batch = []
        if self._suspect(text):
            self._refuse()
        if self._fix is not None:
            text = self._fix(text)
        try:
            self._chunks.append(text.encode("utf-8"))
        except UnicodeEncodeError:
            # A lone surrogate (JSON's encoder leaves them raw): name the field.
            self._refuse()
            raise

    def parts(self) -> list[bytes]:
        """The encoded document as the batches it was made in: joining them
        is the caller's, who may put more around them in the same copy."""
        self._flush()
        return self._chunks


_TEXT_TABLE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_TABLE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}
)
_TEXT_SPECIAL = re.compile("[&<>\r]")
_ATTR_SPECIAL = re.compile('[&<>"\t\n\r]')


def escape_text(text: str) -> str:
    """XML element content; CR as a character reference or the parser would turn it into LF."""
    return text.translate(_TEXT_TABLE) if _TEXT_SPECIAL.search(text) else text


def escape_attr(text: str) -> str:
    """An XML attribute value in double quotes; TAB/LF/CR as references or the
    parser's attribute-value normalisation would turn them into spaces."""
    return text.translate(_ATTR_TABLE) if _ATTR_SPECIAL.search(text) else text


def check_text(value: str, what: str, limits: Limits) -> str | None:
    """What is wrong with a text field (too long), or None."""
    if len(value) > limits.max_text:
        return f"{what} is {len(value)} characters long; at most {limits.max_text} are allowed"
    return None


def pointer_token(key: str) -> str:
    """A key escaped for a JSON pointer (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def check_zone(name: str, *, line: int = 0, column: int = 0, field: str = "") -> None:
    """``InvalidInput`` unless ``name`` is an IANA zone we know."""
    try:
        zone(name)
    except TimestampError as exc:
        raise InvalidInput.at(exc.message, line=line, column=column, field=field) from None


@dataclass(slots=True)
class Collector:
    """Gathers events, where they were written, and findings, in document order."""

    limits: Limits
    events: EventTable = field(default_factory=EventTable)
    locations: Places = field(default_factory=Places)
    findings: list[Finding] = field(default_factory=list)
    #: Events read (kept or left out), for the max_events limit.
    seen: int = 0
    _normalised: dict[str, list[str]] = field(default_factory=dict)
    _normalised_count: dict[str, int] = field(default_factory=dict)
    _normalised_at: dict[str, Location] = field(default_factory=dict)

    def count(self, *, line: int = 0, column: int = 0, pointer: str = "") -> None:
        """Count one more event; ``InvalidInput`` past the limit."""
        self.seen += 1
        if self.seen > self.limits.max_events:
            raise InvalidInput.at(
                f"the document holds more than {self.limits.max_events} events; split it into several imports",
                line=line,
                column=column,
                field=pointer,
            )

    def add(self, event: Event, where: Location) -> None:
        self.events.append(event)
        self.locations.append(where)

    def bad_timestamp(self, exc: TimestampError, event_id: str, where: Location, what: str = "start") -> None:
        """The event's start (or stop) cannot be read: a finding, the event is left out."""
        self.findings.append(
            Finding(
                code=exc.code,
                severity=Severity.ERROR,
                message=f"event {event_id!r}: {what}: {exc.message}",
                event_ids=(event_id,),
                location=where,
            )
        )

    def error(self, code: FindingCode, message: str, event_id: str, where: Location) -> None:
        self.findings.append(Finding(code, Severity.ERROR, message, (event_id,), where))

    def normalised(self, spelling: str, event_id: str, where: Location, *, finer: bool = False) -> None:
        """Note a start given with an offset or as local time (summarised once
        per spelling), or with digits below a microsecond, which were dropped."""
        if finer:
            self._normalised_count["finer"] = self._normalised_count.get("finer", 0) + 1
            finer_ids = self._normalised.setdefault("finer", [])
            if len(finer_ids) < _SUMMARY_IDS:
                finer_ids.append(event_id)
            self._normalised_at.setdefault("finer", where)
        if spelling == "utc":
            return
        ids = self._normalised.setdefault(spelling, [])
        if len(ids) < _SUMMARY_IDS:
            ids.append(event_id)
        self._normalised_count[spelling] = self._normalised_count.get(spelling, 0) + 1
        self._normalised_at.setdefault(spelling, where)

    def document(self, channels: tuple[ChannelInfo, ...], zone_name: str = "") -> ScheduleDocument:
        findings = list(self.findings)
        # One INFO finding per spelling rather than one per event: a 250,000
        # event XMLTV file has an offset on every start, and a quarter of a
        # million identical notes would drown the findings that matter.
        for spelling, count in self._normalised_count.items():
            how = f"as local time in {zone_name}" if spelling == "local" else "with a UTC offset"
            message = f"{count} event start{'s were' if count != 1 else ' was'} given {how} and normalised to UTC"
            if spelling == "finer":
                message = (
                    f"{count} event{'s' if count != 1 else ''} had digits below a microsecond in the start or the "
                    "duration; schedules keep times to the microsecond, so they were truncated"
                )
            findings.append(
                Finding(
                    FindingCode.NORMALISED_TIMESTAMP,
                    Severity.INFO,
                    message,
                    tuple(self._normalised[spelling]),
                    self._normalised_at[spelling],
                )
            )
        return ScheduleDocument(
            channels=channels,
            events=self.events,
            locations=self.locations,
            findings=tuple(findings),
        )
