"""Moved to :mod:`govnews.crawl.spiders.probe` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.crawl.spiders.probe import WuhanProbeSpider

moved("govnews.spiders.probe", "govnews.crawl.spiders.probe")

__all__ = ["WuhanProbeSpider"]
