"""Argument checks every adapter runs before touching its database.

The service validates documents long before they reach the store; these checks
are the last line, so that no adapter can be talked into storing something the
next read could not give back (a negative span breaks the window index bound,
a duplicate id breaks the by-id key).
"""

from __future__ import annotations

from collections.abc import Sequence

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import ChannelInfo, Event, Window
from scheduleflow.server.store.port import ImportMode


def check_channel_id(channel_id: str, *, field: str = "channel_id") -> None:
    if not channel_id:
        raise InvalidInput.at("a channel id is required", field=field)


def check_window(window: Window | None) -> None:
    if window is not None and window.end_us <= window.start_us:
        raise InvalidInput.at("the window must end after it starts", field="window")


def check_revision(expected_revision: int | None) -> None:
    if expected_revision is not None and expected_revision < 0:
        raise InvalidInput.at("must not be negative", field="expected_revision")


def check_changes_since(channel_id: str, revision: int, limit: int) -> None:
    check_channel_id(channel_id)
    if revision < 0:
        raise InvalidInput.at("must not be negative", field="revision")
    if limit < 1:
        raise InvalidInput.at("must be positive", field="limit")


def check_prune(channel_id: str, keep_last: int) -> None:
    check_channel_id(channel_id)
    if keep_last < 0:
        raise InvalidInput.at("must not be negative", field="keep_last")


def check_commit(
    channel_id: str,
    events: Sequence[Event],
    mode: ImportMode,
    window: Window | None,
    channel: ChannelInfo | None,
    expected_revision: int | None,
) -> None:
    """Everything about a commit that can be judged without the database."""
    check_channel_id(channel_id)
    if channel is not None and channel.id and channel.id != channel_id:
        raise InvalidInput.at(f"names channel {channel.id!r}, the request {channel_id!r}", field="channel.id")
    if mode is ImportMode.REPLACE_WINDOW and window is None:
        raise InvalidInput.at("REPLACE_WINDOW needs a window", field="window")
    check_window(window)
    check_revision(expected_revision)
    seen: set[str] = set()
    for index, event in enumerate(events):
        if not event.id:
            raise InvalidInput.at("an event id is required", field=f"events[{index}].id")
        if event.id in seen:
            raise InvalidInput.at(f"event id {event.id!r} appears more than once", field=f"events[{index}].id")
        seen.add(event.id)
        if event.duration_us < 0:
            raise InvalidInput.at("a duration must not be negative", field=f"events[{index}].duration")
