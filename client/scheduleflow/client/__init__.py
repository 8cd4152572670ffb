"""A thin, typed client for the ScheduleFlow service, and the ``scheduleflow`` CLI.

::

    from scheduleflow.client import AsyncClient, Client, InvalidArgument

    with Client("127.0.0.1:50051") as client:
        print(client.health())                      # "SERVING"
        report = client.validate(document=data)     # a ValidateResponse

:class:`AsyncClient` (asyncio) and :class:`Client` (blocking) have the same
methods, one per RPC. Requests take Python values (aware datetimes,
timedeltas, enum names); responses are the generated ``scheduleflow.v1``
messages. Failed calls raise :class:`ScheduleFlowError` or its subclass for
the status code. This package never imports the server.
"""

from scheduleflow.client._async import AsyncClient
from scheduleflow.client._convert import make_event
from scheduleflow.client._sync import Client
from scheduleflow.client.errors import (
    Aborted,
    AlreadyExists,
    DeadlineExceeded,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    ScheduleFlowError,
    Unauthenticated,
    Unavailable,
    Unimplemented,
)

__all__ = [
    "Aborted",
    "AlreadyExists",
    "AsyncClient",
    "Client",
    "DeadlineExceeded",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "ScheduleFlowError",
    "Unauthenticated",
    "Unavailable",
    "Unimplemented",
    "make_event",
]
