"""The client's exceptions: one per gRPC status code a caller acts on.

The tree::

    ScheduleFlowError            any failed call; .code, .message and the unpacked details
    ├── InvalidArgument          INVALID_ARGUMENT     bad request or document; .field_violations
    ├── NotFound                 NOT_FOUND            no such channel
    ├── AlreadyExists            ALREADY_EXISTS
    ├── Aborted                  ABORTED              revision mismatch; .metadata has both revisions
    ├── FailedPrecondition       FAILED_PRECONDITION
    ├── ResourceExhausted        RESOURCE_EXHAUSTED   the server sheds load; .retry_after   (retryable)
    ├── Unavailable              UNAVAILABLE          draining, unreachable; .retry_after   (retryable)
    ├── DeadlineExceeded         DEADLINE_EXCEEDED
    ├── Unimplemented            UNIMPLEMENTED        the server version lacks the RPC
    ├── Unauthenticated          UNAUTHENTICATED
    ├── PermissionDenied         PERMISSION_DENIED
    └── Internal                 INTERNAL             a server bug; the message has a log reference

Every other code (CANCELLED, UNKNOWN, OUT_OF_RANGE, DATA_LOSS) is a plain
``ScheduleFlowError``. The status-to-class mapping is the one table
``_BY_CODE``, as in googleapis' python-api-core. The details come from the
``grpc-status-details-bin`` trailer (the gRPC rich error model): the server
sends ``google.rpc.ErrorInfo``, ``BadRequest`` and ``RetryInfo``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

import grpc
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

__all__ = [
    "Aborted",
    "AlreadyExists",
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
]

# The trailer that carries a serialized google.rpc.Status (grpc_status._common).
_DETAILS_KEY = "grpc-status-details-bin"


class ScheduleFlowError(Exception):
    """A call to the ScheduleFlow service failed.

    Attributes:
        code: the gRPC status code.
        message: the server's (or gRPC's) description, for people.
        field_violations: ``(field, description)`` pairs from ``google.rpc.BadRequest``;
            for a document the field reads like ``"line 3 column 7: events[0].start"``.
        retry_after: seconds to wait before retrying, from ``google.rpc.RetryInfo``.
        reason: the machine-readable reason from ``google.rpc.ErrorInfo`` (e.g. ``"REVISION_MISMATCH"``).
        metadata: the ``ErrorInfo`` metadata (e.g. ``expected_revision``, ``actual_revision``).
    """

    #: The code an instance of this class gets when none is given.
    grpc_code: ClassVar[grpc.StatusCode] = grpc.StatusCode.UNKNOWN

    def __init__(
        self,
        message: str,
        *,
        code: grpc.StatusCode | None = None,
        field_violations: Iterable[tuple[str, str]] = (),
        retry_after: float | None = None,
        reason: str = "",
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code: grpc.StatusCode = code if code is not None else self.grpc_code
        self.message = message
        self.field_violations: list[tuple[str, str]] = list(field_violations)
        self.retry_after = retry_after
        self.reason = reason
        self.metadata: dict[str, str] = dict(metadata or {})

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"

    @property
    def retryable(self) -> bool:
        """True when sending the same request again may succeed.

        UNAVAILABLE and RESOURCE_EXHAUSTED are transient by definition (the
        server drains or sheds load, and says when to come back). ABORTED is
        not: here it means a revision mismatch, and the same request fails
        again until the caller re-reads. DEADLINE_EXCEEDED is not either: the
        work may have happened, and only the caller knows whether the call is
        idempotent.
        """
        return self.code in _RETRYABLE

    @classmethod
    def from_rpc_error(cls, err: grpc.RpcError) -> ScheduleFlowError:
        """The exception for a failed call, of the class its status code maps to.

        Works for the sync (``grpc.Call``) and the asyncio (``grpc.aio.AioRpcError``)
        errors alike: both answer ``code()``, ``details()`` and
        ``trailing_metadata()`` synchronously once the call has ended.
        """
        code = _call(err, "code") or grpc.StatusCode.UNKNOWN
        message = _call(err, "details") or ""
        status = _rich_status(_call(err, "trailing_metadata") or ())
        violations: list[tuple[str, str]] = []
        retry_after: float | None = None
        reason = ""
        metadata: dict[str, str] = {}
        if status is not None:
            message = message or status.message
            for detail in status.details:
                if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                    bad = error_details_pb2.BadRequest()
                    detail.Unpack(bad)
                    violations.extend((v.field, v.description) for v in bad.field_violations)
                elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                    info = error_details_pb2.RetryInfo()
                    detail.Unpack(info)
                    retry_after = info.retry_delay.ToTimedelta().total_seconds()
                elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    error_info = error_details_pb2.ErrorInfo()
                    detail.Unpack(error_info)
                    reason = error_info.reason
                    metadata.update(error_info.metadata)
        exc_class = _BY_CODE.get(code, ScheduleFlowError)
        return exc_class(
            message,
            code=code,
            field_violations=violations,
            retry_after=retry_after,
            reason=reason,
            metadata=metadata,
        )


class InvalidArgument(ScheduleFlowError):
    """The request or document is wrong; ``field_violations`` say where and how."""

    grpc_code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(ScheduleFlowError):
    """The channel (or other resource) does not exist."""

    grpc_code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(ScheduleFlowError):
    """The resource exists already."""

    grpc_code = grpc.StatusCode.ALREADY_EXISTS


class Aborted(ScheduleFlowError):
    """The channel is not at the expected revision; re-read and try again."""

    grpc_code = grpc.StatusCode.ABORTED


class FailedPrecondition(ScheduleFlowError):
    """The state of the system forbids the call."""

    grpc_code = grpc.StatusCode.FAILED_PRECONDITION


class ResourceExhausted(ScheduleFlowError):
    """The server sheds load; retry after ``retry_after`` seconds."""

    grpc_code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unavailable(ScheduleFlowError):
    """The server cannot be reached or is draining; retry (on another replica)."""

    grpc_code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(ScheduleFlowError):
    """The call's deadline passed; the work may or may not have happened."""

    grpc_code = grpc.StatusCode.DEADLINE_EXCEEDED


class Unimplemented(ScheduleFlowError):
    """The server (this version of it) does not offer the RPC."""

    grpc_code = grpc.StatusCode.UNIMPLEMENTED


class Unauthenticated(ScheduleFlowError):
    """The call carried no valid credentials."""

    grpc_code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(ScheduleFlowError):
    """The caller may not do this."""

    grpc_code = grpc.StatusCode.PERMISSION_DENIED


class Internal(ScheduleFlowError):
    """A bug in the server; the message carries the reference it was logged under."""

    grpc_code = grpc.StatusCode.INTERNAL


# The one table from status codes to exception classes.
_BY_CODE: dict[grpc.StatusCode, type[ScheduleFlowError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgument,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.ABORTED: Aborted,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPrecondition,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.UNIMPLEMENTED: Unimplemented,
    grpc.StatusCode.UNAUTHENTICATED: Unauthenticated,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDenied,
    grpc.StatusCode.INTERNAL: Internal,
}

_RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED})


def _call(err: object, name: str) -> Any:
    # grpc.RpcError itself has no methods; the errors gRPC raises are also
    # grpc.Call (sync) or AioRpcError, which have them. Be lenient with others.
    method = getattr(err, name, None)
    if not callable(method):
        return None
    try:
        return method()
    except Exception:
        return None


def _rich_status(trailing_metadata: Iterable[tuple[str, str | bytes]]) -> status_pb2.Status | None:
    """The google.rpc.Status in the trailer, if there is one and it parses.

    grpc_status.rpc_status.from_call does this for sync calls (and raises when
    the trailer disagrees with the call's code); an error must never turn into
    a different error while it is being described, so a bad trailer is ignored.
    """
    for key, value in trailing_metadata:
        if key == _DETAILS_KEY and isinstance(value, bytes):
            try:
                return status_pb2.Status.FromString(value)
            except DecodeError:
                return None
    return None
