"""Playlists, schedule rules and the schedule report, as plain values.

These mirror the messages of ``protos/scheduleflow/v1/schedule.proto``
(PlaylistItem, Playlist, PlaybackOrder, BlockedPolicy, Daypart, ScheduleRules,
Relaxation, ItemPlays, ScheduleReport) so that the generation engine
(``core.generate``) stays free of protobuf; one module elsewhere converts.

Conventions (those of ``core.model``):

1. Spans are ``int`` microseconds; a rule whose span is 0 is off.
2. Values are frozen dataclasses with slots: picklable across the process pool.
3. Proto "unset" values map to the defaults here: an unset weight (0.0 in
   proto3) is 1.0, an unset per-item cooldown is ``None`` (use the rules'),
   ``*_UNSPECIFIED`` enums are SEQUENTIAL and RELAX.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from scheduleflow.server.core.model import EventKind, Finding, Window


class PlaybackOrder(enum.StrEnum):
    """How items are drawn from a playlist (proto ``PLAYBACK_ORDER_<value>``)."""

    #: In the order given, repeating from the top.
    SEQUENTIAL = "SEQUENTIAL"
    #: Each item once per cycle, reshuffled every cycle.
    SHUFFLE = "SHUFFLE"
    #: Independent draws by weight.
    WEIGHTED_RANDOM = "WEIGHTED_RANDOM"
    #: Groups (shows) shuffled, each group's items in episode order.
    SHUFFLE_GROUPS = "SHUFFLE_GROUPS"


class BlockedPolicy(enum.StrEnum):
    """What the engine does when no item is eligible (proto ``BLOCKED_POLICY_<value>``)."""

    #: Air the least-violating item and report the relaxation.
    RELAX = "RELAX"
    #: Air filler until the earliest item becomes eligible.
    WAIT_WITH_FILLER = "WAIT_WITH_FILLER"


class GroupKey(enum.StrEnum):
    """The item attributes a separation rule can apply to."""

    ARTIST = "artist"
    CATEGORY = "category"
    SHOW = "show"


@dataclass(frozen=True, slots=True)
class PlaylistItem:
    """One item a playlist can schedule."""

    id: str
    duration_us: int
    #: The media; empty means the same as ``id``.
    asset_id: str = ""
    title: str = ""
    #: Relative weight for WEIGHTED_RANDOM; must be positive.
    weight: float = 1.0
    artist: str = ""
    category: str = ""
    show: str = ""
    #: Episode number within ``show``, for SHUFFLE_GROUPS.
    episode: int = 0
    tags: tuple[str, ...] = ()
    kind: EventKind = EventKind.PROGRAM
    #: Overrides ``ScheduleRules.item_cooldown_us`` for this item (0 = none).
    cooldown_us: int | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def effective_asset_id(self) -> str:
        return self.asset_id or self.id


@dataclass(frozen=True, slots=True)
class Playlist:
    """The material ``generate`` draws from."""

    items: tuple[PlaylistItem, ...]
    order: PlaybackOrder = PlaybackOrder.SEQUENTIAL
    #: Items used to pad time no regular item fits (exempt from cooldowns).
    filler: tuple[PlaylistItem, ...] = ()


@dataclass(frozen=True, slots=True)
class Daypart:
    """Rules for a local-time range of the day, in the channel's zone.

    During the range only items whose category is in ``categories`` or that
    carry one of ``tags`` start (both empty: every item). ``end_local`` before
    ``start_local`` runs past midnight; equal means the whole day.
    """

    #: "HH:MM", local wall-clock time.
    start_local: str
    end_local: str
    #: ISO days of week (1 = Monday ... 7 = Sunday) on which the range starts; empty = every day.
    days_of_week: tuple[int, ...] = ()
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    #: A boundary in an hour the clocks repeat takes its second occurrence
    #: (the first by default); see ``generate_dayparts``.
    second_occurrence: bool = False


class SlotContent(enum.StrEnum):
    """What a time slot airs."""

    #: The show's next episode (episode order, continued across windows).
    SHOW = "show"
    #: One playlist item, by id.
    ITEM = "item"
    #: Draws from the items of a category, in the playlist's order.
    CATEGORY = "category"
    #: Draws from the items carrying a tag, in the playlist's order.
    TAG = "tag"


@dataclass(frozen=True, slots=True)
class TimeSlot:
    """A slot of the weekly grid: at ``start_local`` on ``days_of_week`` (local
    time in the channel's zone) air ``content``/``value`` for ``length_us``, or
    until the next slot when 0. Fixed events win over slots; slots win over
    dayparts; the time between slots is filled from the playlist under the rules.
    """

    #: "HH:MM", local wall-clock time.
    start_local: str
    content: SlotContent
    #: The show name, item id, category or tag.
    value: str
    #: ISO days of week (1 = Monday ... 7 = Sunday); empty = every day.
    days_of_week: tuple[int, ...] = ()
    #: How long the slot holds; 0: until the next slot starts.
    length_us: int = 0
    #: A start in an hour the clocks repeat takes its second occurrence.
    second_occurrence: bool = False


@dataclass(frozen=True, slots=True)
class GroupRule:
    """A separation for one artist, category or show, overriding the rules' default.

    Not (yet) in the proto: the issue asks for rules "per item or per group";
    per item is ``PlaylistItem.cooldown_us``, per group is this.
    """

    key: GroupKey
    value: str
    separation_us: int


@dataclass(frozen=True, slots=True)
class ScheduleRules:
    """Rules for ``generate``. Zero spans turn a rule off.

    Cooldowns and separations are measured start to start, as ``core.validate``
    measures them: a 3-hour cooldown on an item that starts at 09:00 lets it
    start again at 12:00, not before.
    """

    item_cooldown_us: int = 0
    artist_separation_us: int = 0
    category_separation_us: int = 0
    show_separation_us: int = 0
    when_blocked: BlockedPolicy = BlockedPolicy.RELAX
    dayparts: tuple[Daypart, ...] = ()
    #: Pad leftover time no filler item fits with one FILLER event of the exact
    #: length and this asset id (empty: leave the time unfilled and report it).
    gap_filler_asset_id: str = ""
    group_rules: tuple[GroupRule, ...] = ()
    #: The weekly grid of time slots, in the channel's local time.
    time_slots: tuple[TimeSlot, ...] = ()


@dataclass(frozen=True, slots=True)
class Relaxation:
    """One rule the engine bent, and where."""

    #: "item_cooldown", "artist_separation", "category_separation" or "show_separation".
    rule: str
    event_id: str
    item_id: str
    #: How much earlier than the rule allows the item started.
    shortfall_us: int
    message: str


@dataclass(frozen=True, slots=True)
class ItemPlays:
    """How often one playlist item airs in the result, and how evenly.

    Spacings are start to start between consecutive plays; 0 with fewer than
    two plays.
    """

    item_id: str
    count: int
    min_spacing_us: int
    max_spacing_us: int


@dataclass(frozen=True, slots=True)
class ScheduleReport:
    """What ``generate`` did and what it had to bend."""

    #: Time covered by events inside the window / window length, 0..1.
    fill_ratio: float
    #: Spans of the window no event covers, in order.
    unfilled: tuple[Window, ...]
    #: Plays of an item that already aired earlier in the window.
    repeats: int
    #: Every rule bent, in time order (capped; ``notes`` then give the total).
    relaxations: tuple[Relaxation, ...]
    #: One entry per playlist item, in playlist order (count 0 if never aired).
    plays: tuple[ItemPlays, ...]
    filler_events: int
    notes: tuple[str, ...]
    #: INFO findings: local times of dayparts and slots that the clocks skip
    #: or repeat, and the instant each was given.
    findings: tuple[Finding, ...] = ()
