"""CPU work: pure top-level functions that run in a pool worker or inline.

Each job takes plain data (usually the raw bytes of a request, which the
server never parses itself) and returns plain data (usually the serialized
response). The server decides per call whether a job runs on the event loop
(small requests: the hop to a worker costs more than the work) or in the pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf.message import DecodeError

from scheduleflow.server import convert
from scheduleflow.server.core import timeparse
from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import Event, Window
from scheduleflow.server.core.validate import Rules, validate, validate_events
from scheduleflow.v1 import service_pb2 as spb


def _parse(message_type: type[Any], raw: bytes) -> Any:
    try:
        return message_type.FromString(raw)
    except DecodeError as exc:
        raise InvalidInput.at(f"the request is not a valid {message_type.DESCRIPTOR.full_name}: {exc}") from exc


def check_zone(name: str, field: str) -> timeparse.ZoneInfo | None:
    if not name:
        return None
    try:
        return timeparse.zone(name)
    except timeparse.TimestampError as exc:
        raise InvalidInput.at(exc.message, field=field) from exc


def validate_inline(raw: bytes, default_max_findings: int, channel_zone: str = "") -> bytes:
    """Validate a request whose events (or JSON document) it carries itself."""
    req: spb.ValidateRequest = _parse(spb.ValidateRequest, raw)
    tz = check_zone(req.time_zone, "time_zone") or check_zone(channel_zone, "channel_id")
    window = convert.window_from_pb(req.window, "window") if req.HasField("window") else None
    rules = convert.rules_from_pb(req.rules, default_max_findings)
    source = req.WhichOneof("source")
    if source == "events":
        inputs = convert.input_events_from_pb(req.events.events, "events.events")
        report = validate(inputs, tz=tz, window=window, rules=rules)
    elif source == "document":
        from scheduleflow.server.formats import parse_document

        doc = parse_document(
            req.document.content,
            convert.format_from_pb(req.document.format),
            default_zone=tz.key if tz is not None else "UTC",
        )
        report = validate_events(
            doc.events, locations=doc.locations, window=window, rules=rules, prior_findings=doc.findings
        )
    else:
        raise InvalidInput.at("say what to validate: events, document or stored", field="source")
    return convert.validate_response(
        report.findings, report.summary, report.events if req.return_events else None
    ).SerializeToString()


def validate_stored(events: list[Event], window: Window | None, rules: Rules, return_events: bool) -> bytes:
    """Validate events read from the store (already in UTC)."""
    report = validate_events(events, window=window, rules=rules)
    return convert.validate_response(
        report.findings, report.summary, report.events if return_events else None
    ).SerializeToString()


def echo(value: Any) -> Any:
    """Returns its argument: lets tests and the benchmark measure the pool hop alone."""
    return value


def sleep(seconds: float) -> float:
    """Holds a worker for ``seconds``: lets tests fill the queue deterministically."""
    import time

    time.sleep(seconds)
    return seconds


JOBS: dict[str, Callable[..., Any]] = {
    "validate_inline": validate_inline,
    "validate_stored": validate_stored,
    "echo": echo,
    "sleep": sleep,
}


def run(name: str, *args: Any) -> Any:
    """Run job ``name``; the pool's workers call this."""
    return JOBS[name](*args)
