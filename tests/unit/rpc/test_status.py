"""From errors to gRPC statuses with google.rpc details, as a client decodes them."""

from __future__ import annotations

import logging
import re
from typing import TypeVar

import grpc
import pytest
from google.protobuf import message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from scheduleflow.server.core import errors
from scheduleflow.server.core.model import Location
from scheduleflow.server.dispatch.errors import DeadlineExpired, JobFailed
from scheduleflow.server.rpc.status import DOMAIN, to_status

M = TypeVar("M", bound=message.Message)


def _rich(status: grpc.Status) -> status_pb2.Status:
    """The google.rpc.Status a client reads from the trailing metadata."""
    [raw] = [value for key, value in status.trailing_metadata if key == "grpc-status-details-bin"]
    return status_pb2.Status.FromString(raw)


def _detail(status: grpc.Status, kind: type[M]) -> M:
    found = []
    for packed in _rich(status).details:
        if packed.Is(kind.DESCRIPTOR):
            unpacked = kind()
            packed.Unpack(unpacked)
            found.append(unpacked)
    [only] = found
    return only


def test_invalid_input_is_invalid_argument_with_field_violations() -> None:
    err = errors.InvalidInput(
        "2 problems",
        [
            errors.Violation(Location(line=3, column=7), "unclosed tag"),
            errors.Violation(Location(field="events[2].duration"), "must be positive"),
        ],
    )
    status = to_status(err)
    assert status.code is grpc.StatusCode.INVALID_ARGUMENT
    assert status.details == "2 problems"
    bad_request = _detail(status, error_details_pb2.BadRequest)
    assert [(v.field, v.description) for v in bad_request.field_violations] == [
        ("line 3 column 7", "unclosed tag"),
        ("events[2].duration", "must be positive"),
    ]


def test_invalid_input_at_a_field_carries_reason_and_domain() -> None:
    status = to_status(errors.InvalidInput.at("unknown zone", field="time_zone"))
    info = _detail(status, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("INVALID_ARGUMENT", DOMAIN)
    assert _rich(status).code == code_pb2.INVALID_ARGUMENT


def test_invalid_input_without_a_place_names_the_request() -> None:
    status = to_status(errors.InvalidInput.at("the request is not a valid ValidateRequest"))
    [violation] = _detail(status, error_details_pb2.BadRequest).field_violations
    assert violation.field == "request"


def test_revision_mismatch_is_aborted_with_both_revisions() -> None:
    status = to_status(errors.RevisionMismatch("channel moved on", expected=4, actual=6))
    assert status.code is grpc.StatusCode.ABORTED
    info = _detail(status, error_details_pb2.ErrorInfo)
    assert info.reason == "REVISION_MISMATCH"
    assert dict(info.metadata) == {"expected_revision": "4", "actual_revision": "6"}


def test_overloaded_is_resource_exhausted_with_retry_info() -> None:
    status = to_status(errors.Overloaded("busy", retry_after_s=1.25))
    assert status.code is grpc.StatusCode.RESOURCE_EXHAUSTED
    retry = _detail(status, error_details_pb2.RetryInfo)
    assert (retry.retry_delay.seconds, retry.retry_delay.nanos) == (1, 250_000_000)


def test_unavailable_is_unavailable_with_retry_info() -> None:
    status = to_status(errors.Unavailable("worker died", retry_after_s=0.05))
    assert status.code is grpc.StatusCode.UNAVAILABLE
    retry = _detail(status, error_details_pb2.RetryInfo)
    assert retry.retry_delay.ToMicroseconds() == 50_000


def test_not_implemented_yet_is_unimplemented() -> None:
    status = to_status(errors.NotImplementedYet("Schedule is not built yet"))
    assert status.code is grpc.StatusCode.UNIMPLEMENTED
    assert status.details == "Schedule is not built yet"


def test_deadline_expired_in_the_queue_is_deadline_exceeded() -> None:
    status = to_status(DeadlineExpired("job waited past its deadline"))
    assert status.code is grpc.StatusCode.DEADLINE_EXCEEDED
    assert _rich(status).code == code_pb2.DEADLINE_EXCEEDED


@pytest.mark.parametrize(
    ("err", "code"),
    [
        (errors.NotFound("no channel bbc1"), grpc.StatusCode.NOT_FOUND),
        (errors.AlreadyExists("channel bbc1 exists"), grpc.StatusCode.ALREADY_EXISTS),
        (errors.FailedPrecondition("channel is frozen"), grpc.StatusCode.FAILED_PRECONDITION),
    ],
)
def test_other_domain_errors_keep_their_message_and_code(err: errors.ScheduleFlowError, code: grpc.StatusCode) -> None:
    status = to_status(err)
    assert status.code is code
    assert status.details == err.message


def test_unexpected_exception_is_internal_with_a_reference_and_no_internal_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    exc = KeyError("password=hunter2")
    with caplog.at_level(logging.ERROR, logger="scheduleflow.errors"):
        status = to_status(exc)
    assert status.code is grpc.StatusCode.INTERNAL
    assert "hunter2" not in status.details
    assert "KeyError" not in status.details
    match = re.search(r"reference ([0-9a-f]{12})", status.details)
    assert match is not None
    [record] = caplog.records
    assert match.group(1) in record.getMessage()
    assert record.exc_info is not None
    assert record.exc_info[1] is exc  # the traceback is in the log, not the reply


def test_job_that_failed_in_a_worker_logs_its_traceback_and_hides_it(caplog: pytest.LogCaptureFixture) -> None:
    detail = 'Traceback (most recent call last):\n  File "jobs.py"\nZeroDivisionError: division by zero\n'
    with caplog.at_level(logging.ERROR, logger="scheduleflow.errors"):
        status = to_status(JobFailed("validate_inline", detail))
    assert status.code is grpc.StatusCode.INTERNAL
    assert "ZeroDivisionError" not in status.details
    [record] = caplog.records
    assert "ZeroDivisionError: division by zero" in record.getMessage()


def test_each_internal_error_gets_its_own_reference() -> None:
    first, second = to_status(RuntimeError("x")), to_status(RuntimeError("x"))
    assert first.details != second.details
