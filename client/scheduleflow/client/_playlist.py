"""The CLI's playlist file (``playlist.json``) read into Playlist and ScheduleRules messages.

The file::

    {"items":  [{"id": "s1", "duration": "PT3M", "title": "...", "artist": "...",
                 "category": "...", "show": "...", "episode": 1, "weight": 2,
                 "tags": ["..."], "asset_id": "...", "kind": "music",
                 "cooldown": "3h", "metadata": {"k": "v"}}],
     "filler": [ ...items... ],
     "order":  "shuffle",
     "rules":  {"item_cooldown": "3h", "artist_separation": "30m",
                "category_separation": "0s", "show_separation": "0s",
                "when_blocked": "relax", "gap_filler_asset_id": "...",
                "dayparts": [{"start_local": "06:00", "end_local": "10:00",
                              "days_of_week": [1, 2, 3, 4, 5],
                              "categories": ["..."], "tags": ["..."],
                              "second_occurrence": false}],
                "time_slots": [{"start_local": "20:00", "days_of_week": [1, 2, 3, 4, 5],
                                "show": "Evening News", "length": "30m"},
                               {"start_local": "21:00", "category": "film"}]}}

A time slot names exactly one of ``show``, ``item_id``, ``category`` or ``tag``;
without ``length`` it holds until the next slot.

Durations are ISO 8601 text, short forms (``3m30s``) or seconds. An unknown
key is an error naming its path: a typo such as ``"cooldwon"`` would
otherwise silently turn a rule off.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from google.protobuf import duration_pb2

from scheduleflow.client import _convert
from scheduleflow.client._timetext import parse_duration
from scheduleflow.v1 import schedule_pb2 as pb

_ITEM_TEXT = ("id", "asset_id", "title", "artist", "category", "show")
_ITEM_KEYS = {*_ITEM_TEXT, "duration", "weight", "episode", "tags", "kind", "cooldown", "metadata"}
_RULE_SPANS = ("item_cooldown", "artist_separation", "category_separation", "show_separation")
_RULE_KEYS = {*_RULE_SPANS, "when_blocked", "gap_filler_asset_id", "dayparts", "time_slots"}
_DAYPART_KEYS = {"start_local", "end_local", "days_of_week", "categories", "tags", "second_occurrence"}
_SLOT_CONTENT = ("show", "item_id", "category", "tag")
_SLOT_KEYS = {"start_local", "days_of_week", "length", "second_occurrence", *_SLOT_CONTENT}


class PlaylistError(ValueError):
    """The playlist file is not what the CLI expects; the message names the path."""


def load_playlist(data: Any) -> tuple[pb.Playlist, pb.ScheduleRules]:
    """The Playlist and ScheduleRules a parsed playlist file describes."""
    obj = _mapping(data, "playlist", {"items", "filler", "order", "rules"})
    playlist = pb.Playlist(
        items=[_item(x, f"items[{i}]") for i, x in enumerate(_list(obj.get("items", []), "items"))],
        filler=[_item(x, f"filler[{i}]") for i, x in enumerate(_list(obj.get("filler", []), "filler"))],
    )
    if "order" in obj:
        playlist.order = _enum(_convert.playback_order, obj["order"], "order")  # type: ignore[assignment]
    rules = _rules(obj.get("rules", {}))
    return playlist, rules


def _item(data: Any, path: str) -> pb.PlaylistItem:
    obj = _mapping(data, path, _ITEM_KEYS)
    if "id" not in obj or "duration" not in obj:
        raise PlaylistError(f"{path}: an item needs an id and a duration")
    item = pb.PlaylistItem()
    for key in _ITEM_TEXT:
        if key in obj:
            setattr(item, key, _text(obj[key], f"{path}.{key}"))
    item.duration.CopyFrom(_span(obj["duration"], f"{path}.duration"))
    if "cooldown" in obj:
        item.cooldown.CopyFrom(_span(obj["cooldown"], f"{path}.cooldown"))
    if "weight" in obj:
        weight = obj["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight < 0:
            raise PlaylistError(f"{path}.weight: a weight is a number >= 0, got {weight!r}")
        item.weight = float(weight)
    if "episode" in obj:
        item.episode = _int(obj["episode"], f"{path}.episode")
    if "tags" in obj:
        item.tags.extend(_text(t, f"{path}.tags") for t in _list(obj["tags"], f"{path}.tags"))
    if "kind" in obj:
        item.kind = _enum(_convert.event_kind, obj["kind"], f"{path}.kind")  # type: ignore[assignment]
    if "metadata" in obj:
        meta = _mapping(obj["metadata"], f"{path}.metadata", None)
        item.metadata.update({str(k): _text(v, f"{path}.metadata.{k}") for k, v in meta.items()})
    return item


def _rules(data: Any) -> pb.ScheduleRules:
    obj = _mapping(data, "rules", _RULE_KEYS)
    rules = pb.ScheduleRules()
    for key in _RULE_SPANS:
        if key in obj:
            getattr(rules, key).CopyFrom(_span(obj[key], f"rules.{key}"))
    if "when_blocked" in obj:
        rules.when_blocked = _enum(_convert.blocked_policy, obj["when_blocked"], "rules.when_blocked")  # type: ignore[assignment]
    if "gap_filler_asset_id" in obj:
        rules.gap_filler_asset_id = _text(obj["gap_filler_asset_id"], "rules.gap_filler_asset_id")
    for i, part in enumerate(_list(obj.get("dayparts", []), "rules.dayparts")):
        path = f"rules.dayparts[{i}]"
        d = _mapping(part, path, _DAYPART_KEYS)
        rules.dayparts.add(
            start_local=_text(d.get("start_local", ""), f"{path}.start_local"),
            end_local=_text(d.get("end_local", ""), f"{path}.end_local"),
            days_of_week=[_int(x, f"{path}.days_of_week") for x in _list(d.get("days_of_week", []), path)],
            categories=[_text(x, f"{path}.categories") for x in _list(d.get("categories", []), path)],
            tags=[_text(x, f"{path}.tags") for x in _list(d.get("tags", []), path)],
            second_occurrence=_flag(d.get("second_occurrence", False), f"{path}.second_occurrence"),
        )
    for i, part in enumerate(_list(obj.get("time_slots", []), "rules.time_slots")):
        path = f"rules.time_slots[{i}]"
        d = _mapping(part, path, _SLOT_KEYS)
        named = [key for key in _SLOT_CONTENT if key in d]
        if len(named) != 1:
            raise PlaylistError(f"{path}: name exactly one of {', '.join(_SLOT_CONTENT)}")
        slot = rules.time_slots.add(
            start_local=_text(d.get("start_local", ""), f"{path}.start_local"),
            days_of_week=[_int(x, f"{path}.days_of_week") for x in _list(d.get("days_of_week", []), path)],
            second_occurrence=_flag(d.get("second_occurrence", False), f"{path}.second_occurrence"),
        )
        setattr(slot, named[0], _text(d[named[0]], f"{path}.{named[0]}"))
        if "length" in d:
            slot.length.CopyFrom(_span(d["length"], f"{path}.length"))
    return rules


def _flag(data: Any, path: str) -> bool:
    if not isinstance(data, bool):
        raise PlaylistError(f"{path}: expected true or false, got {data!r}")
    return data


def _mapping(data: Any, path: str, keys: set[str] | None) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise PlaylistError(f"{path}: expected an object, got {type(data).__name__}")
    if keys is not None:
        unknown = sorted(set(data) - keys)
        if unknown:
            raise PlaylistError(f"{path}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(keys))}")
    return data


def _list(data: Any, path: str) -> list[Any]:
    if not isinstance(data, list):
        raise PlaylistError(f"{path}: expected a list, got {type(data).__name__}")
    return data


def _text(data: Any, path: str) -> str:
    if not isinstance(data, str):
        raise PlaylistError(f"{path}: expected text, got {data!r}")
    return data


def _int(data: Any, path: str) -> int:
    if isinstance(data, bool) or not isinstance(data, int):
        raise PlaylistError(f"{path}: expected a whole number, got {data!r}")
    return data


def _span(data: Any, path: str) -> duration_pb2.Duration:
    if isinstance(data, bool) or not isinstance(data, str | int | float):
        raise PlaylistError(f'{path}: expected a duration (e.g. "PT3M", "3m" or seconds), got {data!r}')
    try:
        return _convert.to_duration(parse_duration(data))
    except ValueError as exc:
        raise PlaylistError(f"{path}: {exc}") from None


def _enum(convert: Callable[[str], int], data: Any, path: str) -> int:
    try:
        return convert(_text(data, path))
    except ValueError as exc:
        raise PlaylistError(f"{path}: {exc}") from None
