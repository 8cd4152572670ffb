"""Events as database rows and change-log payloads; shared by every adapter.

Rules:

1. An event's row is the canonical form it is compared in: two events are the
   same when their rows are equal. Metadata is JSON with sorted keys, so equal
   dicts give equal text whatever their insertion order or ``Mapping`` type.
   Guide details are the compact JSON of ``core.details_json`` ("" for none):
   their field order is fixed, so equal details give equal text.
2. The change-log payload keeps whole events (a watcher is fed from it alone)
   as compact arrays, zlib-compressed: a 250,000-event import is ~30 MB of JSON
   and ~7x less compressed, for ~0.2 s at level 1.
"""

from __future__ import annotations

import itertools
import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from scheduleflow.server.core import details_json
from scheduleflow.server.core.model import Channel, ChannelDetails, Event, EventKind, ProgrammeDetails, TupleLike
from scheduleflow.server.core.sharing import TextPool
from scheduleflow.server.store._plan import ChannelRow
from scheduleflow.server.store.port import ChangeRecord

#: (event_id, start_us, duration_us, end_us, asset_id, title, kind, fixed_start, metadata_json, details_json)
EventRow = tuple[str, int, int, int, str, str, str, int, str, str]

_EMPTY_METADATA = "{}"
_PAYLOAD_FORMAT = 1  # bumped if the payload layout ever changes
_COMPRESS_LEVEL = 1  # speed over ratio: the payload is written inside the commit
_CHUNK = 4096  # events encoded per step, so a payload never exists uncompressed in full
# One shared string per kind rather than a fresh copy in every row.
_KIND_TEXT: dict[object, str] = {kind: kind.value for kind in EventKind}
_KIND_BY_TEXT: dict[str, EventKind] = {kind.value: kind for kind in EventKind}
#: Metadata texts a RowReader remembers before it gives up on them.
_MAX_METADATA_TEXTS = 50_000
#: Characters of JSON text a LazyRows keeps for its second and third reads.
#: Guide details are rarely shared: a 60 MB guide's 28,600 programmes made
#: 106 MB of details and metadata texts (plus the UTF-8 copies sqlite3 binds
#: non-ASCII text with), all remembered until the transaction ended. Past the
#: budget a text is made again when read again (json.dumps: cheap beside the
#: memory it would pin).
_MAX_CACHED_CHARS = 4 << 20


# Built once: json.dumps() with any non-default option builds a new encoder per
# call, which was a third of the cost of turning 250,000 events into rows.
_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def metadata_json(metadata: Mapping[str, str]) -> str:
    """Canonical JSON text of an event's metadata."""
    if not metadata:
        return _EMPTY_METADATA
    return _canonical(metadata if type(metadata) is dict else dict(metadata))


def channel_details(text: str) -> ChannelDetails | None:
    """A channel's guide details from their column ("" for none)."""
    return details_json.channel_from_json(json.loads(text)) if text else None


def channel_row(row: Sequence[Any]) -> ChannelRow:
    """A channels row from ``id, display_name, time_zone, revision, event_count,
    update_time_us, max_duration_us, log_floor, deleted, details`` (either adapter's)."""
    channel_id, name, zone, revision, count, update_time_us, max_duration_us, log_floor, deleted, details = row
    return ChannelRow(
        channel_id,
        name,
        zone,
        revision,
        count,
        update_time_us,
        max_duration_us,
        log_floor,
        bool(deleted),
        channel_details(details),
    )


def listed_channel(row: Sequence[Any]) -> Channel:
    """A channel from ``id, display_name, time_zone, revision, event_count, update_time_us, details``."""
    channel_id, name, zone, revision, count, update_time_us, details = row
    return Channel(channel_id, name, zone, revision, count, update_time_us, channel_details(details))


def event_row(event: Event, metadata_text: str | None = None, details_text: str | None = None) -> EventRow:
    """The row of ``event`` (see the module's rule 1); ``metadata_text`` and
    ``details_text`` are its metadata's and details' JSON when the caller has them already."""
    return (
        event.id,
        event.start_us,
        event.duration_us,
        event.start_us + event.duration_us,
        event.asset_id,
        event.title,
        _KIND_TEXT.get(event.kind) or str(event.kind),
        1 if event.fixed_start else 0,
        metadata_json(event.metadata) if metadata_text is None else metadata_text,
        (details_json.dumps(event.details) if details_text is None else details_text)
        if event.details is not None
        else "",
    )


class LazyRows(TupleLike[EventRow]):
    """The rows of ``events``, each made when it is asked for.

    A commit reads a row two or three times (compare, insert, change log);
    holding a quarter of a million row tuples beside the events they are made
    from was 45 MB at the peak of a big import. Making them again costs less
    than a second of CPU for that import. Events that share one metadata dict
    (or one details object) share its JSON text, remembered for the first
    50,000 objects and up to ``_MAX_CACHED_CHARS`` of text in all. The
    PostgreSQL adapter, which still needs a list, makes one from it.
    """

    __slots__ = ("_cached_chars", "_details", "_events", "_texts")

    def __init__(self, events: Sequence[Event]) -> None:
        self._events = events
        self._texts: dict[int, str] = {}  # by id(): each dict lives as long as its event
        self._details: dict[int, str] = {}  # likewise: a guide's equal details are one object
        self._cached_chars = 0

    def __len__(self) -> int:
        return len(self._events)

    def _at(self, index: int) -> EventRow:
        return self._row(self._events[index])

    def __iter__(self) -> Iterator[EventRow]:
        return map(self._row, self._events)

    def forget(self) -> None:
        """Drop the remembered texts: this channel's rows will not be read again
        (a batch commit calls it once a channel is written, so that a guide's
        channels do not hold their texts until the last one is)."""
        self._texts.clear()
        self._details.clear()
        self._cached_chars = 0

    def _remember(self, cache: dict[int, str], key: int, text: str) -> None:
        if len(cache) < _MAX_METADATA_TEXTS and self._cached_chars + len(text) <= _MAX_CACHED_CHARS:
            cache[key] = text
            self._cached_chars += len(text)

    def _row(self, event: Event) -> EventRow:
        metadata = event.metadata
        details = event.details
        details_text = ""
        if details is not None:
            found = self._details.get(id(details))
            if found is None:
                found = details_json.dumps(details)
                self._remember(self._details, id(details), found)
            details_text = found
        if not metadata:
            return event_row(event, _EMPTY_METADATA, details_text)
        text = self._texts.get(id(metadata))
        if text is None:
            text = metadata_json(metadata)
            self._remember(self._texts, id(metadata), text)
        return event_row(event, text, details_text)


class RowReader:
    """Turns rows into events, sharing what repeats: each distinct metadata
    text is decoded once and its dict shared (schedules repeat artist and
    category pairs), equal asset ids, titles and durations are one object
    (``core.sharing.TextPool``, which gives up on values that do not repeat).
    Measured on a quarter of a million rows of the import bench: 29 MB of
    event tuples and metadata dicts instead of 126 MB, beside the id and
    title strings every row brings anyway.
    """

    __slots__ = ("_details", "_metadata", "_pool")

    def __init__(self) -> None:
        self._pool = TextPool()
        self._metadata: dict[str, dict[str, str]] = {}
        self._details: dict[str, ProgrammeDetails] = {}

    def event(
        self,
        event_id: str,
        start_us: int,
        duration_us: int,
        asset_id: str,
        title: str,
        kind: str,
        fixed_start: int,
        metadata: str,
        details: str = "",
    ) -> Event:
        decoded = self._metadata.get(metadata)
        if decoded is None:
            decoded = {} if metadata == _EMPTY_METADATA else json.loads(metadata)
            decoded = self._metadata[metadata] = self._pool.share_metadata(decoded)
            if len(self._metadata) > _MAX_METADATA_TEXTS:
                self._metadata = {}  # mostly distinct: stop keeping their texts
        pool = self._pool
        return Event(
            event_id,
            start_us,
            pool.share_int(duration_us),
            pool.share(asset_id),
            pool.share(title),
            _KIND_BY_TEXT.get(kind) or EventKind(kind),
            bool(fixed_start),
            decoded,
            self._programme(details) if details else None,
        )

    def _programme(self, text: str) -> ProgrammeDetails:
        """Decoded details, shared while their texts repeat (reruns keep their guide data)."""
        found = self._details.get(text)
        if found is None:
            found = details_json.programme_from_json(json.loads(text))
            if len(self._details) < _MAX_METADATA_TEXTS:
                self._details[text] = found
        return found

    def unpacked(self, row: list[Any]) -> Event:
        """The event of an encoded row (as in a change payload: with ``end_us``)."""
        # Payloads written before guide details existed have no tenth column.
        event_id, start_us, duration_us, _end_us, asset_id, title, kind, fixed_start, metadata = row[:9]
        details = row[9] if len(row) > 9 else ""
        return self.event(event_id, start_us, duration_us, asset_id, title, kind, fixed_start, metadata, details)


#: The columns of an event that ``plays`` reads, in its order.
PLAY_COLUMNS = ("event_id", "start_us", "duration_us", "asset_id", "kind", "metadata")


def plays(rows: Iterable[Any]) -> list[Event]:
    """Events from ``PLAY_COLUMNS`` rows, carrying what the schedule rules read
    (``Store.read_continuation``): no title, hard start or guide details.

    Each distinct metadata text is decoded once and its dict shared, and all
    of them in one ``json.loads`` of an array: for the ~240 plays before a
    day's window, one call per text was half of the read. ``rows``: tuples
    (SQLite) or records (asyncpg).
    """
    rows = list(rows)
    index: dict[str, int] = {}
    for row in rows:
        index.setdefault(row[5], len(index))
    # Every stored text is a JSON object (rule 1), so joined they are an array.
    decoded: list[dict[str, str]] = json.loads("[" + ",".join(index) + "]") if index else []
    kinds = _KIND_BY_TEXT
    return [
        Event(
            event_id,
            start_us,
            duration_us,
            asset_id,
            "",
            kinds.get(kind) or EventKind(kind),
            False,
            decoded[index[metadata]],
        )
        for event_id, start_us, duration_us, asset_id, kind, metadata in rows
    ]


def encode_change(added: Iterable[EventRow], updated: Iterable[EventRow], removed_ids: Iterable[str]) -> bytes:
    """The change-log payload of one revision: the rows as they are (tuples
    encode as arrays, so no per-event repacking), compressed as they are
    encoded (a 250,000-event payload is never 30 MB of text at once)."""
    packer = zlib.compressobj(_COMPRESS_LEVEL)
    parts: list[bytes] = []

    def write(text: str) -> None:
        parts.append(packer.compress(text.encode()))

    write(f'{{"v":{_PAYLOAD_FORMAT},"a":[')
    _write_items(write, added)
    write('],"u":[')
    _write_items(write, updated)
    write('],"r":[')
    _write_items(write, removed_ids)
    write("]}")
    parts.append(packer.flush())
    return b"".join(parts)


def _write_items(write: Callable[[str], None], items: Iterable[object]) -> None:
    """Write the JSON of ``items`` without the enclosing brackets."""
    iterator = iter(items)
    separator = ""
    while chunk := list(itertools.islice(iterator, _CHUNK)):
        write(separator + _compact(chunk)[1:-1])
        separator = ","


def decode_change(payload: bytes) -> tuple[tuple[Event, ...], tuple[Event, ...], tuple[str, ...]]:
    """``(added, updated, removed_ids)`` from a payload made by :func:`encode_change`."""
    document = json.loads(zlib.decompress(payload))
    if document.get("v") != _PAYLOAD_FORMAT:
        raise ValueError(f"unknown change payload format {document.get('v')!r}")
    unpacked = RowReader().unpacked
    return (
        tuple(unpacked(item) for item in document["a"]),
        tuple(unpacked(item) for item in document["u"]),
        tuple(document["r"]),
    )


def change_record(channel_id: str, revision: int, commit_time_us: int, deleted: object, payload: bytes) -> ChangeRecord:
    """The :class:`ChangeRecord` of one row of the ``changes`` table."""
    added, updated, removed = decode_change(payload)
    return ChangeRecord(channel_id, revision, commit_time_us, added, updated, removed, bool(deleted))
