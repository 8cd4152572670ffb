"""ScheduleFlow JSON (``schemas/scheduleflow-v1.schema.json``): parse and render.

Rules:

1. Strict JSON: no NaN/Infinity, no duplicate keys at any level, no unknown
   fields, no raw control characters in strings (RFC 8259), UTF-8 only.
   Text must also be XML-compatible (see ``_common``), so that a JSON import
   can always be exported as XML.
2. Streaming: the bytes are decoded a window (1 MiB) at a time, the
   top-level object is walked by hand, and each event is decoded by the
   stdlib's C scanner on its own, checked, turned into an ``Event`` and
   dropped. Peak memory is the document's bytes plus the events kept, not a
   str of the whole document (2 or 4 bytes a character as soon as one title
   holds an accent or an emoji) plus a tree of dicts as large again. A value
   cut by the window's edge is scanned again with more text; only the whole
   rest of the document turns a failure into an error (a test reads every
   corpus document through 1-byte windows). The ``jsonschema`` library is
   not run here (far slower than these checks); a test holds the schema file
   and this parser to the same verdicts.
3. Errors carry a JSON pointer (``/events/17/duration``) in ``field`` and
   the line and column: of the syntax error, or of the start of the event
   (or top-level field) that holds the problem.
4. A local start time is read in the channel's time zone. The channel may
   come after the events, so such starts wait until the end of the document
   when the zone is not known yet.
5. Rendering: compact (one line, ``separators=(",", ":")``) or pretty
   (indent 2), keys in a fixed order, metadata keys sorted; fields at their
   default (empty asset_id/title/metadata, fixed_start false) are left out.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
import re
from collections.abc import Callable, Sequence
from typing import Any, cast

from scheduleflow.server.core.details_json import DetailsShapeError, channel_from_json, programme_from_json
from scheduleflow.server.core.details_json import to_json as details_to_json
from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import (
    ChannelDetails,
    ChannelInfo,
    Event,
    EventKind,
    Location,
    ProgrammeDetails,
    ScheduleDocument,
)
from scheduleflow.server.core.sharing import TextPool
from scheduleflow.server.core.timeparse import (
    TimestampError,
    format_duration,
    format_rfc3339,
    parse_instant,
    zone,
)
from scheduleflow.server.formats._common import (
    KIND_BY_NAME,
    KIND_NAMES,
    Collector,
    Encoder,
    check_exportable,
    check_text,
    check_zone,
    duration_is_finer,
    end_problem,
    illegal_char,
    pointer_token,
    read_duration,
    read_instant,
)
from scheduleflow.server.formats._xmltv_details import details_problem
from scheduleflow.server.formats.limits import Limits

SCHEMA_NAME = "scheduleflow-v1.schema.json"

_ROOT_KEYS = ("scheduleflow", "revision", "channel", "events")
_CHANNEL_KEYS = ("id", "display_name", "time_zone", "details")
_EVENT_KEYS = ("id", "start", "duration", "asset_id", "title", "kind", "fixed_start", "metadata", "details")
_EVENT_KEY_SET = frozenset(_EVENT_KEYS)
_MAX_INT64 = 2**63 - 1
# The C string scanner the decoder itself uses (typeshed does not declare it).
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WS = re.compile(r"[ \t\n\r]*")
#: Bytes decoded at a time (rule 2): the window of text stays near this size
#: instead of the whole document, which as a str may take 2 or 4 bytes per
#: character (one emoji in a title makes it 4).
_CHUNK = 1 << 20
# Escapes that may produce text XML cannot carry. When none occurs (nor a raw
# U+FFFE/U+FFFF; raw surrogates cannot survive strict UTF-8 decoding), the
# per-string check of rule 1 is skipped entirely. The pattern starts with a
# literal so that the regex engine can skip ahead: 0.08 s over 80 MB, where
# adding the raw characters as an alternative took 4 s.
_SUSPECT = re.compile(r"\\u(?:00[01][0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[eEfF])")


def _suspect(text: str) -> bool:
    return _SUSPECT.search(text) is not None or "\ufffe" in text or "\uffff" in text


class _Duplicated(dict[str, Any]):
    """An object in which ``key`` appeared twice (reported where it is walked)."""

    key: str = ""


class _NonFinite:
    """NaN or Infinity, which are not JSON; reported where the value is walked."""

    def __init__(self, text: str) -> None:
        self.text = text


class _HugeInt:
    """An integer literal too long to be anything we accept. Python refuses to
    convert more than 4,300 digits with a ValueError that has no position, and
    converting 4,000 is already quadratic; keep the text, report at the field."""

    def __init__(self, text: str) -> None:
        self.text = text


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    dup = _Duplicated(obj)
    for key, _ in pairs:
        if key in seen:
            dup.key = key
            break
        seen.add(key)
    return dup


def _parse_int(text: str) -> int | _HugeInt:
    return int(text) if len(text) <= 20 else _HugeInt(text)


def _as_int(value: object) -> int | None:
    """An integer, also when spelled 1.0 (JSON has one number type, and the
    schema's "integer" accepts it); None otherwise."""
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    return None


def _json_type(value: object) -> str:
    if isinstance(value, _NonFinite):
        return f"{value.text} (NaN and Infinity are not JSON numbers)"
    if isinstance(value, _HugeInt):
        return f"a {len(value.text)}-digit number"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}" if value else "an empty string"
    if isinstance(value, list):
        return "an array"
    return "an object"


# ---------------------------------------------------------------- parsing


def parse(content: bytes, *, default_zone: str, limits: Limits) -> ScheduleDocument:
    """Read a ScheduleFlow JSON document (see the module rules)."""
    if len(content) > limits.max_bytes:
        raise InvalidInput.at(
            f"the document is {len(content)} bytes; at most {limits.max_bytes} are accepted: split it into several imports"
        )
    check_zone(default_zone, field="time_zone")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:4]:
        raise InvalidInput.at("the document is UTF-16 or UTF-32: send it encoded as UTF-8", line=1, column=1)
    reader = _Reader(content, default_zone, limits)
    reader.run()
    return reader.collector.document(reader.channels, reader.zone_name)


@dataclasses.dataclass(slots=True)
class _Pending:
    """An event whose local start waits for the channel's zone (rule 4)."""

    index: int
    start: str
    where: Location
    #: The duration had digits below a microsecond (already counted).
    duration_finer: bool = False


class _Reader:
    """One pass over one document, through a window of decoded text (rule 2).

    Positions are offsets in the window ``s``; ``discard`` drops what has been
    read from its front, and the line/column counters carry over.
    """

    def __init__(self, content: bytes, default_zone: str, limits: Limits) -> None:
        self.content = content
        # A UTF-8 BOM is tolerated (RFC 8259 lets parsers ignore it).
        self.byte_pos = 3 if content.startswith(b"\xef\xbb\xbf") else 0
        self.utf8 = codecs.getincrementaldecoder("utf-8")("strict")
        self.s = ""
        self.final = False
        self.check_chars = False
        self.limits = limits
        self.collector = Collector(limits)
        self.channels: tuple[ChannelInfo, ...] = ()
        self.zone_name = default_zone
        self.zone = zone(default_zone)
        self.zone_final = False
        self.pending: list[_Pending] = []
        self.texts = TextPool()
        decoder = json.JSONDecoder(
            object_pairs_hook=_pairs,
            parse_constant=_NonFinite,
            parse_int=_parse_int,
            strict=True,
        )
        # The C scanner decodes one value at a given offset: exactly what
        # streaming over the events array needs.
        self.scan_once: Callable[[str, int], tuple[Any, int]] = cast(Any, decoder).scan_once
        self._mark = 0
        self._line = 1
        self._last_nl = -1
        self.fill()

    # -- the window

    def fill(self) -> bool:
        """Decode more of the document onto the window: at least a chunk, and
        as much again as the window holds, so that a value that keeps not
        fitting is rescanned a logarithmic number of times. False at the end."""
        if self.final:
            return False
        size = max(_CHUNK, len(self.s))
        chunk = self.content[self.byte_pos : self.byte_pos + size]
        chunk_start = self.byte_pos
        self.byte_pos += len(chunk)
        self.final = self.byte_pos >= len(self.content)
        try:
            text = self.utf8.decode(chunk, self.final)
        except UnicodeDecodeError as exc:
            # exc.object is the decoder's held-back bytes followed by chunk.
            offset = chunk_start - (len(exc.object) - len(chunk)) + exc.start
            line = self.content.count(b"\n", 0, offset) + 1
            column = offset - self.content.rfind(b"\n", 0, offset)
            raise InvalidInput.at(
                f"invalid UTF-8 byte sequence (0x{self.content[offset]:02X}): encode the document as UTF-8",
                line=line,
                column=column,
            ) from None
        # An escape may straddle the seam: look at the last few characters too.
        if not self.check_chars and _suspect(self.s[-6:] + text):
            self.check_chars = True
        self.s += text
        return True

    def discard(self, pos: int) -> int:
        """Forget the window before ``pos`` once enough has been read; the
        new offset of ``pos``."""
        if pos < _CHUNK:
            return pos
        self.where(pos)
        self.s = self.s[pos:]
        self._mark -= pos
        self._last_nl -= pos
        return 0

    def has(self, pos: int, count: int = 1) -> bool:
        """Whether ``count`` characters from ``pos`` are in the window, decoding more if needed."""
        while len(self.s) < pos + count:
            if not self.fill():
                return False
        return True

    def startswith(self, pos: int, text: str) -> bool:
        self.has(pos, len(text))
        return self.s.startswith(text, pos)

    # -- positions

    def where(self, pos: int) -> tuple[int, int]:
        """Line and column of ``pos``, counted incrementally as the reader moves on."""
        if pos < self._mark:
            # Behind the counters (no path that reports does this today):
            # count back within the window. The line is exact; the column is
            # unknown (0) if the line began before the window.
            back = self.s.count("\n", pos, self._mark)
            nl = self.s.rfind("\n", 0, pos)
            if nl < 0 and back == 0:
                nl = self._last_nl
            return self._line - back, (pos - nl) if nl >= 0 or back == 0 else 0
        newlines = self.s.count("\n", self._mark, pos)
        if newlines:
            self._line += newlines
            self._last_nl = self.s.rfind("\n", self._mark, pos)
        self._mark = pos
        return self._line, pos - self._last_nl

    def syntax(self, pos: int, message: str) -> InvalidInput:
        line, column = self.where(pos)
        while self.fill():
            pass
        if pos >= len(self.s.rstrip()) or message.startswith("Unterminated"):
            message += " (the document ends early: is it truncated?)"
        return InvalidInput.at(f"not valid JSON: {message}", line=line, column=column)

    def at(self, pos: int, pointer: str, message: str) -> InvalidInput:
        line, column = self.where(pos)
        return InvalidInput.at(message, line=line, column=column, field=pointer)

    def skip_ws(self, pos: int) -> int:
        while True:
            end = cast(re.Match[str], _WS.match(self.s, pos)).end()
            if end < len(self.s) or not self.fill():
                return end

    def scan(self, pos: int) -> tuple[Any, int]:
        """The value at ``pos`` and the offset after it. A value that fails or
        ends at the window's edge may only be cut short by it: decode more
        and scan again; only the whole rest of the document gets an error."""
        while True:
            try:
                value, end = self.scan_once(self.s, pos)
            except StopIteration:
                if self.fill():
                    continue
                hint = " (JSON has no comments)" if self.s.startswith(("//", "/*"), pos) else ""
                raise self.syntax(pos, "expected a value" + hint) from None
            except json.JSONDecodeError as exc:
                if self.fill():
                    continue
                raise self.syntax(exc.pos, exc.msg) from None
            except RecursionError:
                if self.fill():
                    continue
                raise self.syntax(
                    self._too_deep(pos), f"nested more than {self.limits.max_depth} levels deep"
                ) from None
            if end < len(self.s) or not self.fill():
                return value, end

    def _too_deep(self, pos: int) -> int:
        """Where nesting passes the limit (error path only)."""
        depth = 0
        for m in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', self.s[pos:]):
            token = m.group()
            if token in "[{":
                depth += 1
                if depth > self.limits.max_depth:
                    return pos + m.start()
            elif token in "]}":
                depth -= 1
        return pos

    def expect(self, pos: int, char: str, message: str) -> int:
        if not self.startswith(pos, char):
            raise self.syntax(pos, message)
        return pos + 1

    # -- the document

    def run(self) -> None:
        pos = self.skip_ws(0)
        if not self.has(pos):
            raise InvalidInput.at("the document is empty", line=1, column=1)
        if self.s[pos] != "{":
            raise self.syntax(pos, 'a ScheduleFlow JSON document is an object: {"scheduleflow": 1, "events": [...]}')
        pos = self.skip_ws(pos + 1)
        seen: set[str] = set()
        if self.startswith(pos, "}"):
            pos += 1
        else:
            while True:
                pos = self.discard(pos)
                if not self.startswith(pos, '"'):
                    raise self.syntax(pos, "expected a field name in double quotes")
                key_pos = pos
                key, pos = self.scan_key(pos)
                pointer = "/" + pointer_token(key)
                if key in seen:
                    raise self.at(key_pos, pointer, f"field {key!r} appears twice")
                if key not in _ROOT_KEYS:
                    raise self.at(
                        key_pos,
                        pointer,
                        f"unknown field {key[:80]!r}: a document has the fields {', '.join(_ROOT_KEYS)}",
                    )
                seen.add(key)
                pos = self.expect(self.skip_ws(pos), ":", "expected ':' after a field name")
                pos = self.skip_ws(pos)
                if key == "events":
                    pos = self.events(pos)
                else:
                    value, pos = self.scan(pos)
                    self.root_field(key, value, key_pos)
                pos = self.skip_ws(pos)
                if self.startswith(pos, ","):
                    pos = self.skip_ws(pos + 1)
                elif self.startswith(pos, "}"):
                    pos += 1
                    break
                else:
                    raise self.syntax(pos, "expected ',' or '}' after a field")
        pos = self.skip_ws(pos)
        if self.has(pos):
            raise self.syntax(pos, "unexpected data after the document's closing '}'")
        for required in ("scheduleflow", "events"):
            if required not in seen:
                raise InvalidInput.at(
                    f"missing required field {required!r}: a document is "
                    '{"scheduleflow": 1, "channel": {...}, "events": [...]}',
                    field="",
                )
        self.resolve_pending()

    def scan_key(self, pos: int) -> tuple[str, int]:
        """The field name whose opening quote is at ``pos``."""
        while True:
            try:
                return _scanstring(self.s, pos + 1, True)
            except json.JSONDecodeError as exc:
                if self.fill():
                    continue
                raise self.syntax(exc.pos, exc.msg) from None

    def root_field(self, key: str, value: Any, pos: int) -> None:
        pointer = "/" + key
        number = _as_int(value)
        if key == "scheduleflow":
            if number != 1:
                raise self.at(pos, pointer, f"'scheduleflow' must be 1 (the format version), not {_json_type(value)}")
        elif key == "revision":
            if number is None or not 0 <= number <= _MAX_INT64:
                raise self.at(pos, pointer, f"'revision' must be a non-negative integer, not {_json_type(value)}")
        else:
            self.channel(value, pos)

    def channel(self, value: Any, pos: int) -> None:
        pointer = "/channel"
        if not isinstance(value, dict):
            raise self.at(
                pos, pointer, f"'channel' must be an object with id, display_name, time_zone, not {_json_type(value)}"
            )
        if isinstance(value, _Duplicated):
            raise self.at(pos, f"{pointer}/{pointer_token(value.key)}", f"field {value.key!r} appears twice")
        details: ChannelDetails | None = None
        for key, item in value.items():
            if key not in _CHANNEL_KEYS:
                raise self.at(
                    pos,
                    f"{pointer}/{pointer_token(key)}",
                    f"unknown field {key[:80]!r}: a channel has id, display_name, time_zone, details",
                )
            if key == "details":
                try:
                    details = channel_from_json(item)
                except DetailsShapeError as exc:
                    raise self.at(pos, f"{pointer}/details{exc.pointer}", exc.message) from None
                found = details_problem(details, self.limits)
                if found is not None:
                    raise self.at(pos, f"{pointer}/details{found[0]}", found[1])
                continue
            if type(item) is not str:
                raise self.at(pos, f"{pointer}/{key}", f"'{key}' must be a string, not {_json_type(item)}")
            problem = check_text(item, key, self.limits) or _illegal(item, key)
            if problem:
                raise self.at(pos, f"{pointer}/{key}", problem)
        if value.get("id") == "":
            raise self.at(pos, f"{pointer}/id", "the channel id must not be empty (leave it out instead)")
        time_zone = value.get("time_zone", "")
        if time_zone:
            line, column = self.where(pos)
            check_zone(time_zone, line=line, column=column, field=f"{pointer}/time_zone")
            self.zone_name = time_zone
            self.zone = zone(time_zone)
        self.zone_final = True
        self.channels = (
            ChannelInfo(
                id=value.get("id", ""),
                display_name=value.get("display_name", ""),
                time_zone=time_zone,
                details=details,
            ),
        )

    def events(self, pos: int) -> int:
        if not self.startswith(pos, "["):
            value, _ = self.scan(pos)
            raise self.at(pos, "/events", f"'events' must be an array of events, not {_json_type(value)}")
        pos = self.skip_ws(pos + 1)
        if self.startswith(pos, "]"):
            return pos + 1
        index = 0
        while True:
            pos = self.discard(pos)
            start = pos
            value, pos = self.scan(pos)
            self.event(value, index, start)
            index += 1
            pos = self.skip_ws(pos)
            if self.startswith(pos, ","):
                pos = self.skip_ws(pos + 1)
            elif self.startswith(pos, "]"):
                return pos + 1
            else:
                raise self.syntax(pos, "expected ',' or ']' after an event")

    def event(self, obj: Any, index: int, pos: int) -> None:
        pointer = f"/events/{index}"
        line, column = self.where(pos)
        self.collector.count(line=line, column=column, pointer=pointer)

        def fail(message: str, sub: str = "") -> InvalidInput:
            return InvalidInput.at(message, line=line, column=column, field=pointer + sub)

        if not isinstance(obj, dict):
            raise fail(f"an event is an object with id, start and duration, not {_json_type(obj)}")
        if isinstance(obj, _Duplicated):
            raise fail(f"field {obj.key!r} appears twice", "/" + pointer_token(obj.key))
        if not obj.keys() <= _EVENT_KEY_SET:
            unknown = next(k for k in obj if k not in _EVENT_KEY_SET)
            raise fail(
                f"unknown field {unknown[:80]!r}: an event has the fields {', '.join(_EVENT_KEYS)}",
                "/" + pointer_token(unknown),
            )
        for required in ("id", "start", "duration"):
            if required not in obj:
                raise fail(f"missing required field {required!r}: every event has id, start and duration")
        event_id = obj["id"]
        if type(event_id) is not str or not event_id:
            raise fail(f"'id' must be a non-empty string, not {_json_type(event_id)}", "/id")
        start = obj["start"]
        if type(start) is not str:
            raise fail(f"'start' must be a string such as '2025-11-22T09:30:00Z', not {_json_type(start)}", "/start")
        duration = obj["duration"]
        if type(duration) not in (str, int, float):
            raise fail(
                f"'duration' must be a string such as 'PT30M' or a number of seconds, not {_json_type(duration)}",
                "/duration",
            )
        try:
            duration_us = read_duration(duration)
        except ValueError as exc:
            raise fail(str(exc), "/duration") from None
        asset = obj.get("asset_id", "")
        title = obj.get("title", "")
        for key, value in (("asset_id", asset), ("title", title)):
            if type(value) is not str:
                raise fail(f"'{key}' must be a string, not {_json_type(value)}", "/" + key)
        kind_name = obj.get("kind", "program")
        if kind_name == "program":
            kind = EventKind.PROGRAM
        else:
            found = KIND_BY_NAME.get(kind_name) if type(kind_name) is str else None
            if found is None:
                raise fail(f"'kind' must be one of {', '.join(KIND_NAMES)}, not {kind_name!r}"[:300], "/kind")
            kind = found
        fixed = obj.get("fixed_start", False)
        if type(fixed) is not bool:
            raise fail(f"'fixed_start' must be true or false, not {_json_type(fixed)}", "/fixed_start")
        metadata = obj.get("metadata", {})
        if not isinstance(metadata, dict):
            raise fail(f"'metadata' must be an object of strings, not {_json_type(metadata)}", "/metadata")
        if isinstance(metadata, _Duplicated):
            raise fail(f"metadata key {metadata.key!r} appears twice", "/metadata/" + pointer_token(metadata.key))
        limits = self.limits
        if len(metadata) > limits.max_metadata_entries:
            raise fail(
                f"{len(metadata)} metadata entries; at most {limits.max_metadata_entries} are allowed", "/metadata"
            )
        max_text = limits.max_text
        for key, value in metadata.items():
            # Messages and pointers are built only for the entry that fails:
            # this loop runs for every entry of every event.
            if not key or type(value) is not str or len(key) > max_text or len(value) > max_text:
                sub = "/metadata/" + pointer_token(key)
                if not key:
                    raise fail("metadata keys must not be empty", sub)
                if type(value) is not str:
                    raise fail(f"metadata values must be strings, not {_json_type(value)}", sub)
                raise fail(
                    check_text(key, "the metadata key", limits) or str(check_text(value, "the metadata value", limits)),
                    sub,
                )
        if max(len(event_id), len(asset), len(title), len(start)) > max_text:
            for key, value in (("id", event_id), ("asset_id", asset), ("title", title), ("start", start)):
                problem = check_text(value, f"'{key}'", limits)
                if problem:
                    raise fail(problem, "/" + key)
        if self.check_chars:
            texts = [("id", event_id), ("asset_id", asset), ("title", title), ("start", start)]
            texts += [(f"metadata/{pointer_token(k)}", k + v) for k, v in metadata.items()]
            for key, value in texts:
                problem = _illegal(value, f"'{key}'")
                if problem:
                    raise fail(problem, "/" + key)
        details: ProgrammeDetails | None = None
        if "details" in obj:
            try:
                details = programme_from_json(obj["details"])
            except DetailsShapeError as exc:
                raise fail(exc.message, "/details" + exc.pointer) from None
            problem_at = details_problem(details, limits)
            if problem_at is not None:
                raise fail(problem_at[1], "/details" + problem_at[0])
            details = self.texts.share_value(details)
        where = Location(line=line, column=column, field=pointer)
        try:
            parsed = read_instant(start, self.zone if self.zone_final else None)
        except TimestampError as exc:
            start_where = Location(line=line, column=column, field=pointer + "/start")
            if self.zone_final:
                self.collector.bad_timestamp(exc, event_id, start_where)
                return
            # A local time before the channel (and its zone) was read (rule 4).
            finer = duration_is_finer(duration)
            self.pending.append(_Pending(len(self.collector.events), start, start_where, finer))
            start_us, spelling = 0, "utc"
        else:
            start_us, spelling = parsed.us, parsed.spelling
            finer = parsed.finer or duration_is_finer(duration)
            problem = end_problem(start_us, duration_us)
            if problem:
                raise fail(problem, "/duration")
        self.collector.normalised(spelling, event_id, where, finer=finer)
        share = self.texts.share
        self.collector.add(
            Event(
                id=event_id,
                start_us=start_us,
                duration_us=self.texts.share_int(duration_us),
                asset_id=share(asset),
                title=share(title),
                kind=kind,
                fixed_start=fixed,
                metadata=self.texts.share_metadata({share(k): share(v) for k, v in metadata.items()})
                if metadata
                else {},
                details=details,
            ),
            where,
        )

    def resolve_pending(self) -> None:
        if not self.pending:
            return
        events, locations = self.collector.events, self.collector.locations
        dropped: set[int] = set()
        for item in self.pending:
            event = events[item.index]
            try:
                parsed = parse_instant(item.start, self.zone)
            except TimestampError as exc:
                self.collector.bad_timestamp(exc, event.id, item.where)
                dropped.add(item.index)
                continue
            problem = end_problem(parsed.us, event.duration_us)
            if problem:
                pointer = item.where.field.rpartition("/")[0] + "/duration"
                raise InvalidInput.at(problem, line=item.where.line, column=item.where.column, field=pointer)
            events.set_start(item.index, parsed.us)
            finer = parsed.finer and not item.duration_finer
            self.collector.normalised(parsed.spelling, event.id, locations[item.index], finer=finer)
        if dropped:
            self.collector.events = events.without(dropped)
            self.collector.locations = locations.without(dropped)


def _illegal(value: str, what: str) -> str | None:
    bad = illegal_char(value)
    if bad is None:
        return None
    return (
        f"{what} holds {bad}: control characters (other than tab, LF, CR), surrogates and U+FFFE/U+FFFF are not allowed"
    )


# ---------------------------------------------------------------- rendering

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_PRETTY = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False)


def _event_object(event: Event) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "id": event.id,
        "start": format_rfc3339(event.start_us),
        "duration": format_duration(event.duration_us),
    }
    if event.asset_id:
        obj["asset_id"] = event.asset_id
    if event.title:
        obj["title"] = event.title
    obj["kind"] = event.kind.value.lower()
    if event.fixed_start:
        obj["fixed_start"] = True
    if event.metadata:
        obj["metadata"] = {key: event.metadata[key] for key in sorted(event.metadata)}
    if event.details is not None:
        obj["details"] = details_to_json(event.details)
    return obj


def _channel_object(channel: ChannelInfo) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    if channel.id:
        obj["id"] = channel.id
    if channel.display_name:
        obj["display_name"] = channel.display_name
    if channel.time_zone:
        obj["time_zone"] = channel.time_zone
    if channel.details is not None:
        obj["details"] = details_to_json(channel.details)
    return obj


def render_parts(channel: ChannelInfo, events: Sequence[Event], *, revision: int, pretty: bool) -> list[bytes]:
    """ScheduleFlow JSON for ``events`` of ``channel``., in parts that join to it."""
    channel_obj = _channel_object(channel)
    # Same rule as for reading (rule 1): refuse what could not be read back.
    out = Encoder(lambda: check_exportable(channel, events), suspect=_suspect)
    write = out.write
    if pretty:
        write('{\n  "scheduleflow": 1,\n  "revision": ' + str(int(revision)))
        if channel_obj:
            write(',\n  "channel": ' + _PRETTY.encode(channel_obj).replace("\n", "\n  "))
        if events:
            write(',\n  "events": [')
            separator = "\n    "
            for event in events:
                write(separator + _PRETTY.encode(_event_object(event)).replace("\n", "\n    "))
                separator = ",\n    "
            write("\n  ]\n}\n")
        else:
            write(',\n  "events": []\n}\n')
    else:
        write('{"scheduleflow":1,"revision":' + str(int(revision)))
        if channel_obj:
            write(',"channel":' + _COMPACT.encode(channel_obj))
        write(',"events":[')
        separator = ""
        for event in events:
            write(separator + _COMPACT.encode(_event_object(event)))
            separator = ","
        write("]}")
    return out.parts()
