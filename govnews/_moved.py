"""Old import paths, kept for one release: settings and scrapyd configs that name them keep
working, with a warning that says where the thing moved (docs/architecture.md)."""

from __future__ import annotations

import warnings

from scrapy.exceptions import ScrapyDeprecationWarning

MOVED_IN = "0.2.0"


def moved(old: str, new: str) -> None:
    """Warn that module ``old`` moved to ``new`` (Scrapy shows and logs such warnings)."""
    warnings.warn(
        f"{old} moved to {new} in govnews {MOVED_IN}; the old path goes in the next release: "
        f"name {new} in your settings",
        ScrapyDeprecationWarning,
        stacklevel=3,
    )
