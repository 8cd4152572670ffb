import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_KIND_UNSPECIFIED: _ClassVar[EventKind]
    EVENT_KIND_PROGRAM: _ClassVar[EventKind]
    EVENT_KIND_COMMERCIAL: _ClassVar[EventKind]
    EVENT_KIND_PROMO: _ClassVar[EventKind]
    EVENT_KIND_FILLER: _ClassVar[EventKind]
    EVENT_KIND_LIVE: _ClassVar[EventKind]
    EVENT_KIND_MUSIC: _ClassVar[EventKind]
    EVENT_KIND_JINGLE: _ClassVar[EventKind]

class DocumentFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_FORMAT_UNSPECIFIED: _ClassVar[DocumentFormat]
    DOCUMENT_FORMAT_XML: _ClassVar[DocumentFormat]
    DOCUMENT_FORMAT_JSON: _ClassVar[DocumentFormat]
    DOCUMENT_FORMAT_XMLTV: _ClassVar[DocumentFormat]
    DOCUMENT_FORMAT_BXF: _ClassVar[DocumentFormat]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_INFO: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]
    SEVERITY_ERROR: _ClassVar[Severity]

class FindingCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINDING_CODE_UNSPECIFIED: _ClassVar[FindingCode]
    FINDING_CODE_DUPLICATE_ID: _ClassVar[FindingCode]
    FINDING_CODE_DUPLICATE_ENTRY: _ClassVar[FindingCode]
    FINDING_CODE_INVALID_TIMESTAMP: _ClassVar[FindingCode]
    FINDING_CODE_NONEXISTENT_LOCAL_TIME: _ClassVar[FindingCode]
    FINDING_CODE_AMBIGUOUS_LOCAL_TIME: _ClassVar[FindingCode]
    FINDING_CODE_OVERLAP: _ClassVar[FindingCode]
    FINDING_CODE_GAP: _ClassVar[FindingCode]
    FINDING_CODE_INVALID_DURATION: _ClassVar[FindingCode]
    FINDING_CODE_OUTSIDE_WINDOW: _ClassVar[FindingCode]
    FINDING_CODE_COOLDOWN_BREACH: _ClassVar[FindingCode]
    FINDING_CODE_SEPARATION_BREACH: _ClassVar[FindingCode]
    FINDING_CODE_MISSING_FIELD: _ClassVar[FindingCode]
    FINDING_CODE_NORMALISED_TIMESTAMP: _ClassVar[FindingCode]
    FINDING_CODE_NOT_WHOLE_FRAMES: _ClassVar[FindingCode]
    FINDING_CODE_NONSTANDARD_CHANNEL_ID: _ClassVar[FindingCode]
    FINDING_CODE_EXTENSION_NOT_STORED: _ClassVar[FindingCode]
    FINDING_CODE_CONFLICT_RESOLVED: _ClassVar[FindingCode]
    FINDING_CODE_NOT_KEPT: _ClassVar[FindingCode]

class PlaybackOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAYBACK_ORDER_UNSPECIFIED: _ClassVar[PlaybackOrder]
    PLAYBACK_ORDER_SEQUENTIAL: _ClassVar[PlaybackOrder]
    PLAYBACK_ORDER_SHUFFLE: _ClassVar[PlaybackOrder]
    PLAYBACK_ORDER_WEIGHTED_RANDOM: _ClassVar[PlaybackOrder]
    PLAYBACK_ORDER_SHUFFLE_GROUPS: _ClassVar[PlaybackOrder]

class BlockedPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BLOCKED_POLICY_UNSPECIFIED: _ClassVar[BlockedPolicy]
    BLOCKED_POLICY_RELAX: _ClassVar[BlockedPolicy]
    BLOCKED_POLICY_WAIT_WITH_FILLER: _ClassVar[BlockedPolicy]

class GroupKey(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GROUP_KEY_UNSPECIFIED: _ClassVar[GroupKey]
    GROUP_KEY_ARTIST: _ClassVar[GroupKey]
    GROUP_KEY_CATEGORY: _ClassVar[GroupKey]
    GROUP_KEY_SHOW: _ClassVar[GroupKey]
EVENT_KIND_UNSPECIFIED: EventKind
EVENT_KIND_PROGRAM: EventKind
EVENT_KIND_COMMERCIAL: EventKind
EVENT_KIND_PROMO: EventKind
EVENT_KIND_FILLER: EventKind
EVENT_KIND_LIVE: EventKind
EVENT_KIND_MUSIC: EventKind
EVENT_KIND_JINGLE: EventKind
DOCUMENT_FORMAT_UNSPECIFIED: DocumentFormat
DOCUMENT_FORMAT_XML: DocumentFormat
DOCUMENT_FORMAT_JSON: DocumentFormat
DOCUMENT_FORMAT_XMLTV: DocumentFormat
DOCUMENT_FORMAT_BXF: DocumentFormat
SEVERITY_UNSPECIFIED: Severity
SEVERITY_INFO: Severity
SEVERITY_WARNING: Severity
SEVERITY_ERROR: Severity
FINDING_CODE_UNSPECIFIED: FindingCode
FINDING_CODE_DUPLICATE_ID: FindingCode
FINDING_CODE_DUPLICATE_ENTRY: FindingCode
FINDING_CODE_INVALID_TIMESTAMP: FindingCode
FINDING_CODE_NONEXISTENT_LOCAL_TIME: FindingCode
FINDING_CODE_AMBIGUOUS_LOCAL_TIME: FindingCode
FINDING_CODE_OVERLAP: FindingCode
FINDING_CODE_GAP: FindingCode
FINDING_CODE_INVALID_DURATION: FindingCode
FINDING_CODE_OUTSIDE_WINDOW: FindingCode
FINDING_CODE_COOLDOWN_BREACH: FindingCode
FINDING_CODE_SEPARATION_BREACH: FindingCode
FINDING_CODE_MISSING_FIELD: FindingCode
FINDING_CODE_NORMALISED_TIMESTAMP: FindingCode
FINDING_CODE_NOT_WHOLE_FRAMES: FindingCode
FINDING_CODE_NONSTANDARD_CHANNEL_ID: FindingCode
FINDING_CODE_EXTENSION_NOT_STORED: FindingCode
FINDING_CODE_CONFLICT_RESOLVED: FindingCode
FINDING_CODE_NOT_KEPT: FindingCode
PLAYBACK_ORDER_UNSPECIFIED: PlaybackOrder
PLAYBACK_ORDER_SEQUENTIAL: PlaybackOrder
PLAYBACK_ORDER_SHUFFLE: PlaybackOrder
PLAYBACK_ORDER_WEIGHTED_RANDOM: PlaybackOrder
PLAYBACK_ORDER_SHUFFLE_GROUPS: PlaybackOrder
BLOCKED_POLICY_UNSPECIFIED: BlockedPolicy
BLOCKED_POLICY_RELAX: BlockedPolicy
BLOCKED_POLICY_WAIT_WITH_FILLER: BlockedPolicy
GROUP_KEY_UNSPECIFIED: GroupKey
GROUP_KEY_ARTIST: GroupKey
GROUP_KEY_CATEGORY: GroupKey
GROUP_KEY_SHOW: GroupKey

class Channel(_message.Message):
    __slots__ = ("id", "display_name", "time_zone", "revision", "event_count", "update_time", "details")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    time_zone: str
    revision: int
    event_count: int
    update_time: _timestamp_pb2.Timestamp
    details: GuideChannelDetails
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., time_zone: _Optional[str] = ..., revision: _Optional[int] = ..., event_count: _Optional[int] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., details: _Optional[_Union[GuideChannelDetails, _Mapping]] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("id", "start_time", "start_text", "duration", "asset_id", "title", "kind", "fixed_start", "metadata", "details")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TEXT_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FIXED_START_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DETAILS_FIELD_NUMBER: _ClassVar[int]
    id: str
    start_time: _timestamp_pb2.Timestamp
    start_text: str
    duration: _duration_pb2.Duration
    asset_id: str
    title: str
    kind: EventKind
    fixed_start: bool
    metadata: _containers.ScalarMap[str, str]
    details: GuideProgrammeDetails
    def __init__(self, id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_text: _Optional[str] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., asset_id: _Optional[str] = ..., title: _Optional[str] = ..., kind: _Optional[_Union[EventKind, str]] = ..., fixed_start: _Optional[bool] = ..., metadata: _Optional[_Mapping[str, str]] = ..., details: _Optional[_Union[GuideProgrammeDetails, _Mapping]] = ...) -> None: ...

class GuideText(_message.Message):
    __slots__ = ("value", "lang")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LANG_FIELD_NUMBER: _ClassVar[int]
    value: str
    lang: str
    def __init__(self, value: _Optional[str] = ..., lang: _Optional[str] = ...) -> None: ...

class GuideLink(_message.Message):
    __slots__ = ("value", "system")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    value: str
    system: str
    def __init__(self, value: _Optional[str] = ..., system: _Optional[str] = ...) -> None: ...

class GuideIcon(_message.Message):
    __slots__ = ("src", "width", "height")
    SRC_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    src: str
    width: str
    height: str
    def __init__(self, src: _Optional[str] = ..., width: _Optional[str] = ..., height: _Optional[str] = ...) -> None: ...

class GuideImage(_message.Message):
    __slots__ = ("value", "type", "size", "orient", "system")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    ORIENT_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    value: str
    type: str
    size: str
    orient: str
    system: str
    def __init__(self, value: _Optional[str] = ..., type: _Optional[str] = ..., size: _Optional[str] = ..., orient: _Optional[str] = ..., system: _Optional[str] = ...) -> None: ...

class GuideCredit(_message.Message):
    __slots__ = ("role", "name", "character", "guest", "images", "urls")
    ROLE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHARACTER_FIELD_NUMBER: _ClassVar[int]
    GUEST_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    URLS_FIELD_NUMBER: _ClassVar[int]
    role: str
    name: str
    character: str
    guest: str
    images: _containers.RepeatedCompositeFieldContainer[GuideImage]
    urls: _containers.RepeatedCompositeFieldContainer[GuideLink]
    def __init__(self, role: _Optional[str] = ..., name: _Optional[str] = ..., character: _Optional[str] = ..., guest: _Optional[str] = ..., images: _Optional[_Iterable[_Union[GuideImage, _Mapping]]] = ..., urls: _Optional[_Iterable[_Union[GuideLink, _Mapping]]] = ...) -> None: ...

class GuideEpisodeNumber(_message.Message):
    __slots__ = ("value", "system")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    value: str
    system: str
    def __init__(self, value: _Optional[str] = ..., system: _Optional[str] = ...) -> None: ...

class GuideRating(_message.Message):
    __slots__ = ("value", "system", "icons")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    ICONS_FIELD_NUMBER: _ClassVar[int]
    value: str
    system: str
    icons: _containers.RepeatedCompositeFieldContainer[GuideIcon]
    def __init__(self, value: _Optional[str] = ..., system: _Optional[str] = ..., icons: _Optional[_Iterable[_Union[GuideIcon, _Mapping]]] = ...) -> None: ...

class GuideAttribute(_message.Message):
    __slots__ = ("name", "value")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class GuideFragment(_message.Message):
    __slots__ = ("position", "xml")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    XML_FIELD_NUMBER: _ClassVar[int]
    position: int
    xml: str
    def __init__(self, position: _Optional[int] = ..., xml: _Optional[str] = ...) -> None: ...

class GuideProgrammeDetails(_message.Message):
    __slots__ = ("titles", "sub_titles", "descriptions", "credits", "categories", "keywords", "icons", "episode_nums", "ratings", "star_ratings", "images", "attributes", "verbatim", "start_offset", "stop_offset")
    TITLES_FIELD_NUMBER: _ClassVar[int]
    SUB_TITLES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    CREDITS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    KEYWORDS_FIELD_NUMBER: _ClassVar[int]
    ICONS_FIELD_NUMBER: _ClassVar[int]
    EPISODE_NUMS_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    STAR_RATINGS_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    VERBATIM_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    STOP_OFFSET_FIELD_NUMBER: _ClassVar[int]
    titles: _containers.RepeatedCompositeFieldContainer[GuideText]
    sub_titles: _containers.RepeatedCompositeFieldContainer[GuideText]
    descriptions: _containers.RepeatedCompositeFieldContainer[GuideText]
    credits: _containers.RepeatedCompositeFieldContainer[GuideCredit]
    categories: _containers.RepeatedCompositeFieldContainer[GuideText]
    keywords: _containers.RepeatedCompositeFieldContainer[GuideText]
    icons: _containers.RepeatedCompositeFieldContainer[GuideIcon]
    episode_nums: _containers.RepeatedCompositeFieldContainer[GuideEpisodeNumber]
    ratings: _containers.RepeatedCompositeFieldContainer[GuideRating]
    star_ratings: _containers.RepeatedCompositeFieldContainer[GuideRating]
    images: _containers.RepeatedCompositeFieldContainer[GuideImage]
    attributes: _containers.RepeatedCompositeFieldContainer[GuideAttribute]
    verbatim: _containers.RepeatedCompositeFieldContainer[GuideFragment]
    start_offset: int
    stop_offset: int
    def __init__(self, titles: _Optional[_Iterable[_Union[GuideText, _Mapping]]] = ..., sub_titles: _Optional[_Iterable[_Union[GuideText, _Mapping]]] = ..., descriptions: _Optional[_Iterable[_Union[GuideText, _Mapping]]] = ..., credits: _Optional[_Iterable[_Union[GuideCredit, _Mapping]]] = ..., categories: _Optional[_Iterable[_Union[GuideText, _Mapping]]] = ..., keywords: _Optional[_Iterable[_Union[GuideText, _Mapping]]] = ..., icons: _Optional[_Iterable[_Union[GuideIcon, _Mapping]]] = ..., episode_nums: _Optional[_Iterable[_Union[GuideEpisodeNumber, _Mapping]]] = ..., ratings: _Optional[_Iterable[_Union[GuideRating, _Mapping]]] = ..., star_ratings: _Optional[_Iterable[_Union[GuideRating, _Mapping]]] = ..., images: _Optional[_Iterable[_Union[GuideImage, _Mapping]]] = ..., attributes: _Optional[_Iterable[_Union[GuideAttribute, _Mapping]]] = ..., verbatim: _Optional[_Iterable[_Union[GuideFragment, _Mapping]]] = ..., start_offset: _Optional[int] = ..., stop_offset: _Optional[int] = ...) -> None: ...

class GuideChannelDetails(_message.Message):
    __slots__ = ("display_names", "icons", "urls", "attributes", "verbatim", "document_attributes", "document_verbatim")
    DISPLAY_NAMES_FIELD_NUMBER: _ClassVar[int]
    ICONS_FIELD_NUMBER: _ClassVar[int]
    URLS_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    VERBATIM_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_VERBATIM_FIELD_NUMBER: _ClassVar[int]
    display_names: _containers.RepeatedCompositeFieldContainer[GuideText]
    icons: _containers.RepeatedCompositeFieldContainer[GuideIcon]
    urls: _containers.RepeatedCompositeFieldContainer[GuideLink]
    attributes: _containers.RepeatedCompositeFieldContainer[GuideAttribute]
    verbatim: _containers.RepeatedCompositeFieldContainer[GuideFragment]
    document_attributes: _containers.RepeatedCompositeFieldContainer[GuideAttribute]
    document_verbatim: _containers.RepeatedCompositeFieldContainer[GuideFragment]
    def __init__(self, display_names: _Optional[_Iterable[_Union[GuideText, _Mapping]]] = ..., icons: _Optional[_Iterable[_Union[GuideIcon, _Mapping]]] = ..., urls: _Optional[_Iterable[_Union[GuideLink, _Mapping]]] = ..., attributes: _Optional[_Iterable[_Union[GuideAttribute, _Mapping]]] = ..., verbatim: _Optional[_Iterable[_Union[GuideFragment, _Mapping]]] = ..., document_attributes: _Optional[_Iterable[_Union[GuideAttribute, _Mapping]]] = ..., document_verbatim: _Optional[_Iterable[_Union[GuideFragment, _Mapping]]] = ...) -> None: ...

class TimeWindow(_message.Message):
    __slots__ = ("start_time", "end_time")
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("format", "content")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    format: DocumentFormat
    content: bytes
    def __init__(self, format: _Optional[_Union[DocumentFormat, str]] = ..., content: _Optional[bytes] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("line", "column", "field")
    LINE_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    line: int
    column: int
    field: str
    def __init__(self, line: _Optional[int] = ..., column: _Optional[int] = ..., field: _Optional[str] = ...) -> None: ...

class Finding(_message.Message):
    __slots__ = ("code", "severity", "message", "event_ids", "location", "span")
    CODE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    code: FindingCode
    severity: Severity
    message: str
    event_ids: _containers.RepeatedScalarFieldContainer[str]
    location: Location
    span: TimeWindow
    def __init__(self, code: _Optional[_Union[FindingCode, str]] = ..., severity: _Optional[_Union[Severity, str]] = ..., message: _Optional[str] = ..., event_ids: _Optional[_Iterable[str]] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., span: _Optional[_Union[TimeWindow, _Mapping]] = ...) -> None: ...

class ItemCount(_message.Message):
    __slots__ = ("asset_id", "count")
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    asset_id: str
    count: int
    def __init__(self, asset_id: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class ValidationRules(_message.Message):
    __slots__ = ("gap_threshold", "asset_cooldown", "artist_separation", "category_separation", "max_findings", "ignore_gaps")
    GAP_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    ASSET_COOLDOWN_FIELD_NUMBER: _ClassVar[int]
    ARTIST_SEPARATION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_SEPARATION_FIELD_NUMBER: _ClassVar[int]
    MAX_FINDINGS_FIELD_NUMBER: _ClassVar[int]
    IGNORE_GAPS_FIELD_NUMBER: _ClassVar[int]
    gap_threshold: _duration_pb2.Duration
    asset_cooldown: _duration_pb2.Duration
    artist_separation: _duration_pb2.Duration
    category_separation: _duration_pb2.Duration
    max_findings: int
    ignore_gaps: bool
    def __init__(self, gap_threshold: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., asset_cooldown: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., artist_separation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., category_separation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_findings: _Optional[int] = ..., ignore_gaps: _Optional[bool] = ...) -> None: ...

class ValidationSummary(_message.Message):
    __slots__ = ("event_count", "error_count", "warning_count", "info_count", "span", "gap_total", "overlap_total", "unique_items", "findings_truncated")
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    ERROR_COUNT_FIELD_NUMBER: _ClassVar[int]
    WARNING_COUNT_FIELD_NUMBER: _ClassVar[int]
    INFO_COUNT_FIELD_NUMBER: _ClassVar[int]
    SPAN_FIELD_NUMBER: _ClassVar[int]
    GAP_TOTAL_FIELD_NUMBER: _ClassVar[int]
    OVERLAP_TOTAL_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    event_count: int
    error_count: int
    warning_count: int
    info_count: int
    span: TimeWindow
    gap_total: _duration_pb2.Duration
    overlap_total: _duration_pb2.Duration
    unique_items: _containers.RepeatedCompositeFieldContainer[ItemCount]
    findings_truncated: bool
    def __init__(self, event_count: _Optional[int] = ..., error_count: _Optional[int] = ..., warning_count: _Optional[int] = ..., info_count: _Optional[int] = ..., span: _Optional[_Union[TimeWindow, _Mapping]] = ..., gap_total: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., overlap_total: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., unique_items: _Optional[_Iterable[_Union[ItemCount, _Mapping]]] = ..., findings_truncated: _Optional[bool] = ...) -> None: ...

class PlaylistItem(_message.Message):
    __slots__ = ("id", "asset_id", "duration", "title", "weight", "artist", "category", "show", "episode", "tags", "kind", "cooldown", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    ARTIST_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SHOW_FIELD_NUMBER: _ClassVar[int]
    EPISODE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COOLDOWN_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    id: str
    asset_id: str
    duration: _duration_pb2.Duration
    title: str
    weight: float
    artist: str
    category: str
    show: str
    episode: int
    tags: _containers.RepeatedScalarFieldContainer[str]
    kind: EventKind
    cooldown: _duration_pb2.Duration
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., asset_id: _Optional[str] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., title: _Optional[str] = ..., weight: _Optional[float] = ..., artist: _Optional[str] = ..., category: _Optional[str] = ..., show: _Optional[str] = ..., episode: _Optional[int] = ..., tags: _Optional[_Iterable[str]] = ..., kind: _Optional[_Union[EventKind, str]] = ..., cooldown: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Playlist(_message.Message):
    __slots__ = ("items", "order", "filler")
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    FILLER_FIELD_NUMBER: _ClassVar[int]
    items: _containers.RepeatedCompositeFieldContainer[PlaylistItem]
    order: PlaybackOrder
    filler: _containers.RepeatedCompositeFieldContainer[PlaylistItem]
    def __init__(self, items: _Optional[_Iterable[_Union[PlaylistItem, _Mapping]]] = ..., order: _Optional[_Union[PlaybackOrder, str]] = ..., filler: _Optional[_Iterable[_Union[PlaylistItem, _Mapping]]] = ...) -> None: ...

class Daypart(_message.Message):
    __slots__ = ("start_local", "end_local", "days_of_week", "categories", "tags", "second_occurrence")
    START_LOCAL_FIELD_NUMBER: _ClassVar[int]
    END_LOCAL_FIELD_NUMBER: _ClassVar[int]
    DAYS_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    SECOND_OCCURRENCE_FIELD_NUMBER: _ClassVar[int]
    start_local: str
    end_local: str
    days_of_week: _containers.RepeatedScalarFieldContainer[int]
    categories: _containers.RepeatedScalarFieldContainer[str]
    tags: _containers.RepeatedScalarFieldContainer[str]
    second_occurrence: bool
    def __init__(self, start_local: _Optional[str] = ..., end_local: _Optional[str] = ..., days_of_week: _Optional[_Iterable[int]] = ..., categories: _Optional[_Iterable[str]] = ..., tags: _Optional[_Iterable[str]] = ..., second_occurrence: _Optional[bool] = ...) -> None: ...

class TimeSlot(_message.Message):
    __slots__ = ("start_local", "days_of_week", "show", "item_id", "category", "tag", "length", "second_occurrence")
    START_LOCAL_FIELD_NUMBER: _ClassVar[int]
    DAYS_OF_WEEK_FIELD_NUMBER: _ClassVar[int]
    SHOW_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    LENGTH_FIELD_NUMBER: _ClassVar[int]
    SECOND_OCCURRENCE_FIELD_NUMBER: _ClassVar[int]
    start_local: str
    days_of_week: _containers.RepeatedScalarFieldContainer[int]
    show: str
    item_id: str
    category: str
    tag: str
    length: _duration_pb2.Duration
    second_occurrence: bool
    def __init__(self, start_local: _Optional[str] = ..., days_of_week: _Optional[_Iterable[int]] = ..., show: _Optional[str] = ..., item_id: _Optional[str] = ..., category: _Optional[str] = ..., tag: _Optional[str] = ..., length: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., second_occurrence: _Optional[bool] = ...) -> None: ...

class ScheduleRules(_message.Message):
    __slots__ = ("item_cooldown", "artist_separation", "category_separation", "show_separation", "when_blocked", "dayparts", "gap_filler_asset_id", "group_rules", "max_relaxations", "time_slots")
    ITEM_COOLDOWN_FIELD_NUMBER: _ClassVar[int]
    ARTIST_SEPARATION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_SEPARATION_FIELD_NUMBER: _ClassVar[int]
    SHOW_SEPARATION_FIELD_NUMBER: _ClassVar[int]
    WHEN_BLOCKED_FIELD_NUMBER: _ClassVar[int]
    DAYPARTS_FIELD_NUMBER: _ClassVar[int]
    GAP_FILLER_ASSET_ID_FIELD_NUMBER: _ClassVar[int]
    GROUP_RULES_FIELD_NUMBER: _ClassVar[int]
    MAX_RELAXATIONS_FIELD_NUMBER: _ClassVar[int]
    TIME_SLOTS_FIELD_NUMBER: _ClassVar[int]
    item_cooldown: _duration_pb2.Duration
    artist_separation: _duration_pb2.Duration
    category_separation: _duration_pb2.Duration
    show_separation: _duration_pb2.Duration
    when_blocked: BlockedPolicy
    dayparts: _containers.RepeatedCompositeFieldContainer[Daypart]
    gap_filler_asset_id: str
    group_rules: _containers.RepeatedCompositeFieldContainer[GroupRule]
    max_relaxations: int
    time_slots: _containers.RepeatedCompositeFieldContainer[TimeSlot]
    def __init__(self, item_cooldown: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., artist_separation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., category_separation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., show_separation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., when_blocked: _Optional[_Union[BlockedPolicy, str]] = ..., dayparts: _Optional[_Iterable[_Union[Daypart, _Mapping]]] = ..., gap_filler_asset_id: _Optional[str] = ..., group_rules: _Optional[_Iterable[_Union[GroupRule, _Mapping]]] = ..., max_relaxations: _Optional[int] = ..., time_slots: _Optional[_Iterable[_Union[TimeSlot, _Mapping]]] = ...) -> None: ...

class GroupRule(_message.Message):
    __slots__ = ("key", "value", "separation")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SEPARATION_FIELD_NUMBER: _ClassVar[int]
    key: GroupKey
    value: str
    separation: _duration_pb2.Duration
    def __init__(self, key: _Optional[_Union[GroupKey, str]] = ..., value: _Optional[str] = ..., separation: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Relaxation(_message.Message):
    __slots__ = ("rule", "event_id", "item_id", "shortfall", "message")
    RULE_FIELD_NUMBER: _ClassVar[int]
    EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    SHORTFALL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    rule: str
    event_id: str
    item_id: str
    shortfall: _duration_pb2.Duration
    message: str
    def __init__(self, rule: _Optional[str] = ..., event_id: _Optional[str] = ..., item_id: _Optional[str] = ..., shortfall: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., message: _Optional[str] = ...) -> None: ...

class ItemPlays(_message.Message):
    __slots__ = ("item_id", "count", "min_spacing", "max_spacing")
    ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MIN_SPACING_FIELD_NUMBER: _ClassVar[int]
    MAX_SPACING_FIELD_NUMBER: _ClassVar[int]
    item_id: str
    count: int
    min_spacing: _duration_pb2.Duration
    max_spacing: _duration_pb2.Duration
    def __init__(self, item_id: _Optional[str] = ..., count: _Optional[int] = ..., min_spacing: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., max_spacing: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ScheduleReport(_message.Message):
    __slots__ = ("fill_ratio", "unfilled", "repeats", "relaxations", "plays", "filler_events", "notes", "findings")
    FILL_RATIO_FIELD_NUMBER: _ClassVar[int]
    UNFILLED_FIELD_NUMBER: _ClassVar[int]
    REPEATS_FIELD_NUMBER: _ClassVar[int]
    RELAXATIONS_FIELD_NUMBER: _ClassVar[int]
    PLAYS_FIELD_NUMBER: _ClassVar[int]
    FILLER_EVENTS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    FINDINGS_FIELD_NUMBER: _ClassVar[int]
    fill_ratio: float
    unfilled: _containers.RepeatedCompositeFieldContainer[TimeWindow]
    repeats: int
    relaxations: _containers.RepeatedCompositeFieldContainer[Relaxation]
    plays: _containers.RepeatedCompositeFieldContainer[ItemPlays]
    filler_events: int
    notes: _containers.RepeatedScalarFieldContainer[str]
    findings: _containers.RepeatedCompositeFieldContainer[Finding]
    def __init__(self, fill_ratio: _Optional[float] = ..., unfilled: _Optional[_Iterable[_Union[TimeWindow, _Mapping]]] = ..., repeats: _Optional[int] = ..., relaxations: _Optional[_Iterable[_Union[Relaxation, _Mapping]]] = ..., plays: _Optional[_Iterable[_Union[ItemPlays, _Mapping]]] = ..., filler_events: _Optional[int] = ..., notes: _Optional[_Iterable[str]] = ..., findings: _Optional[_Iterable[_Union[Finding, _Mapping]]] = ...) -> None: ...

class ChannelChange(_message.Message):
    __slots__ = ("channel_id", "revision", "commit_time", "added", "updated", "removed_event_ids", "channel_deleted")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    COMMIT_TIME_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    REMOVED_EVENT_IDS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_DELETED_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    revision: int
    commit_time: _timestamp_pb2.Timestamp
    added: _containers.RepeatedCompositeFieldContainer[Event]
    updated: _containers.RepeatedCompositeFieldContainer[Event]
    removed_event_ids: _containers.RepeatedScalarFieldContainer[str]
    channel_deleted: bool
    def __init__(self, channel_id: _Optional[str] = ..., revision: _Optional[int] = ..., commit_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., added: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., updated: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., removed_event_ids: _Optional[_Iterable[str]] = ..., channel_deleted: _Optional[bool] = ...) -> None: ...

class Snapshot(_message.Message):
    __slots__ = ("channel_id", "revision", "events", "resync", "last_chunk", "window")
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    RESYNC_FIELD_NUMBER: _ClassVar[int]
    LAST_CHUNK_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    revision: int
    events: _containers.RepeatedCompositeFieldContainer[Event]
    resync: bool
    last_chunk: bool
    window: TimeWindow
    def __init__(self, channel_id: _Optional[str] = ..., revision: _Optional[int] = ..., events: _Optional[_Iterable[_Union[Event, _Mapping]]] = ..., resync: _Optional[bool] = ..., last_chunk: _Optional[bool] = ..., window: _Optional[_Union[TimeWindow, _Mapping]] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("server_time", "revisions")
    class RevisionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    SERVER_TIME_FIELD_NUMBER: _ClassVar[int]
    REVISIONS_FIELD_NUMBER: _ClassVar[int]
    server_time: _timestamp_pb2.Timestamp
    revisions: _containers.ScalarMap[str, int]
    def __init__(self, server_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revisions: _Optional[_Mapping[str, int]] = ...) -> None: ...

class PlayoutState(_message.Message):
    __slots__ = ("at_time", "revision", "last_episodes", "decks", "next_items", "plays", "last_item_id")
    class LastEpisodesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class NextItemsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class PlaysEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    AT_TIME_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    LAST_EPISODES_FIELD_NUMBER: _ClassVar[int]
    DECKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_ITEMS_FIELD_NUMBER: _ClassVar[int]
    PLAYS_FIELD_NUMBER: _ClassVar[int]
    LAST_ITEM_ID_FIELD_NUMBER: _ClassVar[int]
    at_time: _timestamp_pb2.Timestamp
    revision: int
    last_episodes: _containers.ScalarMap[str, str]
    decks: _containers.RepeatedCompositeFieldContainer[PlayoutDeck]
    next_items: _containers.ScalarMap[str, str]
    plays: _containers.ScalarMap[str, int]
    last_item_id: str
    def __init__(self, at_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., revision: _Optional[int] = ..., last_episodes: _Optional[_Mapping[str, str]] = ..., decks: _Optional[_Iterable[_Union[PlayoutDeck, _Mapping]]] = ..., next_items: _Optional[_Mapping[str, str]] = ..., plays: _Optional[_Mapping[str, int]] = ..., last_item_id: _Optional[str] = ...) -> None: ...

class PlayoutDeck(_message.Message):
    __slots__ = ("context", "units")
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    UNITS_FIELD_NUMBER: _ClassVar[int]
    context: str
    units: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, context: _Optional[str] = ..., units: _Optional[_Iterable[str]] = ...) -> None: ...
