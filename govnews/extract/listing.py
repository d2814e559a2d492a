"""Read one list (column) page: its rows and its pager.

Pure parsing of one page: no requests, no Scrapy import.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urljoin

from parsel import Selector

from govnews.extract.dates import parse_date
from govnews.text import collapse_whitespace

PagerForm = Literal["createPageHTML", "countPage", "none"]


@dataclass(frozen=True)
class ListRow:
    url: str
    """Absolute URL, resolved against the page."""
    title: str | None
    date: str | None
    """YYYY-MM-DD, or None when the row shows no date."""


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
    row_source: Literal["articleList", "script", "fallback", "none"]


# SITE.md "List pages" pager form 1: createPageHTML(N, cur, "index", "shtml").
# Some TRS templates pass the pager's element id first: createPageHTML('page_div', N, cur, 'index', ...).
_CREATE_PAGE_RE = re.compile(
    r"createPageHTML\(\s*(?:['\"][^'\"]*['\"]\s*,\s*)?['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]index['\"]"
)
# Pager form 2: var countPage = N//共多少页 and var currentPage = 0;//所在页从0开始.
_COUNT_PAGE_RE = re.compile(r"\bcountPage\s*=\s*['\"]?(\d+)")
_CURRENT_PAGE_RE = re.compile(r"\bcurrentPage\s*=\s*['\"]?(\d+)")

# 市政府文件: rows written by script — url = "…"; title = "…"; document.writeln("2020-03-16").
# 政府规章: var dUrl = '…'; var dTitle = '…'; var dRN = '（2024年5月1日…）'.
_SCRIPT_ASSIGN_RE = re.compile(
    r"""(?:\bvar\s+)?\b(?P<name>[A-Za-z_]\w*)\s*=\s*(?P<q>["'])(?P<value>(?:\\.|(?!(?P=q)).)*)(?P=q)"""
    r"""|document\.write(?:ln)?\(\s*(?P<wq>["'])(?P<written>(?:\\.|(?!(?P=wq)).)*)(?P=wq)\s*\)""",
    re.S,
)
_URL_VAR_RE = re.compile(r"^d?_?(?:url|href|link)$", re.I)
_TITLE_VAR_RE = re.compile(r"^d?_?(?:title|name)$", re.I)
_ARTICLE_LIST_XPATH = "//*[contains(concat(' ', normalize-space(@class), ' '), ' articleList ')]"
_UNSAFE_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "#")


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


def _rows_from_article_list(sel: Selector, page_url: str) -> list[ListRow]:
    rows: list[ListRow] = []
    # SITE.md "List pages": rows are `div.articleList li`.
    for li in sel.xpath(_ARTICLE_LIST_XPATH + "//li[.//a[@href]]"):
        link = li.xpath(".//a[@href][1]")
        href = link.attrib.get("href", "")
        if not _is_followable(href):
            continue
        title = link.attrib.get("title") or collapse_whitespace(" ".join(link.xpath(".//text()").getall()))
        # The date sits in span.time or a bare span (SITE.md); a title can hold a
        # date too, so the spans are read first and the row's text only after them.
        date = None
        for query in (".//span[contains(@class, 'time')]//text()", ".//span//text()", ".//text()"):
            if date := parse_date(" ".join(li.xpath(query).getall())):
                break
        rows.append(ListRow(urljoin(page_url, href.strip()), collapse_whitespace(title) or None, date))
    return rows


def _unescape_js(value: str) -> str:
    return html.unescape(re.sub(r"\\(.)", r"\1", value))


def _rows_from_scripts(sel: Selector, page_url: str) -> list[ListRow]:
    """Rows that inline JavaScript writes: a URL variable opens a row; the title and
    date variables (or a written date) that follow it, up to the next URL, belong to it."""
    rows: list[ListRow] = []
    current: dict[str, str] | None = None

    def close() -> None:
        if current and _is_followable(current["url"]):
            rows.append(ListRow(urljoin(page_url, current["url"]), current.get("title"), current.get("date")))

    for script in sel.xpath("//script[not(@src)]/text()").getall():
        for match in _SCRIPT_ASSIGN_RE.finditer(script):
            name = match["name"]
            value = _unescape_js(match["value"] if name else match["written"]).strip()
            if name and _URL_VAR_RE.match(name):
                close()
                current = {"url": value}
            elif current is None:
                continue
            elif name and _TITLE_VAR_RE.match(name):
                current.setdefault("title", collapse_whitespace(value))
            elif "date" not in current and (date := parse_date(value)):
                current["date"] = date
    close()
    return rows


def _rows_from_links(sel: Selector, page_url: str, article_path_re: re.Pattern[str], scope: str = "") -> list[ListRow]:
    """Any article-shaped link under ``scope`` (an XPath; the whole page by default),
    dated by its parent's text."""
    rows: list[ListRow] = []
    for link in sel.xpath(scope + "//a[@href]"):
        href = link.attrib["href"]
        if not _is_followable(href):
            continue
        url = urljoin(page_url, href.strip())
        if not article_path_re.search(url):
            continue
        title = link.attrib.get("title") or collapse_whitespace(" ".join(link.xpath(".//text()").getall()))
        parent_text = " ".join(link.xpath("./parent::*//text()").getall())
        rows.append(ListRow(url, title or None, parse_date(parent_text)))
    return rows


def parse_list_page(sel: Selector, page_url: str, article_path_re: re.Pattern[str]) -> ListPage:
    """Rows and pager of one list page.

    Rows come from ``div.articleList li`` links, else from the script-written forms
    of SITE.md, else (a fallback, for markup we have not seen) from any link whose
    URL has the article shape.
    """
    scripts = "\n".join(sel.xpath("//script[not(@src)]/text()").getall())
    pager = parse_pager(scripts)
    rows = _rows_from_article_list(sel, page_url)
    if rows:
        return ListPage(rows, pager, "articleList")
    rows = [r for r in _rows_from_scripts(sel, page_url) if article_path_re.search(r.url)]
    if rows:
        return ListPage(rows, pager, "script")
    if sel.xpath(_ARTICLE_LIST_XPATH):
        # Rows that are not <li> (a table, <div>s, <p>s) inside the article list still count;
        # an article list without them is the end of the column, whatever the sidebar links to.
        rows = _rows_from_links(sel, page_url, article_path_re, scope=_ARTICLE_LIST_XPATH)
        return ListPage(rows, pager, "fallback" if rows else "none")
    rows = _rows_from_links(sel, page_url, article_path_re)
    return ListPage(rows, pager, "fallback" if rows else "none")
