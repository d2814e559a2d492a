"""Moved to :mod:`govnews.crawl.fence` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.crawl.fence import LeaseFence, LeaseFenceMiddleware

moved("govnews.middlewares.fence", "govnews.crawl.fence")

__all__ = ["LeaseFence", "LeaseFenceMiddleware"]
