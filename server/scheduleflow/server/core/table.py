"""Events kept as columns: what a big document's events cost in memory.

A quarter of a million ``Event`` tuples, with their id and title strings and
start integers, are about 70 MB of Python objects (measured on the import
bench's events, metadata already shared), held from the parse of an import
to its commit, and their holes in the heap after. ``EventTable`` keeps the
same events in 19 MB: ids and titles packed into a few long
strings, times in integer arrays, and asset ids, kinds and metadata (which
repeat) as indexes into a palette. It is a ``Sequence[Event]``: reading an
event makes its tuple, so every function that takes events takes a table.
The parsers fill one; the code that reads a whole column (the validator)
asks for the column rather than an event at a time.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Container, Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Generic, TypeVar

from scheduleflow.server.core.model import Event, EventKind, ProgrammeDetails, TupleLike

_T = TypeVar("_T")


class _Packed:
    """Strings packed into chunks of ``_CHUNK``: one ``str`` and an offset
    array per chunk instead of one object (about 50 bytes more) per string."""

    __slots__ = ("_chunks", "_offsets", "_pending")

    _SHIFT = 10
    _CHUNK = 1 << _SHIFT

    def __init__(self) -> None:
        self._chunks: list[str] = []
        self._offsets: list[array[int]] = []
        self._pending: list[str] = []

    def append(self, text: str) -> None:
        self._pending.append(text)
        if len(self._pending) == self._CHUNK:
            self._seal()

    def _seal(self) -> None:
        offsets = array("I", [0])
        total = 0
        for text in self._pending:
            total += len(text)
            offsets.append(total)
        self._chunks.append("".join(self._pending))
        self._offsets.append(offsets)
        self._pending = []

    def __len__(self) -> int:
        return len(self._chunks) * self._CHUNK + len(self._pending)

    def __getitem__(self, index: int) -> str:
        chunk, at = index >> self._SHIFT, index & (self._CHUNK - 1)
        if chunk == len(self._chunks):
            return self._pending[at]
        offsets = self._offsets[chunk]
        return self._chunks[chunk][offsets[at] : offsets[at + 1]]

    def __iter__(self) -> Iterator[str]:
        for chunk, offsets in zip(self._chunks, self._offsets, strict=True):
            yield from map(chunk.__getitem__, map(slice, offsets, offsets[1:]))
        yield from self._pending


class _Palette(Generic[_T]):
    """Values that repeat, as an index an entry into a list of distinct values."""

    __slots__ = ("_index", "_values", "codes")

    def __init__(self) -> None:
        self._values: list[_T] = []
        self._index: dict[Hashable, int] = {}
        self.codes = array("I")

    def append(self, value: _T, key: Hashable) -> None:
        code = self._index.get(key)
        if code is None:
            code = self._index[key] = len(self._values)
            self._values.append(value)
        self.codes.append(code)

    def __getitem__(self, index: int) -> _T:
        return self._values[self.codes[index]]

    def __iter__(self) -> Iterator[_T]:
        return map(self._values.__getitem__, self.codes)


_KINDS = list(EventKind)
_KIND_CODE = {kind: code for code, kind in enumerate(_KINDS)}


class EventTable(TupleLike[Event]):
    """Events as columns (see the module); appended to by a parser, then read."""

    __slots__ = (
        "_assets",
        "_details",
        "_durations",
        "_fixed",
        "_ids",
        "_kinds",
        "_metadata",
        "_starts",
        "_titles",
    )

    def __init__(self, events: Iterable[Event] = ()) -> None:
        self._ids = _Packed()
        self._titles = _Packed()
        self._starts = array("q")
        self._durations = array("q")
        self._assets: _Palette[str] = _Palette()
        self._kinds = bytearray()
        self._fixed = bytearray()
        self._metadata: _Palette[Mapping[str, str]] = _Palette()
        # Guide details: None until the first event that has some, so a
        # document without any (native formats, generated schedules) pays
        # nothing; then one slot an event (the parts are shared objects).
        self._details: list[ProgrammeDetails | None] | None = None
        for event in events:
            self.append(event)

    def append(self, event: Event) -> None:
        self._ids.append(event.id)
        self._titles.append(event.title)
        self._starts.append(event.start_us)
        self._durations.append(event.duration_us)
        self._assets.append(event.asset_id, event.asset_id)
        self._kinds.append(_KIND_CODE[event.kind])
        self._fixed.append(event.fixed_start)
        metadata = event.metadata
        # Shared dicts (formats.TextPool shares equal ones) are one entry by
        # identity; equal dicts given apart stay apart, which costs only memory.
        self._metadata.append(metadata, id(metadata))
        details = event.details
        if details is not None and self._details is None:
            self._details = [None] * (len(self._starts) - 1)
        if self._details is not None:
            self._details.append(details)

    def set_start(self, index: int, start_us: int) -> None:
        """Move event ``index`` (a parser that reads starts after the fact)."""
        self._starts[index] = start_us

    def without(self, dropped: Container[int]) -> EventTable:
        """The table less the events at the indexes in ``dropped``."""
        return EventTable(event for index, event in enumerate(self) if index not in dropped)

    # -- columns: for code that reads one field of every event ------------

    def ids(self) -> list[str]:
        return list(self._ids)

    def starts(self) -> list[int]:
        return self._starts.tolist()

    def durations(self) -> list[int]:
        return self._durations.tolist()

    # -- Sequence[Event] ------------------------------------------------------

    def __len__(self) -> int:
        return len(self._starts)

    def _at(self, index: int) -> Event:
        return Event(
            self._ids[index],
            self._starts[index],
            self._durations[index],
            self._assets[index],
            self._titles[index],
            _KINDS[self._kinds[index]],
            bool(self._fixed[index]),
            self._metadata[index],
            None if self._details is None else self._details[index],
        )

    def __iter__(self) -> Iterator[Event]:
        return map(
            Event,
            iter(self._ids),
            self._starts,
            self._durations,
            iter(self._assets),
            iter(self._titles),
            map(_KINDS.__getitem__, self._kinds),
            map(bool, self._fixed),
            iter(self._metadata),
            iter(self._details) if self._details is not None else itertools.repeat(None),
        )


class Picked(TupleLike[Event]):
    """The events of ``events`` at ``indexes``, read when asked for: a change
    record of a 250,000-event commit names them without making them all."""

    __slots__ = ("_events", "_indexes")

    def __init__(self, events: Sequence[Event], indexes: Sequence[int]) -> None:
        self._events = events
        self._indexes = indexes

    def __len__(self) -> int:
        return len(self._indexes)

    def _at(self, index: int) -> Event:
        return self._events[self._indexes[index]]
