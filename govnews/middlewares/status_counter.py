"""Count every answer that is not a plain 200, retried ones included."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector


class CountResponseStatusMiddleware:
    """Placed next to the download, so a 503 that a retry later turns into a 200 still
    shows: an operator sees bursts the crawl recovered from.

    Changes nothing. Stats: ``govnews/http/<status>`` for each non-200 response.
    """

    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CountResponseStatusMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status != 200:
            self.stats.inc_value(f"govnews/http/{response.status}")
        return response
