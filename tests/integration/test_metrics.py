"""Prometheus metrics: calls by method and code, latency, pool, streams and store latency."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduleflow.client import Client, InvalidArgument
from tests.serverproc import start_server


def test_metrics_count_calls_by_code_and_show_the_pool_and_the_store(tmp_path: Path) -> None:
    with start_server(tmp_path, "--metrics-listen", "127.0.0.1:0") as server:
        with Client(server.address, timeout=30) as client:
            client.validate([client_event("a")])
            client.validate([client_event("b")])
            with pytest.raises(InvalidArgument):
                client.validate([client_event("c")], time_zone="Nowhere/Else")
            client.list_channels()
        values = server.metrics()
    validate = "method=/scheduleflow.v1.ScheduleFlowService/Validate"
    assert values[f"scheduleflow_rpc_calls_total{{code=OK,{validate}}}"] == 2
    assert values[f"scheduleflow_rpc_calls_total{{code=INVALID_ARGUMENT,{validate}}}"] == 1
    assert values[f"scheduleflow_rpc_latency_seconds_count{{{validate}}}"] == 3
    assert values["scheduleflow_pool_size{}"] == 2
    assert values["scheduleflow_open_streams{}"] == 0
    assert values["scheduleflow_inline_calls_total{}"] >= 2
    # The two clean one-event schedules; the one naming an unknown zone is refused, not counted.
    assert values["scheduleflow_validate_fast_calls_total{}"] == 2
    assert values["scheduleflow_store_latency_seconds_count{operation=list_channels}"] == 1


def client_event(event_id: str) -> object:
    import datetime as dt

    from scheduleflow.client import make_event

    return make_event(event_id, dt.datetime(2025, 11, 22, 9, tzinfo=dt.UTC), dt.timedelta(minutes=30))
