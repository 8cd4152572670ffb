"""Reading untrusted XML safely: the one place that configures the parser.

Rules:

1. The size limit is checked before a byte is parsed.
2. The prolog (everything before the root element) is scanned by hand first.
   A DOCTYPE with an internal subset is refused outright: that is where
   entities are declared, and entities are what billion-laughs, quadratic
   blow-up and XXE (``file://``, ``http://``) attacks are made of. No
   ScheduleFlow or XMLTV document needs one. Native documents may carry no
   DOCTYPE at all; XMLTV files often say ``<!DOCTYPE tv SYSTEM "xmltv.dtd">``,
   which is allowed because the DTD is never loaded.
3. The parser itself is hardened as well, in case rule 2 misses a spelling:
   no entity substitution, no DTD loading, no network, no huge trees
   (libxml2's own caps of 10 MB per text node and 256 levels of nesting stay
   on), comments and processing instructions dropped (they carry no meaning
   for us and lxml never acts on ``xml-stylesheet``; XInclude is never run).
4. Only encodings that are ASCII-compatible may be declared, so that the
   byte-level scan of rule 2 sees what the parser will see; UTF-16/32 are
   refused with a request to send UTF-8.
5. Every error leaves as ``InvalidInput`` with a line and column.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from lxml import etree

from scheduleflow.server.core.errors import InvalidInput
from scheduleflow.server.formats.limits import Limits

UTF8_ONLY = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
#: XMLTV grabbers still write Latin-1 and friends; all are ASCII-compatible.
ASCII_COMPATIBLE = UTF8_ONLY | frozenset(
    {f"iso-8859-{n}" for n in range(1, 16)} | {"windows-1252", "latin1", "latin-1"}
)

_WS = re.compile(rb"[ \t\r\n]*")
_NAME = re.compile(rb"[^\s/>\"'=<]+")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_POSITION_SUFFIX = re.compile(r", line \d+, column \d+$")

# lxml-stubs does not declare iterparse nor the error log entries; this is
# the only untyped corner and it stays inside this module.
_etree_any = cast(Any, etree)


def check_size(content: bytes, limits: Limits) -> None:
    if len(content) > limits.max_bytes:
        raise InvalidInput.at(
            f"the document is {len(content)} bytes; at most {limits.max_bytes} are accepted: split it into several imports"
        )


class LineIndex:
    """Byte offsets of line starts, built on first use (only error and finding
    paths need columns, and they may need many: one index, not one scan each)."""

    __slots__ = ("_content", "_starts")

    def __init__(self, content: bytes) -> None:
        self._content = content
        self._starts: list[int] | None = None

    def _line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer(b"\n", self._content)]
        return self._starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters) of a byte offset."""
        starts = self._line_starts()
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        prefix = self._content[starts[lo] : offset]
        return lo + 1, len(prefix.decode("utf-8", "replace")) + 1

    def locate(self, line: int, tag: str, attribute: str = "") -> tuple[int, int]:
        """Where the start tag ``<tag`` that ends on ``line`` begins, or where
        its ``attribute=`` is. libxml2 numbers an element by the line on which
        its start tag *ends*, so the tag is searched for backwards from there.
        Falls back to (line, 0) when the text does not say."""
        starts = self._line_starts()
        if not 1 <= line <= len(starts):
            return line, 0
        end = starts[line] if line < len(starts) else len(self._content)
        begin = starts[max(0, line - 50)]
        window = self._content[begin:end]
        tag_re = re.compile(rb"<(?:[\w.-]+:)?" + re.escape(tag.encode()) + rb"(?=[\s/>])")
        matches = list(tag_re.finditer(window))
        if not matches:
            return line, 0
        found = matches[-1]
        offset = begin + found.start()
        if attribute:
            attr_re = re.compile(rb"\s(" + re.escape(attribute.encode()) + rb")\s*=")
            m = attr_re.search(window, found.end())
            if m is not None:
                offset = begin + m.start(1)
        return self.position(offset)


@dataclass(frozen=True, slots=True)
class Prolog:
    """What precedes the root element."""

    #: The root element's name as written ("schedule", "sf:schedule", "tv").
    root_name: str
    root_line: int
    root_column: int

    @property
    def root_local_name(self) -> str:
        return self.root_name.rpartition(":")[2]


def _position(content: bytes, offset: int) -> tuple[int, int]:
    line = content.count(b"\n", 0, offset) + 1
    return line, offset - (content.rfind(b"\n", 0, offset) + 1) + 1


def _refuse(content: bytes, offset: int, message: str) -> InvalidInput:
    line, column = _position(content, offset)
    return InvalidInput.at(message, line=line, column=column)


def scan_prolog(content: bytes, *, allow_doctype: bool, encodings: frozenset[str]) -> Prolog:
    """Check the prolog (rules 2 and 4) and find the root element's name."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in content[:4]:
        raise InvalidInput.at("the document is UTF-16 or UTF-32: send it encoded as UTF-8", line=1, column=1)
    i = 3 if content.startswith(b"\xef\xbb\xbf") else 0
    n = len(content)
    if content.startswith(b"<?xml", i) and content[i + 5 : i + 6] in (b" ", b"\t", b"\r", b"\n", b"?"):
        end = content.find(b"?>", i)
        if end < 0:
            raise _refuse(content, i, "the XML declaration is not closed with '?>'")
        m = _ENCODING.search(content, i, end)
        if m is not None and m.group(1).decode().lower() not in encodings:
            raise _refuse(
                content,
                m.start(1),
                f"encoding {m.group(1).decode()!r} is not accepted: send the document encoded as UTF-8",
            )
        i = end + 2
    while True:
        i = _WS.match(content, i).end()  # type: ignore[union-attr]  # matches the empty string at worst
        if i >= n:
            raise _refuse(content, min(i, max(n - 1, 0)), "the document has no root element")
        if content.startswith(b"<!--", i):
            end = content.find(b"-->", i + 4)
            if end < 0:
                raise _refuse(content, i, "a comment is not closed with '-->'")
            i = end + 3
        elif content.startswith(b"<?", i):
            end = content.find(b"?>", i + 2)
            if end < 0:
                raise _refuse(content, i, "a processing instruction is not closed with '?>'")
            i = end + 2
        elif content.startswith(b"<!DOCTYPE", i):
            i = _skip_doctype(content, i, allow_doctype)
        elif content.startswith(b"<", i):
            m = _NAME.match(content, i + 1)
            if m is None:
                raise _refuse(content, i, "expected the root element's name after '<'")
            line, column = _position(content, i)
            return Prolog(m.group().decode("utf-8", "replace"), line, column)
        else:
            raise _refuse(content, i, "text before the root element: a document starts with '<' (or '{' for JSON)")


def _skip_doctype(content: bytes, start: int, allow: bool) -> int:
    i = start + len(b"<!DOCTYPE")
    quote = 0
    while i < len(content):
        c = content[i]
        if quote:
            if c == quote:
                quote = 0
        elif c in (0x22, 0x27):  # " or '
            quote = c
        elif c == 0x5B:  # [
            raise _refuse(
                content,
                start,
                "a DOCTYPE with an internal subset ('[...]') is not accepted: entity declarations are refused; "
                "remove the DOCTYPE",
            )
        elif c == 0x3E:  # >
            if not allow:
                raise _refuse(content, start, "a DOCTYPE is not accepted in ScheduleFlow XML: remove it")
            return i + 1
        i += 1
    raise _refuse(content, start, "the DOCTYPE is not closed with '>'")


def iterparse(content: bytes, tags: tuple[str, ...]) -> Iterator[tuple[str, etree._Element]]:
    """Start and end events of the elements named ``tags`` (rule 3)."""
    # The error log is per thread and lxml appends to it across parses; clear
    # it so that an error's entries are this document's.
    _etree_any.clear_error_log()
    events: Iterator[tuple[str, etree._Element]] = _etree_any.iterparse(
        io.BytesIO(content),
        events=("start", "end"),
        tag=tags,
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        collect_ids=False,
    )
    return events


_REWRITES: tuple[tuple[str, str], ...] = (
    ("Excessive depth in document", "elements are nested too deeply: at most {depth} levels are allowed"),
    ("Invalid bytes in character encoding", "invalid UTF-8 byte sequence: encode the document as UTF-8"),
    ("Input is not proper UTF-8", "invalid UTF-8 byte sequence: encode the document as UTF-8"),
    ("huge text node", "a text node is too long"),
    ("invalid xmlChar value", "a character reference to a character XML 1.0 does not allow (such as &#0;)"),
    ("Premature end of data", "the document ends before its elements are closed (truncated?)"),
)


def syntax_error(exc: etree.XMLSyntaxError, limits: Limits) -> InvalidInput:
    """A parser error as ``InvalidInput`` at its line and column."""
    line, column = exc.position
    message = str(exc.msg)
    if line == 0 or message == "no element found":
        # Some errors (an undefined entity) surface as "no element found" at
        # 0:0; the log has the real first error.
        for entry in cast(Any, exc.error_log):
            if entry.level >= 2 and entry.line > 0:
                line, column, message = entry.line, entry.column, str(entry.message)
                break
    message = _POSITION_SUFFIX.sub("", message.strip())
    m = re.match(r"Entity '([^']*)' not defined", message)
    if m is not None:
        message = (
            f"undefined entity &{m.group(1)};: only &amp; &lt; &gt; &quot; &apos; and character references are allowed"
        )
    for needle, rewrite in _REWRITES:
        if needle in message:
            message = rewrite.format(depth=limits.max_depth) + f" [{message}]"
            break
    return InvalidInput.at(f"not well-formed XML: {message}", line=line, column=column)


def subtree_depth(element: etree._Element) -> int:
    """Levels below ``element`` (0 for a leaf), without recursion."""
    deepest = 0
    stack: list[tuple[etree._Element, int]] = [(element, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node)
    return deepest


def line_of(element: etree._Element) -> int:
    """The element's line (lxml-stubs leave ``sourceline`` untyped)."""
    line = cast("int | None", element.sourceline)
    return line or 0


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]
