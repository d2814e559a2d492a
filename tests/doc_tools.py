"""What the document tests share: how a missing Debian tool is reported, and how a text is
compared with the generator's truth."""

from __future__ import annotations

import os
import re
import shutil

import pytest

REQUIRE_ENV = "GOVNEWS_REQUIRE_DOC_TOOLS"
"""Set (CI): a missing tool or font fails the tests that need it instead of skipping them."""

_WHITESPACE = re.compile(r"\s+")


def squeeze(text: str | None) -> str | None:
    """The text with all whitespace removed: what is compared with the truth."""
    return None if text is None else _WHITESPACE.sub("", text)


def missing(message: str) -> None:
    """Skip the test for a missing tool, saying how to install it; fail it in CI."""
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(f"{message} ({REQUIRE_ENV} is set)")
    pytest.skip(message)


def require_catdoc() -> None:
    """catdoc reads DOC and WPS: the tests reading them need it."""
    if shutil.which("catdoc") is None:
        missing("catdoc, which reads DOC and WPS, is not installed: apt-get install catdoc")
