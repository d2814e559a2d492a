"""Archives are listed, never extracted: ZIP with :mod:`zipfile`, RAR and 7z with
libarchive (libarchive-c, CC0, over Debian's ``libarchive13``, BSD), which reads both
formats' headers, RAR5 included, without the non-free ``unrar``.

The result has no text (reason ``archive``) and ``members`` lists the member names; an
archive whose declared sizes or member count pass the limits gives ``decompression_bomb``
and still lists what it declares, for the log.

ZIP names without the UTF-8 flag are decoded as GB18030 when they are not UTF-8: Chinese
Windows writes them in the local code page, which :mod:`zipfile` would read as CP437.

>>> zip_name(zipfile.ZipInfo("通知.txt".encode("gbk").decode("cp437")))
'通知.txt'
>>> zip_name(zipfile.ZipInfo("附件/表格.xls")), zip_name(zipfile.ZipInfo("résumé.txt".encode().decode("cp437")))
('附件/表格.xls', 'résumé.txt')
"""

from __future__ import annotations

import io
import zipfile

from .result import DocumentResult, Kind, ReadLimits, Reason
from .zipguard import bomb_in, zip_failure

__all__ = ["list_archive", "zip_name"]

_UTF8_FLAG = 0x800


def zip_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it (UTF-8 flag, else UTF-8 or GB18030)."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    candidates = []
    for encoding in ("utf-8", "gb18030"):
        try:
            candidates.append(raw.decode(encoding))
        except UnicodeDecodeError:
            continue
    # Short GBK names are often valid UTF-8 too (as combining marks): prefer the reading
    # that gives Chinese.
    for candidate in candidates:
        if all(_plausible(char) for char in candidate):
            return candidate
    return candidates[0] if candidates else info.filename


def _plausible(char: str) -> bool:
    """ASCII, CJK (ideographs, punctuation, full-width forms) or a letter of any script."""
    return (
        char.isascii()
        or "\u2e80" <= char <= "\u9fff"
        or "\uf900" <= char <= "\ufaff"
        or "\uff00" <= char <= "\uffef"
        or (char.isalpha() and not 0x300 <= ord(char) <= 0x36F)
    )


def list_archive(data: bytes, kind: Kind, limits: ReadLimits) -> DocumentResult:
    """The member names of a ZIP, RAR or 7z archive."""
    if kind is Kind.ZIP:
        return _list_zip(data, limits)
    return _list_libarchive(data, kind, limits)


def _list_zip(data: bytes, limits: ReadLimits) -> DocumentResult:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as exc:
        return DocumentResult.without_text(Kind.ZIP, zip_failure(data), detail=str(exc))
    members = tuple(zip_name(info) for info in infos[: limits.max_members])
    bomb = bomb_in(infos, limits)
    reason = Reason.ARCHIVE if bomb is None else Reason.DECOMPRESSION_BOMB
    return DocumentResult(Kind.ZIP, reason=reason, members=members, detail=bomb)


def _list_libarchive(data: bytes, kind: Kind, limits: ReadLimits) -> DocumentResult:
    import libarchive  # noqa: PLC0415 - loads a C library: only archives need it

    names: list[str] = []
    total = 0
    bomb: str | None = None
    try:
        with libarchive.memory_reader(data) as archive:
            for entry in archive:
                names.append(str(entry.pathname))
                total += max(entry.size or 0, 0)
                if len(names) > limits.max_members:
                    bomb = f"over {limits.max_members} members"
                    break
                if total > limits.max_unpacked:
                    bomb = f"{total} bytes unpacked in all"
                    break
    except libarchive.ArchiveError as exc:
        message = str(exc)
        if "encrypt" in message.lower() or "password" in message.lower():
            return DocumentResult.without_text(kind, Reason.ENCRYPTED, detail=message)
        if not names:
            return DocumentResult.without_text(kind, Reason.CORRUPT, detail=message)
        # Headers read up to a damage: list what was there, and say the rest is missing.
        return DocumentResult(kind, reason=Reason.TRUNCATED, members=tuple(names), detail=message)
    reason = Reason.ARCHIVE if bomb is None else Reason.DECOMPRESSION_BOMB
    return DocumentResult(kind, reason=reason, members=tuple(names), detail=bomb)
