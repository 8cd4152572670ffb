"""Cost follows size: every parser and the validator on adversarial shapes.

Each shape is built at n, 2n and 4n and timed (best of three) within one run;
the 4n/n ratio must stay under ``MAX_RATIO``: linear work gives 4, n log n a
little more, quadratic 16. Ratios, never absolute seconds: the machine is
shared. A document a limit refuses must be refused in time linear in its size,
too (the 100,000-attribute root once cost quadratic time before its refusal).

CPU time of this process, not wall time, so that other processes on the
machine do not count. Sizes stay within the JSON reader's first 1 MiB window:
a value that crosses it is scanned again in a window twice the size (linear
overall, but a step in the ratio), and past a few MB even CPython's own JSON
decoding slows per key as its tables outgrow the caches.
"""

from __future__ import annotations

import contextlib
import gc
import json
import time
from collections.abc import Callable

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import Event
from scheduleflow.server.core.validate import InputEvent, Rules, validate, validate_events
from scheduleflow.server.formats import Format, parse_document

pytestmark = pytest.mark.slow  # the cost tier: every shape at n, 2n and 4n, best of three; .ci/run runs it (--slow)

#: Between linear (4) and quadratic (16), with room for a noisy shared machine.
MAX_RATIO = 8.0

NS = "https://scheduleflow.dev/schema/v1"
HOUR_US = 3600 * 10**6
T0 = 1_763_800_000 * 10**6


def _cost(work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(3):
        gc.collect()
        started = time.process_time()
        with contextlib.suppress(InvalidInput):
            work()
        best = min(best, time.process_time() - started)
    return best


def _growth(make: Callable[[int], Callable[[], object]], n: int) -> float:
    """How much the work grows from n to 4n (4: linear)."""
    small, large = make(n), make(4 * n)
    _cost(small)  # warm caches (the XSD, zone data) outside the measure
    return _cost(large) / max(_cost(small), 1e-6)


def _doc(fmt: Format, build: Callable[[int], bytes]) -> Callable[[int], Callable[[], object]]:
    def make(n: int) -> Callable[[], object]:
        content = build(n)
        return lambda: parse_document(content, fmt)

    return make


def _xml(body: str, root_attrs: str = "") -> bytes:
    return f'<schedule xmlns="{NS}" version="1"{root_attrs}>{body}</schedule>'.encode()


def _xml_event(i: int, inner: str = "", attrs: str = "") -> str:
    return f'<event id="e{i}" start="2025-11-22T09:00:00Z" duration="PT1H"{attrs}>{inner}</event>'


def _tv(body: str, attrs: str = "") -> bytes:
    return f"<tv{attrs}>{body}</tv>".encode()


def _programme(i: int, inner: str = "<title>t</title>", attrs: str = "") -> str:
    hour = i % 24
    return f'<programme start="20251122{hour:02d}0000 +0000" channel="c{i % 7}"{attrs}>{inner}</programme>'


def _attrs(n: int) -> str:
    return "".join(f' a{i}="x"' for i in range(n))


def _nest(depth: int) -> str:
    return "<x>" * depth + "</x>" * depth


def _json(events: list[dict[str, object]], **extra: object) -> bytes:
    return json.dumps({"channel": {"id": "c"}, "events": events, **extra}).encode()


def _json_event(i: int, **extra: object) -> dict[str, object]:
    return {"id": f"e{i}", "start": "2025-11-22T09:00:00Z", "duration": "PT1H", **extra}


_BXF_NS = "http://smpte-ra.org/schemas/2021/2017/BXF"


def _bxf(body: str, schedule_attrs: str = "") -> bytes:
    # One line, as an export writes it: positions must not be found by
    # scanning the line for every event (that once made a day take 36 s).
    return (
        f'<BxfMessage xmlns="{_BXF_NS}"><BxfData><Schedule type="Primary"{schedule_attrs}>{body}'
        "</Schedule></BxfData></BxfMessage>"
    ).encode()


def _bxf_event(i: int, private: str = "", note: str = "") -> str:
    return (
        f"<ScheduledEvent><EventData><EventId><EventId>urn:uuid:00000000-0000-4000-8000-{i:012d}</EventId></EventId>"
        "<PrimaryEvent><ProgramEvent><SegmentNumber>1</SegmentNumber></ProgramEvent></PrimaryEvent>"
        '<StartDateTime><SmpteDateTime broadcastDate="2025-11-22" frameRate="25"><SmpteTimeCode>09:00:00:00'
        "</SmpteTimeCode></SmpteDateTime></StartDateTime><LengthOption><Duration><UtcDuration>PT10.01S</UtcDuration>"
        f"</Duration></LengthOption><StartMode>Follow</StartMode><EndMode>Duration</EndMode>{note}{private}"
        "</EventData></ScheduledEvent>"
    )


SHAPES: dict[str, tuple[Callable[[int], Callable[[], object]], int]] = {
    # Every event kept verbatim (a note ScheduleFlow does not model) and with a
    # finding (10.01 s is off the 25 fps grid): the dearest events there are.
    "bxf events on one line": (
        _doc(
            Format.BXF,
            lambda n: _bxf(
                "".join(_bxf_event(i, note="<EventNotes><EventNote>n</EventNote></EventNotes>") for i in range(n))
            ),
        ),
        300,
    ),
    "bxf schedule attributes": (_doc(Format.BXF, lambda n: _bxf(_bxf_event(0), _attrs(n))), 10_000),
    "bxf private information": (
        _doc(
            Format.BXF, lambda n: _bxf(_bxf_event(0, private=f"<PrivateInformation>{'<p/>' * n}</PrivateInformation>"))
        ),
        10_000,
    ),
    "bxf deep nesting": (
        _doc(Format.BXF, lambda n: _bxf("".join(_bxf_event(i, private=_nest(50)) for i in range(n)))),
        200,
    ),
    # -- ScheduleFlow XML
    "xml root attributes": (_doc(Format.XML, lambda n: _xml("", _attrs(n))), 10_000),
    "xml event attributes": (_doc(Format.XML, lambda n: _xml(_xml_event(0, attrs=_attrs(n)))), 10_000),
    "xml nested attributes": (
        _doc(Format.XML, lambda n: _xml(_xml_event(0, inner=f"<title{_attrs(n)}>t</title>"))),
        10_000,
    ),
    "xml events": (_doc(Format.XML, lambda n: _xml("".join(_xml_event(i) for i in range(n)))), 500),
    "xml long element name": (_doc(Format.XML, lambda n: _xml(f"<{'a' * n}/>")), 100_000),
    "xml long root name": (_doc(Format.XML, lambda n: f"<{'a' * n}/>".encode()), 100_000),
    "xml long id": (_doc(Format.XML, lambda n: _xml(_xml_event(0).replace('"e0"', f'"{"e" * n}"'))), 10_000),
    "xml deep nesting": (_doc(Format.XML, lambda n: _xml("".join(_xml_event(i, _nest(60)) for i in range(n)))), 200),
    "xml channels": (
        _doc(Format.XML, lambda n: _xml("".join(f'<channel id="c{i}" time-zone="UTC"/>' for i in range(n)))),
        2_000,
    ),
    # -- XMLTV
    "xmltv root attributes": (_doc(Format.XMLTV, lambda n: _tv("", _attrs(n))), 10_000),
    "xmltv programme attributes": (_doc(Format.XMLTV, lambda n: _tv(_programme(0, attrs=_attrs(n)))), 10_000),
    "xmltv nested attributes": (
        _doc(Format.XMLTV, lambda n: _tv(_programme(0, inner=f"<title{_attrs(n)}>t</title>"))),
        10_000,
    ),
    "xmltv programmes": (_doc(Format.XMLTV, lambda n: _tv("".join(_programme(i) for i in range(n)))), 2_000),
    "xmltv long element name": (_doc(Format.XMLTV, lambda n: _tv(_programme(0, inner=f"<{'a' * n}/>"))), 100_000),
    "xmltv deep nesting": (
        _doc(Format.XMLTV, lambda n: _tv("".join(_programme(i, inner=_nest(60)) for i in range(n)))),
        200,
    ),
    "xmltv channels": (
        _doc(
            Format.XMLTV,
            lambda n: _tv(
                "".join(f'<channel id="c{i}"><display-name>C{i}</display-name></channel>' for i in range(n))
                + _programme(0)
            ),
        ),
        2_000,
    ),
    # What a guide says of itself: 64 elements kept with every channel, the rest reported.
    "xmltv extensions among programmes": (
        _doc(Format.XMLTV, lambda n: _tv("".join(f"<x-e{i % 5}/>" + _programme(i) for i in range(n)))),
        2_000,
    ),
    "xmltv extensions in a row": (_doc(Format.XMLTV, lambda n: _tv("<x-e/>" * n + _programme(0))), 10_000),
    "xmltv extensions among channels": (
        _doc(
            Format.XMLTV,
            lambda n: _tv("".join(f'<x-e/><channel id="c{i}"/>' for i in range(n)) + _programme(0)),
        ),
        2_000,
    ),
    # -- ScheduleFlow JSON
    "json document attributes": (
        _doc(
            Format.JSON,
            lambda n: json.dumps(
                {
                    "channel": {
                        "id": "c",
                        "details": {"document_attributes": [{"name": f"a{i}", "value": "v"} for i in range(n)]},
                    },
                    "events": [],
                }
            ).encode(),
        ),
        5_000,
    ),
    "json root keys": (_doc(Format.JSON, lambda n: _json([], **{f"k{i}": 1 for i in range(n)})), 5_000),
    "json event keys": (_doc(Format.JSON, lambda n: _json([_json_event(0, **{f"k{i}": 1 for i in range(n)})])), 5_000),
    "json metadata keys": (
        _doc(Format.JSON, lambda n: _json([_json_event(0, metadata={f"k{i}": "v" for i in range(n)})])),
        5_000,
    ),
    "json events": (_doc(Format.JSON, lambda n: _json([_json_event(i) for i in range(n)])), 500),
    "json long key": (_doc(Format.JSON, lambda n: _json([], **{"k" * n: 1})), 100_000),
    "json deep nesting": (
        _doc(Format.JSON, lambda n: _json([_json_event(i, metadata={"a": "b"}) for i in range(n)], x=[[[[[[1]]]]]])),
        500,
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_parser_costs_what_its_input_weighs(shape: str) -> None:
    make, n = SHAPES[shape]
    assert _growth(make, n) < MAX_RATIO


def _validate_inputs(make_inputs: Callable[[int], list[InputEvent]]) -> Callable[[int], Callable[[], object]]:
    rules = Rules(max_findings=1_000_000)

    def make(n: int) -> Callable[[], object]:
        inputs = make_inputs(n)
        return lambda: validate(inputs, rules=rules)

    return make


def _validate_events(make_events: Callable[[int], list[Event]]) -> Callable[[int], Callable[[], object]]:
    rules = Rules(max_findings=1_000_000, asset_cooldown_us=HOUR_US * 24)

    def make(n: int) -> Callable[[], object]:
        events = make_events(n)
        return lambda: validate_events(events, rules=rules)

    return make


FINDING_SHAPES: dict[str, tuple[Callable[[int], Callable[[], object]], int]] = {
    # Every event overlaps every other: n findings, not n squared.
    "all at one start": (
        _validate_events(lambda n: [Event(f"e{i}", T0, HOUR_US) for i in range(n)]),
        500,
    ),
    "one id used again and again": (
        _validate_events(lambda n: [Event("same", T0 + i * HOUR_US, HOUR_US) for i in range(n)]),
        2_000,
    ),
    "one asset back to back": (
        _validate_events(lambda n: [Event(f"e{i}", T0 + i * HOUR_US, HOUR_US, asset_id="a") for i in range(n)]),
        1_000,
    ),
    "a gap after every event": (
        _validate_events(lambda n: [Event(f"e{i}", T0 + 2 * i * HOUR_US, HOUR_US) for i in range(n)]),
        1_000,
    ),
    "every start unreadable": (
        _validate_inputs(lambda n: [InputEvent(f"e{i}", f"not a time {i}", HOUR_US) for i in range(n)]),
        2_000,
    ),
}


@pytest.mark.parametrize("shape", sorted(FINDING_SHAPES))
def test_validation_costs_what_its_findings_weigh(shape: str) -> None:
    make, n = FINDING_SHAPES[shape]
    assert _growth(make, n) < MAX_RATIO
