"""The client wrapper against the real server: results, and every kind of failure
arriving as the client's exception with its details."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from scheduleflow.client import (
    AsyncClient,
    Client,
    DeadlineExceeded,
    InvalidArgument,
    NotFound,
    ScheduleFlowError,
    Unimplemented,
    make_event,
)
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb
from tests.serverproc import ServerProcess

T0 = datetime(2025, 11, 22, 9, 30, tzinfo=UTC)

DOCUMENT = b"""{"scheduleflow": 1,
 "channel": {"id": "c.example", "time_zone": "Europe/London"},
 "events": [
  {"id": "e1", "start": "2025-11-22T09:30:00Z", "duration": "PT30M", "asset_id": "A1", "title": "News"},
  {"id": "e2", "start": "2025-11-22T10:00:00Z", "duration": "PT30M", "asset_id": "A2", "title": "Weather"}
 ]}
"""


@pytest.fixture
def sync_client(server: ServerProcess) -> Iterator[Client]:
    with Client(server.address, timeout=30) as connected:
        yield connected


def unique(prefix: str) -> str:
    """A channel id no other test of the shared server uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@functools.cache
def large_request() -> spb.EventList:
    # Big enough that serializing and validating it takes far longer than 1 ms
    # (the tests that send it name a time zone, so the Python path does the
    # work: the compiled fast path might finish a clean one in about 1 ms).
    return spb.EventList(events=back_to_back(5000))


def back_to_back(n: int) -> list[pb.Event]:
    return [make_event(f"e{i}", T0 + timedelta(minutes=i), timedelta(minutes=1), asset_id=f"a{i}") for i in range(n)]


async def test_health_is_serving(client: AsyncClient, sync_client: Client) -> None:
    assert await client.health() == "SERVING"
    assert sync_client.health() == "SERVING"


async def test_stats_count_a_validate(client: AsyncClient) -> None:
    def validate_calls(stats: spb.GetStatsResponse) -> int:
        return sum(r.calls for r in stats.rpcs if r.method.endswith("/Validate"))

    before = validate_calls(await client.get_stats())
    await client.validate(back_to_back(3))
    stats = await client.get_stats()
    assert validate_calls(stats) == before + 1
    assert stats.version
    assert stats.store == "sqlite"
    assert stats.pool.size >= 1


async def test_validate_inline_events_reports_an_overlap(client: AsyncClient) -> None:
    events = [
        make_event("a", T0, timedelta(minutes=30), asset_id="A"),
        make_event("b", T0 + timedelta(minutes=20), timedelta(minutes=30), asset_id="B"),
    ]
    response = await client.validate(events, return_events=True)
    assert not response.valid
    overlap = [f for f in response.findings if f.code == pb.FINDING_CODE_OVERLAP]
    assert overlap and set(overlap[0].event_ids) == {"a", "b"}
    assert overlap[0].severity == pb.SEVERITY_ERROR
    assert [e.id for e in response.events] == ["a", "b"]


async def test_validate_a_clean_events_list(client: AsyncClient) -> None:
    response = await client.validate(back_to_back(5), gap_threshold=timedelta(seconds=5))
    assert response.valid
    assert response.summary.event_count == 5
    assert response.summary.error_count == 0


async def test_validate_a_json_document(client: AsyncClient) -> None:
    response = await client.validate(document=DOCUMENT, format="json")
    assert response.valid, response
    assert response.summary.event_count == 2


def test_sync_client_validates_too(sync_client: Client) -> None:
    response = sync_client.validate(document=DOCUMENT)
    assert response.valid
    assert sync_client.validate(back_to_back(2)).summary.event_count == 2


async def test_an_unknown_time_zone_is_an_invalid_argument_naming_the_field(client: AsyncClient) -> None:
    with pytest.raises(InvalidArgument) as caught:
        await client.validate(back_to_back(1), time_zone="Mars/Olympus")
    exc = caught.value
    assert exc.code is grpc.StatusCode.INVALID_ARGUMENT
    assert "Mars/Olympus" in exc.message
    assert [field for field, _ in exc.field_violations] == ["time_zone"]
    assert exc.reason == "INVALID_ARGUMENT"
    assert isinstance(exc.__cause__, grpc.RpcError)


async def test_an_unknown_method_is_unimplemented(client: AsyncClient) -> None:
    # The server's answer to a method it lacks, through the client's own error
    # path; unlike a not-yet-built RPC this stays UNIMPLEMENTED as the server grows.
    rpc = client._channel.unary_unary(
        "/scheduleflow.v1.ScheduleFlowService/NoSuchRpc",
        request_serializer=spb.GetStatsRequest.SerializeToString,
        response_deserializer=spb.GetStatsResponse.FromString,
    )
    with pytest.raises(Unimplemented) as caught:
        await client._unary(rpc, spb.GetStatsRequest(), None)
    assert caught.value.code is grpc.StatusCode.UNIMPLEMENTED


async def test_a_tiny_deadline_on_a_large_validate_is_deadline_exceeded(client: AsyncClient) -> None:
    with pytest.raises(DeadlineExceeded) as caught:
        await client.validate(large_request().events, time_zone="UTC", timeout=0.001)
    assert not caught.value.retryable


def test_sync_deadline_exceeded(sync_client: Client) -> None:
    with pytest.raises(DeadlineExceeded):
        sync_client.validate(large_request().events, time_zone="UTC", timeout=0.001)


async def test_channels_round_trip(client: AsyncClient) -> None:
    ids = sorted(unique("round") for _ in range(3))
    for i, channel_id in enumerate(ids):
        made = await client.upsert_channel(channel_id, display_name=f"Channel {i}", time_zone="Europe/London")
        assert (made.id, made.time_zone) == (channel_id, "Europe/London")
    got = await client.get_channel(ids[0])
    assert got.display_name == "Channel 0"
    # page_size=1 makes iter_channels follow the page tokens.
    listed = [c.id async for c in client.iter_channels(page_size=1)]
    assert set(ids) <= set(listed)
    assert [e async for e in client.iter_events(ids[0], page_size=1)] == []
    for channel_id in ids:
        await client.delete_channel(channel_id)
    with pytest.raises(NotFound):
        await client.get_channel(ids[0])


def test_sync_channels_round_trip(sync_client: Client) -> None:
    channel_id = unique("sync")
    sync_client.upsert_channel(channel_id, time_zone="UTC")
    assert channel_id in [c.id for c in sync_client.iter_channels(page_size=1)]
    assert list(sync_client.iter_events(channel_id)) == []
    sync_client.delete_channel(channel_id)
    with pytest.raises(NotFound):
        sync_client.get_channel(channel_id)


async def test_import_then_list_and_export(client: AsyncClient) -> None:
    channel_id = unique("imp")
    result = await client.import_document(channel_id, DOCUMENT, format="json", expected_revision=0)
    assert (result.channel_id, result.added, result.revision) == (channel_id, 2, 1)
    events = [e async for e in client.iter_events(channel_id, window=(T0, T0 + timedelta(hours=2)))]
    assert [e.id for e in events] == ["e1", "e2"]
    exported = await client.export(channel_id, format="json", pretty=True)
    assert exported.event_count == 2
    assert b'"e2"' in exported.content
    await client.delete_channel(channel_id)


async def test_a_stream_error_arrives_as_the_clients_exception(client: AsyncClient) -> None:
    # Whatever the server does with a watch of an unknown channel (UNIMPLEMENTED
    # today; NOT_FOUND, or streaming until the deadline, later), the stream ends
    # in the client's exception with the gRPC error as its cause. Any deadline
    # gives that ending, so a short one: the test need not wait for it.
    with pytest.raises(ScheduleFlowError) as caught:
        async for _ in client.watch_schedule(unique("nowhere"), timeout=0.5):
            pass
    assert isinstance(caught.value.__cause__, grpc.RpcError)


def test_a_sync_stream_error_arrives_as_the_clients_exception(sync_client: Client) -> None:
    with pytest.raises(ScheduleFlowError) as caught:
        for _ in sync_client.watch_schedule(unique("nowhere"), timeout=0.5):
            pass
    assert isinstance(caught.value.__cause__, grpc.RpcError)
