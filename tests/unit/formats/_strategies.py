"""Hypothesis strategies for schedule documents.

Text is anything XML 1.0 can carry (no C0 controls but TAB/LF/CR, no
surrogates, no U+FFFE/U+FFFF), with XML's special characters and emoji
mixed in on purpose.
"""

from __future__ import annotations

from hypothesis import strategies as st

from scheduleflow.server.core.model import (
    MAX_DURATION_US,
    MAX_INSTANT_US,
    MIN_INSTANT_US,
    ChannelInfo,
    Event,
    EventKind,
)

_FORBIDDEN = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + ["\ufffe", "\uffff"]
_CHARS = st.characters(exclude_categories=["Cs"], exclude_characters=_FORBIDDEN)
_TRICKY = st.sampled_from(["<&\"'>", "]]>", "emoji 🎬📺🦄", "tab\there", "cr\rlf\n", "  padded  ", "&amp;", "é", ""])

text = st.one_of(st.text(_CHARS, max_size=24), _TRICKY)
non_empty = st.one_of(st.text(_CHARS, min_size=1, max_size=16), _TRICKY.filter(bool))
zones = st.sampled_from(["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"])

#: Starts leave room for the longest duration either way, so no end overflows.
starts_us = st.integers(min_value=MIN_INSTANT_US + MAX_DURATION_US, max_value=MAX_INSTANT_US - MAX_DURATION_US)
durations_us = st.integers(min_value=-MAX_DURATION_US, max_value=MAX_DURATION_US)

events = st.builds(
    Event,
    id=non_empty,
    start_us=starts_us,
    duration_us=durations_us,
    asset_id=text,
    title=text,
    kind=st.sampled_from(EventKind),
    fixed_start=st.booleans(),
    metadata=st.dictionaries(non_empty, text, max_size=4),
)

channels = st.builds(
    ChannelInfo, id=st.one_of(st.just(""), non_empty), display_name=text, time_zone=st.one_of(st.just(""), zones)
)


# ---- XMLTV: what it carries (rules of scheduleflow.server.formats.xmltv)


def _stripped(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return strategy.map(str.strip).filter(bool)


xmltv_text = _stripped(st.one_of(st.text(_CHARS, min_size=1, max_size=16), _TRICKY.filter(bool)))
xmltv_channel_ids = st.from_regex(r"[a-z0-9]{1,6}(\.[a-z0-9-]{1,6}){1,2}", fullmatch=True)

_XMLTV_TEXT_KEYS = [
    "sub_title",
    "description",
    "director",
    "actor",
    "presenter",
    "date",
    "category",
    "keyword",
    "language",
    "orig_language",
    "url",
    "country",
    "episode",
    "episode_onscreen",
    "episode.dd_progid",
    "premiere",
    "last_chance",
    "rating",
    "rating.MPAA",
    "star_rating",
]
xmltv_metadata = st.fixed_dictionaries(
    {},
    optional={
        **{key: xmltv_text for key in _XMLTV_TEXT_KEYS},
        "episode": st.one_of(xmltv_text, st.sampled_from(["2 . 9 . 0/1", "0.0.", " . 3/10 . "]).map(str.strip)),
        "new": st.just("true"),
        "previously_shown": st.just("true"),
    },
)

# 1970-2100: offsets of the sampled zones are whole minutes there (XMLTV
# writes +hhmm), and listings of other centuries are not a use case.
_SECONDS_1970 = 0
_SECONDS_2100 = 4_102_444_800

xmltv_events = st.builds(
    Event,
    id=xmltv_text,
    start_us=st.integers(_SECONDS_1970, _SECONDS_2100).map(lambda s: s * 1_000_000),
    duration_us=st.integers(1, 2 * 86_400).map(lambda s: s * 1_000_000),
    asset_id=st.one_of(st.just(""), xmltv_text),
    title=xmltv_text,
    # XMLTV has no place for these: they come back at their defaults.
    kind=st.just(EventKind.PROGRAM),
    fixed_start=st.just(False),
    metadata=xmltv_metadata,
)
