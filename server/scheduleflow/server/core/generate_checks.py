"""Up-front checks of a generation request: every problem at once, by field.

Field paths follow the proto (``playlist.items[3].duration``,
``rules.dayparts[0].start_local``) so the caller can point at what to fix.
Only input that cannot mean anything is rejected; input that is merely
unlucky (a cooldown nothing can satisfy, too little material) is generated
and reported instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduleflow.server.core.errors import InvalidInput, Violation
from scheduleflow.server.core.generate_dayparts import parse_local_time
from scheduleflow.server.core.model import MAX_DURATION_US, MAX_INSTANT_US, MIN_INSTANT_US, Event, Location, Window
from scheduleflow.server.core.playlist import Daypart, PlaylistItem, ScheduleRules, SlotContent, TimeSlot

# Dayparts read local dates one day either side of the window; keep clear of
# the ends of ``datetime`` (years 1 and 9999).
_DAYPART_MIN_US = -62_104_060_800_000_000  # 0002-01-01T00:00:00Z
_DAYPART_MAX_US = 253_370_678_400_000_000  # 9998-12-31T00:00:00Z


class _Collector:
    def __init__(self) -> None:
        self.violations: list[Violation] = []

    def bad(self, field: str, description: str) -> None:
        self.violations.append(Violation(Location(field=field), description))

    def raise_if_any(self) -> None:
        if not self.violations:
            return
        first = self.violations[0].describe()
        more = len(self.violations) - 1
        message = first if not more else f"{first} (and {more} more problem{'s' if more > 1 else ''})"
        raise InvalidInput(message, self.violations)


def check_request(
    *,
    window: Window,
    time_zone: str,
    items: Sequence[PlaylistItem],
    filler: Sequence[PlaylistItem],
    rules: ScheduleRules,
    fixed_events: Sequence[Event],
    max_relaxations: int,
) -> ZoneInfo:
    """Raise ``InvalidInput`` listing every problem, or return the channel's zone."""
    out = _Collector()
    if window.end_us <= window.start_us:
        out.bad("window", "the window's end must be after its start")
    if window.start_us < MIN_INSTANT_US or window.end_us > MAX_INSTANT_US:
        out.bad("window", "the window must lie between years 0001 and 9999")
    zone: ZoneInfo | None = None
    try:
        zone = ZoneInfo(time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError, OSError):
        out.bad("time_zone", f"unknown time zone {time_zone!r}; use an IANA name such as 'Europe/London'")

    if not items:
        out.bad("playlist.items", "the playlist has no items")
    _check_items(items, "playlist.items", out)
    _check_items(filler, "playlist.filler", out)
    _check_rules(rules, items, window, out)
    if max_relaxations < 0:
        out.bad("max_relaxations", "must not be negative")
    for k, ev in enumerate(fixed_events):
        if ev.duration_us <= 0:
            out.bad(f"fixed_events[{k}].duration", f"event {ev.id!r} has a non-positive duration")

    span = window.end_us - window.start_us
    # Filler airs where no item fits (a 10-minute window, 30-minute items and
    # a 1-minute jingle is ten jingles), so only a window nothing fits is refused.
    if (
        span > 0
        and items
        and all(it.duration_us > span for it in items if it.duration_us > 0)
        and all(f.duration_us > span for f in filler if f.duration_us > 0)
    ):
        shortest = min(it.duration_us for it in items)
        out.bad(
            "playlist.items",
            f"every item and filler item is longer than the window ({shortest} us > {span} us); nothing can air",
        )
    out.raise_if_any()
    assert zone is not None  # a bad zone raised above
    return zone


def _check_items(items: Sequence[PlaylistItem], prefix: str, out: _Collector) -> None:
    seen: dict[str, int] = {}
    for k, it in enumerate(items):
        here = f"{prefix}[{k}]"
        if not it.id.strip():
            out.bad(f"{here}.id", "an item needs an id")
        elif it.id in seen:
            out.bad(f"{here}.id", f"duplicate id {it.id!r} (first at {prefix}[{seen[it.id]}])")
        else:
            seen[it.id] = k
        if it.duration_us <= 0:
            out.bad(f"{here}.duration", f"item {it.id!r}: the duration must be positive")
        elif it.duration_us > MAX_DURATION_US:
            out.bad(f"{here}.duration", f"item {it.id!r}: the duration exceeds 366 days")
        if not (math.isfinite(it.weight) and it.weight > 0):
            out.bad(f"{here}.weight", f"item {it.id!r}: the weight must be a positive number")
        if it.cooldown_us is not None and it.cooldown_us < 0:
            out.bad(f"{here}.cooldown", f"item {it.id!r}: the cooldown must not be negative")


def _check_rules(rules: ScheduleRules, items: Sequence[PlaylistItem], window: Window, out: _Collector) -> None:
    for name, value in (
        ("item_cooldown", rules.item_cooldown_us),
        ("artist_separation", rules.artist_separation_us),
        ("category_separation", rules.category_separation_us),
        ("show_separation", rules.show_separation_us),
    ):
        if value < 0:
            out.bad(f"rules.{name}", "must not be negative")
    for k, g in enumerate(rules.group_rules):
        if g.separation_us < 0:
            out.bad(f"rules.group_rules[{k}].separation", "must not be negative")
        if not g.value:
            out.bad(f"rules.group_rules[{k}].value", f"name the {g.key.value} the rule applies to")
    if rules.dayparts and (window.start_us < _DAYPART_MIN_US or window.end_us > _DAYPART_MAX_US):
        out.bad("window", "dayparts need a window between years 0002 and 9998")
    for k, dp in enumerate(rules.dayparts):
        _check_daypart(dp, f"rules.dayparts[{k}]", items, out)
    if rules.time_slots and (window.start_us < _DAYPART_MIN_US or window.end_us > _DAYPART_MAX_US):
        out.bad("window", "time slots need a window between years 0002 and 9998")
    for k, slot in enumerate(rules.time_slots):
        _check_slot(slot, f"rules.time_slots[{k}]", items, out)


def _check_daypart(dp: Daypart, here: str, items: Sequence[PlaylistItem], out: _Collector) -> None:
    for name, text in (("start_local", dp.start_local), ("end_local", dp.end_local)):
        if parse_local_time(text) is None:
            out.bad(f"{here}.{name}", f"expected a local time as HH:MM (00:00 to 24:00), got {text!r}")
    if any(not 1 <= d <= 7 for d in dp.days_of_week):
        out.bad(f"{here}.days_of_week", "days are ISO numbers, 1 (Monday) to 7 (Sunday)")
    if (dp.categories or dp.tags) and not any(daypart_admits(dp, it) for it in items):
        out.bad(here, "no playlist item has one of the daypart's categories or tags")


def _check_slot(slot: TimeSlot, here: str, items: Sequence[PlaylistItem], out: _Collector) -> None:
    if parse_local_time(slot.start_local) is None:
        out.bad(f"{here}.start_local", f"expected a local time as HH:MM (00:00 to 24:00), got {slot.start_local!r}")
    if any(not 1 <= d <= 7 for d in slot.days_of_week):
        out.bad(f"{here}.days_of_week", "days are ISO numbers, 1 (Monday) to 7 (Sunday)")
    if slot.length_us < 0:
        out.bad(f"{here}.length", "must not be negative (0: until the next slot)")
    if not slot.value:
        out.bad(here, f"name the {slot.content.value} the slot airs")
    elif not any(slot_admits(slot, it) for it in items):
        out.bad(here, f"no playlist item matches the slot's {slot.content.value} {slot.value!r}")


def slot_admits(slot: TimeSlot, item: PlaylistItem) -> bool:
    """Whether ``item`` may start in ``slot``."""
    match slot.content:
        case SlotContent.SHOW:
            return item.show == slot.value
        case SlotContent.ITEM:
            return item.id == slot.value
        case SlotContent.CATEGORY:
            return item.category == slot.value
        case _:
            return slot.value in item.tags


def daypart_admits(dp: Daypart, item: PlaylistItem) -> bool:
    """Whether ``item`` may start during ``dp``."""
    if not dp.categories and not dp.tags:
        return True
    return item.category in dp.categories or any(tag in dp.tags for tag in item.tags)
