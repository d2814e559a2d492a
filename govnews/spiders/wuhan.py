"""Moved to :mod:`govnews.crawl.spiders.wuhan` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.crawl.spiders.wuhan import WuhanSpider

moved("govnews.spiders.wuhan", "govnews.crawl.spiders.wuhan")

__all__ = ["WuhanSpider"]
