"""Cutting a bytes field out of a serialized protobuf message, or adding one, without copies.

Why by hand: protobuf's Python API has no zero-copy access. Parsing a 64 MB
ImportRequest copies the document into the message's arena, and every read
of ``document.content`` copies it again. The server needs the document's
bytes only to hand them to a worker, so it cuts them out as a view of the
bytes gRPC delivered, and sends the rest (a few bytes of header fields) as a
message the worker parses normally.

Only the wire format's framing is read here (tags, varints, lengths), never
a field's meaning. Anything unusual (the field repeated, a group, bytes that
do not frame) returns None, and the caller sends the request whole: the
worker's parser then judges it and reports any error as before.
"""

from __future__ import annotations

from collections.abc import Sequence

_VARINT, _I64, _LEN, _SGROUP, _EGROUP, _I32 = range(6)


def _varint(data: memoryview, pos: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it; ValueError if it does not end."""
    value = shift = 0
    while pos < len(data) and shift < 64:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
    raise ValueError("unterminated varint")


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _find(data: memoryview, number: int) -> tuple[int, int, int, int] | None:
    """Where the one length-delimited field ``number`` of ``data`` is: (start of
    its tag, end of its tag, start of its value, end of its value). None if
    absent; ValueError if repeated."""
    found = None
    pos = 0
    while pos < len(data):
        start = pos
        tag, pos = _varint(data, pos)
        after_tag = pos
        field, kind = tag >> 3, tag & 7
        if kind == _VARINT:
            _, pos = _varint(data, pos)
        elif kind == _I64:
            pos += 8
        elif kind == _I32:
            pos += 4
        elif kind == _LEN:
            length, pos = _varint(data, pos)
            if field == number:
                if found is not None:
                    raise ValueError("repeated field")
                found = (start, after_tag, pos, pos + length)
            pos += length
        else:
            raise ValueError("groups are not expected here")
        if field == number and kind != _LEN:
            raise ValueError("the field is not length-delimited")
        if pos > len(data):
            raise ValueError("truncated")
    return found


def cut_bytes_field(raw: bytes, path: tuple[int, ...]) -> tuple[bytes, memoryview] | None:
    """Split ``raw`` into the message without the field at ``path`` (field
    numbers, outermost first) and that field's bytes, as a view of ``raw``.

    None when the field is absent, appears more than once at some level, or
    ``raw`` does not frame as a message.
    """
    try:
        return _cut(memoryview(raw), path)
    except ValueError:
        return None


def _cut(data: memoryview, path: tuple[int, ...]) -> tuple[bytes, memoryview] | None:
    where = _find(data, path[0])
    if where is None:
        return None
    start, after_tag, value_start, end = where
    if len(path) == 1:
        return bytes(data[:start]) + bytes(data[end:]), data[value_start:end]
    inner = _cut(data[value_start:end], path[1:])
    if inner is None:
        return None
    rest, value = inner
    framed = bytes(data[start:after_tag]) + _encode_varint(len(rest)) + rest
    return bytes(data[:start]) + framed + bytes(data[end:]), value


def with_bytes_field(message: bytes, number: int, parts: Sequence[bytes]) -> bytes:
    """``message`` with the bytes field ``number`` set to the join of ``parts``,
    made with one copy of them (a message built with the value would hold
    two more: its arena's and the serialization's). Serialized messages
    concatenate as a merge, so this is ``message`` plus the field, if
    ``message`` lacks it."""
    size = sum(map(len, parts))
    return b"".join([message, _encode_varint(number << 3 | _LEN), _encode_varint(size), *parts])
