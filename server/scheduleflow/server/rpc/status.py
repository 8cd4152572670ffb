"""From errors to gRPC statuses with rich details: the one translator.

Expected failures (``ScheduleFlowError``) become the status the gRPC docs
intend, with ``google.rpc`` details a client can act on: ``BadRequest`` field
violations for bad input, ``RetryInfo`` when the caller should come back,
``ErrorInfo`` with a machine-readable reason. Anything else is a bug: it is
logged with its traceback under a short reference, and the caller gets
``INTERNAL`` with that reference and no internal text.

Every status fits the transport: gRPC carries the message and the details in
trailing metadata, capped at 16 KiB by default, and a status over the cap
reaches the caller as the transport's own RESOURCE_EXHAUSTED ("metadata size
exceeds hard limit") instead of ours. Sources quote what they echo with
``errors.quote``; here, as the net under them, every run of more than
``QUOTE_CHARS`` non-blank characters (a name, a key, a timestamp: what a
hostile document makes long) is cut to its prefix and "…", libxml2's own
messages included. Then the message is cut to
``MESSAGE_BYTES``, every detail string to ``DETAIL_CHARS``, and field
violations are added only while the serialized details stay within
``DETAILS_BYTES``; the rest are counted in a last violation. Worst case: the
message percent-encoded (3 bytes per byte) plus the details in base64 (4 per
3) is about 11 KiB.
"""

from __future__ import annotations

import logging
import uuid

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from scheduleflow.server.core import errors
from scheduleflow.server.dispatch.errors import DeadlineExpired, JobBudgetExceeded, JobFailed
from scheduleflow.server.store import outages

log = logging.getLogger("scheduleflow.errors")

DOMAIN = "scheduleflow.dev"

#: The message's UTF-8 size at most (see the module docstring).
MESSAGE_BYTES = 1024
#: Characters of one detail string (a violation's field or description).
DETAIL_CHARS = 1000
#: The serialized google.rpc.Status (message included) at most.
DETAILS_BYTES = 6 * 1024

_CODES: list[tuple[type[errors.ScheduleFlowError], grpc.StatusCode, str]] = [
    (errors.InvalidInput, grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT"),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND, "NOT_FOUND"),
    (errors.AlreadyExists, grpc.StatusCode.ALREADY_EXISTS, "ALREADY_EXISTS"),
    (errors.RevisionMismatch, grpc.StatusCode.ABORTED, "REVISION_MISMATCH"),
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION, "FAILED_PRECONDITION"),
    (errors.Overloaded, grpc.StatusCode.RESOURCE_EXHAUSTED, "OVERLOADED"),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE, "UNAVAILABLE"),
    (errors.NotImplementedYet, grpc.StatusCode.UNIMPLEMENTED, "NOT_IMPLEMENTED"),
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED, "UNAUTHENTICATED"),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"),
]


def _pack(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def _retry(seconds: float) -> any_pb2.Any:
    whole = int(seconds)
    return _pack(
        error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(seconds=whole, nanos=int((seconds - whole) * 1e9))
        )
    )


def to_status(exc: BaseException) -> grpc.Status:
    """The gRPC status (code, message, details trailer) for ``exc``."""
    if isinstance(exc, DeadlineExpired):
        if exc.started:
            return _status(
                grpc.StatusCode.DEADLINE_EXCEEDED,
                "the deadline passed while the work ran, and the work was stopped: give the call more time",
            )
        return _status(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            "the deadline passed before the work could start; give more time or retry",
        )
    if isinstance(exc, JobBudgetExceeded):
        # RESOURCE_EXHAUSTED, not DEADLINE_EXCEEDED: the caller's deadline was
        # not the limit, so more time would not help; and no RetryInfo, as
        # the same call would use up the same budget again.
        info = error_details_pb2.ErrorInfo(
            reason="JOB_BUDGET_EXCEEDED", domain=DOMAIN, metadata={"max_job_seconds": f"{exc.budget_s:g}"}
        )
        return _status(grpc.StatusCode.RESOURCE_EXHAUSTED, exc.message, [_pack(info)])
    if isinstance(exc, errors.ScheduleFlowError):
        for cls, code, reason in _CODES:
            if isinstance(exc, cls):
                return _status(code, exc.message, _details(exc, reason))
    outage = outages.unavailable(exc)
    if outage is not None:
        # The net under the store adapters: an outage is never INTERNAL.
        outages.OUTAGES.failed(exc, "a call")
        return to_status(outage)
    reference = uuid.uuid4().hex[:12]
    if isinstance(exc, JobFailed):
        log.error("internal error %s in a worker:\n%s", reference, exc.detail)
    else:
        log.error("internal error %s", reference, exc_info=exc)
    return _status(grpc.StatusCode.INTERNAL, f"internal error (reference {reference}); it has been logged")


def _details(exc: errors.ScheduleFlowError, reason: str) -> list[any_pb2.Any]:
    metadata: dict[str, str] = {}
    details: list[any_pb2.Any] = []
    if isinstance(exc, errors.InvalidInput):
        if exc.violations:
            details.append(_pack(_bad_request(exc.violations)))
    elif isinstance(exc, errors.RevisionMismatch):
        metadata = {"expected_revision": str(exc.expected), "actual_revision": str(exc.actual)}
    elif isinstance(exc, errors.Overloaded | errors.Unavailable):
        details.append(_retry(exc.retry_after_s))
    details.insert(0, _pack(error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=metadata)))
    return details


def _bad_request(violations: list[errors.Violation]) -> error_details_pb2.BadRequest:
    """As many violations as fit in the details' budget, and how many did not."""
    request = error_details_pb2.BadRequest()
    # The ErrorInfo, the message and the Any wrappers take the rest of the budget.
    budget = DETAILS_BYTES - MESSAGE_BYTES - 512
    for n, v in enumerate(violations):
        item = error_details_pb2.BadRequest.FieldViolation(
            field=_shorten(_field_of(v), DETAIL_CHARS), description=_shorten(v.description, DETAIL_CHARS)
        )
        # A violation costs its size plus a few bytes of framing.
        cost = item.ByteSize() + 8
        if cost > budget or n == _MAX_VIOLATIONS:
            left = len(violations) - n
            request.field_violations.add(
                field="request", description=f"{left} more problems not shown: fix the ones above and try again"
            )
            break
        budget -= cost
        request.field_violations.append(item)
    return request


#: Violations listed at most, however small.
_MAX_VIOLATIONS = 100


def _shorten(text: str, max_chars: int) -> str:
    """``text`` with every long run of non-blanks quoted by its prefix, then cut to ``max_chars``."""
    return errors.quote(errors.shorten(text), max_chars)


def _bounded_message(message: str) -> str:
    """``message`` shortened, then cut to ``MESSAGE_BYTES`` of UTF-8 (on a character boundary)."""
    message = _shorten(message, MESSAGE_BYTES)
    encoded = message.encode("utf-8", "replace")
    if len(encoded) <= MESSAGE_BYTES:
        return message
    return encoded[: MESSAGE_BYTES - 3].decode("utf-8", "ignore") + "…"


def _field_of(v: errors.Violation) -> str:
    """BadRequest names a field; for a place in a document we name line and column."""
    parts = []
    if v.where.line:
        parts.append(f"line {v.where.line}" + (f" column {v.where.column}" if v.where.column else ""))
    if v.where.field:
        parts.append(v.where.field)
    return ": ".join(parts) if parts else "request"


def _status(code: grpc.StatusCode, message: str, details: list[any_pb2.Any] | None = None) -> grpc.Status:
    message = _bounded_message(message)
    proto = status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=details or [])
    status: grpc.Status = rpc_status.to_status(proto)
    return status
