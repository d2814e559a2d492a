r"""Text as the document has it, in one form, and the rules that make a document's lines
text a person can search and quote.

The form every reader returns: a paragraph a line (``\n``); a table row a line, its cells
apart by a tab; pages apart by a form feed (``\f``, as ``pdftotext`` writes them), exactly
one fewer than the pages, a page without text being an empty string between two; no
control characters, no trailing spaces, at most one blank line in a row.

>>> tidy("第一行\r\n第二行  \r\r\n\n\n\n第三行\x00\x07")
'第一行\n第二行\n\n第三行'
>>> tidy("\ufeff  \n 缩进保留\t表格\n")
' 缩进保留\t表格'
>>> tidy(" \n\x0c\n")
''
>>> join_pages(["第一页", "", "  第三页\n"])
'第一页\x0c\x0c  第三页'

Lines of one paragraph join by CJK rules: no space where either side is Chinese, one space
between Latin words (:func:`join_lines`). A space that a layout put between a Chinese
character and a digit or Latin letter is not text (:func:`drop_layout_spaces`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["cap_text", "drop_layout_spaces", "is_cjk", "join_lines", "join_pages", "tidy"]

_LINE_BREAK_RE = re.compile(r"\r\n|[\r\x0b\x85\u2028\u2029]")
# C0 and C1 controls but tab, newline and form feed; BOM and the noncharacters PDFium emits
# for soft hyphens and unmapped glyphs.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")
# Trailing spaces, not tabs: a tab ends an empty cell of a table row.
_TRAILING_SPACE_RE = re.compile(r"[ \u3000\xa0]+$", re.MULTILINE)
_BLANK_LINES_RE = re.compile(r"\n{3,}")
PAGE_BREAK = "\f"


def tidy(text: str) -> str:
    r"""One page's text (or a document's without pages): line breaks as ``\n``; no control
    characters, no trailing spaces on a line, at most one blank line in a row, no blank
    lines at either end. Leading spaces and tabs stay. A form feed in the text is a page
    break of a format without pages: a line break here.

    >>> tidy("a\u2028b\x0cc")
    'a\nb\nc'
    >>> tidy("序号\t名称\t\n1\t\t")
    '序号\t名称\t\n1\t\t'
    """
    text = _LINE_BREAK_RE.sub("\n", text).replace(PAGE_BREAK, "\n")
    text = _CONTROL_RE.sub("", text)
    text = _TRAILING_SPACE_RE.sub("", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip("\n")


def join_pages(pages: Iterable[str]) -> str:
    r"""Pages (or sheets) tidied and joined by form feeds: ``split("\f")[n - 1]`` is page n."""
    return PAGE_BREAK.join(tidy(page) for page in pages)


def is_cjk(char: str) -> bool:
    """Whether ``char`` is written without spaces around it in Chinese text: ideographs,
    CJK punctuation and full-width forms, kana, the dashes, ellipsis and quotes Chinese
    typesetting uses.

    >>> [is_cjk(c) for c in "号〔，（“—…a1 ·"]
    [True, True, True, True, True, True, True, False, False, False, True]
    """
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, CJK punctuation, kana, bopomofo, ideographs
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= code <= 0xFE4F  # vertical forms
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF  # extension ideographs
        or char in "—–…“”‘’·"
    )


def _word_char(char: str) -> bool:
    return char.isalnum() and not is_cjk(char)


def join_lines(lines: Sequence[str]) -> str:
    """The lines of one paragraph as one line: nothing between them where either side is
    Chinese, one space between Latin words, a hyphen at a line's end kept and joined.

    >>> join_lines(["2026年全市新增", "绿地面积120公顷，完成投资3.5", "亿元。"])
    '2026年全市新增绿地面积120公顷，完成投资3.5亿元。'
    >>> join_lines(["follows the Yangtze River Protection Law ", " and the 14th Five-", "Year Plan"])
    'follows the Yangtze River Protection Law and the 14th Five-Year Plan'
    >>> join_lines(["请认真贯彻执行。The plan", "follows it"])
    '请认真贯彻执行。The plan follows it'
    """
    out = ""
    for raw in lines:
        line = raw.strip(" ")
        if not line:
            continue
        if not out:
            out = line
        elif is_cjk(out[-1]) or is_cjk(line[0]) or (out[-1] == "-" and len(out) > 1 and _word_char(out[-2])):
            out += line
        else:
            out += " " + line
    return out


def drop_layout_spaces(text: str, generated: Sequence[bool]) -> str:
    """``text`` without the spaces a layout made (``generated[i]`` for ``text[i]``) between a
    Chinese character and a Chinese character, digit or Latin letter. Spaces printed in the
    text, and made ones between Latin words, stay.

    >>> text = "武政规〔2026〕4 号 2026 年 the plan 1. 压实"
    >>> made = [c == " " for c in text]
    >>> drop_layout_spaces(text, made)
    '武政规〔2026〕4号2026年the plan 1. 压实'
    >>> drop_layout_spaces("4 号", [False, False, False])
    '4 号'
    """
    out: list[str] = []
    for index, char in enumerate(text):
        if char == " " and generated[index]:
            before = out[-1] if out else ""
            after = text[index + 1] if index + 1 < len(text) else ""
            between = bool(before and after) and " " not in (before, after)
            if between and (
                (is_cjk(before) and (is_cjk(after) or _word_char(after))) or (_word_char(before) and is_cjk(after))
            ):
                continue
        out.append(char)
    return "".join(out)


def cap_text(text: str, limit: int) -> tuple[str, bool]:
    r"""``text`` cut to at most ``limit`` characters at the end of a paragraph (a line), or
    of a page; mid-line only when the first line alone is longer. Whether it was cut.

    >>> cap_text("第一段。\n第二段。\f第三段。", 12)
    ('第一段。\n第二段。', True)
    >>> cap_text("第一段。\n第二段。", 100)
    ('第一段。\n第二段。', False)
    >>> cap_text("一二三四五六", 4)
    ('一二三四', True)
    """
    if len(text) <= limit:
        return text, False
    head = text[: limit + 1]
    cut = max(head.rfind("\n"), head.rfind(PAGE_BREAK))
    kept = text[:cut] if cut > 0 else text[:limit]
    return kept.rstrip("\n" + PAGE_BREAK), True
