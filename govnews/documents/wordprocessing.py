"""DOCX text: python-docx (MIT) opens the package, a walk of the body's XML reads it.

python-docx finds the main document part through the package's relationships and parses
it with entities off; the walk then takes, in document order, paragraphs (headings are
paragraphs), tables (a row a line, cells apart by a tab), content controls and text boxes.
It reads the body's XML itself rather than ``Paragraph.text`` because that skips text in
content controls, tracked insertions and fields, which WPS Office and government templates
use. Deleted text (``w:delText``), field codes and the VML fallback copy of each text box
are left out. Headers, footers and footnotes are not read.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import docx

from .result import DocumentResult, Kind, ReadLimits, Reason
from .tidy import tidy
from .zipguard import open_zip

__all__ = ["body_text", "read_docx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED = frozenset({f"{_W}delText", f"{_W}instrText", f"{_W}rPr", f"{_W}pPr", _MC_FALLBACK})
_BREAKS = frozenset({f"{_W}br", f"{_W}cr"})


def read_docx(data: bytes, limits: ReadLimits) -> DocumentResult:
    """The body's text, after the package passed the bomb checks."""
    open_zip(data, limits).close()
    document = docx.Document(io.BytesIO(data))
    text = tidy(body_text(document.element.body))
    if not text.strip():
        return DocumentResult.without_text(Kind.DOCX, Reason.BLANK)
    return DocumentResult(Kind.DOCX, text=text)


def body_text(body: Any) -> str:
    """The text of a ``w:body`` (or any block container) element: a paragraph a line.

    >>> from lxml import etree
    >>> body = etree.fromstring(
    ...     '<w:body xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    ...     "<w:p><w:r><w:t>标题</w:t></w:r></w:p>"
    ...     "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>序号</w:t></w:r></w:p></w:tc>"
    ...     "<w:tc><w:p><w:r><w:t>名称</w:t><w:delText>旧</w:delText></w:r></w:p></w:tc></w:tr></w:tbl>"
    ...     "<w:sdt><w:sdtContent><w:p><w:r><w:t>落款</w:t><w:tab/><w:t>2024年</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    ...     "</w:body>"
    ... )
    >>> print(body_text(body))
    标题
    序号	名称
    落款	2024年
    """
    return "\n".join(_blocks(body))


def _blocks(container: Any) -> Iterator[str]:
    for child in container:
        tag = child.tag
        if tag == f"{_W}p":
            parts: list[str] = []
            _inline(child, parts)
            yield "".join(parts)
        elif tag == f"{_W}tbl":
            yield from _table_rows(child)
        elif tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _blocks(content)
        elif tag in (f"{_W}customXml", f"{_W}ins", f"{_W}smartTag"):
            yield from _blocks(child)


def _table_rows(table: Any) -> Iterator[str]:
    for row in table.findall(f"{_W}tr"):
        cells = ["\n".join(_blocks(cell)) for cell in row.findall(f"{_W}tc")]
        yield "\t".join(cells)


def _inline(node: Any, parts: list[str]) -> None:
    for child in node:
        tag = child.tag
        if tag == f"{_W}t":
            parts.append(child.text or "")
        elif tag == f"{_W}tab":
            parts.append("\t")
        elif tag in _BREAKS:
            parts.append("\n")
        elif tag in _SKIPPED or not isinstance(tag, str):
            continue  # comments and processing instructions have a callable tag
        elif tag == f"{_W}txbxContent":
            parts.append("\n" + "\n".join(_blocks(child)) + "\n")
        else:
            _inline(child, parts)
