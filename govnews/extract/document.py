"""A policy document's header: read from the page, and as the item's ``document`` object.

Government documents (规范性文件, 市政府文件, 政府规章 …) carry a header of label/value pairs:
索引号, 发文机构, 发文字号, 主题分类, 成文日期, 发布日期, 有效性. :func:`read_policy_header`
reads the pairs wherever the header stands (a ``div.sub`` list, a table, plain lines split
by ``<br>``, ``<meta>`` tags named after the labels) into the item's ``meta``;
:func:`policy_document` turns them into the ``document`` object. Pure: no requests, no Scrapy
import.

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
from functools import lru_cache
from typing import Any

from lxml import etree
from lxml.etree import _Element

from govnews.extract.blocks import is_inside, paragraphs_of, text_of
from govnews.extract.dates import parse_date
from govnews.text import collapse_whitespace

# Policy documents' header of label/value pairs (docs/site.md, "Policy-document header": `div.sub`, one
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
# A second `label：` inside a value: the line (or item) holds more than one pair, and is no pair itself.
_LABEL_INSIDE_RE = re.compile(r"[\u4e00-\u9fff]{2,8}\s*[:：]")
# A header gives at least this many known labels, whatever its form (a list's items, plain
# lines, meta tags, labels apart): one 发布日期 alone is an info bar.
_MIN_KNOWN = 2
# Any `label：value` item of a header list: a short run of Chinese characters (spaces allowed
# between them), a colon.
_PAIR_RE = re.compile(r"^([\u4e00-\u9fff](?:[\s\u3000]*[\u4e00-\u9fff]){1,7})\s*[:：]\s*(\S.*)$")
# Items of a header list. (Not rows: a table row of label and value cells holds several pairs;
# read_policy_header's labels apart read its cells.)
_HEADER_ITEM_TAGS = frozenset({"li", "dt", "dd", "p", "div", "span", "td"})
# The page's meta tags, when the caller has not collected them.
_NAMED_METAS = etree.XPath("//meta[@name]")

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
    if next(el.iterdescendants("br"), None) is None:  # .//br, by lxml in C
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
        label = _policy_label(str(tag.get("name") or ""))
        if label is None or label in pairs:
            continue
        value = collapse_whitespace(str(tag.get("content") or ""))
        if value and not _LABEL_INSIDE_RE.search(value):
            pairs[label] = value
    return list(pairs.items()) if len(pairs) >= _MIN_KNOWN else []


@lru_cache(maxsize=1024)  # a site's pages carry the same tags' names
def _policy_label(name: str) -> str | None:
    """The policy label a meta tag's ``name`` is (:func:`label_of`), None for any other name."""
    label = label_of(name)
    return label if label in POLICY_LABELS else None


_POLICY_LABEL_TAGS = ("td", "th", "li", "span", "div", "p", "dt", "dd", "b", "strong", "label", "em")
_LABEL_FIRSTS = frozenset(label[0] for label in POLICY_LABELS)
# A known label anywhere in the page's text, its characters spaced out by anything that
# collapses to a space: no element's text can open with a label where this finds none.
_ANY_LABEL_RE = re.compile("|".join(r"[\s\ufeff]*".join(label) for label in POLICY_LABELS))


def label_openers(root: _Element) -> list[_Element]:
    """The elements of ``root``'s tree (itself included) that may hold a policy header's
    ``label：value``, in document order: those of :data:`_POLICY_LABEL_TAGS` whose text (:func:`text_of`)
    opens with a known label's first character, whitespace aside; none when the page's
    text holds no known label at all (most pages), so that the test on how an element's
    text opens reads no whole text, and mostly no text at all.

    >>> from lxml.etree import fromstring
    >>> [el.tag for el in label_openers(fromstring("<div> <b>\u3000索引号</b>：K28 <p>正文</p></div>"))]
    ['div', 'b']
    """
    if not _ANY_LABEL_RE.search(text_of(root)):
        return []
    firsts: dict[_Element, str] = {}
    openers: list[_Element] = []
    for el in root.iter(*_POLICY_LABEL_TAGS):
        text = el.text
        first = text[0] if text else ""
        if not first or first.isspace() or first == "\ufeff":
            first = _first_character_of(el, firsts)
        if first in _LABEL_FIRSTS:
            openers.append(el)
    return openers


def _first_character_of(el: _Element, firsts: dict[_Element, str]) -> str:
    """The first character of ``el``'s text that is not whitespace, ``""`` when it has
    none; ``firsts`` keeps what is found of each element on the way, so that nested
    blank wrappers are read once."""
    found = firsts.get(el)
    if found is not None:
        return found
    found = _first_character(el.text)
    if not found:
        for child in el:
            if isinstance(child.tag, str) and (found := _first_character_of(child, firsts)):
                break
            if found := _first_character(child.tail):
                break
    firsts[el] = found
    return found


def _first_character(text: str | None) -> str:
    return text.replace("\ufeff", " ").lstrip()[:1] if text else ""


def header_lists(root: _Element, openers: list[_Element] | None = None) -> list[tuple[_Element, list[tuple[str, str]]]]:
    """The header lists under ``root`` with their pairs: elements whose items (``<li>``,
    rows, cells …) include at least two ``label：value`` pairs with known labels
    (:data:`POLICY_LABELS`), each pair of them counting, known label or not; the outermost
    of nested ones, in document order. ``openers``: :func:`label_openers` of ``root``,
    when already found (an item with a known label is one of them)."""
    per_parent: dict[_Element, int] = {}
    for el in label_openers(root) if openers is None else openers:
        if el.tag in _HEADER_ITEM_TAGS and el is not root and (parent := el.getparent()) is not None:
            per_parent[parent] = per_parent.get(parent, 0) + 1
    lists = [
        (container, pairs)
        for container, count in per_parent.items()
        if count >= _MIN_KNOWN and (pairs := _header_pairs(container)) is not None
    ]
    # Outermost only. Lists are then apart from each other, so the order of their first
    # items is document order.
    return [(c, pairs) for c, pairs in lists if not any(is_inside(c, other) for other, _ in lists)]


def _header_pairs(container: _Element) -> list[tuple[str, str]] | None:
    """The pairs of ``container``'s items when at least two have known labels, else None."""
    items = [c for c in container if isinstance(c.tag, str) and c.tag in _HEADER_ITEM_TAGS]
    pairs = [
        m.groups()
        for c in items
        if (m := _PAIR_RE.match(collapse_whitespace(text_of(c)))) and not _LABEL_INSIDE_RE.search(m.group(2))
    ]
    if sum(1 for label, _ in pairs if label_of(label) in POLICY_LABELS) < _MIN_KNOWN:
        return None
    return [(label_of(label), collapse_whitespace(value)) for label, value in pairs]


def read_policy_header(
    root: _Element,
    body: _Element | None,
    lists: list[tuple[_Element, list[tuple[str, str]]]] | None = None,
    openers: list[_Element] | None = None,
    metas: list[_Element] | None = None,
) -> dict[str, str]:
    """Label/value pairs of a policy document's header.

    Four rules. A header list (:func:`header_lists`, ``<div class="sub"><ul><li>索引号：…``)
    gives every pair it holds, wherever it is. Outside the body, plain lines split by
    ``<br>`` (``<div>索引号：…<br>发文机构：…</div>``) give theirs when two or more known
    labels are there (:func:`lines_header`); elsewhere outside the
    body a known label gives its pair, the value after the colon or in the next element
    (``<td>索引号：</td><td>…</td>``). Last, ``<meta>`` tags named after the labels
    (``metas``: the page's ``<meta name>`` tags; :func:`pairs_of_meta_tags`).
    First value of a label wins. ``lists`` and ``openers`` (:func:`label_openers`): of
    ``root``, when already found.
    """
    if openers is None:
        openers = label_openers(root)
    pairs: dict[str, str] = {}
    for _container, found in header_lists(root, openers) if lists is None else lists:
        for label, value in found:
            pairs.setdefault(label, value)

    single: dict[str, str] = {}
    # Only an element whose text opens with a label's first character can open with a label.
    for el in openers:
        if body is not None and (el is body or is_inside(el, body)):
            continue
        if next(el.iterchildren("br"), None) is not None and (lines := _lines_outside(el, body)):
            # Plain lines: a header of its own (two known labels or more).
            for label, value in lines:
                pairs.setdefault(label, value)
            continue
        text = collapse_whitespace(text_of(el))
        if len(text) > 80:
            continue
        match = POLICY_LABEL_RE.match(text)
        if not match or label_of(match.group(1)) in pairs or label_of(match.group(1)) in single:
            continue
        value = match.group(2).lstrip(":： ")
        if not value:
            # The next element: a comment or processing instruction between the cells shows nothing.
            sibling = next(el.itersiblings(etree.Element), None)
            value = collapse_whitespace(text_of(sibling)) if sibling is not None else ""
        # A value running into another label is a line of several fields (an info bar), no pair.
        if value and not POLICY_LABEL_RE.match(value) and not _LABEL_INSIDE_RE.search(value):
            single[label_of(match.group(1))] = value
    # One known label alone (发布日期 in an info bar) is no policy header.
    if len(pairs) + len(single) >= _MIN_KNOWN:
        for label, value in single.items():
            pairs.setdefault(label, value)
    for label, value in pairs_of_meta_tags(_NAMED_METAS(root) if metas is None else metas):  # type: ignore[arg-type]
        pairs.setdefault(label, value)
    return pairs


def _lines_outside(el: _Element, body: _Element | None) -> list[tuple[str, str]]:
    """:func:`lines_header` of ``el``, the body left out when
    ``el`` holds it (a wrapper of the whole article opening with the header)."""
    if body is not None and is_inside(body, el):
        return pairs_of_lines(paragraphs_of(el, {body}))
    return lines_header(el)


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
