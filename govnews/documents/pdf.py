"""PDF text with pypdfium2 (PDFium, the engine of Chrome's viewer; Apache-2.0/BSD-3).

Chosen for speed (C++, about 19× pdfminer.six on Chinese text, see
``benchmarks/bench_attachments.py``) and fidelity: PDFium maps CID fonts through their
``ToUnicode`` maps the way viewers do, so the Chinese a reader sees is the Chinese it reads.
PyMuPDF would do as well but is AGPL.

No OCR: a PDF whose pages have no text objects (a scan) gives ``no_text_layer``.

>>> cut_short(b"%PDF-1.4\\n1 0 obj\\n<<>>\\nendobj\\nxref\\n"), cut_short(b"%PDF-1.4\\n1 0 obj<<>>endobj\\n%%EOF\\n")
(True, False)
>>> cut_short(b"%PDF-1.4\\n\\x8f\\x02garbage")
False
"""

from __future__ import annotations

import pypdfium2 as pdfium

from .result import DocumentResult, Kind, Reason
from .tidy import tidy

__all__ = ["cut_short", "read_pdf"]

# PDFium's FPDF_ERR_PASSWORD: the document needs a password to open.
_ERR_PASSWORD = 4


def cut_short(data: bytes) -> bool:
    """Whether ``data`` is a PDF body that stops before its end: it has objects but no
    ``%%EOF`` after the last of them (a file cut in an incremental update counts too).
    Garbage after a header has no objects at all, and is corrupt, not truncated."""
    last_object = data.rfind(b"endobj")
    return last_object >= 0 and data.rfind(b"%%EOF") < last_object


def read_pdf(data: bytes) -> DocumentResult:
    """The text of every page in order, pages apart by a blank line.

    >>> read_pdf(b"%PDF-1.4\\n\\x00garbage").reason
    <Reason.CORRUPT: 'corrupt'>
    """
    truncated = cut_short(data)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code == _ERR_PASSWORD:
            return DocumentResult.without_text(Kind.PDF, Reason.ENCRYPTED, detail=str(exc))
        reason = Reason.TRUNCATED if truncated else Reason.CORRUPT
        return DocumentResult.without_text(Kind.PDF, reason, detail=str(exc))
    try:
        if truncated:
            # PDFium rebuilds a cut file's cross-references and reads what is left; a part
            # passed off as the whole document is worse than no text.
            return DocumentResult.without_text(Kind.PDF, Reason.TRUNCATED, detail="no %%EOF after the last object")
        pages = len(document)
        texts = [_page_text(document, index) for index in range(pages)]
    finally:
        document.close()
    text = tidy("\n\n".join(texts))
    if not text.strip():
        return DocumentResult.without_text(Kind.PDF, Reason.NO_TEXT_LAYER, pages=pages)
    return DocumentResult(Kind.PDF, text=text, pages=pages)


def _page_text(document: pdfium.PdfDocument, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return str(textpage.get_text_range())
        finally:
            textpage.close()
    finally:
        page.close()
