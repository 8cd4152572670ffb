"""Hypothesis strategies for schedule documents.

Text is anything XML 1.0 can carry (no C0 controls but TAB/LF/CR, no
surrogates, no U+FFFE/U+FFFF), with XML's special characters and emoji
mixed in on purpose.
"""

from __future__ import annotations

from hypothesis import strategies as st

from scheduleflow.server.core.model import (
    CREDIT_ROLES,
    MAX_DURATION_US,
    MAX_INSTANT_US,
    MIN_INSTANT_US,
    ChannelDetails,
    ChannelInfo,
    Credit,
    EpisodeNum,
    Event,
    EventKind,
    Fragment,
    Icon,
    Image,
    LangText,
    Link,
    ProgrammeDetails,
    Rating,
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

# ---- guide details (model.ProgrammeDetails / ChannelDetails)

langs = st.sampled_from(["", "en", "fr", "de", "fr_FR", "cy"])
lang_texts = st.builds(LangText, value=text, lang=langs)
icons = st.builds(Icon, src=non_empty, width=st.sampled_from(["", "10"]), height=st.sampled_from(["", "20"]))
images = st.builds(
    Image,
    value=non_empty,
    type=st.sampled_from(["", "poster", "backdrop", "still", "person", "character"]),
    size=st.sampled_from(["", "1", "2", "3"]),
    orient=st.sampled_from(["", "P", "L"]),
    system=st.sampled_from(["", "tmdb"]),
)
links = st.builds(Link, value=non_empty, system=st.sampled_from(["", "imdb"]))


@st.composite
def credits(draw: st.DrawFn) -> Credit:
    role = draw(st.sampled_from(CREDIT_ROLES))
    # xmltv.dtd gives role and guest to actors only.
    actor = role == "actor"
    return Credit(
        role=role,
        name=draw(non_empty),
        character=draw(text) if actor else "",
        guest=draw(st.sampled_from(["", "yes", "no"])) if actor else "",
        images=tuple(draw(st.lists(images, max_size=2))),
        urls=tuple(draw(st.lists(links, max_size=2))),
    )


episode_nums = st.builds(EpisodeNum, value=non_empty, system=st.sampled_from(["", "xmltv_ns", "onscreen", "dd_progid"]))
ratings = st.builds(
    Rating, value=non_empty, system=st.sampled_from(["", "MPAA", "BBFC"]), icons=st.lists(icons, max_size=2).map(tuple)
)
#: Children xmltv.dtd has that are kept verbatim, with their index in a
#: programme whose typed children come first (any index is valid for the
#: native formats; the XMLTV strategies place them properly).
VERBATIM = (
    "<date>1955</date>",
    '<length units="minutes">30</length>',
    '<country lang="en">USA</country>',
    "<video><present>yes</present><aspect>16:9</aspect></video>",
    "<audio><stereo>stereo</stereo></audio>",
    '<previously-shown start="20240101"/>',
    "<new/>",
    '<review type="text" source="Guardian">Fine &amp; dandy</review>',
)
fragments = st.builds(Fragment, position=st.integers(0, 40), xml=st.sampled_from(VERBATIM))
_ATTRIBUTES = [("clumpidx", "0/1"), ("pdc-start", "20251122093000 +0100"), ("showview", "12345"), ("videoplus", "9")]
attributes = st.lists(st.sampled_from(_ATTRIBUTES), max_size=3, unique_by=lambda pair: pair[0]).map(tuple)
#: <tv>'s attributes (xmltv.dtd's and an extension) and elements under it (x-*).
_TV_ATTRIBUTES = [
    ("date", "20251122"),
    ("source-info-name", "Guide & Co <tv>"),
    ("generator-info-name", "grabber/1.0"),
    ("generator-info-url", "http://grabber.example/"),
    ("x-run", "7"),
]
_TV_EXTENSIONS = ('<x-grabber-state last-run="20251122"><x-note>kept &amp; aside</x-note></x-grabber-state>', "<x-a/>")
offsets = st.one_of(st.none(), st.sampled_from([0, 3600, -18000, 19800, 37800]))


def _tuples(strategy: st.SearchStrategy[object], size: int = 3) -> st.SearchStrategy[tuple[object, ...]]:
    return st.lists(strategy, max_size=size).map(tuple)


programme_details = st.builds(
    ProgrammeDetails,
    titles=_tuples(lang_texts),
    sub_titles=_tuples(lang_texts),
    descriptions=_tuples(lang_texts),
    credits=_tuples(credits()),
    categories=_tuples(lang_texts),
    keywords=_tuples(lang_texts),
    icons=_tuples(icons),
    episode_nums=_tuples(episode_nums),
    ratings=_tuples(ratings),
    star_ratings=_tuples(ratings),
    images=_tuples(images),
    attributes=attributes,
    verbatim=_tuples(fragments),
    start_offset=offsets,
    stop_offset=offsets,
)
channel_details = st.builds(
    ChannelDetails,
    display_names=_tuples(lang_texts),
    icons=_tuples(icons),
    urls=_tuples(links),
    attributes=st.just(()),
    verbatim=_tuples(st.builds(Fragment, position=st.integers(0, 9), xml=st.just("<x-logo>a</x-logo>"))),
    document_attributes=st.lists(st.sampled_from(_TV_ATTRIBUTES), max_size=4, unique_by=lambda pair: pair[0]).map(
        tuple
    ),
    document_verbatim=_tuples(st.builds(Fragment, position=st.integers(0, 60), xml=st.sampled_from(_TV_EXTENSIONS))),
)

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
    details=st.one_of(st.none(), programme_details),
)

channels = st.builds(
    ChannelInfo,
    id=st.one_of(st.just(""), non_empty),
    display_name=text,
    time_zone=st.one_of(st.just(""), zones),
    details=st.one_of(st.none(), channel_details),
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
    details=st.none(),
)
