"""Moved to :mod:`govnews.crawl.blocked` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.crawl.blocked import BackOffWhenBlockedMiddleware

moved("govnews.middlewares.blocked", "govnews.crawl.blocked")

__all__ = ["BackOffWhenBlockedMiddleware"]
