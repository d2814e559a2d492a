"""Refuse every request to a host the crawl was not pointed at, redirects included."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from govnews import stats_keys
from govnews.contract import contract_of
from govnews.logs import for_crawler
from govnews.sites.wuhan import netloc_of

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class AllowedHostsMiddleware:
    """The last word on where requests go.

    Scrapy's OffsiteMiddleware matches domains and their subdomains and ignores ports;
    this one allows exactly the hosts (``host[:port]``) the spider derives from its
    ``base_url`` (``spider.allowed_netlocs``), and sees every request the downloader is
    asked for: list and article pages, ``robots.txt``, and each hop of a redirect. An
    attachment's download (``meta["govnews_attachment"]``) may also go to the other hosts of
    the family table (``spider.attachment_netlocs``; a mirror crawl: its own host only).

    Drops (``IgnoreRequest``, logged at WARNING with the URL): a request to any other host.
    Stats: ``govnews/security/offsite_blocked``.
    """

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AllowedHostsMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if (contract := contract_of(self.crawler.spider)) is None:
            return  # not a govnews spider: Scrapy's own OffsiteMiddleware is the rule
        allowed = contract.attachment_netlocs if request.meta.get("govnews_attachment") else contract.allowed_netlocs
        if urlparse_cached(request).scheme in ("http", "https") and netloc_of(request.url) in allowed:
            return
        self.stats.inc_value(stats_keys.SECURITY("offsite_blocked"))
        redirects = request.meta.get("redirect_urls") or []
        origin = f" (redirected from {redirects[0]})" if redirects else ""
        for_crawler(logger, self.crawler).warning(
            "refused %s%s: not a host of this crawl (%s)", request.url, origin, ", ".join(sorted(allowed))
        )
        raise IgnoreRequest(f"offsite: {request.url}")
