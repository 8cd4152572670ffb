"""Cutting the document out of a serialized ImportRequest: the rest parses as
the same request without it, the cut bytes are the document, and anything
unusual is refused (None) so the caller sends the request whole."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scheduleflow.server.messages.wire import cut_bytes_field, with_bytes_field
from scheduleflow.v1 import schedule_pb2 as pb
from scheduleflow.v1 import service_pb2 as spb

CONTENT = (
    spb.ImportRequest.DESCRIPTOR.fields_by_name["document"].number,
    pb.Document.DESCRIPTOR.fields_by_name["content"].number,
)


@given(
    content=st.binary(max_size=400),
    channel=st.text(max_size=20),
    key=st.text(max_size=20),
    revision=st.one_of(st.none(), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
    fmt=st.sampled_from([0, 1, 2, 3]),
    dry_run=st.booleans(),
)
def test_the_rest_parses_as_the_request_without_its_document_bytes(
    content: bytes, channel: str, key: str, revision: int | None, fmt: int, dry_run: bool
) -> None:
    request = spb.ImportRequest(channel_id=channel, idempotency_key=key, dry_run=dry_run, mode=2)
    request.document.format = fmt  # type: ignore[assignment]
    request.document.content = content
    if revision is not None:
        request.expected_revision = revision

    cut = cut_bytes_field(request.SerializeToString(), CONTENT)

    if not content:
        assert cut is None  # proto3 does not send an empty field: nothing to cut
        return
    assert cut is not None
    rest, value = cut
    assert bytes(value) == content
    expected = spb.ImportRequest()
    expected.CopyFrom(request)
    expected.document.content = b""
    assert spb.ImportRequest.FromString(rest) == expected


def test_a_large_document_is_a_view_not_a_copy() -> None:
    request = spb.ImportRequest(channel_id="c")
    request.document.content = b"x" * 300_000
    raw = request.SerializeToString()

    cut = cut_bytes_field(raw, CONTENT)

    assert cut is not None
    assert cut[1].obj is raw
    assert len(cut[0]) < 20


def test_a_document_sent_twice_is_left_to_the_parser() -> None:
    # Protobuf merges a repeated message field; the parser does that, not us.
    one = spb.ImportRequest(document=pb.Document(content=b"a")).SerializeToString()
    two = spb.ImportRequest(document=pb.Document(format=2)).SerializeToString()

    assert cut_bytes_field(one + two, CONTENT) is None


def test_bytes_that_do_not_frame_are_left_to_the_parser() -> None:
    raw = spb.ImportRequest(channel_id="c", document=pb.Document(content=b"abc")).SerializeToString()

    assert cut_bytes_field(raw[:-1], CONTENT) is None  # truncated
    assert cut_bytes_field(b"\xff" * 12, CONTENT) is None  # a varint that never ends
    assert cut_bytes_field(b"\x13\x14", CONTENT) is None  # a group


def test_a_padded_length_varint_is_reframed_correctly() -> None:
    # Length 3 written in two bytes (0x83 0x00): legal, and not how we re-encode it.
    document = b"\x12\x83\x00abc" + b"\x08\x02"  # content "abc", format 2
    raw = b"\x0a\x01c" + b"\x12" + bytes([len(document)]) + document

    cut = cut_bytes_field(raw, CONTENT)

    assert cut is not None
    rest, value = cut
    assert bytes(value) == b"abc"
    assert spb.ImportRequest.FromString(rest) == spb.ImportRequest(channel_id="c", document=pb.Document(format=2))


CONTENT_OF_EXPORT = spb.ExportResponse.DESCRIPTOR.fields_by_name["content"].number


@given(parts=st.lists(st.binary(max_size=100), max_size=5), revision=st.integers(min_value=0, max_value=2**62))
def test_a_bytes_field_added_to_a_serialized_message_parses_as_set(parts: list[bytes], revision: int) -> None:
    head = spb.ExportResponse(revision=revision, event_count=3, content_type="application/json")

    made = with_bytes_field(head.SerializeToString(), CONTENT_OF_EXPORT, parts)

    head.content = b"".join(parts)
    assert spb.ExportResponse.FromString(made) == head
