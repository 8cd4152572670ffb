"""Opening the gRPC channel of each client flavour.

This is the one place where the asyncio client and the blocking one differ
beyond ``async``/``await``: ``grpc.aio`` against ``grpc``.
``scripts/gen_sync_client.py`` turns ``open_aio_channel`` into ``open_channel``
when it writes ``_sync.py`` from ``_async.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc

from scheduleflow.client._convert import grpc_options


def open_aio_channel(
    target: str,
    credentials: grpc.ChannelCredentials | None,
    max_message_mib: int,
    options: Iterable[tuple[str, Any]],
) -> grpc.aio.Channel:
    """An asyncio channel to ``target``: TLS with ``credentials``, plaintext without."""
    channel_options = grpc_options(max_message_mib, options)
    if credentials is None:
        return grpc.aio.insecure_channel(target, options=channel_options)
    return grpc.aio.secure_channel(target, credentials, options=channel_options)


def open_channel(
    target: str,
    credentials: grpc.ChannelCredentials | None,
    max_message_mib: int,
    options: Iterable[tuple[str, Any]],
) -> grpc.Channel:
    """A blocking channel to ``target``: TLS with ``credentials``, plaintext without."""
    channel_options = grpc_options(max_message_mib, options)
    if credentials is None:
        return grpc.insecure_channel(target, options=channel_options)
    return grpc.secure_channel(target, credentials, options=channel_options)
