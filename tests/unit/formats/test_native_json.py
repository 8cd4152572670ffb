"""ScheduleFlow JSON: reading, writing, and the JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import ChannelInfo, Event, EventKind, FindingCode
from scheduleflow.server.core.timeparse import parse_instant
from scheduleflow.server.formats import Format, Limits, native_json, parse_document, render_document, schema_file
from tests.profiles import examples

from . import _strategies as s

CORPUS = Path(__file__).parent / "corpus"
VALIDATOR = jsonschema.Draft202012Validator(json.loads(schema_file(Format.JSON).read_text()))


def us(text: str) -> int:
    return parse_instant(text).us


def doc(events: list[dict[str, Any]], **top: Any) -> bytes:
    return json.dumps({"scheduleflow": 1, **top, "events": events}).encode()


def test_sample_is_read() -> None:
    content = b"""{"scheduleflow": 1, "revision": 3,
 "channel": {"id": "bbc1.example", "display_name": "BBC One", "time_zone": "Europe/London"},
 "events": [{"id": "e1", "start": "2025-11-22T09:30:00Z", "duration": "PT30M", "asset_id": "A123", "title": "News",
             "kind": "program", "fixed_start": false, "metadata": {"artist": "x"}},
            {"id": "e2", "start": "2025-07-01T10:00:00", "duration": 90.5, "kind": "promo", "fixed_start": true}]}"""
    parsed = parse_document(content, Format.JSON)
    assert parsed.channels == (ChannelInfo("bbc1.example", "BBC One", "Europe/London"),)
    assert parsed.events == (
        Event(
            "e1", us("2025-11-22T09:30:00Z"), 1800 * 10**6, "A123", "News", EventKind.PROGRAM, False, {"artist": "x"}
        ),
        Event("e2", us("2025-07-01T09:00:00Z"), 90_500_000, kind=EventKind.PROMO, fixed_start=True),
    )
    assert [(loc.line, loc.column, loc.field) for loc in parsed.locations] == [
        (3, 13, "/events/0"),
        (5, 13, "/events/1"),
    ]


def test_a_channel_after_the_events_still_gives_local_times_their_zone() -> None:
    content = b"""{"scheduleflow": 1, "events": [
  {"id": "a", "start": "2025-07-01T10:00:00", "duration": 60},
  {"id": "b", "start": "2025-07-01T10:00:00Z", "duration": 60},
  {"id": "gap", "start": "2025-03-30T01:30:00", "duration": 60}
 ],
 "channel": {"time_zone": "Europe/London"}}"""
    parsed = parse_document(content, Format.JSON, default_zone="Asia/Tokyo")
    assert [(e.id, e.start_us) for e in parsed.events] == [
        ("a", us("2025-07-01T09:00:00Z")),
        ("b", us("2025-07-01T10:00:00Z")),
    ]
    assert [loc.field for loc in parsed.locations] == ["/events/0", "/events/1"]
    (gap,) = [f for f in parsed.findings if f.code is FindingCode.NONEXISTENT_LOCAL_TIME]
    assert gap.event_ids == ("gap",)
    assert gap.location is not None
    assert (gap.location.line, gap.location.field) == (4, "/events/2/start")


def test_default_zone_reads_local_times_without_a_channel_zone() -> None:
    parsed = parse_document(
        doc([{"id": "a", "start": "2025-07-01T10:00:00", "duration": 60}]), default_zone="America/New_York"
    )
    assert parsed.events[0].start_us == us("2025-07-01T14:00:00Z")


@pytest.mark.parametrize("revision", [0, 3, 3.0, 2**63 - 1])
def test_revision_is_any_non_negative_integer(revision: float) -> None:
    assert parse_document(doc([], revision=revision)).events == ()


@pytest.mark.parametrize(
    ("limits", "event", "field", "message"),
    [
        (Limits(max_text=3), {"id": "abcd", "start": "x", "duration": 1}, "/events/0/id", "'id' is 4 characters long"),
        (
            Limits(max_text=3),
            {"id": "a", "start": "x", "duration": 1, "metadata": {"k": "abcd"}},
            "/events/0/metadata/k",
            "is 4 characters",
        ),
        (
            Limits(max_metadata_entries=1),
            {"id": "a", "start": "x", "duration": 1, "metadata": {"k": "", "l": ""}},
            "/events/0/metadata",
            "at most 1",
        ),
    ],
)
def test_limits_apply_per_field(limits: Limits, event: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as info:
        parse_document(doc([event]), Format.JSON, limits=limits)
    assert info.value.violations[0].where.field == field


def test_render_compact_and_pretty() -> None:
    events = [Event("e1", us("2025-11-22T09:30:00Z"), 1800 * 10**6, title="Ünïcode 🎬", metadata={"b": "1", "a": "2"})]
    channel = ChannelInfo("c.example", "C", "UTC")
    compact = render_document(Format.JSON, channel, events, revision=2)
    assert (
        compact
        == (
            '{"scheduleflow":1,"revision":2,"channel":{"id":"c.example","display_name":"C","time_zone":"UTC"},'
            '"events":[{"id":"e1","start":"2025-11-22T09:30:00Z","duration":"PT30M","title":"Ünïcode 🎬",'
            '"kind":"program","metadata":{"a":"2","b":"1"}}]}'
        ).encode()
    )
    pretty = render_document(Format.JSON, channel, events, revision=2, pretty=True)
    assert json.loads(pretty) == json.loads(compact)
    assert pretty.decode().splitlines()[:3] == ["{", '  "scheduleflow": 1,', '  "revision": 2,']
    assert '\n    {\n      "id": "e1",\n' in pretty.decode()
    assert (
        render_document(Format.JSON, ChannelInfo(), [], pretty=True)
        == b'{\n  "scheduleflow": 1,\n  "revision": 0,\n  "events": []\n}\n'
    )


@pytest.mark.parametrize("text", ["nul\x00", "lone \ud800", "\ufffe"])
def test_render_refuses_text_no_format_can_read_back(text: str) -> None:
    with pytest.raises(InvalidInput, match=r"event 'e1': title holds U\+"):
        render_document(Format.JSON, ChannelInfo(), [Event("e1", 0, 10**6, title=text)])


# ---- the JSON Schema says what the parser says


@settings(max_examples=examples(40), deadline=None)
@given(channel=s.channels, events=st.lists(s.events, max_size=4), pretty=st.booleans())
def test_every_rendered_document_is_valid_against_the_schema(
    channel: ChannelInfo, events: list[Event], pretty: bool
) -> None:
    VALIDATOR.validate(json.loads(render_document(Format.JSON, channel, events, pretty=pretty)))


_E = {"id": "a", "start": "2025-01-01T00:00:00Z", "duration": "PT1M"}

ACCEPTED: list[Any] = [
    {"scheduleflow": 1, "events": []},
    {"scheduleflow": 1, "revision": 0, "channel": {}, "events": [_E]},
    {
        "scheduleflow": 1,
        "channel": {"id": "x", "display_name": "", "time_zone": "UTC"},
        "events": [{**_E, "duration": 0}],
    },
    {
        "scheduleflow": 1,
        "events": [{**_E, "duration": -1.5, "kind": "filler", "fixed_start": True, "metadata": {"k": ""}}],
    },
    {
        "scheduleflow": 1,
        "events": [{**_E, "duration": "P1DT2H3M4,5S"}, {**_E, "duration": "01:00:00"}, {**_E, "duration": "-PT0.5S"}],
    },
    # A start that is not a timestamp is a finding, not a refusal.
    {"scheduleflow": 1, "events": [{**_E, "start": "soon"}]},
]

REFUSED: list[Any] = [
    [],
    {"events": []},
    {"scheduleflow": 2, "events": []},
    {"scheduleflow": 1},
    {"scheduleflow": 1, "events": [], "extra": 1},
    {"scheduleflow": 1, "revision": -1, "events": []},
    {"scheduleflow": 1, "revision": 1.5, "events": []},
    {"scheduleflow": 1, "revision": "3", "events": []},
    {"scheduleflow": 1, "channel": {"id": ""}, "events": []},
    {"scheduleflow": 1, "channel": {"name": "x"}, "events": []},
    {"scheduleflow": 1, "channel": {"time_zone": 1}, "events": []},
    {"scheduleflow": 1, "events": {}},
    {"scheduleflow": 1, "events": ["a"]},
    {"scheduleflow": 1, "events": [{"start": "x", "duration": 1}]},
    {"scheduleflow": 1, "events": [{"id": "a", "duration": 1}]},
    {"scheduleflow": 1, "events": [{"id": "a", "start": "x"}]},
    {"scheduleflow": 1, "events": [{**_E, "id": ""}]},
    {"scheduleflow": 1, "events": [{**_E, "id": 1}]},
    {"scheduleflow": 1, "events": [{**_E, "start": 1}]},
    {"scheduleflow": 1, "events": [{**_E, "start": None}]},
    {"scheduleflow": 1, "events": [{**_E, "duration": "30 minutes"}]},
    {"scheduleflow": 1, "events": [{**_E, "duration": "P"}]},
    {"scheduleflow": 1, "events": [{**_E, "duration": "PT"}]},
    {"scheduleflow": 1, "events": [{**_E, "duration": "PT1H30"}]},
    {"scheduleflow": 1, "events": [{**_E, "duration": "1:75:00"}]},
    {"scheduleflow": 1, "events": [{**_E, "duration": True}]},
    {"scheduleflow": 1, "events": [{**_E, "duration": None}]},
    {"scheduleflow": 1, "events": [{**_E, "kind": "PROGRAM"}]},
    {"scheduleflow": 1, "events": [{**_E, "kind": None}]},
    {"scheduleflow": 1, "events": [{**_E, "fixed_start": "true"}]},
    {"scheduleflow": 1, "events": [{**_E, "title": None}]},
    {"scheduleflow": 1, "events": [{**_E, "asset_id": 7}]},
    {"scheduleflow": 1, "events": [{**_E, "metadata": []}]},
    {"scheduleflow": 1, "events": [{**_E, "metadata": {"k": 1}}]},
    {"scheduleflow": 1, "events": [{**_E, "metadata": {"": "v"}}]},
    {"scheduleflow": 1, "events": [{**_E, "colour": "red"}]},
]

#: What the schema cannot express and only the parser refuses (see the
#: schema's description): limits, time zones, overflow, and text XML cannot carry.
PARSER_ONLY: list[Any] = [
    {"scheduleflow": 1, "channel": {"time_zone": "Mars/Olympus"}, "events": []},
    {"scheduleflow": 1, "events": [{**_E, "duration": "P400D"}]},
    {"scheduleflow": 1, "events": [{**_E, "duration": 1e300}]},
    {"scheduleflow": 1, "events": [{**_E, "start": "9999-12-31T23:59:00Z", "duration": "PT2M"}]},
    {"scheduleflow": 1, "events": [{**_E, "title": "bell\x07"}]},
]


@pytest.mark.parametrize("sample", ACCEPTED, ids=range(len(ACCEPTED)))
def test_schema_and_parser_accept(sample: Any) -> None:
    VALIDATOR.validate(sample)
    parse_document(json.dumps(sample).encode(), Format.JSON)


@pytest.mark.parametrize("sample", REFUSED, ids=range(len(REFUSED)))
def test_schema_and_parser_refuse(sample: Any) -> None:
    assert not VALIDATOR.is_valid(sample)
    with pytest.raises(InvalidInput):
        parse_document(json.dumps(sample).encode(), Format.JSON)


@pytest.mark.parametrize("sample", PARSER_ONLY, ids=range(len(PARSER_ONLY)))
def test_parser_refuses_what_the_schema_cannot_express(sample: Any) -> None:
    assert VALIDATOR.is_valid(sample)
    with pytest.raises(InvalidInput):
        parse_document(json.dumps(sample).encode(), Format.JSON)


def test_the_schema_duration_pattern_is_the_parser_s() -> None:
    from scheduleflow.server.formats._common import DURATION_PATTERN

    schema = json.loads(schema_file(Format.JSON).read_text())
    assert schema["$defs"]["event"]["properties"]["duration"]["oneOf"][0]["pattern"] == f"^{DURATION_PATTERN}$"
    assert f'value="{DURATION_PATTERN}"' in schema_file(Format.XML).read_text()


# ---- the decoding window (rule 2 of native_json)


def _outcome(content: bytes) -> object:
    try:
        doc = parse_document(content, Format.JSON)
    except InvalidInput as exc:
        return ("error", exc.message, exc.violations)
    return ("doc", doc)


_WINDOW_SAMPLES = sorted(p for p in CORPUS.glob("json_*.json") if p.stat().st_size < 100_000)


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_a_tiny_window_reads_every_document_the_same(chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values, escapes and multi-byte characters cut at every seam give the
    same events, findings and errors (with the same places) as one window."""
    samples = [p.read_bytes() for p in _WINDOW_SAMPLES]
    samples.append(
        render_document(
            Format.JSON,
            ChannelInfo("c.example", "Ç 🎬", "Europe/London"),
            [
                Event(f"e{i}", i * 10**6 + 123, 1800 * 10**6, "a", 'é\\u0041 "q" 🦄' * i, metadata={"k": "v"})
                for i in range(5)
            ],
            revision=123456789,
            pretty=True,
        )
    )
    expected = [_outcome(content) for content in samples]
    monkeypatch.setattr(native_json, "_CHUNK", chunk)
    assert [_outcome(content) for content in samples] == expected
