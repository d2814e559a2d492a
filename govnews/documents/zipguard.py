"""Decompression-bomb checks for ZIP containers (DOCX, XLSX, OFD, ZIP archives), made on
the central directory's declared sizes before a single member is inflated.

Declared sizes can lie downwards, but that is harmless here: :mod:`zipfile` never hands
out more bytes of a member than its declared size (it stops, and the CRC check fails), so
the declared sizes bound what every reader built on it can inflate.

>>> import io
>>> from govnews.documents.result import MIB
>>> buffer = io.BytesIO()
>>> with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
...     archive.writestr("word/document.xml", b" " * (9 * MIB))
>>> with zipfile.ZipFile(buffer) as archive:
...     bomb_in(archive.infolist(), ReadLimits()).startswith("word/document.xml inflates 9437184 bytes at ratio")
True
>>> with zipfile.ZipFile(buffer) as archive:
...     bomb_in(archive.infolist(), ReadLimits(max_ratio=2000)) is None
True
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from .result import ReadLimits, Reason

__all__ = ["bomb_in", "open_zip", "zip_failure"]


def bomb_in(infos: Sequence[zipfile.ZipInfo], limits: ReadLimits) -> str | None:
    """Why these members make a decompression bomb under ``limits``, or ``None``."""
    if len(infos) > limits.max_members:
        return f"{len(infos)} members"
    total = sum(info.file_size for info in infos)
    if total > limits.max_unpacked:
        return f"{total} bytes unpacked in all"
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            return f"{info.filename} inflates {info.file_size} bytes at ratio {ratio}"
    return None


def zip_failure(data: bytes) -> Reason:
    """Why :mod:`zipfile` could not open ``data``: ``truncated`` when the end-of-central-
    directory record is missing, which is what a file cut short lacks; else ``corrupt``.

    >>> zip_failure(b"PK\\x03\\x04" + b"x" * 100), zip_failure(b"PK\\x03\\x04junk" + b"PK\\x05\\x06" + bytes(18))
    (<Reason.TRUNCATED: 'truncated'>, <Reason.CORRUPT: 'corrupt'>)
    """
    return Reason.CORRUPT if b"PK\x05\x06" in data[-(65536 + 22) :] else Reason.TRUNCATED


class ZipRefused(Exception):
    """The container cannot be read: ``reason`` says why."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def open_zip(data: bytes, limits: ReadLimits) -> zipfile.ZipFile:
    """``data`` opened as a ZIP once its declared sizes passed :func:`bomb_in`; raises
    :class:`ZipRefused` (truncated, corrupt, encrypted, decompression_bomb) otherwise."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as exc:
        raise ZipRefused(zip_failure(data), str(exc)) from None
    infos = archive.infolist()
    bomb = bomb_in(infos, limits)
    if bomb is not None:
        archive.close()
        raise ZipRefused(Reason.DECOMPRESSION_BOMB, bomb)
    if any(info.flag_bits & 0x1 for info in infos):
        archive.close()
        raise ZipRefused(Reason.ENCRYPTED, "encrypted members")
    return archive
