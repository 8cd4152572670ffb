"""Guide details (``model.ProgrammeDetails``/``ChannelDetails``) as plain JSON values.

Rules:

1. One shape everywhere: the native JSON document's ``details``, the stores'
   ``details`` column and the change log use these objects. Keys are the
   model's field names; a field at its default ("" text, no items, no
   offset) is left out, so a title in no language is ``{"value": "..."}``.
2. Attributes (a programme's or a channel's ``attributes``, a channel's
   ``document_attributes``) are ``[{"name": ..., "value": ...}]`` (a list:
   their order is kept).
3. Reading checks the shape only (types, unknown keys, credit roles) and
   says where, as a JSON pointer below the details object; what the text
   may hold (lengths, characters XML cannot carry, verbatim XML) is the
   caller's to check, since it depends on the document's limits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple, cast

from scheduleflow.server.core.model import (
    CREDIT_ROLES,
    ChannelDetails,
    Credit,
    EpisodeNum,
    Fragment,
    Icon,
    Image,
    LangText,
    Link,
    ProgrammeDetails,
    Rating,
)

#: The list fields of details and their parts -> the type of their items
#: (one table for every converter: JSON here, native XML, protobuf).
ITEM_TYPES: dict[str, type[Any]] = {
    "titles": LangText,
    "sub_titles": LangText,
    "descriptions": LangText,
    "categories": LangText,
    "keywords": LangText,
    "display_names": LangText,
    "credits": Credit,
    "icons": Icon,
    "images": Image,
    "urls": Link,
    "episode_nums": EpisodeNum,
    "ratings": Rating,
    "star_ratings": Rating,
    "verbatim": Fragment,
    "document_verbatim": Fragment,
}
#: The fields of details that hold XML attributes as (name, value) pairs.
ATTRIBUTE_FIELDS = frozenset({"attributes", "document_attributes"})
_INTS = frozenset({"position", "start_offset", "stop_offset"})
_MAX_OFFSET = 24 * 3600
_MAX_POSITION = 1 << 20


class DetailsShapeError(ValueError):
    """The details object is malformed at ``pointer`` (relative to it)."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


def to_json(value: Any) -> Any:
    """The JSON value of a details object or of one of its parts (rule 1)."""
    out: dict[str, Any] = {}
    defaults = value._field_defaults
    for name, item in zip(value._fields, value, strict=True):
        if name in defaults and item == defaults[name]:
            continue
        if name in ATTRIBUTE_FIELDS:
            out[name] = [{"name": key, "value": text} for key, text in item]
        elif name in ITEM_TYPES:
            out[name] = [to_json(part) for part in item]
        else:
            out[name] = item
    return out


_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(value: ProgrammeDetails | ChannelDetails | None) -> str:
    """Compact JSON text of details; "" for None (a column's "no details")."""
    return "" if value is None else _encode(to_json(value))


def _type_name(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _read(cls: Any, obj: object, pointer: str) -> Any:
    if not isinstance(obj, Mapping):
        raise DetailsShapeError(pointer, f"must be an object, not {_type_name(obj)}")
    fields = cls._fields
    values: dict[str, Any] = {}
    for key, item in obj.items():
        where = f"{pointer}/{key}"
        if key not in fields:
            raise DetailsShapeError(where, f"unknown field {str(key)[:80]!r}: expected one of {', '.join(fields)}")
        if key in ATTRIBUTE_FIELDS:
            if not isinstance(item, list):
                raise DetailsShapeError(where, f"must be an array of {{name, value}}, not {_type_name(item)}")
            pairs = []
            for index, pair in enumerate(item):
                read = _read(_Attribute, pair, f"{where}/{index}")
                pairs.append((read.name, read.value))
            values[key] = tuple(pairs)
        elif key in ITEM_TYPES:
            if not isinstance(item, list):
                raise DetailsShapeError(where, f"must be an array, not {_type_name(item)}")
            values[key] = tuple(_read(ITEM_TYPES[key], part, f"{where}/{index}") for index, part in enumerate(item))
        elif key in _INTS:
            limit = _MAX_POSITION if key == "position" else _MAX_OFFSET
            if type(item) is not int or not (0 if key == "position" else -limit) <= item <= limit:
                raise DetailsShapeError(
                    where, f"must be an integer from {0 if key == 'position' else -limit} to {limit}"
                )
            values[key] = item
        elif type(item) is not str:
            raise DetailsShapeError(where, f"must be a string, not {_type_name(item)}")
        else:
            values[key] = item
    missing = [name for name in fields if name not in cls._field_defaults and name not in values]
    if missing:
        raise DetailsShapeError(pointer, f"missing required field {missing[0]!r}")
    made = cls(**values)
    if isinstance(made, Credit) and made.role not in CREDIT_ROLES:
        raise DetailsShapeError(f"{pointer}/role", f"must be one of {', '.join(sorted(CREDIT_ROLES))}")
    return made


class _Attribute(NamedTuple):
    name: str
    value: str


def programme_from_json(obj: object) -> ProgrammeDetails:
    """``ProgrammeDetails`` from its JSON value; ``DetailsShapeError`` if malformed (rule 3)."""
    return cast(ProgrammeDetails, _read(ProgrammeDetails, obj, ""))


def channel_from_json(obj: object) -> ChannelDetails:
    """``ChannelDetails`` from its JSON value; ``DetailsShapeError`` if malformed (rule 3)."""
    return cast(ChannelDetails, _read(ChannelDetails, obj, ""))
