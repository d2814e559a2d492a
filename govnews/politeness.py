"""Moved to :mod:`govnews.crawl.politeness` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.crawl.politeness import SpacedHTTPDownloadHandler

moved("govnews.politeness", "govnews.crawl.politeness")

__all__ = ["SpacedHTTPDownloadHandler"]
