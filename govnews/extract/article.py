"""Read one article page: title, dates, source, people, body, images, attachments, metadata.

Pure parsing of one page: no requests, no Scrapy import. The spider decides what to
do with what is (or is not) found; every fallback taken is named in ``fallbacks`` so
that the crawl stats can count it.

The body container, by one rule (:func:`find_body`, docs/site.md): of the visible
elements carrying a body class token of the most specific tier on the page (``TRS_UEDITOR``,
``TRS_Editor``, ``trs_editor_view`` in any case; else ``view``) and holding text (or an
image), the outermost of nested ones, then the one with the most text, the first on a tie:
a print or mobile copy of the same text never wins over the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.etree import _Element
from parsel import Selector

from govnews.extract.blocks import (
    DIRECTIVE_FIRSTS,
    SKIP_TAGS,
    TEMPLATE_TEXT_RE,
    is_directive,
    is_hidden,
    is_inside,
    template_widgets,
    templated_by_text,
    text_of,
    visible_paragraphs,
)
from govnews.extract.document import header_lists, label_openers, read_policy_header
from govnews.extract.title import SiteNames, choose_title, headlines_of, may_name_a_title, page_title_text
from govnews.sites.family import SITES
from govnews.text import collapse_whitespace

# The 2017 convention for government websites' metadata tags (docs/site.md, "Other fields"):
# names match case-insensitively, first non-empty value wins.
GOV_META_NAMES = (
    "SiteName",
    "SiteDomain",
    "SiteIDCode",
    "ColumnName",
    "ColumnDescription",
    "ColumnKeywords",
    "ColumnType",
    "ArticleTitle",
    "PubDate",
    "ContentSource",
    "Keywords",
    "Description",
    "Author",
    "Url",
)
_META_BY_LOWER = {name.lower(): name for name in GOV_META_NAMES}
# Values a template left unfilled ("网站名称" where the site's name belongs).
_META_PLACEHOLDERS = frozenset(
    [
        "网站名称",
        "网站域名",
        "网站标识码",
        "栏目名称",
        "栏目描述",
        "栏目关键词",
        "栏目类型",
        "文章标题",
        "标题",
        "发布时间",
        "发布日期",
        "文章来源",
        "来源",
        "关键词",
        "关键字",
        "描述",
        "摘要",
        "作者",
        "网址",
        "文章url",
        "文章链接",
        "url",
    ]
)
# Labels of the info bar above/below the body ("发布时间：… 来源：…"); a value runs to
# the next label or separator. Labels need their colon: prose mentions 来源 too.
_INFO_LABEL_RE = re.compile(
    r"(发布时间|发布日期|信息来源|文章来源|来源|稿源|作者|责任编辑|编辑|字号|字体|浏览次数|阅读次数|点击数|访问量)\s*[:：]|[【】|｜]"
)
# What every match of _INFO_LABEL_RE holds: a line without one is read no further.
_INFO_MARK_RE = re.compile(r"[:：【】|｜]")
# Where an info-bar value ends at the latest: the next `label：` of any name
# (发布时间：2021-04-07 信息发布人：管理员).
_NEXT_LABEL_RE = re.compile(r"\s[\u4e00-\u9fff]{2,8}\s*[:：]")
_INFO_FIELDS = {"发布时间": "published", "发布日期": "published_date", "来源": "source", "信息来源": "source",
                "稿源": "source",
                "文章来源": "source", "作者": "author", "责任编辑": "editor", "编辑": "editor"}  # fmt: skip

# Body containers (docs/site.md, "Body container"), as class tokens in that page's spelling, most
# specific first: the TRS editor tokens (matched in any case: `trs_editor`, `TRS_EDITOR`
# occur), then the looser `view` (matched as written: a view counter may carry it too).
BODY_TOKENS = ("TRS_UEDITOR", "TRS_Editor", "trs_editor_view", "view")
_BODY_TIERS: tuple[frozenset[str], ...] = (
    frozenset({"trs_ueditor", "trs_editor", "trs_editor_view"}),
    frozenset({"view"}),
)
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".ofd", ".ceb", ".zip", ".rar", ".7z", ".et")
# A multi-page article: createPageHTML(n, 0, "t20220527_1979424", "shtml") in the body.
_ARTICLE_PAGER_RE = re.compile(
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*['\"](t\d{8}_\d+)['\"]\s*,\s*['\"](\w+)['\"]"
)
_TEMPLATE_LEFTOVER_RE = re.compile(r"\{\{|\}\}|<%|%>|\$\{")


@dataclass
class ArticlePage:
    title: str | None
    date_candidates: list[tuple[str, str]]
    """Raw publish dates the page shows, best first, as (source, text): ``meta`` (PubDate),
    ``page_text`` (发布时间, then 发布日期). The spider chooses (see dates.choose_published)."""
    source: str | None
    author: str | None
    editor: str | None
    paragraphs: list[str]
    images: list[dict[str, str | None]]
    attachments: list[dict[str, str]]
    meta: dict[str, str]
    body_found: bool
    """False when no known body container matched and the generic fallback was used."""
    body_selector: str
    """What found the body: the class token (TRS_UEDITOR, TRS_Editor, trs_editor_view, view),
    fallback, or none."""
    title_from: str
    """Where the title came from: ``meta ArticleTitle``, ``<h1>``, ``headline`` (an element
    styled as the title), ``<title>`` (less the site's parts: no headline found in it), or
    ``none``."""
    more_pages: list[str] = field(default_factory=list)
    """Absolute URLs of the article's later pages, for a multi-page article."""
    fallbacks: list[str] = field(default_factory=list)
    body_container: str = "none"
    """The body element as the page has it: ``div.view.TRS_UEDITOR``, ``div.trs_editor_view``;
    for a fallback body its tag, id and first class (``td``); ``none`` when no body."""


# What a server's "not found" page says, answered with a 200 (a soft 404): the page is gone or
# was withdrawn, whatever the status. Read only on a page whose body no known container holds.
_NOT_FOUND_RE = re.compile(
    r"页面不存在|页面未找到|网页不存在|找不到(?:该|此|您)?(?:要访问的)?(?:页面|网页|文章|信息)|"
    r"(?:页面|网页|信息|文章|内容|文档)(?:已经|已)?(?:被)?(?:删除|撤销|撤回|撤稿|下线|过期)|"
    r"不存在或已(?:被)?删除|\b404\b|not\s+found|page\s+(?:not\s+found|does\s+not\s+exist)",
    re.IGNORECASE,
)
_SOFT_404_MAX_TEXT = 200


def is_soft_404(page: ArticlePage) -> bool:
    """A page served with 200 that says the article is not there (a soft 404): no known body
    container, little text, and a title or text that says "not found" or "deleted".

    >>> text = ["对不起，您访问的页面不存在！"]
    >>> page = ArticlePage("页面不存在", [], None, None, None, text, [], [], {}, False, "fallback", "<title>")
    >>> is_soft_404(page)
    True
    >>> from dataclasses import replace
    >>> is_soft_404(replace(page, body_found=True)), is_soft_404(replace(page, title="通知", paragraphs=["全文。"]))
    (False, False)
    """
    if page.body_found:
        return False
    text = "".join(page.paragraphs)
    if len(text) > _SOFT_404_MAX_TEXT:
        return False
    return bool(_NOT_FOUND_RE.search(page.title or "") or _NOT_FOUND_RE.search(text))


def read_meta(sel: Selector) -> dict[str, str]:
    return _meta_of(_META_TAGS(sel.root))  # type: ignore[arg-type] # a node-set


_META_TAGS = etree.XPath("//meta[@name]")


def _meta_of(tags: Iterable[_Element]) -> dict[str, str]:
    """The gov meta tags' values of ``tags`` (``<meta name=…>``, in document order)."""
    meta: dict[str, str] = {}
    for tag in tags:
        name = _gov_meta_name(str(tag.get("name", "")))
        if not name or name in meta:
            continue
        if value := _meta_value(str(tag.get("content", ""))):
            meta[name] = value
    return meta


# A site's pages repeat their tags' names, and most of their values (SiteName, ColumnName …).
@lru_cache(maxsize=256)
def _gov_meta_name(name: str) -> str | None:
    """The gov meta tag ``name`` names, as :data:`GOV_META_NAMES` spells it; None for another tag."""
    return _META_BY_LOWER.get(name.strip().lower())


@lru_cache(maxsize=256)
def _meta_value(content: str) -> str:
    """A gov meta tag's ``content`` as :func:`_meta_of` keeps it; ``""`` for no value."""
    value = collapse_whitespace(content)
    # An unfilled value ("网站名称", or a template's {{article.title}}) is no value.
    templated = ("{" in value or "<%" in value) and TEMPLATE_TEXT_RE.search(value)
    return value if value and value.lower() not in _META_PLACEHOLDERS and not templated else ""


def _body_tokens(el: _Element, tier: frozenset[str]) -> list[str]:
    tokens = str(el.get("class") or "").split()
    if "view" in tier:
        return [t for t in tokens if t in tier]
    return [t for t in tokens if t.lower() in tier]


def _visible(el: _Element, hidden: set[_Element]) -> bool:
    """Neither ``el`` nor an ancestor is hidden; ``hidden``: the page's hidden elements."""
    return not hidden or not any(node in hidden for node in (el, *el.iterancestors()))


def find_body(root: _Element, index: _PageIndex | None = None) -> _Element | None:
    """The body container, by one rule (docs/site.md "Body container"):

    take the elements carrying a body token of the most specific tier present (the TRS
    editor tokens ``TRS_UEDITOR`` / ``TRS_Editor`` / ``trs_editor_view``, else ``view``),
    visible (neither they nor an ancestor hidden) and holding text or an image; of those nested inside
    another, keep the outermost (it holds the whole body); of the rest, the one with the
    most text wins, the first on a tie, so a print or mobile copy of the same text never
    wins over the first. A tier whose elements hold no text (an empty TRS_Editor in a page
    header) yields to the next.

    ``index``: of ``root``, when already built (its elements whose class may hold a body
    token are the only ones looked at).
    """
    if index is None:
        index = _PageIndex(root)
    for tier in _BODY_TIERS:
        candidates = [el for el in index.classed if _body_tokens(el, tier) and _visible(el, index.hidden)]
        outermost = [el for el in candidates if not any(is_inside(el, other) for other in candidates)]
        best: tuple[int, _Element | None] = (0, None)
        for el in outermost:
            # An image-only body holds no text but is a body all the same.
            length = len(collapse_whitespace(text_of(el))) or (1 if next(el.iter("img"), None) is not None else 0)
            if length > best[0]:
                best = (length, el)
        if best[1] is not None:
            return best[1]
    return None


def body_kind(el: _Element) -> str:
    """The body-container class token ``el`` carries, spelt as :data:`BODY_TOKENS` (and
    docs/site.md, "Body container") spell it."""
    tokens = {t.lower(): t for t in str(el.get("class", "")).split()}
    return next((name for name in BODY_TOKENS[:-1] if name.lower() in tokens), "view" if "view" in tokens else "?")


def describe_container(el: _Element) -> str:
    """``div.view.TRS_UEDITOR``: the tag and the body tokens an element carries, as the page
    spells them, or its tag, id and first class for a fallback body (``td``, ``div#content``)."""
    tokens = [t for t in str(el.get("class") or "").split() if t.lower() in {n.lower() for n in BODY_TOKENS}]
    if tokens:
        return ".".join([str(el.tag), *tokens])
    classes = str(el.get("class") or "").split()[:1]
    element_id = f"#{el.get('id')}" if el.get("id") else ""
    return str(el.tag) + element_id + "".join(f".{c}" for c in classes)


def fallback_body(root: _Element) -> _Element | None:
    """Generic main-text finder for pages without a known body container.

    A text-density rule: the element whose own paragraphs (direct ``<p>`` children,
    or leaf blocks with no blocks inside) carry the most text in long, link-poor lines.
    Counting only leaf paragraphs keeps wrappers of the whole page from winning.
    """
    best: tuple[int, _Element | None] = (0, None)
    for el in root.iter("div", "td", "article", "section", "main", "body", "center", "font"):
        if is_hidden(el):
            continue
        score = len(collapse_whitespace(el.text or ""))
        for child in el:
            if not isinstance(child.tag, str) or child.tag in SKIP_TAGS or child.tag == "a":
                continue
            if child.tag != "p" and any(d.tag in _CONTAINER_TAGS for d in child.iterdescendants()):
                continue
            text = collapse_whitespace(text_of(child))
            link_text = sum(len(collapse_whitespace(text_of(a))) for a in child.iter("a"))
            if len(text) >= 20 and link_text < len(text) / 2:
                score += len(text)
            if child.tail:
                score += len(collapse_whitespace(child.tail))
        if score > best[0]:
            best = (score, el)
    return best[1]


_CONTAINER_TAGS = frozenset({"div", "p", "table", "ul", "ol", "section", "article"})


def read_info(lines: list[str]) -> dict[str, str]:
    """Values of the info-bar labels (发布时间, 来源, 作者, 责任编辑) found in ``lines``,
    first occurrence of each field."""
    found: dict[str, str] = {}
    for line in lines:
        if len(line) > 200 or not _INFO_MARK_RE.search(line):
            continue  # a prose paragraph, or no label in it
        matches = list(_INFO_LABEL_RE.finditer(line))
        for i, match in enumerate(matches):
            key = _INFO_FIELDS.get(match.group(1))
            if not key or key in found:
                continue
            end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
            if other := _NEXT_LABEL_RE.search(line, match.end(), end):
                end = other.start()
            value = line[match.end() : end].strip(" ：:|｜[]【】()（）")
            if value and not _TEMPLATE_LEFTOVER_RE.search(value):
                found[key] = value
    return found


_CREDIT_LINE_MAX = 40


def is_credit_line(line: str) -> bool:
    """A short line that is nothing but label/value pairs of the info labels
    (``【责任编辑：李四】``, ``（作者：张三 来源：长江日报）``); prose mentioning 责任编辑 is not."""
    # Every label's match holds a mark (:data:`_INFO_MARK_RE`): a line without one is done with.
    if len(line) > _CREDIT_LINE_MAX or not _INFO_MARK_RE.search(line):
        return False
    matches = list(_INFO_LABEL_RE.finditer(line))
    labels = [m for m in matches if m.group(1)]
    if not labels or _INFO_FIELDS.get(labels[0].group(1)) is None:
        return False
    return not line[: matches[0].start()].strip(" （(【[")


def split_credit_lines(paragraphs: list[str]) -> tuple[list[str], dict[str, str]]:
    """Move credit lines out of the body into fields (first value of each field wins).

    Credits usually end the body, but a body printed twice puts them mid-way, so
    every credit-only line goes, wherever it stands.

    >>> split_credit_lines(["正文。", "【责任编辑：李四】", "正文。"])
    (['正文。', '正文。'], {'editor': '李四'})
    """
    body: list[str] = []
    credits: dict[str, str] = {}
    for line in paragraphs:
        if is_credit_line(line):
            for key, value in read_info([line]).items():
                credits.setdefault(key, value)
        else:
            body.append(line)
    return body, credits


def _images(body: _Element, skip: set[_Element], page_url: str) -> list[dict[str, str | None]]:
    images: list[dict[str, str | None]] = []
    seen: set[str] = set()
    for img in body.iter("img"):
        if any(img is s or is_inside(img, s) for s in skip):
            continue
        src = (img.get("src") or img.get("data-src") or "").strip()
        if not src or src.lower().startswith("data:"):
            continue
        url = urljoin(page_url, src)
        if urlsplit(url).scheme not in ("http", "https") or url in seen:
            continue
        seen.add(url)
        alt = collapse_whitespace(img.get("alt") or img.get("title") or "")
        images.append({"url": url, "alt": alt or None})
    return images


def is_attachment_url(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(ATTACHMENT_EXTENSIONS)


def _attachments(
    boxes: list[_Element], body: _Element | None, skip: set[_Element], page_url: str
) -> list[dict[str, str]]:
    """The attachments: links inside the ``#articleFJ`` boxes (``boxes``, in document order)
    and links to files inside the body."""
    links: list[_Element] = []
    for box in boxes:
        links += (a for a in box.iterdescendants("a") if a.get("href") is not None)
    if len(boxes) > 1:  # one box inside another: each link once, as the page orders them
        links = list(dict.fromkeys(links))
    if body is not None:
        links += [a for a in body.iter("a") if a.get("href") and not any(is_inside(a, s) for s in skip)]
    attachments: list[dict[str, str]] = []
    seen: set[str] = set()
    # A link's URL is a file's only when its href names the file (or, with no path of its
    # own, the page's URL does): most links are done with before urljoin, which costs more.
    page_is_file: bool | None = None  # read at the first link that needs it
    for a in links:
        href = a.get("href", "").strip()
        lowered = href.lower()
        if not href or lowered.startswith(("javascript:", "mailto:", "#")):
            continue
        if not (any(ext in lowered for ext in ATTACHMENT_EXTENSIONS) or _is_ancestor_id(a, "articleFJ")):
            if page_is_file is None:
                page_is_file = is_attachment_url(page_url)
            if not page_is_file:
                continue
        url = urljoin(page_url, href)
        if url in seen or not (is_attachment_url(url) or _is_ancestor_id(a, "articleFJ")):
            continue
        seen.add(url)
        name = collapse_whitespace(text_of(a)) or a.get("title") or urlsplit(url).path.rsplit("/", 1)[-1]
        attachments.append({"url": url, "name": name})
    return attachments


def _is_ancestor_id(el: _Element, element_id: str) -> bool:
    return any(parent.get("id") == element_id for parent in el.iterancestors())


_TITLE_SEPARATOR = r"[\s\-_|｜–—:：·•]+"


@lru_cache(maxsize=256)  # a page's headlines and <title> are mostly one text
def strip_site_name(title: str, site_name: str | None) -> str:
    """The title without the site's name joined to it at either end, as templates fill
    ``ArticleTitle`` and ``<title>`` (保定市人民政府网——{标题}, {标题}_中华人民共和国生态环境部).

    >>> strip_site_name("保定市人民政府网——保定市统筹推动转型", "保定市人民政府网")
    '保定市统筹推动转型'
    >>> strip_site_name("保定市人民政府网工作年报", "保定市人民政府网")
    '保定市人民政府网工作年报'
    """
    if not site_name:
        return title
    for pattern in _site_name_joints(site_name):
        stripped = pattern.sub("", title)
        if stripped.strip():
            title = stripped
    return collapse_whitespace(title)


@lru_cache(maxsize=256)  # one site's name, or a few sites', for a whole crawl
def _site_name_joints(site_name: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The site's name joined to the start, and to the end, of a title."""
    site = re.escape(site_name)
    return re.compile(f"^{site}{_TITLE_SEPARATOR}"), re.compile(f"{_TITLE_SEPARATOR}{site}$")


@dataclass
class _Regions:
    """What the field readers share, read once: the body and what to skip in it, the
    text around it (the info bar), the credit lines moved out of it."""

    body: _Element | None
    body_found: bool
    body_selector: str
    skip: set[_Element]
    """Elements of the body that are no text: template widgets, a policy header."""
    lines: list[str]
    """The body's paragraphs, credit lines moved out."""
    info: dict[str, str]
    """The info bar's fields (outside the body)."""
    credits: dict[str, str]
    """The credit lines' fields (inside the body)."""
    header_lists: list[tuple[_Element, list[tuple[str, str]]]]
    label_openers: list[_Element]
    """The page's :func:`label_openers`."""


class _PageIndex:
    """What several readers look for in a page, found in one walk of its elements: each
    reader then looks at a few elements instead of walking the whole tree again (issue 12)."""

    def __init__(self, root: _Element) -> None:
        self.classed: list[_Element] = []
        """Elements whose class may hold a body token (:func:`find_body` decides)."""
        self.hidden: set[_Element] = set()
        """Elements hidden by their own attributes (:func:`~govnews.extract.blocks.is_hidden`)."""
        self.templated: list[_Element] = []
        """Browser-rendered elements (:func:`~govnews.extract.blocks.templated_elements`)."""
        self.metas: list[_Element] = []
        """``<meta name=…>`` tags."""
        self.scripts: list[_Element] = []
        self.attachment_boxes: list[_Element] = []
        """Elements ``id="articleFJ"``, the attachment list."""
        self.h1s: list[_Element] = []
        self.titles: list[_Element] = []
        """``<title>`` elements, the document's (as ``scripts``)."""
        self.title_named: list[_Element] = []
        """Elements whose class or id may name a title (:func:`~govnews.extract.title.headlines_of`)."""
        # A subtree's root may sit inside a hidden ancestor (find_body of a subtree).
        self.hidden.update(a for a in root.iterancestors() if is_hidden(a))
        # Tags, scripts and boxes are the document's; a broken page may hold elements beside
        # its root (a second <html>), which the walk of the root's tree does not reach.
        for other in reversed(list(root.itersiblings(etree.Element, preceding=True))):
            self._read_beside(other)
        for el in root.iter(etree.Element):
            names: list[str] = el.keys()  # type: ignore[assignment] # attribute names are str
            directive = titled = False
            for name in names:
                if name == "class":
                    classes = str(el.get("class"))
                    lowered = classes.lower()
                    if "view" in classes or "trs_" in lowered:
                        self.classed.append(el)
                    titled = titled or may_name_a_title(lowered)
                elif name in {"style", "hidden"}:
                    if is_hidden(el):
                        self.hidden.add(el)
                elif name == "id":
                    element_id = str(el.get("id"))
                    if element_id == "articleFJ":
                        self.attachment_boxes.append(el)
                    titled = titled or may_name_a_title(element_id.lower())
                elif name[0] in DIRECTIVE_FIRSTS and is_directive(name):
                    directive = True
            if titled:
                self.title_named.append(el)
            text = el.text
            # Most texts hold no placeholder's opener: no call for them.
            if directive or (text and ("{" in text or "<%" in text) and templated_by_text(el, text)):
                self.templated.append(el)
            tag = el.tag
            if tag == "meta":
                if "name" in names:
                    self.metas.append(el)
            elif tag == "script":
                self.scripts.append(el)
            elif tag == "h1":
                self.h1s.append(el)
            elif tag == "title":
                self.titles.append(el)
        for other in root.itersiblings(etree.Element):
            self._read_beside(other)

    def _read_beside(self, top: _Element) -> None:
        for el in top.iter(etree.Element):
            if el.get("id") == "articleFJ":
                self.attachment_boxes.append(el)
            if el.tag == "meta" and el.get("name") is not None:
                self.metas.append(el)
            elif el.tag == "script":
                self.scripts.append(el)
            elif el.tag == "title":
                self.titles.append(el)


def read_regions(root: _Element, index: _PageIndex | None = None) -> _Regions:
    """The body (a known container, else the density fallback), its widgets and header
    lists to skip, its lines, and the lines around it. ``index``: of ``root``, when
    already built."""
    if index is None:
        index = _PageIndex(root)
    body = find_body(root, index)
    body_found = body is not None
    body_selector = body_kind(body) if body is not None else "none"
    if body is None:
        body = fallback_body(root)
        body_selector = "fallback" if body is not None else "none"
    templated = index.templated
    skip: set[_Element] = set(template_widgets(body, templated)) if body is not None else set()
    openers = label_openers(root)
    lists = header_lists(root, openers)
    # A policy header inside the body is metadata, not text.
    skip.update(c for c, _ in lists if body is not None and is_inside(c, body))
    # Info bar and header live outside the body; widgets anywhere on the page are skipped.
    page_skip = set(template_widgets(root, templated))
    if body is not None:
        page_skip.add(body)
    # An editor line (【责任编辑：…】) is often the body's last line.
    lines, credits = split_credit_lines(visible_paragraphs(body, skip | index.hidden) if body is not None else [])
    return _Regions(
        body=body,
        body_found=body_found,
        body_selector=body_selector,
        skip=skip,
        lines=lines,
        info=read_info(visible_paragraphs(root, page_skip | index.hidden)),
        credits=credits,
        header_lists=lists,
        label_openers=openers,
    )


_CHILD_TEXTS = etree.XPath("text()", smart_strings=False)
# Each row's title suffix (govnews.sites.family): a name from the table names the site in
# any family page's title, whichever spider reads it.
FAMILY_TITLE_SUFFIXES: tuple[re.Pattern[str], ...] = tuple(dict.fromkeys(site.title_suffix for site in SITES))


@lru_cache(maxsize=1024)  # a site's pages name it with a few sets of names: their variants once each
def _site_names(names: tuple[str, ...], title_suffix_re: re.Pattern[str]) -> SiteNames:
    return SiteNames(
        names=names,
        suffixes=(title_suffix_re, *(s for s in FAMILY_TITLE_SUFFIXES if s is not title_suffix_re)),
    )


def read_title(
    root: _Element,
    meta: dict[str, str],
    title_suffix_re: re.Pattern[str],
    index: _PageIndex | None = None,
) -> tuple[str | None, str]:
    """The title and where it came from (:func:`~govnews.extract.title.choose_title`): the
    headline ``<title>`` holds (``ArticleTitle``, an ``<h1>``, an element styled as the
    title), else ``<title>`` without the parts naming the site: the ``SiteName``,
    ``ColumnName`` and ``SiteDomain`` tags, the site's suffix ``title_suffix_re`` and the
    family table's, or a portal's name by its shape. A ``SiteName`` joined to either end of
    any of them goes first. ``index``: of ``root``, when already built."""
    if index is None:
        index = _PageIndex(root)
    site_name = meta.get("SiteName")
    names = _site_names(
        tuple(v for v in (site_name, meta.get("ColumnName"), meta.get("SiteDomain")) if v), title_suffix_re
    )
    headlines = [(meta["ArticleTitle"], "meta ArticleTitle")] if meta.get("ArticleTitle") else []
    headlines += headlines_of(index.h1s, index.title_named, index.hidden)
    page_title = page_title_text(_child_texts(index.titles))
    return choose_title(
        strip_site_name(page_title, site_name),
        [(strip_site_name(text, site_name), source) for text, source in headlines],
        names,
    )


def read_dates(meta: dict[str, str], regions: _Regions) -> list[tuple[str, str]]:
    """The publish dates the page shows, best first: ``PubDate``, the info bar's 发布时间 and
    发布日期, then a date line inside the body (发布日期：… as its first line)."""
    raw = [
        ("meta", meta.get("PubDate")),
        ("page_text", regions.info.get("published")),
        ("page_text", regions.info.get("published_date")),
        ("page_text", regions.credits.get("published")),
        ("page_text", regions.credits.get("published_date")),
    ]
    return [(source, value) for source, value in raw if value]


def read_people(meta: dict[str, str], regions: _Regions) -> tuple[str | None, str | None, str | None]:
    """来源, 作者 and 责任编辑: the meta tags, the info bar and the body's credit lines, in the
    order each field trusts them."""
    info, credits = regions.info, regions.credits
    source = meta.get("ContentSource") or info.get("source") or credits.get("source")
    author = info.get("author") or credits.get("author") or meta.get("Author")
    editor = info.get("editor") or credits.get("editor")
    return source, author, editor


def _child_texts(elements: list[_Element]) -> Iterator[str]:
    """The text nodes of ``elements``, as ``//script/text()`` finds those of the scripts."""
    for el in elements:
        if len(el):
            yield from _CHILD_TEXTS(el)  # type: ignore[misc] # a list of str
        # No child (as scripts and titles have none): its one text node, when it has one, is
        # its text; read so, not by an XPath call, which costs more than the rest of the reading.
        elif el.text is not None:
            yield el.text


def read_more_pages(scripts: list[_Element], body: _Element | None, page_url: str) -> list[str]:
    """The later pages of a multi-page article (``createPageHTML(n, 0, "t…", "shtml")`` in
    the body's scripts, else in the page's ``scripts``)."""
    in_body = " ".join(text_of(script) for script in body.iter("script")) if body is not None else ""
    match = _ARTICLE_PAGER_RE.search(in_body or " ".join(_child_texts(scripts)))
    if not match:
        return []
    count, name, ext = int(match.group(1)), match.group(3), match.group(4)
    return [urljoin(page_url, f"{name}_{i}.{ext}") for i in range(1, min(count, 50))]


def parse_article_page(sel: Selector, page_url: str, title_suffix_re: re.Pattern[str]) -> ArticlePage:
    """Every field of one article page, each by its own reader."""
    root = sel.root
    assert isinstance(root, _Element)
    index = _PageIndex(root)
    meta = _meta_of(index.metas)
    regions = read_regions(root, index)
    body = regions.body
    title, title_from = read_title(root, meta, title_suffix_re, index)
    source, author, editor = read_people(meta, regions)
    # title_strip: no headline in <title>, so <title> less the site's parts is the title.
    fallbacks = [name for name, used in (("body", not regions.body_found), ("title", title_from != "meta ArticleTitle"),
                                         ("title_strip", title_from == "<title>")) if used]  # fmt: skip
    return ArticlePage(
        title=title,
        date_candidates=read_dates(meta, regions),
        source=source,
        author=author,
        editor=editor,
        paragraphs=regions.lines,
        images=_images(body, regions.skip, page_url) if body is not None else [],
        attachments=_attachments(index.attachment_boxes, body, regions.skip, page_url),
        meta={**meta, **read_policy_header(root, body, regions.header_lists, regions.label_openers, index.metas)},
        body_found=regions.body_found,
        body_selector=regions.body_selector,
        title_from=title_from,
        more_pages=read_more_pages(index.scripts, body, page_url),
        fallbacks=fallbacks,
        body_container=describe_container(body) if body is not None else "none",
    )
