"""Automatic list numbers of a DOCX as the document shows them (ECMA-376 §17.9: ``w:numbering``).

A numbered paragraph holds no number in its text: Word computes it from the paragraph's
``w:numPr`` (or its style's), the list's level definition (``w:numFmt``, ``w:lvlText`` such
as ``%1.`` or ``（%2）``, ``w:start``, ``w:suff``) and the paragraphs numbered before it.
:class:`Numbering` does the same, so that ``1. 压实防汛责任。`` is read as a person sees it
and cited by number.

The counters run per abstract list (lists that share one count together) unless a list
restarts with ``w:startOverride``; a level restarts whenever a higher level advances.

>>> format_number(14, "chineseCounting"), format_number(20, "chineseCountingThousand")
('十四', '二十')
>>> format_number(3, "upperRoman"), format_number(105, "chineseCounting")
('III', '一百零五')
>>> format_number(2, "ideographTraditional"), format_number(28, "lowerLetter")
('乙', 'bb')
>>> format_number(4, "decimalEnclosedCircle"), format_number(12, "decimalFullWidth")
('④', '１２')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Level", "Numbering", "format_number"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "〇一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
          (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


def _chinese(number: int, digits: str = _DIGITS, units: str = "十百千") -> str:
    """Chinese counting below 10,000: 十一, 二十, 一百零五."""
    if number < 10:
        return digits[number]
    out, zero = "", False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        digit = number // power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"  # an inner zero is read 零 in both styles
            zero = False
        out += ("" if (digit == 1 and power == 10 and not out) else digits[digit]) + unit
    return out


def format_number(number: int, fmt: str) -> str:
    """``number`` in the ``w:numFmt`` format ``fmt`` (decimal for a format not known)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting"):
        return _chinese(number) if 0 <= number < 10_000 else str(number)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return _chinese(number, _LEGAL, "拾佰仟") if 0 <= number < 10_000 else str(number)
    if fmt == "ideographTraditional":
        return _STEMS[(number - 1) % 10]
    if fmt == "ideographZodiac":
        return _BRANCHES[(number - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= number <= 20:
        return chr(0x2460 + number - 1)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(number))
    if fmt in ("upperRoman", "lowerRoman") and number > 0:
        out = ""
        for value, letters in _ROMAN:
            while number >= value:
                out += letters
                number -= value
        return out if fmt == "upperRoman" else out.lower()
    if fmt in ("upperLetter", "lowerLetter") and number > 0:
        letter = chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt == "decimalZero":
        return f"{number:02d}"
    if fmt == "none":
        return ""
    return str(number)


@dataclass(frozen=True)
class Level:
    """One level of a list definition (``w:lvl``)."""

    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    suffix: str = "tab"
    legal: bool = False

    def label(self, counters: list[int], levels: dict[int, Level]) -> str:
        """The label for the counters of levels 0…n: ``lvlText`` with ``%k`` filled in."""
        if self.fmt == "bullet":
            return "".join("•" if 0xE000 <= ord(c) <= 0xF8FF else c for c in self.text) or "•"
        out = self.text
        for level in range(len(counters), 0, -1):
            definition = levels.get(level - 1, Level())
            fmt = "decimal" if self.legal and definition.fmt != "decimalZero" else definition.fmt
            out = out.replace(f"%{level}", format_number(counters[level - 1], fmt))
        return out


@dataclass
class Numbering:
    """The numbering of one document: read its definitions with :meth:`from_parts`, then ask
    :meth:`label` for each paragraph in order."""

    abstract: dict[str, dict[int, Level]] = field(default_factory=dict)
    lists: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)
    """``numId`` -> (abstract id, ``{level: startOverride}``)."""
    styles: dict[str, tuple[str | None, int | None, str | None]] = field(default_factory=dict)
    """Paragraph style id -> (numId, ilvl, basedOn)."""
    _counters: dict[str, list[int | None]] = field(default_factory=dict)

    @classmethod
    def from_parts(cls, numbering: Any | None, styles: Any | None) -> Numbering:
        """From the ``w:numbering`` and ``w:styles`` root elements (either may be None)."""
        out = cls()
        if numbering is not None:
            for abstract in numbering.iter(f"{_W}abstractNum"):
                levels = {}
                for lvl in abstract.iter(f"{_W}lvl"):
                    levels[_int(lvl.get(f"{_W}ilvl"), 0)] = Level(
                        start=_int(_val(lvl, "start"), 1),
                        fmt=_val(lvl, "numFmt") or "decimal",
                        text=(_val(lvl, "lvlText") or "") if lvl.find(f"{_W}lvlText") is not None else "",
                        suffix=_val(lvl, "suff") or "tab",
                        legal=lvl.find(f"{_W}isLgl") is not None,
                    )
                out.abstract[abstract.get(f"{_W}abstractNumId", "")] = levels
            for num in numbering.iter(f"{_W}num"):
                overrides = {}
                for override in num.iter(f"{_W}lvlOverride"):
                    start = _val(override, "startOverride")
                    if start is not None:
                        overrides[_int(override.get(f"{_W}ilvl"), 0)] = _int(start, 1)
                out.lists[num.get(f"{_W}numId", "")] = (_val(num, "abstractNumId") or "", overrides)
        if styles is not None:
            for style in styles.iter(f"{_W}style"):
                num_pr = style.find(f"{_W}pPr/{_W}numPr")
                num_id = _val(num_pr, "numId") if num_pr is not None else None
                ilvl = _val(num_pr, "ilvl") if num_pr is not None else None
                based = _val(style, "basedOn")
                out.styles[style.get(f"{_W}styleId", "")] = (num_id, _int(ilvl, 0) if ilvl else None, based)
        return out

    def label(self, paragraph: Any) -> str:
        """The number (and the space after it) a paragraph (``w:p``) shows, or ``""``."""
        num_id, ilvl = self._num_pr(paragraph)
        if not num_id or num_id == "0" or num_id not in self.lists:
            return ""
        abstract_id, overrides = self.lists[num_id]
        levels = self.abstract.get(abstract_id, {})
        level = levels.get(ilvl)
        if level is None:
            return ""
        key = num_id if overrides else abstract_id
        counters = self._counters.setdefault(key, [None] * 9)
        if ilvl >= len(counters):
            return ""
        current = counters[ilvl]
        counters[ilvl] = overrides.get(ilvl, level.start) if current is None else current + 1
        for deeper in range(ilvl + 1, len(counters)):
            counters[deeper] = None
        shown = [
            counters[n] if counters[n] is not None else overrides.get(n, levels.get(n, Level()).start)
            for n in range(ilvl + 1)
        ]
        text = level.label([int(c) for c in shown if c is not None], levels)
        if not text:
            return ""
        return text + ("" if level.suffix == "nothing" else " ")

    def _num_pr(self, paragraph: Any) -> tuple[str | None, int]:
        num_pr = paragraph.find(f"{_W}pPr/{_W}numPr")
        num_id = _val(num_pr, "numId") if num_pr is not None else None
        ilvl_value = _val(num_pr, "ilvl") if num_pr is not None else None
        style = _val(paragraph.find(f"{_W}pPr"), "pStyle") if paragraph.find(f"{_W}pPr") is not None else None
        seen = set()
        while (num_id is None or ilvl_value is None) and style and style not in seen:
            seen.add(style)
            style_num, style_ilvl, based = self.styles.get(style, (None, None, None))
            if num_id is None and style_num is not None:
                num_id = style_num
            if ilvl_value is None and style_ilvl is not None:
                ilvl_value = str(style_ilvl)
            style = based
        return num_id, _int(ilvl_value, 0)


def _val(element: Any, name: str) -> str | None:
    child = element.find(f"{_W}{name}") if element is not None else None
    return child.get(f"{_W}val") if child is not None else None


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
