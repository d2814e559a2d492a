"""OFD text (GB/T 33190-2016, the national fixed-layout format), read by hand with
:mod:`zipfile` and lxml.

Hand-written because no maintained Python reader exists: the few OFD packages on PyPI
convert to PDF or images, pull in large stacks, are abandoned, or carry no licence a
permissive project can take. The part needed for text is small and fully specified:

``OFD.xml`` → each ``DocBody/DocRoot`` (a ``Document.xml``) → ``Pages/Page@BaseLoc`` (each
page's ``Content.xml``) → every ``TextObject/TextCode`` in document order.

A ``TextCode``'s baseline is its ``Y`` plus its ``TextObject``'s ``Boundary`` top; a text
code on a new baseline starts a new line (converters often write one character a
``TextObject``). Pages are apart by a blank line; templates (running heads), annotations
and signatures are not read. The package passes the bomb checks first, and the XML parser
resolves no entities and loads nothing from the network.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Iterator
from typing import Any

from lxml import etree

from .result import DocumentResult, Kind, ReadLimits, Reason
from .tidy import tidy
from .zipguard import open_zip

__all__ = ["page_text", "read_ofd"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class _Malformed(Exception):
    """The package lacks a part the standard requires."""


def read_ofd(data: bytes, limits: ReadLimits) -> DocumentResult:
    """The text of every page of every document in the package."""
    with open_zip(data, limits) as archive:
        try:
            texts = list(_page_texts(archive))
        except _Malformed as exc:
            return DocumentResult.without_text(Kind.OFD, Reason.CORRUPT, detail=str(exc))
    text = tidy("\n\n".join(texts))
    if not text.strip():
        return DocumentResult.without_text(Kind.OFD, Reason.NO_TEXT_LAYER, pages=len(texts))
    return DocumentResult(Kind.OFD, text=text, pages=len(texts))


def _page_texts(archive: zipfile.ZipFile) -> Iterator[str]:
    names = set(archive.namelist())
    entry = _parse(archive, names, "OFD.xml")
    doc_roots = [(node.text or "").strip() for node in _elements(entry, "DocRoot")]
    if not any(doc_roots):
        raise _Malformed("OFD.xml names no DocRoot")
    for doc_root in filter(None, doc_roots):
        document_path = _resolve(names, "", doc_root)
        document = _parse(archive, names, document_path)
        base = posixpath.dirname(document_path)
        for page in _elements(document, "Page"):
            location = page.get("BaseLoc")
            if location:
                yield page_text(_parse(archive, names, _resolve(names, base, location)))


def page_text(content: Any) -> str:
    """The text of one page's ``Content.xml``: text codes in order, a line a baseline.

    >>> page = etree.fromstring(
    ...     '<ofd:Page xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Content><ofd:Layer ID="1">'
    ...     '<ofd:TextObject ID="2" Boundary="20 30 170 10" Font="3" Size="4.2">'
    ...     '<ofd:TextCode X="0" Y="4">武汉市</ofd:TextCode><ofd:TextCode X="12.6" Y="4">通知</ofd:TextCode>'
    ...     '</ofd:TextObject>'
    ...     '<ofd:TextObject ID="5" Boundary="20 40 170 10" Font="3" Size="4.2">'
    ...     '<ofd:TextCode X="0" Y="4">第二行</ofd:TextCode></ofd:TextObject>'
    ...     "</ofd:Layer></ofd:Content></ofd:Page>"
    ... )
    >>> print(page_text(page))
    武汉市通知
    第二行
    """
    lines: list[list[str]] = []
    last_baseline: float | None = None
    for text_object in _elements(content, "TextObject"):
        top = _number(text_object.get("Boundary", "0 0").split()[1:2], 0.0)
        size = _number([text_object.get("Size", "")], 3.5)
        for code in _elements(text_object, "TextCode"):
            y = code.get("Y")
            baseline = last_baseline if y is None else top + _number([y], 0.0)
            if not lines or last_baseline is None or baseline is None or abs(baseline - last_baseline) > size / 2:
                lines.append([])
            lines[-1].append(code.text or "")
            last_baseline = baseline
    return "\n".join("".join(parts) for parts in lines)


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
