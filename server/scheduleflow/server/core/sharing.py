"""One object for equal values across the events of a schedule.

Pure helpers for the readers of events: the document parsers and the
stores' row readers. Events are never changed once made, so sharing their
parts is safe.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, TypeVar

_V = TypeVar("_V")
_H = TypeVar("_H", bound=Hashable)


class _Memo:
    """The first of equal values, while sharing pays (see TextPool)."""

    __slots__ = ("_lookups", "_seen", "active")

    #: Lookups before judging, and the share of new values that turns it off.
    _TRIAL = 50_000
    _MAX_NEW_SHARE = 0.5

    def __init__(self) -> None:
        self._seen: dict[Hashable, Any] = {}
        self._lookups = 0
        self.active = True

    def first(self, key: Hashable, value: _V) -> _V:
        self._lookups += 1
        found: _V = self._seen.setdefault(key, value)
        if self._lookups == self._TRIAL and len(self._seen) > self._TRIAL * self._MAX_NEW_SHARE:
            self.active = False
            self._seen = {}
        return found


class TextPool:
    """One str object for equal texts across the events of a document.

    Schedules repeat themselves: titles of reruns, asset ids of commercials,
    categories, metadata keys. Sharing one copy saves memory (a third of the
    events' footprint on the bench's schedule) and keeps reading a large
    document (or reading a channel back) close to linear, since fresh memory is the one cost per event
    that grows with the document. A document that does not repeat itself
    turns the pool off after a while rather than paying for a dictionary of
    every text in it.
    """

    __slots__ = ("_ints", "_metadata", "_texts", "_values")

    def __init__(self) -> None:
        self._texts = _Memo()
        self._ints = _Memo()
        self._metadata = _Memo()
        self._values = _Memo()

    def share(self, text: str) -> str:
        return self._texts.first(text, text) if self._texts.active else text

    def share_int(self, value: int) -> int:
        """One int object for equal values (durations repeat: 28 bytes each)."""
        return self._ints.first(value, value) if self._ints.active else value

    def share_metadata(self, metadata: dict[str, str]) -> dict[str, str]:
        """One dict for equal metadata: an artist and a category repeat as a
        pair. Events never change their metadata, so sharing it is safe."""
        if not metadata or not self._metadata.active:
            return metadata
        return self._metadata.first(tuple(metadata.items()), metadata)

    def share_value(self, value: _H) -> _H:
        """One object for equal hashable values: the parts of guide details
        (a category list, a rating with its icons, a verbatim ``<video>``)
        repeat across the programmes of a guide."""
        if not self._values.active:
            return value
        # NamedTuples compare as tuples: LangText("a", "b") == Link("a", "b"),
        # so the key holds the type, and a tuple's item type too.
        item_type = type(value[0]) if isinstance(value, tuple) and type(value) is tuple and value else None
        return self._values.first((type(value), item_type, value), value)
