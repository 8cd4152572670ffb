"""Guide details between protobuf (``Guide*`` messages) and the domain model.

The messages mirror ``core.model``'s NamedTuples field for field (same
names), so one walk over the fields converts either way; attributes (and a
channel's document attributes) are ``GuideAttribute`` messages for the
model's ``(name, value)`` pairs, and the offsets are proto3 ``optional`` so
that "not known" stays apart from UTC.
Details arriving through the API are checked like those of a document
(``formats.check_details``): verbatim XML must be one well-formed element.
"""

from __future__ import annotations

from typing import Any

from scheduleflow.server.core.details_json import ATTRIBUTE_FIELDS, ITEM_TYPES
from scheduleflow.server.core.errors import InvalidInput
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
from scheduleflow.server.formats import Limits, check_details
from scheduleflow.v1 import schedule_pb2 as pb

#: Model part -> its message (the list fields are ``details_json.ITEM_TYPES``).
_MESSAGES: dict[type[Any], Any] = {
    LangText: pb.GuideText,
    Credit: pb.GuideCredit,
    Icon: pb.GuideIcon,
    Image: pb.GuideImage,
    Link: pb.GuideLink,
    EpisodeNum: pb.GuideEpisodeNumber,
    Rating: pb.GuideRating,
    Fragment: pb.GuideFragment,
}
_LISTS: dict[str, tuple[Any, Any]] = {field: (item, _MESSAGES[item]) for field, item in ITEM_TYPES.items()}
_OPTIONAL = frozenset({"start_offset", "stop_offset"})
_LIMITS = Limits()


def _to_pb(value: Any, message: Any) -> Any:
    fields: dict[str, Any] = {}
    for name, item in zip(value._fields, value, strict=True):
        if name in ATTRIBUTE_FIELDS:
            fields[name] = [pb.GuideAttribute(name=key, value=text) for key, text in item]
        elif name in _LISTS:
            fields[name] = [_to_pb(part, _LISTS[name][1]) for part in item]
        elif item is not None:
            fields[name] = item
    return message(**fields)


def _from_pb(message: Any, cls: Any) -> Any:
    values: dict[str, Any] = {}
    for name in cls._fields:
        if name in ATTRIBUTE_FIELDS:
            values[name] = tuple((a.name, a.value) for a in getattr(message, name))
        elif name in _LISTS:
            values[name] = tuple(_from_pb(part, _LISTS[name][0]) for part in getattr(message, name))
        elif name in _OPTIONAL:
            values[name] = getattr(message, name) if message.HasField(name) else None
        else:
            values[name] = getattr(message, name)
    return cls(**values)


def programme_to_pb(details: ProgrammeDetails) -> pb.GuideProgrammeDetails:
    message: pb.GuideProgrammeDetails = _to_pb(details, pb.GuideProgrammeDetails)
    return message


def channel_to_pb(details: ChannelDetails) -> pb.GuideChannelDetails:
    message: pb.GuideChannelDetails = _to_pb(details, pb.GuideChannelDetails)
    return message


def programme_from_pb(message: pb.GuideProgrammeDetails, field: str) -> ProgrammeDetails:
    """The details of an event from the API, checked; ``InvalidInput`` at ``field``."""
    details: ProgrammeDetails = _from_pb(message, ProgrammeDetails)
    for index, credit in enumerate(details.credits):
        if credit.role not in CREDIT_ROLES:
            raise InvalidInput.at(
                f"role {credit.role[:40]!r} is not one of {', '.join(CREDIT_ROLES)}",
                field=f"{field}.credits[{index}].role",
            )
    problem = check_details(details, _LIMITS)
    if problem is not None:
        where, text = problem
        path = "".join(f"[{part}]" if part.isdigit() else f".{part}" for part in where.strip("/").split("/"))
        raise InvalidInput.at(text, field=field + path)
    return details
