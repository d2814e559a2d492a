"""OFD text (GB/T 33190-2016, the national fixed-layout format), read by hand with
:mod:`zipfile` and lxml.

Hand-written because no maintained Python reader exists: the few OFD packages on PyPI
convert to PDF or images, pull in large stacks, are abandoned, or carry no licence a
permissive project can take. The part needed for text is small and fully specified:

``OFD.xml`` → each ``DocBody/DocRoot`` (a ``Document.xml``) → ``Pages/Page@BaseLoc`` (each
page's ``Content.xml``) → every ``TextObject/TextCode``, placed where it stands: a
``TextCode``'s baseline is its ``Y`` plus its ``TextObject``'s ``Boundary`` top, its left its
``X`` plus the boundary's left, its width the sum of its ``DeltaX`` and one glyph.

Text is laid out by position, not by the order of the file (writers put objects in any
order, converters often one character a ``TextObject``): codes on one baseline make a line,
left to right, and a gap of more than two characters between two of them is a tab (cells
of a table); lines top to bottom, joined into paragraphs as the PDF reader joins them
(``layout.py``). A page's templates (``Template@TemplateID``: running heads, a red header)
are read once, on the first page that uses each. Pages are apart by a form feed; a page
whose images (``ImageObject``) cover half of it and which has under 20 characters of text
is a scan. Annotations and signatures are not read. The package passes the bomb checks
first, and the XML parser resolves no entities and loads nothing from the network.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from .layout import Line, furniture, is_scan, paragraph_breaks
from .result import DocumentResult, Kind, ReadLimits, Reason
from .tidy import is_cjk, join_lines, join_pages
from .zipguard import open_zip

__all__ = ["Code", "page_text", "read_ofd"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
_CELL_GAP = 2.0
"""A gap wider than this many characters between two codes on a line separates cells."""


class _Malformed(Exception):
    """The package lacks a part the standard requires."""


@dataclass(frozen=True)
class Code:
    """A run of text where it stands (millimetres, y downwards)."""

    text: str
    left: float
    right: float
    baseline: float
    size: float


def read_ofd(data: bytes, limits: ReadLimits) -> DocumentResult:
    """The text of every page of every document in the package, pages apart by form feeds."""
    with open_zip(data, limits) as archive:
        try:
            pages = list(_pages(archive))
        except _Malformed as exc:
            return DocumentResult.without_text(Kind.OFD, Reason.CORRUPT, detail=str(exc))
    running = furniture([text.split("\n") for text, _ in pages])
    scanned = tuple(
        number for number, (text, cover) in enumerate(pages, 1) if is_scan(text.split("\n"), cover, running)
    )
    text = join_pages(text for text, _ in pages)
    if not text.replace("\f", "").strip() or (pages and len(scanned) == len(pages)):
        return DocumentResult.without_text(Kind.OFD, Reason.NO_TEXT_LAYER, pages=len(pages), scanned_pages=scanned)
    return DocumentResult(Kind.OFD, text=text, pages=len(pages), scanned_pages=scanned)


def _pages(archive: zipfile.ZipFile) -> Iterator[tuple[str, float]]:
    """Each page's text and the share of it images cover."""
    names = set(archive.namelist())
    entry = _parse(archive, names, "OFD.xml")
    doc_roots = [(node.text or "").strip() for node in _elements(entry, "DocRoot")]
    if not any(doc_roots):
        raise _Malformed("OFD.xml names no DocRoot")
    for doc_root in filter(None, doc_roots):
        document_path = _resolve(names, "", doc_root)
        document = _parse(archive, names, document_path)
        base = posixpath.dirname(document_path)
        default_area = _page_area(document)
        templates = {
            node.get("ID", ""): node.get("BaseLoc", "")
            for node in _elements(document, "TemplatePage")
            if node.get("ID")
        }
        read_templates: set[str] = set()
        for page in _elements(document, "Page"):
            location = page.get("BaseLoc")
            if not location:
                continue
            content = _parse(archive, names, _resolve(names, base, location))
            parts = [content]
            for template in _elements(content, "Template"):
                template_id = template.get("TemplateID", "")
                if template_id in templates and template_id not in read_templates:
                    read_templates.add(template_id)
                    parts.append(_parse(archive, names, _resolve(names, base, templates[template_id])))
            area = _page_area(content) or default_area
            codes = [code for part in parts for code in codes_of(part)]
            covered = sum(_image_area(part) for part in parts)
            yield page_text(codes), (min(covered / area, 1.0) if area else 0.0)


def codes_of(content: Any) -> Iterator[Code]:
    """Every ``TextCode`` of a page (or template) where it stands."""
    for text_object in _elements(content, "TextObject"):
        box = _numbers(text_object.get("Boundary", ""))
        left, top = (box[0], box[1]) if len(box) >= 2 else (0.0, 0.0)
        size = _number([text_object.get("Size", "")], 3.5)
        x = y = 0.0
        for code in _elements(text_object, "TextCode"):
            x = _number([code.get("X", "")], x)
            y = _number([code.get("Y", "")], y)
            text = code.text or ""
            if not text:
                continue
            advance = sum(_deltas(code.get("DeltaX", ""), len(text) - 1))
            last = size if is_cjk(text[-1]) else 0.5 * size
            yield Code(text, left + x, left + x + advance + last, top + y, size)


def page_text(codes: list[Code]) -> str:
    """Codes as text: a line a baseline, top to bottom; codes left to right, cells apart by
    a tab where a gap of more than two characters separates them (the columns of a table
    taken from all its rows, so an empty cell stays an empty string); lines joined into
    paragraphs, a row of cells alone.

    >>> print(page_text([Code("第二行", 20, 32.6, 44, 4.2), Code("通知", 32.6, 41, 34, 4.2),
    ...                  Code("武汉市", 20, 32.6, 34, 4.2), Code("120", 70, 77, 54, 4.2),
    ...                  Code("道路", 20, 28.4, 54, 4.2), Code("3", 120, 122, 54, 4.2),
    ...                  Code("桥梁", 20, 28.4, 62, 4.2), Code("跨江", 120, 128.4, 62, 4.2)]))
    武汉市通知
    第二行
    道路	120	3
    桥梁		跨江
    """
    rows: list[list[Code]] = []
    for code in sorted(codes, key=lambda c: (c.baseline, c.left)):
        if rows and abs(code.baseline - rows[-1][0].baseline) <= rows[-1][0].size / 2:
            rows[-1].append(code)
        else:
            rows.append([code])
    lines: list[Line] = []
    cells_of: list[list[Code]] = []
    for row in rows:
        row.sort(key=lambda c: c.left)
        cells = [row[0]]
        for code in row[1:]:
            before = cells[-1]
            gap = code.left - before.right
            if gap > _CELL_GAP * code.size:
                cells.append(code)
                continue
            joined = join_lines([before.text, code.text]) if gap > 0.3 * code.size else before.text + code.text
            cells[-1] = Code(joined, before.left, code.right, before.baseline, before.size)
        cells_of.append(cells)
        first = cells[0]
        word = first.text.lstrip().split(" ", 1)[0]
        advance = (first.right - first.left) / max(len(first.text), 1)
        # Lines as the PDF reader has them: y upwards.
        lines.append(
            Line(
                "\t".join(c.text for c in cells),
                first.left,
                cells[-1].right,
                -first.baseline,
                first.size,
                first_word=advance * len(word) if word and not is_cjk(word[0]) else None,
            )
        )
    out: list[str] = []
    breaks = paragraph_breaks(lines)
    number = 0
    while number < len(lines):
        if len(cells_of[number]) > 1:
            end = number
            while end < len(lines) and len(cells_of[end]) > 1:
                end += 1
            out.extend(_table(cells_of[number:end]))
            number = end
            continue
        if breaks[number] or not out or (number and len(cells_of[number - 1]) > 1):
            out.append(lines[number].text)
        else:
            out[-1] = join_lines([out[-1], lines[number].text])
        number += 1
    return "\n".join(out)


def _table(rows: list[list[Code]]) -> list[str]:
    """Rows of cells as lines, each cell in the column its left edge stands in (columns from
    every row's cells), empty cells kept."""
    lefts: list[float] = []
    for left in sorted(cell.left for row in rows for cell in row):
        if not lefts or left - lefts[-1] > _CELL_GAP * rows[0][0].size:
            lefts.append(left)
    out = []
    for row in rows:
        slots = [""] * len(lefts)
        for cell in row:
            column = min(range(len(lefts)), key=lambda n: abs(lefts[n] - cell.left))
            slots[column] = join_lines([slots[column], cell.text]) if slots[column] else cell.text
        out.append("\t".join(slots))
    return out


def _deltas(value: str, count: int) -> list[float]:
    """A ``DeltaX`` list, ``g n d`` (``d`` repeated ``n`` times) expanded; its first ``count``."""
    parts = value.split()
    out: list[float] = []
    index = 0
    while index < len(parts) and len(out) < count:
        if parts[index] == "g" and index + 2 < len(parts):
            out.extend([_number([parts[index + 2]], 0.0)] * int(_number([parts[index + 1]], 0)))
            index += 3
        else:
            out.append(_number([parts[index]], 0.0))
            index += 1
    return out[:count]


def _page_area(root: Any) -> float:
    for node in _elements(root, "PhysicalBox"):
        box = _numbers(node.text or "")
        if len(box) == 4:
            return box[2] * box[3]
    return 0.0


def _image_area(content: Any) -> float:
    total = 0.0
    for image in _elements(content, "ImageObject"):
        box = _numbers(image.get("Boundary", ""))
        if len(box) == 4:
            total += max(box[2], 0) * max(box[3], 0)
    return total


def _numbers(value: str) -> list[float]:
    out = []
    for part in value.split():
        try:
            out.append(float(part))
        except ValueError:
            return []
    return out


def _number(values: list[str], default: float) -> float:
    try:
        return float(values[0])
    except (IndexError, ValueError):
        return default


def _elements(root: Any, local_name: str) -> Iterator[Any]:
    """Elements named ``local_name`` in any namespace (writers differ), in document order."""
    for node in root.iter():
        tag = node.tag
        if isinstance(tag, str) and tag.rpartition("}")[2] == local_name:
            yield node


def _resolve(names: set[str], base: str, location: str) -> str:
    """A ``BaseLoc``/``DocRoot`` path: absolute from the package root when it starts with
    ``/``, else relative to ``base``; some writers make it relative to the root anyway."""
    location = location.strip().replace("\\", "/")
    if location.startswith("/"):
        return posixpath.normpath(location.lstrip("/"))
    relative = posixpath.normpath(posixpath.join(base, location))
    if relative in names:
        return relative
    return posixpath.normpath(location)


def _parse(archive: zipfile.ZipFile, names: set[str], path: str) -> Any:
    if path not in names:
        raise _Malformed(f"missing part {path}")
    return etree.fromstring(archive.read(path), _PARSER)
