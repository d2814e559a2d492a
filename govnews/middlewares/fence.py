"""No request on a lease that ended: a run past its lease's deadline asks the site nothing.

A worker paused longer than its lease (SIGSTOP, a stalled VM) finds, when it resumes, that
another worker may hold its site now. Its reactor runs before its lease-renewal thread can
find that out, so every request is checked here against the lease's deadline
(:meth:`govnews.spiders.wuhan.WuhanSpider.lease_fence`), and refused once it has passed; the
spider then stops with finish reason ``store_lease_lost``. The download handler checks
again at the last moment, after the politeness waits.

Stats: ``govnews/fence/requests_refused``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler


class LeaseFenceMiddleware:
    """Refuse every request once the run's lease passed its deadline (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeaseFenceMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        fence = getattr(self.crawler.spider, "lease_fence", None)
        if fence is not None and not fence():
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("govnews/fence/requests_refused")
            raise IgnoreRequest("the run's lease on its site ended: no request is made")
