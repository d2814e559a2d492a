"""Moved to :mod:`govnews.crawl.allowed_hosts` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved
from govnews.crawl.allowed_hosts import AllowedHostsMiddleware

moved("govnews.middlewares.allowed_hosts", "govnews.crawl.allowed_hosts")

__all__ = ["AllowedHostsMiddleware"]
