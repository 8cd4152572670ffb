"""Which format a document is in, from its first bytes.

Rules:

1. Leading UTF-8 BOM and whitespace are skipped; UTF-16/32 are refused with a
   request for UTF-8 (no format of ours is written in them).
2. ``{`` (or ``[``, so that the JSON parser can say the top level must be an
   object) is JSON. ``<`` is XML: the root element decides, found by the same
   prolog scan that the XML parsers run: ``<tv>`` is XMLTV, ``<schedule>``
   (in any namespace, so that a missing xmlns gets the precise error from
   the parser) is ScheduleFlow XML, ``<BxfMessage>`` (in any namespace: the
   parser names the ones it reads) is BXF.
3. Anything else is ``InvalidInput`` naming the formats we accept.
"""

from __future__ import annotations

import enum
import re

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.formats import _xml_safety as safety

_LEADING = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*")

ACCEPTED = (
    'accepted formats: ScheduleFlow JSON ({"scheduleflow": 1, ...}), '
    'ScheduleFlow XML (<schedule xmlns="https://scheduleflow.dev/schema/v1">), XMLTV (<tv>) '
    "and BXF (<BxfMessage>)"
)


class Format(enum.StrEnum):
    """A schedule document format."""

    XML = "xml"
    JSON = "json"
    XMLTV = "xmltv"
    BXF = "bxf"


def detect_format(content: bytes) -> Format:
    """Sniff the format of ``content`` (see the module rules)."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:4]:
        raise InvalidInput.at("the document is UTF-16 or UTF-32: send it encoded as UTF-8", line=1, column=1)
    match = _LEADING.match(content)
    offset = match.end() if match else 0
    first = content[offset : offset + 1]
    if first in (b"{", b"["):
        return Format.JSON
    if first == b"<":
        prolog = safety.scan_prolog(content, allow_doctype=True, encodings=safety.ASCII_COMPATIBLE)
        if prolog.root_name == "tv":
            return Format.XMLTV
        if prolog.root_local_name == "schedule":
            return Format.XML
        if prolog.root_local_name == "BxfMessage":
            return Format.BXF
        raise InvalidInput.at(
            f"the root element <{prolog.root_name}> is not one we read; {ACCEPTED}",
            line=prolog.root_line,
            column=prolog.root_column,
        )
    if not first:
        raise InvalidInput.at(f"the document is empty; {ACCEPTED}")
    line = content.count(b"\n", 0, offset) + 1
    column = offset - (content.rfind(b"\n", 0, offset) + 1) + 1
    raise InvalidInput.at(f"not a schedule document; {ACCEPTED}", line=line, column=column)
