"""Attachments into text, safely: PDF, DOCX, XLSX, XLS, DOC, WPS, OFD; archives listed.

One file in (its bytes or path, its name or URL, its HTTP content type), one
:class:`DocumentResult` out: the kind its bytes really are, its text, its page count, or
the stable :class:`Reason` there is no text. Reading runs in worker subprocesses under
memory, CPU and wall-clock limits (:class:`DocumentReader`), so that no file can hang,
crash or exhaust the crawler.

What lives here:

- ``result``: :class:`Kind`, :class:`Reason`, :class:`DocumentResult`, :class:`ReadLimits`.
- ``sniff``: the real kind by magic bytes (an HTML error page served as ``.pdf`` is HTML).
- ``tidy``: the one text form every reader returns (a paragraph a line, table rows with
  tabs, pages apart by form feeds, no controls) and the CJK rules for joining lines.
- ``layout``: lines into paragraphs by where they stand, page furniture, the scan test.
- ``numbering``: DOCX automatic list numbers; ``ocr``: scanned pages read by RapidOCR.
- ``zipguard``: decompression-bomb checks for ZIP containers, before anything is inflated.
- one module a format: ``pdf`` (pypdfium2), ``docx`` (python-docx), ``spreadsheet``
  (python-calamine: XLSX and XLS), ``word97`` (Debian's ``catdoc``: DOC and WPS), ``ofd``
  (hand-written: zipfile + lxml), ``archives`` (zipfile; libarchive for RAR and 7z).
- ``read``: :func:`read_document`, one file read in this process; never raises.
- ``pool``: :class:`DocumentReader`, the subprocess pool the pipeline awaits.

The libraries it reads with: the standard library and the reader libraries (pypdfium2,
python-docx, python-calamine, olefile, libarchive-c, lxml, pebble; rapidocr-onnxruntime,
optional). The futures it returns are plain ones: a pipeline wraps them itself.

Layer rules (from tests/layers.py; ``python -m tests.layers --write`` writes this paragraph):
may import nothing of govnews besides what every part reads (:mod:`govnews.settings`,
:mod:`govnews.stats_keys` and ``govnews.__version__``); may import none of Scrapy, Twisted and
Redis. Built on by :mod:`govnews.ops`, :mod:`govnews.pipelines` and :mod:`govnews.crawl`, which
it never imports.
"""

from __future__ import annotations

from .pool import DocumentReader
from .read import read_document, read_path
from .result import TEXT_FORM, DocumentResult, Kind, ReadLimits, Reason
from .sniff import sniff

__all__ = [
    "TEXT_FORM",
    "DocumentReader",
    "DocumentResult",
    "Kind",
    "ReadLimits",
    "Reason",
    "read_document",
    "read_path",
    "sniff",
]
