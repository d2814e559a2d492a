"""DOCX text: python-docx (MIT) opens the package, a walk of the body's XML reads it.

python-docx finds the main document part through the package's relationships and parses
it with entities off; the walk then takes, in document order, paragraphs (headings are
paragraphs) with their automatic list numbers as the document shows them (``1. ``,
``一、``, ``（二）``: ``numbering.py``), tables (a row a line, cells apart by a tab, a cell's
paragraphs joined by a space, a merged cell's text in its first cell and the cells it
spans empty), content controls and text boxes.
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

from .numbering import Numbering
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
    text = tidy(body_text(document.element.body, _numbering(document)))
    if not text.strip():
        return DocumentResult.without_text(Kind.DOCX, Reason.BLANK)
    return DocumentResult(Kind.DOCX, text=text)


def _numbering(document: Any) -> Numbering:
    """The document's list definitions and styles (a document without them numbers nothing)."""
    numbering = styles = None
    for rel in document.part.rels.values():
        if rel.is_external:
            continue
        if rel.reltype.endswith("/numbering"):
            numbering = rel.target_part.element
        elif rel.reltype.endswith("/styles"):
            styles = rel.target_part.element
    return Numbering.from_parts(numbering, styles)


def body_text(body: Any, numbering: Numbering | None = None) -> str:
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
    return "\n".join(_blocks(body, numbering or Numbering()))


def _blocks(container: Any, numbering: Numbering) -> Iterator[str]:
    for child in container:
        tag = child.tag
        if tag == f"{_W}p":
            parts: list[str] = [numbering.label(child)]
            _inline(child, parts, numbering)
            yield "".join(parts)
        elif tag == f"{_W}tbl":
            yield from _table_rows(child, numbering)
        elif tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _blocks(content, numbering)
        elif tag in (f"{_W}customXml", f"{_W}ins", f"{_W}smartTag"):
            yield from _blocks(child, numbering)


def _table_rows(table: Any, numbering: Numbering) -> Iterator[str]:
    """A row a line: each cell's paragraphs joined by a space; a cell spanning columns
    (``w:gridSpan``) followed by as many empty cells, one continuing a merge down
    (``w:vMerge`` without ``restart``) empty; cells skipped before the row's first
    (``w:gridBefore``) empty."""
    for row in table.findall(f"{_W}tr"):
        before = row.find(f"{_W}trPr/{_W}gridBefore")
        cells = [""] * _number(before, 0)
        for cell in _cells(row):
            properties = cell.find(f"{_W}tcPr")
            span = max(_number(properties.find(f"{_W}gridSpan") if properties is not None else None, 1), 1)
            merge = properties.find(f"{_W}vMerge") if properties is not None else None
            continued = merge is not None and merge.get(f"{_W}val", "continue") == "continue"
            blocks = [] if continued else _blocks(cell, numbering)
            text = " ".join(" ".join(block.split()) for block in blocks if block.strip())
            cells.extend([text] + [""] * (span - 1))
        yield "\t".join(cells)


def _cells(row: Any) -> Iterator[Any]:
    """A row's cells, those inside content controls and custom XML too."""
    for child in row:
        if child.tag == f"{_W}tc":
            yield child
        elif child.tag in (f"{_W}sdt", f"{_W}customXml"):
            content = child.find(f"{_W}sdtContent") if child.tag == f"{_W}sdt" else child
            if content is not None:
                yield from _cells(content)


def _number(element: Any, default: int) -> int:
    """An element's ``w:val`` as a count (``default`` when absent or not a number)."""
    try:
        return max(int(element.get(f"{_W}val")), 0) if element is not None else default
    except (TypeError, ValueError):
        return default


def _inline(node: Any, parts: list[str], numbering: Numbering) -> None:
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
            parts.append("\n" + "\n".join(_blocks(child, numbering)) + "\n")
        else:
            _inline(child, parts, numbering)
