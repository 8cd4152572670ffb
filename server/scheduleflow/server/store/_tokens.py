"""Opaque page tokens for keyset paging; shared by every adapter.

A token is URL-safe base64 of a small JSON object. It is opaque to callers (the
format may change), but it is not a secret and not signed: everything in it is
re-checked against the request, and a forged one can only page through data
the caller may read anyway. Anything that does not decode to the expected
shape is ``InvalidInput`` on ``page_token``.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import Event, Window
from scheduleflow.server.store.port import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

_FIELD = "page_token"


def page_size(requested: int) -> int:
    """AIP-158: 0 means the default, more than the maximum is coerced down."""
    if requested < 0:
        raise InvalidInput.at("must not be negative", field="page_size")
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    return min(requested, MAX_PAGE_SIZE)


def _encode(document: dict[str, Any]) -> str:
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(token: str, kind: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        document = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput.at("not a page token issued by this service", field=_FIELD) from exc
    if not isinstance(document, dict) or document.get("k") != kind:
        raise InvalidInput.at("not a page token issued for this list", field=_FIELD)
    return document


def encode_channel_token(last_id: str) -> str:
    """The token of the page after the channel ``last_id``."""
    return _encode({"k": "channels", "a": last_id})


def decode_channel_token(token: str) -> str:
    """The id after which the next page of channels starts."""
    last_id = _decode(token, "channels").get("a")
    if not isinstance(last_id, str):
        raise InvalidInput.at("malformed page token", field=_FIELD)
    return last_id


@dataclass(frozen=True, slots=True)
class EventCursor:
    """Where the next page of events starts, and what it was issued for."""

    channel_id: str
    window: Window | None
    revision: int
    last_start_us: int
    last_id: str


def encode_event_token(cursor: EventCursor) -> str:
    """The token of the page after ``cursor``."""
    window = None if cursor.window is None else [cursor.window.start_us, cursor.window.end_us]
    return _encode(
        {
            "k": "events",
            "c": cursor.channel_id,
            "w": window,
            "r": cursor.revision,
            "s": cursor.last_start_us,
            "i": cursor.last_id,
        }
    )


def decode_event_token(token: str, channel_id: str, window: Window | None) -> EventCursor:
    """The cursor in ``token``; ``InvalidInput`` unless it was issued for this
    channel and window (a token is only valid for the request that made it)."""
    document = _decode(token, "events")
    raw_window, revision, start, last_id = document.get("w"), document.get("r"), document.get("s"), document.get("i")
    if not (
        document.get("c") == channel_id
        and isinstance(revision, int)
        and isinstance(start, int)
        and isinstance(last_id, str)
        and (
            raw_window is None
            or (isinstance(raw_window, list) and len(raw_window) == 2 and all(isinstance(x, int) for x in raw_window))
        )
    ):
        raise InvalidInput.at("page token was issued for another request", field=_FIELD)
    token_window = None if raw_window is None else Window(*raw_window)
    if token_window != window:
        raise InvalidInput.at("page token was issued for another window", field=_FIELD)
    return EventCursor(channel_id, window, revision, start, last_id)


def next_events_token(events: list[Event], size: int, channel_id: str, window: Window | None, revision: int) -> str:
    """The token of the page after ``events``, read with one row more than
    ``size`` to learn whether there is one; that extra row is dropped from
    ``events``. ``""`` at the end."""
    if len(events) <= size:
        return ""
    del events[size:]
    last = events[-1]
    return encode_event_token(EventCursor(channel_id, window, revision, last.start_us, last.id))
