"""Playout state: what a schedule that continues needs to resume, as a plain value.

Rules:

1. The state is what the playback orders and shows had reached at an instant
   (the end of the window that produced it): the next episode of each show,
   the rest of each shuffle cycle, the next item of each sequential run, and
   how often each item has aired (the weighted draws' history). History read
   from the store says which rules bind; the state says where each order is.
2. Everything is named by playlist item id (or show name), never by position,
   so a playlist that gains or loses items between windows still resumes: a
   stored id the playlist no longer has is skipped, an item the state does not
   name waits for the next cycle (a deck never plays an item twice in one
   cycle), a show's next episode is the first one after the last that aired.
3. Orders are kept per context: ``""`` outside every daypart, and a key that
   spells the daypart (its times, days, categories and tags) for each daypart,
   so that reordering the dayparts of a request does not mix their decks.
4. The JSON form (``to_json``/``from_json``) is canonical (sorted keys, no
   spaces): the same state is the same bytes, which is what the store keeps
   and what GetPlayoutState shows.
5. The same request, seed and state give the same schedule byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.playlist import Daypart, TimeSlot

__all__ = ["PlayoutState", "context_key", "slot_key"]

#: Bumped when the JSON layout changes; older states are read, newer refused.
_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayoutState:
    """Where a channel's playback orders stand at an instant."""

    #: Show name -> item id of the episode that aired last.
    episodes: Mapping[str, str] = field(default_factory=dict)
    #: Context key -> item ids (or, for SHUFFLE_GROUPS, show names and
    #: ``"\x00"``-prefixed item ids) left in the current shuffle cycle, in order.
    decks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Context key -> item id a SEQUENTIAL run airs next.
    cursors: Mapping[str, str] = field(default_factory=dict)
    #: Item id -> plays so far (every order; WEIGHTED_RANDOM's draw history).
    plays: Mapping[str, int] = field(default_factory=dict)
    #: The item that aired last (held back from airing again back to back).
    last_item: str = ""

    @property
    def empty(self) -> bool:
        return not (self.episodes or self.decks or self.cursors or self.plays or self.last_item)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": _VERSION,
                "episodes": dict(self.episodes),
                "decks": {k: list(v) for k, v in self.decks.items()},
                "cursors": dict(self.cursors),
                "plays": dict(self.plays),
                "last_item": self.last_item,
            },
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> PlayoutState:
        """The state ``to_json`` wrote; ``InvalidInput`` for anything else."""
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict) or int(doc.get("version", 0)) > _VERSION:
                raise ValueError("not a playout state this server can read")
            return cls(
                episodes={str(k): str(v) for k, v in doc.get("episodes", {}).items()},
                decks={str(k): tuple(str(x) for x in v) for k, v in doc.get("decks", {}).items()},
                cursors={str(k): str(v) for k, v in doc.get("cursors", {}).items()},
                plays={str(k): int(v) for k, v in doc.get("plays", {}).items()},
                last_item=str(doc.get("last_item", "")),
            )
        except (ValueError, TypeError, AttributeError) as exc:
            raise InvalidInput.at(f"unreadable playout state: {exc}", field="state") from exc


def context_key(daypart: Daypart | None) -> str:
    """The state's key of a context (rule 3)."""
    if daypart is None:
        return ""
    days = ",".join(str(d) for d in daypart.days_of_week)
    return (
        f"daypart {daypart.start_local}-{daypart.end_local} days={days} "
        f"categories={','.join(daypart.categories)} tags={','.join(daypart.tags)}"
    )


def slot_key(slot: TimeSlot) -> str:
    """The state's key of a time slot's context (rule 3)."""
    days = ",".join(str(d) for d in slot.days_of_week)
    return f"slot {slot.start_local} days={days} {slot.content.value}={slot.value}"
