"""The domain model: channels, events, findings.

Rules of this module (and of all of ``core``):

1. No I/O, no gRPC, no protobuf, no database: plain values in, plain values out,
   so the same code runs in pool workers and in unit tests.
2. Instants are ``int`` microseconds since the Unix epoch, UTC; spans are ``int``
   microseconds. Integers sort, subtract and compare exactly and cheaply, which
   matters at a million events; conversion to ``datetime`` happens at the edges.
3. Values are immutable: frozen dataclasses, and ``NamedTuple`` for the
   values made once per event (``Event``, ``Location``, ``Window``), because a
   frozen dataclass costs about eight times as much to create (every field
   goes through ``object.__setattr__``) and pickles larger; at a million
   events that is seconds. ``Event.metadata`` is never mutated in place: its
   default ``{}`` is shared.
"""

from __future__ import annotations

import enum
import operator
from array import array
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar, overload

_T = TypeVar("_T")

MICROS_PER_SECOND = 1_000_000

#: The latest instant we accept: 9999-12-31T23:59:59.999999Z, the end of what
#: RFC 3339 and google.protobuf.Timestamp can spell.
MAX_INSTANT_US = 253_402_300_799_999_999
#: The earliest: 0001-01-01T00:00:00Z.
MIN_INSTANT_US = -62_135_596_800_000_000
#: No event lasts longer than this (google.protobuf.Duration allows 10,000 years;
#: a schedule entry of more than a year is a data error, not a programme).
MAX_DURATION_US = 366 * 24 * 3600 * MICROS_PER_SECOND


class EventKind(enum.StrEnum):
    """What an event is on air. Values match the proto enum's suffixes."""

    PROGRAM = "PROGRAM"
    COMMERCIAL = "COMMERCIAL"
    PROMO = "PROMO"
    FILLER = "FILLER"
    LIVE = "LIVE"
    MUSIC = "MUSIC"
    JINGLE = "JINGLE"


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that ``max()`` gives the worst."""

    INFO = 1
    WARNING = 2
    ERROR = 3


class FindingCode(enum.StrEnum):
    """Stable finding codes; the proto enum is ``FINDING_CODE_<value>``."""

    DUPLICATE_ID = "DUPLICATE_ID"
    DUPLICATE_ENTRY = "DUPLICATE_ENTRY"
    INVALID_TIMESTAMP = "INVALID_TIMESTAMP"
    NONEXISTENT_LOCAL_TIME = "NONEXISTENT_LOCAL_TIME"
    AMBIGUOUS_LOCAL_TIME = "AMBIGUOUS_LOCAL_TIME"
    OVERLAP = "OVERLAP"
    GAP = "GAP"
    INVALID_DURATION = "INVALID_DURATION"
    OUTSIDE_WINDOW = "OUTSIDE_WINDOW"
    COOLDOWN_BREACH = "COOLDOWN_BREACH"
    SEPARATION_BREACH = "SEPARATION_BREACH"
    MISSING_FIELD = "MISSING_FIELD"
    NORMALISED_TIMESTAMP = "NORMALISED_TIMESTAMP"
    NOT_WHOLE_FRAMES = "NOT_WHOLE_FRAMES"
    NONSTANDARD_CHANNEL_ID = "NONSTANDARD_CHANNEL_ID"
    EXTENSION_NOT_STORED = "EXTENSION_NOT_STORED"
    CONFLICT_RESOLVED = "CONFLICT_RESOLVED"
    NOT_KEPT = "NOT_KEPT"


@dataclass(frozen=True, slots=True)
class Channel:
    """The owner of a schedule."""

    id: str
    display_name: str = ""
    time_zone: str = "UTC"
    revision: int = 0
    event_count: int = 0
    update_time_us: int = 0
    details: ChannelDetails | None = None


# ---------------------------------------------------------------- EPG details
#
# What a programme guide (XMLTV, xmltv.dtd) says about a programme or a
# channel beyond the timeline. What a user queries is typed (titles by
# language, credits with roles, categories, keywords, episode numbers by
# system, icons, images, ratings); everything else is kept verbatim as XML
# fragments with their position among the element's children, so that a
# guide comes back out as it came in. All parts are tuples of NamedTuples:
# hashable (equal parts are shared across events, ``core.sharing``),
# cheap to make and to pickle. Absent text is "" (an attribute left out).


class LangText(NamedTuple):
    """A text in a language (``lang`` "" when the document names none)."""

    value: str
    lang: str = ""


class Link(NamedTuple):
    """A URL, with the system it belongs to (XMLTV ``<url system>``)."""

    value: str
    system: str = ""


class Icon(NamedTuple):
    """A picture by URL (XMLTV ``<icon src width height>``); sizes as written."""

    src: str
    width: str = ""
    height: str = ""


class Image(NamedTuple):
    """A picture by URL with its kind (XMLTV ``<image type size orient system>``)."""

    value: str
    type: str = ""
    size: str = ""
    orient: str = ""
    system: str = ""


#: The people of XMLTV's <credits>, in xmltv.dtd's order: the roles a Credit may have.
CREDIT_ROLES = (
    "director",
    "actor",
    "writer",
    "adapter",
    "producer",
    "composer",
    "editor",
    "presenter",
    "commentator",
    "guest",
)


class Credit(NamedTuple):
    """One person in the credits: ``role`` is the credit (director, actor,
    writer, ...), ``character`` the part an actor plays, ``guest`` "yes",
    "no" or "" (not said)."""

    role: str
    name: str
    character: str = ""
    guest: str = ""
    images: tuple[Image, ...] = ()
    urls: tuple[Link, ...] = ()


class EpisodeNum(NamedTuple):
    """An episode number in a numbering ``system`` ("" when the document
    names none, which XMLTV reads as "onscreen")."""

    value: str
    system: str = ""


class Rating(NamedTuple):
    """A rating (or star rating) in a ``system``, with its icons."""

    value: str
    system: str = ""
    icons: tuple[Icon, ...] = ()


class Fragment(NamedTuple):
    """Content kept verbatim: one child element as XML text, and its index
    among the children of the element it was read from."""

    position: int
    xml: str


class ProgrammeDetails(NamedTuple):
    """The guide data of one event (see above). ``attributes`` are the
    programme's XML attributes other than start, stop and channel
    (clumpidx, pdc-start, vps-start, showview, videoplus, x-*), in document
    order. ``start_offset``/``stop_offset`` are the UTC offsets, in seconds,
    the times were written with, so an export can write them the same way.
    ``titles`` is empty when the programme has one title in no language: it
    is the event's ``title``."""

    titles: tuple[LangText, ...] = ()
    sub_titles: tuple[LangText, ...] = ()
    descriptions: tuple[LangText, ...] = ()
    credits: tuple[Credit, ...] = ()
    categories: tuple[LangText, ...] = ()
    keywords: tuple[LangText, ...] = ()
    icons: tuple[Icon, ...] = ()
    episode_nums: tuple[EpisodeNum, ...] = ()
    ratings: tuple[Rating, ...] = ()
    star_ratings: tuple[Rating, ...] = ()
    images: tuple[Image, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    verbatim: tuple[Fragment, ...] = ()
    start_offset: int | None = None
    stop_offset: int | None = None


class ChannelDetails(NamedTuple):
    """The guide data of a channel: every display name, icons, URLs, other
    attributes than ``id`` and any other child kept verbatim.

    ``document_attributes`` and ``document_verbatim`` are what the guide
    document itself said, kept with every channel it brought in: the
    attributes of XMLTV's ``<tv>`` (date, source-info-url, ...,
    generator-info-name), in document order, and the ``x-*``/unknown
    elements directly under ``<tv>``, each with its index among the ``<tv>``
    children an export of this channel writes (its ``<channel>``, its
    programmes and these elements)."""

    display_names: tuple[LangText, ...] = ()
    icons: tuple[Icon, ...] = ()
    urls: tuple[Link, ...] = ()
    attributes: tuple[tuple[str, str], ...] = ()
    verbatim: tuple[Fragment, ...] = ()
    document_attributes: tuple[tuple[str, str], ...] = ()
    document_verbatim: tuple[Fragment, ...] = ()


class Event(NamedTuple):
    """One entry on a channel's timeline, start normalised to UTC.

    ``details`` holds what a programme guide says beyond the timeline (None
    when nothing does); ``title`` stays the first title, stripped, and
    ``metadata`` a flat summary, for callers that read only those."""

    id: str
    start_us: int
    duration_us: int
    asset_id: str = ""
    title: str = ""
    kind: EventKind = EventKind.PROGRAM
    fixed_start: bool = False
    metadata: Mapping[str, str] = {}
    details: ProgrammeDetails | None = None

    @property
    def end_us(self) -> int:
        return self.start_us + self.duration_us


class Window(NamedTuple):
    """A half-open span [start_us, end_us)."""

    start_us: int
    end_us: int

    def overlaps(self, start_us: int, end_us: int) -> bool:
        return start_us < self.end_us and end_us > self.start_us


class Location(NamedTuple):
    """Where a finding or an error points: a line/column in a text document
    (1-based, 0 when unknown) and/or a field path or JSON pointer."""

    line: int = 0
    column: int = 0
    field: str = ""


class TupleLike(Sequence[_T]):
    """A sequence that compares and prints like the tuple of its items: the
    compact containers below stand in for tuples, and values holding them
    (documents, change records) compare by what they hold."""

    __slots__ = ()

    def _at(self, index: int) -> _T:
        """Item ``index``, 0 <= index < len(self): what a container supplies."""
        raise NotImplementedError

    @overload
    def __getitem__(self, index: int) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[_T]: ...

    def __getitem__(self, index: int | slice) -> _T | Sequence[_T]:
        size = len(self)
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(size))]
        if index < 0:
            index += size
        if not 0 <= index < size:
            raise IndexError(f"{type(self).__name__} index out of range")
        return self._at(index)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TupleLike | tuple | list):
            return len(self) == len(other) and all(map(operator.eq, self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # built up in place, so not hashable

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self)!r})"


class Places(TupleLike[Location]):
    """Where each event of a document was written: a Location per index,
    kept as three ints an event and made on demand.

    A quarter of a million Location objects, and JSON pointers spelled out,
    held 40 MB, and the holes they left in the heap outlived them; findings
    need a few, and a document's event pointers are ``/events/<index>``.
    Appending is the only change; it is for the parser that builds it.
    """

    __slots__ = ("_columns", "_fields", "_lines", "_pointers")

    _PREFIX = "/events/"

    def __init__(self, places: Iterable[Location] = ()) -> None:
        self._lines = array("q")
        self._columns = array("q")
        #: n for a field "/events/n"; -1 for another field (in _fields) or none.
        self._pointers = array("q")
        self._fields: dict[int, str] = {}
        for where in places:
            self.append(where)

    def append(self, where: Location) -> None:
        index = len(self._lines)
        self._lines.append(where.line)
        self._columns.append(where.column)
        pointer = -1
        field = where.field
        if field:
            tail = field[len(self._PREFIX) :] if field.startswith(self._PREFIX) else ""
            if tail.isdecimal() and tail.isascii() and (tail == "0" or tail[0] != "0") and len(tail) < 19:
                pointer = int(tail)
            else:
                self._fields[index] = field
        self._pointers.append(pointer)

    def without(self, dropped: Container[int]) -> Places:
        """These places less the indexes in ``dropped``."""
        return Places(where for index, where in enumerate(self) if index not in dropped)

    def __len__(self) -> int:
        return len(self._lines)

    def _at(self, index: int) -> Location:
        pointer = self._pointers[index]
        field = f"{self._PREFIX}{pointer}" if pointer >= 0 else self._fields.get(index, "")
        return Location(self._lines[index], self._columns[index], field)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing Validate found."""

    code: FindingCode
    severity: Severity
    message: str
    event_ids: tuple[str, ...] = ()
    location: Location | None = None
    span: Window | None = None


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """What a document says about its channel (any part may be absent)."""

    id: str = ""
    display_name: str = ""
    time_zone: str = ""
    details: ChannelDetails | None = None


@dataclass(frozen=True, slots=True)
class ScheduleDocument:
    """A parsed schedule document: its channels and its events, starts in UTC.

    ``locations`` maps an event's index in ``events`` to where it was written,
    so that findings about it can point at the line (or JSON pointer).
    """

    channels: tuple[ChannelInfo, ...]
    #: A tuple, or from the parsers an ``EventTable`` (``core.table``).
    events: Sequence[Event]
    locations: Sequence[Location] = ()
    findings: tuple[Finding, ...] = ()
