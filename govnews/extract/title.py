"""An article's title: the page's own headline when its ``<title>`` holds it, else the
``<title>`` without the parts that name the site (docs/site.md, "Title").

Pages say the title up to three times: the ``ArticleTitle`` tag, the visible headline (an
``<h1>``, or an element the template styles as the title: ``<div class="detail-title">``),
and ``<title>``, which templates write as the headline joined to the site's name:
``标题_江汉区人民政府``, ``标题 - 武汉市人民政府门户网站``, ``保定市人民政府网——标题``. A
headline is the title when ``<title>`` holds it, so nothing of it is ever cut, dashes and
``——`` subtitles included. Only a page whose ``<title>`` holds no headline has its
``<title>`` cut: a part after a separator is cut when it names the site (or the column),
the last part first, while the next part does too.

Pure functions on text, and one reader of an lxml tree's elements (:func:`headlines_of`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from lxml.etree import _Element

from govnews.extract.blocks import SKIP_TAGS, TEMPLATE_TEXT_RE, visible_paragraphs
from govnews.text import collapse_whitespace

# Where a template joins the headline and the site's name: _ - – — —— | ｜ (and runs of
# them: --), with or without spaces around.
SEPARATOR_RE = re.compile(r"\s*(?:[-－–]+|[—―]+|[_|｜]+)\s*")
# Two em dashes (破折号) open a subtitle as often as they join a site's name
# (标题——访江汉区人民政府): after them only a name the site is known by is cut.
_SUBTITLE_DASH_RE = re.compile(r"[—―]{2,}")

# What a site's name ends with, cut to compare a name with the names a site is known by
# (江汉区人民政府网站 is 江汉区 as the table knows it).
_NAME_ENDING_RE = re.compile(r"(?:人民政府|政府|管委会|管理委员会)?(?:门户网站|门户网|政务网|网站|网)?$")
# A province and a city before a name (武汉市江汉区 is 江汉区). Their names are two characters
# (湖北, 武汉): 访江汉区 and 访武汉市统计局 (a subtitle) keep their 访.
_HIGHER_PLACE_RE = re.compile(
    r"^(?:中华人民共和国|中国|[\u4e00-\u9fff]{2}省|[\u4e00-\u9fff]{2,5}自治区)?(?:[\u4e00-\u9fff]{2}市)?"
)
# A word of a name: a CJK character, never 的 or 于 (关于成立某某管理委员会 is a headline).
_W = r"(?:(?![的于])[\u4e00-\u9fff])"
# The shape of a portal's name, whoever it is (compared without spaces, NFKC).
_PORTAL_RE = re.compile(
    rf"^(?:{_W}{{2,20}}?(?:人民政府|管委会|管理委员会)"
    rf"|{_W}{{0,20}}?(?:省|市|区|县|州|旗|盟|镇|乡)政府"
    rf"|{_W}{{0,20}}?(?:省|市|区|县|州){_W}{{1,12}}?(?:局|委员会|厅|办公室)"
    rf"|(?:中华人民共和国|国家){_W}{{1,12}}?(?:部|委员会|局|署))"
    r"(?:门户网站|门户网|政务网|网站|网)?$"
    rf"|^{_W}{{2,20}}?(?:门户网站|门户网|政府网|政务网)$"
)
# Names whose ending leaves no doubt (a subtitle never ends so): cut even after ——.
_STRONG_PORTAL_RE = re.compile(rf"^{_W}{{2,20}}?(?:门户网站|门户网|政府网|政府网站|政务网)$")

# How titles are compared: NFKC, case-folded, without spaces, every dash one dash, curly
# quotes straight (an <h1> and a <title> of one page differ in such things).
_FOLDED = {
    **dict.fromkeys("‐‑‒–—―−－﹘﹣", "-"),
    **dict.fromkeys("“”„‟＂", '"'),
    **dict.fromkeys("‘’‚‛＇", "'"),
    **dict.fromkeys("•‧∙・", "·"),
    "…": "...",
}
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")
# No site's name is longer (中华人民共和国国家发展和改革委员会门户网站 is 22).
_NAME_MAX = 32
# A truncated <title> (标题前半…) still holds a headline this long at least.
_TRUNCATED_MIN = 6


def _keyed(text: str) -> tuple[str, list[int]]:
    """``text`` as titles are compared (:func:`title_key`), and for each character of it the
    index of the character of ``text`` it comes from."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold(ch)
        chars.append(folded)
        if len(folded) == 1:  # most characters: no list made
            origin.append(i)
        else:
            origin += [i] * len(folded)
    return "".join(chars), origin


@lru_cache(maxsize=1 << 16)  # a page's titles are written with a few thousand characters at most
def _fold(ch: str) -> str:
    """What the character ``ch`` is in a title's key (:func:`_keyed`): ``""`` for a space or an
    invisible one. Kept for each character, as NFKC costs more than the rest of the keying."""
    if ch.isspace() or ch in _INVISIBLE:
        return ""
    folded = _FOLDED.get(ch)
    if folded is None:
        folded = ch.lower() if ch.isascii() else unicodedata.normalize("NFKC", ch).casefold()
    return "".join(_FOLDED.get(out, out) for out in folded if not out.isspace())


@lru_cache(maxsize=4096)  # a site's names recur on every page
def title_key(text: str) -> str:
    """``text`` as titles are compared: NFKC, case-folded, without spaces, one dash, straight quotes.

    >>> title_key("标题 ——副标题｜ＡＢＣ　“引”") == title_key("标题--副标题|abc\\"引\\"")
    True
    """
    return _keyed(text)[0]


@lru_cache(maxsize=4096)
def _name_variants(name: str) -> frozenset[str]:
    """``name`` as compared (:func:`title_key`), without its ending (人民政府, 门户网站 …),
    without a province and city before it, and without both: the forms one site's name takes."""
    text = title_key(name)
    core = _NAME_ENDING_RE.sub("", text)
    variants = {text, core, _HIGHER_PLACE_RE.sub("", text), _HIGHER_PLACE_RE.sub("", core)}
    return frozenset(v for v in variants if len(v) >= 2)  # 市 alone names nothing


@dataclass(frozen=True)
class SiteNames:
    """The names that name the site (or the column) in its titles: names the page gives
    (``SiteName``, ``ColumnName``, ``SiteDomain``) and the title suffixes of the family table
    (each a pattern matching ``<separator><name>`` at the end of a title)."""

    names: tuple[str, ...] = ()
    suffixes: tuple[re.Pattern[str], ...] = ()

    def known(self, text: str) -> bool:
        """``text`` is one of the names, or one of them in another form (without or with an
        ending such as 人民政府 or 门户网站, with or without the city before it).

        >>> names = SiteNames(("江汉区人民政府门户网站",))
        >>> [names.known(t) for t in ("江汉区人民政府", "武汉市江汉区政府网", "访江汉区人民政府", "武昌区人民政府")]
        [True, True, False, False]
        >>> bureau = SiteNames(("武汉市统计局",))
        >>> bureau.known("统计局网站"), bureau.known("湖北省武汉市统计局"), bureau.known("访武汉市统计局")
        (True, True, False)
        """
        variants = _name_variants(text)
        if not variants:
            return False
        if variants & self._variants:
            return True
        suffixes = self._suffixes
        return suffixes is not None and any(_suffix_names(suffixes, form) for form in {text, *variants})

    @cached_property
    def _variants(self) -> frozenset[str]:
        return frozenset().union(*(_name_variants(name) for name in self.names if name))

    @property
    def _suffixes(self) -> re.Pattern[str] | None:
        """The suffixes as one pattern (each ``<separator><names>$``)."""
        return _one_pattern(self.suffixes) if self.suffixes else None


@lru_cache(maxsize=64)  # one site's, or a few sites', for a whole crawl
def _one_pattern(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p.pattern})" for p in patterns))


@lru_cache(maxsize=4096)
def _suffix_names(pattern: re.Pattern[str], name: str) -> bool:
    """``pattern`` (``<separator><names>$``) matches ``name`` as the whole tail."""
    match = pattern.search("-" + name)
    return match is not None and match.start() == 0


# A page asks of one text several times (its ArticleTitle, <h1> and <title> are mostly one
# headline), and every page of a site of the same names.
@lru_cache(maxsize=256)
def names_site(text: str, names: SiteNames = SiteNames(), *, after_subtitle_dash: bool = False) -> bool:
    """``text`` names the site: a name the site is known by (:meth:`SiteNames.known`), or a
    portal's name by its shape (ending in 人民政府, 政府网, 门户网站, 管委会, a bureau's 局 …).
    ``after_subtitle_dash``: ``text`` follows ——, where only a known name or an ending that
    leaves no doubt counts (——访江汉区人民政府 is a subtitle).

    >>> portals = ("江汉区人民政府", "武昌区政府网", "东湖高新区管委会", "武汉市统计局", "中华人民共和国生态环境部")
    >>> [names_site(t) for t in portals]
    [True, True, True, True, True]
    >>> [names_site(t) for t in ("江汉区", "3月工作综述", "关于成立某某管理委员会", "数字政府")]
    [False, False, False, False]
    >>> names_site("访江汉区人民政府", after_subtitle_dash=True), names_site("江汉区门户网站", after_subtitle_dash=True)
    (False, True)
    >>> names_site("江汉区", SiteNames(("江汉区人民政府门户网站",)), after_subtitle_dash=True)
    True
    """
    key = title_key(text)
    if not key or len(key) > _NAME_MAX:
        return False
    if names.known(text):
        return True
    return bool((_STRONG_PORTAL_RE if after_subtitle_dash else _PORTAL_RE).match(key))


def strip_site_parts(title: str, names: SiteNames = SiteNames()) -> str:
    """``title`` without the parts after a separator that name the site or the column, the
    last part first while the next one does too; a part that names nothing stays, and so does
    all before it.

    >>> strip_site_parts("标题_江汉区人民政府"), strip_site_parts("标题–副标题 - 东湖高新区管委会")
    ('标题', '标题–副标题')
    >>> strip_site_parts("标题——访江汉区人民政府"), strip_site_parts("1-8月全市经济运行情况")
    ('标题——访江汉区人民政府', '1-8月全市经济运行情况')
    >>> column_and_site = SiteNames(("通知公告", "江汉区"))
    >>> strip_site_parts(" - 武汉市人民政府门户网站"), strip_site_parts("标题_通知公告_江汉区", column_and_site)
    ('', '标题')
    """
    text = collapse_whitespace(title)
    while text:
        last = None
        for last in SEPARATOR_RE.finditer(text):  # noqa: B007 - the last one is wanted
            pass
        if last is None:
            break
        tail = text[last.end() :]
        if tail and not names_site(tail, names, after_subtitle_dash=bool(_SUBTITLE_DASH_RE.search(last.group()))):
            break
        text = text[: last.start()]
    return text


def _is_title_less_site(headline_key: str, core_key: str) -> bool:
    """The headline is ``<title>`` without the site's parts (``core_key``), or their
    truncation (标题前…)."""
    if headline_key == core_key:
        return True
    stem = core_key.rstrip(".")
    return stem != core_key and len(stem) >= _TRUNCATED_MIN and headline_key.startswith(stem)


def _opens_or_closes(headline_key: str, title: str, title_keyed: tuple[str, list[int]], names: SiteNames) -> bool:
    """The headline opens ``<title>`` (``title``, and its key with origins) up to a space or
    separator, or closes it after a part that names the site (保定市人民政府网——标题)."""
    key, origin = title_keyed
    n = len(headline_key)
    if n < len(key) and key.startswith(headline_key) and origin[n] != origin[n - 1]:
        rest = title[origin[n - 1] + 1 :]
        if rest[:1].isspace() or SEPARATOR_RE.match(rest):
            return True
    if n < len(key) and key.endswith(headline_key) and origin[-n] != origin[-n - 1]:
        head = title[: origin[-n]]
        joint = re.search(SEPARATOR_RE.pattern + "$", head)
        if joint is not None and names_site(head[: joint.start()], names):
            return True
    return False


def choose_title(
    page_title: str | None, headlines: Sequence[tuple[str, str]], names: SiteNames = SiteNames()
) -> tuple[str | None, str]:
    """The title and where it came from. ``headlines``: ``(text, source)`` of what the page
    gives as its headline, best first (``ArticleTitle``, ``<h1>``, styled title elements).

    The headline ``<title>`` holds wins: the one that is ``<title>`` without the site's
    parts, else the longest that opens it (or closes it after the site's name). A headline
    that is only a site's name (a logo in an ``<h1>``) is none. When ``<title>`` holds no
    headline, ``<title>`` without the site's parts (:func:`strip_site_parts`), source
    ``<title>``; when that leaves nothing, ``ArticleTitle`` or the first ``<h1>``.

    >>> choose_title("标题——访江汉区人民政府_江汉区人民政府", [("标题——访江汉区人民政府", "<h1>")])
    ('标题——访江汉区人民政府', '<h1>')
    >>> choose_title("标题 | 江汉区门户", [("江汉区人民政府", "<h1>"), ("标题", "headline")])
    ('标题', 'headline')
    >>> choose_title("标题 ｜ 江岸区人民政府", []), choose_title("江汉区人民政府", [("标题", "<h1>")])
    (('标题', '<title>'), ('标题', '<h1>'))
    >>> choose_title(None, []), choose_title("- 武汉市人民政府门户网站", [("附件：", "headline")])
    ((None, 'none'), (None, 'none'))
    """
    title = collapse_whitespace(page_title or "")
    core = strip_site_parts(title, names) if title else ""
    if core and names_site(core, names):
        core = ""  # a <title> that only names the site
    candidates = [(text, source) for text, source in headlines if text and not names_site(text, names)]
    if title:
        core_key = title_key(core)
        keyed: tuple[str, list[int]] | None = None
        longest: tuple[int, str, str] | None = None
        for text, source in candidates:
            headline_key = title_key(text)
            if not headline_key:
                continue
            if _is_title_less_site(headline_key, core_key):
                return text, source
            keyed = keyed or _keyed(title)
            if (longest is None or len(headline_key) > longest[0]) and _opens_or_closes(
                headline_key, title, keyed, names
            ):
                longest = (len(headline_key), text, source)
        if longest is not None:
            return longest[1], longest[2]
    if core:
        return core, "<title>"
    for text, source in candidates:
        if source in ("meta ArticleTitle", "<h1>"):
            return text, source
    return None, "none"


# -- the page's headline elements ------------------------------------------------------------

# A word of a class or id naming a title: title, tit, bt (标题), biaoti, headline, alone or joined
# (article-title, detailTitle, xlbt, con_title).
_TOKEN_SPLIT_RE = re.compile(r"[\s_\-.]+|(?<=[a-z])(?=[A-Z])")
_TITLE_TOKEN_RE = re.compile(
    r"^(?:[a-z]{0,12}(?:title|tit|bt|biaoti|headline)|(?:title|tit|biaoti|headline)[a-z]{0,4})\d*$"
)
# Where a page's chrome keeps headings that are not the article's: navigation, logo,
# sidebars, related and hot lists, the footer.
_CHROME_TAGS = frozenset({"a", "nav", "aside", "footer", "option", "select", "button", "marquee"})
_CHROME_TOKENS = frozenset(
    {
        "nav", "navbar", "menu", "sidebar", "side", "aside", "footer", "foot", "logo", "share",
        "breadcrumb", "crumb", "position", "location", "related", "relate", "xgwz", "xgxx", "xglj",
        "hot", "hotnews", "rank", "ranking", "links", "friendlink",
    }
)  # fmt: skip
_HEADLINE_MAX = 200
_CANDIDATES_MAX = 30


def _words(el: _Element) -> str:
    """The element's class and id, as one text."""
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _split_words(words: str) -> list[str]:
    """``words`` (:func:`_words`) as lower-case tokens (``newsTitle`` → ``news``, ``title``)."""
    return [token.lower() for token in _TOKEN_SPLIT_RE.split(words) if token]


def _tokens(el: _Element) -> list[str]:
    return _split_words(_words(el))


# Any of the chrome's words, inside a longer one too: the cheap test before the split.
_CHROME_HINT_RE = re.compile("|".join(sorted(_CHROME_TOKENS, key=len, reverse=True)))


def _in_chrome(el: _Element) -> bool:
    for node in (el, *el.iterancestors()):
        if node.tag in _CHROME_TAGS:
            return True
        if _names_chrome(_words(node)):
            return True
    return False


@lru_cache(maxsize=4096)  # a site's templates repeat their classes and ids on every page
def _names_chrome(words: str) -> bool:
    """``words`` (an element's :func:`_words`) hold a word of the chrome's."""
    return bool(_CHROME_HINT_RE.search(words.lower())) and not _CHROME_TOKENS.isdisjoint(_split_words(words))


def headlines_of(
    h1s: Iterable[_Element], named: Iterable[_Element], hidden: set[_Element] | frozenset[_Element] = frozenset()
) -> list[tuple[str, str]]:
    """``(text, source)`` of the elements that may hold the page's headline: visible ``<h1>``s of
    ``h1s`` (source ``<h1>``), then elements of ``named`` the page styles as its title
    (``headline``), each in document order, none in the page's chrome (navigation, logo,
    sidebars, related lists, footer). ``named``: the page's elements whose class or id may name
    a title (:func:`may_name_a_title`; a superset will do); ``hidden``: its hidden elements.
    Which one is the headline is :func:`choose_title`'s to say: only one ``<title>`` holds.

    >>> from lxml import html
    >>> page = html.fromstring('<html><body><div class="logo"><h1>江汉区</h1></div>'
    ...     '<div class="detail-title"><h2>标题<br>副标题</h2></div><h1>正文标题</h1>'
    ...     '<ul class="related"><li class="title">别的</li></ul></body></html>')
    >>> headlines_of(page.iter("h1"), page.iter())
    [('正文标题', '<h1>'), ('标题 副标题', 'headline')]
    """
    found: list[tuple[str, str]] = []
    styled = [el for el in named if el.tag != "h1" and _names_a_title(el)]
    for el, source in [*((el, "<h1>") for el in h1s), *((el, "headline") for el in styled)]:
        if hidden and any(node in hidden for node in (el, *el.iterancestors())):
            continue
        if _in_chrome(el):
            continue
        text = collapse_whitespace(TEMPLATE_TEXT_RE.sub("", " ".join(visible_paragraphs(el, hidden))))
        if text and len(text) <= _HEADLINE_MAX:
            found.append((text, source))
            if len(found) >= _CANDIDATES_MAX:
                break
    return found


def may_name_a_title(words: str) -> bool:
    """A class or id value (lower-cased) that may hold a word naming a title: the cheap test
    before :func:`headlines_of` splits it into words."""
    return "tit" in words or "bt" in words or "biaoti" in words or "headline" in words


def _names_a_title(el: _Element) -> bool:
    tag = el.tag
    if not isinstance(tag, str) or tag in SKIP_TAGS or tag in ("title", "html", "head", "body"):
        return False
    if not may_name_a_title(f"{el.get('class') or ''} {el.get('id') or ''}".lower()):
        return False
    return any(_TITLE_TOKEN_RE.match(token) for token in _tokens(el))


def page_title_text(texts: Iterable[str]) -> str:
    """The first ``<title>``'s text, template placeholders taken out."""
    for text in texts:
        return collapse_whitespace(TEMPLATE_TEXT_RE.sub("", text))
    return ""
