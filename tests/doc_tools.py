"""What the document tests share: how a missing Debian tool is reported, and how a text is
compared with the generator's truth: line by line (:func:`lines_of`)."""

from __future__ import annotations

import os
import re
import shutil

import pytest

REQUIRE_ENV = "GOVNEWS_REQUIRE_DOC_TOOLS"
"""Set (CI): a missing tool or font fails the tests that need it instead of skipping them."""

_WHITESPACE = re.compile(r"\s+")


_SPACES = re.compile(r"[^\S\t\n\f]+")


def squeeze(text: str | None) -> str | None:
    """The text with all whitespace removed (a character measure: OCR's error rate)."""
    return None if text is None else _WHITESPACE.sub("", text)


def lines_of(text: str | None) -> list[list[list[str]]] | None:
    r"""What is compared with the truth: pages (apart by form feeds), their lines, each
    line's cells (apart by tabs), runs of spaces inside a cell as one and none at its ends.
    Line breaks, tabs and form feeds count; how wide a space is does not.

    >>> lines_of("第一段  正文\n序号\t名称\t\f第二页")
    [[['第一段 正文'], ['序号', '名称', '']], [['第二页']]]
    >>> lines_of("序号\t名称") == lines_of("序号名称") or lines_of("a b") == lines_of("ab")
    False
    """
    if text is None:
        return None
    return [
        [[_SPACES.sub(" ", cell).strip() for cell in line.split("\t")] for line in page.split("\n")]
        for page in text.split("\f")
    ]


def missing(message: str) -> None:
    """Skip the test for a missing tool, saying how to install it; fail it in CI."""
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(f"{message} ({REQUIRE_ENV} is set)")
    pytest.skip(message)


def require_catdoc() -> None:
    """catdoc reads DOC and WPS: the tests reading them need it."""
    if shutil.which("catdoc") is None:
        missing("catdoc, which reads DOC and WPS, is not installed: apt-get install catdoc")
