"""The storage port: what the service needs from a database, and nothing more.

Rules every adapter keeps (the contract tests in ``tests/unit/store`` check them):

1. **One commit, one transaction.** ``commit_events``, ``commit_channels`` (several
   channels at once) and ``delete_channel`` are all or nothing: an error, a crash or a kill leaves the channel exactly as it
   was; an acknowledged commit is durable.
2. **Revisions only go forward.** Every change to a channel's events gets the
   next revision and one :class:`ChangeRecord`. A channel id keeps counting
   after it is deleted and created again, so a resume point can never land in
   the history of another incarnation. A channel that is absent (never made,
   or deleted) has revision 0 for ``expected_revision`` checks.
3. **Name and time zone are not schedule changes.** ``upsert_channel`` and the
   ``channel`` info of a commit update them in place without a revision: a
   :class:`ChangeRecord` carries events, and a watcher would gain nothing from
   an empty one.
4. **Intervals are half-open.** An event ``[start, start + duration)`` overlaps
   ``[a, b)`` when ``start < b and end > a``, for window reads and for merge
   conflicts alike.
5. **Reads are snapshots.** ``list_events`` and ``read_events`` read the events
   and the revision in one read transaction. Paging is keyset paging on
   ``(start, id)``; a page token is bound to the channel, the window and the
   revision it was issued at, and a later page of a channel that changed in
   between raises :class:`RevisionMismatch` (ABORTED: restart from page one)
   rather than silently mixing two revisions.
6. **Blocking calls never run on the event loop.**
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from scheduleflow.server.core.model import Channel, ChannelInfo, Event, Window
from scheduleflow.server.core.reconcile import AsRunEntry

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "ChangeRecord",
    "ChannelCommit",
    "CommitResult",
    "Continuation",
    "ImportMode",
    "Store",
]

#: Page size used when a caller asks for 0 (AIP-158: "the server decides").
DEFAULT_PAGE_SIZE = 1000
#: Larger requests are coerced down to this (AIP-158), which bounds one reply.
MAX_PAGE_SIZE = 10_000


class ImportMode(enum.StrEnum):
    """How a commit's events combine with the stored ones."""

    #: Stored events overlapping the commit's window are replaced by the new set.
    REPLACE_WINDOW = "REPLACE_WINDOW"
    #: Every stored event is replaced by the new set.
    REPLACE_ALL = "REPLACE_ALL"
    #: Events are added or updated by id; none are removed; overlapping a stored
    #: event that stays in place is a conflict.
    MERGE = "MERGE"


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    """One committed revision of one channel: enough to feed a watcher.

    ``added`` and ``updated`` hold whole events (the new versions);
    ``removed_ids`` the ids that left. A record with ``channel_deleted`` says the
    channel and all its events went away; its ``removed_ids`` is empty rather
    than listing what may be a million ids.
    """

    channel_id: str
    revision: int
    commit_time_us: int
    #: Sequences the record may share with the commit's events (``Picked``);
    #: ``settled()`` makes them tuples of their own.
    added: Sequence[Event]
    updated: Sequence[Event]
    removed_ids: tuple[str, ...]
    channel_deleted: bool = False

    def settled(self) -> ChangeRecord:
        """This record holding only its own events, as tuples: a view into a
        big commit's events would keep all of them alive with it."""
        if type(self.added) is tuple and type(self.updated) is tuple:
            return self
        return dataclasses.replace(self, added=tuple(self.added), updated=tuple(self.updated))


@dataclass(frozen=True, slots=True)
class CommitResult:
    """What a commit did (or, for a dry run, would do).

    ``channel`` is the channel after the commit, or as it would be for a dry
    run. ``change`` is ``None`` for dry runs, replays and commits that changed
    no event.
    """

    channel: Channel
    added: int
    updated: int
    removed: int
    unchanged: int
    dry_run: bool
    replayed: bool
    change: ChangeRecord | None


@dataclass(frozen=True, slots=True)
class ChannelCommit:
    """The arguments of one channel's ``commit_events``, for ``commit_channels``."""

    channel_id: str
    events: Sequence[Event]
    mode: ImportMode
    window: Window | None
    channel: ChannelInfo | None = None
    expected_revision: int | None = None
    dry_run: bool = False
    idempotency_key: str = ""
    fingerprint: str = ""


@dataclass(frozen=True, slots=True)
class SavedPlayoutState:
    """A channel's playout state as stored: where its playback orders stood at
    ``at_us`` (the end of the window that produced it), written by the commit
    that made ``revision``. ``state`` is canonical JSON (``core.playout_state``)."""

    at_us: int
    revision: int
    save_time_us: int
    state: str


@dataclass(frozen=True, slots=True)
class Continuation:
    """What a Schedule of a window continues from (``Store.read_continuation``):
    the plays stored around the window, and the playout state in effect at
    its start (``None``: none saved, or not asked for)."""

    plays: list[Event]
    state: SavedPlayoutState | None


class Store(Protocol):
    """A durable home for channels, their events and their change logs.

    Errors are the domain ones from :mod:`scheduleflow.server.core.errors`:
    ``NotFound`` for an absent channel, ``InvalidInput`` for bad arguments
    (with the field), ``RevisionMismatch`` for a stale ``expected_revision``,
    ``FailedPrecondition`` for merge conflicts and reused idempotency keys,
    ``Unavailable`` when the database cannot be reached or stays busy.
    """

    #: ``"sqlite"`` or ``"postgresql"``: shown in stats and health output.
    kind: str

    async def open(self) -> None:
        """Connect and bring the schema up to date (idempotent migrations)."""
        ...

    async def close(self) -> None:
        """Wait for calls in flight, then release every connection."""
        ...

    async def ping(self) -> None:
        """Return if the database answers; raise ``Unavailable`` otherwise."""
        ...

    async def upsert_channel(self, info: ChannelInfo) -> Channel:
        """Create the channel, or update its non-empty name and time zone.

        A new channel gets ``display_name = id`` and ``time_zone = "UTC"`` for
        the parts ``info`` leaves empty. No revision is spent (rule 3).
        """
        ...

    async def get_channel(self, channel_id: str) -> Channel:
        """The channel; ``NotFound`` if absent."""
        ...

    async def list_channels(self, *, page_size: int, page_token: str) -> tuple[list[Channel], str]:
        """One page of channels ordered by id, and the next token (``""`` at the end)."""
        ...

    async def delete_channel(self, channel_id: str, *, expected_revision: int | None = None) -> int:
        """Delete the channel and its events; return the revision of the deletion.

        The deletion spends a revision and writes a ``channel_deleted`` record,
        so watchers learn of it through the change log.
        """
        ...

    async def list_events(
        self, channel_id: str, *, window: Window | None, page_size: int, page_token: str
    ) -> tuple[list[Event], str, int]:
        """One page of the events overlapping ``window`` (all if ``None``), by
        ``(start, id)``; returns ``(events, next_token, revision)``."""
        ...

    async def read_events(self, channel_id: str, window: Window | None) -> tuple[Channel, list[Event]]:
        """Every event overlapping ``window`` (all if ``None``), by ``(start, id)``,
        with the channel they were read at, in one snapshot."""
        ...

    async def commit_events(
        self,
        channel_id: str,
        events: Sequence[Event],
        *,
        mode: ImportMode,
        window: Window | None,
        channel: ChannelInfo | None = None,
        expected_revision: int | None = None,
        dry_run: bool = False,
        idempotency_key: str = "",
        fingerprint: str = "",
    ) -> CommitResult:
        """Apply ``events`` to the channel in one transaction (see the module rules).

        ``window`` is required by ``REPLACE_WINDOW`` and ignored by the other
        modes. An ``idempotency_key`` seen before on this channel with the same
        ``fingerprint`` returns the first result with ``replayed=True``; with
        another fingerprint it raises ``FailedPrecondition``. Dry runs neither
        read nor record keys.
        """
        ...

    async def commit_channels(self, commits: Sequence[ChannelCommit]) -> list[CommitResult]:
        """Several ``commit_events`` in one transaction: every channel or none.

        Each commit keeps its own rules (expected revision, idempotency key,
        one revision and one change record per channel). Channels are locked
        in id order, so two concurrent multi-channel commits cannot deadlock;
        the results come in the order of ``commits``. A channel may appear
        once; ``dry_run`` must be the same for all.
        """
        ...

    async def changes_since(self, channel_id: str, revision: int, *, limit: int = 1000) -> list[ChangeRecord] | None:
        """Records with a revision above ``revision``, oldest first, at most ``limit``.

        ``None`` when the log cannot continue from ``revision``: records after
        it were pruned, or ``revision`` is ahead of the channel (a history this
        store never had). The caller then starts over from a snapshot.
        """
        ...

    async def save_asrun(
        self, channel_id: str, entries: Sequence[AsRunEntry], *, window: Window, schedule_revision: int
    ) -> int:
        """Store an as-run log of the (live) channel; return its id. No
        revision is spent: what aired is not a schedule change (``_asruns``)."""
        ...

    async def read_asruns(self, channel_id: str, window: Window | None) -> list[AsRunEntry]:
        """The stored as-run entries overlapping ``window`` (``_asruns`` rule 3);
        ``NotFound`` for an absent channel."""
        ...

    async def prune_changes(self, channel_id: str, *, keep_last: int) -> int:
        """Keep the newest ``keep_last`` records of the channel's log; return how many went."""
        ...

    async def read_playout_state(self, channel_id: str, *, at_us: int | None = None) -> SavedPlayoutState | None:
        """The state in effect at ``at_us``: the one saved at the latest instant
        at or before it (the latest of all when ``None``); ``None`` if there is
        none. ``NotFound`` for an absent channel."""
        ...

    async def read_continuation(
        self, channel_id: str, window: Window, *, lookback_us: int, reach_us: int, with_state: bool = True
    ) -> Continuation:
        """What a Schedule of ``window`` continues from, in one snapshot: the
        events that end in the ``lookback_us`` before the window's start (at
        or before it) and those that start in the ``reach_us`` from its end
        (at or after it), by ``(start, id)`` (a side whose span is 0 or less
        is not read); and, with ``with_state``, the playout state in effect
        at the window's start (as ``read_playout_state``).

        The events carry what the schedule rules read: id, start, duration,
        asset id, kind and metadata. Title, hard start and guide details are
        left at their defaults: decoding them was most of the read's cost,
        and a Schedule never returns these events. ``NotFound`` for an absent channel.
        """
        ...

    async def save_playout_state(self, channel_id: str, *, from_us: int, at_us: int, revision: int, state: str) -> None:
        """Save the state at ``at_us`` reached by a window starting at
        ``from_us``: the states saved after ``from_us`` followed from a
        schedule this one replaces, so they go. ``NotFound`` for an absent channel."""
        ...

    async def reset_playout_state(self, channel_id: str, *, after_us: int | None = None) -> int:
        """Forget the states saved after ``after_us`` (all when ``None``); how
        many went. The next Schedule then resumes from the one before, or
        starts every order afresh. ``NotFound`` for an absent channel."""
        ...
