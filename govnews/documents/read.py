"""One file read in this process: sniff, check the size, hand to the format's reader.
Never raises: every failure is a :class:`Reason`. The pool (``pool.py``) runs this in a
worker under limits; call it directly only on trusted input.

>>> read_document(b"").reason, read_document(b"<html><body>404 Not Found</body></html>", "a.pdf").reason
(<Reason.EMPTY: 'empty'>, <Reason.NOT_A_DOCUMENT: 'not_a_document'>)
>>> read_document(b"%PDF-1.4\\n" + bytes(100), limits=ReadLimits(size_cap=64)).reason
<Reason.TOO_LARGE: 'too_large'>
>>> read_document(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(64)).reason
<Reason.NO_TEXT_LAYER: 'no_text_layer'>
>>> read_document(b"just words", "notes.txt").reason, read_document(b"just words", "x.docx").reason
(<Reason.UNSUPPORTED_KIND: 'unsupported_kind'>, <Reason.NOT_A_DOCUMENT: 'not_a_document'>)
"""

from __future__ import annotations

import os
from pathlib import Path

from .result import DocumentResult, Kind, ReadLimits, Reason
from .sniff import OLE_MAGIC, declared_kind, ole_streams, sniff
from .zipguard import ZipRefused

__all__ = ["HEAD_BYTES", "read_document", "read_path"]

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
        return _read(data, kind, name, content_type, limits)
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
        return DocumentResult.without_text(kind, Reason.NO_TEXT_LAYER)
    if kind is Kind.HTML:
        return DocumentResult.without_text(kind, Reason.NOT_A_DOCUMENT)
    if kind is Kind.UNKNOWN and declared_kind(name, content_type) is not None:
        # The name or content type promised a document; the bytes are none we know.
        return DocumentResult.without_text(kind, Reason.NOT_A_DOCUMENT)
    return DocumentResult.without_text(kind, Reason.UNSUPPORTED_KIND)
