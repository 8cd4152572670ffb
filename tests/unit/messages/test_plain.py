"""Domain values as the schedule page's JSON: every field, generically."""

from __future__ import annotations

import json
from typing import NamedTuple

from scheduleflow.server.core.model import Event, EventKind, Finding, FindingCode, Location, Severity, Window
from scheduleflow.server.messages.plain import dumps, plain


class _Title(NamedTuple):
    value: str
    lang: str = ""


class _Details(NamedTuple):
    titles: tuple[_Title, ...] = ()
    episode: str = ""


def test_an_event_keeps_every_field_by_name_and_drops_empty_ones() -> None:
    event = Event("e1", 0, 1_800_000_000, title="News", kind=EventKind.LIVE, metadata={"episode": "S01E02"})
    assert plain(event) == {
        "id": "e1",
        "start_us": 0,  # zero is a value, not an absence
        "duration_us": 1_800_000_000,
        "title": "News",
        "kind": "LIVE",
        "fixed_start": False,
        "metadata": {"episode": "S01E02"},
    }


def test_parts_the_model_grows_come_through_without_naming_them() -> None:
    details = _Details(titles=(_Title("Nouvelles", "fr"), _Title("News")))
    assert plain(details) == {"titles": [{"value": "Nouvelles", "lang": "fr"}, {"value": "News"}]}


def test_findings_name_their_code_severity_and_span() -> None:
    finding = Finding(FindingCode.OVERLAP, Severity.ERROR, "overlap", ("a", "b"), Location(field="x"), Window(1, 2))
    assert json.loads(dumps(finding)) == {
        "code": "OVERLAP",
        "severity": "ERROR",
        "message": "overlap",
        "event_ids": ["a", "b"],
        "location": {"line": 0, "column": 0, "field": "x"},
        "span": {"start_us": 1, "end_us": 2},
    }
