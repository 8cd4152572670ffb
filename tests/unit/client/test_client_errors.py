"""From a failed gRPC call to the client's exception: the class by status code,
and the google.rpc details (BadRequest, RetryInfo, ErrorInfo) unpacked."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grpc
import pytest
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from scheduleflow.client import (
    Aborted,
    AlreadyExists,
    AsyncClient,
    Client,
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


class FakeRpcError(grpc.RpcError):
    """What a failed sync call raises: an RpcError that is also a grpc.Call."""

    def __init__(self, code: grpc.StatusCode, details: str, trailing_metadata: Sequence[tuple[str, Any]] = ()) -> None:
        self._code = code
        self._details = details
        self._trailing = tuple(trailing_metadata)

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> Sequence[tuple[str, Any]]:
        return self._trailing


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def rich_error(code: grpc.StatusCode, message: str, *details: Any) -> FakeRpcError:
    """An error as the server sends it: the status and its details in the trailer."""
    status = rpc_status.to_status(
        status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=[_pack(d) for d in details])
    )
    return FakeRpcError(status.code, status.details, status.trailing_metadata)


TABLE = [
    (grpc.StatusCode.INVALID_ARGUMENT, InvalidArgument),
    (grpc.StatusCode.NOT_FOUND, NotFound),
    (grpc.StatusCode.ALREADY_EXISTS, AlreadyExists),
    (grpc.StatusCode.ABORTED, Aborted),
    (grpc.StatusCode.FAILED_PRECONDITION, FailedPrecondition),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, ResourceExhausted),
    (grpc.StatusCode.UNAVAILABLE, Unavailable),
    (grpc.StatusCode.DEADLINE_EXCEEDED, DeadlineExceeded),
    (grpc.StatusCode.UNIMPLEMENTED, Unimplemented),
    (grpc.StatusCode.UNAUTHENTICATED, Unauthenticated),
    (grpc.StatusCode.PERMISSION_DENIED, PermissionDenied),
    (grpc.StatusCode.INTERNAL, Internal),
]


@pytest.mark.parametrize(("code", "cls"), TABLE, ids=[c.name for c, _ in TABLE])
def test_each_status_code_has_its_class(code: grpc.StatusCode, cls: type[ScheduleFlowError]) -> None:
    exc = ScheduleFlowError.from_rpc_error(FakeRpcError(code, "went wrong"))
    assert type(exc) is cls
    assert exc.code is code
    assert exc.message == "went wrong"
    assert str(exc) == f"{code.name}: went wrong"
    assert cls("x").code is code  # the class alone implies its code


@pytest.mark.parametrize(
    "code",
    [grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN, grpc.StatusCode.OUT_OF_RANGE, grpc.StatusCode.DATA_LOSS],
)
def test_other_codes_are_the_base_class(code: grpc.StatusCode) -> None:
    exc = ScheduleFlowError.from_rpc_error(FakeRpcError(code, "hm"))
    assert type(exc) is ScheduleFlowError
    assert exc.code is code


def test_bad_request_violations_are_unpacked() -> None:
    bad = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="time_zone", description="unknown zone"),
            error_details_pb2.BadRequest.FieldViolation(field="line 3 column 7: /events/0", description="bad start"),
        ]
    )
    info = error_details_pb2.ErrorInfo(reason="INVALID_ARGUMENT", domain="scheduleflow.dev")
    exc = ScheduleFlowError.from_rpc_error(rich_error(grpc.StatusCode.INVALID_ARGUMENT, "bad input", info, bad))
    assert isinstance(exc, InvalidArgument)
    assert exc.field_violations == [("time_zone", "unknown zone"), ("line 3 column 7: /events/0", "bad start")]
    assert exc.reason == "INVALID_ARGUMENT"
    assert exc.retry_after is None
    assert not exc.retryable


def test_retry_info_and_error_info_metadata_are_unpacked() -> None:
    retry = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=1, nanos=500_000_000))
    info = error_details_pb2.ErrorInfo(reason="OVERLOADED", domain="scheduleflow.dev", metadata={"queue": "128"})
    exc = ScheduleFlowError.from_rpc_error(rich_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "busy", info, retry))
    assert isinstance(exc, ResourceExhausted)
    assert exc.retry_after == 1.5
    assert exc.reason == "OVERLOADED"
    assert exc.metadata == {"queue": "128"}
    assert exc.retryable


def test_revision_mismatch_carries_both_revisions() -> None:
    info = error_details_pb2.ErrorInfo(
        reason="REVISION_MISMATCH", metadata={"expected_revision": "3", "actual_revision": "4"}
    )
    exc = ScheduleFlowError.from_rpc_error(rich_error(grpc.StatusCode.ABORTED, "channel moved on", info))
    assert isinstance(exc, Aborted)
    assert exc.metadata == {"expected_revision": "3", "actual_revision": "4"}
    # Retrying the same request would fail the same way: the caller must re-read first.
    assert not exc.retryable


def test_retryable_codes() -> None:
    retryable = {c for c, _ in TABLE if ScheduleFlowError("x", code=c).retryable}
    assert retryable == {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED}


def test_asyncio_style_metadata_is_read_too() -> None:
    # grpc.aio hands trailers over as an aio.Metadata object, not a tuple.
    sync_style = rich_error(grpc.StatusCode.NOT_FOUND, "no channel", error_details_pb2.ErrorInfo(reason="NOT_FOUND"))
    aio_style = FakeRpcError(
        grpc.StatusCode.NOT_FOUND, "no channel", grpc.aio.Metadata(*sync_style.trailing_metadata())
    )
    exc = ScheduleFlowError.from_rpc_error(aio_style)
    assert isinstance(exc, NotFound)
    assert exc.reason == "NOT_FOUND"


@pytest.mark.parametrize(
    "trailer",
    [
        (),
        (("grpc-status-details-bin", b"\xff\xff not a status"),),
        (("other-key", "value"),),
    ],
    ids=["none", "garbage", "unrelated"],
)
def test_missing_or_broken_details_still_give_the_error(trailer: Sequence[tuple[str, Any]]) -> None:
    exc = ScheduleFlowError.from_rpc_error(FakeRpcError(grpc.StatusCode.UNAVAILABLE, "connection refused", trailer))
    assert isinstance(exc, Unavailable)
    assert exc.message == "connection refused"
    assert exc.field_violations == []


def test_a_bare_rpc_error_becomes_unknown() -> None:
    exc = ScheduleFlowError.from_rpc_error(grpc.RpcError())
    assert type(exc) is ScheduleFlowError
    assert exc.code is grpc.StatusCode.UNKNOWN


# -- the wrappers re-raise with the gRPC error as the cause ---------------------


class _FailingSyncStub:
    def __init__(self, error: grpc.RpcError) -> None:
        self.error = error
        self.calls: list[tuple[Any, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def rpc(request: Any, **kwargs: Any) -> Any:
            self.calls.append((request, kwargs))
            raise self.error

        return rpc


class _FailingAsyncStub(_FailingSyncStub):
    def __getattr__(self, name: str) -> Any:
        async def rpc(request: Any, **kwargs: Any) -> Any:
            self.calls.append((request, kwargs))
            raise self.error

        return rpc


def test_sync_client_raises_the_mapped_error_from_the_rpc_error() -> None:
    error = rich_error(grpc.StatusCode.NOT_FOUND, "channel 'x' not found")
    with Client("127.0.0.1:1", timeout=7.5, metadata=[("x-team", "traffic")]) as client:
        stub = _FailingSyncStub(error)
        client._stub = stub
        with pytest.raises(NotFound) as caught:
            client.get_channel("x")
        assert caught.value.__cause__ is error
        # The client's default deadline and metadata go with every call (the
        # deadline as the time left of it); a per-call timeout wins.
        assert stub.calls[0][1]["metadata"] == (("x-team", "traffic"),)
        assert 7 < stub.calls[0][1]["timeout"] <= 7.5
        with pytest.raises(NotFound):
            client.get_channel("x", timeout=1)
        assert 0.5 < stub.calls[1][1]["timeout"] <= 1


async def test_async_client_raises_the_mapped_error_from_the_rpc_error() -> None:
    error = rich_error(grpc.StatusCode.ABORTED, "revision moved on")
    async with AsyncClient("127.0.0.1:1", timeout=3) as client:
        stub = _FailingAsyncStub(error)
        client._stub = stub
        with pytest.raises(Aborted) as caught:
            await client.delete_channel("x", expected_revision=2)
        assert caught.value.__cause__ is error
        request, kwargs = stub.calls[0]
        assert request.expected_revision == 2
        assert kwargs["metadata"] is None
        assert 2.5 < kwargs["timeout"] <= 3
