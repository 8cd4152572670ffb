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
    """The first of equal values, while sharing pays (see TextPool).

    Whether it pays is judged again each time the lookups double, from
    ``trial`` on: a memo whose values are more than half new so far turns
    itself off and forgets what it holds. Judged once, at 50,000 lookups,
    a guide of 28,600 programmes never reached the verdict, and the memo of
    its metadata (every one distinct, each kept as a tuple of its items) held
    29 MB until the parse ended: a third of the parse's peak. The first
    verdict should not come too soon either: a schedule's repeats can have a
    long period (5,000 asset ids in rotation), and its first events then look
    new.
    """

    __slots__ = ("_lookups", "_next_verdict", "_seen", "active")

    #: Lookups before the first verdict, and the share of new values that turns it off.
    _TRIAL = 8192
    _MAX_NEW_SHARE = 0.5

    def __init__(self, trial: int = _TRIAL) -> None:
        self._seen: dict[Hashable, Any] = {}
        self._lookups = 0
        self._next_verdict = trial
        self.active = True

    def first(self, key: Hashable, value: _V) -> _V:
        self._lookups += 1
        found: _V = self._seen.setdefault(key, value)
        if self._lookups == self._next_verdict:
            self._next_verdict *= 2
            if len(self._seen) > self._lookups * self._MAX_NEW_SHARE:
                self.active = False
                self._seen = {}
        return found


#: The metadata memo's first verdict (see TextPool.__init__).
_METADATA_TRIAL = 1024


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
        # Its keys are tuples of the items: a memo that does not pay costs
        # more per lookup than the others, so it is judged sooner.
        self._metadata = _Memo(_METADATA_TRIAL)
        #: One memo per kind of value (see share_value).
        self._values: dict[tuple[type, type | None], _Memo] = {}

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
        # NamedTuples compare as tuples: LangText("a", "b") == Link("a", "b"),
        # so each type (and a tuple's item type) has a memo of its own. The
        # value is its own key there: a (type, value) key per value would be
        # 64 bytes more for every distinct part of a guide.
        item_type = type(value[0]) if isinstance(value, tuple) and type(value) is tuple and value else None
        kind = (type(value), item_type)
        memo = self._values.get(kind)
        if memo is None:
            memo = self._values[kind] = _Memo()
        return memo.first(value, value) if memo.active else value
