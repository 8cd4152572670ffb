"""The doorbell a PostgreSQL commit rings: the ``NOTIFY`` payload the store
sends and the change listener (:mod:`scheduleflow.server.live.notify`) reads.

It lives with the store, which writes it inside each commit's transaction;
the listener depends on the store, never the reverse. A payload is
``'<channel_id>:<revision>'`` and must stay under 8000 bytes; a channel id too
long for that is sent as an empty payload, which listeners read as
:data:`CATCH_UP` (read the log of every channel you follow).
"""

from __future__ import annotations

from typing import Final

__all__ = ["CATCH_UP", "DEFAULT_CHANNEL", "decode_payload", "encode_payload"]

#: The ``LISTEN``/``NOTIFY`` channel name the store and the listener default to.
DEFAULT_CHANNEL: Final = "scheduleflow_changes"

#: What a payload that names no commit decodes to: notifications may have been
#: missed. Channel ids are never empty, so it cannot be mistaken for a change.
CATCH_UP: Final[tuple[str, int]] = ("", -1)

#: PostgreSQL's limit is 8000 bytes including the terminating zero byte.
_MAX_PAYLOAD_BYTES = 7999


def encode_payload(channel_id: str, revision: int) -> str:
    """The notification payload of ``revision`` of ``channel_id`` (``""`` if too long)."""
    payload = f"{channel_id}:{revision}"
    return payload if len(payload.encode()) <= _MAX_PAYLOAD_BYTES else ""


def decode_payload(payload: str) -> tuple[str, int]:
    """``(channel_id, revision)`` of a payload; :data:`CATCH_UP` if it names none."""
    channel_id, _, revision = payload.rpartition(":")  # ids may hold ":", revisions never
    if not channel_id or not revision.isascii() or not revision.isdigit():
        return CATCH_UP
    return channel_id, int(revision)
