"""Read one list (column) page: its rows and its pager.

Pure parsing of one page: no requests, no Scrapy import.

Rows come in the forms of docs/site.md, "List rows", each read by a general rule:

* **markup rows**: every link whose URL has the article shape is a row. Its *row
  element* is the nearest ``<li>`` (form ``li``), ``<tr>`` (``table``) or ``<dl>`` /
  ``<dt>`` / ``<dd>`` (``dl``) that holds no other article; failing those, the link's
  parent when it holds no other article, else the link and what follows it up to the
  next article link (``links``). Inside ``div.articleList`` when the page has one, on
  the whole page when it has none.
* **script rows**: inline scripts that assign a URL (``var url = "./…"``, ``url = …``,
  ``var dUrl = '…'``) open a row; the title, FILENUM and date statements that follow, up
  to the next URL, belong to it (see :mod:`govnews.extract.scripts`). Form ``script``
  when the rows are written with ``document.write``, ``variables`` when they only sit in
  variables (政府规章).

A row's date is read where the row keeps it, first found wins (``ListRow.date_source``):
an element whose class names a time or date (``span.time``; a ``<script>`` inside it is
never read), a bare ``<span>``, a cell (``<td>``) of the row's ``<tr>``, a ``<dd>`` of the
row, the row's other text after the link, then before it; text following the link in a
flat list (``sibling``); for script rows ``document.write("2026-02-14 17:32")``
(``script``) or a short variable such as ``dRN`` (``variable``). The link's own text is
never read as the date: titles hold dates too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Literal
from urllib.parse import urljoin

from lxml.etree import _Comment, _Element, _ProcessingInstruction
from parsel import Selector

from govnews.extract.blocks import is_hidden, is_inside
from govnews.extract.dates import parse_datetime
from govnews.extract.scripts import ScriptEvent, script_events, strip_tags
from govnews.text import collapse_whitespace

PagerForm = Literal["createPageHTML", "countPage", "none"]
RowForm = Literal["li", "table", "dl", "links", "script", "variables", "none"]
DateSource = Literal["span.time", "span", "td", "dd", "li", "row", "sibling", "script", "variable"]


@dataclass(frozen=True)
class ListRow:
    url: str
    """Absolute URL, resolved against the page."""
    title: str | None
    date: str | None
    """YYYY-MM-DD, or None when the row shows no date."""
    filenum: str | None = None
    """发文字号 the row carries (script rows' ``FILENUM``/``dFN``); None when none or ``无``."""
    published_at: str | None = None
    """The row's date as :func:`~govnews.extract.dates.parse_datetime` reads it: with its
    time (``2026-02-14T17:32:00+08:00``) when the row shows one, else ``YYYY-MM-DD``."""
    date_source: DateSource | None = None
    """Where the row keeps its date (see the module docstring); None when undated."""


@dataclass(frozen=True)
class Pager:
    form: PagerForm
    page_count: int | None
    """Total pages, when the page says."""
    current: int | None
    """0-based index of this page, when the page says."""


@dataclass(frozen=True)
class ListPage:
    rows: list[ListRow]
    pager: Pager
    row_form: RowForm
    """Which form the rows came in (the most common one when markup rows mix forms)."""
    in_article_list: bool = False
    """True when the rows were read inside ``div.articleList``."""
    date_sources: dict[str, int] = field(default_factory=dict)
    """How many rows took their date from each source; ``none`` counts undated rows."""


# The createPageHTML pager (docs/site.md, "List pages and their pager"): createPageHTML(N, cur, "index", "shtml").
# Some TRS templates pass the pager's element id first: createPageHTML('page_div', N, cur, 'index', ...).
_CREATE_PAGE_RE = re.compile(
    r"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]index['\"]"
)
# Pager form 2: var countPage = N//共多少页 and var currentPage = 0;//所在页从0开始.
_COUNT_PAGE_RE = re.compile(r"\bcountPage\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE_RE = re.compile(r"\bcurrentPage\s*=\s*['\"]?(\d+)")

# Script-row variables (docs/site.md, "Script rows": 市政府文件 `var url`, `var title`, `var FILENUM`; the 2021
# list `url = …`; 政府规章 `dUrl`, `dTitle`, `dFN`).
_URL_VAR_RE = re.compile(r"^d?_?(?:url|href|link)$", re.I)
_TITLE_VAR_RE = re.compile(r"^d?_?(?:title|name)$", re.I)
_FILENUM_VAR_RE = re.compile(r"^d?_?(?:file_?num|fn|wh|fwzh)$", re.I)
# A variable holding a date, not a document (dRN = '（2024年5月1日…公布）', not dCon = '<p>…</p>').
_DATE_VAR_MAX = 60
_NO_FILENUM = frozenset({"", "无", "-", "—", "null", "none", "undefined"})

_ARTICLE_LIST_XPATH = "//*[contains(concat(' ', normalize-space(@class), ' '), ' articleList ')]"
_UNSAFE_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")
# Never row text: what a browser does not show as text.
_NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title", "textarea", "select"})
# Where a walk up from a link stops looking for its row: a list or table of many rows.
_LIST_TAGS = frozenset({"ul", "ol", "table", "tbody", "thead", "body", "html"})
# Class-name words that mark a date holder (span.time, em.date, list-pubDate …; not "update").
_TIME_WORDS = frozenset({"time", "date", "datetime", "pubtime", "pubdate", "fbsj", "fbrq", "riqi", "shijian"})
_CLASS_WORD_RE = re.compile(r"[-_]")


def parse_pager(text: str) -> Pager:
    if match := _CREATE_PAGE_RE.search(text):
        return Pager("createPageHTML", int(match.group(1)), int(match.group(2)))
    if match := _COUNT_PAGE_RE.search(text):
        current = _CURRENT_PAGE_RE.search(text)
        return Pager("countPage", int(match.group(1)), int(current.group(1)) if current else None)
    return Pager("none", None, None)


def _is_followable(href: str) -> bool:
    href = href.strip().lower()
    return bool(href) and not href.startswith(_UNSAFE_SCHEMES)


def normalize_filenum(value: str | None) -> str | None:
    """A 发文字号 as a row gives it, or None for the ways a page says "none".

    >>> normalize_filenum(" 武政规〔2026〕4号 "), normalize_filenum("无"), normalize_filenum("")
    ('武政规〔2026〕4号', None, None)
    """
    value = collapse_whitespace(value or "")
    return None if value.lower() in _NO_FILENUM else value


# -- script rows -----------------------------------------------------------------


@dataclass
class _OpenRow:
    url: str
    title: str | None = None
    filenum: str | None = None
    published_at: str | None = None
    date_source: DateSource | None = None
    written: bool = False

    def row(self, page_url: str) -> ListRow:
        date = self.published_at[:10] if self.published_at else None
        return ListRow(urljoin(page_url, self.url), self.title, date, self.filenum, self.published_at, self.date_source)


def _is_url_assignment(event: ScriptEvent) -> bool:
    return event.kind == "assign" and event.value is not None and bool(_URL_VAR_RE.match(event.name or ""))


def _url_first(events: list[ScriptEvent]) -> list[ScriptEvent]:
    """A script's statements with its first URL assignment moved to the front: what a
    script sets before its URL (``var title = …; var url = …``) belongs to that URL's row,
    not to the row of an earlier script. A script without a URL continues the open row
    (a date written by a script of its own)."""
    first = next((i for i, event in enumerate(events) if _is_url_assignment(event)), 0)
    return [events[first], *events[:first], *events[first + 1 :]] if first else events


def _script_rows(scripts: list[tuple[_Element, str]], page_url: str) -> tuple[list[tuple[_Element, ListRow]], bool]:
    """Rows that inline scripts hold, each with the script that opened it, and whether
    they are written (``document.write``)."""
    rows: list[tuple[_Element, ListRow]] = []
    current: _OpenRow | None = None
    opened_at: _Element | None = None
    written = False

    def close() -> None:
        nonlocal written
        if current is not None and opened_at is not None and _is_followable(current.url):
            rows.append((opened_at, current.row(page_url)))
            written = written or current.written

    for element, script in scripts:
        for event in _url_first(script_events(script)):
            if event.kind == "write":
                if current is None:
                    continue
                # Something was written while this row was open: the list is script-written.
                current.written = True
                text = strip_tags(event.value) if event.value is not None else ""
                # The date the row shows wins over a date a variable only holds.
                if current.date_source in (None, "variable") and (moment := parse_datetime(text)):
                    current.published_at, current.date_source = moment, "script"
                continue
            name, value = event.name or "", event.value
            if value is None:
                continue  # built from other values: nothing known
            if _URL_VAR_RE.match(name):
                close()
                current, opened_at = _OpenRow(value.strip()), element
            elif current is None:
                continue
            elif _TITLE_VAR_RE.match(name):
                # A row may assign its title more than once: the last non-empty value is the title.
                if title := strip_tags(value):
                    current.title = title
            elif _FILENUM_VAR_RE.match(name):
                if (filenum := normalize_filenum(strip_tags(value))) is not None:
                    current.filenum = filenum
            elif current.published_at is None and len(value) <= _DATE_VAR_MAX and "<" not in value:  # noqa: SIM102
                if moment := parse_datetime(value):
                    current.published_at, current.date_source = moment, "variable"
    close()
    return rows, written


# -- markup rows -----------------------------------------------------------------


@dataclass(frozen=True)
class _Segment:
    text: str
    label: DateSource
    in_link: bool
    time_marked: bool
    after_link: bool


def _class_tokens(el: _Element) -> list[str]:
    return str(el.get("class") or "").split()


def _is_time_marked(el: _Element) -> bool:
    """An element whose class names a date holder: a class word such as ``time``, ``date``,
    ``pubDate`` (``list-time``, ``news_date`` …)."""
    return any(
        word in _TIME_WORDS for token in _class_tokens(el) for word in _CLASS_WORD_RE.split(token.lower()) if word
    )


_LABELS: dict[str, DateSource] = {"span": "span", "td": "td", "th": "td", "dd": "dd", "dt": "dd", "li": "li"}


def _segments(
    elements: list[_Element], links: set[_Element], base_label: DateSource, tails: bool = False
) -> list[_Segment]:
    """The visible text pieces of ``elements`` (a row), each with where it sits; with
    ``tails``, the text after each element too (a row of siblings, not one element)."""
    out: list[_Segment] = []
    seen_link = False

    def add(text: str | None, label: DateSource, in_link: bool, marked: bool) -> None:
        if text and text.strip():
            out.append(_Segment(text, label, in_link, marked, seen_link and not in_link))

    def walk(el: _Element, label: DateSource, in_link: bool, marked: bool) -> None:
        nonlocal seen_link
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        # A marked element holding the link is the row itself, not its date.
        if marked or (_is_time_marked(el) and not any(x in links for x in el.iter("a"))):
            label, marked = "span.time", True
        elif tag in _LABELS:
            label = _LABELS[tag]
        in_link = in_link or el in links
        add(el.text, label, in_link, marked)
        for child in el:
            if isinstance(child, _Comment | _ProcessingInstruction) or not isinstance(child.tag, str):
                pass
            elif child.tag.lower() not in _NO_TEXT_TAGS and not is_hidden(child):
                walk(child, label, in_link, marked)
            add(child.tail, label, in_link, marked)
        if el in links:
            seen_link = True

    for index, el in enumerate(elements):
        walk(el, base_label if index == 0 else "sibling", False, False)
        if tails:
            add(el.tail, "sibling", False, False)
    return out


def _date_of(segments: list[_Segment]) -> tuple[str | None, DateSource | None]:
    """The first date in the row's time elements, then its spans, then the rest of its
    text after the link, then before it; never in the link's text (the title)."""
    ordered = [s for s in segments if s.time_marked]
    ordered += [s for s in segments if not s.in_link and not s.time_marked and s.label == "span"]
    ordered += [s for s in segments if not s.in_link and not s.time_marked and s.label != "span" and s.after_link]
    ordered += [s for s in segments if not s.in_link and not s.time_marked and s.label != "span" and not s.after_link]
    for segment in ordered:
        if moment := parse_datetime(segment.text):
            return moment, segment.label
    return None, None


def _link_title(links: list[_Element]) -> str | None:
    """The row's title: the first ``title`` attribute (the full title where the text is
    cut short), else the longest link text, time elements and scripts left out."""
    for a in links:
        if title := collapse_whitespace(a.get("title") or ""):
            return title
    texts = [
        collapse_whitespace(" ".join(s.text for s in _segments([a], set(), "row") if not s.time_marked)) for a in links
    ]
    return max(texts, key=len) or None


def _article_urls_in(el: _Element, link_urls: dict[_Element, str]) -> set[str]:
    return {link_urls[a] for a in el.iter("a") if a in link_urls}


def _row_of(a: _Element, link_urls: dict[_Element, str]) -> tuple[RowForm, list[_Element], DateSource, bool]:
    """The row element(s) of the article link ``a`` (see the module docstring), the label
    of its own text, and whether the row is a run of siblings (their tails are row text)."""
    url = link_urls[a]

    def alone(el: _Element) -> bool:
        return _article_urls_in(el, link_urls) == {url}

    for el in a.iterancestors():
        tag = str(el.tag).lower()
        if tag in _LIST_TAGS:
            break
        if tag in ("li", "tr") and alone(el):
            return ("li" if tag == "li" else "table"), [el], ("li" if tag == "li" else "td"), False
        if tag in ("dt", "dd"):
            dl = el.getparent()
            if dl is not None and dl.tag == "dl" and alone(dl):
                return "dl", [dl], "dd", False
            if alone(el):
                return "dl", [el, *_following_until_next_link(el, url, link_urls, stop_tags=("dt",))], "dd", True
        if tag in ("li", "tr", "dt", "dd", "dl"):
            break  # a row element holding other articles too: read the link's own neighbourhood
    # No row element: the link's parent when it holds no other article (a <div> or <p> a
    # row, or one cell of a table with several articles a row), with the siblings after
    # it up to the next article; else the link itself and what follows it.
    parent = a.getparent()
    if parent is not None and parent.tag not in _LIST_TAGS and parent.tag not in ("li", "tr", "dl") and alone(parent):
        return "links", [parent, *_following_until_next_link(parent, url, link_urls)], "row", True
    return "links", [a, *_following_until_next_link(a, url, link_urls)], "row", True


def _following_until_next_link(
    el: _Element, url: str, link_urls: dict[_Element, str], stop_tags: tuple[str, ...] = ()
) -> list[_Element]:
    """Siblings after ``el`` up to the next one that is, or holds, a link to another article."""
    out: list[_Element] = []
    sibling = el.getnext()
    while sibling is not None:
        if isinstance(sibling.tag, str):
            if sibling.tag in stop_tags or _article_urls_in(sibling, link_urls) - {url}:
                break
            out.append(sibling)
        sibling = sibling.getnext()
    return out


def _markup_rows(
    scopes: list[_Element], page_url: str, article_path_re: re.Pattern[str]
) -> Iterator[tuple[RowForm, ListRow, _Element]]:
    """Each article link's row: its form, the row, and the link (for its position)."""
    link_urls: dict[_Element, str] = {}
    for a in (a for scope in scopes for a in scope.iter("a")):
        href = a.get("href") or ""
        if _is_followable(href) and article_path_re.search(url := urljoin(page_url, href.strip())):
            link_urls[a] = url
    covered: set[_Element] = set()
    for a, url in link_urls.items():
        if a in covered:
            continue  # a second link of one row (its picture); a row the page repeats stays a row
        form, elements, label, tails = _row_of(a, link_urls)
        row_links = [x for el in elements for x in el.iter("a") if link_urls.get(x) == url] or [a]
        covered.update(row_links)
        segments = _segments(elements, set(row_links), label, tails)
        moment, source = _date_of(segments)
        scripts = [
            script for el in elements for s in el.iter("script") if (script := "".join(str(t) for t in s.itertext()))
        ]
        row = ListRow(
            url,
            _link_title(row_links),
            moment[:10] if moment else None,
            _filenum_in(scripts) or _filenum_in_text(segments),
            moment,
            source,
        )
        yield form, row, a


# A document number standing alone in a row (a table's 文号 column): 机关代字〔年份〕序号号.
_FILENUM_TEXT_RE = re.compile(
    r"[\u4e00-\u9fff]{1,16}\s*[〔［\[【（(]\s*(?:19|20)\d{2}\s*[〕］\]】）)]\s*第?\s*\d{1,5}\s*号"
)


def _filenum_in_text(segments: list[_Segment]) -> str | None:
    """A row's own piece of text that is a document number and nothing else (never the title's)."""
    for segment in segments:
        text = collapse_whitespace(segment.text)
        if not segment.in_link and _FILENUM_TEXT_RE.fullmatch(text):
            return text
    return None


def _filenum_in(scripts: list[str]) -> str | None:
    """A FILENUM a row's own script assigns (``<span class="time"><script>var fileNum = …``)."""
    found: str | None = None
    for script in scripts:
        for event in script_events(script):
            if event.kind == "assign" and event.value is not None and _FILENUM_VAR_RE.match(event.name or ""):
                found = normalize_filenum(strip_tags(event.value)) or found
    return found


def _page_of(found: list[tuple[int, RowForm, ListRow]], pager: Pager, in_article_list: bool) -> ListPage:
    """A page of the rows found, in document order; its form the most common one."""
    if not found:
        return ListPage([], pager, "none", in_article_list)
    found.sort(key=lambda item: item[0])
    rows = [row for _position, _form, row in found]
    forms = Counter(form for _position, form, _row in found)
    return ListPage(rows, pager, forms.most_common(1)[0][0], in_article_list, _count_sources(rows))


def _count_sources(rows: list[ListRow]) -> dict[str, int]:
    return dict(Counter(row.date_source or "none" for row in rows))


def parse_list_page(sel: Selector, page_url: str, article_path_re: re.Pattern[str]) -> ListPage:
    """Rows and pager of one list page.

    Rows inside ``div.articleList`` first, markup rows and the script rows of scripts
    inside it together, in page order; else script rows anywhere on the page; else, when
    the page has a ``div.articleList``, none (an empty article list ends the column
    whatever a sidebar links to); else markup rows anywhere on the page (a table list).
    Only rows whose URL matches ``article_path_re`` count.
    """
    root = sel.root
    assert isinstance(root, _Element)
    position = {el: index for index, el in enumerate(root.iter())}
    scripts = [
        (el, text)
        for el in root.iter("script")
        if not el.get("src") and (text := "".join(str(t) for t in el.itertext())).strip()
    ]
    pager = parse_pager("\n".join(text for _el, text in scripts))

    def markup(scopes: list[_Element]) -> list[tuple[int, RowForm, ListRow]]:
        return [(position[a], form, row) for form, row, a in _markup_rows(scopes, page_url, article_path_re)]

    def scripted(chosen: list[tuple[_Element, str]]) -> list[tuple[int, RowForm, ListRow]]:
        rows, written = _script_rows(chosen, page_url)
        form: RowForm = "script" if written else "variables"
        openers = {el for el, _row in rows}
        return [
            (position[el], form, _with_markup_date(row, el, openers))
            for el, row in rows
            if article_path_re.search(row.url)
        ]

    article_lists = [el.root for el in sel.xpath(_ARTICLE_LIST_XPATH) if isinstance(el.root, _Element)]
    # An article list inside another is read once (its links are the outer one's).
    outermost = [el for el in article_lists if not any(o is not el and is_inside(el, o) for o in article_lists)]
    if outermost:
        found = markup(outermost)
        urls = {row.url for _at, _form, row in found}
        inside = [(el, text) for el, text in scripts if any(is_inside(el, scope) for scope in outermost)]
        found += [item for item in scripted(inside) if item[2].url not in urls]
        if found:
            return _page_of(found, pager, in_article_list=True)
    if found := scripted(scripts):
        return _page_of(found, pager, in_article_list=False)
    if article_lists:
        return ListPage([], pager, "none", True)
    return _page_of(markup([root]), pager, in_article_list=False)


def _with_markup_date(row: ListRow, script: _Element, openers: set[_Element]) -> ListRow:
    """A script row's date (and document number) from the markup around its script, when
    the script gives none: ``<li><script>url = "./…"; document.write(…)</script><span>2021-03-05</span></li>``.
    The markup is the nearest ``<li>``, ``<tr>``, ``<dd>`` or ``<dt>`` holding no other row's script."""
    if row.date is not None and row.filenum is not None:
        return row
    for el in script.iterancestors():
        tag = str(el.tag).lower()
        if tag in _LIST_TAGS:
            break
        if tag in ("li", "tr", "dd", "dt"):
            if sum(1 for s in el.iter("script") if s in openers) != 1:
                return row
            segments = _segments([el], set(), _LABELS.get(tag, "td"))
            if row.date is None and (found := _date_of(segments))[0] is not None:
                moment, source = found
                row = replace(row, date=moment[:10] if moment else None, published_at=moment, date_source=source)
            if row.filenum is None and (filenum := _filenum_in_text(segments)):
                row = replace(row, filenum=filenum)
            return row
    return row
