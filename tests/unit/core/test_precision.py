"""Input finer than a microsecond: kept to the microsecond (truncated) and said
so; a duration that would read as zero is refused as sent (issue 13)."""

from __future__ import annotations

import json

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import EventKind, FindingCode, Severity
from scheduleflow.server.core.validate import InputEvent, validate
from scheduleflow.server.dispatch.jobs import validate_general
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb


def test_a_start_finer_than_a_microsecond_is_truncated_with_an_info_finding() -> None:
    report = validate([InputEvent("a", "2025-11-22T09:00:00.123456789Z", 60_000_000, "x", "", EventKind.PROGRAM)])
    assert report.events[0].start_us % 1_000_000 == 123456
    (finding,) = report.findings
    assert (finding.code, finding.severity, finding.event_ids) == (
        FindingCode.NORMALISED_TIMESTAMP,
        Severity.INFO,
        ("a",),
    )
    assert "below a microsecond" in finding.message


def test_a_document_duration_under_a_microsecond_is_refused_as_written() -> None:
    doc = {"scheduleflow": 1, "events": [{"id": "a", "start": "2025-11-22T09:00:00Z", "duration": "PT0.0000001S"}]}
    request = spb.ValidateRequest(document=pb.Document(content=json.dumps(doc).encode()))
    with pytest.raises(InvalidInput) as exc:
        validate_general(request.SerializeToString(), 100)
    message = str(exc.value)
    assert "'PT0.0000001S'" in message and "shorter than a microsecond" in message
    assert "PT0S" not in message
    assert exc.value.violations[0].where.field == "/events/0/duration"


@pytest.mark.parametrize(
    "content",
    [
        json.dumps(
            {
                "scheduleflow": 1,
                "events": [{"id": "a", "start": "2025-11-22T09:00:00.123456789Z", "duration": "PT30M"}],
            }
        ).encode(),
        b'<schedule xmlns="https://scheduleflow.dev/schema/v1" version="1"><event id="a" start="2025-11-22T09:00:00.123456789Z"'
        b' duration="PT30M"/></schedule>',
    ],
    ids=["json", "xml"],
)
def test_a_document_start_finer_than_a_microsecond_is_truncated_and_reported(content: bytes) -> None:
    request = spb.ValidateRequest(document=pb.Document(content=content), return_events=True)
    response = spb.ValidateResponse.FromString(validate_general(request.SerializeToString(), 100))
    assert response.events[0].start_time.nanos == 123_456_000
    finer = [f for f in response.findings if "below a microsecond" in f.message]
    assert [(f.code, f.severity, list(f.event_ids)) for f in finer] == [
        (pb.FINDING_CODE_NORMALISED_TIMESTAMP, pb.SEVERITY_INFO, ["a"])
    ]


def _json_doc(duration: str | float, start: str = "2025-11-22T09:00:00Z") -> bytes:
    return json.dumps({"scheduleflow": 1, "events": [{"id": "a", "start": start, "duration": duration}]}).encode()


@pytest.mark.parametrize(
    ("content", "duration_nanos"),
    [
        (_json_doc("PT30.0000001S"), 0),
        (_json_doc("00:00:30.123456789"), 123_456_000),
        (_json_doc("PT30,0000001S"), 0),
        (_json_doc(30.0000001), 0),
        # A start and a duration both finer: one event, counted once.
        (_json_doc("PT30.0000001S", start="2025-11-22T09:00:00.0000001"), 0),
        (
            b'<schedule xmlns="https://scheduleflow.dev/schema/v1" version="1"><event id="a"'
            b' start="2025-11-22T09:00:00Z" duration="PT30.1234567S"/></schedule>',
            123_456_000,
        ),
    ],
    ids=["json-iso", "json-clock", "json-comma", "json-float", "json-local-both", "xml"],
)
def test_a_document_duration_finer_than_a_microsecond_is_truncated_and_reported(
    content: bytes, duration_nanos: int
) -> None:
    request = spb.ValidateRequest(document=pb.Document(content=content), return_events=True, time_zone="UTC")
    response = spb.ValidateResponse.FromString(validate_general(request.SerializeToString(), 100))
    (event,) = response.events
    assert (event.duration.seconds, event.duration.nanos) == (30, duration_nanos)
    finer = [f for f in response.findings if "below a microsecond" in f.message]
    assert [(f.code, f.severity, list(f.event_ids)) for f in finer] == [
        (pb.FINDING_CODE_NORMALISED_TIMESTAMP, pb.SEVERITY_INFO, ["a"])
    ]
    assert finer[0].message.startswith("1 event had")


@pytest.mark.parametrize("duration", ["PT30.000001S", "PT30.0000010S", 30.5, 30])
def test_a_document_duration_to_the_microsecond_is_not_reported(duration: str | float) -> None:
    request = spb.ValidateRequest(document=pb.Document(content=_json_doc(duration)))
    response = spb.ValidateResponse.FromString(validate_general(request.SerializeToString(), 100))
    assert not [f for f in response.findings if "below a microsecond" in f.message]
