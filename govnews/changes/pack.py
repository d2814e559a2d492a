"""A revision's fields, compressed for the store: the previous revision is kept so that the
next one can be diffed against it (issue 29).

The form: one version byte, then zlib (level 9) of the fields as canonical JSON (UTF-8, keys
sorted, no spaces). Stdlib only. Measured on mirror articles (``benchmarks/bench_revisions.py``):
zlib keeps about 0.56 of the JSON; LZMA and UTF-16 gain under 2 %, bz2 loses. GB18030 text
would save about 14 % (two bytes a Chinese character, not three), but its standard has been
revised (GB18030-2022 remapped characters GB18030-2005 kept in the private use area), and a
stored revision must read back the same under every Python a store meets; UTF-8 never moves.
A preset dictionary of the site's stock phrases would tie every stored revision to one
dictionary for ever.

>>> fields = {"title": "关于做好防汛工作的通知", "paragraphs": ["请各单位做好准备。"], "attachments": {}}
>>> unpack(pack(fields)) == fields
True
>>> unpack(b"garbage")
Traceback (most recent call last):
...
ValueError: not a packed revision: unknown format byte 0x67
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any

__all__ = ["FORMAT", "pack", "unpack"]

FORMAT = 1
"""The version byte: zlib of canonical JSON. Another form gets another byte, and
:func:`unpack` reads every form it ever wrote."""
_LEVEL = 9


def pack(fields: Mapping[str, Any]) -> bytes:
    """``fields`` (:func:`govnews.changes.revision_fields`) as bytes for the store; the same
    fields always pack to the same bytes."""
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return bytes((FORMAT,)) + zlib.compress(canonical.encode("utf-8"), _LEVEL)


def unpack(data: bytes) -> dict[str, Any]:
    """The fields :func:`pack` packed; ValueError for bytes it did not write (an unknown
    format byte, a cut or corrupt stream, JSON that is not an object)."""
    if not data:
        raise ValueError("not a packed revision: empty")
    if data[0] != FORMAT:
        raise ValueError(f"not a packed revision: unknown format byte {data[0]:#04x}")
    try:
        fields = json.loads(zlib.decompress(data[1:]).decode("utf-8"))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"corrupt packed revision: {error}") from error
    if not isinstance(fields, dict):
        raise ValueError(f"corrupt packed revision: a {type(fields).__name__}, not the fields")
    return fields
