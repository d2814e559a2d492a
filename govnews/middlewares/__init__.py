"""Moved to :mod:`govnews.crawl` (kept for one release: see govnews._moved)."""

from __future__ import annotations

from govnews._moved import moved

moved("govnews.middlewares", "govnews.crawl")
