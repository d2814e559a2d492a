r"""Text as the document has it, in one form: ``\n`` line breaks, no control characters.

No other change: no OCR, no re-wrapping of lines, no joining of paragraphs.

>>> tidy("第一行\r\n第二行  \r\r\n\n\n\n第三行\x00\x07")
'第一行\n第二行\n\n第三行'
>>> tidy("\ufeff  \n 缩进保留\t表格\n")
' 缩进保留\t表格'
>>> tidy(" \n\x0c\n")
''
"""

from __future__ import annotations

import re

__all__ = ["tidy"]

_LINE_BREAK_RE = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# C0 and C1 controls but tab and newline; BOM and the noncharacters PDFium emits for
# soft hyphens and unmapped glyphs.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff]")
_TRAILING_SPACE_RE = re.compile(r"[ \t\u3000\xa0]+$", re.MULTILINE)
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    r"""Line breaks as ``\n``; no control characters, no trailing spaces on a line, at
    most one blank line in a row, no blank lines at either end. Leading spaces stay.

    >>> tidy("a\u2028b\x0cc")
    'a\nb\nc'
    """
    text = _LINE_BREAK_RE.sub("\n", text)
    text = _CONTROL_RE.sub("", text)
    text = _TRAILING_SPACE_RE.sub("", text)
    text = _BLANK_LINES_RE.sub("\n\n", text)
    return text.strip("\n")
