"""OpenTelemetry tracing: with --tracing console every RPC becomes a span."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from scheduleflow.client import Client, make_event
from tests.serverproc import launch


def test_each_rpc_is_traced_as_a_server_span(tmp_path: Path) -> None:
    server = launch(tmp_path, "--tracing", "console")
    try:
        with Client(server.address, timeout=30) as client:
            client.validate([make_event("a", dt.datetime(2025, 11, 22, 9, tzinfo=dt.UTC), dt.timedelta(minutes=5))])
            client.list_channels()
    finally:
        assert server.terminate() == 0  # shutdown flushes the spans
    spans = [json.loads(block) for block in re.findall(r"^\{\n.*?^\}$", server.log(), re.S | re.M)]
    names = {s["name"] for s in spans}
    assert "/scheduleflow.v1.ScheduleFlowService/Validate" in names
    assert "/scheduleflow.v1.ScheduleFlowService/ListChannels" in names
    validate = next(s for s in spans if s["name"].endswith("/Validate"))
    assert validate["kind"] == "SpanKind.SERVER"
    assert validate["resource"]["attributes"]["service.name"] == "scheduleflow"
