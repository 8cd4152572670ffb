"""Guide details in ScheduleFlow XML: ``<details>`` inside ``<event>`` and ``<channel>``.

Rules:

1. One element per item of a details list, named as in XMLTV (``<title>``,
   ``<credit>``, ``<episode-num>``, ``<rating>``, ...; ``<verbatim>`` for a
   kept fragment, ``<attribute>`` for a kept attribute; a channel's document
   data are ``<document-attribute>`` and ``<document-verbatim>``), in the
   model's field order (the XSD's sequence).
2. An item's text field (``value``; ``xml`` of a fragment) is the element's
   text when the item has no child items, an attribute otherwise (a rating's
   value beside its icons, a credit's name beside its images); every other
   field is an attribute named like the field (``start-offset``), left out
   at its default.
3. The XSD checks the shape (the event or channel is validated as a whole
   before this reads it); the text checks are ``_xmltv_details``'s.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from scheduleflow.server.core.details_json import ATTRIBUTE_FIELDS, ITEM_TYPES
from scheduleflow.server.core.model import ChannelDetails, Fragment, ProgrammeDetails
from scheduleflow.server.formats._common import escape_attr, escape_text

#: List fields -> element names (the item types are ``details_json.ITEM_TYPES``).
_TAGS = {
    "titles": "title",
    "sub_titles": "sub-title",
    "descriptions": "desc",
    "display_names": "display-name",
    "credits": "credit",
    "categories": "category",
    "keywords": "keyword",
    "icons": "icon",
    "urls": "url",
    "episode_nums": "episode-num",
    "ratings": "rating",
    "star_ratings": "star-rating",
    "images": "image",
    "verbatim": "verbatim",
    "document_verbatim": "document-verbatim",
}
#: Attribute fields -> the element of one (name, value) pair.
_ATTRIBUTE_TAGS = {"attributes": "attribute", "document_attributes": "document-attribute"}
_LISTS: dict[str, tuple[str, Any]] = {field: (_TAGS[field], item) for field, item in ITEM_TYPES.items()}
_INTS = frozenset({"position", "start_offset", "stop_offset"})


def _text_field(cls: Any) -> str:
    """The field written as element text (rule 2), or ""."""
    if any(field in _LISTS for field in cls._fields):
        return ""
    return "xml" if cls is Fragment else "value" if "value" in cls._fields else ""


def _attribute_name(field: str) -> str:
    return field.replace("_", "-")


def _write(tag: str, value: Any, out: list[str]) -> None:
    text_field = _text_field(type(value))
    attrs: list[str] = []
    children: list[str] = []
    defaults = value._field_defaults
    for field, item in zip(value._fields, value, strict=True):
        if field == text_field:
            continue
        if field in _LISTS:
            child_tag = _LISTS[field][0]
            for part in item:
                _write(child_tag, part, children)
        elif field in defaults and item == defaults[field]:
            continue
        else:
            attrs.append(f' {_attribute_name(field)}="{escape_attr(str(item))}"')
    head = f"<{tag}{''.join(attrs)}"
    if text_field:
        out.append(f"{head}>{escape_text(getattr(value, text_field))}</{tag}>")
    elif children:
        out.append(f"{head}>{''.join(children)}</{tag}>")
    else:
        out.append(head + "/>")


def render(details: ProgrammeDetails | ChannelDetails) -> str:
    """The ``<details>`` element of an event or a channel (rules 1-2)."""
    out: list[str] = []
    attrs: list[str] = []
    item: Any
    for field, item in zip(details._fields, details, strict=True):
        if field in ATTRIBUTE_FIELDS:
            tag = _ATTRIBUTE_TAGS[field]
            out += [f'<{tag} name="{escape_attr(name)}">{escape_text(text)}</{tag}>' for name, text in item]
        elif field in _LISTS:
            tag = _LISTS[field][0]
            for part in item:
                _write(tag, part, out)
        elif item is not None:
            attrs.append(f' {_attribute_name(field)}="{int(item)}"')
    if not out:
        return f"<details{''.join(attrs)}/>"
    return f"<details{''.join(attrs)}>{''.join(out)}</details>"


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def _read(cls: Any, el: etree._Element) -> Any:
    text_field = _text_field(cls)
    values: dict[str, Any] = {}
    by_element = {_LISTS[field][0]: field for field in cls._fields if field in _LISTS}
    lists: dict[str, list[Any]] = {}
    for child in el:
        field = by_element.get(_local(child.tag))
        if field is not None:
            lists.setdefault(field, []).append(_read(_LISTS[field][1], child))
    for field in cls._fields:
        if field == text_field:
            values[field] = el.text or ""
        elif field in _LISTS:
            values[field] = tuple(lists.get(field, ()))
        else:
            raw = el.get(_attribute_name(field))
            if raw is not None:
                values[field] = int(raw) if field in _INTS else str(raw)
    return cls(**values)


def read(el: etree._Element, cls: type[ProgrammeDetails] | type[ChannelDetails]) -> Any:
    """The details of a ``<details>`` element the XSD has accepted (rule 3)."""
    made = _read(cls, el)
    pairs = {
        field: tuple(
            (str(child.get("name", "")), child.text or "")
            for child in el
            if _local(child.tag) == _ATTRIBUTE_TAGS[field]
        )
        for field in cls._fields
        if field in ATTRIBUTE_FIELDS
    }
    return made._replace(**pairs)
