"""Where text stands on a page, made into paragraphs and pages: what the PDF reader, the OFD
reader and OCR share. Pure: positions in, decisions out.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from .tidy import is_cjk

__all__ = ["SCAN_MAX_CHARS", "SCAN_MIN_COVER", "Line", "furniture", "is_page_furniture", "is_scan", "paragraph_breaks"]

SCAN_MAX_CHARS = 20
"""A page with fewer characters than this (page numbers and running lines aside) and an
image over half of it is a scan."""
SCAN_MIN_COVER = 0.5


@dataclass
class Line:
    """One line of a page as drawn: its text and where it stands (PDF points, y upwards)."""

    text: str
    left: float
    right: float
    baseline: float
    size: float
    chars: list[int] = field(default_factory=list, repr=False)
    """PDFium's char indexes of the line's characters, in ``text``'s order."""
    first_word: float | None = None
    """The width of the line's first Latin word or number, when known (else estimated)."""


_LABEL_RE = re.compile(r"^(?:[(（]?[0-9一二三四五六七八九十]+[.．、)）]|[•·▪◦●○■□-])\s*")


def paragraph_breaks(lines: Sequence[Line], page_width: float | None = None) -> list[bool]:
    """For each line, whether it starts a paragraph (the first always does).

    A line continues the one before when that one reaches the right edge of the page's text
    (less than its own first word and a character short of it), it stands at the
    usual line pitch below in the same size, and it does not start further right (an
    indented first line) nor indented alike (a one-line paragraph before it); a hanging
    indent under a list label continues.

    >>> body = [Line("武汉市人民政府", 200, 320, 800, 16), Line("一二三四五六七八九十一二三四五", 60, 540, 770, 12),
    ...         Line("六七八九", 60, 108, 752, 12), Line("二段一二三四五六七八九十一二三四", 84, 540, 734, 12),
    ...         Line("续行", 60, 84, 716, 12)]
    >>> paragraph_breaks(body)
    [True, True, False, True, False]
    """
    if not lines:
        return []
    right = max(line.right for line in lines)
    left = min(line.left for line in lines)
    if page_width:
        # The text's right edge is at least where the page's margins, taken as equal, put it:
        # a page of a few short paragraphs has no line that reaches it.
        right = max(right, page_width - left)
    pitches = [
        previous.baseline - line.baseline
        for previous, line in itertools.pairwise(lines)
        if abs(previous.size - line.size) <= 0.1 * line.size and 0 < previous.baseline - line.baseline < 3 * line.size
    ]
    # The line pitch is the lower quartile of the gaps: where paragraphs are one or two lines
    # long, the gaps between paragraphs outnumber those between lines.
    pitch = statistics.quantiles(pitches, n=4)[0] if len(pitches) > 1 else (pitches[0] if pitches else None)
    breaks = [True]
    for previous, line in itertools.pairwise(lines):
        breaks.append(_starts_paragraph(previous, line, left, right, pitch))
    return breaks


def _starts_paragraph(previous: Line, line: Line, left: float, right: float, pitch: float | None) -> bool:
    size = line.size
    if abs(previous.size - size) > 0.1 * size:
        return True
    gap = previous.baseline - line.baseline
    if gap <= 0.3 * size or gap > 2.5 * size or (pitch is not None and gap > 1.3 * pitch):
        return True
    first_word = line.text.lstrip().split(" ", 1)[0] or " "
    word = size if is_cjk(first_word[0]) else line.first_word or 0.5 * size * len(first_word)
    # A closing bracket or stop sits left in its em box: a full line may look a character short.
    if right - previous.right > word + size:
        return True  # the line before ended short: it ended its paragraph
    if line.left - previous.left > 0.8 * size:
        label = _LABEL_RE.match(previous.text)
        # A hanging indent: the line stands under the text after the label of a list item.
        return not (label and abs(line.left - (previous.left + 0.55 * size * len(label.group()))) < 1.5 * size)
    # Two lines indented alike from the text's left edge: a one-line paragraph, then the
    # first line of the next (Chinese paragraphs start two characters in).
    return line.left - left > 1.5 * size and abs(line.left - previous.left) < 0.5 * size


# -- scans ----------------------------------------------------------------------------------

_PAGE_NUMBER_RE = re.compile(
    r"^[\s\-—–－·•]*(?:第\s*)?(?:\d{1,4}|[ivxlcdm]{1,6})(?:\s*页)?"
    r"(?:\s*[/／]\s*\d{1,4}|\s*[,，]?\s*共\s*\d{1,4}\s*页)?[\s\-—–－·•]*$",
    re.IGNORECASE,
)


def is_page_furniture(line: str, running: frozenset[str] = frozenset()) -> bool:
    """A page number (``— 1 —``, ``- 2 -``, ``第 3 页 共 9 页``, ``4/9``) or a line that
    most pages repeat (``running``, digits as ``#``).

    >>> [is_page_furniture(x) for x in ("— 1 —", "第 3 页 共 9 页", "4/9", "ii", "1. 压实防汛责任。")]
    [True, True, True, True, False]
    >>> is_page_furniture("武汉市人民政府文件 7", frozenset({"武汉市人民政府文件 #"}))
    True
    """
    return bool(_PAGE_NUMBER_RE.match(line)) or _shape(line) in running


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


def furniture(pages: Sequence[Sequence[str]]) -> frozenset[str]:
    """Lines (digits as ``#``) standing first or last on more than half the pages, of two or
    more: running heads and feet."""
    if len(pages) < 2:
        return frozenset()
    seen: Counter[str] = Counter()
    for lines in pages:
        seen.update({_shape(line) for line in (*lines[:2], *lines[-2:])})
    return frozenset(shape for shape, count in seen.items() if count > len(pages) / 2)


def is_scan(lines: Sequence[str], cover: float, running: frozenset[str] = frozenset()) -> bool:
    """Whether a page is a picture: an image covers at least half of it, and it has fewer
    than :data:`SCAN_MAX_CHARS` characters of text besides page furniture.

    >>> is_scan(["— 1 —"], 0.98), is_scan(["— 1 —"], 0.2), is_scan(["一二三四五六七八九十" * 3], 0.98)
    (True, False, False)
    """
    if cover < SCAN_MIN_COVER:
        return False
    text = "".join(line for line in lines if not is_page_furniture(line, running))
    return len("".join(text.split())) < SCAN_MAX_CHARS
