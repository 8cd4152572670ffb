"""The compiled Validate fast path (``_cvalidate.c``) against the Python path it stands in for.

The C reads a ValidateRequest's wire bytes by hand. Its one safety rule: when it
answers (bytes), the answer is byte for byte what ``jobs.validate_general``
returns for the same request, and that call does not raise; in any doubt it
answers None and Python decides. The tests hold it to that rule four ways:

- clean schedules it must answer, so that an answer with the wrong bytes fails
  (a fast path that always said None would pass a safety check alone);
- requests it must leave to Python: findings, options only Python handles;
- bytes protobuf may or may not parse: random, edited, and varints written
  longer than needed;
- a few examples to read: the benchmark's schedule, one event, a window, 1969.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

import pytest
from google.protobuf.descriptor import Descriptor
from google.protobuf.duration_pb2 import Duration
from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import MAX_DURATION_US, MAX_INSTANT_US, MIN_INSTANT_US
from scheduleflow.server.dispatch import native
from scheduleflow.server.dispatch.jobs import validate_general
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb
from tests.payloads import validate_request
from tests.profiles import examples

SECOND = 1_000_000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
#: What the server passes by default; no clean schedule comes near it.
MAX_FINDINGS = 1000
#: The last whole second of year 9999: an event starting in the second after it
#: is outside what both fast paths read, so clean schedules end by then.
END_LIMIT = MAX_INSTANT_US // SECOND * SECOND

NOT_BUILT = "the C extension was not built: install gcc and the Python headers, then run scripts/setup again"

# Schedules of up to 60 events with text everywhere: slower to draw than the default expects.
PROPERTY = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- both paths -----------------------------------------------------------------------------


def answer_native(raw: bytes) -> bytes | None:
    if native.validate_clean is None:
        # Fail, not skip: a server without the extension is slower, and a skip would hide that.
        raise AssertionError(NOT_BUILT)
    return native.validate_clean(raw)


def answer_python(raw: bytes) -> bytes | None:
    """validate_general's response, or None when it refuses the request as invalid input."""
    try:
        return validate_general(raw, MAX_FINDINGS)
    except InvalidInput:
        return None


def assert_safe(raw: bytes) -> bytes | None:
    """The safety rule for one request; returns the native answer.

    The one error the fast path raises is Python's first: an unknown time zone.
    """
    refusal: object = None
    try:
        fast = answer_native(raw)
    except InvalidInput as refused:
        fast, refusal = None, refused.violations
    if refusal is not None:
        with pytest.raises(InvalidInput) as python_refused:
            validate_general(raw, MAX_FINDINGS)
        assert python_refused.value.violations == refusal, raw.hex()
        return None
    if fast is not None:
        slow = answer_python(raw)
        assert slow is not None, f"the C answered a request Python refuses: {raw.hex()}"
        assert fast == slow, f"the C and Python differ for {raw.hex()}:\nC:      {fast.hex()}\nPython: {slow.hex()}"
    return fast


def findings_of(response: bytes) -> set[int]:
    return {f.code for f in spb.ValidateResponse.FromString(response).findings}


# -- building requests ----------------------------------------------------------------------


def set_instant(ts: Timestamp, us: int, extra_ns: int = 0) -> None:
    """``us`` with ``extra_ns`` below a microsecond (which both paths drop).

    Seconds round down, so nanos are never negative: 1969-12-31T23:59:58.5Z is
    seconds -2, nanos 500000000, as protobuf requires.
    """
    seconds, micros = divmod(us, SECOND)
    ts.seconds = seconds
    ts.nanos = micros * 1000 + extra_ns


def set_span(d: Duration, us: int, extra_ns: int = 0) -> None:
    d.seconds, micros = divmod(us, SECOND)
    d.nanos = micros * 1000 + extra_ns


def us_of(ts: Timestamp | Duration) -> int:
    return int(ts.seconds) * SECOND + int(ts.nanos) // 1000


def shift(ts: Timestamp, us: int) -> None:
    """Move an instant by ``us``, keeping its nanoseconds below the microsecond."""
    total = ts.seconds * 1_000_000_000 + ts.nanos + us * 1000
    ts.seconds, ts.nanos = divmod(total, 1_000_000_000)


def ends(request: spb.ValidateRequest) -> tuple[int, int]:
    """The first event's start and the last one's end."""
    events = request.events.events
    return us_of(events[0].start_time), us_of(events[-1].start_time) + us_of(events[-1].duration)


def varint(value: int, size: int = 0) -> bytes:
    """``value`` (as unsigned 64 bits) in base 128, padded to ``size`` bytes if it needs fewer."""
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value or len(out) + 1 < size:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    """A length-delimited field, written by hand: for bytes the generated code refuses to make."""
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def one_event_request(event: bytes) -> bytes:
    """A ValidateRequest whose only event is ``event``'s bytes."""
    return field(1, field(1, event))


def utc_us(year: int, month: int = 1, day: int = 1) -> int:
    return (datetime(year, month, day, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


# -- clean schedules ------------------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    request: spb.ValidateRequest
    #: What the contract says: the C must answer (True) or leave it to Python.
    clean: bool


_IDS_TEXT = st.text(min_size=1, max_size=10)  # any code point but surrogates, which UTF-8 cannot carry
_ASSET_POOL = st.sampled_from(["", "", "ad-1", "ad-2", "film", "ü-Ω-🎵", "x" * 40, "Ad-1"])
_STARTS = st.one_of(
    st.integers(utc_us(2020), utc_us(2030)),
    st.integers(utc_us(1900), utc_us(1970)),  # before the epoch: negative seconds
    st.integers(MIN_INSTANT_US, MIN_INSTANT_US + 30 * DAY),  # year 1, the first instant allowed
    st.integers(END_LIMIT - 30 * DAY, END_LIMIT),  # year 9999 (moved back to fit the schedule)
)
_DURATIONS = st.one_of(
    st.integers(1, 999),  # microseconds
    st.integers(SECOND, 3 * HOUR),
    st.integers(1, MAX_DURATION_US - 1),  # up to 366 days
)
_SUB_MICRO = st.integers(0, 999)
_METADATA = st.dictionaries(
    st.one_of(st.sampled_from(["artist", "category", "genre"]), st.text(max_size=6)), st.text(max_size=6), max_size=3
)
_EDGE = st.one_of(st.just(0), st.integers(1, 999), st.integers(SECOND, 2 * HOUR))


@st.composite
def schedules(draw: st.DrawFn, *, max_events: int = 60, rules_may_break: bool = False) -> Schedule:
    """Events in order and back to back, every one complete and in range.

    With ``rules_may_break`` the window's edges and the asset cooldown are drawn
    at random and ``clean`` says whether Python will report them; without it
    they are drawn to be kept, so every schedule is clean.
    """
    n = draw(st.integers(1, max_events), label="n")
    ids = draw(
        st.one_of(
            st.just([f"ev-{i:04d}" for i in range(n)]),  # sequential: the C's no-hashing case
            st.just([f"ev-{i:04d}" for i in reversed(range(n))]),
            st.lists(_IDS_TEXT, min_size=n, max_size=n, unique=True),
        ),
        label="ids",
    )
    assets = draw(
        st.one_of(
            st.lists(_ASSET_POOL, min_size=n, max_size=n),  # repeats, and events without an asset
            st.just([f"asset-{i % 41}" for i in range(n)]),  # more than the C's first table holds
            # numbered in rotation, first seen in id order: the C's counting sort of the items
            st.integers(1, 20).map(lambda k: [f"asset-{i % k:03d}" for i in range(n)]),
            st.lists(st.text(max_size=8), min_size=n, max_size=n),
        ),
        label="assets",
    )
    durations = draw(st.lists(_DURATIONS, min_size=n, max_size=n), label="durations")
    total = sum(durations)
    first = min(max(draw(_STARTS, label="start"), MIN_INSTANT_US), END_LIMIT - total)

    request = spb.ValidateRequest()
    events = request.events.events
    start = first
    starts: list[int] = []
    for event_id, asset, duration in zip(ids, assets, durations, strict=True):
        event = events.add(
            id=event_id,
            asset_id=asset,
            title=draw(st.text(max_size=12)),
            kind=draw(st.integers(0, 7)),
            fixed_start=draw(st.booleans()),
            metadata=draw(_METADATA),
        )
        # Event times finer than a microsecond are a finding (see below); the
        # window's and the rules' are parameters, truncated on both paths.
        set_instant(event.start_time, start)
        set_span(event.duration, duration)
        starts.append(start)
        start += duration
    last = start

    lead = tail = 0
    if draw(st.booleans(), label="window"):
        lead = min(draw(_EDGE), first - MIN_INSTANT_US)
        tail = min(draw(_EDGE), MAX_INSTANT_US - last)
        set_instant(request.window.start_time, first - lead, draw(_SUB_MICRO))
        set_instant(request.window.end_time, last + tail, draw(_SUB_MICRO))

    # The closest two plays of one asset: a cooldown up to it is kept.
    spacing = MAX_DURATION_US
    last_play: dict[str, int] = {}
    for asset, at in zip(assets, starts, strict=True):
        if asset:
            if asset in last_play:
                spacing = min(spacing, at - last_play[asset])
            last_play[asset] = at

    ignore_gaps = False
    threshold = cooldown = 0
    edges_need_rules = not rules_may_break and max(lead, tail) > 0
    if edges_need_rules or draw(st.booleans(), label="rules"):
        rules = request.rules
        ignore_gaps = draw(st.booleans())
        if edges_need_rules and not ignore_gaps:
            threshold = max(lead, tail) + draw(st.sampled_from([0, 1, HOUR]))
        elif draw(st.booleans()):
            threshold = draw(_EDGE)
        if threshold or draw(st.booleans()):
            set_span(rules.gap_threshold, threshold, draw(_SUB_MICRO))
        rules.ignore_gaps = ignore_gaps
        if draw(st.booleans()):
            if rules_may_break:
                cooldown = draw(st.one_of(st.just(0), st.integers(1, 4 * HOUR)))
            else:
                cooldown = draw(st.integers(0, spacing))
            set_span(rules.asset_cooldown, cooldown, draw(_SUB_MICRO))
        rules.max_findings = draw(st.integers(-3, 5000))  # 0 and below: the default
        if draw(st.booleans()):
            # Present but zero: the rule is off, as if absent.
            rules.artist_separation.SetInParent()
            rules.category_separation.SetInParent()
    if draw(st.booleans()):
        request.channel_id = draw(st.text(max_size=12))
    if draw(st.booleans()):
        # Instants need no zone; a valid one is only checked (an unknown one: see the tests below).
        request.time_zone = draw(st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"]))

    edges_kept = ignore_gaps or max(lead, tail) <= threshold
    cooldown_kept = cooldown == 0 or spacing >= cooldown
    return Schedule(request, clean=edges_kept and cooldown_kept)


# -- the extension is there ------------------------------------------------------------------


def test_the_c_extension_is_built() -> None:
    assert native.validate_clean is not None, NOT_BUILT


# -- clean schedules: answered, with Python's bytes -------------------------------------------


@PROPERTY
@given(schedule=schedules())
def test_a_clean_schedule_is_answered_natively_with_the_bytes_python_returns(schedule: Schedule) -> None:
    raw = schedule.request.SerializeToString()

    fast = answer_native(raw)

    assert fast is not None, "a clean schedule of instants must not fall back to Python"
    assert fast == validate_general(raw, MAX_FINDINGS)
    assert not findings_of(fast)


@PROPERTY
@given(schedule=schedules(rules_may_break=True))
def test_edge_dead_air_and_cooldowns_go_to_python_exactly_when_it_reports_them(schedule: Schedule) -> None:
    raw = schedule.request.SerializeToString()
    slow = validate_general(raw, MAX_FINDINGS)
    found = findings_of(slow)
    # The generator's idea of clean is Python's: nothing else can be wrong with these.
    assert found <= {pb.FINDING_CODE_GAP, pb.FINDING_CODE_COOLDOWN_BREACH}
    assert (not found) == schedule.clean

    fast = answer_native(raw)

    if found:
        assert fast is None
    else:
        assert fast == slow


# -- dirty requests: left to Python -----------------------------------------------------------

#: What Python does with a mutated request: refuse it (InvalidInput), answer
#: it, or answer with (at least) this finding.
Outcome = Literal["refuses", "answers", "anything"] | int


@dataclass(frozen=True)
class Mutation:
    name: str
    change: Callable[[spb.ValidateRequest, st.DataObject], object]
    python: Outcome
    needs_two: bool = False


def _move_part(request: spb.ValidateRequest, i: int, by: int) -> None:
    """Move events i.. later (``by`` > 0) or earlier, or, if that would leave the
    years 0001-9999, events ..i-1 the other way: the same hole or overlap at i."""
    events = request.events.events
    first, last = ends(request)
    no_room = last + by > END_LIMIT if by > 0 else first + by < MIN_INSTANT_US
    if no_room:
        moved, by = range(i), -by
    else:
        moved = range(i, len(events))
    for k in moved:
        shift(events[k].start_time, by)


def _gap(request: spb.ValidateRequest, data: st.DataObject, *, reported: bool) -> None:
    events = request.events.events
    i = data.draw(st.integers(1, len(events) - 1), label="at")
    rules = request.rules
    threshold = us_of(rules.gap_threshold)
    rules.ignore_gaps = not reported
    request.ClearField("window")  # dead air inside, not at the edges
    _move_part(request, i, threshold + data.draw(st.integers(1, HOUR), label="gap"))


def _overlap(request: spb.ValidateRequest, data: st.DataObject) -> None:
    events = request.events.events
    i = data.draw(st.integers(1, len(events) - 1), label="at")
    by = data.draw(st.integers(1, us_of(events[i - 1].duration)), label="overlap")
    _move_part(request, i, -by)


def _duplicate_id(request: spb.ValidateRequest, data: st.DataObject) -> None:
    events = request.events.events
    i, j = data.draw(st.lists(st.integers(0, len(events) - 1), min_size=2, max_size=2, unique=True), label="ids")
    events[j].id = events[i].id


def _one_event(request: spb.ValidateRequest, data: st.DataObject) -> pb.Event:
    events = request.events.events
    return events[data.draw(st.integers(0, len(events) - 1), label="event")]


def _zero_duration(request: spb.ValidateRequest, data: st.DataObject) -> None:
    # Under a microsecond reads as zero on both paths.
    set_span(_one_event(request, data).duration, 0, data.draw(_SUB_MICRO))


def _negative_duration(request: spb.ValidateRequest, data: st.DataObject) -> None:
    us = data.draw(st.integers(1, HOUR))
    event = _one_event(request, data)
    event.duration.seconds, event.duration.nanos = -(us // SECOND), -(us % SECOND) * 1000


def _long_duration(request: spb.ValidateRequest, data: st.DataObject) -> None:
    set_span(_one_event(request, data).duration, MAX_DURATION_US + data.draw(st.integers(SECOND, DAY)))


def _start_text(request: spb.ValidateRequest, data: st.DataObject) -> None:
    event = _one_event(request, data)
    when = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=us_of(event.start_time))
    event.start_text = when.isoformat()  # the same instant, as text: the oneof drops start_time


def _outside_window(request: spb.ValidateRequest, data: st.DataObject) -> None:
    first, last = ends(request)
    # Starts after the first event does; always a valid window (end after start, before year 10000).
    set_instant(request.window.start_time, first + data.draw(st.integers(1, last - first), label="late"))
    set_instant(request.window.end_time, last + data.draw(st.integers(1, min(HOUR, MAX_INSTANT_US - last))))


def _edge_dead_air(request: spb.ValidateRequest, data: st.DataObject) -> None:
    first, last = ends(request)
    threshold = us_of(request.rules.gap_threshold)
    request.rules.ignore_gaps = False
    air = threshold + data.draw(st.integers(1, HOUR), label="air")
    if first - air >= MIN_INSTANT_US:
        set_instant(request.window.start_time, first - air)
        set_instant(request.window.end_time, last)
    else:
        set_instant(request.window.start_time, first)
        set_instant(request.window.end_time, last + air)


def _cooldown_breach(request: spb.ValidateRequest, data: st.DataObject) -> None:
    events = request.events.events
    events[0].asset_id = events[1].asset_id = "played-twice"
    apart = us_of(events[0].duration)
    # Within 366 days, and a breach message's "may start at" within year 9999.
    room = min(HOUR, MAX_DURATION_US - apart, END_LIMIT - us_of(events[1].start_time))
    more = data.draw(st.integers(1, max(1, room)), label="more")
    set_span(request.rules.asset_cooldown, apart + more)


def _swap(request: spb.ValidateRequest, data: st.DataObject) -> None:
    # The same schedule in another order: Python sorts it; the C reads in order only.
    events = request.events.events
    i = data.draw(st.integers(1, len(events) - 1), label="at")
    a, b = pb.Event(), pb.Event()
    a.CopyFrom(events[i - 1])
    b.CopyFrom(events[i])
    events[i - 1].CopyFrom(b)
    events[i].CopyFrom(a)


def _document(request: spb.ValidateRequest, data: st.DataObject) -> None:
    request.document.format = pb.DOCUMENT_FORMAT_JSON
    request.document.content = b'{"events": []}'


MUTATIONS = [
    Mutation("dead air between events", lambda r, d: _gap(r, d, reported=True), pb.FINDING_CODE_GAP, True),
    Mutation("dead air between events, gaps ignored", lambda r, d: _gap(r, d, reported=False), "answers", True),
    Mutation("overlap", _overlap, pb.FINDING_CODE_OVERLAP, True),
    Mutation("duplicate id", _duplicate_id, pb.FINDING_CODE_DUPLICATE_ID, True),
    Mutation("zero duration", _zero_duration, pb.FINDING_CODE_INVALID_DURATION),
    Mutation("negative duration", _negative_duration, pb.FINDING_CODE_INVALID_DURATION),
    Mutation("duration over 366 days", _long_duration, "refuses"),
    Mutation("no duration", lambda r, d: _one_event(r, d).ClearField("duration"), pb.FINDING_CODE_MISSING_FIELD),
    Mutation("start as text", _start_text, "answers"),
    Mutation("no start", lambda r, d: _one_event(r, d).ClearField("start_time"), pb.FINDING_CODE_MISSING_FIELD),
    Mutation("no id", lambda r, d: _one_event(r, d).ClearField("id"), pb.FINDING_CODE_MISSING_FIELD),
    Mutation("nanos out of range", lambda r, d: setattr(_one_event(r, d).start_time, "nanos", 10**9), "refuses"),
    Mutation(
        "before year 1",
        lambda r, d: setattr(_one_event(r, d).start_time, "seconds", MIN_INSTANT_US // SECOND - 1),
        "refuses",
    ),
    Mutation("unknown kind", lambda r, d: setattr(_one_event(r, d), "kind", 99), "refuses"),
    Mutation("unknown field in an event", lambda r, d: _one_event(r, d).MergeFromString(b"\x78\x01"), "answers"),
    Mutation("unknown field in the request", lambda r, d: r.MergeFromString(varint(99 << 3) + b"\x01"), "answers"),
    Mutation("return events", lambda r, d: setattr(r, "return_events", True), "answers"),
    Mutation("a document instead", _document, "anything"),
    Mutation("the stored schedule instead", lambda r, d: setattr(r, "stored", True), "refuses"),
    Mutation(
        "artist separation", lambda r, d: set_span(r.rules.artist_separation, d.draw(st.integers(1, DAY))), "answers"
    ),
    Mutation(
        "category separation",
        lambda r, d: set_span(r.rules.category_separation, d.draw(st.integers(1, DAY))),
        "answers",
    ),
    Mutation("event outside the window", _outside_window, pb.FINDING_CODE_OUTSIDE_WINDOW),
    Mutation("dead air at an edge", _edge_dead_air, pb.FINDING_CODE_GAP),
    Mutation("cooldown breach", _cooldown_breach, pb.FINDING_CODE_COOLDOWN_BREACH, True),
    Mutation("two events swapped", _swap, "answers", True),
]


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedule=schedules(max_events=12), data=st.data())
def test_a_request_outside_the_fast_paths_reach_is_left_to_python(schedule: Schedule, data: st.DataObject) -> None:
    request = spb.ValidateRequest()
    request.CopyFrom(schedule.request)
    n = len(request.events.events)
    mutation = data.draw(st.sampled_from([m for m in MUTATIONS if n >= 2 or not m.needs_two]), label="mutation")
    mutation.change(request, data)
    raw = request.SerializeToString()

    assert answer_native(raw) is None, f"{mutation.name}: the C answered"
    slow = answer_python(raw)
    # That the mutation did what it says: else the None above would prove nothing.
    if mutation.python == "refuses":
        assert slow is None, mutation.name
    elif mutation.python == "answers":
        assert slow is not None, mutation.name
    elif isinstance(mutation.python, int):
        assert slow is not None, mutation.name
        assert mutation.python in findings_of(slow), mutation.name


# -- bytes protobuf may not parse ------------------------------------------------------------


@FUZZ
@given(raw=st.binary(max_size=300))
def test_random_bytes_never_get_an_answer_python_would_not_give(raw: bytes) -> None:
    assert_safe(raw)


@FUZZ
@given(body=st.binary(max_size=120))
def test_random_bytes_as_an_event_never_get_an_answer_python_would_not_give(body: bytes) -> None:
    # Inside a well-formed request and event list, so the C reads the bytes as an event.
    assert_safe(one_event_request(body))


@dataclass(frozen=True)
class Edit:
    kind: Literal["flip", "truncate", "insert", "delete"]
    at: int  # a position, taken modulo the length
    data: bytes  # flip: XOR mask (its first byte); insert: these bytes; delete: this many bytes

    def apply(self, raw: bytes) -> bytes:
        i = self.at % (len(raw) + 1)
        if self.kind == "flip" and i < len(raw):
            return raw[:i] + bytes([raw[i] ^ (self.data[0] or 0x80)]) + raw[i + 1 :]
        if self.kind == "truncate":
            return raw[:i]
        if self.kind == "insert":
            return raw[:i] + self.data + raw[i:]
        return raw[:i] + raw[i + len(self.data) :]


_EDITS = st.lists(
    st.builds(
        Edit,
        kind=st.sampled_from(["flip", "truncate", "insert", "delete"]),
        at=st.integers(0, 2**16),
        data=st.binary(min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=3,
)


@FUZZ
@given(schedule=schedules(max_events=6), edits=_EDITS)
def test_an_edited_clean_request_never_gets_an_answer_python_would_not_give(
    schedule: Schedule, edits: list[Edit]
) -> None:
    raw = schedule.request.SerializeToString()
    for edit in edits:
        raw = edit.apply(raw)

    assert_safe(raw)


def _read_varint(raw: bytes, pos: int) -> tuple[int, int]:
    value = shift_by = 0
    while True:
        byte = raw[pos]
        pos += 1
        value |= (byte & 0x7F) << shift_by
        shift_by += 7
        if byte < 0x80:
            return value, pos


def reencode(raw: bytes, message: Descriptor, width: Callable[[str], int]) -> bytes:
    """``raw`` (canonical, from SerializeToString) with each tag, length and
    varint value written in ``width(kind)`` bytes where it needs fewer.

    Protobuf allows that: upb reads values of up to ten bytes, and tags and
    lengths of up to five.
    """
    out = bytearray()
    pos = 0
    while pos < len(raw):
        tag, pos = _read_varint(raw, pos)
        out += varint(tag, width("tag"))
        wire = tag & 7
        if wire == 0:
            value, pos = _read_varint(raw, pos)
            out += varint(value, width("value"))
        elif wire == 2:
            length, pos = _read_varint(raw, pos)
            payload = raw[pos : pos + length]
            pos += length
            inner = message.fields_by_number.get(tag >> 3)
            if inner is not None and inner.message_type is not None:  # messages, map entries included
                payload = reencode(payload, inner.message_type, width)
            out += varint(len(payload), width("length")) + payload
        else:  # fixed64 and fixed32: no ValidateRequest field has them
            raise AssertionError(f"wire type {wire} in a serialized ValidateRequest")
    return bytes(out)


@PROPERTY
@given(
    schedule=schedules(max_events=6),
    seed=st.integers(0, 2**32),
    widest=st.fixed_dictionaries({k: st.integers(1, 10) for k in ("tag", "length", "value")}),
)
def test_varints_written_longer_than_needed_never_get_an_answer_python_would_not_give(
    schedule: Schedule, seed: int, widest: dict[str, int]
) -> None:
    rng = random.Random(seed)
    raw = reencode(
        schedule.request.SerializeToString(),
        cast(Descriptor, spb.ValidateRequest.DESCRIPTOR),
        lambda kind: rng.randint(1, widest[kind]),
    )
    if widest["tag"] <= 5 and widest["length"] <= 5:
        # The re-encoding is right: protobuf reads the same request back.
        assert spb.ValidateRequest.FromString(raw) == schedule.request

    assert_safe(raw)


def _utf8_candidates() -> list[bytes]:
    """Every string of one or two bytes, and three- and four-byte ones around
    each rule of UTF-8 (overlong forms, surrogates, above U+10FFFF, bad continuations)."""
    out = [bytes([a]) for a in range(256)]
    out += [bytes([a, b]) for a in range(256) for b in range(256)]
    near = range(0x70, 0xD0)  # the continuation range 80-BF, and either side
    out += [bytes([a, b, c]) for a in range(0xE0, 0xF0) for b in near for c in (0x7F, 0x80, 0xBF, 0xC0)]
    out += [bytes([a, b, 0x80, d]) for a in range(0xF0, 0xF8) for b in near for d in (0x7F, 0x80, 0xBF, 0xC0)]
    return out


def test_an_id_is_read_as_utf8_exactly_as_protobuf_reads_it() -> None:
    rest = pb.Event(start_time={"seconds": 100}, duration={"seconds": 60}).SerializeToString()
    wrong = []
    for candidate in _utf8_candidates():
        # Eight ASCII bytes first too: the C checks eight bytes at a time when it can.
        for event_id in (candidate, b"abcdefgh" + candidate):
            raw = one_event_request(field(1, event_id) + rest)
            try:
                spb.ValidateRequest.FromString(raw)
                parses = True
            except DecodeError:
                parses = False
            if (answer_native(raw) is not None) != parses:
                wrong.append(event_id.hex())
    assert not wrong, f"the C and protobuf disagree on whether these ids are UTF-8: {wrong[:20]}"


# -- examples ------------------------------------------------------------------------------


def test_the_benchmarks_100_events_are_answered_natively_with_pythons_bytes() -> None:
    raw = validate_request(100)

    fast = answer_native(raw)

    assert fast is not None
    assert fast == validate_general(raw, MAX_FINDINGS)
    summary = spb.ValidateResponse.FromString(fast).summary
    assert summary.event_count == 100
    assert len(summary.unique_items) == 97
    # Most played first (three assets play twice), ties by asset id.
    assert [(i.asset_id, i.count) for i in summary.unique_items[:4]] == [
        ("asset-0000", 2),
        ("asset-0001", 2),
        ("asset-0002", 2),
        ("asset-0003", 1),
    ]


def test_one_event_gets_the_whole_response() -> None:
    request = spb.ValidateRequest()
    request.events.events.add(
        id="news", asset_id="a", start_time={"seconds": 1_000, "nanos": 250_000}, duration={"seconds": 60}
    )
    raw = request.SerializeToString()
    expected = spb.ValidateResponse(
        valid=True,
        summary=pb.ValidationSummary(
            event_count=1,
            span=pb.TimeWindow(
                start_time={"seconds": 1_000, "nanos": 250_000}, end_time={"seconds": 1_060, "nanos": 250_000}
            ),
            gap_total={},
            overlap_total={},
            unique_items=[pb.ItemCount(asset_id="a", count=1)],
        ),
    ).SerializeToString()

    assert answer_native(raw) == expected
    assert validate_general(raw, MAX_FINDINGS) == expected


@pytest.mark.parametrize("where", ["start_time", "duration"])
def test_an_event_time_finer_than_a_microsecond_goes_to_python_which_reports_it(where: str) -> None:
    request = spb.ValidateRequest()
    request.events.events.add(id="weather", asset_id="b", start_time={"seconds": 1_060}, duration={"seconds": 60})
    getattr(request.events.events[0], where).nanos = 1_250
    raw = request.SerializeToString()

    assert answer_native(raw) is None
    response = spb.ValidateResponse.FromString(validate_general(raw, MAX_FINDINGS))

    (finding,) = response.findings
    assert (finding.code, finding.severity, list(finding.event_ids)) == (
        pb.FINDING_CODE_NORMALISED_TIMESTAMP,
        pb.SEVERITY_INFO,
        ["weather"],
    )
    assert "below a microsecond" in finding.message and "truncated" in finding.message
    # Kept to the microsecond, toward the past (a start) or toward zero (a duration).
    assert response.valid and response.summary.span.end_time.nanos == 1_000


def test_a_window_that_fits_exactly_has_no_dead_air() -> None:
    request = spb.ValidateRequest.FromString(validate_request(3))
    request.window.start_time.seconds = 1_763_800_000
    request.window.end_time.seconds = 1_763_800_000 + 180
    raw = request.SerializeToString()

    fast = answer_native(raw)

    assert fast is not None
    assert fast == validate_general(raw, MAX_FINDINGS)
    assert spb.ValidateResponse.FromString(fast).summary.gap_total.ToMicroseconds() == 0


def test_dead_air_at_the_edges_under_the_threshold_counts_in_the_gap_total() -> None:
    request = spb.ValidateRequest.FromString(validate_request(3))
    request.window.start_time.seconds = 1_763_800_000 - 30
    request.window.end_time.seconds = 1_763_800_000 + 180 + 45
    request.rules.gap_threshold.seconds = 45
    raw = request.SerializeToString()

    fast = answer_native(raw)

    assert fast is not None
    assert fast == validate_general(raw, MAX_FINDINGS)
    assert spb.ValidateResponse.FromString(fast).summary.gap_total.seconds == 75


def test_events_before_1970_give_the_same_span_as_python() -> None:
    request = spb.ValidateRequest()
    events = request.events.events
    # 1969-12-31T23:59:58.5Z, then back to back: seconds -2, nanos 500000000.
    events.add(id="a", start_time={"seconds": -2, "nanos": 500_000_000}, duration={"seconds": 1})
    events.add(id="b", start_time={"seconds": -1, "nanos": 500_000_000}, duration={"nanos": 700_000_000})
    raw = request.SerializeToString()

    fast = answer_native(raw)

    assert fast is not None
    assert fast == validate_general(raw, MAX_FINDINGS)
    span = spb.ValidateResponse.FromString(fast).summary.span
    assert (span.start_time.seconds, span.start_time.nanos) == (-2, 500_000_000)
    assert (span.end_time.seconds, span.end_time.nanos) == (0, 200_000_000)


def test_an_id_that_is_not_utf8_is_left_to_python_which_refuses_it() -> None:
    rest = pb.Event(start_time={"seconds": 100}, duration={"seconds": 60}).SerializeToString()
    raw = one_event_request(field(1, b"ev-\xff") + rest)

    assert answer_native(raw) is None
    assert answer_python(raw) is None


def test_a_field_sent_twice_is_left_to_python_which_merges() -> None:
    # Two serialized requests one after the other are one request, merged:
    # channel_id twice (the last wins) and the events of both.
    first, second = spb.ValidateRequest(channel_id="one"), spb.ValidateRequest(channel_id="two")
    first.events.events.add(id="a", start_time={"seconds": 0}, duration={"seconds": 60})
    second.events.events.add(id="b", start_time={"seconds": 60}, duration={"seconds": 60})
    raw = first.SerializeToString() + second.SerializeToString()

    assert answer_native(raw) is None
    slow = answer_python(raw)
    assert slow is not None
    assert spb.ValidateResponse.FromString(slow).summary.event_count == 2


def test_a_tag_written_in_six_bytes_is_left_to_python_which_refuses_it() -> None:
    # upb refuses a tag or a length written in more than five bytes ("Wire
    # format was corrupt"), though a value may take ten; the C must not answer
    # where upb will not parse (it once read all three as ten-byte varints).
    event = pb.Event(id="a", asset_id="x", start_time={"seconds": 100}, duration={"seconds": 60}).SerializeToString()
    events = field(1, event)
    raw = varint(1 << 3 | 2, 6) + varint(len(events)) + events  # the request's `events` field, tag 0x0a

    assert answer_python(raw) is None
    assert answer_native(raw) is None


def test_a_length_written_in_six_bytes_is_left_to_python_which_refuses_it() -> None:
    event = pb.Event(id="a", asset_id="x", start_time={"seconds": 100}, duration={"seconds": 60}).SerializeToString()
    events = field(1, event)
    raw = varint(1 << 3 | 2) + varint(len(events), 6) + events

    assert answer_python(raw) is None
    assert answer_native(raw) is None


# -- keys that collide -----------------------------------------------------------------------


def c_hash(key: bytes) -> int:
    """The C's hash_bytes: FNV-1a, then murmur3's finaliser (kept in step by hand)."""
    h = 2166136261
    for byte in key:
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    return h | 1


def colliding_keys(prefix: str, count: int, bits: int = 10) -> list[str]:
    """Keys whose hashes agree in their low ``bits``: one slot in any table of up to 2**bits."""
    keys: list[str] = []
    candidate = 0
    while len(keys) < count:
        key = f"{prefix}{candidate:x}"
        if c_hash(key.encode()) & ((1 << bits) - 1) == 1:  # bit 0 is always set
            keys.append(key)
        candidate += 1
    return keys


def schedule_request(ids: list[str], assets: list[str]) -> bytes:
    request = spb.ValidateRequest()
    for i, (event_id, asset) in enumerate(zip(ids, assets, strict=True)):
        request.events.events.add(
            id=event_id, asset_id=asset, start_time={"seconds": 1_763_800_000 + 60 * i}, duration={"seconds": 60}
        )
    return request.SerializeToString()


def test_asset_ids_crafted_to_collide_are_left_to_python() -> None:
    # Without a probe limit each of these would walk one growing cluster
    # (quadratic: 100k such events took a worker 22 s); with it the C gives up
    # after 64 probes and Python's dict, whose hash is seeded, answers.
    assets = colliding_keys("asset-", 80)
    raw = schedule_request([f"e{i:03d}" for i in range(80)], assets)

    assert answer_native(raw) is None
    slow = answer_python(raw)
    assert slow is not None and spb.ValidateResponse.FromString(slow).valid


def test_ids_crafted_to_collide_are_left_to_python() -> None:
    ids = colliding_keys("id-", 80)[::-1]  # out of order, so the C hashes them
    raw = schedule_request(ids, [""] * 80)

    assert answer_native(raw) is None
    slow = answer_python(raw)
    assert slow is not None and spb.ValidateResponse.FromString(slow).valid


def test_fifty_thousand_random_keys_never_make_it_give_up() -> None:
    # The other side of the probe limit: ordinary keys never reach it.
    rng = random.Random(2026)
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(50_000)]  # out of order: hashed
    assets = [f"asset-{rng.getrandbits(48):012x}" for _ in range(50_000)]
    raw = schedule_request(ids, assets)

    fast = answer_native(raw)

    assert fast is not None
    assert fast == answer_python(raw)


# -- the time zone a request names -------------------------------------------------------------


def test_a_named_time_zone_is_checked_and_otherwise_changes_nothing_for_instants() -> None:
    request = spb.ValidateRequest.FromString(validate_request(5))
    request.time_zone = "Europe/London"
    raw = request.SerializeToString()

    fast = answer_native(raw)

    assert fast is not None
    assert fast == validate_general(raw, MAX_FINDINGS)


def test_an_unknown_time_zone_is_refused_as_python_refuses_it() -> None:
    request = spb.ValidateRequest.FromString(validate_request(5))
    request.time_zone = "Nowhere/Else"
    raw = request.SerializeToString()

    with pytest.raises(InvalidInput) as fast:
        answer_native(raw)
    with pytest.raises(InvalidInput) as slow:
        validate_general(raw, MAX_FINDINGS)
    assert fast.value.violations == slow.value.violations
    assert [v.where.field for v in fast.value.violations] == ["time_zone"]


def test_few_assets_played_many_times_are_ordered_as_python_orders_them() -> None:
    # Two assets, a hundred plays each: counts too spread for the C's counting
    # sort, so it sorts by comparison; one asset first seen out of id order too.
    for assets in (["b", "a"] * 100, ["a", "b"] * 100, ["a"] * 150 + ["c"] * 20 + ["b"] * 30):
        raw = schedule_request([f"e{i:04d}" for i in range(len(assets))], assets)
        fast = answer_native(raw)
        assert fast is not None
        assert fast == answer_python(raw)
