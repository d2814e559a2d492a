"""Removed: Scrapy counts every answer by status itself (``downloader/response_status_count/<status>``).
A setting that still names this middleware gets one that does nothing, and a warning, for one release."""

from __future__ import annotations

from govnews._moved import moved

moved("govnews.middlewares.status_counter", "Scrapy's own downloader/response_status_count stats (nothing to enable)")


class CountResponseStatusMiddleware:
    """Does nothing: Scrapy's ``DownloaderStats`` counts answers by status."""
