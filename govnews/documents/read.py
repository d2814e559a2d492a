"""One file read in this process: sniff, check the size, hand to the format's reader.
Never raises: every failure is a :class:`Reason`. The pool (``pool.py``) runs this in a
worker under limits; call it directly only on trusted input.

>>> read_document(b"").reason, read_document(b"<html><body>404 Not Found</body></html>", "a.pdf").reason
(<Reason.EMPTY: 'empty'>, <Reason.NOT_A_DOCUMENT: 'not_a_document'>)
>>> read_document(b"%PDF-1.4\\n" + bytes(100), limits=ReadLimits(size_cap=64)).reason
<Reason.TOO_LARGE: 'too_large'>
>>> image = read_document(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(64))
>>> image.reason, image.pages, image.scanned_pages
(<Reason.NO_TEXT_LAYER: 'no_text_layer'>, 1, (1,))
>>> read_document(b"just words", "notes.txt").reason, read_document(b"just words", "x.docx").reason
(<Reason.UNSUPPORTED_KIND: 'unsupported_kind'>, <Reason.NOT_A_DOCUMENT: 'not_a_document'>)
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from .result import DocumentResult, Kind, ReadLimits, Reason
from .sniff import OLE_MAGIC, declared_kind, ole_streams, sniff
from .tidy import PAGE_BREAK, cap_text, join_pages
from .zipguard import ZipRefused

__all__ = ["HEAD_BYTES", "OCR_KINDS", "capped", "ocr_page", "read_document", "read_path", "with_ocr"]

OCR_KINDS = frozenset({Kind.PDF, Kind.IMAGE})
"""Kinds whose scanned pages OCR reads (an OFD's scans are flagged, not read)."""

HEAD_BYTES = 8192
"""How much of a file the sniffer needs when the whole file is not read."""

_DEFAULT_LIMITS = ReadLimits()


def read_path(
    path: str | os.PathLike[str], name: str = "", content_type: str | None = None, limits: ReadLimits = _DEFAULT_LIMITS
) -> DocumentResult:
    """Like :func:`read_document` on a file, which is not read whole when over the cap."""
    path = Path(path)
    name = name or path.name
    try:
        size = path.stat().st_size
        if size > limits.size_cap:
            with path.open("rb") as file:
                head = file.read(HEAD_BYTES)
            return DocumentResult.without_text(
                sniff(head, name, content_type), Reason.TOO_LARGE, detail=f"{size} bytes"
            )
        data = path.read_bytes()
    except OSError as exc:
        return DocumentResult.without_text(Kind.UNKNOWN, Reason.CORRUPT, detail=f"cannot read: {exc}")
    return read_document(data, name, content_type, limits)


def read_document(
    data: bytes, name: str = "", content_type: str | None = None, limits: ReadLimits = _DEFAULT_LIMITS
) -> DocumentResult:
    """Read ``data`` (a file's bytes; ``name`` its file name or URL, ``content_type`` the
    HTTP header) into text, or say why not."""
    if not data:
        return DocumentResult.without_text(Kind.UNKNOWN, Reason.EMPTY)
    try:
        kind = sniff(data, name, content_type)
    except Exception as exc:  # the sniffer parses containers; never let one escape
        return DocumentResult.without_text(Kind.UNKNOWN, Reason.CORRUPT, detail=f"sniff: {exc!r}")
    if len(data) > limits.size_cap:
        return DocumentResult.without_text(kind, Reason.TOO_LARGE, detail=f"{len(data)} bytes")
    try:
        result = _read(data, kind, name, content_type, limits)
        if limits.ocr and result.scanned_pages and kind in OCR_KINDS:
            result = _ocr_here(result, data)
        return capped(result, limits.max_text, ocr=limits.ocr)
    except ZipRefused as refused:
        return DocumentResult.without_text(kind, refused.reason, detail=refused.detail)
    except MemoryError:
        return DocumentResult.without_text(kind, Reason.MEMORY_LIMIT)
    except RecursionError:
        return DocumentResult.without_text(kind, Reason.CORRUPT, detail="nested too deep")
    except Exception as exc:  # a reader library's own error on a damaged file
        return DocumentResult.without_text(kind, Reason.CORRUPT, detail=f"{type(exc).__name__}: {exc}"[:300])


def _read(data: bytes, kind: Kind, name: str, content_type: str | None, limits: ReadLimits) -> DocumentResult:
    # Readers are imported here, on first use: the parent process needs none of them.
    if kind is Kind.PDF:
        from .pdf import read_pdf  # noqa: PLC0415

        return read_pdf(data)
    if kind in (Kind.DOCX, Kind.XLSX, Kind.PPTX, Kind.UNKNOWN) and data.startswith(OLE_MAGIC):
        # An encrypted OOXML document is an OLE2 file holding an EncryptedPackage stream.
        if "EncryptedPackage" in ole_streams(data):
            return DocumentResult.without_text(kind, Reason.ENCRYPTED)
        if kind is not Kind.UNKNOWN:
            return DocumentResult.without_text(kind, Reason.CORRUPT, detail="an OLE2 file of no known kind")
    if kind is Kind.DOCX:
        from .wordprocessing import read_docx  # noqa: PLC0415

        return read_docx(data, limits)
    if kind in (Kind.XLSX, Kind.XLS):
        from .spreadsheet import read_spreadsheet  # noqa: PLC0415

        return read_spreadsheet(data, kind, limits)
    if kind in (Kind.DOC, Kind.WPS):
        from .word97 import read_word97  # noqa: PLC0415

        return read_word97(data, kind, limits)
    if kind is Kind.OFD:
        from .ofd import read_ofd  # noqa: PLC0415

        return read_ofd(data, limits)
    if kind in (Kind.ZIP, Kind.RAR, Kind.SEVEN_Z):
        from .archives import list_archive  # noqa: PLC0415

        return list_archive(data, kind, limits)
    if kind is Kind.IMAGE:
        # A picture is one page, and a scan.
        return DocumentResult.without_text(kind, Reason.NO_TEXT_LAYER, pages=1, scanned_pages=(1,))
    if kind is Kind.HTML:
        return DocumentResult.without_text(kind, Reason.NOT_A_DOCUMENT)
    if kind is Kind.UNKNOWN and declared_kind(name, content_type) is not None:
        # The name or content type promised a document; the bytes are none we know.
        return DocumentResult.without_text(kind, Reason.NOT_A_DOCUMENT)
    return DocumentResult.without_text(kind, Reason.UNSUPPORTED_KIND)


def _ocr_here(result: DocumentResult, data: bytes) -> DocumentResult:
    """Scanned pages read by OCR in this process, one after the other (the pool reads them
    in workers, a page a task, under limits of their own)."""
    import tempfile  # noqa: PLC0415

    from .ocr import OcrUnavailable  # noqa: PLC0415

    texts: dict[int, str] = {}
    with tempfile.NamedTemporaryFile(prefix="govnews-ocr-") as file:
        file.write(data)
        file.flush()
        for number in result.scanned_pages or ():
            try:
                texts[number] = ocr_page(file.name, result.kind, number - 1)
            except OcrUnavailable as exc:
                return replace(result, reason=result.reason and Reason.TOOL_MISSING, detail=str(exc))
    return with_ocr(result, texts)


def ocr_page(path: str, kind: Kind, index: int) -> str:
    """The OCR text of page ``index`` (0-based) of the file at ``path``."""
    from .ocr import ocr_image, ocr_pdf_page  # noqa: PLC0415 - the optional engine

    if kind is Kind.PDF:
        return ocr_pdf_page(path, index)
    return ocr_image(Path(path).read_bytes())


def with_ocr(result: DocumentResult, texts: dict[int, str], detail: str | None = None) -> DocumentResult:
    """``result`` with the text OCR read of its scanned pages (``texts``: page number ->
    text) in their places: ``ocr_pages`` lists them; the reason is gone when there is text.

    >>> scan = DocumentResult(Kind.PDF, text="正文\\f— 2 —\\f结尾", pages=3, scanned_pages=(2,))
    >>> read = with_ocr(scan, {2: "扫描的第二页"})
    >>> read.text.split("\\f"), read.ocr_pages
    (['正文', '扫描的第二页', '结尾'], (2,))
    >>> picture = DocumentResult.without_text(Kind.IMAGE, Reason.NO_TEXT_LAYER, pages=1, scanned_pages=(1,))
    >>> read = with_ocr(picture, {1: "图"})
    >>> read.text, read.reason, read.ocr_pages
    ('图', None, (1,))
    """
    pages = result.pages or 1
    current = result.text.split(PAGE_BREAK) if result.text is not None else [""] * pages
    current += [""] * (pages - len(current))
    for number, text in texts.items():
        current[number - 1] = text
    text = join_pages(current)
    ocr_pages = tuple(sorted(texts))
    if not text.replace(PAGE_BREAK, "").strip():
        return replace(result, ocr_pages=ocr_pages, detail=detail or result.detail)
    return replace(result, text=text, reason=None, ocr_pages=ocr_pages, detail=detail)


def capped(result: DocumentResult, max_text: int, *, ocr: bool = False) -> DocumentResult:
    """``result`` with its text cut at ``max_text`` characters, at a paragraph; with ``ocr``,
    a paged result says which pages OCR read (``()`` for none)."""
    if ocr and result.scanned_pages is not None and result.ocr_pages is None:
        result = replace(result, ocr_pages=())
    if result.text is None:
        return result
    text, truncated = cap_text(result.text, max_text)
    return replace(result, text=text, text_truncated=truncated) if truncated else result
