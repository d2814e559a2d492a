"""Moved to :mod:`govnews.ops.progress` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.ops.progress import CrawlProgress

moved("govnews.progress", "govnews.ops.progress")

__all__ = ["CrawlProgress"]
