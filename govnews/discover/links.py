"""The links a page offers a reader who navigates, wherever the page keeps them.

Pure: one parsed page in, links out; no Scrapy import, no request.

A government site built on TRS WCM links its columns in more ways than ``<a href>``
(docs/site.md, "Links a page offers"; what sister sites do):

* ``a``: an anchor, its text the link's text. A "更多" (more) link beside a block of rows
  takes the block's heading as its text (``<h3>通知公告</h3><a href="/zwgk/tzgg/">更多</a>``);
* ``attribute``: a tab head or a menu item that is no anchor but carries the page it
  loads in an attribute (``<li data-url="./kwh/index.shtml">媒体看武汉</li>``, an iframe's
  ``src``, ``onclick="location.href='…'"``, a jump menu's ``<option value="http://…">``),
  its text the element's text;
* ``script``: a menu written by script: ``document.write('<a href="/zwgk/">政务公开</a>')``,
  an object literal ``{name: "政务公开", url: "/zwgk/"}``, or a path handed to a loader
  (``$("#pane").load("./gfxwj/index.shtml .list")``).

Every URL is absolute (resolved against the page), without its fragment; links to other
hosts are kept (the walk lists them as candidate sites).

>>> from govnews.extract.html import parse_html
>>> page = parse_html('''<div class="hd"><h3>通知公告</h3><a href="/zwgk/tzgg/">更多&gt;&gt;</a></div>
... <ul><li data-url="./kwh/index.shtml">媒体看武汉</li></ul>
... <script>var menu = [{name: "政务公开", url: "/zwgk/"}];</script>''')
>>> for link in page_links(page.root, "http://h/sy/"):
...     print(link.url, link.text, link.via)
http://h/zwgk/tzgg/ 通知公告 a
http://h/sy/kwh/index.shtml 媒体看武汉 attribute
http://h/zwgk/ 政务公开 script
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urldefrag, urljoin

from lxml.etree import _Element

from govnews.extract.html import parse_html
from govnews.extract.scripts import ScriptEvent, script_events, script_strings
from govnews.text import collapse_whitespace

LinkVia = Literal["a", "attribute", "script"]


@dataclass(frozen=True)
class PageLink:
    url: str
    """Absolute, without fragment."""
    text: str | None
    """What the reader sees: the anchor's or tab's text, the menu entry's name, a "更多"
    link's block heading; None when the page shows none."""
    via: LinkVia


_UNSAFE_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "#")
# Attributes that name the page a tab or menu item loads (never an <img>'s lazy data-src).
_URL_ATTRIBUTES = ("data-url", "data-href", "data-link", "data-src", "data-path", "data-page", "url")
_NO_ATTRIBUTE_LINKS = frozenset({"img", "script", "link", "style", "source", "video", "audio", "input", "form"})
_ONCLICK_RE = re.compile(r"""(?:location(?:\.href)?\s*=|window\.open\s*\(|location\.assign\s*\()\s*['"]([^'"]+)['"]""")
# A string that is a URL or a path, perhaps followed by a selector (jQuery's load("url selector")).
_PATH_LIKE_RE = re.compile(r"""^(?:https?://[^\s'"<>]+|/[^\s'"<>]*|\.\.?/[^\s'"<>]*)$""", re.I)
# Script variables and object keys holding a link, and those holding its text.
_URL_NAME_RE = re.compile(r"^(?:d_?|chnl_?|col_?)?(?:url|href|link|path|src|location)$", re.I)
_TEXT_NAME_RE = re.compile(r"^(?:d_?|chnl_?|col_?)?(?:name|title|text|label|desc|chnlname|lmmc)$", re.I)
# What a "more" link says (its text is then the heading of its block).
_MORE_RE = re.compile(r"^(?:查看)?更多(?:信息|内容|新闻|资讯)?$|^more$|^$", re.I)
_MORE_PUNCT_RE = re.compile(r"[\s>＞»›》+＋.…·。\[\]【】()（）]+")
_NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "select", "textarea"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Class words of a block's heading (hd, title, tit, bt 标题, name).
_HEADING_CLASS_RE = re.compile(r"(?:^|[-_ ])(?:hd|title|tit|bt|name|head|header|caption)(?:$|[-_ ])", re.I)
_HEADING_MAX_CHARS = 20


def is_more_text(text: str | None) -> bool:
    """True for what a "more" link says: 更多, 更多>>, 查看更多, MORE +, >>.

    >>> [is_more_text(t) for t in ("更多>>", "MORE +", ">>", "通知公告", None)]
    [True, True, True, False, False]
    """
    if text is None:
        return False
    return bool(_MORE_RE.match(_MORE_PUNCT_RE.sub("", text)))


def _is_followable(href: str) -> bool:
    href = href.strip().lower()
    return bool(href) and not href.startswith(_UNSAFE_SCHEMES)


def _absolute(href: str, page_url: str) -> str:
    return urldefrag(urljoin(page_url, href.strip()))[0]


def _visible_text(el: _Element) -> str:
    """The text a reader sees in ``el``: scripts and styles left out."""
    parts: list[str] = []

    def walk(node: _Element) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag.lower() not in _NO_TEXT_TAGS:
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return collapse_whitespace(" ".join(parts))


def _anchor_text(a: _Element) -> str | None:
    text = _visible_text(a) or collapse_whitespace(str(a.get("title") or ""))
    if not text:
        alts = [collapse_whitespace(str(img.get("alt") or "")) for img in a.iter("img")]
        text = next((alt for alt in alts if alt), "")
    return text or None


def _is_heading(el: _Element) -> bool:
    tag = str(el.tag).lower()
    return tag in _HEADING_TAGS or bool(_HEADING_CLASS_RE.search(str(el.get("class") or "")))


def block_heading(a: _Element, levels: int = 4) -> str | None:
    """The heading of the block a "more" link sits in: the last heading before the link
    inside its nearest ancestors (``<div class="hd"><h3>通知公告</h3><a>更多</a></div>``).

    >>> page = parse_html('<div class="box"><div class="hd"><span class="tit">部门动态</span>'
    ...                   '<a href="/sy/bmdt/">更多</a></div><ul><li>…</li></ul></div>')
    >>> block_heading(page.root.xpath("//a")[0])
    '部门动态'
    """
    for ancestor in list(a.iterancestors())[:levels]:
        found: str | None = None
        for el in ancestor.iter():
            if el is a:
                break
            if not isinstance(el.tag, str) or el.tag == "a" or not _is_heading(el):
                continue
            text = _visible_text(el)
            if 2 <= len(text) <= _HEADING_MAX_CHARS and not is_more_text(text):
                found = text
        if found:
            return found
    return None


def _anchor_links(root: _Element, page_url: str, via: LinkVia) -> list[PageLink]:
    links: list[PageLink] = []
    for a in root.iter("a", "area"):
        href = str(a.get("href") or "")
        if not _is_followable(href):
            continue
        text = _anchor_text(a)
        if is_more_text(text):
            text = block_heading(a)
        links.append(PageLink(_absolute(href, page_url), text, via))
    return links


def _attribute_links(root: _Element, page_url: str) -> list[PageLink]:
    links: list[PageLink] = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower()
        if tag in _NO_ATTRIBUTE_LINKS or tag in ("a", "area"):
            continue
        values = [str(el.get(name)) for name in _URL_ATTRIBUTES if el.get(name)]
        if tag in ("iframe", "frame") and el.get("src"):
            values.append(str(el.get("src")))
        if tag == "option" and el.get("value"):
            values.append(str(el.get("value")))  # a jump menu: <select onchange=…><option value="http://…">
        if onclick := el.get("onclick"):
            values += _ONCLICK_RE.findall(str(onclick))
        for value in values:
            if (path := _path_like(value)) is not None:
                links.append(PageLink(_absolute(path, page_url), _visible_text(el) or None, "attribute"))
    return links


def _path_like(value: str) -> str | None:
    """The URL or path a string holds (its first word: ``"./a/index.shtml .list"``), or None."""
    words = value.strip().split()
    if not words or not _PATH_LIKE_RE.match(words[0]) or not _is_followable(words[0]):
        return None
    return words[0]


def _script_links(root: _Element, page_url: str) -> list[PageLink]:
    links: list[PageLink] = []
    for script in root.iter("script"):
        if script.get("src"):
            continue
        source = "".join(str(t) for t in script.itertext())
        if not source.strip():
            continue
        events = script_events(source)
        taken: set[str] = set()
        for event in events:
            if event.kind == "write" and event.value and "<a" in event.value.lower():
                written = _anchor_links(parse_html(event.value).root, page_url, "script")
                links += written
                taken.update(link.url for link in written)
        for i, event in enumerate(events):
            if event.kind != "assign" or not _URL_NAME_RE.match(event.name or "") or event.value is None:
                continue
            if (path := _path_like(event.value)) is None:
                continue
            url = _absolute(path, page_url)
            links.append(PageLink(url, _neighbour_text(events, i), "script"))
            taken.add(url)
        for value in script_strings(source):
            if (path := _path_like(value)) is not None and (url := _absolute(path, page_url)) not in taken:
                links.append(PageLink(url, None, "script"))
                taken.add(url)
    return links


def _neighbour_text(events: list[ScriptEvent], i: int) -> str | None:
    """The name beside a URL in a script's data: the text variable just before or after it
    (``{name: "政务公开", url: "/zwgk/"}``, ``{url: "/zwgk/", name: "政务公开"}``)."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(events):
            event = events[j]
            if event.kind == "assign" and _TEXT_NAME_RE.match(event.name or "") and event.value:
                return collapse_whitespace(event.value) or None
    return None


def page_links(root: _Element, page_url: str) -> list[PageLink]:
    """Every link of the page in the three forms (see the module docstring), anchors
    first, each (URL, form) once, the first text found kept."""
    seen: set[tuple[str, LinkVia]] = set()
    out: list[PageLink] = []
    for link in [
        *_anchor_links(root, page_url, "a"),
        *_attribute_links(root, page_url),
        *_script_links(root, page_url),
    ]:
        if (link.url, link.via) not in seen:
            seen.add((link.url, link.via))
            out.append(link)
    return out
