"""One page as discovery reads it: is it a column's list page, and what does it call the column?

Pure: one parsed page in, a :class:`PageReading` out; no Scrapy import.

**A list page is recognised by its rows, never by a known path.** The list reader
(:func:`govnews.extract.listing.parse_list_page`) finds the page's rows in every form it
knows (``li``, ``table``, ``dl``, ``links``, ``script``, ``variables``); the page is the list
page of the column at its own directory (``/zwgk/tzgg/`` for ``/zwgk/tzgg/index.shtml``)
when

* most of its rows on this host are articles *of that directory* (TRS writes a column's
  articles as ``./YYYYMM/tYYYYMMDD_<docid>.shtml`` under the column: a page whose rows belong
  to other columns, such as a home page or a column holding only sub-columns, lists them
  but is none of them);
* at least half of those rows show a date;
* there are two of them at least, or one inside ``div.articleList`` or under a pager.

A page whose rows all lead to other hosts (a special-topic page) is no list page of this
site, however much it looks like one.

**The column's name**, from each source the page offers (:class:`NameCandidate`): the
``ColumnName`` meta tag, the breadcrumb (当前位置：首页 > 政务公开 > 通知公告), the page
title without the site's name; the walk adds the text of the links that led to the page
(a tab, a menu entry, a "更多" link's block heading). :func:`choose_name` takes them in
that order.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin, urlsplit

from lxml.etree import _Element
from parsel import Selector

from govnews.discover.links import PageLink, page_links
from govnews.extract.article import read_meta
from govnews.extract.listing import ListPage, ListRow, Pager, parse_list_page
from govnews.sites.site import ARTICLE_PATH_RE, ARTICLE_URL_RE, netloc_of
from govnews.text import collapse_whitespace

NameSource = Literal["ColumnName", "breadcrumb", "title", "link"]
NAME_SOURCES: tuple[NameSource, ...] = ("ColumnName", "breadcrumb", "title", "link")
MIN_ROWS = 2


@dataclass(frozen=True)
class NameCandidate:
    source: NameSource
    value: str


@dataclass(frozen=True)
class ColumnList:
    """A page read as the list page of the column at ``path``."""

    path: str
    rows: tuple[ListRow, ...]
    """The column's own rows, in page order."""
    row_form: str
    """``li in div.articleList``, ``table``, ``script`` … (as the probe names it)."""
    pager: Pager


@dataclass(frozen=True)
class PageReading:
    url: str
    links: tuple[PageLink, ...]
    article_links: tuple[str, ...]
    """Absolute URLs of the articles (of any column) this page links to on the host."""
    listing: ColumnList | None
    not_a_list: str | None
    """Why the page is no list page (``rows of other columns: /a/ 3, /b/ 2``); None when it is one."""
    names: tuple[NameCandidate, ...]
    """What the page calls the column at its directory, each source once."""
    title_parts: tuple[str, ...]
    """``<title>`` split at its separators (``武汉要闻 - 武汉市人民政府门户网站`` → two parts)."""
    site_name: str | None
    """The ``SiteName`` meta tag."""
    marks: tuple[str, ...]
    """What shows the TRS WCM publishing system on the page (article links of its shape, its
    pager, its class names, the government meta tags, ``.shtml`` links); empty when nothing."""


def directory_of(path: str) -> str:
    """The directory a page path belongs to: its column, for a list page.

    >>> [directory_of(p) for p in ("/sy/whyw/", "/sy/whyw/index.shtml", "/sy/whyw/index_2.shtml", "/sy/whyw", "/")]
    ['/sy/whyw/', '/sy/whyw/', '/sy/whyw/', '/sy/whyw/', '/']
    """
    if path.endswith("/"):
        return path
    head, _, last = path.rpartition("/")
    if "." in last:
        return head + "/"
    return path + "/"


_TITLE_SPLIT_RE = re.compile(r"\s*(?:[-_|｜–—]+|\s{2,})\s*")
# Where a page shows its breadcrumb: class or id words, or the text it opens with.
_CRUMB_WORD_RE = re.compile(r"location|position|crumb|bread|dqwz|weizhi|curpos|nav-?path|site-?path", re.I)
_CRUMB_LEAD_RE = re.compile(r"^\s*(?:当前位置|您的位置|您现在的位置|所在位置|现在位置)\s*[:：]?\s*")
_CRUMB_SEPARATOR_RE = re.compile(r"\s*(?:>|＞|›|»|→|/|\\)+\s*")
_CRUMB_MAX_CHARS = 200
_NAME_MAX_CHARS = 30
_HOME_NAMES = frozenset({"首页", "网站首页", "主页", "home", "Home"})


def title_parts(title: str | None) -> tuple[str, ...]:
    """``<title>`` split at its separators.

    >>> title_parts("武汉要闻 - 武汉市人民政府门户网站"), title_parts("通知公告-江汉区")
    (('武汉要闻', '武汉市人民政府门户网站'), ('通知公告', '江汉区'))
    """
    if not title:
        return ()
    return tuple(part for part in (collapse_whitespace(p) for p in _TITLE_SPLIT_RE.split(title)) if part)


def name_from_title(parts: tuple[str, ...], site_names: set[str]) -> str | None:
    """The column's name in a page title: the first part that is not the site's name.

    >>> name_from_title(("武汉要闻", "武汉市人民政府门户网站"), set())
    '武汉要闻'
    >>> name_from_title(("武汉市人民政府门户网站", "新闻发布"), {"武汉市人民政府门户网站"})
    '新闻发布'
    >>> name_from_title(("武汉市人民政府门户网站",), {"武汉市人民政府门户网站"}) is None
    True
    """
    for part in parts:
        if part not in site_names and len(part) <= _NAME_MAX_CHARS:
            return part
    return None


def _text(el: _Element) -> str:
    return collapse_whitespace("".join(str(t) for t in el.itertext()))


def breadcrumb_name(root: _Element, page_url: str, column: str) -> str | None:
    """The column's name in the page's breadcrumb: the crumb linking to the column's
    directory, else the crumb after the last separator (the current page's plain text).

    >>> from govnews.extract.html import parse_html
    >>> page = parse_html('<div class="location">当前位置：<a href="/">首页</a> &gt; '
    ...                   '<a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/tzgg/">通知公告</a></div>')
    >>> breadcrumb_name(page.root, "http://h/zwgk/tzgg/index.shtml", "/zwgk/tzgg/")
    '通知公告'
    >>> page = parse_html('<p>您的位置：<a href="/">首页</a> » 规划计划</p>')
    >>> breadcrumb_name(page.root, "http://h/zwgk/xxgk/ghjh/", "/zwgk/xxgk/ghjh/")
    '规划计划'
    """
    for crumb in _breadcrumbs(root):
        for a in crumb.iter("a"):
            href = str(a.get("href") or "").strip()
            if href and directory_of(urlsplit(urljoin(page_url, href)).path) == column:
                text = _text(a)
                if text and len(text) <= _NAME_MAX_CHARS:
                    return text
        text = _CRUMB_LEAD_RE.sub("", _text(crumb))
        parts = [p for p in _CRUMB_SEPARATOR_RE.split(text) if p]
        last_link = _text(list(crumb.iter("a"))[-1]) if crumb.find(".//a") is not None else ""
        if (
            len(parts) >= 2
            and parts[-1] != last_link
            and parts[-1] not in _HOME_NAMES
            and len(parts[-1]) <= _NAME_MAX_CHARS
        ):
            return parts[-1]
    return None


def _breadcrumbs(root: _Element) -> list[_Element]:
    """Elements that look like a breadcrumb: a class or id that says so, or a short text
    opening with 当前位置 and holding a link home."""
    found: list[_Element] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "a", "html", "body", "head"):
            continue
        words = f"{el.get('class') or ''} {el.get('id') or ''}"
        marked = bool(words.strip()) and bool(_CRUMB_WORD_RE.search(words))
        if not marked and not (el.text and _CRUMB_LEAD_RE.match(el.text)):
            continue
        text = _text(el)
        if text and len(text) <= _CRUMB_MAX_CHARS and el.find(".//a") is not None:
            found.append(el)
    return found


def choose_name(candidates: list[NameCandidate]) -> NameCandidate | None:
    """The first candidate in the order of :data:`NAME_SOURCES` (ColumnName, breadcrumb,
    title, link text).

    >>> choose_name([NameCandidate("title", "通知公告"), NameCandidate("breadcrumb", "公示公告")])
    NameCandidate(source='breadcrumb', value='公示公告')
    """
    for source in NAME_SOURCES:
        for candidate in candidates:
            if candidate.source == source and candidate.value:
                return candidate
    return None


def _section(url: str) -> str | None:
    match = ARTICLE_PATH_RE.match(urlsplit(url).path)
    return match.group("section") if match else None


def _as_column(page: ListPage, column: str, netlocs: frozenset[str]) -> tuple[ColumnList | None, str | None]:
    """The page as the list page of ``column``, or why it is none."""
    rows, pager = page.rows, page.pager
    if not rows:
        return None, "no article rows"
    here = [row for row in rows if netloc_of(row.url) in netlocs and _section(row.url) is not None]
    if not here:
        return None, f"its {len(rows)} article rows lead to other hosts"
    own = [row for row in here if _section(row.url) == column]
    if len(own) * 2 <= len(here):
        others = Counter(_section(row.url) for row in here if _section(row.url) != column)
        listed = ", ".join(f"{section} {n}" for section, n in others.most_common(3))
        return None, f"rows of other columns ({listed})"
    if sum(1 for row in own if row.date) * 2 < len(own):
        return None, "rows without dates"
    if len(own) < MIN_ROWS and not (page.in_article_list or pager.form != "none"):
        return None, "a single row"
    row_form = page.row_form + (" in div.articleList" if page.in_article_list else "")
    return ColumnList(column, tuple(own), row_form, pager), None


_TRS_CLASS_RE = re.compile(r"\btrs_|\bTRS_", re.I)


def _marks(
    root: _Element, meta: dict[str, str], article_links: list[str], links: list[PageLink], pager: Pager
) -> list[str]:
    marks: list[str] = []
    if article_links:
        marks.append("article links")
    if pager.form != "none":
        marks.append(pager.form)
    if any(_TRS_CLASS_RE.search(str(el.get("class") or "")) for el in root.iter() if isinstance(el.tag, str)):
        marks.append("trs classes")
    if any(name in meta for name in ("SiteIDCode", "ColumnName", "ColumnType")):
        marks.append("government meta tags")
    if any(urlsplit(link.url).path.endswith(".shtml") for link in links):
        marks.append(".shtml links")
    return marks


def read_page(sel: Selector, page_url: str, netlocs: frozenset[str]) -> PageReading:
    """The page at ``page_url`` as discovery reads it (see the module docstring);
    ``netlocs``: the hosts (``host[:port]``) of the site."""
    root = sel.root
    assert isinstance(root, _Element)
    links = page_links(root, page_url)
    listed = parse_list_page(sel, page_url, ARTICLE_URL_RE)
    column = directory_of(urlsplit(page_url).path or "/")
    listing, not_a_list = _as_column(listed, column, netlocs)
    article_links: list[str] = []
    for url in [*(row.url for row in listed.rows), *(link.url for link in links)]:
        if netloc_of(url) in netlocs and _section(url) is not None and url not in article_links:
            article_links.append(url)
    meta = read_meta(sel)
    site_name = meta.get("SiteName")
    parts = title_parts(" ".join(sel.xpath("//title/text()").getall()))
    names: list[NameCandidate] = []
    if (value := meta.get("ColumnName")) and value != site_name and len(value) <= _NAME_MAX_CHARS:
        names.append(NameCandidate("ColumnName", value))
    if crumb := breadcrumb_name(root, page_url, column):
        names.append(NameCandidate("breadcrumb", crumb))
    if titled := name_from_title(parts, {site_name} if site_name else set()):
        names.append(NameCandidate("title", titled))
    return PageReading(
        url=page_url,
        links=tuple(links),
        article_links=tuple(article_links),
        listing=listing,
        not_a_list=not_a_list,
        names=tuple(names),
        title_parts=parts,
        site_name=site_name,
        marks=tuple(_marks(root, meta, article_links, links, listed.pager)),
    )
