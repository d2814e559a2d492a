"""What a read gives back: the kind of file, its text or the reason there is none.

>>> DocumentResult(Kind.PDF, text="通知", pages=1, scanned_pages=())
DocumentResult(kind=<Kind.PDF: 'pdf'>, text='通知', pages=1, reason=None, members=None, detail=None, \
scanned_pages=(), ocr_pages=None, text_truncated=False)
>>> DocumentResult.without_text(Kind.HTML, Reason.NOT_A_DOCUMENT).reason
<Reason.NOT_A_DOCUMENT: 'not_a_document'>
>>> str(Reason.TIMEOUT)
'timeout'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MIB", "TEXT_FORM", "DocumentResult", "Kind", "ReadLimits", "Reason"]

MIB = 1024 * 1024
TEXT_FORM = 2
"""The version of the text's form: 1, lines as the readers gave them and pages apart by a
blank line (release 0.2.0); 2, pages apart by form feeds, paragraphs joined, list numbers,
table rows (issue 31). A text stored in an older form is read again."""


class Kind(StrEnum):
    """What a file really is, as its bytes say (the name and content type only break ties)."""

    PDF = "pdf"
    DOCX = "docx"
    XLSX = "xlsx"
    XLS = "xls"
    DOC = "doc"
    WPS = "wps"
    """Kingsoft WPS Writer: in practice a Word 97 binary document under another name."""
    OFD = "ofd"
    """GB/T 33190, the national fixed-layout format: a ZIP of XML."""
    PPTX = "pptx"
    PPT = "ppt"
    ODF = "odf"
    """OpenDocument (odt, ods, odp)."""
    RTF = "rtf"
    ZIP = "zip"
    RAR = "rar"
    SEVEN_Z = "7z"
    IMAGE = "image"
    HTML = "html"
    UNKNOWN = "unknown"


class Reason(StrEnum):
    """Why a result has no text: short names, stable, for stats keys and logs."""

    NO_TEXT_LAYER = "no_text_layer"
    """An image, or a PDF or OFD whose pages are all scans, read without OCR (or OCR read nothing)."""
    BLANK = "blank"
    """The document was read and holds no text (an empty DOCX, a spreadsheet without cells)."""
    TRUNCATED = "truncated"
    """The file stops short: a PDF without its end marker, a ZIP without its central directory."""
    ENCRYPTED = "encrypted"
    """A password is needed to read it."""
    CORRUPT = "corrupt"
    """The bytes are of a known kind but its reader cannot make sense of them."""
    NOT_A_DOCUMENT = "not_a_document"
    """An HTML page (an error page served as ``.pdf``), or bytes of no known kind where the
    name or content type promised a document."""
    EMPTY = "empty"
    """Zero bytes."""
    DECOMPRESSION_BOMB = "decompression_bomb"
    """A ZIP container or archive declares more unpacked bytes, members or compression than
    the limits allow; nothing was inflated."""
    TOO_LARGE = "too_large"
    """Over the size cap; not read at all."""
    TIMEOUT = "timeout"
    """Reading ran past the time limit; the worker was killed."""
    MEMORY_LIMIT = "memory_limit"
    """Reading needed more memory than the worker's limit."""
    CRASHED = "crashed"
    """The worker process died while reading (a reader library crashed or was killed)."""
    UNSUPPORTED_KIND = "unsupported_kind"
    """A kind this package does not read (a presentation, RTF, plain text, …)."""
    ARCHIVE = "archive"
    """An archive: its members are listed, never extracted or read."""
    TOOL_MISSING = "tool_missing"
    """The Debian tool that reads this kind (``catdoc`` for DOC and WPS) is not installed, or
    OCR was asked for and its engine (the ``ocr`` extra) is not."""


@dataclass(frozen=True, slots=True)
class DocumentResult:
    """One file read: ``text``, or ``None`` and a ``reason``.

    ``text``'s form (``tidy.py``): a paragraph a line (``\\n``), a table row a line with its
    cells apart by a tab, pages (PDF, OFD) and sheets (spreadsheets) apart by a form feed
    (``\\f``): exactly ``pages - 1`` of them, so ``text.split("\\f")[n - 1]`` is page ``n``.

    ``pages`` counts PDF and OFD pages and spreadsheet sheets (an image is one page); ``None``
    where the format has no such count (DOCX, DOC) or the file was not read. ``members``
    lists an archive's member names (archives only). ``scanned_pages``: the 1-based pages
    that are pictures (``()`` when none, ``None`` for formats without pages);
    ``ocr_pages``: those of them read by OCR (``None`` when OCR was not asked for).
    ``text_truncated``: the text was cut at ``ReadLimits.max_text`` characters.
    ``detail`` is a free-form hint for logs, not a stable API.
    """

    kind: Kind
    text: str | None = None
    pages: int | None = None
    reason: Reason | None = None
    members: tuple[str, ...] | None = None
    detail: str | None = None
    scanned_pages: tuple[int, ...] | None = None
    ocr_pages: tuple[int, ...] | None = None
    text_truncated: bool = False

    @classmethod
    def without_text(
        cls,
        kind: Kind,
        reason: Reason,
        *,
        pages: int | None = None,
        detail: str | None = None,
        scanned_pages: tuple[int, ...] | None = None,
    ) -> DocumentResult:
        """A result that explains why there is no text."""
        return cls(kind, text=None, pages=pages, reason=reason, detail=detail, scanned_pages=scanned_pages)


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """Limits one read runs under (the pool adds the process limits: memory, CPU).

    >>> ReadLimits().size_cap // MIB
    50
    """

    size_cap: int = 50 * MIB
    """Files larger than this are not read (reason ``too_large``)."""
    time_limit: float = 30.0
    """Seconds one read may take; a helper tool (``catdoc``) gets the same."""
    max_unpacked: int = 256 * MIB
    """Declared unpacked bytes a ZIP container (DOCX, XLSX, OFD) or archive may hold in all."""
    max_ratio: int = 100
    """Compression ratio above which a member larger than ``ratio_floor`` is a bomb."""
    ratio_floor: int = 8 * MIB
    """Members smaller than this are never bombs by ratio alone (XML compresses well)."""
    max_members: int = 10_000
    """Members a ZIP container or archive may have."""
    max_text: int = 1_000_000
    """Characters of text kept; the rest is cut at a paragraph (``text_truncated``)."""
    ocr: bool = False
    """Read scanned pages (and images) by OCR."""
    ocr_page_time_limit: float = 60.0
    """Seconds OCR may take on one page; a page over it stays unread (``ocr.py``)."""
    ocr_memory_limit: int = 1536 * MIB
    """Bytes of address space a worker may map while it reads a page by OCR."""
