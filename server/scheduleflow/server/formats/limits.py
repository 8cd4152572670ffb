"""Resource limits for parsing schedule documents.

Rules:

1. Every limit is checked while reading, before the resource it guards is
   spent: the size before the parser starts, the event count as events are
   read, text lengths field by field. A document over a limit is
   ``InvalidInput`` that names the limit, never a slow or huge parse.
2. ``Limits`` is keyword-only and frozen (like ``httpx.Limits``): one object
   passed down to the parsers, validated once when it is built.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

MIB = 1024 * 1024

#: The largest document we read. Import promises 64 MiB schedules; the margin
#: leaves room for pretty-printing and verbose XML of a document that holds
#: 64 MiB of schedule in its compact spelling.
DEFAULT_MAX_BYTES = 80 * MIB


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """What a document may hold; each field must be a positive ``int``."""

    #: Size of the encoded document in bytes.
    max_bytes: int = DEFAULT_MAX_BYTES
    #: Events (XMLTV programmes) in one document.
    max_events: int = 1_000_000
    #: Element or array/object nesting. The formats need 5 levels at most
    #: (XMLTV tv/programme/credits/actor/image); anything deep is hostile.
    max_depth: int = 64
    #: Characters in one text field (id, title, metadata value...).
    max_text: int = 64 * 1024
    #: Metadata entries of one event.
    max_metadata_entries: int = 64
    #: Attributes of one XML element. The formats use at most a dozen; lxml
    #: copies and looks attributes up by walking them, so an element with
    #: 100,000 of them cost quadratic time (measured: 38 s for 50,000 on the
    #: native root, x9 per doubling) where a linear count refuses it.
    max_attributes: int = 64

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            # bool is an int subclass; Limits(max_depth=True) is a bug, not 1.
            if type(value) is not int or value <= 0:
                raise ValueError(f"Limits.{f.name} must be a positive int, not {value!r}")
