"""A policy document's header, as the item's ``document`` object.

Government documents (规范性文件, 市政府文件, 政府规章 …) carry a header of label/value pairs:
索引号, 发文机构, 发文字号, 主题分类, 成文日期, 发布日期, 有效性. :mod:`govnews.extract.article`
reads the pairs wherever the header stands (a ``div.sub`` list, a table, plain lines split
by ``<br>``, ``<meta>`` tags named after the labels) into the item's ``meta``; this module
holds the labels, reads the two forms that are no list (:func:`pairs_of_lines`,
:func:`pairs_of_meta_tags`) and turns the pairs into the ``document`` object
(:func:`policy_document`). Pure: no requests, no Scrapy import.

Each field is the header's own value or null: nothing is guessed. Dates are ISO dates when
the header writes a date a person would read as one (``2026年02月14日``, ``2026-02-14``,
``2026/2/14``); otherwise null. ``in_force`` normalises 有效性: true for 有效 and 现行有效,
false for 失效, 废止 and 已废止, null for anything else (部分失效, 已修改, 尚未生效, none).

>>> document = policy_document({"索引号": "K28044908/2026-04277", "成文日期": "2026年02月11日", "有效性": "现行有效"})
>>> document["index_no"], document["written_at"], document["in_force"], document["issuer"]
('K28044908/2026-04277', '2026-02-11', True, None)
>>> policy_document({"SiteName": "武汉市人民政府门户网站"}) is None
True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from lxml.etree import _Element

from govnews.extract.blocks import paragraphs_of
from govnews.extract.dates import parse_date
from govnews.text import collapse_whitespace

# Policy documents' header of label/value pairs (SITE.md "Article pages": `div.sub`, one
# `<li>索引号： K28044908/2026-04277</li>` each, full-width or ASCII colon, spaces around).
# 发布机构 and 文号 are other sites' names for 发文机构 and 发文字号; 公开方式 is read, kept in
# meta, and no field of the document.
POLICY_LABELS = (
    "索引号",
    "发文机构",
    "发布机构",
    "发文字号",
    "文号",
    "主题分类",
    "成文日期",
    "发布日期",
    "有效性",
    "公开方式",
)
# A label may be spaced out to align a column (索 引 号：); the colon may be missing when
# the value sits in the next cell.
POLICY_LABEL_RE = re.compile(
    r"^(" + "|".join(r"[\s\u3000]*".join(label) for label in POLICY_LABELS) + r")\s*[:：]?\s*(.*)$"
)
# A line of plain lines: a label, a colon (needed here: prose may open with a label's word), a value.
_LINE_RE = re.compile(r"^(" + "|".join(r"[\s\u3000]*".join(label) for label in POLICY_LABELS) + r")\s*[:：]\s*(.*)$")
# A second `label：` inside a value: the line holds more than one pair.
_LABEL_INSIDE_RE = re.compile(r"[\u4e00-\u9fff]{2,8}\s*[:：]")
# Plain lines and meta tags are a header when they give at least this many known labels.
_MIN_KNOWN = 2

# Field of the document object -> the labels that give it, in order of trust.
_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("index_no", ("索引号",)),
    ("issuer", ("发文机构", "发布机构")),
    ("doc_number", ("发文字号", "文号")),
    ("topic", ("主题分类",)),
    ("written_at", ("成文日期",)),
    ("published_at", ("发布日期",)),
    ("validity", ("有效性",)),
)
DOCUMENT_FIELDS: tuple[str, ...] = (*(name for name, _ in _FIELDS), "in_force")
"""The keys of the ``document`` object, in the order the feed writes them."""
_DATE_FIELDS = frozenset({"written_at", "published_at"})
# 有效性 as sites write it -> in force or not; anything else (部分失效, 已修改, 尚未生效) is null.
IN_FORCE: Mapping[str, bool] = {"有效": True, "现行有效": True, "失效": False, "废止": False, "已废止": False}
# Values that say "none" where a value belongs (发文字号：无).
_NONE_VALUES = frozenset({"", "无", "-", "—", "/", "null", "none"})


def label_of(raw: str) -> str:
    """A label as the page spells it, its alignment spaces out (``索 引 号`` → ``索引号``)."""
    return "".join(raw.split())


def pairs_of_lines(lines: Iterable[str]) -> list[tuple[str, str]]:
    """The ``label：value`` pairs of plain lines (one pair a line, as ``<br>`` splits them)
    with known labels; empty unless at least two known labels are there (one 发布日期 line
    is an info bar, not a header). A value that runs into another label is no value.

    >>> pairs_of_lines(["索 引 号：MB1957806/2022-00424", "发文字号：", "有效性： 有效", "正文第一段。"])
    [('索引号', 'MB1957806/2022-00424'), ('有效性', '有效')]
    >>> pairs_of_lines(["发布日期：2022-05-27 来源：长江日报"])
    []
    """
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    known = 0
    for line in lines:
        match = _LINE_RE.match(collapse_whitespace(line))
        if match is None:
            continue
        label, value = label_of(match.group(1)), collapse_whitespace(match.group(2))
        known += 1
        if value and label not in seen and not _LABEL_INSIDE_RE.search(value):
            seen.add(label)
            pairs.append((label, value))
    return pairs if known >= _MIN_KNOWN else []


def lines_header(el: _Element) -> list[tuple[str, str]]:
    """The pairs of an element holding a header as plain lines (``索引号：…<br>发文机构：…``):
    its lines, as a reader sees them, read by :func:`pairs_of_lines`."""
    if el.find(".//br") is None:
        return []
    return pairs_of_lines(paragraphs_of(el))


def pairs_of_meta_tags(tags: Iterable[_Element]) -> list[tuple[str, str]]:
    """The header as ``<meta name="索引号" content="…">`` tags (names are the labels, spaces
    and case aside), in page order, first value of a label kept; empty unless at least two
    known labels carry a value.

    >>> from lxml.html import fromstring
    >>> page = fromstring('<html><head><meta name="索引号" content="K28/2026-1"><meta name="有效性" content=" 有效 ">'
    ...                   '<meta name="Keywords" content="x"></head></html>')
    >>> pairs_of_meta_tags(page.iter("meta"))
    [('索引号', 'K28/2026-1'), ('有效性', '有效')]
    """
    pairs: dict[str, str] = {}
    for tag in tags:
        label = label_of(str(tag.get("name") or ""))
        if label not in POLICY_LABELS or label in pairs:
            continue
        value = collapse_whitespace(str(tag.get("content") or ""))
        if value and not _LABEL_INSIDE_RE.search(value):
            pairs[label] = value
    return list(pairs.items()) if len(pairs) >= _MIN_KNOWN else []


def in_force(validity: str | None) -> bool | None:
    """有效性 as a boolean: true, false, or null when it says neither (or is absent).

    >>> [in_force(v) for v in ("有效", "现行有效", "失效", "废止", "已废止", "部分失效", "已修改", "尚未生效", None)]
    [True, True, False, False, False, None, None, None, None]
    """
    if validity is None:
        return None
    return IN_FORCE.get("".join(validity.split()))


def policy_document(meta: Mapping[str, str]) -> dict[str, Any] | None:
    """The ``document`` object of an item whose ``meta`` holds a policy header's pairs (or
    a 发文字号 from its list row), else None (a news item).

    >>> policy_document({"发文字号": "武政规〔2026〕4号", "发布日期": "2026-02-14 17:32", "有效性": "废止"})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'index_no': None, 'issuer': None, 'doc_number': '武政规〔2026〕4号', 'topic': None, 'written_at': None,
     'published_at': '2026-02-14', 'validity': '废止', 'in_force': False}
    >>> policy_document({"成文日期": "二〇二六年二月十一日", "发文字号": "无"})["written_at"] is None
    True
    """
    if not any(label in meta for label in POLICY_LABELS):
        return None
    document: dict[str, Any] = {}
    for name, labels in _FIELDS:
        value = next((meta[label] for label in labels if meta.get(label, "").strip().lower() not in _NONE_VALUES), None)
        if value is not None and name in _DATE_FIELDS:
            value = parse_date(value)
        document[name] = value
    document["in_force"] = in_force(document["validity"])
    return document
