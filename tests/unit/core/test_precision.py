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
