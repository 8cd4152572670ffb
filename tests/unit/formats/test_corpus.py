"""The hostile and broken documents of ``corpus/``, one test each.

``corpus/expected.json`` maps each file to what must happen:

- ``message`` (always): a substring of the error (or finding) message;
- ``line``, ``column``, ``field``: where it must point (``field`` is a JSON
  pointer for JSON, ``channel_id`` for channel selection);
- ``finding``: the document is read, and a finding with this code (at that
  place, for ``event_id``) reports the problem instead of an exception:
  timestamps are Validate's to report (see ``scheduleflow.server.formats``);
  ``severity`` (default ERROR) is the finding's: what XMLTV tolerates (odd
  channel ids, extensions, a last programme without stop) is read, noted;
- ``channel_id``: passed to ``parse_document`` (XMLTV);
- ``kept`` (instead of ``message``): the document is read without a
  warning, and its channel keeps this XML verbatim as document-level content
  (XMLTV's extensions under ``<tv>``).

The format comes from the name: ``xmltv_``, ``xml_``, ``bxf_`` or ``json_``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.core.model import Severity
from scheduleflow.server.formats import Format, Limits, detect_format, parse_document

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CORPUS / "expected.json").read_text())


def _format(name: str) -> Format:
    if name.startswith("xmltv_"):
        return Format.XMLTV
    if name.startswith("bxf_"):
        return Format.BXF
    return Format.XML if name.startswith("xml_") else Format.JSON


def test_corpus_is_complete() -> None:
    files = {p.name for p in CORPUS.iterdir()} - {"expected.json"}
    assert files == set(EXPECTED), "every corpus file needs an entry in expected.json, and vice versa"
    assert len(files) >= 45
    for fmt in Format:
        assert sum(_format(name) is fmt for name in files) >= 15, fmt


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_document(name: str) -> None:
    expected = EXPECTED[name]
    content = (CORPUS / name).read_bytes()
    kwargs = {"channel_id": expected["channel_id"]} if "channel_id" in expected else {}
    if "kept" in expected:
        doc = parse_document(content, _format(name), **kwargs)
        assert not [f for f in doc.findings if f.severity >= Severity.WARNING], doc.findings
        details = doc.channels[0].details
        assert details is not None
        assert [fragment.xml for fragment in details.document_verbatim] == [expected["kept"]]
        return
    if "finding" in expected:
        doc = parse_document(content, _format(name), **kwargs)
        found = [f for f in doc.findings if f.code == expected["finding"]]
        assert len(found) == 1, doc.findings
        finding = found[0]
        assert finding.severity is Severity[expected.get("severity", "ERROR")]
        assert expected["message"] in finding.message
        assert finding.location is not None
        got = {"line": finding.location.line, "column": finding.location.column, "field": finding.location.field}
        if "event_id" in expected:
            assert finding.event_ids == (expected["event_id"],)
            assert expected["event_id"] not in {e.id for e in doc.events}
    else:
        with pytest.raises(InvalidInput) as info:
            parse_document(content, _format(name), **kwargs)
        error = info.value
        assert expected["message"] in error.message
        assert len(error.violations) == 1
        where = error.violations[0].where
        got = {"line": where.line, "column": where.column, "field": where.field}
    for key in ("line", "column", "field"):
        if key in expected:
            assert got[key] == expected[key], key


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if (CORPUS / n).stat().st_size > 0))
def test_corpus_document_is_refused_or_detected_without_a_format(name: str) -> None:
    """Detection never lets a hostile document through: it names the format
    (and the parser then refuses it) or refuses the document itself."""
    content = (CORPUS / name).read_bytes()
    try:
        fmt = detect_format(content)
    except InvalidInput:
        return
    if fmt is not _format(name):
        # xmltv_wrong_root.xml is a <schedule>, json_not_object.json an array...
        return
    if {"finding", "channel_id", "kept"} & set(EXPECTED[name]):
        return
    with pytest.raises(InvalidInput):
        parse_document(content)


# ---- generated: documents too large to keep in the corpus


_SMALL_VALID = {
    Format.XML: b'<schedule xmlns="https://scheduleflow.dev/schema/v1" version="1"></schedule>',
    Format.JSON: b'{"scheduleflow": 1, "events": []}',
    Format.XMLTV: b"<tv></tv>",
    Format.BXF: b'<BxfMessage xmlns="http://smpte-ra.org/schemas/2021/2017/BXF"></BxfMessage>',
}


@pytest.mark.parametrize("fmt", list(Format))
def test_a_document_one_byte_over_the_limit_is_refused_before_parsing(fmt: Format) -> None:
    limit = Limits().max_bytes
    head = _SMALL_VALID[fmt]
    content = head + b" " * (limit + 1 - len(head))
    assert len(content) == limit + 1
    with pytest.raises(InvalidInput, match=rf"the document is {limit + 1} bytes; at most {limit} are accepted"):
        parse_document(content, fmt)


@pytest.mark.parametrize("fmt", list(Format))
def test_a_document_at_the_limit_is_read(fmt: Format) -> None:
    # A small limit: reading 80 MiB of padding would only slow the suite down.
    limits = Limits(max_bytes=4096)
    content = _SMALL_VALID[fmt] + b" " * (4096 - len(_SMALL_VALID[fmt]))
    assert parse_document(content, fmt, limits=limits).events == ()
    with pytest.raises(InvalidInput, match="the document is 4097 bytes"):
        parse_document(content + b" ", fmt, limits=limits)


def _events_document(fmt: Format, count: int) -> bytes:
    if fmt is Format.JSON:
        items = ",".join(f'{{"id":"e{i}","start":"2025-11-22T00:00:00Z","duration":"PT1M"}}' for i in range(count))
        return f'{{"scheduleflow":1,"events":[{items}]}}'.encode()
    if fmt is Format.XML:
        items = "\n".join(f'<event id="e{i}" start="2025-11-22T00:00:00Z" duration="PT1M"/>' for i in range(count))
        return f'<schedule xmlns="https://scheduleflow.dev/schema/v1" version="1">\n{items}\n</schedule>'.encode()
    if fmt is Format.BXF:
        items = "\n".join(
            f"<ScheduledEvent><EventData><EventId><EventId>urn:uuid:00000000-0000-4000-8000-{i:012d}</EventId></EventId>"
            "<PrimaryEvent><ProgramEvent><SegmentNumber>1</SegmentNumber></ProgramEvent></PrimaryEvent>"
            "<StartDateTime><UtcDateTime>2025-11-22T00:00:00Z</UtcDateTime></StartDateTime>"
            "<LengthOption><Duration><UtcDuration>PT1M</UtcDuration></Duration></LengthOption>"
            "<StartMode>Follow</StartMode><EndMode>Duration</EndMode></EventData></ScheduledEvent>"
            for i in range(count)
        )
        return (
            '<BxfMessage xmlns="http://smpte-ra.org/schemas/2021/2017/BXF"><BxfData><Schedule type="Primary">\n'
            f"{items}\n</Schedule></BxfData></BxfMessage>"
        ).encode()
    items = "\n".join(
        f'<programme start="20251122{i:02d}0000" stop="20251122{i:02d}3000" channel="a.b"><title>t</title></programme>'
        for i in range(count)
    )
    return f'<tv>\n<channel id="a.b"><display-name>A</display-name></channel>\n{items}\n</tv>'.encode()


@pytest.mark.parametrize("fmt", list(Format))
def test_more_events_than_the_limit_are_refused_at_the_first_one_too_many(fmt: Format) -> None:
    content = _events_document(fmt, 11)
    assert len(parse_document(content, fmt, limits=Limits(max_events=11)).events) == 11
    with pytest.raises(InvalidInput, match="more than 10 events") as info:
        parse_document(content, fmt, limits=Limits(max_events=10))
    where = info.value.violations[0].where
    if fmt is Format.JSON:
        assert where.field == "/events/10"
    else:
        assert where.line == (13 if fmt is Format.XMLTV else 12)
