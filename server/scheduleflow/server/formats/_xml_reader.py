"""The one streaming element reader both XML formats are built on.

Rules:

1. ``iterparse`` (hardened, ``_xml_safety``) hands over the root's children
   one at a time: ``on_root_start`` sees the root when it opens (its
   attributes are complete then), ``on_element`` each reported child of the
   root when it closes, ``on_root_end`` the root when the document ends.
2. Only the root and its children are expected: an element reported deeper
   (``<event>`` inside ``<event>``) is refused where it opens, before its
   parent has been read to the end, unless ``in_extension`` says it lies
   inside content the format accepts without reading (XMLTV's ``x-*``
   elements): then it belongs to that content and is not reported.
3. What has been read is forgotten at once (``release``): the element is
   cleared and its earlier siblings unlinked, each checked on the way out by
   ``check_sibling`` (the format's verdict on stray elements and text), so
   memory follows the events kept, not the tree.
4. No element has more than ``limits.max_attributes`` attributes: the root
   is counted when it opens, every reported child with its subtree when it
   closes, before the format reads any of them (lxml's attribute access
   walks the list: unbounded, it is quadratic).
5. ``fail`` makes the ``InvalidInput``: a line, and the column of a tag or
   attribute found on demand (``LineIndex``), since columns cost a scan.
"""

from __future__ import annotations

from typing import Any, cast

from lxml import etree

from scheduleflow.server.core.errors import InvalidInput, quote
from scheduleflow.server.formats import _xml_safety as safety
from scheduleflow.server.formats._common import Collector
from scheduleflow.server.formats.limits import Limits


class ElementReader:
    """One pass over one document (see the module rules); a format subclasses it."""

    def __init__(self, content: bytes, limits: Limits) -> None:
        self.content = content
        self.limits = limits
        self.lines = safety.LineIndex(content)
        self.collector = Collector(limits)

    # -- what a format supplies ---------------------------------------------

    def on_root_start(self, root: etree._Element) -> None:
        """The root has opened; its attributes are complete."""

    def on_start(self, el: etree._Element) -> None:
        """A reported element at depth 2 has opened (its children are not read yet)."""

    def in_extension(self, el: etree._Element, root: etree._Element | None) -> bool:
        """Whether ``el`` lies inside a child of the root that the format keeps
        as it is rather than reads (rule 2); none by default."""
        return False

    def on_element(self, el: etree._Element) -> None:
        """A reported child of the root, read to its end."""
        raise NotImplementedError

    def on_root_end(self, root: etree._Element) -> None:
        """The document has ended; the root's remaining children are still linked."""
        for child in root:
            self.check_sibling(child)

    def check_sibling(self, node: etree._Element) -> None:
        """A child of the root on its way out: refuse what the format does not allow there."""

    # -- the mechanism ----------------------------------------------------------

    def fail(self, message: str, line: int, tag: str = "", attribute: str = "") -> InvalidInput:
        column = 0
        if tag:
            line, column = self.lines.locate(line, tag, attribute)
        return InvalidInput.at(message, line=line, column=column)

    def run(self, tags: tuple[str, ...]) -> None:
        """Read the whole document, reporting the elements ``tags`` names (rules 1-3)."""
        depth = 0
        root: etree._Element | None = None
        try:
            for action, el in safety.iterparse(self.content, tags):
                if action == "start":
                    depth += 1
                    if depth == 1:
                        root = el
                        self.check_attributes(el)
                        self.on_root_start(el)
                    elif depth > 2 and not self.in_extension(el, root):
                        name = safety.local_name(el.tag)
                        raise self.fail(f"<{name}> is not allowed inside another element", safety.line_of(el), name)
                    elif depth == 2:
                        self.on_start(el)
                    continue
                depth -= 1
                if depth == 0:
                    assert root is not None
                    self.on_root_end(root)
                    continue
                parent = el.getparent()
                if parent is not root and self.in_extension(el, root):
                    continue  # the extension's content, checked with it
                if parent is not None and parent is not root:
                    # Inside an element the filter does not report, e.g. <group>.
                    self.check_sibling(parent)
                for node in el.iter(etree.Element):
                    self.check_attributes(node)
                self.on_element(el)
                self.release(el)
        except etree.XMLSyntaxError as exc:
            raise safety.syntax_error(exc, self.limits) from None

    def check_attributes(self, el: etree._Element) -> None:
        """Refuse an element with more attributes than the limit (rule 4); counting is linear."""
        most = self.limits.max_attributes
        if len(el.attrib) > most:
            name = safety.local_name(el.tag)
            raise self.fail(
                f"<{quote(name)}> has {len(el.attrib)} attributes; at most {most} are allowed",
                safety.line_of(el),
                name,
            )

    def release(self, el: etree._Element) -> None:
        """Forget what has been read so the tree never grows (rule 3)."""
        cast(Any, el).clear(keep_tail=True)  # lxml-stubs lacks keep_tail
        parent = el.getparent()
        if parent is None:
            return
        while True:
            previous = el.getprevious()
            if previous is None:
                break
            self.check_sibling(previous)
            parent.remove(previous)
