"""Pure text functions: no Scrapy import, usable on their own.

>>> collapse_whitespace("\u3000\u3000武汉\xa0 要闻 \\n")
'武汉 要闻'

The cleaning the pipelines apply, in two calls:

>>> lines = ["标题", "正文,第一段。", "正文，第一段。", "一周热门", "- {{index+1}}{{item.title}}"]
>>> stripped, placeholders = clean_template_paragraphs(lines)
>>> kept, duplicates, digest = dedupe_article(stripped, title="标题")
>>> kept, duplicates, placeholders
(['正文,第一段。'], 2, 2)
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping

__all__ = [
    "INVISIBLE_CHARACTERS",
    "article_content_hash",
    "clean_template_paragraphs",
    "collapse_whitespace",
    "dedupe_article",
    "has_control_characters",
    "is_residue_only",
    "normalize_for_comparison",
    "strip_control_characters",
    "strip_template_residue",
    "without_control_characters",
]


# What two copies of one paragraph may differ by and still be the same text, besides
# whitespace of every kind: characters that render as nothing (zero-width space and
# joiners, word joiner, BOM, soft hyphen).
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH_RE = re.compile(f"[{_ZERO_WIDTH}]")

# Client-side template markup that the page's JavaScript never filled in. Complete
# constructs come first in the alternation so that they win over the bare tokens
# that follow; a bare token is an opener or closer left without its partner, and it
# goes too so that no template syntax at all survives. Constructs may span lines,
# but never across another opener of their own kind, so one stray ``{{`` cannot
# swallow the text up to a later placeholder.
_TEMPLATE_RE = re.compile(
    r"""
      \{\{\{(?:(?!\{\{).)*?\}\}\}           # {{{ raw }}} (handlebars)
    | \{\{(?:(?!\{\{).)*?\}\}               # {{ x }} {{#each}} {{/if}} {{# laytpl }}
    | \{%(?:(?!\{%).)*?%\}                  # {% jinja / liquid / twig %}
    | \{\#(?:(?!\{\#).)*?\#\}               # {# jinja comment #}
    | <%(?:(?!<%).)*?%>                     # <% ejs / erb / jsp %>, <%= x %>, <%- x %>
    | \$\{(?:[^{}]|\{[^{}]*\})*\}           # ${ es6 / freemarker }, one level of {} inside
    | \{\{ | \}\} | \{% | %\} | <% | %> | \$\{   # unterminated leftovers
    """,
    re.VERBOSE | re.DOTALL,
)

# A Unicode letter (CJK included): what a line needs to be more than residue.
_LETTER_RE = re.compile(r"[^\W\d_]")

# Sentence punctuation: a line that has it is prose, not a widget label.
# The colon is absent on purpose: "相关阅读：" is a label.
_SENTENCE_PUNCT_RE = re.compile(r"[。！？；，,.!?;…]")

_LABEL_MAX_CHARS = 12

# Full NFKC costs ~10 µs on a Chinese paragraph as soon as it holds one full-width
# comma; these, mapped first by str.replace, usually leave text NFKC already, which
# is checked in ~0.1 µs. Each pair is (c, NFKC(c)), so the result is NFKC(text) all
# the same.
_COMMON_COMPAT = tuple(
    (char, unicodedata.normalize("NFKC", char)) for char in "，（）：；！？％＋－／＜＞＝［］｛｝＂＇\u3000"
)


def collapse_whitespace(text: str) -> str:
    """Trim whitespace of every kind at the ends and collapse runs of it inside to one space.

    Every kind a government page uses for indentation and layout: ASCII, NBSP
    (&nbsp;), ideographic space (U+3000), the other Unicode spaces, and U+FEFF.
    """
    # str.split() splits on what the regex ``\s`` matches (all of the above but
    # U+FEFF) and is three times faster than a substitution.
    if "\ufeff" in text:
        text = text.replace("\ufeff", " ")
    return " ".join(text.split())


# Characters no text field may hold (the text-hygiene pipeline): C0 controls
# (U+0000-U+001F), DEL, C1 controls (U+0080-U+009F), and the zero-width space, joiners,
# word joiner and BOM (U+200B-U+200D, U+2060, U+FEFF).
INVISIBLE_CHARACTERS = frozenset(
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
)
# Of those, the ones that separate words (tab, line feed, vertical tab, form feed, carriage
# return, the information separators U+001C-U+001F, next line U+0085): each becomes a space.
_SEPARATING_CONTROLS = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85")
_INVISIBLE_TABLE = {ord(c): (" " if c in _SEPARATING_CONTROLS else None) for c in INVISIBLE_CHARACTERS}
_INVISIBLE_RE = re.compile("[" + re.escape("".join(sorted(INVISIBLE_CHARACTERS))) + "]")


def strip_control_characters(text: str) -> tuple[str, int]:
    r"""Remove control and zero-width characters; return the text and how many went.

    A character that separates words (tab, newline, carriage return, …) becomes a space,
    so that words on two lines are never glued; every other one is removed. Nothing
    else changes: all other characters stay, in order.

    >>> strip_control_characters("正文中\x07有\x1b控制\u200b字符")
    ('正文中有控制字符', 3)
    >>> strip_control_characters("Wuhan\tgovernment\r\nnews\x00")
    ('Wuhan government  news', 4)
    >>> strip_control_characters("无需清理的文字 ok")
    ('无需清理的文字 ok', 0)
    """
    found = len(_INVISIBLE_RE.findall(text))
    if not found:
        return text, 0
    return text.translate(_INVISIBLE_TABLE), found


def has_control_characters(texts: Iterable[str]) -> bool:
    """Whether any of ``texts`` holds a character :func:`strip_control_characters` removes:
    one search over them all.

    >>> has_control_characters(["标题", "正文\u200b"]), has_control_characters(["标题", "正文"])
    (True, False)
    """
    return _INVISIBLE_RE.search(" ".join(texts)) is not None


def without_control_characters(text: str) -> tuple[str, int]:
    r""":func:`strip_control_characters` for a one-line field (title, paragraph, name):
    where anything went, whitespace is collapsed as well.

    >>> without_control_characters("第一行\n\t第二行\u200b ")
    ('第一行 第二行', 3)
    """
    stripped, found = strip_control_characters(text)
    return (collapse_whitespace(stripped), found) if found else (text, 0)


def normalize_for_comparison(text: str) -> str:
    """The form in which two paragraphs are compared: equal forms mean the same text.

    HTML entities decoded, Unicode NFKC (full- and half-width alike), whitespace of
    every kind and zero-width characters removed. Not for display.

    >>> normalize_for_comparison("会议，（一）\u3000要求")
    '会议,(一)要求'
    >>> normalize_for_comparison("a&nbsp;b&amp;c\u200b") == normalize_for_comparison("a b&c")
    True
    >>> normalize_for_comparison("ＡＢＣ１２３")
    'ABC123'
    """
    if "&" in text:
        text = html.unescape(text)
    # "".join(split()) drops exactly what ``\s`` matches, faster than a regex.
    text = "".join(_nfkc(text).split())
    return _ZERO_WIDTH_RE.sub("", text) if _ZERO_WIDTH_RE.search(text) else text


def _nfkc(text: str) -> str:
    if unicodedata.is_normalized("NFKC", text):
        return text
    for char, replacement in _COMMON_COMPAT:
        if char in text:
            text = text.replace(char, replacement)
    if unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


def strip_template_residue(text: str) -> tuple[str, int]:
    """Remove unrendered template markup; return the text, whitespace collapsed, and
    how many placeholders went.

    Handled: ``{{ … }}`` in its dialects (mustache, handlebars, Vue, Angular, layui
    laytpl), ``{% … %}``, ``{# … #}``, ``<% … %>`` / ``<%= … %>``, ``${ … }``; and any
    of the tokens ``{{ }} {% %} <% %> ${`` left without a partner (each counts as one).
    Ordinary braces, brackets, ``$`` and ``%`` stay.

    >>> strip_template_residue("- {{index+1}}{{item.title}}")
    ('-', 2)
    >>> strip_template_residue("浏览次数：{{ d.count }}次")
    ('浏览次数：次', 1)
    >>> strip_template_residue("{{#each list}}\\n  {{this}}\\n{{/each}}")
    ('', 3)
    >>> strip_template_residue("<%= item.time %> 发布 ${ date }")
    ('发布', 2)
    >>> strip_template_residue("集合{1,2,3}，【责任编辑】（一）增长5%，价格$5")
    ('集合{1,2,3}，【责任编辑】（一）增长5%，价格$5', 0)
    >>> strip_template_residue("未闭合 {{ item.title")
    ('未闭合 item.title', 1)
    """
    if "{" not in text and "}" not in text and "%" not in text:
        return collapse_whitespace(text), 0
    removed = 0
    # Removing one token can bring two halves of another together ("{${{" -> "{{"),
    # so repeat until nothing matches; each round shortens the text.
    while True:
        text, n = _TEMPLATE_RE.subn("", text)
        if not n:
            break
        removed += n
    return collapse_whitespace(text), removed


def _has_letter(text: str) -> bool:
    return _LETTER_RE.search(text) is not None


def is_residue_only(text: str) -> bool:
    """True if the text is template residue and nothing more: once the placeholders
    are gone, no letter is left (only punctuation, digits, whitespace, or nothing).

    >>> is_residue_only("- {{index+1}}{{item.title}}")
    True
    >>> is_residue_only("{{ d.count }}")
    True
    >>> is_residue_only("浏览次数：{{ d.count }}")
    False
    >>> is_residue_only("——")
    False
    """
    stripped, removed = strip_template_residue(text)
    return removed > 0 and not _has_letter(stripped)


def _looks_like_label(text: str) -> bool:
    return len(text) <= _LABEL_MAX_CHARS and _SENTENCE_PUNCT_RE.search(text) is None


def clean_template_paragraphs(paragraphs: Iterable[str]) -> tuple[list[str], int]:
    """Strip template residue from each paragraph; return the paragraphs left and
    the number of placeholders removed.

    Dropped: a paragraph left empty; a paragraph that was residue and nothing more
    (see :func:`is_residue_only`); and the label of a template widget, a short line
    without sentence punctuation directly followed by residue-only lines. Every
    paragraph kept has its whitespace collapsed.

    >>> clean_template_paragraphs(["正文。", "一周热门", "- {{index+1}}{{item.title}}", "  "])
    (['正文。'], 2)
    >>> clean_template_paragraphs(["（一）", "总体要求：{{x}}不变。"])
    (['（一）', '总体要求：不变。'], 1)
    >>> clean_template_paragraphs(["——", "集合{1,2,3}"])
    (['——', '集合{1,2,3}'], 0)
    """
    kept: list[str] = []
    removed = 0
    # True while kept[-1] is directly before the current line (blank lines between
    # don't count): only then can a residue-only line make it a widget label.
    label_slot = False
    for paragraph in paragraphs:
        text, n = strip_template_residue(paragraph)
        if n:
            removed += n
            if is_residue_only(paragraph):
                if label_slot and _looks_like_label(kept[-1]):
                    kept.pop()
                label_slot = False
                continue
        if not text:
            continue
        kept.append(text)
        label_slot = True
    return kept, removed


def _dedupe(
    paragraphs: Iterable[str], also_seen: Iterable[str], normalized: bool = False
) -> tuple[list[str], list[str], int]:
    """Kept paragraphs, their comparison forms, how many went; ``normalized``: ``also_seen``
    is in comparison form already."""
    seen = {key for key in (also_seen if normalized else map(normalize_for_comparison, also_seen)) if key}
    kept: list[str] = []
    keys: list[str] = []
    dropped = 0
    for paragraph in paragraphs:
        key = normalize_for_comparison(paragraph)
        if key in seen:
            dropped += 1
            continue
        seen.add(key)
        kept.append(paragraph)
        keys.append(key)
    return kept, keys, dropped


def _hash_keys(keys: Iterable[str]) -> str:
    # Keys hold no whitespace, so "\n" cannot occur inside one: the join is unambiguous.
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def _attachment_key(attachment: Mapping[str, object]) -> str:
    key = f"a:{normalize_for_comparison(str(attachment.get('name') or ''))}|{_file_name(attachment.get('url'))}"
    checksum = attachment.get("sha256")
    return f"{key}|{checksum}" if checksum else key


def _file_name(url: object) -> str:
    return str(url or "").split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def dedupe_article(
    paragraphs: Iterable[str],
    title: str,
    attachments: Iterable[Mapping[str, object]] = (),
    images: Iterable[Mapping[str, object]] = (),
) -> tuple[list[str], int, str]:
    """Drop each paragraph equal (see :func:`normalize_for_comparison`) to an earlier one or to
    ``title``; return the paragraphs kept, how many went, and :func:`article_content_hash` of
    what is kept, each paragraph brought to its comparison form once. No state outlives the call.

    >>> kept, dropped, digest = dedupe_article(["通知", "甲", "甲，", "甲,"], "通知")
    >>> kept, dropped, digest == article_content_hash("通知", ["甲", "甲，"])
    (['甲', '甲，'], 2, True)
    """
    title_key = normalize_for_comparison(title)
    kept, keys, dropped = _dedupe(paragraphs, (title_key,), normalized=True)
    return kept, dropped, _hash_keys(_article_keys(title_key, keys, attachments, images))


def article_content_hash(
    title: str,
    paragraphs: Iterable[str],
    attachments: Iterable[Mapping[str, object]] = (),
    images: Iterable[Mapping[str, object]] = (),
) -> str:
    """SHA-256 (hex) of what an article says: its title, paragraphs, attachments (name,
    file name and, once the file was downloaded, the SHA-256 of its bytes) and images (file
    name), each in its comparison form. Two notices whose whole body is 详见附件。 differ by
    title and attachments; a repost of an article in another column (same text and files,
    another URL) hashes the same. File names, not URLs: a repost's relative links resolve
    under another column. A file replaced under the same URL changes the hash, once its
    new checksum is known; an attachment without ``sha256`` hashes as before downloads.

    >>> a = article_content_hash("通知", ["详见附件。"], [{"url": "./P1.pdf", "name": "甲.pdf"}])
    >>> a == article_content_hash("通知", ["详见附件。"], [{"url": "/x/P1.pdf", "name": "甲.pdf"}])
    True
    >>> a == article_content_hash("通知", ["详见附件。"], [{"url": "./P2.pdf", "name": "乙.pdf"}])
    False
    >>> file = {"url": "./P1.pdf", "name": "甲.pdf"}
    >>> b = article_content_hash("通知", ["详见附件。"], [{**file, "sha256": "ab" * 32}])
    >>> a == b, a == article_content_hash("通知", ["详见附件。"], [{**file, "sha256": None}])
    (False, True)
    """
    keys = map(normalize_for_comparison, paragraphs)
    return _hash_keys(_article_keys(normalize_for_comparison(title), keys, attachments, images))


def _article_keys(
    title_key: str,
    paragraph_keys: Iterable[str],
    attachments: Iterable[Mapping[str, object]],
    images: Iterable[Mapping[str, object]],
) -> list[str]:
    """The lines :func:`article_content_hash` hashes, the title and paragraphs already in
    their comparison form."""
    return [
        "title:" + title_key,
        *("p:" + key for key in paragraph_keys),
        *(_attachment_key(a) for a in attachments),
        *(f"i:{_file_name(i.get('url'))}" for i in images),
    ]
