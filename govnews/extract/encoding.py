"""Catch pages whose bytes are not in the charset they declare.

Government CMS pages are GBK/GB2312 or UTF-8, and now and then say the one while being
the other. Two facts decide: Chinese text in GBK is almost never valid UTF-8, and a page
that decodes cleanly as UTF-8 is UTF-8 whatever it declares.

>>> corrected_encoding("武汉".encode("gbk"), "utf-8")
'gb18030'
>>> corrected_encoding("武汉".encode("utf-8"), "gb18030")
'utf-8'
>>> corrected_encoding("武汉".encode("utf-8"), "utf-8") is None
True
"""

from __future__ import annotations

import codecs
import re

_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "hz"})
# Share of undecodable bytes above which a candidate is not the page's charset.
_MAX_ERROR_SHARE = 0.001


# Above this share of undecodable characters a page is garbage, not text.
UNDECODABLE_MAX_SHARE = 0.02
_UNDECODABLE_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def undecodable_share(text: str) -> float:
    """Share of replacement and control characters in ``text``.

    >>> undecodable_share("正文"), undecodable_share("\ufffd\x01ab")
    (0.0, 0.5)
    """
    if not text:
        return 0.0
    return len(_UNDECODABLE_RE.findall(text)) / len(text)


def _canonical(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _error_share(body: bytes, encoding: str) -> float:
    text = body.decode(encoding, errors="replace")
    return text.count("\ufffd") / max(1, len(text))


def corrected_encoding(body: bytes, declared: str) -> str | None:
    """The charset ``body`` is really in, when it is not ``declared``; None when the
    declaration holds (or nothing better is found)."""
    declared = _canonical(declared)
    if body.isascii():
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        utf8_ok = False
    else:
        utf8_ok = True
    if utf8_ok:
        return None if declared == "utf-8" else "utf-8"
    # Declared UTF-8 (or anything else outside the GB family) but not valid UTF-8: GBK?
    gb_fits = _error_share(body, "gb18030") <= _MAX_ERROR_SHARE < _error_share(body, declared)
    return "gb18030" if declared not in _GB_FAMILY and gb_fits else None
