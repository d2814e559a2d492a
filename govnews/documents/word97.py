"""DOC and WPS text with Debian's ``catdoc`` (package ``catdoc``), run as a subprocess.

Kingsoft WPS Writer's ``.wps`` files are, in practice, Word 97 binary documents (an OLE2
file with a ``WordDocument`` stream), so one tool serves both. Why ``catdoc``:

- it reads the Unicode text of Word 97-2003 files and writes UTF-8 (``-d utf-8``), Chinese
  included, in about a millisecond and a few MB of memory;
- ``antiword`` (0.37, 2005) refuses short documents outright ("text stream too small");
- LibreOffice headless reads best but costs a second or more and hundreds of MB per file,
  too much for a crawler; the tests use it only to *make* DOC files.

Limits: Word 6/95 files store 8-bit text, and catdoc has no GBK map, so their Chinese is
lost; tables come out a row a line, cells apart by a tab.

Before the tool runs, the file's FIB is read: an encrypted or XOR-obfuscated document
gives ``encrypted`` (catdoc would print noise). The tool runs under the worker's limits,
with ``time_limit`` of its own and ``setpriv --pdeathsig KILL`` so that it dies with a
worker that was killed.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

from .result import DocumentResult, Kind, ReadLimits, Reason
from .tidy import tidy

__all__ = ["fib_encrypted", "read_word97"]

# FIB flags word at offset 0x0A of the WordDocument stream: fEncrypted, fObfuscated.
_F_ENCRYPTED = 0x0100
_F_OBFUSCATED = 0x8000
_WORD_MAGIC = 0xA5EC


def fib_encrypted(word_document_head: bytes) -> bool | None:
    """Whether a ``WordDocument`` stream's FIB marks the file encrypted or obfuscated;
    ``None`` if the stream does not start with a Word FIB.

    >>> fib_encrypted(struct.pack("<HHHHHH", 0xA5EC, 193, 0, 0, 0, 0x0100))
    True
    >>> fib_encrypted(struct.pack("<HHHHHH", 0xA5EC, 193, 0, 0, 0, 0x0200)), fib_encrypted(b"xx")
    (False, None)
    """
    if len(word_document_head) < 12:
        return None
    magic, flags = (
        struct.unpack_from("<H", word_document_head, 0)[0],
        struct.unpack_from("<H", word_document_head, 10)[0],
    )
    if magic != _WORD_MAGIC:
        return None
    return bool(flags & (_F_ENCRYPTED | _F_OBFUSCATED))


def read_word97(data: bytes, kind: Kind, limits: ReadLimits) -> DocumentResult:
    """The text ``catdoc`` reads from a Word 97 (DOC or WPS) file."""
    import olefile  # noqa: PLC0415 - DOC files are rare: import on first use

    try:
        with olefile.OleFileIO(data) as ole:
            head = ole.openstream("WordDocument").read(12)
    except Exception as exc:  # olefile raises many kinds on a damaged file
        return DocumentResult.without_text(kind, Reason.CORRUPT, detail=f"OLE: {exc}")
    encrypted = fib_encrypted(head)
    if encrypted is None:
        return DocumentResult.without_text(kind, Reason.CORRUPT, detail="no Word FIB")
    if encrypted:
        return DocumentResult.without_text(kind, Reason.ENCRYPTED)
    catdoc = shutil.which("catdoc")
    if catdoc is None:
        return DocumentResult.without_text(kind, Reason.TOOL_MISSING, detail="catdoc is not installed")
    setpriv = shutil.which("setpriv")
    # The file goes to catdoc as an anonymous in-memory file: a worker killed mid-read
    # leaves no temporary file behind.
    fd = os.memfd_create("document")
    try:
        os.write(fd, data)
        command = [catdoc, "-d", "utf-8", "-w", f"/dev/fd/{fd}"]
        if setpriv is not None:
            command = [setpriv, "--pdeathsig", "KILL", "--", *command]
        try:
            done = subprocess.run(command, capture_output=True, timeout=limits.time_limit, check=False, pass_fds=(fd,))
        except subprocess.TimeoutExpired:
            return DocumentResult.without_text(kind, Reason.TIMEOUT, detail="catdoc")
    finally:
        os.close(fd)
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()[:200]
        return DocumentResult.without_text(kind, Reason.CORRUPT, detail=f"catdoc: {detail}")
    text = tidy(done.stdout.decode("utf-8", "replace"))
    if not text.strip():
        return DocumentResult.without_text(kind, Reason.BLANK)
    return DocumentResult(kind, text=text)
