"""Fuzz every RPC of ScheduleFlowService against one real server.

For each method of the service descriptor, hypothesis sends

(a) random bytes as the request, as-is (a generic call with no serializer), and
(b) random but well-formed protobuf requests built from the message descriptor:
    random scalars, nested messages to depth 2, enum numbers known and unknown,
    unicode strings, timestamps and durations with out-of-range seconds and
    nanos, and document contents that are random bytes, corpus documents,
    mutated corpus documents or random JSON schedules, and
(c) near-valid requests: a request the server accepts with a few fields
    overwritten by such random values, to get past the first check.

150 examples each under HYPOTHESIS_PROFILE=ci (.ci/run), 30 by default
(tests/profiles.py), derandomized (the same examples every run); set
SCHEDULEFLOW_FUZZ_RANDOM=1 to explore. The minimal requests the fuzz found
answered with INTERNAL/UNKNOWN are kept as plain regression cases (MALFORMED).

The server must answer each with a proper status (OK, INVALID_ARGUMENT,
NOT_FOUND, FAILED_PRECONDITION, ...), never UNKNOWN or INTERNAL (a bug), nor
DEADLINE_EXCEEDED or UNAVAILABLE (a hang or a crash on a tiny request). A
failure prints the request (text and hex) that hypothesis shrank it to.

The server is this module's own (tmp store): mutating RPCs touch no other test's data.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor, message_factory, text_format
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from scheduleflow.client import Client
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb
from scheduleflow.v1 import service_pb2_grpc
from tests.profiles import examples
from tests.serverproc import ServerProcess, start_server

# One worker runs this module, in order (pytest-xdist --dist loadgroup): its
# server starts once, and the last test reads what the fuzz before it left.
pytestmark = pytest.mark.xdist_group("fuzz")

SERVICE = spb.DESCRIPTOR.services_by_name["ScheduleFlowService"]
METHODS = list(SERVICE.methods)
EXAMPLES = examples(150)
MAX_DEPTH = 2
CALL_TIMEOUT = 30.0
#: A stream that has nothing to send yet (e.g. resuming from a revision not
#: reached) is cut by this deadline: fine for a stream, not for a unary call.
STREAM_TIMEOUT = 1.0
SEEDED = "fuzz.example"
CORPUS = Path(__file__).resolve().parents[1] / "unit" / "formats" / "corpus"

OK_CODES = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ABORTED,
    grpc.StatusCode.OUT_OF_RANGE,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.UNIMPLEMENTED,
}

#: What every fuzz call got, by method and code: printed at the end.
SEEN: Counter[tuple[str, str]] = Counter()
#: The slowest call of each method: (seconds, request, code).
SLOWEST: dict[str, tuple[float, bytes, str]] = {}

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # Each parametrized test builds its own inner test: a shared database would mix their examples.
    database=None,
    # The same examples on every CI run (no flaky discoveries); set
    # SCHEDULEFLOW_FUZZ_RANDOM=1 to explore new ones (pytest prints the seed to replay).
    derandomize=not os.environ.get("SCHEDULEFLOW_FUZZ_RANDOM"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


# -- the server --------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    # Requests above 256 bytes go through the pool, smaller ones run inline: both paths get fuzzed.
    with start_server(tmp_path_factory.mktemp("fuzz"), "--workers", "1", "--inline-max-bytes", "256") as server:
        with Client(server.address, timeout=30) as client:
            client.import_document(SEEDED, _seed_document(), mode="replace-all")
        yield server


@pytest.fixture(scope="module")
def channel(fuzz_server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(fuzz_server.address) as opened:
        yield opened


def _seed_document() -> bytes:
    events = [
        {"id": f"s{i}", "start": f"2025-11-22T{i:02d}:00:00Z", "duration": "PT1H", "asset_id": f"a{i % 3}"}
        for i in range(24)
    ]
    return json.dumps(
        {"scheduleflow": 1, "channel": {"id": SEEDED, "time_zone": "Europe/London"}, "events": events}
    ).encode()


# -- strategies ----------------------------------------------------------------------

INTERESTING_TEXT = [
    "",
    SEEDED,
    "other.example",
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Not/A_Zone",
    "../../etc/passwd",
    "x" * 300,
    "\x00",
    " ",
    "é\u0301",
    "🙂",
    "2025-11-22T09:00:00Z",
    "2025-03-30T01:30:00",
    "2025-10-26T01:30:00",
    "20251122093000 +0100",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "PT30M",
    "P1Y",
    "-PT1S",
    "25:00",
    "06:00",
    "-1",
    "9" * 40,
    "NaN",
]

_I32 = st.integers(-(2**31), 2**31 - 1)
_I64 = st.integers(-(2**63), 2**63 - 1)
_U32 = st.integers(0, 2**32 - 1)
_U64 = st.integers(0, 2**64 - 1)
_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(INTERESTING_TEXT))

# Seconds and nanos of Timestamp/Duration: in range, at the edges, and far out.
_SECONDS = st.one_of(
    st.integers(-62_135_596_800 - 10, 253_402_300_799 + 10),
    st.integers(-400 * 86400, 400 * 86400),
    st.sampled_from([0, 1, -1, 1_763_769_600, 253_402_300_799, 253_402_300_800, -62_135_596_800, -62_135_596_801]),
    _I64,
)
_NANOS = st.one_of(st.integers(0, 999_999_999), st.sampled_from([-1, 999_999_999, 1_000_000_000]), _I32)

_JSON_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), _TEXT)
_JSON_ANY = st.recursive(
    _JSON_SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3), max_leaves=8
)
_JSON_EVENT = st.fixed_dictionaries(
    {"id": _TEXT, "start": _TEXT, "duration": _TEXT},
    optional={
        "asset_id": _TEXT,
        "title": _TEXT,
        "kind": st.sampled_from(["program", "commercial", "live", "PROGRAM", "bogus", ""]),
        "fixed_start": _JSON_SCALAR,
        "metadata": st.dictionaries(_TEXT, _JSON_SCALAR, max_size=2),
        "extra": _JSON_ANY,
    },
)
_JSON_DOCUMENT = st.fixed_dictionaries(
    {
        "scheduleflow": st.sampled_from([1, 1, 1, 2, 0, "1", None]),
        "events": st.lists(_JSON_EVENT | _JSON_ANY, max_size=4),
    },
    optional={
        "channel": st.fixed_dictionaries({}, optional={"id": _TEXT, "time_zone": _TEXT, "display_name": _TEXT})
        | _JSON_ANY,
        "revision": _JSON_SCALAR,
    },
).map(lambda d: json.dumps(d).encode())


def _corpus() -> list[bytes]:
    return [p.read_bytes() for p in sorted(CORPUS.glob("*")) if p.is_file() and p.suffix in (".json", ".xml")]


CORPUS_DOCS = _corpus()


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    """A corpus document with a few bytes replaced, inserted or cut."""
    data = bytearray(draw(st.sampled_from(CORPUS_DOCS)))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.integers(0, 2))
        if op == 0:
            data[at] = draw(st.integers(0, 255))
        elif op == 1:
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at : at + draw(st.integers(1, 16))]
    return bytes(data)


_CONTENT = st.one_of(
    st.binary(max_size=300),
    _JSON_DOCUMENT,
    *([st.sampled_from(CORPUS_DOCS), _mutated()] if CORPUS_DOCS else []),
)

_FD = descriptor.FieldDescriptor


def _scalar(field: descriptor.FieldDescriptor) -> st.SearchStrategy[Any]:
    t = field.type
    if t in (_FD.TYPE_INT32, _FD.TYPE_SINT32, _FD.TYPE_SFIXED32):
        return st.one_of(st.integers(-3, 1000), _I32)
    if t in (_FD.TYPE_INT64, _FD.TYPE_SINT64, _FD.TYPE_SFIXED64):
        return st.one_of(st.integers(-3, 1000), _I64)
    if t in (_FD.TYPE_UINT32, _FD.TYPE_FIXED32):
        return _U32
    if t in (_FD.TYPE_UINT64, _FD.TYPE_FIXED64):
        return _U64
    if t == _FD.TYPE_BOOL:
        return st.booleans()
    if t == _FD.TYPE_FLOAT:
        return st.floats(width=32)
    if t == _FD.TYPE_DOUBLE:
        return st.floats()
    if t == _FD.TYPE_STRING:
        return _TEXT
    if t == _FD.TYPE_BYTES:
        return _CONTENT
    if t == _FD.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-2, max(known) + 3), _I32)
    raise AssertionError(f"no strategy for {field.full_name} (type {t})")


@st.composite
def messages(draw: st.DrawFn, desc: descriptor.Descriptor, depth: int = 0, percent_set: int = 50) -> Message:
    """A random message of type ``desc``: each field set with ``percent_set`` % odds, nested to MAX_DEPTH."""
    msg = message_factory.GetMessageClass(desc)()
    if desc.full_name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
        msg.seconds = draw(_SECONDS)  # type: ignore[attr-defined]
        msg.nanos = draw(_NANOS)  # type: ignore[attr-defined]
        return msg
    for field in desc.fields:
        if draw(st.integers(0, 99)) >= percent_set:
            continue
        value = getattr(msg, field.name)
        sub = field.message_type
        if sub is not None and sub.GetOptions().map_entry:
            key_s, value_f = _scalar(sub.fields_by_name["key"]), sub.fields_by_name["value"]
            for k, v in draw(st.lists(st.tuples(key_s, _scalar(value_f)), max_size=3)):
                value[k] = v
        elif sub is not None:
            well_known = sub.full_name.startswith("google.protobuf.")
            if depth >= MAX_DEPTH and not well_known:
                continue
            nested = messages(sub, depth if well_known else depth + 1, percent_set)
            if field.is_repeated:
                for item in draw(st.lists(nested, max_size=3)):
                    value.add().CopyFrom(item)
            else:
                value.CopyFrom(draw(nested))
        elif field.is_repeated:
            value.extend(draw(st.lists(_scalar(field), max_size=3)))
        else:
            setattr(msg, field.name, draw(_scalar(field)))
    return msg


def _valid_requests() -> dict[str, list[Message]]:
    """Per method, requests the server accepts: the bases that near-valid requests mutate."""
    day = 1_763_769_600
    events = [
        pb.Event(id=f"v{i}", start_time={"seconds": day + 1800 * i}, duration={"seconds": 1800}, asset_id=f"a{i}")
        for i in range(4)
    ]
    window = pb.TimeWindow(start_time={"seconds": day}, end_time={"seconds": day + 6 * 3600})
    playlist = pb.Playlist(
        items=[
            pb.PlaylistItem(id=f"p{i}", asset_id=f"asset{i}", duration={"seconds": 600 * (i + 1)}, artist=f"x{i % 2}")
            for i in range(4)
        ]
    )
    return {
        "Validate": [
            spb.ValidateRequest(
                events=spb.EventList(events=events), rules=pb.ValidationRules(gap_threshold={"seconds": 60})
            ),
            spb.ValidateRequest(document=pb.Document(content=_seed_document()), channel_id=SEEDED),
            spb.ValidateRequest(stored=True, channel_id=SEEDED, window=window),
        ],
        "Import": [
            spb.ImportRequest(channel_id=SEEDED, document=pb.Document(content=_seed_document()), mode=2),
            spb.ImportRequest(
                channel_id="near.example", document=pb.Document(content=_seed_document(), format=2), dry_run=True
            ),
        ],
        "Export": [spb.ExportRequest(channel_id=SEEDED, format=f) for f in (1, 2, 3)],
        "Schedule": [
            spb.ScheduleRequest(channel_id="sched.example", window=window, time_zone="UTC", playlist=playlist, seed=7),
            spb.ScheduleRequest(channel_id="sched.example", window=window, playlist=playlist, commit=True),
        ],
        "WatchSchedule": [
            spb.WatchScheduleRequest(channel_ids=[SEEDED], heartbeat_interval={"nanos": 200_000_000}),
            spb.WatchScheduleRequest(channel_ids=[SEEDED, "w.example"], from_revisions={SEEDED: 0}, window=window),
        ],
        "GetStats": [spb.GetStatsRequest()],
        "ListChannels": [spb.ListChannelsRequest(page_size=2)],
        "GetChannel": [spb.GetChannelRequest(channel_id=SEEDED)],
        "UpsertChannel": [spb.UpsertChannelRequest(channel=pb.Channel(id="up.example", time_zone="Europe/Paris"))],
        "DeleteChannel": [spb.DeleteChannelRequest(channel_id="up.example")],
        "ListEvents": [spb.ListEventsRequest(channel_id=SEEDED, page_size=5, window=window)],
        "GetPlayoutState": [
            spb.GetPlayoutStateRequest(channel_id="sched.example"),
            spb.GetPlayoutStateRequest(channel_id=SEEDED, at_time={"seconds": day}),
        ],
        "ResetPlayoutState": [
            spb.ResetPlayoutStateRequest(channel_id="sched.example", after_time={"seconds": day + 3600}),
            spb.ResetPlayoutStateRequest(channel_id=SEEDED),
        ],
        "ReconcileAsRun": [
            spb.ReconcileAsRunRequest(
                channel_id=SEEDED,
                document=pb.Document(
                    content=b'{"scheduleflow_asrun": 1, "entries": [{"event_id": "e1",'
                    b' "start": "2025-11-22T00:00:00Z", "duration": "PT30M"}]}'
                ),
                dry_run=True,
            ),
            spb.ReconcileAsRunRequest(
                channel_id=SEEDED,
                document=pb.Document(content=b'{"scheduleflow_asrun": 1, "entries": []}', format=2),
                window=window,
            ),
        ],
        "ExportAsRun": [spb.ExportAsRunRequest(channel_id=SEEDED, format=f) for f in (2, 4)],
    }


VALID = _valid_requests()


@st.composite
def near_valid(draw: st.DrawFn, method: descriptor.MethodDescriptor) -> Message:
    """A request the server accepts, with a few fields overwritten by random values."""
    base = draw(st.sampled_from(VALID[method.name]))
    request = type(base)()
    request.CopyFrom(base)
    request.MergeFrom(draw(messages(method.input_type, percent_set=15)))
    return request


_RANDOM_BYTES = st.one_of(
    st.binary(max_size=600),
    # Bytes that look like a protobuf: tags and lengths that point past the end, etc.
    st.lists(st.tuples(st.integers(1, 20), st.integers(0, 5), st.binary(max_size=20)), max_size=6).map(
        lambda parts: b"".join(bytes([(f << 3) | w]) + bytes([len(b)]) + b for f, w, b in parts)
    ),
)


# -- calling the server ---------------------------------------------------------------


def _describe(method: descriptor.MethodDescriptor, raw: bytes) -> str:
    try:
        parsed = message_factory.GetMessageClass(method.input_type).FromString(raw)
        text = text_format.MessageToString(parsed, as_utf8=True)[:2000]
    except Exception as exc:  # any parse failure: show the bytes only
        text = f"(does not parse: {exc})"
    return f"{method.name} request {len(raw)} bytes\n  hex: {raw[:400].hex()}\n  as {method.input_type.name}: {text}"


def call(channel: grpc.Channel, method: descriptor.MethodDescriptor, raw: bytes) -> tuple[grpc.StatusCode, str]:
    """Send ``raw`` as the request of ``method``; the status code it ends with, and its details."""
    path = f"/{SERVICE.full_name}/{method.name}"
    try:
        if method.server_streaming:
            stream = channel.unary_stream(path, request_serializer=None, response_deserializer=None)
            responses = stream(raw, timeout=STREAM_TIMEOUT)
            try:
                next(responses)  # a snapshot, a change or a heartbeat: the stream works
            except StopIteration:
                pass
            finally:
                responses.cancel()
            return grpc.StatusCode.OK, ""
        unary = channel.unary_unary(path, request_serializer=None, response_deserializer=None)
        unary(raw, timeout=CALL_TIMEOUT)
        return grpc.StatusCode.OK, ""
    except grpc.RpcError as err:
        code: grpc.StatusCode = err.code()  # type: ignore[attr-defined]
        details: str = err.details() or ""  # type: ignore[attr-defined]
        if code == grpc.StatusCode.CANCELLED and method.server_streaming:
            return grpc.StatusCode.OK, ""  # our own cancel after the first message
        # A stream's DEADLINE_EXCEEDED: nothing to send yet, the stream is open and waiting.
        return code, details


def check(channel: grpc.Channel, method: descriptor.MethodDescriptor, raw: bytes, how: str) -> None:
    started = time.perf_counter()
    code, details = call(channel, method, raw)
    took = time.perf_counter() - started
    SEEN[(method.name, code.name)] += 1
    if took > SLOWEST.get(method.name, (0.0, b"", ""))[0]:
        SLOWEST[method.name] = (took, raw, code.name)
    allowed = OK_CODES | ({grpc.StatusCode.DEADLINE_EXCEEDED} if method.server_streaming else set())
    if code not in allowed:
        note(f"details: {details}")
    assert code in allowed, f"{code.name} ({details}) for {how}: {_describe(method, raw)}"


def _id(method: descriptor.MethodDescriptor) -> str:
    return method.name


@pytest.mark.parametrize("method", METHODS, ids=_id)
def test_random_bytes_get_a_proper_status(channel: grpc.Channel, method: descriptor.MethodDescriptor) -> None:
    @FUZZ_SETTINGS
    @given(raw=_RANDOM_BYTES)
    def fuzz(raw: bytes) -> None:
        check(channel, method, raw, "random bytes")

    fuzz()


@pytest.mark.parametrize("method", METHODS, ids=_id)
def test_random_well_formed_requests_get_a_proper_status(
    channel: grpc.Channel, method: descriptor.MethodDescriptor
) -> None:
    @FUZZ_SETTINGS
    @given(request=messages(method.input_type))
    def fuzz(request: Message) -> None:
        check(channel, method, request.SerializeToString(), "a random well-formed request")

    fuzz()


@pytest.mark.parametrize("method", METHODS, ids=_id)
def test_near_valid_requests_get_a_proper_status(channel: grpc.Channel, method: descriptor.MethodDescriptor) -> None:
    @FUZZ_SETTINGS
    @given(request=near_valid(method))
    def fuzz(request: Message) -> None:
        check(channel, method, request.SerializeToString(), "a near-valid request")

    fuzz()


#: Minimal requests the fuzz found answered with INTERNAL or UNKNOWN: they must get INVALID_ARGUMENT.
MALFORMED = [
    # The handler parses the whole request itself, outside the DecodeError -> INVALID_ARGUMENT guard.
    ("Export", b"\x00"),
    ("Validate", b"\x18\x01\x22\x0c" + SEEDED.encode() + b"\x0a\x02\xff\xff"),  # stored, corrupt events
    ("Validate", b"\x18\x01\x22\x0c" + SEEDED.encode() + b"\x32\x02\xff\xff"),  # stored, corrupt window
    ("Schedule", b"\x0a\x0c" + SEEDED.encode() + b"\x38\x01\x12\x02\xff\xff"),  # commit, corrupt window
    ("Schedule", b"\x0a\x0c" + SEEDED.encode() + b"\x50\x01\x4a\x02\xff\xff"),  # use_stored_fixed, corrupt events
    ("Import", b"\x0a\x0c" + SEEDED.encode() + b"\x12\x02\xff\xff"),  # (already right: a control)
    # Methods with a request deserializer: grpc.aio answers UNKNOWN "Unexpected <class DecodeError>".
    *((m.name, b"\x00") for m in METHODS if m.name not in ("Validate", "Import", "Export", "Schedule")),
]


@pytest.mark.parametrize(("name", "raw"), MALFORMED, ids=[f"{n}-{r.hex()[:16]}" for n, r in MALFORMED])
def test_malformed_requests_found_by_the_fuzz_get_invalid_argument(
    channel: grpc.Channel, name: str, raw: bytes
) -> None:
    method = SERVICE.methods_by_name[name]
    code, details = call(channel, method, raw)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, f"{code.name} ({details}): {_describe(method, raw)}"


def test_after_the_fuzz_the_server_is_healthy_and_recorded_no_internal_errors(
    fuzz_server: ServerProcess, channel: grpc.Channel
) -> None:
    print("\nfuzz calls by method and code:")
    for (method, code), n in sorted(SEEN.items()):
        print(f"  {method:14} {code:20} {n}")
    print("slowest call of each method:")
    for name, (took, raw, code) in sorted(SLOWEST.items()):
        print(f"  {took:7.3f} s {code:18} {_describe(SERVICE.methods_by_name[name], raw)[:600]}")
    assert fuzz_server.process.poll() is None, "the server died"
    health = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=10)
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    stats = service_pb2_grpc.ScheduleFlowServiceStub(channel).GetStats(spb.GetStatsRequest(), timeout=10)
    bad = {rpc.method: dict(rpc.codes) for rpc in stats.rpcs if {"INTERNAL", "UNKNOWN"} & set(rpc.codes)}
    assert not bad, f"the server recorded internal errors: {bad}"
    assert "internal error" not in fuzz_server.log(), fuzz_server.log()[-4000:]
