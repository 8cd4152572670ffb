"""XMLTV programme and channel children <-> ``ProgrammeDetails``/``ChannelDetails``,
and the document's own data (``<tv>``'s attributes and extensions) <-> a
channel's ``document_attributes``/``document_verbatim``.

Rules:

1. Nothing is lost. A child of ``<programme>`` or ``<channel>`` is typed
   when its typed form holds all of it (``<title lang>``, ``<credits>`` whose
   people have only the DTD's attributes and ``<image>``/``<url>`` children,
   ``<rating system><value/><icon/>*</rating>``, ...). Anything else (an
   unknown attribute, an ``x-*`` child, ``<video>``, ``<review>``, an element
   the DTD does not know) is kept verbatim: its XML text and its index among
   the children. Typed texts are kept as written, white space included.
2. Writing puts typed children in xmltv.dtd's order and each verbatim child
   back at its index, so a document in the DTD's order comes back in the
   same order; the ``scheduleflow-id``/``scheduleflow-asset`` episode numbers
   (``xmltv`` rule 5) go right after the other episode numbers.
3. Verbatim XML that arrives through JSON or the API is parsed before it is
   accepted (``fragment_problem``): one well-formed element, no DOCTYPE, no
   entities but the predefined five, within the limits.
4. An attribute in a namespace (``r:x`` on ``<tv>``) is kept as its
   qualified name, after the ``xmlns:r`` pair that declares it, so that it
   is written back as well-formed XML; ``xml:lang`` needs no declaration.
   The same holds for ``<channel>`` and ``<programme>`` attributes. Attributes
   from JSON or the API are held to it: no ``xmlns`` (it would put the guide's
   elements in a namespace), every prefix declared among the attributes of
   the same element.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence

from lxml import etree

from scheduleflow.server.core.details_json import ATTRIBUTE_FIELDS
from scheduleflow.server.core.model import (
    CREDIT_ROLES,
    ChannelDetails,
    Credit,
    EpisodeNum,
    Finding,
    FindingCode,
    Fragment,
    Icon,
    Image,
    LangText,
    Link,
    Location,
    ProgrammeDetails,
    Rating,
    Severity,
)
from scheduleflow.server.core.sharing import TextPool
from scheduleflow.server.formats._common import detail_texts, escape_attr, escape_text, illegal_char
from scheduleflow.server.formats.limits import Limits

#: Children of <programme>, in xmltv.dtd's order (its content model).
PROGRAMME_ORDER = (
    "title",
    "sub-title",
    "desc",
    "credits",
    "date",
    "category",
    "keyword",
    "language",
    "orig-language",
    "length",
    "icon",
    "url",
    "country",
    "episode-num",
    "video",
    "audio",
    "previously-shown",
    "premiere",
    "last-chance",
    "new",
    "subtitles",
    "rating",
    "star-rating",
    "review",
    "image",
)
_ROLE_RANK = {role: rank for rank, role in enumerate(CREDIT_ROLES)}
#: Programme attributes the timeline itself holds; the others are kept.
TIMELINE_ATTRIBUTES = frozenset({"start", "stop", "channel"})
_LANG_ONLY = frozenset({"lang"})
_ICON_ATTRS = frozenset({"src", "width", "height"})
_IMAGE_ATTRS = frozenset({"type", "size", "orient", "system"})
_SYSTEM_ONLY = frozenset({"system"})
_NO_ATTRS: frozenset[str] = frozenset()
_ACTOR_ATTRS = frozenset({"role", "guest"})
_OFFSET = re.compile(r"([+-])(\d\d)(\d\d)\s*$")
#: Text lists whose items repeat across a guide's programmes (rule 1 of the reader).
_POOLED = frozenset({"categories", "keywords"})
_LANG_FIELDS = {
    "title": "titles",
    "sub-title": "sub_titles",
    "desc": "descriptions",
    "category": "categories",
    "keyword": "keywords",
}


def offset_of(text: str) -> int:
    """The UTC offset (seconds) an XMLTV time is written with; none is UTC (xmltv.dtd)."""
    m = _OFFSET.search(text)
    if m is None:
        return 0
    seconds = int(m.group(2)) * 3600 + int(m.group(3)) * 60
    return -seconds if m.group(1) == "-" else seconds


def _plain(el: etree._Element, allowed: frozenset[str]) -> bool:
    """No attribute outside ``allowed`` and no child element: the typed form holds it all."""
    return len(el) == 0 and all(str(name) in allowed for name in el.attrib)


def _blank(text: str | None) -> bool:
    return text is None or text.isspace() or not text


def _get(el: etree._Element, name: str) -> str:
    return str(el.get(name, ""))


def _icon(el: etree._Element) -> Icon | None:
    if el.tag != "icon" or not _plain(el, _ICON_ATTRS) or el.get("src") is None or not _blank(el.text):
        return None
    return Icon(_get(el, "src"), _get(el, "width"), _get(el, "height"))


def _image(el: etree._Element) -> Image | None:
    if el.tag != "image" or not _plain(el, _IMAGE_ATTRS):
        return None
    return Image(el.text or "", _get(el, "type"), _get(el, "size"), _get(el, "orient"), _get(el, "system"))


def _link(el: etree._Element) -> Link | None:
    if el.tag != "url" or not _plain(el, _SYSTEM_ONLY):
        return None
    return Link(el.text or "", _get(el, "system"))


def _person(el: etree._Element) -> Credit | None:
    role = el.tag
    if not isinstance(role, str) or role not in _ROLE_RANK:
        return None
    allowed = _ACTOR_ATTRS if role == "actor" else _NO_ATTRS
    if any(str(name) not in allowed for name in el.attrib):
        return None
    images: list[Image] = []
    urls: list[Link] = []
    for child in el:
        # Mixed content: the name is the text before the first child; text
        # after a child would have no place in the typed form.
        if not _blank(child.tail):
            return None
        image = _image(child) if child.tag == "image" else None
        link = _link(child) if child.tag == "url" else None
        if image is not None:
            if urls:
                return None  # an image after a URL: the typed form writes images first
            images.append(image)
        elif link is not None:
            urls.append(link)
        else:
            return None
    return Credit(role, el.text or "", _get(el, "role"), _get(el, "guest"), tuple(images), tuple(urls))


def _credits(el: etree._Element) -> list[Credit] | None:
    if el.attrib or not _blank(el.text):
        return None
    people: list[Credit] = []
    for child in el:
        person = _person(child)
        if person is None or not _blank(child.tail):
            return None
        people.append(person)
    return people


def _rating(el: etree._Element) -> Rating | None:
    if any(str(name) != "system" for name in el.attrib) or not _blank(el.text) or not len(el):
        return None
    value = el[0]
    if value.tag != "value" or not _plain(value, _NO_ATTRS) or not _blank(value.tail):
        return None
    icons: list[Icon] = []
    for child in list(el)[1:]:
        icon = _icon(child)
        if icon is None or not _blank(child.tail):
            return None
        icons.append(icon)
    return Rating(value.text or "", _get(el, "system"), tuple(icons))


def kept_title(kept: Sequence[Fragment]) -> bool:
    """Whether a title is among the verbatim children."""
    return any(fragment.xml.startswith(("<title>", "<title ")) for fragment in kept)


def verbatim(el: etree._Element) -> str:
    """An element's XML text, its tail left out."""
    return etree.tostring(el, encoding="unicode", with_tail=False)


class ProgrammeDetailsReader:
    """Reads the details of one ``<programme>`` (rule 1), sharing equal parts
    across programmes: texts through ``texts``, parts (a category list, a
    rating, a person) and whole details each through a pool of their own, so
    that one that stops paying (every programme's details differ in a real
    guide) turns itself off without taking the others along. Titles and
    descriptions, which rarely repeat, are not pooled as parts: a pool keeps
    what it is given, used or not."""

    __slots__ = ("_parts", "_texts", "_whole")

    def __init__(self, texts: TextPool) -> None:
        self._texts = texts
        self._parts = TextPool()
        self._whole = TextPool()

    def read(self, el: etree._Element, title: str, *, consumed: Callable[[etree._Element], bool]) -> ProgrammeDetails:
        """``consumed(child)`` says a child was used for the timeline (our id and
        asset episode numbers): it is neither typed nor verbatim, but counts
        for the positions of those that follow. ``title`` is the event's."""
        share = self._texts.share
        value = self._parts.share_value
        lists: dict[str, list[LangText]] = {}
        credits: list[Credit] = []
        icons: list[Icon] = []
        episodes: list[EpisodeNum] = []
        ratings: list[Rating] = []
        star_ratings: list[Rating] = []
        images: list[Image] = []
        kept: list[Fragment] = []
        for position, child in enumerate(el):
            tag: object = child.tag
            if not isinstance(tag, str) or consumed(child):
                continue
            field = _LANG_FIELDS.get(tag)
            if field is not None and _plain(child, _LANG_ONLY):
                text = LangText(share(child.text or ""), share(_get(child, "lang")))
                lists.setdefault(field, []).append(value(text) if field in _POOLED else text)
                continue
            if tag == "credits":
                people = _credits(child)
                if people is not None:
                    credits.extend(value(person) for person in people)
                    continue
            elif tag == "icon":
                icon = _icon(child)
                if icon is not None:
                    icons.append(value(icon))
                    continue
            elif tag == "episode-num" and _plain(child, _SYSTEM_ONLY):
                episodes.append(value(EpisodeNum(share(child.text or ""), share(_get(child, "system")))))
                continue
            elif tag in ("rating", "star-rating"):
                rating = _rating(child)
                if rating is not None:
                    (ratings if tag == "rating" else star_ratings).append(value(rating))
                    continue
            elif tag == "image":
                image = _image(child)
                if image is not None:
                    images.append(value(image))
                    continue
            kept.append(value(Fragment(position, share(verbatim(child)))))
        attributes = tuple(
            (share(name), share(text)) for name, text in _attribute_items(el) if name not in TIMELINE_ATTRIBUTES
        )
        start = _get(el, "start")
        stop = el.get("stop")
        titles = lists.get("titles", [])
        if len(titles) == 1 and titles[0] == (title, "") and not kept_title(kept):
            # The one title, in no language, is the event's own: not kept twice
            # (a guide of 250,000 programmes repeats few of them), and equal
            # details are then often one shared object.
            titles = []
        return self._whole.share_value(
            ProgrammeDetails(
                titles=tuple(titles),
                sub_titles=tuple(lists.get("sub_titles", ())),
                descriptions=tuple(lists.get("descriptions", ())),
                credits=value(tuple(credits)),
                categories=value(tuple(lists.get("categories", ()))),
                keywords=value(tuple(lists.get("keywords", ()))),
                icons=value(tuple(icons)),
                episode_nums=value(tuple(episodes)),
                ratings=value(tuple(ratings)),
                star_ratings=value(tuple(star_ratings)),
                images=value(tuple(images)),
                attributes=value(attributes),
                verbatim=value(tuple(kept)),
                start_offset=offset_of(start),
                stop_offset=offset_of(str(stop)) if stop is not None else None,
            )
        )


def read_channel_details(el: etree._Element, texts: TextPool) -> ChannelDetails:
    """The details of one ``<channel>`` (rule 1)."""
    share = texts.share
    names: list[LangText] = []
    icons: list[Icon] = []
    urls: list[Link] = []
    kept: list[Fragment] = []
    for position, child in enumerate(el):
        tag: object = child.tag
        if not isinstance(tag, str):
            continue
        if tag == "display-name" and _plain(child, _LANG_ONLY):
            names.append(LangText(share(child.text or ""), share(_get(child, "lang"))))
            continue
        if tag == "icon":
            icon = _icon(child)
            if icon is not None:
                icons.append(icon)
                continue
        elif tag == "url":
            link = _link(child)
            if link is not None:
                urls.append(link)
                continue
        kept.append(Fragment(position, verbatim(child)))
    attributes = tuple((name, text) for name, text in _attribute_items(el) if name != "id")
    return ChannelDetails(tuple(names), tuple(icons), tuple(urls), attributes, tuple(kept))


_COMMENT = re.compile(rb"<!--")
_PROCESSING_INSTRUCTION = re.compile(rb"<\?(?!xml[\s?])")


def unkept_findings(content: bytes) -> list[Finding]:
    """INFO findings for what an XMLTV document holds and no store keeps:
    comments and processing instructions (the parser drops them)."""
    out: list[Finding] = []
    for pattern, what in ((_COMMENT, "comments"), (_PROCESSING_INSTRUCTION, "processing instructions")):
        m = pattern.search(content)
        if m is not None:
            line = content.count(b"\n", 0, m.start()) + 1
            out.append(
                Finding(
                    FindingCode.NOT_KEPT,
                    Severity.INFO,
                    f"{what} are not kept: XML parsing drops them, and exports do not have them",
                    (),
                    Location(line=line),
                )
            )
    return out


_XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"


def attribute_pairs(el: etree._Element) -> list[tuple[str, str]]:
    """An element's attributes as written (rule 4): a namespaced one by its
    qualified name, after the ``xmlns:prefix`` pair that declares it."""
    out: list[tuple[str, str]] = []
    declared: set[str] = set()
    for key, value in el.attrib.items():
        name = str(key)
        if name.startswith("{"):
            uri, _, local = name[1:].partition("}")
            if uri == _XML_NAMESPACE:
                name = f"xml:{local}"
            else:
                prefix = next((p for p, u in el.nsmap.items() if u == uri and p), "ns")
                if prefix not in declared:
                    declared.add(prefix)
                    out.append((f"xmlns:{prefix}", uri))
                name = f"{prefix}:{local}"
        out.append((name, str(value)))
    return out


def _attribute_items(el: etree._Element) -> Iterable[tuple[str, str]]:
    """The attributes of a <channel> or <programme> as written: lxml's own
    pairs, unless one is in a namespace (``{urn}x``, which would be written
    back as no XML at all), then ``attribute_pairs`` (rule 4)."""
    items = [(str(name), str(text)) for name, text in el.attrib.items()]
    if any(name[0] == "{" for name, _ in items):
        return attribute_pairs(el)
    return items


# ---------------------------------------------------------------- writing


def _lang_element(tag: str, text: LangText) -> str:
    lang = f' lang="{escape_attr(text.lang)}"' if text.lang else ""
    return f"<{tag}{lang}>{escape_text(text.value)}</{tag}>"


def _attrs(pairs: Iterable[tuple[str, str]]) -> str:
    return "".join(f' {name}="{escape_attr(value)}"' for name, value in pairs if value)


def _icon_element(icon: Icon) -> str:
    return f'<icon src="{escape_attr(icon.src)}"{_attrs((("width", icon.width), ("height", icon.height)))}/>'


def _image_element(image: Image) -> str:
    attrs = _attrs((("type", image.type), ("size", image.size), ("orient", image.orient), ("system", image.system)))
    return f"<image{attrs}>{escape_text(image.value)}</image>"


def _url_element(link: Link) -> str:
    return f"<url{_attrs((('system', link.system),))}>{escape_text(link.value)}</url>"


def _credit_element(person: Credit) -> str:
    attrs = _attrs((("role", person.character), ("guest", person.guest)))
    inner = escape_text(person.name)
    inner += "".join(map(_image_element, person.images)) + "".join(map(_url_element, person.urls))
    return f"<{person.role}{attrs}>{inner}</{person.role}>"


def _rating_element(tag: str, rating: Rating) -> str:
    system = _attrs((("system", rating.system),))
    icons = "".join(map(_icon_element, rating.icons))
    return f"<{tag}{system}><value>{escape_text(rating.value)}</value>{icons}</{tag}>"


def _episode_element(episode: EpisodeNum) -> str:
    return f"<episode-num{_attrs((('system', episode.system),))}>{escape_text(episode.value)}</episode-num>"


def programme_attributes(details: ProgrammeDetails) -> str:
    """The kept attributes of a ``<programme>``, each as `` name="value"``."""
    return "".join(f' {name}="{escape_attr(value)}"' for name, value in details.attributes)


def _tag_of(xml: str) -> str:
    m = re.match(r"<([^\s/>]+)", xml)
    return m.group(1) if m else ""


def programme_children(details: ProgrammeDetails, title: str, timeline: Sequence[str]) -> list[str]:
    """The children of a ``<programme>`` (rule 2). ``title`` is the event's
    title: it replaces the first title when they differ (the event was
    retitled through the API). ``timeline`` holds our own episode numbers."""
    titles = list(details.titles)
    verbatim_title = kept_title(details.verbatim)
    if not titles and not verbatim_title:
        titles = [LangText(title)]
    elif titles and not verbatim_title and titles[0].value.strip() != title and title:
        # A title kept verbatim (odd attributes) stays as it was: the first
        # title is then that one, and a retitle cannot be told apart from it.
        titles[0] = LangText(title, titles[0].lang)
    out: list[tuple[str, str]] = [("title", _lang_element("title", t)) for t in titles]
    out += [("sub-title", _lang_element("sub-title", t)) for t in details.sub_titles]
    out += [("desc", _lang_element("desc", t)) for t in details.descriptions]
    if details.credits:
        people = sorted(details.credits, key=lambda person: _ROLE_RANK.get(person.role, len(_ROLE_RANK)))
        out.append(("credits", "<credits>" + "".join(map(_credit_element, people)) + "</credits>"))
    out += [("category", _lang_element("category", t)) for t in details.categories]
    out += [("keyword", _lang_element("keyword", t)) for t in details.keywords]
    out += [("icon", _icon_element(icon)) for icon in details.icons]
    out += [("episode-num", _episode_element(episode)) for episode in details.episode_nums]
    out += [("rating", _rating_element("rating", rating)) for rating in details.ratings]
    out += [("star-rating", _rating_element("star-rating", rating)) for rating in details.star_ratings]
    out += [("image", _image_element(image)) for image in details.images]
    for fragment in sorted(details.verbatim, key=lambda f: f.position):
        out.insert(min(max(fragment.position, 0), len(out)), (_tag_of(fragment.xml), fragment.xml))
    if timeline:
        # After the last element that may precede an episode number.
        limit = PROGRAMME_ORDER.index("episode-num")
        rank = {tag: index for index, tag in enumerate(PROGRAMME_ORDER)}
        at = 0
        for index, (tag, _xml) in enumerate(out):
            if rank.get(tag, -1) <= limit:
                at = index + 1
        out[at:at] = [("episode-num", xml) for xml in timeline]
    return [xml for _tag, xml in out]


def channel_children(details: ChannelDetails | None, display_name: str) -> list[str]:
    """The children of a ``<channel>``: display names first (the DTD's order), kept children at their index."""
    names = list(details.display_names) if details is not None else []
    if not names:
        names = [LangText(display_name)]
    elif names[0].value.strip() != display_name and display_name:
        names[0] = LangText(display_name, names[0].lang)
    out = [_lang_element("display-name", name) for name in names]
    if details is None:
        return out
    out += map(_icon_element, details.icons)
    out += map(_url_element, details.urls)
    for fragment in sorted(details.verbatim, key=lambda f: f.position):
        out.insert(min(max(fragment.position, 0), len(out)), fragment.xml)
    return out


#: What an export writes on ``<tv>`` for a guide that named no generator.
GENERATOR = (("generator-info-name", "ScheduleFlow"),)
_GENERATOR_ATTRIBUTES = frozenset({"generator-info-name", "generator-info-url"})


def tv_attributes(details: ChannelDetails | None) -> str:
    """The attributes of ``<tv>``, each as `` name="value"``: the guide's own
    as it wrote them, generator-info-* included (a guide comes back as it
    came); ScheduleFlow's generator-info-name first when the guide named no
    generator (or the channel comes from no guide)."""
    pairs = details.document_attributes if details is not None else ()
    if not any(name in _GENERATOR_ATTRIBUTES for name, _value in pairs):
        pairs = GENERATOR + pairs
    return "".join(f' {name}="{escape_attr(value)}"' for name, value in pairs)


def channel_attributes(details: ChannelDetails | None) -> str:
    if details is None:
        return ""
    return "".join(f' {name}="{escape_attr(value)}"' for name, value in details.attributes)


# ---------------------------------------------------------------- checking


_FRAGMENT_PARSER = etree.XMLParser(
    resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False, remove_comments=True, remove_pis=True
)
_NAME = re.compile(r"[A-Za-z_:][-A-Za-z0-9._:]*")


def fragment_problem(xml: str, limits: Limits) -> str | None:
    """Why ``xml`` cannot be kept verbatim (rule 3), or None."""
    if len(xml) > limits.max_text:
        return f"is {len(xml)} characters long; at most {limits.max_text} are allowed"
    if "<!" in xml.replace("<![CDATA[", ""):
        return "holds a DOCTYPE, an entity declaration or a comment: give one element"
    try:
        root = etree.fromstring(xml.encode("utf-8"), _FRAGMENT_PARSER)
    except (etree.XMLSyntaxError, ValueError) as exc:
        return f"is not one well-formed XML element: {str(exc)[:200]}"
    for node in root.iter():
        if node.tag is etree.Entity:
            return "holds an entity reference: only &amp; &lt; &gt; &quot; &apos; and character references are allowed"
    depth = 0
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        depth = max(depth, level)
        stack.extend((child, level + 1) for child in node)
    if depth + 2 > limits.max_depth:
        return f"is nested more than {limits.max_depth} levels deep"
    return None


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be an XML attribute name, or None."""
    return None if _NAME.fullmatch(name) else f"{name[:80]!r} is not an XML attribute name"


def _namespace_problem(name: str, names: Collection[str]) -> str | None:
    """Why ``name`` cannot be written beside the attributes ``names`` of its
    element (rule 4), or None."""
    if name == "xmlns":
        return "'xmlns' would put the guide's elements in a namespace, and XMLTV has none"
    prefix, colon, _ = name.partition(":")
    if colon and prefix not in ("xml", "xmlns") and f"xmlns:{prefix}" not in names:
        return f"the prefix of {name!r} is not declared: add an attribute 'xmlns:{prefix}' with its namespace"
    return None


def details_problem(details: ProgrammeDetails | ChannelDetails, limits: Limits) -> tuple[str, str] | None:
    """What in details that did not come from an XMLTV document cannot be
    kept or written back, as (JSON pointer below the details, message), or None."""
    for field, value in zip(details._fields, details, strict=True):
        if not isinstance(value, tuple):
            continue
        names: set[str] = set()
        if field in ATTRIBUTE_FIELDS:
            names = {str(pair[0]) for pair in value}
            count = sum(not name.startswith("xmlns:") for name in names)  # declarations are no attributes to XML
            if count > limits.max_attributes:
                # Written on one element, which XML import would then refuse.
                return f"/{field}", f"{count} attributes; at most {limits.max_attributes} are allowed"
        seen: set[str] = set()
        for index, part in enumerate(value):
            where = f"/{field}/{index}"
            if field in ATTRIBUTE_FIELDS:
                name = str(part[0])
                problem = name_problem(name)
                if problem is None:
                    problem = _namespace_problem(name, names)
                if (
                    problem is None
                    and field != "document_attributes"
                    and name in (TIMELINE_ATTRIBUTES if isinstance(details, ProgrammeDetails) else {"id"})
                ):
                    problem = f"{name!r} is not kept in details: it is the event's own field"
                if problem is None and name in seen:
                    problem = f"attribute {name!r} appears twice"
                if problem is not None:
                    return where + "/name", problem
                seen.add(name)
            if isinstance(part, Fragment):
                problem = fragment_problem(part.xml, limits)
                if problem is not None:
                    return where + "/xml", f"verbatim XML {problem}"
            for text in detail_texts(part):
                if len(text) > limits.max_text:
                    return where, f"text is {len(text)} characters long; at most {limits.max_text} are allowed"
                bad = illegal_char(text)
                if bad is not None:
                    return where, f"text holds {bad}, which XML cannot carry"
    return None
