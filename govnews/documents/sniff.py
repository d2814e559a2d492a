r"""The real kind of a file from its bytes: magic numbers first, the name and content type
only where the bytes leave a choice (a Word 97 file named ``.wps``, an encrypted OOXML).

>>> sniff(b"%PDF-1.7\n...", "a.doc").value
'pdf'
>>> sniff(b"<!DOCTYPE html><title>404</title>", "https://x.gov.cn/a.pdf", "application/pdf").value
'html'
>>> sniff(b"\x89PNG\r\n\x1a\n....").value
'image'
>>> sniff(b"Rar!\x1a\x07\x01\x00").value, sniff(b"7z\xbc\xaf\x27\x1c\x00\x04").value
('rar', '7z')
>>> sniff(b"plain words", "notes.txt").value
'unknown'
>>> sniff(b"PK\x03\x04" + bytes(26) + b"%PDF-1.4").value, sniff(b"\r\n%PDF-1.4").value
('zip', 'pdf')
>>> declared_kind("https://www.wuhan.gov.cn/files/附件1.DOCX?v=2#top"), declared_kind("", "application/pdf")
(<Kind.DOCX: 'docx'>, <Kind.PDF: 'pdf'>)
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from .result import Kind

__all__ = ["OLE_MAGIC", "declared_kind", "ole_streams", "sniff", "zip_member_names"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_IMAGE_MAGICS = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF, little-endian
    b"MM\x00*",  # TIFF, big-endian
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
)
_HTML_START_RE = re.compile(
    rb"\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|title|meta|script|div|p|h1|center|pre|table)[\s/>]",
    re.IGNORECASE | re.DOTALL,
)
_EXTENSIONS = {
    "pdf": Kind.PDF,
    "docx": Kind.DOCX,
    "docm": Kind.DOCX,
    "xlsx": Kind.XLSX,
    "xlsm": Kind.XLSX,
    "xls": Kind.XLS,
    "et": Kind.XLS,  # Kingsoft spreadsheets: BIFF8 under another name
    "doc": Kind.DOC,
    "wps": Kind.WPS,
    "ofd": Kind.OFD,
    "pptx": Kind.PPTX,
    "ppt": Kind.PPT,
    "dps": Kind.PPT,
    "odt": Kind.ODF,
    "ods": Kind.ODF,
    "odp": Kind.ODF,
    "rtf": Kind.RTF,
    "zip": Kind.ZIP,
    "rar": Kind.RAR,
    "7z": Kind.SEVEN_Z,
}
_CONTENT_TYPES = {
    "application/pdf": Kind.PDF,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Kind.DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Kind.XLSX,
    "application/vnd.ms-excel": Kind.XLS,
    "application/msword": Kind.DOC,
    "application/kswps": Kind.WPS,
    "application/vnd.ms-works": Kind.WPS,
    "application/wps-office.wps": Kind.WPS,
    "application/ofd": Kind.OFD,
    "application/zip": Kind.ZIP,
    "application/x-zip-compressed": Kind.ZIP,
    "application/x-rar-compressed": Kind.RAR,
    "application/vnd.rar": Kind.RAR,
    "application/x-7z-compressed": Kind.SEVEN_Z,
}
# How far into a file the sniffer looks for a PDF header (readers accept junk before it).
_PDF_HEADER_WINDOW = 1024


def declared_kind(name: str = "", content_type: str | None = None) -> Kind | None:
    """The kind a file's name (or URL) and HTTP content type promise, if any: the extension
    first, then the content type. Never trusted alone; see :func:`sniff`.

    >>> declared_kind("/upload/2024/通知.WPS"), declared_kind("a.bin", "application/msword; charset=x")
    (<Kind.WPS: 'wps'>, <Kind.DOC: 'doc'>)
    >>> declared_kind("index.shtml", "text/html") is None
    True
    """
    path = urlsplit(name).path if "://" in name else name.split("?", 1)[0].split("#", 1)[0]
    suffix = PurePosixPath(unquote(path)).suffix.lower().lstrip(".")
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if content_type:
        return _CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())
    return None


def sniff(data: bytes, name: str = "", content_type: str | None = None) -> Kind:
    """The kind ``data`` really is. ``data`` may be the whole file or only its head: without
    the whole file a ZIP's kind comes from its first local headers, an OLE file's from the
    name.

    >>> sniff(b"") is Kind.UNKNOWN
    True
    >>> sniff(b"\\xef\\xbb\\xbf  <html lang=zh><body>404</body></html>", "a.pdf").value
    'html'
    """
    head = data[:_PDF_HEADER_WINDOW]
    if head.startswith(b"%PDF-"):
        return Kind.PDF
    if head.startswith(_ZIP_MAGICS):
        return _zip_kind(data, name, content_type)
    if head.startswith(OLE_MAGIC):
        return _ole_kind(data, name, content_type)
    if head.startswith(b"Rar!\x1a\x07"):
        return Kind.RAR
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return Kind.SEVEN_Z
    if head.startswith(_IMAGE_MAGICS) or _is_riff_webp(head) or _is_bmp(head):
        return Kind.IMAGE
    if head.startswith(b"{\\rtf"):
        return Kind.RTF
    if b"%PDF-" in head:
        # Readers accept junk before the header (a mail header, a BOM); a magic number at
        # the start wins, though: a ZIP whose first member is a PDF is a ZIP.
        return Kind.PDF
    if _HTML_START_RE.match(head.removeprefix(b"\xef\xbb\xbf")):
        return Kind.HTML
    return Kind.UNKNOWN


def zip_member_names(data: bytes) -> list[str]:
    """Member names of a ZIP: from its central directory, or when that cannot be read (a
    truncated file, a head only) from the local headers in order.

    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as archive:
    ...     archive.writestr("OFD.xml", "<ofd:OFD/>")
    >>> zip_member_names(buffer.getvalue()), zip_member_names(buffer.getvalue()[:40])
    (['OFD.xml'], ['OFD.xml'])
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError):
        pass
    names = []
    for match in re.finditer(rb"PK\x03\x04", data[: 1 << 20]):
        start = match.start()
        if start + 30 > len(data):
            break
        (name_length,) = struct.unpack_from("<H", data, start + 26)
        if name_length == 0 or start + 30 + name_length > len(data):
            continue  # no name, or one cut off: nothing to go by
        names.append(data[start + 30 : start + 30 + name_length].decode("utf-8", "replace"))
        if len(names) >= 64:
            break
    return names


def _zip_kind(data: bytes, name: str, content_type: str | None) -> Kind:
    names = zip_member_names(data)
    if "OFD.xml" in names:
        return Kind.OFD
    if "mimetype" in names and any(n in names for n in ("content.xml", "META-INF/manifest.xml")):
        return Kind.ODF
    if "[Content_Types].xml" in names or any(n.startswith(("word/", "xl/", "ppt/")) for n in names):
        for prefix, kind in (("word/", Kind.DOCX), ("xl/", Kind.XLSX), ("ppt/", Kind.PPTX)):
            if any(n.startswith(prefix) for n in names):
                return kind
        # A truncated package whose first local header is the content types: the name decides.
        declared = declared_kind(name, content_type)
        if declared in (Kind.DOCX, Kind.XLSX, Kind.PPTX):
            return declared
    declared = declared_kind(name, content_type)
    if not names and declared in (Kind.DOCX, Kind.XLSX, Kind.PPTX, Kind.OFD):
        return declared
    return Kind.ZIP


def ole_streams(data: bytes) -> list[str]:
    """The top-level stream names of an OLE2 compound file, ``[]`` if it cannot be parsed."""
    import olefile  # noqa: PLC0415 - only OLE files need it

    try:
        with olefile.OleFileIO(data) as ole:
            return ["/".join(entry) for entry in ole.listdir(streams=True, storages=False)]
    except Exception:  # olefile raises many kinds on a damaged file
        return []


def _ole_kind(data: bytes, name: str, content_type: str | None) -> Kind:
    streams = ole_streams(data)
    declared = declared_kind(name, content_type)
    if "WordDocument" in streams:
        # Kingsoft .wps files are Word 97 documents; only the name tells them apart.
        return Kind.WPS if declared is Kind.WPS else Kind.DOC
    if "Workbook" in streams or "Book" in streams:
        return Kind.XLS
    if "PowerPoint Document" in streams:
        return Kind.PPT
    # An encrypted OOXML file (an "EncryptedPackage" stream), or an OLE file cut short: the
    # name says which document it was meant to be.
    if declared in (Kind.DOCX, Kind.XLSX, Kind.PPTX, Kind.DOC, Kind.WPS, Kind.XLS, Kind.PPT):
        return declared
    return Kind.UNKNOWN


def _is_riff_webp(head: bytes) -> bool:
    return head.startswith(b"RIFF") and head[8:12] == b"WEBP"


def _is_bmp(head: bytes) -> bool:
    # "BM" alone is too weak: also ask for a BITMAPINFOHEADER size that exists.
    return (
        head.startswith(b"BM") and len(head) >= 18 and struct.unpack_from("<I", head, 14)[0] in (12, 40, 56, 108, 124)
    )
